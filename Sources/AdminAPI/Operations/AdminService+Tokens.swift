import Events
import Foundation
import GeoIP
import Model
import Storage

/// API tokens: each acts for a user with the user's role as it is at each request; optional expiry, last use,
/// revocation by id.
extension AdminService {
    /// A token for `username` (nil: the caller, or the Super Administrator from the local socket). Another user's
    /// token needs a role that includes theirs: a token never carries more than its creator may do.
    public func createToken(_ request: CreateTokenRequest, now: Date = Date()) async throws(AdminError) -> CreatedToken {
        let owner: AdminUserRecord
        if let username = request.user ?? AdminCaller.current?.username {
            owner = try await user(named: username)
        } else {
            guard let superAdministrator = try await storeCall({ try await store.adminUsers() })
                .first(where: { $0.role == Role.superAdministrator.name }) else {
                throw AdminError(.conflict, "no Super Administrator yet: run setup first")
            }
            owner = superAdministrator
        }
        try await requireAuthority(over: owner)
        return try await createToken(name: request.name, for: owner, expiresIn: request.expiresIn, now: now)
    }

    func createToken(name: String, for owner: AdminUserRecord, expiresIn: Int? = nil, now: Date = Date()) async throws(AdminError) -> CreatedToken {
        guard (1...64).contains(name.count), AdminValidation.displayNameProblem(name) == nil else {
            throw AdminError(.invalidInput, "token name must be 1-64 printable characters")
        }
        if let expiresIn, !(60...315_360_000).contains(expiresIn) {
            throw AdminError(.invalidInput, "expiresIn must be 60 seconds to 10 years, got \(expiresIn)")
        }
        let secret = SecretGenerator.token(prefix: "pct_")
        let token = APITokenRecord(id: UUID().uuidString.lowercased(), name: name, secretHash: SecretGenerator.sha256Hex(secret),
                                   username: owner.username, createdAt: now,
                                   expiresAt: expiresIn.map { now.addingTimeInterval(TimeInterval($0)) })
        try await storeCall { try await store.createToken(token) }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "tokens", "created": token.name,
                                                                                    "user": owner.username]))
        return CreatedToken(token: secret, info: TokenView(token))
    }

    public func tokens() async throws(AdminError) -> [TokenView] {
        try await storeCall { try await store.tokens() }.map(TokenView.init)
    }

    /// Revokes a token by id: refused from the next request on.
    public func revokeToken(_ id: String) async throws(AdminError) -> [TokenView] {
        guard try await storeCall({ try await store.deleteToken(id: id) }) else {
            throw AdminError(.notFound, "no token with id \(id.prefix(40))")
        }
        await record(PortcullisEvent(EventCatalogue.configurationChanged, fields: ["section": "tokens", "revoked": id]))
        return try await tokens()
    }

    /// The caller behind a bearer token, or nil: unknown, expired, revoked, or its user gone. Tokens are looked up by
    /// their SHA-256, never stored in clear; the last use is written at most once a minute per token.
    public func tokenCaller(_ secret: String, address: IPAddress?, now: Date = Date()) async -> AdminCaller? {
        guard secret.hasPrefix("pct_"), secret.count < 200,
              let token = try? await store.token(secretHash: SecretGenerator.sha256Hex(secret)) else { return nil }
        if let expiresAt = token.expiresAt, expiresAt <= now { return nil }
        guard let owner = try? await store.adminUser(username: token.username) else { return nil }
        if token.lastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true { try? await store.tokenUsed(id: token.id, at: now) }
        return AdminCaller(username: owner.username, role: await role(of: owner), credential: .token(id: token.id, name: token.name),
                           address: address)
    }
}
