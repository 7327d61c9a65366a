import Defense
import Model
import Storage
import Hummingbird
import PBX

/// Lists are wrapped in an object, so fields (paging, totals) can be added later without breaking clients.
public struct ListResponse<Item: Codable & Sendable>: Codable, Sendable, ResponseEncodable {
    public var items: [Item]
    /// With paging (`offset`, `limit`): how many items match in all.
    public var total: Int?

    public init(items: [Item], total: Int? = nil) {
        self.items = items
        self.total = total
    }
}

extension ExtensionWithSecret: ResponseEncodable {}
extension ExtensionView: ResponseEncodable {}
extension CreatedToken: ResponseEncodable {}
extension ConfigApplyResult: ResponseEncodable {}
extension HealthView: ResponseEncodable {}
extension NetworkSettings: ResponseEncodable {}
extension NetworkBlockRecord: ResponseEncodable {}
extension RegistrationDefenseSettings: ResponseEncodable {}
extension RoutingSettings: ResponseEncodable {}
extension OutboundPolicySettings: ResponseEncodable {}
