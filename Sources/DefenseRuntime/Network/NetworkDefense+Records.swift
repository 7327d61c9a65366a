import Defense
import Events
import Foundation
import GeoIP
import Model
import Storage

/// How stored blocks become guard entries and event fields, and how a verdict is explained to an operator.
extension NetworkDefense {
    /// The guard's view of a stored block; nil for blocks the network layer does not enforce (IP+account).
    static func active(_ record: NetworkBlockRecord) -> ActiveBlock? {
        guard let id = record.id, record.blockType == "ip", let network = try? IPNetwork(parsing: record.source) else { return nil }
        let services = record.service.flatMap(NetworkService.init(rawValue:)).map(\.family) ?? .all
        let expiresAt = record.expiresAt.map { Int64($0.timeIntervalSince1970 * 1e9) } ?? .max
        return ActiveBlock(id: id, network: network, services: services, expiresAt: expiresAt)
    }

    /// A block's columns as event fields.
    static func fields(_ record: NetworkBlockRecord) -> [String: String] {
        let formatter = ISO8601DateFormatter()
        var fields: [String: String] = [
            "source": record.source, "defenseType": record.defenseType, "blockType": record.blockType,
            "blockRange": record.range, "attackedAt": formatter.string(from: record.attackedAt),
            "rule": record.rule, "expiresAt": record.expiresAt.map(formatter.string) ?? "permanent", "hits": String(record.hits),
            "offense": String(record.offense),
        ]
        if let id = record.id { fields["id"] = String(id) }
        if let value = record.protocol { fields["protocol"] = value }
        if let value = record.port { fields["port"] = String(value) }
        if let value = record.account { fields["account"] = value }
        if let value = record.note { fields["note"] = value }
        if let expires = record.expiresAt { fields["duration"] = "\(Int(expires.timeIntervalSince(record.createdAt).rounded()))s" }
        return fields
    }

    static func describe(_ verdict: NetworkVerdict, settings: NetworkSettings) -> String {
        let reason: NetworkReason
        switch verdict {
        case .admit: return "admitted"
        case .drop(let value), .reject(let value): reason = value
        }
        switch reason {
        case .staticRule(let index): return "static rule '\(settings.rules[index].name)'"
        case .blocked(let id): return "block \(id)"
        case .country(let code): return "country \(code?.rawValue ?? "unknown") is not in the allowed list"
        case .autoDefense(let rule): return "auto-defense rule '\(settings.autoDefense.rules[rule].name)'"
        case .justBlocked: return "a block being recorded"
        }
    }
}
