import ArgumentParser

@main
struct Portcullis: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portcullis",
        abstract: "A SIP PBX that defends itself against toll fraud.",
        subcommands: [
            Serve.self, Setup.self, ExtensionCommand.self, RegistrationCommand.self, TokenCommand.self, Events.self,
            ConfigCommand.self,
        ])
}
