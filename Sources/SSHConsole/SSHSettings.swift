import GeoIP
import Model

/// The `ssh:` section: the admin console over SSH. Off unless someone turns it on: the seed keeps SSH closed except
/// while troubleshooting, on an address and port of the administrator's choosing.
public struct SSHSettings: StoredSettings {
    public static let storeKey = "ssh.settings"

    public var enabled = false
    /// `HOST:PORT`. Not 22, where the operating system's own sshd usually listens; 8022 as Yeastar uses.
    public var listen = "0.0.0.0:8022"

    public init() {}

    public init(enabled: Bool, listen: String) {
        self.enabled = enabled
        self.listen = listen
    }

    public static let fields: [StrictField<SSHSettings>] = [.init("enabled", \.enabled), .init("listen", \.listen)]

    public var problems: [String] {
        (try? SSHListenAddress(parsing: listen)) == nil ? ["ssh.listen: must be HOST:PORT with an IP address and a port 1-65535, e.g. 0.0.0.0:8022"] : []
    }
}

/// Where the console listens: an IP address literal (a name would make the bound address depend on DNS) and a port.
public struct SSHListenAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(parsing text: String) throws(SSHConsoleError) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            guard text[close...].hasPrefix("]:") else { throw .invalidListen(text) }
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .invalidListen(text) }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let number = Int(port), (1...65_535).contains(number), IPAddress(String(host)) != nil else { throw .invalidListen(text) }
        self.host = String(host)
        self.port = number
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
