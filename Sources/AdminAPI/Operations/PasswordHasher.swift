import HummingbirdBcrypt
import NIOPosix

/// bcrypt off the Swift concurrency pool: a hash takes a good part of a second by design, and the pool's few
/// threads must keep serving other requests meanwhile.
enum PasswordHasher {
    /// bcrypt's work factor for login passwords (the login benchmark reports what it costs per login on this machine).
    static let cost: UInt8 = 12

    /// A password longer than this is refused before hashing (bcrypt reads 72 bytes; a megabyte must not cost more).
    static let maxLength = 256

    static func hash(_ password: String) async -> String {
        (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }) ?? ""
    }

    /// False for a wrong password, an empty hash (an SSO-only account) or an overlong password; the same work is
    /// done in every case, so the time does not tell them apart.
    static func verify(_ password: String, hash: String) async -> Bool {
        let usable = !hash.isEmpty && password.utf8.count <= maxLength
        let candidate = usable ? password : String(password.prefix(maxLength))
        let matched = (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(candidate, hash: usable ? hash : dummyHash) }) ?? false
        return usable && matched
    }

    /// What an unknown user's password is checked against, so that "no such user" costs what "wrong password" does.
    static let dummyHash = Bcrypt.hash("portcullis: no such user", cost: cost)
}
