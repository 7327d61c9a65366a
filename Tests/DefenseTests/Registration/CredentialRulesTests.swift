import Testing
@testable import Defense

struct CredentialRulesTests {
    @Test func aStrongSecretPasses() {
        #expect(CredentialRules.problems("Tqbaab7Zr9", number: "1001").isEmpty)
        #expect(CredentialRules.problems("Xk7!pL2#qR9m", number: "1001", names: ["Alice"]).isEmpty)
    }

    @Test func everyBrokenRuleIsListed() {
        #expect(CredentialRules.problems("short", number: "1001") == [
            "must be 10-128 characters, not 5", "must contain an upper-case letter", "must contain a digit",
        ])
        #expect(CredentialRules.problems("Password 1001x", number: "1001") == [
            "must be printable ASCII without spaces", "must not contain the extension number",
        ])
        #expect(CredentialRules.problems("Abcdef1111gh", number: "2000") == ["must not contain a run of 4 repeated or consecutive digits ('1111')"])
        #expect(CredentialRules.problems("Abcdef4321gh", number: "2000") == ["must not contain a run of 4 repeated or consecutive digits ('4321')"])
        #expect(CredentialRules.problems("Abc1234defGH", number: "2000").count == 1)
        #expect(CredentialRules.problems("Abc1357defGH", number: "2000").isEmpty)
        #expect(CredentialRules.problems("myALICEpass7X", number: "2000", names: ["Alice"]) == ["must not contain the name 'Alice'"])
        #expect(CredentialRules.problems("ALLUPPER1234567", number: "2000").count == 2)
        #expect(CredentialRules.problems(String(repeating: "Ab1", count: 50), number: "2000") == ["must be 10-128 characters, not 150"])
    }
}
