import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Opens media sessions: four UDP sockets per call (RTP and RTCP for each leg) bound on the call's event loop, so
/// forwarding never hops threads, from a bounded port range.
public final class MediaRelay: Sendable {
    public enum OpenError: Error, CustomStringConvertible {
        case noPorts
        public var description: String { "no free media ports in the relay range" }
    }

    private let pool: NIOLockedValueBox<MediaPortPool>
    private let host: String
    private let open = NIOLockedValueBox(0)

    /// `host` is the address the sockets bind to (all interfaces by default).
    public init(settings: MediaSettings, host: String = "0.0.0.0") {
        pool = NIOLockedValueBox(MediaPortPool(min: settings.portMin, max: settings.portMax))
        self.host = host
    }

    /// Sessions open now (each holds two RTP and two RTCP ports).
    public var openSessions: Int { open.withLockedValue { $0 } }

    /// A session whose sockets run on `loop`.
    public func openSession(on loop: any EventLoop) -> EventLoopFuture<MediaSession> {
        openLeg(.caller, on: loop).flatMap { caller in
            self.openLeg(.callee, on: loop).flatMapErrorThrowing { error in
                self.closeLeg(caller)
                throw error
            }.map { callee in
                let session = MediaSession(caller: caller, callee: callee) { [self] in
                    pool.withLockedValue { pool in
                        pool.release(caller.port)
                        pool.release(callee.port)
                    }
                    open.withLockedValue { $0 -= 1 }
                }
                for forwarder in caller.forwarders + callee.forwarders { forwarder.attach(session) }
                self.open.withLockedValue { $0 += 1 }
                return session
            }
        }
    }

    /// Binds an even port and the odd one above it; a port taken by someone else is skipped (a few tries).
    private func openLeg(_ side: MediaSession.Side, on loop: any EventLoop, attempt: Int = 0) -> EventLoopFuture<MediaSession.Leg> {
        guard attempt < 8, let port = pool.withLockedValue({ $0.take() }) else { return loop.makeFailedFuture(OpenError.noPorts) }
        let rtpForwarder = MediaForwarder(side: side, rtcp: false), rtcpForwarder = MediaForwarder(side: side, rtcp: true)
        return bind(port, rtpForwarder, on: loop).flatMap { rtp in
            self.bind(port + 1, rtcpForwarder, on: loop).map { rtcp in
                MediaSession.Leg(rtp: rtp, rtcp: rtcp, port: port, forwarders: [rtpForwarder, rtcpForwarder])
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
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(forwarder) }
            }
            .bind(host: host, port: port)
    }

    private func closeLeg(_ leg: MediaSession.Leg) {
        leg.rtp.close(promise: nil)
        leg.rtcp.close(promise: nil)
        pool.withLockedValue { $0.release(leg.port) }
    }
}
