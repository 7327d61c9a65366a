/// The headers every element reads (Via, From, To, CSeq, Contact), as validation parsed them: kept with the headers
/// so the transaction layer, the registrar and the call router do not parse the same text again (From, To and the
/// top Via were parsed three times per request; keeping them took about 13 % off a REGISTER's CPU). Any change to
/// the headers drops it. Immutable and shared: a message is copied several times on its way (into a response, a
/// binding, a transaction), and a copy of the headers then retains one reference instead of every parsed string.
final class SIPParsedHeaders: Sendable {
    let vias: [Via]
    let from: NameAddress
    let to: NameAddress
    let cseq: CSeq
    let contacts: [ContactValue]

    init(vias: [Via], from: NameAddress, to: NameAddress, cseq: CSeq, contacts: [ContactValue]) {
        self.vias = vias
        self.from = from
        self.to = to
        self.cseq = cseq
        self.contacts = contacts
    }

    /// The same headers with `top` as the first Via.
    func replacingTopVia(with top: Via) -> SIPParsedHeaders {
        SIPParsedHeaders(vias: [top] + vias.dropFirst(), from: from, to: to, cseq: cseq, contacts: contacts)
    }
}
