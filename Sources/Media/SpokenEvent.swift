import Foundation

/// An event read out on a notification call, from the words recorded at build time (`scripts/make-prompts`): the
/// introduction, the event's name, "from" and the source address digit by digit, "account" and the account
/// spelled out. Characters with no recording are skipped; an event with no recording of its name is read as the
/// introduction alone, which still tells the person to look.
public enum SpokenEvent {
    public static func prompt(event name: String, source: String?, account: String?) -> Prompt {
        var pieces = [word("intro"), word("event-" + slug(name))]
        if let source, !source.isEmpty { pieces += [word("from")] + spelled(source) }
        if let account, !account.isEmpty { pieces += [word("account")] + spelled(account) }
        let present = pieces.compactMap { $0 }
        return present.dropFirst().reduce(present.first ?? Prompt(name: "", ulaw: [], alaw: [])) { $0.followed(by: $1) }
    }

    /// The same words again, after "Again.", `times` times in all.
    public static func repeated(_ prompt: Prompt, times: Int) -> Prompt {
        guard times > 1, let again = word("repeat") else { return prompt }
        return (1..<times).reduce(prompt) { whole, _ in whole.followed(by: again).followed(by: prompt) }
    }

    static func spelled(_ text: String) -> [Prompt] {
        text.lowercased().prefix(64).compactMap { character in
            if character.isASCII, character.isNumber { return word("digit-\(character)") }
            if character.isASCII, character.isLetter { return word("letter-\(character)") }
            if character == "." || character == ":" { return word("dot") }
            return nil
        }
    }

    static func slug(_ name: String) -> String {
        var slug = ""
        for character in name.lowercased() {
            let kept = character.isASCII && (character.isLetter || character.isNumber) ? character : "-"
            if kept == "-" && slug.hasSuffix("-") { continue }
            slug.append(kept)
        }
        return slug.hasSuffix("-") ? String(slug.dropLast()) : slug
    }

    /// Read from the bundle each time: a notification call is rare, and the words are a few kilobytes.
    static func word(_ name: String) -> Prompt? {
        let prompt = Prompt(named: name, in: "Prompts/spoken")
        return prompt.ulaw.isEmpty ? nil : prompt
    }
}
