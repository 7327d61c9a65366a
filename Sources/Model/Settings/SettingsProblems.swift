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
        public var field: String { DecodingError.pathText(path).trimmingPrefix(".").description }
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
        if let error = error as? DecodingError {
            let (path, reason) = error.fieldAndReason
            problems.record(path, reason)
        } else {
            problems.record(decoder.codingPath, "\(error)")
        }
    }
}
