import Foundation
import Model

/// The calls a node has up, as the shared store knows them, so that a node that dies does not take their records
/// with it: another node closes them. Only a shared engine (PostgreSQL) keeps one. A call's final record, when its
/// node writes it, takes the call out in the same transaction.
public protocol CallJournal: Sendable {
    /// Calls answered, with their record as it stands (its node named).
    func openCalls(_ records: [CallDetailRecord]) async throws
    /// Every call a dead node had up gets its record, ended at `time` by the PBX for `cause`, in one transaction;
    /// answers how many.
    func closeOpenCalls(node: String, at time: Date, cause: String) async throws -> Int
}
