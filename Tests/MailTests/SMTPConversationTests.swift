import Foundation
import Testing
@testable import Mail

/// The SMTP dialogue without a network: what the client sends for each reply, and where it stops.
struct SMTPConversationTests {
    let message = MailMessage(from: "pbx@example.com", to: "ops@example.com", subject: "Code", body: "Your code\n.hidden line\nend")!

    func reply(_ code: Int, _ lines: String...) -> SMTPConversation.Reply { .init(code: code, lines: lines.isEmpty ? [""] : lines) }

    @Test func starttlsThenAuthPlainThenTheMessage() {
        var conversation = SMTPConversation(message: message, hostname: "portcullis", secured: false, requireTLS: true,
                                            credentials: (username: "pbx", password: "secret"))
        #expect(conversation.received(reply(220, "mail ready")) == .send("EHLO portcullis"))
        #expect(conversation.received(reply(250, "mail", "STARTTLS", "8BITMIME")) == .send("STARTTLS"))
        #expect(conversation.received(reply(220, "go ahead")) == .startTLS)
        #expect(conversation.tlsStarted() == .send("EHLO portcullis"))
        let plain = Data([0] + Array("pbx".utf8) + [0] + Array("secret".utf8)).base64EncodedString()
        #expect(conversation.received(reply(250, "mail", "AUTH LOGIN PLAIN")) == .send("AUTH PLAIN \(plain)"))
        #expect(conversation.received(reply(235)) == .send("MAIL FROM:<pbx@example.com>"))
        #expect(conversation.received(reply(250)) == .send("RCPT TO:<ops@example.com>"))
        #expect(conversation.received(reply(250)) == .send("DATA"))
        guard case .sendData(let bytes) = conversation.received(reply(354)) else { Issue.record("no data"); return }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\r\n..hidden line\r\n") && text.hasSuffix("\r\nend\r\n.\r\n"), "dot-stuffed, CRLF, ends with the dot")
        #expect(conversation.received(reply(250, "queued")) == .send("QUIT"))
        #expect(conversation.received(reply(221)) == .done)
    }

    @Test func authLoginWhenPlainIsNotOffered() {
        var conversation = SMTPConversation(message: message, hostname: "p", secured: true, requireTLS: false,
                                            credentials: (username: "pbx", password: "secret"))
        _ = conversation.received(reply(220))
        #expect(conversation.received(reply(250, "mail", "AUTH LOGIN")) == .send("AUTH LOGIN"))
        #expect(conversation.received(reply(334, "VXNlcm5hbWU6")) == .send(Data("pbx".utf8).base64EncodedString()))
        #expect(conversation.received(reply(334, "UGFzc3dvcmQ6")) == .send(Data("secret".utf8).base64EncodedString()))
        #expect(conversation.received(reply(535, "5.7.8 invalid")) == .fail("authentication failed: 535 5.7.8 invalid"))
        #expect(!SMTPConversation.isTransient("authentication failed: 535 5.7.8 invalid"))
        #expect(SMTPConversation.isTransient("the sender was refused: 451 try later"))
    }

    @Test func neverAPasswordWithoutTLSNorAMissingSTARTTLS() {
        var plain = SMTPConversation(message: message, hostname: "p", secured: false, requireTLS: false, credentials: (username: "u", password: "p"))
        _ = plain.received(reply(220))
        guard case .fail(let reason) = plain.received(reply(250, "mail", "AUTH PLAIN")) else { Issue.record("sent a password in clear"); return }
        #expect(reason.contains("without TLS"))
        var downgraded = SMTPConversation(message: message, hostname: "p", secured: false, requireTLS: true, credentials: nil)
        _ = downgraded.received(reply(220))
        #expect(downgraded.received(reply(250, "mail", "8BITMIME")) == .fail("the server does not offer STARTTLS: 250 8BITMIME"))
    }

    @Test func addressesAndSubjectsCannotInjectCommandsOrHeaders() {
        #expect(MailMessage(from: "pbx@example.com", to: "a@example.com>\r\nRCPT TO:<b@example.com", subject: "", body: "") == nil)
        #expect(MailMessage(from: "pbx@example.com", to: "no-at-sign", subject: "", body: "") == nil)
        let message = MailMessage(from: "pbx@example.com", to: "a@example.com", subject: "Hi\r\nBcc: evil@example.com", body: "")!
        #expect(message.subject == "HiBcc: evil@example.com")
        #expect(!String(decoding: message.data, as: UTF8.self).contains("\r\nBcc:"))
    }
}
