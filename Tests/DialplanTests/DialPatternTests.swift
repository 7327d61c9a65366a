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

struct PatternIndexTests {
    @Test func findsEveryPatternANumberMatchesAndNothingElse() throws {
        let patterns = ["9.", "90044X.", "900[1-5]!", "112", "1ZXX", "+44.", "NXXXXXX"]
        var index = PatternIndex<Int>()
        for (position, pattern) in patterns.enumerated() { index.insert(try DialPattern(parsing: pattern), position) }
        for number in ["900442079460000", "9001", "900", "112", "1234", "1034", "+442079", "2345678", "99", "+", ""] {
            var found: [Int] = []
            index.forEachMatch(number) { found.append($0); return true }
            let expected = try patterns.enumerated().filter { try DialPattern(parsing: $0.element).matches(number) }.map(\.offset)
            #expect(found.sorted() == expected, "\(number)")
        }
        #expect(index.count == patterns.count)
        #expect(index.matchesAny("112") && !index.matchesAny("113"))
    }
}
