import AdminAPI
import ArgumentParser
import Defense
import DefenseRuntime
import GeoIP
import NIOCore
import SSHConsole

/// The SSH console's way into Portcullis: logins go to the admin operations (keys, lockout, events) and each line
/// runs as the CLI command it names, as the session's user, through the server's router in-process.
struct ConsoleRunner: ConsoleGate {
    let service: AdminService
    /// A router that takes the caller from the delegation (`AdminAccess.delegated`).
    let admin: InProcessAdmin

    init(service: AdminService) {
        self.service = service
        admin = InProcessAdmin(service: service, access: .delegated)
    }

    func login(_ attempt: SSHLoginAttempt) async -> ConsoleUser? {
        guard case .publicKey(let fingerprint) = attempt.method,
              await service.sshLogin(username: attempt.username, fingerprint: fingerprint, origin: origin(attempt.source, attempt.port)) != nil
        else { return nil }
        return ConsoleUser(username: attempt.username, fingerprint: fingerprint, source: attempt.source, port: attempt.port)
    }

    func refused(_ attempt: SSHLoginAttempt) async {
        let reason = switch attempt.method {
        case .publicKey(let fingerprint): "key \(fingerprint) is not one of the user's, or the source is locked out"
        case .password: "password logins are refused: keys only"
        case .noAcceptedKey: "no accepted key"
        }
        await service.sshLoginRefused(username: attempt.username, reason: reason, origin: origin(attempt.source, attempt.port))
    }

    func run(_ arguments: [String], as user: ConsoleUser, output: ConsoleOutput) async -> Int32 {
        var words = arguments
        if words.first == "portcullis" { words.removeFirst() }
        if words.first == "help" { words = Array(words.dropFirst()) + ["--help"] }
        if words.isEmpty { words = ["--help"] }
        if words.contains(where: { $0.hasPrefix("--data-dir") || $0.hasPrefix("--store") }) {
            output.write("error: --data-dir and --store: the console works on the server's own data\n", to: .error)
            return ExitCode.validationFailure.rawValue
        }
        guard let caller = await service.sshCaller(username: user.username, fingerprint: user.fingerprint, address: user.source) else {
            output.write("error: this key or user no longer exists: nothing more can be done in this session\n", to: .error)
            return ExitCode.failure.rawValue
        }
        let delegation = AdminDelegation(caller: caller, address: user.source, port: user.port, scheme: "SSH", userAgent: "ssh console")
        let context = ConsoleContext(output: output, client: .delegated(admin, for: delegation))
        do {
            var command = try ConsoleCommands.parseAsRoot(words)
            try await ConsoleContext.$current.withValue(context) {
                if var asynchronous = command as? any AsyncParsableCommand {
                    try await asynchronous.run()
                } else {
                    try command.run()
                }
            }
            return 0
        } catch {
            let message = ConsoleCommands.fullMessage(for: error)
            let code = ConsoleCommands.exitCode(for: error)
            if !message.isEmpty { output.write(message + "\n", to: code == .success ? .output : .error) }
            return code.rawValue
        }
    }

    func allows(_ user: ConsoleUser) async -> Bool {
        await service.sshCaller(username: user.username, fingerprint: user.fingerprint, address: user.source) != nil
    }

    func idleTimeout() async -> TimeAmount { .minutes(Int64(service.logins.settings.sessionIdleMinutes)) }

    private func origin(_ source: IPAddress?, _ port: Int) -> AdminService.LoginOrigin {
        AdminService.LoginOrigin(address: source, userAgent: "ssh", port: port, scheme: "SSH")
    }
}
