import Foundation

/// Where tests put the stores and files they make: one directory per test process, removed when the process exits,
/// so that a run leaves nothing behind in the system's temporary directory (each run used to leave a few dozen SQLite
/// stores and files there). A crashed run leaves this one directory.
public enum ScratchDirectory {
    private static let root: URL = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: ScratchDirectory.root) }
        return root
    }()

    /// A new, empty directory of its own.
    public static func directory(_ prefix: String) throws -> URL {
        let directory = root.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A path no file has yet.
    public static func file(_ prefix: String) -> URL {
        root.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    }
}
