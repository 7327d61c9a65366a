/// The shape most configuration pages share (trunks, routes, holidays, number lists...): a table of records, each
/// with its actions (remove, move, unlock), and a form to add one. Rendered by `records.mustache`; the page's
/// handler only says which columns, rows and fields.
struct RecordsPage {
    var title: String
    var intro: String?
    var listTitle: String
    var columns: [String]
    var rows: [Row] = []
    var empty = "Nothing yet."
    var form: Form?
    /// Further forms below the first (a restore beside "make a backup").
    var moreForms: [Form] = []

    struct Row {
        var cells: [String]
        var actions: [Action] = []
    }

    struct Action {
        var path: String
        var label: String
        /// What the button says to a screen reader (`Remove route intl`).
        var description: String
        var hidden: [(String, String)] = []
        var confirm: String?
        var danger = false
    }

    struct Form {
        var title: String
        var path: String
        var submit: String
        var fields: [Field]
    }

    struct Field {
        enum Kind { case text, number, password, textarea, checkbox, select, multiselect }

        var name: String
        var label: String
        var kind: Kind = .text
        var options: [(value: String, label: String)] = []
        var required = false
        var help: String?
        var value = ""
        var checked = false
        /// The options chosen in a multiple select.
        var selected: Set<String> = []

        var data: [String: Any] {
            var data: [String: Any] = ["name": name, "label": label, "required": required, "value": value, "checked": checked,
                                       "isCheckbox": kind == .checkbox, "isTextarea": kind == .textarea,
                                       "isSelect": kind == .select || kind == .multiselect, "multiple": kind == .multiselect,
                                       "isInput": [.text, .number, .password].contains(kind),
                                       "type": kind == .number ? "number" : kind == .password ? "password" : "text",
                                       "options": options.map { ["value": $0.value, "label": $0.label, "selected": $0.value == value || selected.contains($0.value)] }]
            if let help { data["help"] = help }
            return data
        }
    }

    var view: PortalView {
        let hasActions = rows.contains { !$0.actions.isEmpty }
        var data: [String: Any] = [
            "listTitle": listTitle, "columns": columns, "hasActions": hasActions, "empty": empty, "span": columns.count + (hasActions ? 1 : 0),
            "rows": rows.map { row -> [String: Any] in
                ["cells": row.cells, "actions": row.actions.map { action -> [String: Any] in
                    var data: [String: Any] = ["path": action.path, "label": action.label, "description": action.description,
                                               "hidden": action.hidden.map { ["name": $0.0, "value": $0.1] },
                                               "style": action.danger ? "danger" : "secondary"]
                    if let confirm = action.confirm { data["confirm"] = confirm }
                    return data
                }]
            },
        ]
        if let intro { data["intro"] = intro }
        data["forms"] = ([form].compactMap { $0 } + moreForms).map { form -> [String: Any] in
            ["title": form.title, "path": form.path, "submit": form.submit, "fields": form.fields.map(\.data)]
        }
        return PortalView("records", title: title, data)
    }
}
