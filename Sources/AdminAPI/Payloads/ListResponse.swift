import Defense
import Model
import Storage
import Hummingbird
import PBX

/// Lists are wrapped in an object, so fields (paging, totals) can be added later without breaking clients.
public struct ListResponse<Item: Codable & Sendable>: Codable, Sendable, ResponseEncodable {
    public var items: [Item]

    public init(items: [Item]) { self.items = items }
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
