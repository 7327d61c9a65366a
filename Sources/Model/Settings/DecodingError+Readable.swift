extension DecodingError {
    /// The coding path of the field that is wrong, and what is wrong with it.
    public var fieldAndReason: (path: [any CodingKey], reason: String) {
        switch self {
        case .typeMismatch(let type, let context): (context.codingPath, "expected \(DecodingError.typeName(type))")
        case .valueNotFound(let type, let context): (context.codingPath, "missing \(DecodingError.typeName(type))")
        case .keyNotFound(let key, let context): (context.codingPath + [key], "required field is missing")
        case .dataCorrupted(let context): (context.codingPath, context.debugDescription)
        @unknown default: ([], "\(self)")
        }
    }

    /// `field.path: what is wrong`, for an error message a person can act on.
    public var readable: String {
        let (path, reason) = fieldAndReason
        let field = DecodingError.pathText(path)
        return field.isEmpty ? reason : "\(field.dropFirst(field.hasPrefix(".") ? 1 : 0)): \(reason)"
    }

    /// `.rules[2].action`
    public static func pathText(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
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
