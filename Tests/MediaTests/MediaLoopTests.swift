import Foundation
import NIOCore
@testable import Media
import Testing

@Suite("Media relay threads")
struct MediaLoopTests {
    /// How often the thread named `name` has gone to sleep and been woken (`voluntary_ctxt_switches`), nil until it runs.
    private static func wakeUps(of name: String) -> Int? {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for task in tasks {
            guard let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
                  comm.trimmingCharacters(in: .whitespacesAndNewlines) == name,
                  let status = try? String(contentsOfFile: "/proc/self/task/\(task)/status", encoding: .utf8) else { continue }
            for line in status.split(separator: "\n") where line.hasPrefix("voluntary_ctxt_switches:") {
                return Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces))
            }
        }
        return nil
    }

    /// An idle server's relay threads stay asleep (a turn every 10 ms would be 100 wake-ups a second each), yet a
    /// command that waits for no one, such as a new call's legs, still reaches the loop, which then turns again.
    @Test func aLoopWithoutCallsSleepsUntilACommandArrives() async throws {
        let name = "mloop-idle-\(Int.random(in: 100...999))"
        let loop = MediaLoop(family: AF_INET, base: 40_000, span: 4, name: name) { _ in }
        defer { loop.submit(.stop) }
        #expect(try await eventually { Self.wakeUps(of: name) != nil })
        let asleep = try #require(Self.wakeUps(of: name))
        try await Task.sleep(for: .milliseconds(500))
        #expect(try #require(Self.wakeUps(of: name)) - asleep <= 2, "woken while idle")

        // Legs without sockets: enough for the loop to carry a call and turn for it.
        let caller = MediaLoop.Leg(port: 40_000, rtp: -1, rtcp: -1, loop: 0), callee = MediaLoop.Leg(port: 40_002, rtp: -1, rtcp: -1, loop: 0)
        loop.submit(.attach(caller: caller, callee: callee, call: MediaCounters(now: .now())))
        #expect(try await eventually { (Self.wakeUps(of: name) ?? 0) - asleep >= 10 }, "a call's loop turns")
    }
}
