import Model

/// A registration refreshed many times between two batches is written once. An upsert sets every column of its row,
/// so it supersedes anything before it; a remove supersedes only the same remove, because a remove after an upsert
/// must still delete the row even when another node had written it before the upsert.
extension BindingChange: Coalescing {
    public struct Key: Hashable, Sendable {
        let aor: String
        let contact: String
    }

    public var key: Key {
        switch self {
        case .upsert(let binding): Key(aor: binding.aor, contact: binding.contact)
        case .remove(let aor, let contact, _): Key(aor: aor, contact: contact)
        }
    }

    public func supersedes(_ earlier: BindingChange) -> Bool {
        switch self {
        case .upsert: true
        case .remove: self == earlier
        }
    }
}
