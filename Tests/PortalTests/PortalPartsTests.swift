import Foundation
@testable import Portal
import Testing

struct SVGBarChartTests {
    @Test func barsAreProportionalAndTextIsEscaped() {
        let chart = SVGBarChart(title: "Attacks <by> layer", series: [.init(name: "24 h", color: "#000")],
                                rows: [.init(label: "<script>", values: [10]), .init(label: "B & C", values: [5]), .init(label: "none", values: [0])])
        let svg = chart.svg
        #expect(svg.contains("<title>Attacks &lt;by&gt; layer</title>"))
        #expect(svg.contains("&lt;script&gt;") && !svg.contains("<script>"))
        #expect(svg.contains("B &amp; C"))
        let room = SVGBarChart.width - SVGBarChart.labelWidth - 50
        #expect(svg.contains("width=\"\(room)\"") && svg.contains("width=\"\(room / 2)\""))
        #expect(!svg.contains("style="))
        #expect(svg.contains("<desc>&lt;script&gt;: 10 24 h; B &amp; C: 5 24 h; none: 0 24 h</desc>"))
    }

    @Test func anEmptyChartSaysSo() {
        #expect(SVGBarChart(title: "t", series: [.init(name: "a", color: "#000")], rows: []).svg.contains("Nothing in this period."))
    }
}

struct PendingLoginsTests {
    @Test func aTicketGivesThreeTriesWithinItsLifetime() {
        let pending = PendingLogins()
        let now = Date(timeIntervalSince1970: 1_000)
        let ticket = pending.park(username: "alice", password: "p", now: now)
        for _ in 0..<PendingLogins.attempts { #expect(pending.attempt(ticket, now: now)?.username == "alice") }
        #expect(pending.attempt(ticket, now: now) == nil)
        let late = pending.park(username: "bob", password: "p", now: now)
        #expect(pending.attempt(late, now: now.addingTimeInterval(PendingLogins.lifetime + 1)) == nil)
        #expect(pending.attempt("not-a-ticket", now: now) == nil)
    }

    @Test func theTableStaysBounded() {
        let pending = PendingLogins()
        let now = Date(timeIntervalSince1970: 1_000)
        for index in 0..<(PendingLogins.capacity + 50) { _ = pending.park(username: "u\(index)", password: "p", now: now.addingTimeInterval(Double(index) / 1000)) }
        #expect(pending.count == PendingLogins.capacity)
    }
}

struct LoginRedirectTests {
    @Test func onlyPathsOnThisServerAreFollowed() {
        #expect(PortalRoutes.safeNext("/extensions?page=2") == "/extensions?page=2")
        for hostile in ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", nil] {
            #expect(PortalRoutes.safeNext(hostile) == "/")
        }
    }
}
