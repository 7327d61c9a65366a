/// Store failures a caller can act on.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case alreadyExists(String)
    case notFound(String)
    case backend(String)
    /// A stored record that cannot be read; it is never replaced by a default (that could widen access).
    case unreadable(String)
    /// Data written by a newer version of Portcullis, which this one must not guess at.
    case newerVersion(String)

    public var description: String {
        switch self {
        case .alreadyExists(let what): "\(what) already exists"
        case .notFound(let what): "\(what) not found"
        case .backend(let detail): "store error: \(detail)"
        case .unreadable(let what): "\(what) cannot be read"
        case .newerVersion(let detail): detail
        }
    }
}
