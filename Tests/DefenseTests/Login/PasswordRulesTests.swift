import Defense
import Testing

struct PasswordRulesTests {
    @Test func theBundledListIsThereAndCatchesCommonPasswordsDressedUp() {
        let common = CommonPasswords.bundled
        #expect(!common.isEmpty && CommonPasswords.bundledProblem == nil)
        for password in ["password", "Password", "qwerty123", "Password123!", "Letmein2024", "DRAGON!!"] {
            #expect(common.contains(password), "\(password)")
        }
        for password in ["Quiet7-Harbor-Lamp9", "xK93-mwq-Pz7", "Dragonfly-Meadow7"] {
            #expect(!common.contains(password), "\(password)")
        }
    }

    @Test func everyBrokenRuleIsListed() {
        #expect(PasswordRules.problems("Quiet7-Harbor-Lamp9", username: "admin").isEmpty)
        let weak = PasswordRules.problems("admin1111password", username: "admin")
        #expect(weak.contains("must contain an upper-case letter"))
        #expect(weak.contains("must not contain a run of 4 repeated or consecutive digits ('1111')"))
        #expect(weak.contains("must not contain the name 'admin'"))
        #expect(PasswordRules.problems("Password123!", username: "alice") == ["must not be a common password (it is on the list of those guessed first)"])
        #expect(PasswordRules.problems("Xy7-1002-house", username: "bob", extension: "1002").contains("must not contain the extension number"))
        // Without the list (a missing file), nothing is common: `serve` refuses to start then, so that never checks.
        #expect(!CommonPasswords("").contains("password"))
    }
}
