import ArgumentParser
import Foundation

/// Secrets the CLI takes from a file (`--password-file`), so they stay out of the shell history and `ps`.
enum SecretFile {
    /// The file's text without its trailing line break; nil when no file is given.
    static func read(_ path: String?, option: String) throws -> String? {
        guard let path else { return nil }
        try ConsoleContext.refuseFileAccess(option)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("\(option): cannot read \(path)") }
        return text.trimmingCharacters(in: .newlines)
    }
}
