import AdminAPI
import ArgumentParser
import Foundation
import SSO

struct SSOCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sso", abstract: "Single sign-on: OpenID Connect and LDAP / Active Directory.",
                                                    subcommands: [OIDC.self, LDAP.self])

    /// `--enable` or `--disable`.
    enum Switch: String, EnumerableFlag {
        case enable, disable
    }


    struct OIDC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "oidc", abstract: "OpenID Connect sign-in (Microsoft Entra ID or any provider).",
                                                        subcommands: [Show.self, Set.self])

        struct Show: AsyncParsableCommand {
            @OptionGroup var data: DataDirectoryOptions

            func run() async throws {
                try Output.json(try await withClient(data) { try await $0.send(Endpoints.oidc) })
            }
        }

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Configure OpenID Connect sign-in; what is not given stays.")
            @OptionGroup var data: DataDirectoryOptions
            @Flag(help: "Offer sign-in with the provider, or stop.") var switched: Switch?
            @Option(help: "The issuer URL (https; http only on a loopback address).") var issuer: String?
            @Option var clientId: String?
            @Option(help: "A file holding the client secret.") var clientSecretFile: String?
            @Option(help: "This server's callback: https://HOST/api/v1/sso/oidc/callback.") var redirectUri: String?
            @Option(help: "Match users by email or preferred_username.") var claim: String?
            @Option(help: "Create users at their first sign-in (true/false).") var autoCreate: Bool?
            @Option(help: "The role of users created at sign-in.") var defaultRole: String?

            func run() async throws {
                let secret = try SecretFile.read(clientSecretFile, option: "--client-secret-file")
                var chosen: OIDCSettings.Claim?
                if let claim {
                    guard let value = OIDCSettings.Claim(rawValue: claim) else { throw ValidationError("--claim: must be email or preferred_username") }
                    chosen = value
                }
                try await withClient(data) { client in
                    var settings = try await client.send(Endpoints.oidc)
                    if let switched { settings.enabled = switched == .enable }
                    if let issuer { settings.issuer = issuer }
                    if let clientId { settings.clientId = clientId }
                    settings.clientSecret = secret
                    if let redirectUri { settings.redirectURI = redirectUri }
                    if let chosen { settings.claim = chosen }
                    if let autoCreate { settings.autoCreate = autoCreate }
                    if let defaultRole { settings.defaultRole = defaultRole }
                    _ = try await client.send(Endpoints.updateOIDC, body: settings)
                }
                print("OpenID Connect sign-in updated")
            }
        }
    }

    struct LDAP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ldap", abstract: "LDAP / Active Directory sign-in (search, then bind as the user).",
                                                        subcommands: [Show.self, Set.self])

        struct Show: AsyncParsableCommand {
            @OptionGroup var data: DataDirectoryOptions

            func run() async throws {
                try Output.json(try await withClient(data) { try await $0.send(Endpoints.ldap) })
            }
        }

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Configure LDAP sign-in; what is not given stays.")
            @OptionGroup var data: DataDirectoryOptions
            @Flag(help: "Check passwords with the directory, or stop.") var switched: Switch?
            @Option(help: "ldaps://HOST:636 or ldap://HOST:389.") var uri: String?
            @Option(help: "Upgrade ldap:// with StartTLS (true/false).") var startTls: Bool?
            @Option(help: "A PEM file of the directory's CA.") var caFile: String?
            @Option(help: "The service account's DN.") var bindDn: String?
            @Option(help: "A file holding the service account's password.") var bindPasswordFile: String?
            @Option var baseDn: String?
            @Option(help: "With {username}, e.g. (sAMAccountName={username}).") var userFilter: String?
            @Option var emailAttribute: String?
            @Option(name: .customLong("group-role"), help: ArgumentHelp("GROUP-DN=ROLE, repeatable; replaces the list.", valueName: "DN=ROLE"))
            var groupRoles: [String] = []
            @Option(help: "The role of users in no listed group ('' refuses them).") var defaultRole: String?

            func run() async throws {
                let password = try SecretFile.read(bindPasswordFile, option: "--bind-password-file")
                let mappings = try groupRoles.map { entry -> LDAPSettings.GroupRole in
                    guard let split = entry.lastIndex(of: "=") else { throw ValidationError("--group-role: expected GROUP-DN=ROLE, got \(entry)") }
                    return LDAPSettings.GroupRole(group: String(entry[..<split]), role: String(entry[entry.index(after: split)...]))
                }
                try await withClient(data) { client in
                    var settings = try await client.send(Endpoints.ldap)
                    if let switched { settings.enabled = switched == .enable }
                    if let uri { settings.uri = uri }
                    if let startTls { settings.startTLS = startTls }
                    if let caFile { settings.caFile = caFile.isEmpty ? nil : caFile }
                    if let bindDn { settings.bindDN = bindDn }
                    settings.bindPassword = password
                    if let baseDn { settings.baseDN = baseDn }
                    if let userFilter { settings.userFilter = userFilter }
                    if let emailAttribute { settings.emailAttribute = emailAttribute }
                    if !mappings.isEmpty { settings.groupRoles = mappings }
                    if let defaultRole { settings.defaultRole = defaultRole.isEmpty ? nil : defaultRole }
                    _ = try await client.send(Endpoints.updateLDAP, body: settings)
                }
                print("LDAP sign-in updated")
            }
        }
    }
}
