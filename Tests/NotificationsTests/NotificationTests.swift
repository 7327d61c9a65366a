import Crypto
import Events
import Foundation
import Model
import Notifications
import Testing

@Suite struct NotificationCoalescerTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func blocked(_ ip: String, at seconds: Double = 0) -> PortcullisEvent {
        PortcullisEvent(EventCatalogue.registrationBlocked, time: start.addingTimeInterval(seconds), fields: ["ip": ip])
    }

    @Test func aFloodIsOneMessageNowAndOnePerIntervalWithTheCount() {
        var coalescer = NotificationCoalescer(interval: 60)
        let first = coalescer.admit(blocked("192.0.2.1"), for: ["ops", "soc"], now: start)
        #expect(first.map(\.contact) == ["ops", "soc"] && first.allSatisfy { $0.count == 1 && $0.interval == nil })
        for n in 1...100_000 {
            #expect(coalescer.admit(blocked("192.0.2.\(n % 250)"), for: ["ops", "soc"], now: start.addingTimeInterval(Double(n) / 10_000)).isEmpty)
        }
        #expect(coalescer.flush(now: start.addingTimeInterval(59)).isEmpty, "the interval has not ended")
        let summaries = coalescer.flush(now: start.addingTimeInterval(60))
        #expect(summaries.count == 2 && summaries.allSatisfy { $0.count == 100_000 && $0.interval == 60 })
        #expect(summaries[0].event.fields["ip"] == "192.0.2.0", "the last occurrence is carried")
        #expect(coalescer.openIntervals == 2)
        // A quiet interval closes; the next event goes out at once again.
        #expect(coalescer.flush(now: start.addingTimeInterval(120)).isEmpty)
        #expect(coalescer.openIntervals == 0)
        #expect(coalescer.admit(blocked("192.0.2.1"), for: ["ops"], now: start.addingTimeInterval(121)).count == 1)
    }

    @Test func kindsAndContactsAreCountedApart() {
        var coalescer = NotificationCoalescer(interval: 10)
        #expect(coalescer.admit(blocked("192.0.2.1"), for: ["ops"], now: start).count == 1)
        let other = PortcullisEvent(EventCatalogue.webUserBlocked, time: start, fields: ["ip": "192.0.2.1"])
        #expect(coalescer.admit(other, for: ["ops"], now: start).count == 1)
        #expect(coalescer.admit(blocked("192.0.2.2"), for: ["soc"], now: start).count == 1)
        coalescer.keep(contacts: ["soc"])
        #expect(coalescer.openIntervals == 1, "a removed contact's intervals are forgotten")
    }
}

@Suite struct NotificationFormatTests {
    let event = PortcullisEvent(EventCatalogue.registrationBlocked, time: Date(timeIntervalSince1970: 1_800_000_000),
                                fields: ["ip": "203.0.113.9", "account": "1001", "attempts": "5", "userAgent": "friendly \"scanner\" ]x\\"])

    @Test func theSummaryAndMailCarryTheEventsFields() {
        let text = NotificationText()
        let message = NotificationMessage(contact: "ops", event: event, count: 1, interval: nil)
        #expect(text.summary(event) == "203.0.113.9 blocked after 5 failed registrations of 1001")
        #expect(text.subject(message) == "[Portcullis] Alert: Extension Registration Blocked Out")
        let body = text.body(message)
        #expect(body.contains("203.0.113.9 blocked after 5 failed registrations of 1001") && body.contains("account: 1001"))
        #expect(body.contains("userAgent: friendly \"scanner\" ]x\\"), "plain text: nothing HTML-escaped")
        let coalesced = NotificationMessage(contact: "ops", event: event, count: 41, interval: 60)
        #expect(text.body(coalesced).contains("This happened 41 more times in the last 60 seconds"))
        #expect(text.line(coalesced).hasSuffix("(41 more in the last 60 s)"))
    }

    @Test func anInstallationsTemplateReplacesTheBodyAndABrokenOneIsRefused() {
        let text = NotificationText(overrides: [event.kind.name: "Intruder {{ip}} on {{account}} ({{level}})"])
        #expect(text.body(NotificationMessage(contact: "ops", event: event, count: 1, interval: nil)) == "Intruder 203.0.113.9 on 1001 (alert)")
        #expect(NotificationText.problem(template: "{{#ip}}unclosed") != nil)
        #expect(NotificationText.problem(template: "{{ip}}") == nil)
    }

    @Test func syslogLinesFollowRFC5424() {
        let line = SyslogLine.format(NotificationMessage(contact: "s", event: event, count: 1, interval: nil), text: "blocked", hostname: "pbx one",
                                     processID: 42)
        // Security (facility 4) at alert (severity 1): PRI 33.
        #expect(line.hasPrefix("<33>1 2027-01-15T08:00:00.000Z pbxone portcullis 42 ExtensionRegistrationBlockedOut [portcullis@32473 "))
        #expect(line.contains(#"userAgent="friendly \"scanner\" \]x\\""#), "quote, bracket and backslash escaped")
        #expect(line.hasSuffix("] blocked"))
        let routine = PortcullisEvent(EventCatalogue.trunkReregistered, time: event.time, fields: ["trunk": "carrier"])
        #expect(SyslogLine.format(NotificationMessage(contact: "s", event: routine, count: 3, interval: 60), text: "x", hostname: "", processID: 1)
            .hasPrefix("<134>1 "), "local0 (16) at informational (6)")
    }

    @Test func webhookBodiesAreSignedOverTimestampAndBody() throws {
        let message = NotificationMessage(contact: "hook", event: event, count: 1, interval: nil)
        let body = WebhookPayload(message, text: NotificationText()).body()
        let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(json["text"] as? String == "203.0.113.9 blocked after 5 failed registrations of 1001", "Slack and Teams show `text`")
        #expect((json["event"] as? [String: Any])?["level"] as? String == "alert")
        let signature = WebhookPayload.signature(body: body, timestamp: 1_800_000_000, secret: "a-webhook-secret-16+")
        let expected = HMAC<SHA256>.authenticationCode(for: Data("1800000000.".utf8) + body, using: SymmetricKey(data: Data("a-webhook-secret-16+".utf8)))
        #expect(signature == "sha256=" + expected.map { String(format: "%02x", $0) }.joined())
        #expect(signature != WebhookPayload.signature(body: body, timestamp: 1_800_000_001, secret: "a-webhook-secret-16+"))
    }
}

@Suite struct NotificationContactTests {
    func contact(_ change: (inout NotificationContact) -> Void) -> NotificationContact {
        var contact = NotificationContact()
        contact.name = "ops"
        change(&contact)
        return contact
    }

    @Test func exactlyOneValidChannel() {
        #expect(contact { $0.email = "ops@example.com" }.problems.isEmpty)
        #expect(contact { $0.webhook = "https://hooks.example.com/T1"; $0.secret = "0123456789abcdef" }.problems.isEmpty)
        #expect(contact { $0.syslog = "tcp://[::1]:6514" }.channel == .syslog(SyslogTarget("tcp://[::1]:6514")!))
        #expect(contact { $0.syslog = "tls://logs.example.com:6514" }.problems.isEmpty)
        #expect(contact { _ in }.problems == ["channel: give exactly one of email, webhook, syslog, extension or mobile"])
        #expect(contact { $0.email = "ops@example.com"; $0.syslog = "udp://h:514" }.problems.contains("channel: give exactly one of email, webhook, syslog, extension or mobile"))
        #expect(contact { $0.email = "ops@example.com\r\nBcc: x@y.z" }.problems.first?.hasPrefix("email:") == true)
        #expect(contact { $0.webhook = "http://hooks.example.com/x" }.problems.first?.hasPrefix("webhook:") == true, "plain http only to this host")
        #expect(contact { $0.webhook = "http://127.0.0.1:8080/x" }.problems.isEmpty)
        #expect(contact { $0.webhook = "file:///etc/passwd" }.problems.first?.hasPrefix("webhook:") == true)
        #expect(contact { $0.syslog = "udp://host" }.problems.first?.hasPrefix("syslog:") == true)
        #expect(contact { $0.email = "a@b.c"; $0.secret = "0123456789abcdef" }.problems == ["secret: only a webhook has a secret"])
        #expect(contact { $0.email = "a@b.c"; $0.levels = [] }.problems.first?.hasPrefix("levels:") == true)
        #expect(contact { $0.email = "a@b.c"; $0.events = ["No Such Event"] }.problems == ["events: no event is named 'No Such Event'"])
        #expect(contact { $0.name = "a/b"; $0.email = "a@b.c" }.problems.first?.hasPrefix("name:") == true)
        #expect(contact { $0.extension = "1002" }.channel == .call(extension: "1002"))
        #expect(contact { $0.extension = "10a2" }.problems == ["extension: must be an extension number (digits)"])
        #expect(contact { $0.extension = "1002"; $0.attempts = 0 }.problems == ["attempts: must be 1-10, got 0"])
    }

    @Test func aContactReceivesItsLevelsAndItsEvents() {
        let alerts = contact { $0.email = "a@b.c" }
        let warning = PortcullisEvent(EventCatalogue.registrationFailed)
        #expect(alerts.wants(PortcullisEvent(EventCatalogue.registrationBlocked)) && !alerts.wants(warning))
        #expect(contact { $0.email = "a@b.c"; $0.events = [warning.kind.name] }.wants(warning))
    }
}
