import AdminAPI
import ArgumentParser
import SSHConsole

/// A CLI command running inside an SSH console session rather than in its own process: its output goes to the
/// session, its operations to the server in-process as the session's user, and nothing touches the server's files.
struct ConsoleContext: Sendable {
    let output: ConsoleOutput
    let client: AdminClient

    @TaskLocal static var current: ConsoleContext?

    /// Options that read or write a file name the file on the PBX, not on the administrator's machine: over SSH
    /// that would hand the server's files to a remote user, so such options are refused there.
    static func refuseFileAccess(_ option: String) throws {
        guard current != nil else { return }
        throw ValidationError("\(option) reads or writes a file on the PBX itself: not available in the SSH console; run it on the server")
    }
}
