import Foundation
import NIOCore
import NIOEmbedded
import NIOSSH
@testable import SSHConsole
import Testing

@Suite struct LineEditorTests {
    func typed(_ text: String, into editor: inout LineEditor) -> [LineEditor.Step] { editor.feed(Array(text.utf8)) }

    func submitted(_ steps: [LineEditor.Step]) -> [String] {
        steps.compactMap { if case .submit(let line) = $0 { line } else { nil } }
    }

    @Test func aLineIsEchoedAndEnteredOnReturnWithOrWithoutLineFeed() {
        var editor = LineEditor(prompt: "> ")
        let steps = typed("block list\r\nextension list\r", into: &editor)
        #expect(submitted(steps) == ["block list", "extension list"])
        #expect(steps.first == .write(Array("b".utf8)))
    }

    @Test func backspaceRemovesAWholeCharacterEvenWhenItIsSeveralBytes() {
        var editor = LineEditor(prompt: "> ")
        let steps = typed("caf\u{E9}\u{7F}e\r", into: &editor)
        #expect(submitted(steps) == ["cafe"])
        #expect(steps.contains(.write([0x08, 0x20, 0x08])))
    }

    @Test func arrowsRecallHistoryAndOtherEscapesAreSwallowed() {
        var editor = LineEditor(prompt: "> ")
        _ = typed("one\rtwo\r", into: &editor)
        let up = typed("\u{1B}[A\u{1B}[A\u{1B}[C\r", into: &editor)
        #expect(submitted(up) == ["one"])
        #expect(up.contains(.write(Array("\r\u{1B}[K> two".utf8))))
        let down = typed("\u{1B}[A\u{1B}[B\u{1B}[B", into: &editor)
        #expect(down.last == .write([0x07]), "past the newest entry there is nothing more")
        _ = typed("one\r", into: &editor)
        #expect(editor.history == ["one", "two", "one"], "the same line twice in a row is kept once")
    }

    @Test func controlKeysInterruptEndAndClear() {
        var editor = LineEditor(prompt: "> ")
        #expect(typed("abc\u{03}", into: &editor).last == .interrupt)
        #expect(typed("x\u{04}", into: &editor).contains(.end) == false, "Ctrl-D ends only an empty line")
        #expect(submitted(typed("\u{15}y\r", into: &editor)) == ["y"])
        #expect(typed("\u{04}", into: &editor) == [.end])
        #expect(submitted(typed("\u{09}\u{01}z\r", into: &editor)) == ["z"], "other control bytes are ignored")
    }

    @Test func lineAndHistoryAreBounded() {
        var editor = LineEditor(prompt: "> ")
        let long = typed(String(repeating: "a", count: LineEditor.maximumLine + 10) + "\r", into: &editor)
        #expect(submitted(long).first?.count == LineEditor.maximumLine)
        for index in 0..<(LineEditor.maximumHistory + 20) { _ = typed("c\(index)\r", into: &editor) }
        #expect(editor.history.count == LineEditor.maximumHistory)
        #expect(editor.history.last == "c\(LineEditor.maximumHistory + 19)")
    }
}

@Suite struct CommandWordsTests {
    @Test func wordsSplitLikeAShellWithoutExpandingAnything() throws {
        #expect(try CommandWords.split("  extension   add 1001 ") == ["extension", "add", "1001"])
        #expect(try CommandWords.split(#"user add 'Ann Lee' --full-name "A \"B\" C" a\ b"#) == ["user", "add", "Ann Lee", "--full-name", #"A "B" C"#, "a b"])
        #expect(try CommandWords.split("echo $HOME `id` *; rm") == ["echo", "$HOME", "`id`", "*;", "rm"])
        #expect(try CommandWords.split("'' x") == ["", "x"])
    }

    @Test func anOpenQuoteOrTrailingBackslashIsAnError() {
        #expect(throws: CommandWords.Problem.self) { try CommandWords.split("say 'hello") }
        #expect(throws: CommandWords.Problem.self) { try CommandWords.split("say hello\\") }
    }
}

@Suite struct SSHKeyTests {
    let line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEQARZcrYM1axIK8+Bh8GZI82FS2ZW6HT/bcSNTRGbh7 alice@laptop"

    @Test func aKeyLineParsesWithTheFingerprintSSHKeygenPrints() throws {
        let key = try SSHAuthorizedKey(line: line + "\n", username: "alice", addedBy: "admin", now: Date())
        // `ssh-keygen -lf` on the same key printed this.
        #expect(key.fingerprint == "SHA256:Om2wrX9mFOxWnMB18VlwDZXWKFmsBZLySTs0ZGZqp+c")
        #expect(key.type == "ssh-ed25519" && key.comment == "alice@laptop")
    }

    @Test func otherKeyTypesOptionsAndDamagedKeysAreRefusedWithTheReason() {
        #expect(throws: SSHConsoleError.unsupportedKeyType("ssh-rsa")) {
            try SSHAuthorizedKey(line: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCxYIk4 me", username: "a", addedBy: "a", now: Date())
        }
        #expect(throws: SSHConsoleError.self) {
            try SSHAuthorizedKey(line: "command=\"/bin/sh\" " + line, username: "a", addedBy: "a", now: Date())
        }
        #expect(throws: SSHConsoleError.self) {
            try SSHAuthorizedKey(line: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEQARZcr", username: "a", addedBy: "a", now: Date())
        }
        #expect(throws: SSHConsoleError.self) { try SSHAuthorizedKey(line: line + "\n" + line, username: "a", addedBy: "a", now: Date()) }
    }

    @Test func theHostKeySurvivesItsStoredForm() throws {
        let key = SSHHostKey.generate()
        let again = try SSHHostKey(stored: key.stored)
        #expect(again.fingerprint == key.fingerprint && key.publicLine.hasPrefix("ssh-ed25519 "))
        #expect(throws: SSHConsoleError.hostKeyUnreadable) { try SSHHostKey(stored: "bm90IGEga2V5") }
    }

    @Test func listenAddressesAreIPLiteralsWithAPort() throws {
        #expect(try SSHListenAddress(parsing: "127.0.0.1:8022").port == 8022)
        #expect(try SSHListenAddress(parsing: "[::1]:22").description == "[::1]:22")
        for bad in ["localhost:22", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "[::1]22"] {
            #expect(throws: SSHConsoleError.self) { try SSHListenAddress(parsing: bad) }
        }
        #expect(SSHSettings().enabled == false, "off unless turned on")
    }
}

@Suite struct SSHSessionTests {
    /// Refuses everything: the session tests here never log in or run a command.
    struct NoGate: ConsoleGate {
        func login(_ attempt: SSHLoginAttempt) async -> ConsoleUser? { nil }
        func refused(_ attempt: SSHLoginAttempt) async {}
        func run(_ arguments: [String], as user: ConsoleUser, output: ConsoleOutput) async -> Int32 { 1 }
        func idleTimeout() async -> TimeAmount { .minutes(5) }
        func allows(_ user: ConsoleUser) async -> Bool { false }
    }

    func session() throws -> EmbeddedChannel {
        let user = ConsoleUser(username: "ann", fingerprint: "SHA256:x", source: nil, port: 8022)
        let connection = SSHConnection(source: nil, port: 8022, gate: NoGate())
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8022)).wait()
        try channel.pipeline.syncOperations.addHandler(SSHSessionHandler(connection: connection, user: user, idleTimeout: .minutes(5)))
        channel.pipeline.fireUserInboundEventTriggered(SSHChannelRequestEvent.PseudoTerminalRequest(
            wantReply: false, term: "xterm", terminalCharacterWidth: 80, terminalRowHeight: 24, terminalPixelWidth: 0, terminalPixelHeight: 0,
            terminalModes: SSHTerminalModes([:])))
        channel.pipeline.fireUserInboundEventTriggered(SSHChannelRequestEvent.ShellRequest(wantReply: false))
        return channel
    }

    func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let data = try channel.readOutbound(as: SSHChannelData.self) {
            if case .byteBuffer(let buffer) = data.data { text += String(buffer: buffer) }
        }
        return text
    }

    func type(_ text: String, into channel: EmbeddedChannel) throws {
        try channel.writeInbound(SSHChannelData(type: .channel, data: .byteBuffer(ByteBuffer(string: text))))
    }

    @Test func anIdleSessionEndsAfterTheTimeoutAndTypingPostponesIt() throws {
        let channel = try session()
        #expect(try written(channel).hasSuffix("ann@portcullis> "))
        channel.embeddedEventLoop.advanceTime(by: .minutes(4))
        try type("b", into: channel)
        channel.embeddedEventLoop.advanceTime(by: .minutes(4))
        #expect(channel.isActive, "typing restarted the idle time")
        channel.embeddedEventLoop.advanceTime(by: .minutes(2))
        #expect(!channel.isActive)
        #expect(try written(channel).contains("idle for 5 minutes"))
    }

    @Test func exitAndCtrlDEndThePromptWithCRLFOutput() throws {
        let channel = try session()
        #expect(try written(channel).contains("ends the session.\r\n"), "with a terminal, line ends are CR LF")
        try type("exit\r", into: channel)
        #expect(!channel.isActive)
        let other = try session()
        try type("\u{04}", into: other)
        #expect(!other.isActive)
    }
}
