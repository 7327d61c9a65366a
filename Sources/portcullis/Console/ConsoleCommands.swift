import ArgumentParser

/// The commands an SSH console session offers: the CLI's, less those that only make sense on the server itself
/// (`serve`, `setup`, `store`). Help and errors read as the CLI's.
struct ConsoleCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portcullis",
        abstract: "Portcullis admin commands, run as the signed-in user (exit ends the session).",
        subcommands: Portcullis.configuration.subcommands.filter { command in
            ![ObjectIdentifier(Serve.self), ObjectIdentifier(Setup.self), ObjectIdentifier(StoreCommand.self)].contains(ObjectIdentifier(command))
        })
}
