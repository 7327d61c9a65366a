import Foundation
import NIOCore
import NIOSSH
import Synchronization

/// Where a command's output goes in a console session: the SSH channel, as standard output or standard error
/// (with a terminal, one stream with CR LF line ends, as a terminal expects). Bounded per command: a client that
/// stops reading cannot make the server buffer without end.
public final class ConsoleOutput: Sendable {
    public enum Stream: Sendable { case output, error }

    private let channel: any Channel
    private let terminal: Bool
    /// Bytes written by the running command, and whether it was cut.
    private let written = Mutex((count: 0, cut: false))

    /// What one command may write; beyond it the rest is cut with a note.
    public static let maximumBytes = 32 << 20

    init(channel: any Channel, terminal: Bool) {
        self.channel = channel
        self.terminal = terminal
    }

    public func write(_ text: String, to stream: Stream = .output) {
        var bytes = Array(terminal ? text.replacingOccurrences(of: "\n", with: "\r\n").utf8 : text.utf8)
        let room: Int? = written.withLock { state in
            guard !state.cut else { return nil }
            let room = ConsoleOutput.maximumBytes - state.count
            if bytes.count > room { state.cut = true }
            state.count += min(room, bytes.count)
            return room
        }
        guard let room else { return }
        if bytes.count > room {
            bytes = Array(bytes.prefix(room)) + Array("\n[output cut at \(ConsoleOutput.maximumBytes >> 20) MiB]\n".utf8)
        }
        let type: SSHChannelData.DataType = terminal || stream == .output ? .channel : .stdErr
        channel.writeAndFlush(SSHChannelData(type: type, data: .byteBuffer(ByteBuffer(bytes: bytes))), promise: nil)
    }

    /// A new command starts with the full allowance.
    func reset() { written.withLock { $0 = (0, false) } }
}
