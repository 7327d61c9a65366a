import ArgumentParser
import Foundation
import Model

@main
struct Portcullis: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portcullis",
        abstract: "A SIP PBX that defends itself against toll fraud.",
        version: PortcullisVersion.current,
        subcommands: [
            Serve.self, Setup.self, ExtensionCommand.self, RegistrationCommand.self, UserCommand.self, RoleCommand.self, SessionCommand.self, TokenCommand.self, LoginLinkCommand.self, TwoFactorCommand.self,
            LoginDefenseCommand.self, SMTPCommand.self, SSOCommand.self, Events.self, CallRecordsCommand.self, TrunkCommand.self, RouteCommand.self, InboundRouteCommand.self, OutboundCommand.self,
            ConfigCommand.self, BlockCommand.self, NetworkCommand.self, LockoutCommand.self, ScannersCommand.self, NotificationCommand.self, BackupCommand.self, UpdateCommand.self, SSHCommand.self, StoreCommand.self, ClusterCommand.self,
        ])

    /// Accepts `--data-dir DIR` and `--store URL` before the subcommand too (`portcullis --data-dir DIR extension add
    /// ...`), as scripts write them, by moving them behind the subcommand where ArgumentParser expects them.
    static func main() async {
        // The data directory holds the database, secrets and the control socket: nothing in it is for other users.
        umask(0o077)
        do {
            var command = try parseAsRoot(hoistingGlobalOptions(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    static func hoistingGlobalOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first, ["--data-dir", "--store", "--store-password-file"].contains(where: first.hasPrefix) {
            leading.append(first)
            rest = rest.dropFirst()
            if !first.contains("="), let value = rest.first {
                leading.append(value)
                rest = rest.dropFirst()
            }
        }
        return Array(rest) + leading
    }
}
