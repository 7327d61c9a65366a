import Foundation
import GRDB
@testable import Storage
import Testing

@Suite("Database timestamps")
struct DatabaseTimestampTests {
    /// Binding dates are written without GRDB's formatter; they must be the very text GRDB writes, or SQL comparisons
    /// between old and new rows (and the readers) would differ.
    @Test func theTextIsWhatGRDBWritesForTheSameDate() {
        var generator = SystemRandomNumberGenerator()
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400.999), // 2000-02-29
                     Date(timeIntervalSince1970: 4_102_444_799.5), Date(timeIntervalSince1970: -1.25),
                     // Half a millisecond before 1970 rounds up (a random date found it).
                     Date(timeIntervalSince1970: -1_377_787_331.4965), Date(timeIntervalSince1970: -0.0005)]
        for _ in 0..<20_000 { dates.append(Date(timeIntervalSince1970: Double.random(in: -2e9...8e9, using: &generator))) }
        for date in dates {
            #expect(DatabaseTimestamp.text(date) == String.fromDatabaseValue(date.databaseValue), "\(date.timeIntervalSince1970)")
        }
    }
}
