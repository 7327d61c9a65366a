import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Opens media sessions: four UDP sockets per call (RTP and RTCP for each leg) bound on the call's event loop, so
/// forwarding never hops threads, from a bounded port range. The legs of an ended call stay bound and wait, oldest
/// first, for a later call on the same loop (binding and closing four sockets per call was the relay's main cost);
/// a leg is reused only after the others kept before it, so late packets of its last call rarely meet the next
/// one, and then only from the addresses the next call names.
public final class MediaRelay: Sendable {
    public enum OpenError: Error, CustomStringConvertible {
        case noPorts
        public var description: String { "no free media ports in the relay range" }
    }

    private let pool: NIOLockedValueBox<MediaPortPool>
    private let host: String
    private let open = NIOLockedValueBox(0)
    /// Bound legs of ended calls, oldest first, at most `keepLegs`.
    private let kept = NIOLockedValueBox<[MediaSession.Leg]>([])
    private let keepLegs: Int
    /// Packets one receive may take from a socket, and the room each has: every socket keeps its receive buffer.
    private static let readBatch = 4, largestDatagram = 2_048

    /// `host` is the address the sockets bind to (all interfaces by default); `keepLegs` bounds the bound legs kept
    /// for reuse.
    public init(settings: MediaSettings, host: String = "0.0.0.0", keepLegs: Int = 512) {
        pool = NIOLockedValueBox(MediaPortPool(min: settings.portMin, max: settings.portMax))
        self.host = host
        self.keepLegs = keepLegs
    }

    /// Sessions open now (each holds two RTP and two RTCP ports).
    public var openSessions: Int { open.withLockedValue { $0 } }

    /// Legs kept bound for the next calls.
    public var keptLegs: Int { kept.withLockedValue { $0.count } }

    /// A session whose sockets run on `loop`.
    public func openSession(on loop: any EventLoop) -> EventLoopFuture<MediaSession> {
        openLeg(.caller, on: loop).flatMap { caller in
            self.openLeg(.callee, on: loop).flatMapErrorThrowing { error in
                self.release([caller])
                throw error
            }.map { callee in
                let session = MediaSession(caller: caller, callee: callee) { [self] legs in
                    release(legs)
                    open.withLockedValue { $0 -= 1 }
                }
                for forwarder in caller.forwarders + callee.forwarders { forwarder.attach(session) }
                self.open.withLockedValue { $0 += 1 }
                return session
            }
        }
    }

    /// Legs of an ended call: kept bound while there is room (and they still are), else closed and their ports freed.
    private func release(_ legs: [MediaSession.Leg]) {
        let closing = kept.withLockedValue { kept in
            legs.filter { leg in
                guard kept.count < keepLegs, leg.rtp.isActive, leg.rtcp.isActive else { return true }
                kept.append(leg)
                return false
            }
        }
        for leg in closing { closeLeg(leg) }
    }

    /// Binds an even port and the odd one above it; a port taken by someone else is skipped (a few tries).
    private func openLeg(_ side: MediaSession.Side, on loop: any EventLoop, attempt: Int = 0) -> EventLoopFuture<MediaSession.Leg> {
        let reused = kept.withLockedValue { kept in
            kept.firstIndex { $0.side == side && $0.rtp.eventLoop === loop }.map { kept.remove(at: $0) }
        }
        if let reused { return loop.makeSucceededFuture(reused) }
        guard attempt < 8 else { return loop.makeFailedFuture(OpenError.noPorts) }
        guard let port = pool.withLockedValue({ $0.take() }) else {
            // Every port is bound: the oldest leg kept for another loop gives its port up.
            guard let oldest = kept.withLockedValue({ $0.isEmpty ? nil : $0.removeFirst() }) else { return loop.makeFailedFuture(OpenError.noPorts) }
            return closeLeg(oldest).hop(to: loop).flatMap { self.openLeg(side, on: loop, attempt: attempt + 1) }
        }
        let rtpForwarder = MediaForwarder(side: side, rtcp: false), rtcpForwarder = MediaForwarder(side: side, rtcp: true)
        return bind(port, rtpForwarder, on: loop).flatMap { rtp in
            self.bind(port + 1, rtcpForwarder, on: loop).map { rtcp in
                MediaSession.Leg(side: side, rtp: rtp, rtcp: rtcp, port: port, forwarders: [rtpForwarder, rtcpForwarder])
            }.flatMapError { error in
                rtp.close(promise: nil)
                return loop.makeFailedFuture(error)
            }
        }.flatMapError { _ in
            // Someone else holds the port: leave it out of the pool and try the next.
            self.openLeg(side, on: loop, attempt: attempt + 1)
        }
    }

    private func bind(_ port: Int, _ forwarder: MediaForwarder, on loop: any EventLoop) -> EventLoopFuture<any Channel> {
        DatagramBootstrap(group: loop)
            // One read per readable event rather than a read and then an empty one (epoll is level-triggered, so
            // what is left waits for the next turn); under load one recvmmsg takes the packets waiting.
            .channelOption(.maxMessagesPerRead, value: 1)
            .channelOption(.datagramVectorReadMessageCount, value: Self.readBatch)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.readBatch * Self.largestDatagram))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(forwarder) }
            }
            .bind(host: host, port: port)
    }

    /// Closes a leg's sockets; its port is free once they are.
    @discardableResult
    private func closeLeg(_ leg: MediaSession.Leg) -> EventLoopFuture<Void> {
        leg.rtp.close().and(leg.rtcp.close()).map { _ in () }.recover { _ in () }.map { self.pool.withLockedValue { $0.release(leg.port) } }
    }
}
