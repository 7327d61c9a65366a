import Logging
import Model
import ServiceLifecycle
import Storage

/// Runs the event log writer for the life of the server; on shutdown it records "Server Stopped" and drains
/// every buffered event to the store before returning. Put it first in the service group so it stops last.
public struct EventLogService: Service {
    private let bus: EventBus
    private let writer: EventLogWriter
    private let events: EventStream

    /// Subscribes at once, so events published before `run` starts are kept too. `node`: the cluster node name every
    /// event is written with (field `node`), so one log for the cluster says where each happened.
    public init(bus: EventBus, store: any PortcullisStore, node: String? = nil, logger: Logger) {
        self.bus = bus
        writer = EventLogWriter(store: store, node: node, logger: logger)
        events = bus.subscribe()
    }

    public func run() async {
        let bus = bus
        await withGracefulShutdownHandler {
            await writer.run(events)
        } onGracefulShutdown: {
            bus.publish(PortcullisEvent(EventCatalogue.serverStopped))
            bus.finish()
        }
    }
}
