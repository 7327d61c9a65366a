/// Why a message was refused, and the status code a server answers with (when it answers at all).
public struct SIPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case messageTooLarge, tooManyHeaders, lineTooLong, malformedStartLine, unsupportedVersion
            case malformedRequestURI, malformedHeader, missingHeader, invalidContentLength
            case contentLengthMismatch, valueOutOfRange, methodMismatch, incomplete
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        public static let messageTooLarge = Code(.messageTooLarge)
        public static let tooManyHeaders = Code(.tooManyHeaders)
        public static let lineTooLong = Code(.lineTooLong)
        public static let malformedStartLine = Code(.malformedStartLine)
        public static let unsupportedVersion = Code(.unsupportedVersion)
        public static let malformedRequestURI = Code(.malformedRequestURI)
        public static let malformedHeader = Code(.malformedHeader)
        public static let missingHeader = Code(.missingHeader)
        public static let invalidContentLength = Code(.invalidContentLength)
        public static let contentLengthMismatch = Code(.contentLengthMismatch)
        public static let valueOutOfRange = Code(.valueOutOfRange)
        public static let methodMismatch = Code(.methodMismatch)
        /// The bytes end before the message does; on a stream, wait for more.
        public static let incomplete = Code(.incomplete)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// Names the header or part at fault, for the Warning/reason phrase and the event log.
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// The status a server sends back for a request that failed this way.
    public var statusCode: Int {
        switch code {
        case .messageTooLarge: 513
        case .unsupportedVersion: 505
        case .malformedRequestURI where detail.hasPrefix("unsupported scheme"): 416
        default: 400
        }
    }

    public var description: String { "\(code): \(detail)" }
}
