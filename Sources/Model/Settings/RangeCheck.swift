extension Array where Element == String {
    /// Adds `FIELD: must be LOW-HIGH UNIT, got VALUE` when `value` is outside `range`: the settings' one wording.
    public mutating func check(_ value: Int, _ range: ClosedRange<Int>, _ field: String, _ unit: String = "") {
        if !range.contains(value) { append("\(field): must be \(range.lowerBound)-\(range.upperBound)\(unit), got \(value)") }
    }
}
