@testable import AdminAPI
import Foundation
import SIPAuth
import Storage
import TestSupport

/// An admin service over a fresh SQLite store in its own temporary directory, with no server running.
enum TestService {
    static func make(setupTokenFile name: String? = nil) throws -> AdminService {
        let directory = try ScratchDirectory.directory("admin")
        return AdminService(store: try SQLiteStore(path: directory.appendingPathComponent("a.sqlite").path), realm: "portcullis", live: nil,
                            secrets: SecretBox(key: Array(repeating: 7, count: 32)),
                            setupTokenFile: name.map { directory.appendingPathComponent($0).path })
    }
}
