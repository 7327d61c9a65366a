import Model
import Foundation

/// Everything Portcullis persists. One protocol for every engine (SQLite now, PostgreSQL later), proven by
/// one contract test suite. Writes return only once durable; the hot path never calls this directly.
public protocol PortcullisStore: Sendable {
    func createExtension(_ record: ExtensionRecord) async throws
    func updateExtension(_ record: ExtensionRecord) async throws
    /// Returns false when there was no such extension.
    func deleteExtension(number: String) async throws -> Bool
    func extensionRecord(number: String) async throws -> ExtensionRecord?
    func extensions() async throws -> [ExtensionRecord]
    /// A page of extensions in number order: those whose number, name or registration name contains `search`
    /// (any case), from `offset`, at most `limit`, with how many match in all.
    func extensions(containing search: String?, offset: Int, limit: Int) async throws -> (records: [ExtensionRecord], total: Int)
    /// Replaces the whole extension table and sets settings (nil removes) in one transaction: a declarative
    /// configuration lands whole or not at all.
    func replaceConfiguration(extensions: [ExtensionRecord], settings: [String: String?]) async throws

    func applyBindingChanges(_ changes: [BindingChange]) async throws
    func bindings() async throws -> [BindingRecord]
    /// Releases every binding of a cluster node that died, for other nodes to take when its phones register again;
    /// answers how many went.
    func removeBindings(node: String) async throws -> Int

    func appendEvents(_ events: [EventRecord]) async throws
    func events(_ query: EventQuery) async throws -> [EventRecord]
    /// Marks events read or unread: those of `ids`, or every one (nil); answers how many changed.
    func markEvents(read: Bool, ids: [Int64]?) async throws -> Int
    /// Removes what `pruning` says; answers how many events went.
    func pruneEvents(_ pruning: EventPruning) async throws -> Int

    /// A consistent copy of the configuration and `parts` at `path` (a file of this engine's own format), while
    /// everything keeps running; answers the schema it was written with.
    func snapshot(to path: String, including parts: Set<BackupPart>) async throws -> StoreSchema
    /// Checks a copy made by `snapshot` (intact, not from a newer version) and brings it to this schema.
    func prepareRestore(of path: String) async throws -> StoreSchema
    /// Replaces the configuration and `parts` with the prepared copy's, all at once or not at all.
    func restore(from path: String, including parts: Set<BackupPart>) async throws

    func appendCallRecords(_ records: [CallDetailRecord]) async throws
    func callRecords(_ query: CallDetailQuery) async throws -> [CallDetailRecord]

    func createToken(_ token: APITokenRecord) async throws
    func token(secretHash: String) async throws -> APITokenRecord?
    func tokens() async throws -> [APITokenRecord]
    /// Revokes a token; false when there was none with this id.
    func deleteToken(id: String) async throws -> Bool
    func tokenUsed(id: String, at time: Date) async throws

    func createAdminUser(_ user: AdminUserRecord) async throws
    /// The first administrator, in one transaction: only while no administrator exists and only by deleting the
    /// setting `key` whose value is still `value` (a one-time token, used once however many requests race for it).
    /// False, and nothing changed, otherwise.
    func createFirstAdministrator(_ user: AdminUserRecord, consuming key: String, value: String) async throws -> Bool
    func adminUsers() async throws -> [AdminUserRecord]
    /// A user whose stored second factors cannot be read is an error, never a user without them.
    func adminUser(username: String) async throws -> AdminUserRecord?
    /// Replaces the stored user of the same name; false when there is none.
    func updateAdminUser(_ user: AdminUserRecord) async throws -> Bool
    /// Removes the user with their tokens, sessions and login links; false when there was no such user.
    func deleteAdminUser(username: String) async throws -> Bool

    /// Stores a session, forgetting sessions past their end and the user's oldest beyond `keepingPerUser`.
    func createSession(_ session: SessionRecord, keepingPerUser: Int) async throws
    func session(secretHash: String) async throws -> SessionRecord?
    /// Every session, or one user's; newest first.
    func sessions(username: String?) async throws -> [SessionRecord]
    func sessionSeen(id: String, at time: Date) async throws
    /// Ends sessions by id; returns how many ended.
    func deleteSessions(ids: [String]) async throws -> Int
    /// Ends a user's sessions except `keeping` (the one changing the password); returns how many ended.
    func deleteSessions(username: String, keeping: String?) async throws -> Int

    /// Stores a login link, replacing the user's earlier ones (a new link revokes the old).
    func replaceLoginLink(_ link: LoginLinkRecord) async throws
    func loginLink(secretHash: String) async throws -> LoginLinkRecord?
    /// Deletes and returns the link with this hash, so it works once however many requests race for it.
    func consumeLoginLink(secretHash: String) async throws -> LoginLinkRecord?

    /// Stores the blocks and returns them with their ids.
    func insertBlocks(_ blocks: [NetworkBlockRecord]) async throws -> [NetworkBlockRecord]
    /// Removes and returns the blocks with these ids.
    func deleteBlocks(ids: [Int64]) async throws -> [NetworkBlockRecord]
    /// Removes and returns the blocks that expired at or before `time`.
    func deleteBlocks(expiredAt time: Date) async throws -> [NetworkBlockRecord]
    func blocks(_ query: NetworkBlockQuery) async throws -> [NetworkBlockRecord]
    func addBlockHits(_ hits: [Int64: Int]) async throws
    /// The security dashboard's counts (`SecurityTallies`), in one read.
    func securityTallies(_ query: SecurityTalliesQuery) async throws -> SecurityTallies

    func setting(_ key: String) async throws -> String?
    func setSetting(_ key: String, value: String?) async throws
    /// Reads a setting and writes what `change` makes of it (nil removes) as one step that no other modification of
    /// the same key, from this node or another, can come between: a value several writers change piece by piece (the
    /// outbound locks) loses none of the pieces.
    func modifySetting(_ key: String, _ change: @escaping @Sendable (String?) throws -> String?) async throws
}
