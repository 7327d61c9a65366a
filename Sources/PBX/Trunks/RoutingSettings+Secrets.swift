import Defense
import SIPAuth

extension RoutingSettings {
    /// As stored: trunk passwords sealed and route PINs as fingerprints, under the data directory's key.
    public func sealed(with box: SecretBox) -> RoutingSettings {
        var copy = self
        for index in copy.trunks.indices { copy.trunks[index].password = copy.trunks[index].password.map(box.seal) }
        for index in copy.routes.indices { copy.routes[index].pin = copy.routes[index].pin.fingerprinted(by: box.fingerprint) }
        return copy
    }

    /// As the PBX uses it: trunk passwords opened (it answers providers' challenges with them); PINs stay fingerprints.
    /// A password that does not open is an error: the trunk would otherwise fail at the provider without saying why.
    public func opened(with box: SecretBox) throws(SecretBoxError) -> RoutingSettings {
        var copy = self
        for index in copy.trunks.indices {
            if let password = copy.trunks[index].password { copy.trunks[index].password = try box.open(password) }
        }
        return copy
    }
}
