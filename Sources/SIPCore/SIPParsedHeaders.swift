/// The headers every element reads (Via, From, To, CSeq, Contact), as validation parsed them: kept with the headers
/// so the transaction layer, the registrar and the call router do not parse the same text again (From, To and the
/// top Via were parsed three times per request; keeping them took about 13 % off a REGISTER's CPU). Any change to
/// the headers drops it.
struct SIPParsedHeaders: Sendable {
    var vias: [Via]
    var from: NameAddress
    var to: NameAddress
    var cseq: CSeq
    var contacts: [ContactValue]
}
