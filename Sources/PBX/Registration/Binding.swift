import Foundation
import SIPCore
import Storage

/// One registered contact of an extension, in memory.
public struct Binding: Sendable, Equatable {
    public var aor: String
    /// The Contact URI as registered; also its identity within the AOR.
    public var contact: String
    public var expiresAt: Date
    public var callID: String
    public var cseq: UInt32
    /// Where the REGISTER came from (`transport:ip:port`), where requests will be sent behind NAT.
    public var source: String
    public var transport: String
    public var userAgent: String?
    public var updatedAt: Date

    public init(aor: String, contact: String, expiresAt: Date, callID: String, cseq: UInt32, source: String,
                transport: String, userAgent: String?, updatedAt: Date) {
        self.aor = aor
        self.contact = contact
        self.expiresAt = expiresAt
        self.callID = callID
        self.cseq = cseq
        self.source = source
        self.transport = transport
        self.userAgent = userAgent
        self.updatedAt = updatedAt
    }

    public init(_ record: BindingRecord) {
        self.init(aor: record.aor, contact: record.contact, expiresAt: record.expiresAt, callID: record.callID, cseq: record.cseq,
                  source: record.source, transport: record.transport, userAgent: record.userAgent, updatedAt: record.updatedAt)
    }

    public var record: BindingRecord {
        BindingRecord(aor: aor, contact: contact, expiresAt: expiresAt, callID: callID, cseq: cseq, source: source,
                      transport: transport, userAgent: userAgent, updatedAt: updatedAt)
    }

    public func remainingSeconds(at now: Date) -> Int {
        max(0, Int(expiresAt.timeIntervalSince(now).rounded(.up)))
    }
}
