#if canImport(Glibc)
import Glibc
#endif
import Media
import NIOCore
import NIOPosix

// The PBX's media relay, driven over stdin the way `media-load.py` drives rtpengine over its control protocol: the
// same MediaRelay and MediaSession the PBX opens for each relayed call, nothing else (one relay thread per CPU it may
// run on: one under the benchmark's `taskset`).
//
// Input: one line per call, "A_HOST A_PORT B_HOST B_PORT" (where each side's RTP comes from and goes to), then
// "open". Output: one line per call, "PORT_FACING_A PORT_FACING_B", then "ready". The sessions stay open until stdin
// closes.
/// Unbuffered: the driver reads the ports line by line.
func emit(_ line: String) {
    var line = line + "\n"
    _ = line.withUTF8 { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
}

var settings = MediaSettings()
settings.portMin = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 20_000
settings.portMax = Int(CommandLine.arguments.dropFirst(2).first ?? "") ?? 40_000
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let relay = MediaRelay(settings: settings, host: "127.0.0.1")
let loop = group.next()

var peers: [[String]] = []
while let line = readLine(), line != "open" {
    let fields = line.split(separator: " ").map(String.init)
    guard fields.count == 4, Int(fields[1]) != nil, Int(fields[3]) != nil else {
        fatalError("MediaRelayBenchmark: expected \"A_HOST A_PORT B_HOST B_PORT\", got \"\(line)\"")
    }
    peers.append(fields)
}
var sessions: [MediaSession] = []
for peer in peers {
    let session = try await relay.openSession(on: loop).get()
    session.setPeer(.caller, host: peer[0], port: Int(peer[1])!, signalling: nil)
    session.setPeer(.callee, host: peer[2], port: Int(peer[3])!, signalling: nil)
    sessions.append(session)
    emit("\(session.port(facing: .caller)) \(session.port(facing: .callee))")
}
emit("ready")
while readLine() != nil {}
for session in sessions { session.close() }
try await group.shutdownGracefully()
