import Foundation

/// A posted form (`application/x-www-form-urlencoded`), bounded: a hostile post cannot make the server hold more
/// than `maxBytes` or split into more than `maxFields` values.
struct PortalForm: Sendable, Equatable {
    static let maxBytes = 512 * 1024
    static let maxFields = 20_000
    /// The hidden field every form carries with the session's CSRF token.
    static let csrfField = "_csrf"

    private(set) var pairs: [(String, String)] = []

    init(_ pairs: [(String, String)] = []) {
        self.pairs = pairs
    }

    static func == (lhs: PortalForm, rhs: PortalForm) -> Bool {
        lhs.pairs.map(\.0) == rhs.pairs.map(\.0) && lhs.pairs.map(\.1) == rhs.pairs.map(\.1)
    }

    /// Parses the body; nil when it is not a form of bounded size.
    init?(body: String) {
        guard body.utf8.count <= PortalForm.maxBytes else { return nil }
        for item in body.split(separator: "&", omittingEmptySubsequences: true) {
            guard pairs.count < PortalForm.maxFields else { return nil }
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PortalForm.decode(parts[0]), let value = PortalForm.decode(parts.count > 1 ? parts[1] : "") else { return nil }
            pairs.append((name, value))
        }
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// The first value of `name`, trimmed; nil when absent.
    subscript(_ name: String) -> String? {
        secret(name)?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The first value of `name` exactly as typed (a password's spaces are part of it); nil when absent.
    func secret(_ name: String) -> String? {
        pairs.first { $0.0 == name }?.1
    }

    /// Every value of `name` (checkboxes, multi-selects), trimmed, empty ones left out.
    func values(_ name: String) -> [String] {
        pairs.filter { $0.0 == name }.map { $0.1.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// A checkbox: present and not "off".
    func flag(_ name: String) -> Bool {
        guard let value = self[name] else { return false }
        return value != "off" && value != "false"
    }

    /// A textarea of one entry per line (or comma), empty lines left out.
    func lines(_ name: String) -> [String] {
        (self[name] ?? "").split(whereSeparator: { $0.isNewline || $0 == "," })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A whole number field: nil when empty, `.failure` with the API's wording when not a number.
    func integer(_ name: String) -> Result<Int?, FieldProblem> {
        guard let text = self[name], !text.isEmpty else { return .success(nil) }
        guard let value = Int(text) else { return .failure(FieldProblem(field: name, message: "\(name): must be a whole number")) }
        return .success(value)
    }
}

/// One problem to show beside a field (or above the form when `field` is nil).
struct FieldProblem: Error, Sendable, Equatable {
    var field: String?
    var message: String
}
