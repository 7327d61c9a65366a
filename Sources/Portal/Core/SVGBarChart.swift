/// A horizontal bar chart as SVG markup, drawn on the server: readable without script, with a title and a
/// description for screen readers (the page also shows the same numbers as a table). Only presentation
/// attributes, no `style`, so the Content-Security-Policy holds. Every text is escaped.
struct SVGBarChart: Sendable {
    struct Series: Sendable {
        let name: String
        let color: String
    }

    struct Row: Sendable {
        let label: String
        let values: [Int]
    }

    let title: String
    let series: [Series]
    let rows: [Row]

    /// Drawn at about the size of a dashboard card, so 12 px text stays 12 px.
    static let width = 380
    static let labelWidth = 150
    static let barHeight = 14
    static let rowGap = 10
    static let legendHeight = 24

    var svg: String {
        let maximum = max(1, rows.flatMap(\.values).max() ?? 1)
        let room = SVGBarChart.width - SVGBarChart.labelWidth - 50
        let rowHeight = series.count * SVGBarChart.barHeight + SVGBarChart.rowGap
        let height = SVGBarChart.legendHeight + max(1, rows.count) * rowHeight + 4
        let description = rows.map { row in
            "\(row.label): " + zip(series, row.values).map { "\($0.1) \($0.0.name)" }.joined(separator: ", ")
        }.joined(separator: "; ")
        var out = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(SVGBarChart.width) \(height)\" role=\"img\" "
            + "aria-label=\"\(SVGBarChart.escape(title))\"><title>\(SVGBarChart.escape(title))</title>"
            + "<desc>\(SVGBarChart.escape(rows.isEmpty ? "nothing to show" : description))</desc>"
        var x = 0
        for item in series {
            out += "<rect x=\"\(x)\" y=\"4\" width=\"12\" height=\"12\" fill=\"\(item.color)\"/>"
                + "<text x=\"\(x + 16)\" y=\"14\">\(SVGBarChart.escape(item.name))</text>"
            x += 24 + 8 * item.name.count
        }
        if rows.isEmpty {
            out += "<text x=\"0\" y=\"\(SVGBarChart.legendHeight + 12)\">Nothing in this period.</text>"
        }
        for (index, row) in rows.enumerated() {
            let top = SVGBarChart.legendHeight + index * rowHeight
            out += "<text x=\"0\" y=\"\(top + SVGBarChart.barHeight - 2)\">\(SVGBarChart.escape(String(row.label.prefix(24))))</text>"
            for (position, (item, value)) in zip(series, row.values).enumerated() {
                let y = top + position * SVGBarChart.barHeight
                let length = value == 0 ? 0 : max(2, room * value / maximum)
                out += "<rect x=\"\(SVGBarChart.labelWidth)\" y=\"\(y)\" width=\"\(length)\" height=\"\(SVGBarChart.barHeight - 2)\" fill=\"\(item.color)\"/>"
                    + "<text x=\"\(SVGBarChart.labelWidth + length + 4)\" y=\"\(y + SVGBarChart.barHeight - 3)\">\(value)</text>"
            }
        }
        return out + "</svg>"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
