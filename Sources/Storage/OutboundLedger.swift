import Foundation

/// One book of outbound calls for the whole cluster, so that an extension's call frequency and a trunk's concurrent
/// calls are counted once however the calls spread over nodes, and racing nodes never both take the last place.
/// Only a shared engine (PostgreSQL) keeps one; a single node counts in memory.
public protocol OutboundLedger: Sendable {
    /// Decides and books one outbound attempt at once (serialized among the nodes): refused when the extension
    /// reached a frequency limit or no trunk has room, else granted on the first trunk with room. A refused attempt is
    /// booked as well: it counts towards the frequency limits as a refused call does on one node.
    func reserve(_ reservation: OutboundReservation) async throws -> OutboundReservation.Answer
    /// The call booked under `key` ended: its trunk place is free.
    func endOutboundCalls(_ keys: [String], at time: Date) async throws
    /// An administrator unlocked the extension: its earlier calls no longer count towards its frequency limits.
    func forgetOutboundCalls(of caller: String) async throws
    /// Every call of a node that died ends (its trunk places are free); answers how many.
    func endOutboundCalls(node: String, at time: Date) async throws -> Int
}

/// An outbound attempt as the ledger decides it: who, when, the extension's frequency limits and the route's trunks
/// in order with their outbound limits (nil: none).
public struct OutboundReservation: Sendable, Equatable {
    public struct Limit: Sendable, Equatable {
        public var calls: Int
        public var seconds: Int
        public init(calls: Int, seconds: Int) {
            self.calls = calls
            self.seconds = seconds
        }
    }

    public struct Trunk: Sendable, Equatable {
        public var name: String
        public var limit: Int?
        public init(name: String, limit: Int?) {
            self.name = name
            self.limit = limit
        }
    }

    public enum Answer: Sendable, Equatable {
        case granted(trunk: String)
        case frequencyExceeded(Limit)
        case trunksBusy
    }

    public var key: String
    public var caller: String
    public var node: String
    public var time: Date
    public var limits: [Limit]
    public var trunks: [Trunk]

    public init(key: String, caller: String, node: String, time: Date, limits: [Limit], trunks: [Trunk]) {
        self.key = key
        self.caller = caller
        self.node = node
        self.time = time
        self.limits = limits
        self.trunks = trunks
    }

    /// How long booked calls are kept once ended: beyond every frequency period.
    public static let retention: TimeInterval = 86_400
}
