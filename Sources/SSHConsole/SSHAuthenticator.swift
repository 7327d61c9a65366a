import NIOCore
import NIOSSH

/// Public keys only. NIOSSH has checked a key's signature before it asks; this asks the gate whether the key is the
/// user's. A password, host-based login or unknown key is refused and counted (once per connection).
struct SSHAuthenticator: NIOSSHServerUserAuthenticationDelegate {
    let connection: SSHConnection

    var supportedAuthenticationMethods: NIOSSHAvailableUserAuthenticationMethods { .publicKey }

    func requestReceived(request: NIOSSHUserAuthenticationRequest, responsePromise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>) {
        let connection = self.connection
        let username = String(request.username.prefix(64))
        switch request.request {
        case .none:
            // A client asking which methods there are: not a guess.
            _ = connection.attempt(username, .noAcceptedKey)
            responsePromise.succeed(.failure)
        case .password:
            let attempt = connection.attempt(username, .password)
            responsePromise.completeWithTask {
                await connection.refused(attempt)
                return .failure
            }
        case .hostBased:
            let attempt = connection.attempt(username, .noAcceptedKey)
            responsePromise.completeWithTask {
                await connection.refused(attempt)
                return .failure
            }
        case .publicKey(let offered):
            let attempt = connection.attempt(username, .publicKey(fingerprint: SSHAuthorizedKey.fingerprint(of: offered.publicKey)))
            responsePromise.completeWithTask {
                guard let user = await connection.gate.login(attempt) else {
                    await connection.refused(attempt)
                    return .failure
                }
                connection.loggedIn(user)
                return .success
            }
        }
    }
}
