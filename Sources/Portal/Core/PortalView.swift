import AdminAPI
import Foundation
import HTTPTypes

/// What a page handler answers: the template to render inside the layout, its data, and the problems to show
/// beside the fields they name (in the API's words).
struct PortalView {
    var template: String
    var title: String
    var data: [String: Any] = [:]
    var status: HTTPResponse.Status = .ok
    var problems: [FieldProblem] = []
    /// The values a failed form posted, shown again so nothing typed is lost.
    var values: [String: String] = [:]

    init(_ template: String, title: String, _ data: [String: Any] = [:]) {
        self.template = template
        self.title = title
        self.data = data
    }

    /// The view again with `problems`, answered 400 (or the error's own status).
    func failed(_ problems: [FieldProblem], form: PortalForm?, status: HTTPResponse.Status = .badRequest) -> PortalView {
        var view = self
        view.problems = problems
        view.status = status
        if let form {
            for name in Set(form.pairs.map(\.0)) where !PortalView.neverEchoed.contains(where: name.lowercased().contains) {
                view.values[FieldProblem.key(name)] = form.values(name).joined(separator: "\n")
            }
        }
        // Forms built from field lists (a records page's, a settings section's): each field gets its problems and what
        // was typed.
        view.data = PortalView.annotated(view.data, problems: problems, values: view.values)
        return view
    }

    /// `data` with every `fields` list (at this level and in the sections below it) marked with its problems and the
    /// values typed.
    static func annotated(_ data: [String: Any], problems: [FieldProblem], values: [String: String], depth: Int = 0) -> [String: Any] {
        var data = data
        if let fields = data["fields"] as? [[String: Any]] {
            data["fields"] = fields.map { field -> [String: Any] in
                var field = field
                let name = field["name"] as? String ?? ""
                let messages = problems.filter { $0.field == name }.map(\.message)
                if !messages.isEmpty { field["error"] = messages.joined(separator: "; ") }
                if let typed = values[FieldProblem.key(name)] { field["value"] = typed }
                return field
            }
        }
        guard depth < 2 else { return data }
        for (key, value) in data {
            if let section = value as? [String: Any] { data[key] = annotated(section, problems: problems, values: values, depth: depth + 1) }
            if key == "forms", let forms = value as? [[String: Any]] {
                data[key] = forms.map { annotated($0, problems: problems, values: values, depth: depth + 1) }
            }
        }
        return data
    }

    /// Fields whose posted value is never written back into a page.
    static let neverEchoed = ["password", "_csrf", "code", "secret", "token"]
}

/// How a form post ends: back to a page (Post/Redirect/Get) with a notice, or a view (a form with its problems).
enum PortalOutcome {
    case redirect(String, notice: String?)
    case view(PortalView)
}

extension FieldProblem {
    /// The problems an API error lists (`field: message`), each placed beside its field when the form has one.
    static func from(_ error: AdminError, fields: Set<String>) -> [FieldProblem] {
        let lines = error.problems.isEmpty ? [error.detail] : error.problems
        return lines.map { line in
            let name = line.split(separator: ":", maxSplits: 1).first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
            let field = fields.sorted().first { FieldProblem.path(name, names: $0) }
            return FieldProblem(field: field, message: line)
        }
    }

    /// Whether a problem's path (`network.countries.api.allow`, `frequency rule 'x'`) names `field` as one of its
    /// parts.
    static func path(_ path: String, names field: String) -> Bool {
        var start = path.startIndex
        while let range = path.range(of: field, range: start..<path.endIndex) {
            let before = range.lowerBound == path.startIndex ? nil : path[path.index(before: range.lowerBound)]
            let after = range.upperBound == path.endIndex ? nil : path[range.upperBound]
            if (before == nil || before == ".") && (after == nil || [".", "[", " "].contains(after!)) { return true }
            start = range.upperBound
        }
        return false
    }

    /// A field name as a template key (`countries.api` -> `countries_api`).
    static func key(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }
}
