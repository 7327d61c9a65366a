/// What makes a login password strong enough (the seed's rules): those of SIP secrets (`CredentialRules`: 10-128
/// printable characters, upper and lower case, a digit, no run of 4 repeated or consecutive digits, not the
/// extension number or a name of the user) and not a common password. Every broken rule is listed.
public enum PasswordRules {
    public static func problems(_ password: String, username: String, extension number: String = "", names: [String] = [],
                                common: CommonPasswords = .bundled) -> [String] {
        var problems = CredentialRules.problems(password, number: number, names: [username] + names)
        if common.contains(password) { problems.append("must not be a common password (it is on the list of those guessed first)") }
        return problems
    }
}
