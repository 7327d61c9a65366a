/// What the console's settings and keys refuse, in words an administrator can act on.
public enum SSHConsoleError: Error, Equatable, CustomStringConvertible {
    case invalidListen(String)
    case invalidKey(String)
    case unsupportedKeyType(String)
    case hostKeyUnreadable

    public var description: String {
        switch self {
        case .invalidListen(let text): "'\(text.prefix(80))' is not HOST:PORT with an IP address and a port 1-65535"
        case .invalidKey(let reason): "not an OpenSSH public key (one line: TYPE BASE64 [COMMENT]): \(reason)"
        case .unsupportedKeyType(let type):
            "key type '\(type.prefix(40))' is not accepted: use ssh-ed25519 or ecdsa-sha2-nistp256/384/521 (ssh-keygen -t ed25519)"
        case .hostKeyUnreadable: "the stored SSH host key cannot be read (was secrets.key replaced?); disable and enable SSH to make a new one"
        }
    }
}
