import Synchronization

/// What single sign-on keeps between requests: the sign-ins on their way through the provider, and the provider as
/// last discovered (its endpoints and keys), kept while the settings stay the same.
public final class SingleSignOn: Sendable {
    public let pending = PendingSignIns()
    private let cached = Mutex<(settings: OIDCSettings, secret: String?, provider: OIDCProvider)?>(nil)

    public init() {}

    public func provider(_ settings: OIDCSettings, secret: String?) -> OIDCProvider {
        cached.withLock { cached in
            if let cached, cached.settings == settings, cached.secret == secret { return cached.provider }
            let provider = OIDCProvider(settings: settings, clientSecret: secret)
            cached = (settings, secret, provider)
            return provider
        }
    }
}
