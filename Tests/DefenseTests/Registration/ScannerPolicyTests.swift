import Testing
@testable import Defense

struct ScannerPolicyTests {
    @Test func knownScannersAreRecognizedAnywhereInTheUserAgentIgnoringCase() {
        let policy = ScannerPolicy()
        #expect(policy.scanner(in: "friendly-scanner") == "friendly-scanner")
        #expect(policy.scanner(in: "SIPVicious 0.3.4") == "sipvicious")
        #expect(policy.scanner(in: "Mozilla VaxSIPUserAgent/3.1") == "VaxSIPUserAgent")
        #expect(policy.scanner(in: "Yealink SIP-T46S 66.86.0.15") == nil && policy.scanner(in: "baresip v1.0.0") == nil)
        var off = policy
        off.action = .off
        #expect(off.scanner(in: "friendly-scanner") == nil)
        var bad = policy
        // Finding 15: "a" would match almost every phone.
        bad.userAgents = ["", "a", "sip", String(repeating: "x", count: 65)]
        #expect(bad.problems.count == 4 && bad.problems.allSatisfy { $0.contains("must be 4-64 printable characters") })
        bad.userAgents = ["sipp"]
        #expect(bad.problems.isEmpty)
    }
}
