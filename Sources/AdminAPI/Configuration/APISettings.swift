import Model

/// The `api:` section: where the admin API listens. `serve --api-listen` overrides it for one run.
public struct APISettings: StoredSettings {
    public static let storeKey = "api.settings"

    /// `HOST:PORT`; a loopback address unless `serve --insecure-api`.
    public var listen = "127.0.0.1:8088"

    public init() {}

    public static let fields: [StrictField<APISettings>] = [.init("listen", \.listen)]

    /// Every problem, as `api.FIELD: message`.
    public var problems: [String] {
        do {
            _ = try APIListenAddress(parsing: listen)
            return []
        } catch {
            return ["api.listen: \(error)"]
        }
    }
}
