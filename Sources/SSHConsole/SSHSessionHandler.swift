import Model
import NIOCore
import NIOSSH

/// One session channel: a command (`ssh admin@pbx extension list`) or, with a terminal, an interactive prompt with
/// history. Never an operating-system shell: every line goes to `ConsoleGate.run` as the CLI's words. Environment,
/// subsystems (sftp) and anything else are refused; an idle session ends.
final class SSHSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = SSHChannelData
    typealias OutboundIn = Never
    typealias OutboundOut = SSHChannelData

    private enum Mode { case waiting, command, prompt }

    private let connection: SSHConnection
    private let user: ConsoleUser
    private var mode = Mode.waiting
    private var terminal = false
    private var editor: LineEditor
    private var output: ConsoleOutput?
    private var running: Task<Void, Never>?
    /// The portal's idle timeout, read when the session opened.
    private let idleTimeout: TimeAmount
    private var idleTimer: Scheduled<Void>?
    private var inputEnded = false

    init(connection: SSHConnection, user: ConsoleUser, idleTimeout: TimeAmount) {
        self.connection = connection
        self.user = user
        self.idleTimeout = idleTimeout
        editor = LineEditor(prompt: "\(user.username)@portcullis> ")
    }

    func handlerAdded(context: ChannelHandlerContext) {
        context.channel.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).whenFailure { _ in }
        armIdleTimer(context.channel)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        running?.cancel()
        idleTimer?.cancel()
        connection.closeSession()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let request as SSHChannelRequestEvent.PseudoTerminalRequest:
            terminal = mode == .waiting
            reply(context, request.wantReply, ok: terminal)
        case let request as SSHChannelRequestEvent.ShellRequest:
            guard mode == .waiting else { return reply(context, request.wantReply, ok: false) }
            mode = .prompt
            reply(context, request.wantReply, ok: true)
            let output = ConsoleOutput(channel: context.channel, terminal: terminal)
            self.output = output
            output.write("Portcullis \(PortcullisVersion.current) admin console, signed in as \(user.username). "
                         + "Commands as the portcullis CLI's (help lists them); exit ends the session.\n")
            prompt()
        case let request as SSHChannelRequestEvent.ExecRequest:
            guard mode == .waiting else { return reply(context, request.wantReply, ok: false) }
            mode = .command
            reply(context, request.wantReply, ok: true)
            output = ConsoleOutput(channel: context.channel, terminal: terminal)
            run(request.command, context: context)
        case let request as SSHChannelRequestEvent.EnvironmentRequest:
            reply(context, request.wantReply, ok: false)
        case let request as SSHChannelRequestEvent.SubsystemRequest:
            reply(context, request.wantReply, ok: false)
        case ChannelEvent.inputClosed:
            // The client has nothing more to say: a prompt ends; a command still finishes and then closes.
            inputEnded = true
            if running == nil { context.close(promise: nil) }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard mode == .prompt, case .byteBuffer(let buffer) = message.data, message.type == .channel else { return }
        armIdleTimer(context.channel)
        if running != nil {
            // While a command runs only Ctrl-C counts: it stops the command.
            if buffer.readableBytesView.contains(0x03) { running?.cancel() }
            return
        }
        for step in editor.feed(buffer.readableBytesView) {
            switch step {
            case .write(let bytes):
                context.writeAndFlush(wrapOutboundOut(SSHChannelData(type: .channel, data: .byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
            case .interrupt:
                prompt()
            case .end:
                output?.write("\n")
                return end(context, status: 0)
            case .submit(let line):
                let words = line.split(whereSeparator: \.isWhitespace)
                if words.count == 1, ["exit", "quit", "logout"].contains(words[0]) { return end(context, status: 0) }
                if words.isEmpty { prompt() } else { run(line, context: context) }
            }
            if running != nil { return }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func reply(_ context: ChannelHandlerContext, _ wanted: Bool, ok: Bool) {
        guard wanted else { return }
        context.triggerUserOutboundEvent(ok ? ChannelSuccessEvent() as Any : ChannelFailureEvent() as Any, promise: nil)
    }

    private func prompt() { output?.write(editor.prompt) }

    /// Runs one line as the session's user; a prompt comes back after it, a command's channel closes with its status.
    private func run(_ line: String, context: ChannelHandlerContext) {
        guard let output else { return }
        output.reset()
        let words: [String]
        do {
            words = try CommandWords.split(line)
        } catch {
            output.write("error: \(error)\n", to: .error)
            return mode == .command ? end(context, status: 2) : prompt()
        }
        let gate = connection.gate
        let user = self.user
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let channel = context.channel
        idleTimer?.cancel()
        running = Task {
            let status = await gate.run(words, as: user, output: output)
            loop.execute {
                let session = handler.value
                session.running = nil
                session.armIdleTimer(channel)
                guard channel.isActive else { return }
                if session.mode == .command || session.inputEnded {
                    session.end(channel, status: status)
                } else {
                    session.prompt()
                }
            }
        }
    }

    private func end(_ context: ChannelHandlerContext, status: Int32) { end(context.channel, status: status) }

    private func end(_ channel: any Channel, status: Int32) {
        channel.triggerUserOutboundEvent(SSHChannelRequestEvent.ExitStatus(exitStatus: Int(status))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    private func armIdleTimer(_ channel: any Channel) {
        idleTimer?.cancel()
        guard running == nil else { return }
        let timeout = idleTimeout
        let output = self.output
        idleTimer = channel.eventLoop.scheduleTask(in: timeout) {
            output?.write("\nidle for \(timeout.nanoseconds / 60_000_000_000) minutes: the session ends\n")
            channel.close(promise: nil)
        }
    }
}
