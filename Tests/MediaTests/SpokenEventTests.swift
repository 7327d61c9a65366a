@testable import Media
import Testing

@Suite struct SpokenEventTests {
    @Test func anEventIsReadOutFromTheRecordedWords() {
        let intro = SpokenEvent.word("intro")
        #expect(intro != nil, "the recorded words ship in the bundle")
        let prompt = SpokenEvent.prompt(event: "Extension Registration Blocked Out", source: "127.0.0.1", account: "1001")
        let parts = ["intro", "event-extension-registration-blocked-out", "from", "digit-1", "digit-2", "digit-7", "dot", "digit-0", "dot",
                     "digit-0", "dot", "digit-1", "account", "digit-1", "digit-0", "digit-0", "digit-1"]
        #expect(abs(prompt.duration - parts.compactMap(SpokenEvent.word).map(\.duration).reduce(0, +)) < 0.001)
        #expect(parts.allSatisfy { SpokenEvent.word($0) != nil }, "every word and every catalogued name has a recording")
        #expect(SpokenEvent.slug("SIP Trunk Re-registered") == "sip-trunk-re-registered")
        #expect(SpokenEvent.repeated(prompt, times: 3).duration > 3 * prompt.duration)
        #expect(SpokenEvent.spelled("ä#-").isEmpty, "what has no recording is skipped")
    }
}
