/// A command line split into words the way a shell would for plain arguments: spaces separate, single quotes keep
/// everything, double quotes keep all but a backslash, which (as outside quotes) escapes the next character. No
/// variables, globbing or substitution: the words go to the command parser, never to a shell.
public enum CommandWords {
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public static func split(_ line: String) throws(Problem) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                word.append(character)
                escaped = false
                continue
            }
            switch (quote, character) {
            case ("'", "'"), ("\"", "\""):
                quote = nil
            case ("'", _):
                word.append(character)
            case ("\"", "\\"):
                escaped = true
            case ("\"", _):
                word.append(character)
            case (nil, "\\"):
                escaped = true
                inWord = true
            case (nil, "'"), (nil, "\""):
                quote = character
                inWord = true
            case (nil, _) where character.isWhitespace:
                if inWord { words.append(word) }
                word = ""
                inWord = false
            default:
                word.append(character)
                inWord = true
            }
        }
        if let quote { throw Problem(description: "a \(quote) quote is not closed") }
        if escaped { throw Problem(description: "the line ends with a backslash") }
        if inWord { words.append(word) }
        return words
    }
}
