import CoreMetrics

/// The SIP counters, created once so the hot path only increments. Method dimensions are limited to the known
/// methods, so a scanner inventing methods cannot grow the metric set.
struct SIPMetrics: Sendable {
    /// Known methods, the most frequent first: a method name is a small string, so comparing a few in order costs
    /// less than hashing one for a dictionary on every request.
    private let requests: [(method: String, counter: Counter)]
    private let otherRequests: Counter
    let responses: Counter
    let malformed: Counter
    let retransmissions: Counter
    let registrationsAccepted: Counter
    let registrationsFailed: Counter
    let scannersDropped: Counter

    static let knownMethods = ["REGISTER", "OPTIONS", "INVITE", "ACK", "BYE", "CANCEL", "SUBSCRIBE", "NOTIFY", "MESSAGE", "REFER", "INFO", "UPDATE", "PRACK", "PUBLISH"]

    init() {
        requests = SIPMetrics.knownMethods.map {
            ($0, Counter(label: "portcullis_sip_requests_total", dimensions: [("method", $0)]))
        }
        otherRequests = Counter(label: "portcullis_sip_requests_total", dimensions: [("method", "other")])
        responses = Counter(label: "portcullis_sip_responses_received_total")
        malformed = Counter(label: "portcullis_sip_malformed_total")
        retransmissions = Counter(label: "portcullis_sip_retransmissions_total")
        registrationsAccepted = Counter(label: "portcullis_registrations_total", dimensions: [("result", "accepted")])
        registrationsFailed = Counter(label: "portcullis_registrations_total", dimensions: [("result", "failed")])
        scannersDropped = Counter(label: "portcullis_sip_scanner_requests_dropped_total")
    }

    func request(_ method: String) {
        for index in requests.indices where requests[index].method == method { return requests[index].counter.increment() }
        otherRequests.increment()
    }
}
