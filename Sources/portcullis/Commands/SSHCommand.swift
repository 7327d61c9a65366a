import AdminAPI
import ArgumentParser
import Foundation

struct SSHCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ssh", abstract: "The admin console over SSH: off by default, public keys only.",
                                                    subcommands: [Enable.self, Disable.self, Show.self, Key.self])

    static func describe(_ overview: SSHOverview) {
        // Where this node listens, which `serve --ssh-listen` may have set apart from the shared address.
        let address = overview.listening ?? overview.listen
        print("SSH console " + (overview.enabled ? "enabled on \(address)" : "disabled (would listen on \(overview.listen))")
              + (overview.enabled && overview.listening == nil ? " (the server applies it when it runs)" : ""))
        if let fingerprint = overview.hostKeyFingerprint, let key = overview.hostKey { print("host key \(fingerprint)\n\(key)") }
        print("\(overview.openConnections) open connection(s), \(overview.keys) key(s)")
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn the console on (the first time makes its Ed25519 host key).")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "HOST:PORT to listen on, an IP address (default 0.0.0.0:8022, or as set before).") var listen: String?

        func run() async throws {
            var change = SSHChange()
            change.enabled = true
            change.listen = listen
            let overview = try await withClient(data) { try await $0.send(Endpoints.changeSSH, body: change) }
            if output.json { return try Output.json(overview) }
            SSHCommand.describe(overview)
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn the console off; open sessions end.")
        @OptionGroup var data: DataDirectoryOptions

        func run() async throws {
            var change = SSHChange()
            change.enabled = false
            let overview = try await withClient(data) { try await $0.send(Endpoints.changeSSH, body: change) }
            SSHCommand.describe(overview)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Whether the console is on, where, its host key and open connections.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let overview = try await withClient(data) { try await $0.send(Endpoints.ssh) }
            if output.json { return try Output.json(overview) }
            SSHCommand.describe(overview)
        }
    }

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The public keys users log in with.", subcommands: [Add.self, List.self, Remove.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a user's public key (ssh-ed25519 or ecdsa-sha2-nistp256/384/521).")
            @OptionGroup var data: DataDirectoryOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "The user the key logs in as.") var user: String
            @Option(help: "The .pub file (one line: TYPE BASE64 [COMMENT]).") var keyFile: String?
            @Option(help: "The key itself, as one line (for the SSH console, where files are not read).") var key: String?

            func validate() throws {
                guard (keyFile == nil) != (key == nil) else { throw ValidationError("give --key-file or --key, one of them") }
            }

            func run() async throws {
                var request = AddSSHKey()
                request.username = user
                if let keyFile {
                    try ConsoleContext.refuseFileAccess("--key-file")
                    guard let text = try? String(contentsOfFile: keyFile, encoding: .utf8) else { throw ValidationError("--key-file: cannot read \(keyFile)") }
                    request.key = text
                } else {
                    request.key = key ?? ""
                }
                let added = try await withClient(data) { try await $0.send(Endpoints.addSSHKey, body: request) }
                if output.json { return try Output.json(added) }
                print("added \(added.type) key \(added.fingerprint) for \(added.username)")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List keys: one's own, or those of the users one manages.")
            @OptionGroup var data: DataDirectoryOptions
            @OptionGroup var output: OutputOptions
            @Option(help: "Only this user's keys.") var user: String?

            func run() async throws {
                let keys = try await withClient(data) { try await $0.send(Endpoints.sshKeys, query: user.map { [("user", $0)] } ?? []) }
                if output.json { return try Output.json(keys) }
                Output.table(["USER", "TYPE", "FINGERPRINT", "COMMENT", "ADDED", "BY"],
                             keys.map { [$0.username, $0.type, $0.fingerprint, $0.comment, Output.time($0.addedAt), $0.addedBy] })
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a key by its fingerprint (SHA256:...).")
            @OptionGroup var data: DataDirectoryOptions
            @Argument(help: "The key's fingerprint, as `ssh key list` shows it.") var fingerprint: String

            func run() async throws {
                _ = try await withClient(data) { try await $0.send(Endpoints.removeSSHKey, ["fingerprint": fingerprint]) }
                print("removed key \(fingerprint)")
            }
        }
    }
}
