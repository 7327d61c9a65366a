import Foundation

/// One message's SMTP dialogue as a state machine (RFC 5321, STARTTLS per RFC 3207, AUTH PLAIN/LOGIN per RFC 4954):
/// it is given each complete reply and answers what to do next. No I/O here; `SMTPClient` carries the actions out.
public struct SMTPConversation: Sendable {
    public enum Action: Sendable, Equatable {
        /// Send one command line (without CRLF).
        case send(String)
        /// Send the message body (already dot-stuffed, ending in CRLF.CRLF).
        case sendData([UInt8])
        /// Start TLS on the connection, then call `tlsStarted()`.
        case startTLS
        case done
        case fail(String)
    }

    /// A complete (possibly multi-line) reply.
    public struct Reply: Sendable, Equatable {
        public var code: Int
        public var lines: [String]

        public init(code: Int, lines: [String]) {
            self.code = code
            self.lines = lines
        }
    }

    enum State: Sendable, Equatable {
        case greeting, ehlo, startTLS, ehloSecured, authPlain, authLogin, authUser, authPassword, mailFrom, rcptTo, data, body, quit, finished
    }

    public let message: MailMessage
    let hostname: String
    let requireTLS: Bool
    let credentials: (username: String, password: String)?
    private(set) var state = State.greeting
    private(set) var secured: Bool

    /// `secured`: the connection is TLS from the start; `requireTLS`: STARTTLS must be offered and used.
    public init(message: MailMessage, hostname: String, secured: Bool, requireTLS: Bool, credentials: (username: String, password: String)?) {
        self.message = message
        self.hostname = hostname
        self.secured = secured
        self.requireTLS = requireTLS
        self.credentials = credentials
    }

    public mutating func tlsStarted() -> Action {
        secured = true
        state = .ehloSecured
        return .send("EHLO \(hostname)")
    }

    public mutating func received(_ reply: Reply) -> Action {
        switch state {
        case .greeting:
            guard reply.code == 220 else { return fail("the server refused the connection", reply) }
            state = secured ? .ehloSecured : .ehlo
            return .send("EHLO \(hostname)")
        case .ehlo, .ehloSecured:
            guard reply.code == 250 else { return fail("EHLO was refused", reply) }
            let extensions = reply.lines.dropFirst().map { $0.uppercased() }
            if !secured && requireTLS {
                guard extensions.contains(where: { $0 == "STARTTLS" }) else { return fail("the server does not offer STARTTLS", reply) }
                state = .startTLS
                return .send("STARTTLS")
            }
            return authenticate(extensions)
        case .startTLS:
            guard reply.code == 220 else { return fail("STARTTLS was refused", reply) }
            return .startTLS
        case .authPlain, .authPassword:
            guard reply.code == 235 else { return fail("authentication failed", reply) }
            return mailFrom()
        case .authLogin:
            guard reply.code == 334, let credentials else { return fail("AUTH LOGIN was refused", reply) }
            state = .authUser
            return .send(Data(credentials.username.utf8).base64EncodedString())
        case .authUser:
            guard reply.code == 334, let credentials else { return fail("the user name was refused", reply) }
            state = .authPassword
            return .send(Data(credentials.password.utf8).base64EncodedString())
        case .mailFrom:
            guard reply.code == 250 else { return fail("the sender was refused", reply) }
            state = .rcptTo
            return .send("RCPT TO:<\(message.to)>")
        case .rcptTo:
            guard reply.code == 250 || reply.code == 251 else { return fail("the recipient was refused", reply) }
            state = .data
            return .send("DATA")
        case .data:
            guard reply.code == 354 else { return fail("DATA was refused", reply) }
            state = .body
            return .sendData(message.data)
        case .body:
            guard reply.code == 250 else { return fail("the message was refused", reply) }
            state = .quit
            return .send("QUIT")
        case .quit:
            state = .finished
            return .done
        case .finished:
            return .done
        }
    }

    private mutating func authenticate(_ extensions: [String]) -> Action {
        guard let credentials else { return mailFrom() }
        guard secured else { return fail("refusing to send the password without TLS (security: none)", nil) }
        let mechanisms = extensions.first { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }?.dropFirst(5).split(separator: " ") ?? []
        if mechanisms.contains("PLAIN") {
            state = .authPlain
            let token = Data(([0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8))).base64EncodedString()
            return .send("AUTH PLAIN \(token)")
        }
        if mechanisms.contains("LOGIN") {
            state = .authLogin
            return .send("AUTH LOGIN")
        }
        return fail("the server offers neither AUTH PLAIN nor AUTH LOGIN", nil)
    }

    private mutating func mailFrom() -> Action {
        state = .mailFrom
        return .send("MAIL FROM:<\(message.from)>")
    }

    private mutating func fail(_ reason: String, _ reply: Reply?) -> Action {
        state = .finished
        guard let reply else { return .fail(reason) }
        return .fail("\(reason): \(reply.code) \(String((reply.lines.last ?? "").prefix(200)))")
    }

    /// Whether the failure is worth another attempt later (a 4xx reply or a lost connection, not a 5xx).
    public static func isTransient(_ reason: String) -> Bool { !reason.contains(": 5") }
}
