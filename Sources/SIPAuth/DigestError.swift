/// Why credentials could not even be checked.
public enum DigestError: Error, Sendable, Equatable, CustomStringConvertible {
    case notDigest
    case malformed(String)
    case unsupportedAlgorithm(String)

    public var description: String {
        switch self {
        case .notDigest: "only Digest authentication is supported"
        case .malformed(let detail): "malformed digest credentials: \(detail)"
        case .unsupportedAlgorithm(let name): "unsupported digest algorithm '\(name)'"
        }
    }
}
