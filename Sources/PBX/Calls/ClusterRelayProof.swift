import Foundation
import Model

/// What a node adds to a call it relays to another node (`X-Portcullis-Relay`), so that the other node rings its
/// phones without a digest challenge: the sending node's name, the time, and an HMAC under the cluster's shared
/// `secrets.key` of both and of the call (Call-ID, caller, callee). Anyone else, or the same header on another call,
/// another number, or more than `window` seconds later, is refused. Pure: the key is a function handed in.
public struct ClusterRelayProof: Sendable, Equatable {
    public static let header = "X-Portcullis-Relay"
    /// Clocks of the nodes may differ by this much; a captured proof is worthless after it.
    public static let window: TimeInterval = 30

    public var node: String
    public var time: Int64
    public var mac: String

    /// The proof for a call `node` sends now.
    public init(node: String, callID: String, caller: String, callee: String, now: Date, key: (String) -> String) {
        self.node = node
        time = Int64(now.timeIntervalSince1970)
        mac = key(Self.signed(node: node, time: time, callID: callID, caller: caller, callee: callee))
    }

    init(node: String, time: Int64, mac: String) {
        self.node = node
        self.time = time
        self.mac = mac
    }

    /// `node=NAME;time=SECONDS;mac=...`: what goes in the header.
    public var headerValue: String { "node=\(node);time=\(time);mac=\(mac)" }

    /// Reads a header value; nil for anything but the three fields, each once and bounded.
    public init?(parsing value: String) {
        guard value.utf8.count <= 256 else { return nil }
        var fields: [String: String] = [:]
        for part in value.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, fields.updateValue(pair[1], forKey: pair[0]) == nil else { return nil }
        }
        guard fields.count == 3, let node = fields["node"], ClusterNode.nameProblem(node) == nil, let time = fields["time"].flatMap({ Int64($0) }),
              let mac = fields["mac"] else { return nil }
        self.init(node: node, time: time, mac: mac)
    }

    /// Whether this proof was made by a node holding the key, for this call, within the window.
    public func holds(callID: String, caller: String, callee: String, now: Date, key: (String) -> String) -> Bool {
        guard abs(now.timeIntervalSince1970 - TimeInterval(time)) <= Self.window else { return false }
        let expected = key(Self.signed(node: node, time: time, callID: callID, caller: caller, callee: callee))
        return ConstantTime.equals(Array(expected.utf8), Array(mac.utf8))
    }

    /// Each part on its own line, so that no two different calls sign the same text.
    private static func signed(node: String, time: Int64, callID: String, caller: String, callee: String) -> String {
        ["portcullis-cluster-relay", node, String(time), callID, caller, callee]
            .map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n")
    }
}
