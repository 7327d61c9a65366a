import Foundation
import Model
import Storage
import Synchronization

/// Where each extension can be reached through this node, in memory for the hot path; every change is queued for the
/// store (write-behind), and the store reloads it after a restart. In a cluster each node holds the bindings of the
/// phones whose flows it holds (stamped with its name), and tells the others when an extension gains a device here
/// or loses its last one, so that a phone that moved between nodes is rung only where it registered last.
public final class LocationService: Sendable {
    private let table = Mutex(Table())
    /// This node's name in a cluster; nil on a single node.
    public let node: String?
    /// Changes waiting to be written; drained by `SIPService`.
    public let pendingWrites = WriteBehindQueue<CoalescingBuffer<BindingChange>>()
    private let presence = Mutex<(@Sendable (_ aor: String, _ present: Bool, _ added: [String]) -> Void)?>(nil)
    /// Total registered contacts, for metrics and limits.
    public var count: Int { table.withLock { $0.bindings.values.reduce(0) { $0 + $1.count } } }

    public init(node: String? = nil) {
        self.node = node
    }

    /// Who hears that an extension registered new contacts here (`added`; present), or has no device here any more
    /// (not present); set once at start. Refreshes of a contact are not told.
    public func announce(_ handle: @escaping @Sendable (_ aor: String, _ present: Bool, _ added: [String]) -> Void) {
        presence.withLock { $0 = handle }
    }

    /// Loads this node's bindings from the store at start, dropping expired ones; other nodes' bindings are theirs.
    public func load(_ records: [BindingRecord], now: Date) {
        var loaded = Table()
        for record in records where record.node == node {
            if record.expiresAt > now {
                loaded.bindings[record.aor, default: []].append(record)
            } else {
                pendingWrites.append(.remove(aor: record.aor, contact: record.contact, node: node))
            }
        }
        for (aor, bindings) in loaded.bindings { loaded.expiry.file(aor, dueBy: bindings.map(\.expiresAt).min()) }
        table.withLock { $0 = loaded }
    }

    public func bindings(for aor: String) -> [Binding] {
        table.withLock { $0.bindings[aor] ?? [] }
    }

    public func all() -> [Binding] {
        table.withLock { $0.bindings.values.flatMap { $0 } }.sorted { ($0.aor, $0.contact) < ($1.aor, $1.contact) }
    }

    /// Makes `bindings` the AOR's set; `decide` runs under the lock with the current set, so two REGISTERs for one
    /// AOR on different threads cannot interleave. Returns the decision and whether the AOR was registered before.
    public func update<Decision: Sendable>(
        _ aor: String, _ decide: (_ current: [Binding]) -> (Decision, [Binding]?)
    ) -> (decision: Decision, before: [Binding]) {
        let (decision, before, after) = table.withLock { table -> (Decision, [Binding], [Binding]?) in
            let current = table.bindings[aor] ?? []
            let (decision, decided) = decide(current)
            let next = decided.map { $0.map { binding in
                var binding = binding
                binding.node = node
                return binding
            } }
            if let next { table.set(aor, next) }
            return (decision, current, next)
        }
        if let after {
            queueChanges(from: before, to: after)
            // A local function, not a closure value, and the list built only when a contact is new: a refresh, the
            // common REGISTER, allocates nothing here.
            func isNew(_ binding: Binding) -> Bool { !before.contains { $0.contact == binding.contact } }
            if after.contains(where: isNew) {
                tell(aor, present: true, added: after.filter(isNew).map(\.contact))
            } else if !before.isEmpty, after.isEmpty {
                tell(aor, present: false)
            }
        }
        return (decision, before)
    }

    /// Lets go of this node's bindings of `aor` with these contacts: the phone registered them through another node,
    /// which holds its flow now, and a call ringing the old binding here as well would ring the phone twice.
    public func release(_ aor: String, contacts: [String]) {
        letGo(aor) { contacts.contains($0.contact) }
    }

    /// After a lost connection to the other nodes, whose announcements were missed: lets go of each binding here that
    /// another node's unexpired binding of the same contact was updated after, as `release` does for an announced
    /// move. Compared under the lock, so a phone that registered here again in the meantime stays.
    public func releaseMoved(seeing records: [BindingRecord], now: Date) {
        var elsewhere: [String: [String: Date]] = [:]
        for record in records where record.node != node && record.expiresAt > now {
            elsewhere[record.aor, default: [:]][record.contact] = max(elsewhere[record.aor]?[record.contact] ?? .distantPast, record.updatedAt)
        }
        for (aor, updated) in elsewhere {
            letGo(aor) { binding in updated[binding.contact].map { binding.updatedAt < $0 } ?? false }
        }
    }

    private func letGo(_ aor: String, where moved: (Binding) -> Bool) {
        _ = update(aor) { current in
            let kept = current.filter { !moved($0) }
            return ((), kept.count == current.count ? nil : kept)
        }
    }

    /// Removes every binding of an AOR (extension deleted).
    public func removeAll(_ aor: String) {
        let removed = table.withLock { $0.set(aor, []) }
        queueChanges(from: removed, to: [])
        if !removed.isEmpty { tell(aor, present: false) }
    }

    /// Drops expired bindings; returns the AORs left with no binding at all.
    public func expire(now: Date) -> [String] {
        let (removed, emptied) = table.withLock { table -> ([Binding], [String]) in
            var removed: [Binding] = []
            var emptied: [String] = []
            for aor in table.expiry.takeDue(through: now) {
                let bindings = table.bindings[aor] ?? []
                removed += bindings.filter { $0.expiresAt <= now }
                table.set(aor, bindings.filter { $0.expiresAt > now })
                if table.bindings[aor] == nil, !bindings.isEmpty { emptied.append(aor) }
            }
            return (removed, emptied)
        }
        for binding in removed { pendingWrites.append(.remove(aor: binding.aor, contact: binding.contact, node: node)) }
        for aor in emptied { tell(aor, present: false) }
        return emptied
    }

    /// The bindings by AOR, and for each AOR a time no later than its earliest binding expires.
    private struct Table: Sendable {
        var bindings: [String: [Binding]] = [:]
        var expiry = ExpiryIndex<String>()

        /// Makes `next` the AOR's set (empty removes it) and files its earliest expiry; returns the set it replaced.
        @discardableResult
        mutating func set(_ aor: String, _ next: [Binding]) -> [Binding] {
            let before = next.isEmpty ? bindings.removeValue(forKey: aor) : bindings.updateValue(next, forKey: aor)
            expiry.file(aor, dueBy: next.lazy.map(\.expiresAt).min())
            return before ?? []
        }
    }

    private func tell(_ aor: String, present: Bool, added: [String] = []) {
        presence.withLock { $0 }?(aor, present, added)
    }

    private func queueChanges(from before: [Binding], to after: [Binding]) {
        // A linear search: an extension has at most `RegistrationBounds.maxContacts` (1-100, usually one), and a set
        // of the kept contacts cost an array and a hash table on every REGISTER.
        for binding in before where !after.contains(where: { $0.contact == binding.contact }) {
            pendingWrites.append(.remove(aor: binding.aor, contact: binding.contact, node: node))
        }
        for binding in after where !before.contains(binding) {
            pendingWrites.append(.upsert(binding))
        }
    }
}
