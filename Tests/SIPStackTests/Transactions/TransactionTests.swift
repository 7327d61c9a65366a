import SIPCore
import SIPStack
import Testing

@Suite("RFC 3261 transaction state machines on a fake clock")
struct TransactionTests {
    let timers = TransactionTimers()

    @Test func clientNonInviteRetransmitsWithBackoffAndTimesOut() {
        var transaction = ClientNonInviteTransaction(reliable: false, now: .zero)
        var now = Duration.zero
        var intervals: [Duration] = []
        while transaction.state != .terminated {
            let next = transaction.timers.min { $0.deadline < $1.deadline }!
            intervals.append(next.deadline - now)
            now = next.deadline
            _ = transaction.timerFired(next.name, now: now)
        }
        #expect(now == timers.transactionTimeout)
        #expect(intervals.prefix(4) == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4)])
        #expect(intervals.dropFirst(4).dropLast().allSatisfy { $0 <= .seconds(4) })
    }

    @Test func clientNonInviteCompletesAndWaitsTimerK() {
        var transaction = ClientNonInviteTransaction(reliable: false, now: .zero)
        let outcome25 = transaction.responseReceived(statusCode: 100, now: .milliseconds(100))
        #expect(outcome25 == [.passToUser])
        let outcome26 = transaction.responseReceived(statusCode: 200, now: .milliseconds(200))
        #expect(outcome26 == [.passToUser])
        let outcome27 = transaction.responseReceived(statusCode: 200, now: .milliseconds(300))
        #expect(outcome27 == [])
        #expect(transaction.timers == [TransactionTimer(name: .k, deadline: .milliseconds(200) + timers.t4)])
        let outcome29 = transaction.timerFired(.k, now: .seconds(6))
        #expect(outcome29 == [.terminate])
    }

    @Test func clientInviteAcksErrorsAndAbsorbsTheirRetransmissions() {
        var transaction = ClientInviteTransaction(reliable: false, now: .zero)
        let outcome34 = transaction.timerFired(.a, now: .milliseconds(500))
        #expect(outcome34 == [.transmit])
        #expect(transaction.timers.contains(TransactionTimer(name: .a, deadline: .milliseconds(1_500))))
        let outcome36 = transaction.responseReceived(statusCode: 486, now: .seconds(1))
        #expect(outcome36 == [.sendAck, .passToUser])
        let outcome37 = transaction.responseReceived(statusCode: 486, now: .seconds(2))
        #expect(outcome37 == [.sendAck])
        let outcome38 = transaction.timerFired(.d, now: .seconds(33))
        #expect(outcome38 == [.terminate])
    }

    @Test func clientInviteEndsOn2xxAndTimesOutWithoutAnswer() {
        var answered = ClientInviteTransaction(reliable: true, now: .zero)
        let outcome43 = answered.responseReceived(statusCode: 200, now: .seconds(1))
        #expect(outcome43 == [.passToUser, .terminate])
        var silent = ClientInviteTransaction(reliable: true, now: .zero)
        #expect(silent.timers == [TransactionTimer(name: .b, deadline: timers.transactionTimeout)])
        let outcome46 = silent.timerFired(.b, now: timers.transactionTimeout)
        #expect(outcome46 == [.timeout, .terminate])
    }

    @Test func serverNonInviteAnswersRetransmissionsFromMemory() {
        var table = ServerTransactionTable()
        let via = try! Via(parsing: "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc")
        let key = ServerTransactionKey(via: via, method: .register)
        let outcome71 = table.receive(key, reliable: false)
        #expect(outcome71 == .new)
        let outcome72 = table.receive(key, reliable: false)
        #expect(outcome72 == .retransmission(nil))
        table.responded(key, bytes: [1, 2, 3], final: true, now: .zero)
        let outcome74 = table.receive(key, reliable: false)
        #expect(outcome74 == .retransmission([1, 2, 3]))
        let outcome75 = table.expire(now: .seconds(31))
        #expect(outcome75 == 0)
        let outcome76 = table.expire(now: .seconds(33))
        #expect(outcome76 == 1)
        let outcome77 = table.receive(key, reliable: false)
        #expect(outcome77 == .new)
    }

    /// RFC 3261 section 17.2.3: the same branch from another sent-by, or for another method, is another transaction;
    /// the default port and an explicit 5060 are the same sent-by.
    @Test func aTransactionIsItsBranchSentByAndMethod() {
        func key(_ via: String, _ method: SIPMethod = .register) -> ServerTransactionKey {
            ServerTransactionKey(via: try! Via(parsing: "SIP/2.0/UDP \(via);branch=z9hG4bKsame"), method: method)
        }
        var table = ServerTransactionTable()
        #expect(table.receive(key("10.0.0.1:5060"), reliable: false) == .new)
        table.responded(key("10.0.0.1:5060"), bytes: [7], final: true, now: .zero)
        #expect(table.receive(key("10.0.0.1"), reliable: false) == .retransmission([7]))
        #expect(table.receive(key("10.0.0.2:5060"), reliable: false) == .new)
        #expect(table.receive(key("10.0.0.1:5062"), reliable: false) == .new)
        #expect(table.receive(key("10.0.0.1:5060", .options), reliable: false) == .new)
        #expect(key("10.0.0.1") == key("10.0.0.1:5060") && key("10.0.0.1").hashValue == key("10.0.0.1:5060").hashValue)
        #expect(key("10.0.0.1") != key("10.0.0.1", .options))
    }

    /// Filled past its first reservation and up to its bound: every transaction is remembered and answered from memory,
    /// one over the bound is served but not remembered, and Timer J ends them all.
    @Test func aFullServerTableKeepsEveryTransactionUpToItsBound() {
        var table = ServerTransactionTable(capacity: 3_000)
        let keys = (0..<3_000).map { ServerTransactionKey(via: try! Via(parsing: "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK\($0)"), method: .register) }
        for key in keys {
            _ = table.receive(key, reliable: false)
            table.responded(key, bytes: Array(key.branch.utf8), final: true, now: .zero)
        }
        #expect(table.count == 3_000)
        #expect(keys.allSatisfy { table.receive($0, reliable: false) == .retransmission(Array($0.branch.utf8)) })
        let extra = ServerTransactionKey(via: try! Via(parsing: "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKextra"), method: .register)
        #expect(table.receive(extra, reliable: false) == .new)
        #expect(table.receive(extra, reliable: false) == .new, "over the bound nothing is remembered")
        #expect(table.expire(now: .seconds(33)) == 3_000 && table.count == 0)
    }

    /// Under steady load, expiry keeps pace with new answers in small steps (at most two per answer), instead of
    /// leaving every due transaction to the once-a-second sweep.
    @Test func answersEndDueTransactionsTwoAtATime() {
        var table = ServerTransactionTable()
        func answer(_ name: String, at now: Duration) {
            let key = ServerTransactionKey(via: try! Via(parsing: "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK\(name)"), method: .register)
            _ = table.receive(key, reliable: false)
            table.responded(key, bytes: [1], final: true, now: now)
        }
        for index in 0..<100 { answer("old\(index)", at: .zero) }
        answer("new0", at: .seconds(33))
        #expect(table.count == 99, "one new, two due ended")
        for index in 1...60 { answer("new\(index)", at: .seconds(33)) }
        #expect(table.count == 61, "all 100 due ones ended by the answers that followed")
        #expect(table.expire(now: .seconds(34)) == 0)
    }

    @Test func reliableServerTransactionsEndAtOnce() {
        var table = ServerTransactionTable()
        let key = ServerTransactionKey(via: try! Via(parsing: "SIP/2.0/TCP h;branch=z9hG4bKt"), method: .options)
        _ = table.receive(key, reliable: true)
        table.responded(key, bytes: [9], final: true, now: .zero)
        #expect(table.count == 0)
    }
}
