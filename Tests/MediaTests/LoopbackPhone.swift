import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A UDP socket on loopback playing a phone's media port: what it receives is kept in order.
struct LoopbackPhone {
    let channel: any Channel
    private let recorder: Recorder
    var port: Int { channel.localAddress?.port ?? 0 }
    var received: [[UInt8]] { recorder.packets.withLockedValue { $0 } }

    final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let packets = NIOLockedValueBox<[[UInt8]]>([])
        let read = NIOLockedValueBox(0)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).data.readableBytesView)
            packets.withLockedValue { $0.append(bytes) }
        }
    }

    static func bind(_ host: String = "127.0.0.1") async throws -> LoopbackPhone {
        let recorder = Recorder()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(recorder) } }
            .bind(host: host, port: 0).get()
        return LoopbackPhone(channel: channel, recorder: recorder)
    }

    func send(_ bytes: [UInt8], to port: Int) async throws {
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: port),
                                                          data: channel.allocator.buffer(bytes: bytes)))
    }

    /// The next packet not read yet, waiting up to 2 s.
    func next() async throws -> [UInt8]? {
        for _ in 0..<200 {
            let packet = recorder.read.withLockedValue { read -> [UInt8]? in
                let packets = recorder.packets.withLockedValue { $0 }
                guard read < packets.count else { return nil }
                defer { read += 1 }
                return packets[read]
            }
            if let packet { return packet }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
