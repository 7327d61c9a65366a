import Foundation
import SSHConsole

/// Prints results for people (aligned columns) or for scripts (JSON).
enum Output {
    static func json(_ value: some Encodable) throws {
        print(String(decoding: try jsonData(value), as: UTF8.self))
    }

    static func jsonData(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }

    static func table(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }

    static func time(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// Unbuffered, so a supervisor or a test reading the pipe sees it at once.
    static func line(_ message: String) {
        if let console = ConsoleContext.current { return console.output.write(message + "\n") }
        FileHandle.standardOutput.write(Data((message + "\n").utf8))
    }

    static func error(_ message: String) {
        if let console = ConsoleContext.current { return console.output.write("error: \(message)\n", to: .error) }
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }
}

/// Every command prints through this rather than the standard library's `print`: to standard output, or, when the
/// command runs in an SSH console session, to that session.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { "\($0)" }.joined(separator: separator)
    if let console = ConsoleContext.current { return console.output.write(text + terminator) }
    Swift.print(text, terminator: terminator)
}
