import Synchronization

/// Collects every field problem of a document instead of stopping at the first: a configuration file is read
/// whole and all its mistakes are listed at once, while each wrong field keeps its default so the rest can still
/// be checked. Handed to the decoder in `userInfo`; without it, decoding stops at the first problem.
public final class SettingsProblems: Sendable {
    public static let key = CodingUserInfoKey(rawValue: "portcullis.settingsProblems")!

    /// A coding path and what is wrong there.
    public struct Problem: Sendable {
        public let path: [AnyCodingKey]
        public let reason: String

        /// `lockout.window`, `rules[2].action`.
        public var field: String {
            path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
        }
    }

    private let collected = Mutex<[Problem]>([])

    public init() {}

    public var all: [Problem] { collected.withLock { $0 } }

    func record(_ path: [any CodingKey], _ reason: String) {
        let keys = path.map { key in key.intValue.flatMap(AnyCodingKey.init(intValue:)) ?? AnyCodingKey(stringValue: key.stringValue) }
        collected.withLock { $0.append(Problem(path: keys, reason: reason)) }
    }

    /// Records `error` when collecting; otherwise throws it.
    static func handle(_ error: any Error, in decoder: any Decoder) throws {
        guard let problems = decoder.userInfo[key] as? SettingsProblems else { throw error }
        switch error {
        case DecodingError.typeMismatch(let type, let context): problems.record(context.codingPath, "expected \(typeName(type))")
        case DecodingError.valueNotFound(let type, let context): problems.record(context.codingPath, "missing \(typeName(type))")
        case DecodingError.keyNotFound(let key, let context): problems.record(context.codingPath + [key], "required field is missing")
        case DecodingError.dataCorrupted(let context): problems.record(context.codingPath, context.debugDescription)
        default: problems.record(decoder.codingPath, "\(error)")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is UInt32.Type, is UInt64.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is String.Type: "a text value"
        default: "\(type)"
        }
    }
}
