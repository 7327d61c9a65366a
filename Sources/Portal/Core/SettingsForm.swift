import Foundation

/// A settings section shown as labelled number fields (thresholds, windows, durations): read from the settings'
/// own JSON coding and written back through it, so the field names, defaults and strict decoding stay the API's.
/// A key may name one nested level (`lockout.window`).
struct SettingsForm: Sendable {
    struct Field: Sendable {
        let key: String
        let label: String
    }

    let fields: [Field]

    init(_ fields: [(String, String)]) {
        self.fields = fields.map { Field(key: $0.0, label: $0.1) }
    }

    /// The fields with their current values, for the template.
    func data(_ settings: some Encodable) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(settings)) as? [String: Any] ?? [:]
        return fields.map { field in
            ["name": field.key, "id": FieldProblem.key(field.key), "label": field.label, "value": SettingsForm.value(field.key, in: object).map { "\($0)" } ?? ""]
        }
    }

    /// `settings` with the posted numbers in place; a field that is not a whole number is a problem beside it.
    func apply<Settings: Codable>(_ form: PortalForm, to settings: Settings) throws -> Result<Settings, FieldProblem> {
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(settings)) as? [String: Any] ?? [:]
        for field in fields {
            switch form.integer(field.key) {
            case .success(let value?): SettingsForm.set(value, field.key, in: &object)
            case .success(nil): continue
            case .failure(let problem): return .failure(problem)
            }
        }
        return .success(try JSONDecoder().decode(Settings.self, from: JSONSerialization.data(withJSONObject: object)))
    }

    private static func value(_ key: String, in object: [String: Any]) -> Any? {
        let path = key.split(separator: ".").map(String.init)
        return path.count == 2 ? (object[path[0]] as? [String: Any])?[path[1]] : object[key]
    }

    private static func set(_ value: Int, _ key: String, in object: inout [String: Any]) {
        let path = key.split(separator: ".").map(String.init)
        guard path.count == 2 else { object[key] = value; return }
        var inner = object[path[0]] as? [String: Any] ?? [:]
        inner[path[1]] = value
        object[path[0]] = inner
    }
}
