import Foundation

/// A plain-text message, with headers that cannot be injected into (addresses are checked, the subject loses line
/// breaks) and a body dot-stuffed for DATA.
public struct MailMessage: Sendable, Equatable {
    public let from: String
    public let to: String
    public let subject: String
    public let body: String

    /// nil when an address is not one `MailAddress` accepts.
    public init?(from: String, to: String, subject: String, body: String) {
        guard MailAddress.isValid(from), MailAddress.isValid(to) else { return nil }
        self.from = from
        self.to = to
        self.subject = String(subject.filter { !$0.isNewline }.prefix(200))
        self.body = body
    }

    /// The message as DATA sends it: headers, a blank line, the body with CRLF line ends and leading dots doubled, and
    /// the closing dot.
    public var data: [UInt8] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        let subjectHeader = subject.allSatisfy(\.isASCII) ? subject : "=?utf-8?B?\(Data(subject.utf8).base64EncodedString())?="
        var lines = [
            "From: <\(from)>", "To: <\(to)>", "Subject: \(subjectHeader)", "Date: \(formatter.string(from: Date()))",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(domain)>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit", "",
        ]
        lines += body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { $0.hasPrefix(".") ? "." + $0 : String($0) }
        return Array((lines.joined(separator: "\r\n") + "\r\n.\r\n").utf8)
    }
}
