extension SIPRequest {
    /// Writes where the request really came from into its top Via (RFC 3261 section 18.2.1, RFC 3581 section 4):
    /// `received` when the sent-by host is not the source address or rport was asked for, and `rport` with the
    /// source port when asked for. Every response copies the Via, so a phone behind NAT learns its public address
    /// and the response goes back to the port the request came from.
    public mutating func recordSource(ip: String, port: Int) {
        headers.updateTopVia { top in
            var via = top
            let wantsPort = via.rport != nil
            guard wantsPort || via.host != ip else { return nil }
            via.parameters.set("received", value: ip)
            if wantsPort { via.parameters.set("rport", value: String(port)) }
            return via
        }
    }
}
