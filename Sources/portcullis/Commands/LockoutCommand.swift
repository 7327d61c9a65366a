import AdminAPI
import ArgumentParser
import Defense

struct LockoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lockout", abstract: "When failed registrations block a source or lock an account (sip.lockout).",
        subcommands: [Show.self, Set.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the lockout thresholds.")
        @OptionGroup var data: DataDirectoryOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let lockout = try await withClient(data) { try await $0.send(Endpoints.registrationDefense) }.lockout
            if output.json { return try Output.json(lockout) }
            print("""
                a source is blocked after \(lockout.failuresPerSource) failures within \(lockout.window) s \
                (\(lockout.failuresPerTrustedPair) for an address that registered the account before), first for \(lockout.blockDuration) s
                an account is locked for \(lockout.accountLockDuration) s after \(lockout.failuresPerAccount) failures within \
                \(lockout.accountWindow) s from any addresses
                """)
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change lockout thresholds; the others stay. Live at once.")
        @OptionGroup var data: DataDirectoryOptions
        @Option(help: "Failures from one address that block it.") var failuresPerSource: Int?
        @Option(help: "Failures from an address that registered the account before.") var failuresPerTrustedPair: Int?
        @Option(help: "Seconds over which source failures count.") var window: Int?
        @Option(help: "Failures against one account from any addresses that lock it.") var failuresPerAccount: Int?
        @Option(help: "Seconds over which account failures count.") var accountWindow: Int?
        @Option(help: "Seconds an account stays locked.") var accountLockDuration: Int?
        @Option(help: "Seconds of a source's first block (repeats escalate).") var blockDuration: Int?

        func run() async throws {
            try await withClient(data) { client in
                var settings = try await client.send(Endpoints.registrationDefense)
                if let failuresPerSource { settings.lockout.failuresPerSource = failuresPerSource }
                if let failuresPerTrustedPair { settings.lockout.failuresPerTrustedPair = failuresPerTrustedPair }
                if let window { settings.lockout.window = window }
                if let failuresPerAccount { settings.lockout.failuresPerAccount = failuresPerAccount }
                if let accountWindow { settings.lockout.accountWindow = accountWindow }
                if let accountLockDuration { settings.lockout.accountLockDuration = accountLockDuration }
                if let blockDuration { settings.lockout.blockDuration = blockDuration }
                _ = try await client.send(Endpoints.updateRegistrationDefense, body: settings)
            }
            print("lockout updated")
        }
    }
}
