import CoreMetrics
import Events
import SIPStack

/// Reports connections refused by a cap: every one as a metric, the first since the cap was last below its limit
/// as "Connection Limit Reached" (so a flood of refusals is one event, not thousands).
public struct ConnectionRefusals: Sendable {
    private let service: String
    private let bus: EventBus
    private let counters: [ConnectionLimiter.Cap: Counter]

    /// `service` is `sip` or `api`.
    public init(service: String, bus: EventBus) {
        self.service = service
        self.bus = bus
        counters = [
            .total: Counter(label: "portcullis_connections_refused_total", dimensions: [("service", service), ("cap", "total")]),
            .perSource: Counter(label: "portcullis_connections_refused_total", dimensions: [("service", service), ("cap", "per-source")]),
        ]
    }

    public func report(ip: String, transport: String, refusal: ConnectionLimiter.Refusal) {
        counters[refusal.cap]?.increment()
        guard refusal.first else { return }
        bus.publish(PortcullisEvent(EventCatalogue.connectionLimitReached, fields: [
            "service": service, "ip": ip, "transport": transport, "cap": refusal.cap.rawValue, "limit": String(refusal.limit),
        ]))
    }
}
