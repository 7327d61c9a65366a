import Model

/// How to reach the mail server that sends login codes, login links and (later) notifications: the `smtp:` section.
/// Not configured while `host` is empty. The password is stored sealed and never shown.
public struct SMTPSettings: StoredSettings {
    public static let storeKey = "smtp.settings"

    public enum Security: String, StrictChoice {
        /// Plain SMTP upgraded with STARTTLS before authenticating (submission, port 587); refused if not offered.
        case starttls
        /// TLS from the first byte (port 465).
        case tls
        /// No encryption: only for a relay on the same host or a test sink.
        case none
    }

    public var host = ""
    public var port = 587
    public var security = Security.starttls
    public var username: String?
    /// Sealed in the store; nil in answers (see `passwordSet`).
    public var password: String?
    /// The sender address (`From:`).
    public var from = ""
    /// A PEM file of the CA that signed the server's certificate, instead of the system's trust store.
    public var caFile: String?
    /// Seconds a connection and each reply may take.
    public var timeout = 15
    /// Further attempts after a failed delivery, 1 s, 2 s, 4 s ... apart.
    public var retries = 2

    public init() {}

    public var isConfigured: Bool { !host.isEmpty && !from.isEmpty }

    public static let fields: [StrictField<SMTPSettings>] = [
        .init("host", \.host), .init("port", \.port), .init("security", \.security), .init("username", \.username), .init("password", \.password),
        .init("from", \.from), .init("caFile", \.caFile), .init("timeout", \.timeout), .init("retries", \.retries),
    ]

    /// Every problem as `smtp.FIELD: message`.
    public var problems: [String] {
        var problems: [String] = []
        if host.count > 253 || host.contains(where: { $0.isWhitespace || $0 == "/" }) { problems.append("smtp.host: must be a host name or address") }
        problems.check(port, 1...65_535, "smtp.port")
        if !host.isEmpty, !MailAddress.isValid(from) { problems.append("smtp.from: must be an address such as pbx@example.com") }
        if (username == nil) != (password == nil) { problems.append("smtp.username: give a username and a password together") }
        if let username, username.count > 256 || username.contains(where: \.isNewline) { problems.append("smtp.username: at most 256 characters, one line") }
        problems.check(timeout, 1...300, "smtp.timeout", " seconds")
        problems.check(retries, 0...10, "smtp.retries")
        return problems
    }
}

/// Addresses as they may go into an SMTP envelope and a header: one `@`, no spaces, controls, angle brackets or
/// line breaks (which would let a value inject commands or headers).
public enum MailAddress {
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return text.count <= 254 && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".")
            && text.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0.value < 0x7f && !"<>()[],;:\\\"".unicodeScalars.contains($0) }
    }
}
