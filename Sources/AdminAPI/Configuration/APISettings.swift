import Model
import PBX

/// The `api:` section: where the admin API (and the portal) listens, over HTTPS. `serve --api-listen` overrides the
/// address for one run.
public struct APISettings: StoredSettings {
    public static let storeKey = "api.settings"

    /// `HOST:PORT`, served over HTTPS.
    public var listen = "127.0.0.1:8088"
    /// A PEM certificate chain and key; absent, a self-signed pair made at first start in the data directory.
    public var tls: TLSFiles?
    /// `HOST:PORT` of a plain HTTP listener that only redirects to HTTPS; absent, none.
    public var redirectListen: String?

    public init() {}

    public static let fields: [StrictField<APISettings>] = [
        .init("listen", \.listen), .init("tls", \.tls), .init("redirectListen", \.redirectListen),
    ]

    /// Every problem, as `api.FIELD: message`.
    public var problems: [String] {
        var problems: [String] = []
        for (field, value) in [("listen", listen), ("redirectListen", redirectListen)] {
            guard let value else { continue }
            do {
                _ = try APIListenAddress(parsing: value)
            } catch {
                problems.append("api.\(field): \(error)")
            }
        }
        if let tls, (tls.certificate == nil) != (tls.key == nil) { problems.append("api.tls: give a certificate and its key together") }
        if let redirectListen, redirectListen == listen { problems.append("api.redirectListen: must differ from api.listen") }
        return problems
    }
}
