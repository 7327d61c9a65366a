import GeoIP

/// The browser the portal acts for when it calls an operation in-process: who (nil before login), from which
/// address, on which listener. The operations see it exactly as they would see the same request on the API.
public struct AdminDelegation: Sendable {
    public var caller: AdminCaller?
    public var address: IPAddress?
    public var port: Int
    public var scheme: String
    public var userAgent: String

    public init(caller: AdminCaller?, address: IPAddress?, port: Int, scheme: String, userAgent: String) {
        self.caller = caller
        self.address = address
        self.port = port
        self.scheme = scheme
        self.userAgent = userAgent
    }
}
