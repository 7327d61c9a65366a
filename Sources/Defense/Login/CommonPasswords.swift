import Foundation

/// Passwords that guessers try first: the bundled list (`CommonPasswords/README.md` for its source and licence).
/// A password is common when it is on the list, ignoring case, or is a listed one with digits and symbols added at
/// the end (`Password123!`): the rules for upper case and digits alone would let those through.
public struct CommonPasswords: Sendable {
    private let words: Set<String>

    public init(_ text: String) {
        words = Set(text.split(whereSeparator: \.isNewline).map { String($0).lowercased() })
    }

    public var isEmpty: Bool { words.isEmpty }

    public func contains(_ password: String) -> Bool {
        let lowered = password.lowercased()
        if words.contains(lowered) { return true }
        let stem = String(lowered.reversed().drop { !$0.isLetter }.reversed())
        return stem.count >= 4 && stem.count < lowered.count && words.contains(stem)
    }

    /// The list shipped with Portcullis; empty when the file is missing (then `bundledProblem` says so and `serve`
    /// refuses to start, so no password check ever runs without it).
    public static let bundled = CommonPasswords(bundledText ?? "")

    public static var bundledProblem: String? {
        bundled.isEmpty ? "the bundled common-passwords.txt is missing from the Defense resources" : nil
    }

    private static var bundledText: String? {
        Bundle.module.url(forResource: "common-passwords", withExtension: "txt").flatMap { try? String(contentsOf: $0, encoding: .utf8) }
    }
}
