import NIOCore
import SIPAuth
import SIPCore
import SIPStack

/// The pieces of messages the call router writes: branches, tags, Via and Contact for a flow, and the responses it
/// sends the caller.
enum CallMessages {
    static func newBranch() -> String { "z9hG4bK" + token() }

    /// 56 random bits as 14 hex digits (RFC 3261 section 19.3 asks for at least 32): short enough to be stored inside
    /// the string itself, so a tag, which every answer carries, costs no allocation.
    static func newTag() -> String { token(bytes: 7) }

    /// Random bits (64 unless fewer bytes are asked for) as hex digits, written straight into the string (a radix-36
    /// conversion divided per digit, and every answer carries a tag).
    static func token(bytes count: Int = 8) -> String {
        withUnsafeBytes(of: PooledRandomNumberGenerator().next()) { Hex.encode(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
    }

    /// `host:port` of our end of a flow; a wildcard listener answers with the advertised host.
    static func hostPort(_ flow: SIPReplier, advertised: String?) -> String {
        var host = host(flow, advertised: advertised)
        if host.contains(":") { host = "[\(host)]" }
        return "\(host):\(flow.localAddress?.port ?? 5060)"
    }

    /// Our IP address on a flow (for SDP), the advertised host when the listener is bound to a wildcard address.
    static func host(_ flow: SIPReplier, advertised: String?) -> String {
        let host = flow.localAddress?.ipAddress ?? "127.0.0.1"
        if host == "0.0.0.0" || host == "::", let advertised { return advertised }
        return host
    }

    static func via(_ flow: SIPReplier, branch: String, advertised: String? = nil) -> String {
        "SIP/2.0/\(flow.peer.transport.rawValue) \(hostPort(flow, advertised: advertised));branch=\(branch);rport"
    }

    static func contact(_ flow: SIPReplier, user: String, advertised: String? = nil) -> String {
        let transport = flow.peer.transport == .udp ? "" : ";transport=\(flow.peer.transport.rawValue.lowercased())"
        return "<sip:\(user)@\(hostPort(flow, advertised: advertised))\(transport)>"
    }

    /// A header value without its tag parameter, for the From/To of a dialog.
    static func withoutTag(_ value: String) -> String {
        guard var address = try? NameAddress(parsing: value) else { return value }
        var parameters = GenericParameters()
        for parameter in address.parameters where parameter.name.lowercased() != "tag" {
            parameters.append(parameter.name, value: parameter.value, quoted: parameter.quoted)
        }
        address.parameters = parameters
        return address.description
    }

    /// The caller's response: status, our To tag, our Contact, and the callee's SDP when there is one.
    static func response(to invite: SIPRequest, status: Int, reason: String? = nil, toTag: String, contact: String?,
                         body: [UInt8] = [], contentType: String? = nil, warning: String? = nil) -> [UInt8] {
        var response = SIPResponse(replyingTo: invite, statusCode: status, reasonPhrase: reason, toTag: toTag)
        if let warning { response.appendWarning(agent: "portcullis", warning) }
        if let contact, status < 300 { response.headers.append(.contact, contact) }
        if status < 300 { response.headers.append(.allow, SIPRequestDispatcher.allowed) }
        if !body.isEmpty {
            response.headers.append(.contentType, contentType ?? "application/sdp")
            response.body = body
        }
        return response.serialized()
    }
}
