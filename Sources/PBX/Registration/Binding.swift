import Foundation
import Model
import Storage

/// A registered contact of an extension. The location service keeps the store's record shape, so nothing is
/// converted between memory and disk.
public typealias Binding = BindingRecord

extension BindingRecord {
    public func remainingSeconds(at now: Date) -> Int {
        max(0, Int(expiresAt.timeIntervalSince(now).rounded(.up)))
    }
}
