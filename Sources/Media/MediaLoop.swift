import CMediaSockets
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One thread that relays the packets of its calls: epoll over their sockets, up to `batch` datagrams per
/// `recvmmsg` and what they carry in one `sendmmsg`, into buffers allocated once; no channel, allocation or lock per
/// packet. Everything it owns (the socket table, latches, endpoints) is touched on its thread only; other threads
/// hand it `Command`s through a queue. The loop takes them at its next turn, before the packets that woke it, and
/// turns at least every `turn` while it carries calls: only a command someone waits on wakes it at once (an eventfd),
/// since waking it for each call's setup and end cost more CPU per call than the call's signalling. A loop without
/// calls sleeps until a command arrives, so an idle server's relay threads do not wake.
final class MediaLoop: @unchecked Sendable {
    /// A UDP port pair (RTP even, RTCP above) bound for one side of a call, and the loop whose epoll holds it.
    struct Leg: Sendable {
        var port: Int
        var rtp: Int32
        var rtcp: Int32
        var loop: Int
    }

    enum Command {
        /// A call's two legs; `call` identifies it in later commands.
        case attach(caller: Leg, callee: Leg, call: MediaCounters)
        case name(caller: Int, call: MediaCounters, side: MediaSession.Side, declared: MediaAddress?, signalling: MediaAddress?)
        case endpoint(caller: Int, call: MediaCounters, side: MediaSession.Side, MediaEndpoint?)
        case send(caller: Int, call: MediaCounters, side: MediaSession.Side, [UInt8])
        /// The call ended: its legs wait for the next call, except `closing`, whose sockets close and ports return.
        case detach(caller: Int, call: MediaCounters, closing: [Leg])
        case close(Leg, done: @Sendable () -> Void)
        case run(@Sendable () -> Void)
        case stop

        /// Taken at once rather than at the loop's next turn: a prompt's packet, or someone waits.
        var isUrgent: Bool {
            switch self {
            case .attach, .name, .endpoint, .detach: false
            case .send, .close, .run, .stop: true
            }
        }
    }

    private struct Queue {
        var commands: [Command] = []
        /// The eventfd was written since the loop last took the queue.
        var woken = false
        /// The loop sleeps without a turn: any command wakes it.
        var idle = false
    }

    /// One socket: a leg's RTP or RTCP port.
    private struct Slot {
        var fd: Int32 = -1
        /// Index into `calls`, or -1 while the leg waits between calls (its packets are read and dropped).
        var call: Int32 = -1
        /// The socket of the same kind on the other leg, where what arrives here leaves.
        var partner = 0
        var side = MediaSession.Side.caller
        var rtcp = false
        /// Associated with the side's latched address (`MediaSocket.connect`).
        var connected = false
    }

    private struct Call {
        let counters: MediaCounters
        /// Slots of the two RTP sockets (RTCP is one above each).
        let caller: Int, callee: Int
        var callerPeer = MediaPeer(), calleePeer = MediaPeer()
        var callerEndpoint: MediaEndpoint?, calleeEndpoint: MediaEndpoint?

        func peer(_ side: MediaSession.Side) -> MediaPeer { side == .caller ? callerPeer : calleePeer }

        mutating func withPeer<Result>(_ side: MediaSession.Side, _ body: (inout MediaPeer) -> Result) -> Result {
            side == .caller ? body(&callerPeer) : body(&calleePeer)
        }

        func endpoint(_ side: MediaSession.Side) -> MediaEndpoint? { side == .caller ? callerEndpoint : calleeEndpoint }

        func slot(_ side: MediaSession.Side) -> Int { side == .caller ? caller : callee }
    }

    /// Datagrams one read takes from a socket, the room each has, and reads per readiness before the next socket's turn.
    static let batch = 16, largestDatagram = 2_048, readsPerTurn = 4
    /// The longest a command that is not urgent waits, in milliseconds (packets on any of the loop's sockets take it
    /// sooner).
    static let turn: Int32 = 10
    private static let wakeToken = UInt64.max

    private let family: Int32
    /// The relay's first port: a port's RTP slot is `port - base`.
    private let base: Int
    private let portFreed: @Sendable (Int) -> Void
    private let epoll: Int32
    private let wake: Int32
    private let queue = NIOLockedValueBox(Queue())
    /// Commands wait in the queue: read at every turn without taking the lock.
    private let pending = Atomic(false)

    // Owned by the loop's thread.
    private var slots: [Slot]
    private var calls: [Call?] = []
    private var freeCalls: [Int] = []
    private var now: UInt64 = 0
    private var stopped = false
    private let buffers: UnsafeMutableRawPointer
    private let vectors: UnsafeMutablePointer<iovec>
    private let sources: UnsafeMutablePointer<sockaddr_storage>
    private let received: UnsafeMutablePointer<CMediaSockets_mmsghdr>
    private let outgoing: UnsafeMutablePointer<CMediaSockets_mmsghdr>
    private let destination: UnsafeMutablePointer<sockaddr_storage>

    /// `family` of the relay's sockets, ports `base..<base + span`; `portFreed` gets each port whose sockets it closed.
    init(family: Int32, base: Int, span: Int, name: String, portFreed: @escaping @Sendable (Int) -> Void) {
        self.family = family
        self.base = base
        self.portFreed = portFreed
        slots = Array(repeating: Slot(), count: span)
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wake = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        precondition(epoll >= 0 && wake >= 0, "the media relay cannot create its epoll and eventfd: \(String(cString: strerror(errno)))")
        buffers = .allocate(byteCount: Self.batch * Self.largestDatagram, alignment: 16)
        vectors = .allocate(capacity: Self.batch)
        sources = .allocate(capacity: Self.batch)
        received = .allocate(capacity: Self.batch)
        outgoing = .allocate(capacity: Self.batch)
        destination = .allocate(capacity: 1)
        for index in 0..<Self.batch {
            vectors[index] = iovec(iov_base: buffers + index * Self.largestDatagram, iov_len: Self.largestDatagram)
        }
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: Self.wakeToken))
        epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event)
        // Named from inside: Foundation keeps a name given before start to itself, and `top -H` should show it.
        Thread { [self] in
            CMediaSockets_nameThread(name)
            run()
        }.start()
    }

    deinit {
        buffers.deallocate()
        vectors.deallocate()
        sources.deallocate()
        received.deallocate()
        outgoing.deallocate()
        destination.deallocate()
    }

    /// Hands `command` to the loop's thread, waking it for an urgent one.
    func submit(_ command: Command) {
        let wake = queue.withLockedValue { queue in
            queue.commands.append(command)
            pending.store(true, ordering: .releasing)
            guard command.isUrgent || queue.idle, !queue.woken else { return false }
            queue.woken = true
            return true
        }
        if wake { CMediaSockets_signalEventFD(self.wake) }
    }

    // MARK: The loop's thread

    private func run() {
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: 256)
        defer { events.deallocate() }
        while !stopped {
            let idle = sleepsIdle()
            let ready = epoll_wait(epoll, events, 256, idle ? -1 : Self.turn)
            if idle { queue.withLockedValue { $0.idle = false } }
            guard ready >= 0 else {
                if errno == EINTR { continue }
                break
            }
            now = NIODeadline.now().uptimeNanoseconds
            if pending.load(ordering: .acquiring) { apply() }
            for index in 0..<Int(ready) where !stopped {
                let token = events[index].data.u64
                if token == Self.wakeToken {
                    CMediaSockets_drainEventFD(wake)
                } else {
                    readable(Int(token))
                }
            }
        }
        for slot in slots where slot.fd >= 0 { Glibc.close(slot.fd) }
        Glibc.close(epoll)
        Glibc.close(wake)
    }

    /// Whether the loop may wait for readiness without a turn: it carries no call and no command waits (checked
    /// under the queue's lock, so a command submitted after this sees `idle` and wakes the loop).
    private func sleepsIdle() -> Bool {
        guard calls.count == freeCalls.count else { return false }
        return queue.withLockedValue { queue in
            queue.idle = queue.commands.isEmpty
            return queue.idle
        }
    }

    private func apply() {
        var taken: [Command] = []
        queue.withLockedValue { queue in
            swap(&queue.commands, &taken)
            queue.woken = false
            pending.store(false, ordering: .relaxed)
        }
        for command in taken { apply(command) }
    }

    private func apply(_ command: Command) {
        switch command {
        case .attach(let caller, let callee, let counters):
            let index = freeCalls.popLast() ?? calls.count
            if index == calls.count { calls.append(nil) }
            let callerSlot = caller.port - base, calleeSlot = callee.port - base
            calls[index] = Call(counters: counters, caller: callerSlot, callee: calleeSlot)
            for (leg, side) in [(caller, MediaSession.Side.caller), (callee, .callee)] {
                let other = side == .caller ? calleeSlot : callerSlot
                place(leg.rtp, at: leg.port - base, call: index, side: side, rtcp: false, partner: other)
                place(leg.rtcp, at: leg.port - base + 1, call: index, side: side, rtcp: true, partner: other + 1)
            }
        case .name(let caller, let counters, let side, let declared, let signalling):
            guard let index = call(at: caller, counters) else { return }
            calls[index]?.withPeer(side) { $0.name(declared: declared, signalling: signalling) }
        case .endpoint(let caller, let counters, let side, let endpoint):
            guard let index = call(at: caller, counters) else { return }
            if side == .caller { calls[index]?.callerEndpoint = endpoint } else { calls[index]?.calleeEndpoint = endpoint }
        case .send(let caller, let counters, let side, let bytes):
            guard let index = call(at: caller, counters), let call = calls[index], let target = call.peer(side).destination(rtcp: false) else { return }
            send(bytes, from: call.slot(side), to: target)
        case .detach(let caller, let counters, let closing):
            if let index = call(at: caller, counters), let call = calls[index] {
                // A kept leg's sockets were disconnected when the call ended (`MediaRelay.release`).
                for slot in [call.caller, call.caller + 1, call.callee, call.callee + 1] {
                    slots[slot].connected = false
                    slots[slot].call = -1
                }
                calls[index] = nil
                freeCalls.append(index)
            }
            for leg in closing { close(leg) }
        case .close(let leg, let done):
            close(leg)
            done()
        case .run(let body):
            body()
        case .stop:
            stopped = true
        }
    }

    /// The call a command names: the one on the caller's slot, if it is still the command's call.
    private func call(at callerPort: Int, _ counters: MediaCounters) -> Int? {
        let index = Int(slots[callerPort - base].call)
        guard index >= 0, calls[index]?.counters === counters else { return nil }
        return index
    }

    private func place(_ fd: Int32, at slot: Int, call: Int, side: MediaSession.Side, rtcp: Bool, partner: Int) {
        if slots[slot].fd != fd {
            var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: UInt64(slot)))
            epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event)
        }
        slots[slot] = Slot(fd: fd, call: Int32(call), partner: partner, side: side, rtcp: rtcp, connected: false)
    }

    private func close(_ leg: Leg) {
        for (fd, slot) in [(leg.rtp, leg.port - base), (leg.rtcp, leg.port - base + 1)] {
            epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nil)
            Glibc.close(fd)
            if slots[slot].fd == fd { slots[slot] = Slot() }
        }
        portFreed(leg.port)
    }

    /// How a packet leaving `slot` for `target` is addressed: 0 when the socket is connected to it (no address),
    /// else the length of `target` written into `destination`; nil when the socket's family cannot reach it.
    private func address(from slot: Int, to target: MediaAddress) -> socklen_t? {
        slots[slot].connected ? 0 : target.write(to: destination, family: family)
    }

    /// A packet the PBX itself sends to a side (a prompt), from the side's RTP socket.
    private func send(_ bytes: [UInt8], from slot: Int, to target: MediaAddress) {
        guard let length = address(from: slot, to: target) else { return }
        let fd = slots[slot].fd
        bytes.withUnsafeBytes { bytes in
            destination.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = sendto(fd, bytes.baseAddress, bytes.count, 0, length == 0 ? nil : $0, length)
            }
        }
    }

    /// Reads what waits on a socket, a batch at a time, and relays it.
    private func readable(_ slot: Int) {
        for _ in 0..<Self.readsPerTurn {
            let fd = slots[slot].fd
            guard fd >= 0 else { return }
            for index in 0..<Self.batch {
                received[index].msg_hdr = msghdr(msg_name: sources + index, msg_namelen: socklen_t(MemoryLayout<sockaddr_storage>.size),
                                                 msg_iov: vectors + index, msg_iovlen: 1, msg_control: nil, msg_controllen: 0, msg_flags: 0)
            }
            let count = CMediaSockets_recvmmsg(fd, received, UInt32(Self.batch), Int32(MSG_DONTWAIT))
            // Nothing waiting, or an ICMP error the read consumed (a connected socket reports the far end's refusal).
            guard count > 0 else {
                if count < 0 && errno == EINTR { continue }
                return
            }
            relay(Int(count), from: slot)
            guard count == Self.batch else { return }
        }
    }

    private func relay(_ count: Int, from slot: Int) {
        let index = Int(slots[slot].call)
        guard index >= 0, let call = calls[index] else { return }
        let side = slots[slot].side, rtcp = slots[slot].rtcp, other = side.other, partner = slots[slot].partner
        let listener = rtcp ? nil : call.endpoint(side)
        // Where this batch goes: the other side, unless the PBX speaks to either side (then nothing is relayed).
        var destinationLength: socklen_t?
        if call.endpoint(side) == nil, call.endpoint(other) == nil, let target = call.peer(other).destination(rtcp: rtcp) {
            destinationLength = address(from: partner, to: target)
        }
        var admitted = 0, sending = 0
        for message in 0..<count {
            guard received[message].msg_hdr.msg_flags & Int32(MSG_TRUNC) == 0, let source = MediaAddress(sources + message) else { continue }
            switch calls[index]?.withPeer(side, { $0.admit(source, rtcp: rtcp) }) ?? .drop {
            case .drop:
                continue
            case .latch:
                slots[slot].connected = MediaSocket.connect(slots[slot].fd, to: source, family: family)
            case .pass:
                break
            }
            admitted += 1
            let length = Int(received[message].msg_len)
            if let listener {
                listener.hear(Array(UnsafeRawBufferPointer(start: vectors[message].iov_base, count: length)))
                continue
            }
            guard let destinationLength else { continue }
            vectors[message].iov_len = length
            outgoing[sending].msg_hdr = msghdr(msg_name: destinationLength == 0 ? nil : UnsafeMutableRawPointer(destination),
                                               msg_namelen: destinationLength, msg_iov: vectors + message, msg_iovlen: 1,
                                               msg_control: nil, msg_controllen: 0, msg_flags: 0)
            sending += 1
        }
        if admitted > 0 { call.counters.add(admitted, from: side, at: now) }
        if sending > 0 { _ = CMediaSockets_sendmmsg(slots[partner].fd, outgoing, UInt32(sending), 0) }
        for message in 0..<count { vectors[message].iov_len = Self.largestDatagram }
    }
}
