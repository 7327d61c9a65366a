/// Checks the Date header form of RFC 3261 section 20.17: an RFC 1123 date that must say GMT.
enum SIPDate {
    private static let weekdays: Set<Substring> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let months: Set<Substring> = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func validate(_ value: String) throws(SIPParseError) {
        // "Sat, 13 Nov 2010 23:29:00 GMT"
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 6, parts[0].hasSuffix(","), weekdays.contains(parts[0].dropLast()),
              parts[1].count == 2, parts[1].allSatisfy(\.isNumber), months.contains(parts[2]),
              parts[3].count == 4, parts[3].allSatisfy(\.isNumber),
              parts[4].count == 8, parts[4].split(separator: ":").count == 3,
              parts[5] == "GMT"
        else { throw SIPParseError(.malformedHeader, "Date: must be an RFC 1123 date in GMT") }
    }
}
