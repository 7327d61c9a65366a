/// What makes a SIP secret strong enough, applied wherever one is set (API, CLI, YAML) so all three refuse the same
/// secrets with the same reasons. Each broken rule is reported, not just the first.
public enum CredentialRules {
    public static let minimumLength = 10
    public static let maximumLength = 128

    /// Every rule `secret` breaks, one sentence each; empty when it passes. `number` is the extension, `names` the
    /// registration name, user name or display name it must not contain (each compared ignoring case).
    public static func problems(_ secret: String, number: String, names: [String] = []) -> [String] {
        var problems: [String] = []
        if !(minimumLength...maximumLength).contains(secret.count) {
            problems.append("must be \(minimumLength)-\(maximumLength) characters, not \(secret.count)")
        }
        if !secret.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) {
            problems.append("must be printable ASCII without spaces")
        }
        let bytes = Array(secret.utf8)
        if !bytes.contains(where: { (65...90).contains($0) }) { problems.append("must contain an upper-case letter") }
        if !bytes.contains(where: { (97...122).contains($0) }) { problems.append("must contain a lower-case letter") }
        if !bytes.contains(where: { (48...57).contains($0) }) { problems.append("must contain a digit") }
        if let run = digitRun(bytes) { problems.append("must not contain a run of 4 repeated or consecutive digits ('\(run)')") }
        let lowered = secret.lowercased()
        if number.count >= 3, lowered.contains(number.lowercased()) { problems.append("must not contain the extension number") }
        for name in names where name.count >= 3 && lowered.contains(name.lowercased()) {
            problems.append("must not contain the name '\(name)'")
        }
        return problems
    }

    /// The first run of four digits that repeat (1111) or count up or down (1234, 9876).
    static func digitRun(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 4 else { return nil }
        for start in 0...(bytes.count - 4) {
            let window = bytes[start..<start + 4]
            guard window.allSatisfy({ (48...57).contains($0) }) else { continue }
            let steps = zip(window, window.dropFirst()).map { Int($1) - Int($0) }
            if steps.allSatisfy({ $0 == 0 }) || steps.allSatisfy({ $0 == 1 }) || steps.allSatisfy({ $0 == -1 }) {
                return String(decoding: window, as: UTF8.self)
            }
        }
        return nil
    }
}
