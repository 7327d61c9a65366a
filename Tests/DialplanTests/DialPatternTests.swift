import Dialplan
import Testing

@Suite("Dial patterns")
struct DialPatternTests {
    @Test(arguments: [
        ("9.", "900442079460000", true), ("9.", "9", false), ("9!", "9", true), ("9!", "8", false),
        ("NXXNXXXXXX", "2125551234", true), ("NXXNXXXXXX", "1125551234", false), ("NXXNXXXXXX", "212555123", false),
        ("0[1-9]XXXXXXXX", "0207946000", true), ("0[1-9]XXXXXXXX", "0007946000", false),
        ("[135-7]", "6", true), ("[135-7]", "4", false), ("[1,3]2", "32", true),
        ("Z", "0", false), ("Z", "1", true), ("112", "112", true), ("112", "1120", false),
        ("*7X", "*71", true), ("+44.", "+44207", true), ("x", "5", true),
    ])
    func matches(pattern: String, number: String, expected: Bool) throws {
        #expect(try DialPattern(parsing: pattern).matches(number) == expected)
    }

    @Test(arguments: [
        ("9.5", "'.' may only end"), ("!!", "'!' may only end"), ("9[", "not closed"), ("9[a]", "a [set] holds digits"),
        ("9[5-1]", "bad range"), ("9[]", "empty"), ("9A", "is not allowed"), ("", "1-64 characters"),
    ])
    func refusals(pattern: String, message: String) {
        #expect { try DialPattern(parsing: pattern) } throws: { "\($0)".contains(message) }
    }

    @Test func rewritingStripsThenPrepends() {
        #expect(NumberRewrite(strip: 1, prepend: "").apply("900442079") == "00442079")
        #expect(NumberRewrite(strip: 0, prepend: "+1").apply("2125551234") == "+12125551234")
        #expect(NumberRewrite(strip: 5, prepend: "0").apply("123") == "0", "stripping more than there is leaves nothing")
        #expect(!NumberRewrite(strip: 21).problems.isEmpty && !NumberRewrite(prepend: "12a").problems.isEmpty)
        #expect(NumberRewrite(strip: 2, prepend: "+#*1").problems.isEmpty)
    }
}
