import Foundation
import Model
import SIPCore
import Storage

/// The REGISTER rules of RFC 3261 section 10.3 as a pure function: the request, the AOR's current bindings and
/// `now` in, the answer and the new bindings out. Authentication happened before.
public struct Registrar: Sendable {
    public var bounds: RegistrationBounds

    public init(bounds: RegistrationBounds) {
        self.bounds = bounds
    }

    /// `devices` limits the distinct contacts of this AOR (the extension's own limit, within `bounds.maxContacts`);
    /// over it the least recently registered are replaced when `replaceOldest`, else the request is refused.
    public func decide(_ request: SIPRequest, aor: String, current: [Binding], source: String, transport: String,
                       now: Date, devices: Int = .max, replaceOldest: Bool = false) -> RegistrarDecision {
        let live = current.filter { $0.expiresAt > now }
        let contacts: [ContactValue]
        let headerExpires: UInt32?
        let cseq: CSeq
        do {
            contacts = try request.contacts()
            headerExpires = try request.expires()
            cseq = try request.cseq()
        } catch {
            return .failure(400, error.detail, bindings: live)
        }
        let callID = request.callID ?? ""
        if contacts.isEmpty {
            return RegistrarDecision(statusCode: 200, reason: nil, bindings: live, minExpires: nil)
        }
        if contacts.contains(.wildcard) {
            guard contacts.count == 1, headerExpires == 0 else {
                return .failure(400, "Contact * requires Expires: 0 and no other contact", bindings: live)
            }
            if live.contains(where: { $0.callID == callID && cseq.sequence <= $0.cseq }) {
                return .failure(500, "out-of-order CSeq", bindings: live)
            }
            return RegistrarDecision(statusCode: 200, reason: nil, bindings: [], minExpires: nil)
        }

        var result = live
        for case .address(let address) in contacts {
            let requested: UInt32
            do {
                requested = try address.expires() ?? headerExpires ?? bounds.defaultExpires
            } catch {
                return .failure(400, error.detail, bindings: live)
            }
            if requested != 0 && requested < bounds.minExpires {
                return RegistrarDecision(statusCode: 423, reason: nil, bindings: live, minExpires: bounds.minExpires)
            }
            let expires = min(requested, bounds.maxExpires)
            let contact = address.uri.description
            if let index = result.firstIndex(where: { $0.contact == contact }) {
                if result[index].callID == callID && cseq.sequence <= result[index].cseq {
                    return .failure(500, "out-of-order CSeq", bindings: live)
                }
                if expires == 0 {
                    result.remove(at: index)
                    continue
                }
            } else if expires == 0 {
                continue
            }
            let binding = Binding(aor: aor, contact: contact, expiresAt: now.addingTimeInterval(TimeInterval(expires)),
                                  callID: callID, cseq: cseq.sequence, source: source, transport: transport,
                                  userAgent: request.headers[.userAgent], updatedAt: now)
            if let index = result.firstIndex(where: { $0.contact == contact }) {
                result[index] = binding
            } else {
                result.append(binding)
            }
        }
        guard result.count <= bounds.maxContacts else {
            return .failure(403, "more than \(bounds.maxContacts) contacts registered", bindings: live)
        }
        if result.count > devices {
            guard replaceOldest else {
                return .failure(403, "more than \(devices) device\(devices == 1 ? "" : "s") registered at once (the extension's limit)", bindings: live)
            }
            // This request's contacts were just updated to `now`; the others go oldest first.
            result = Array(result.sorted { $0.updatedAt > $1.updatedAt }.prefix(devices))
        }
        return RegistrarDecision(statusCode: 200, reason: nil, bindings: result, minExpires: nil)
    }
}
