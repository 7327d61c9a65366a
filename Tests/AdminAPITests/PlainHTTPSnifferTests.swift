@testable import AdminAPI
import Foundation
import Testing

struct PlainHTTPSnifferTests {
    let listen = try! APIListenAddress(parsing: "127.0.0.1:8088")

    @Test func aPlainRequestIsSentToTheSamePathOverHTTPS() {
        let answer = PlainHTTPSniffer.redirect(forRequestHead: "GET /extensions?page=2 HTTP/1.1\r\nHost: localhost:8088\r\n\r\n", listen: listen)
        #expect(answer.hasPrefix("HTTP/1.1 301 Moved Permanently\r\nLocation: https://localhost:8088/extensions?page=2\r\n"))
    }

    @Test func neverToAnotherSiteNorWithHeadersSmuggledIn() {
        for head in ["GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n", "GET //evil.example/x HTTP/1.1\r\n\r\n",
                     "GET /a\u{7F}b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "garbage", ""] {
            let answer = PlainHTTPSniffer.redirect(forRequestHead: head, listen: listen)
            #expect(answer.contains("Location: https://127.0.0.1:8088/\r\n"), "\(head.debugDescription): \(answer)")
            #expect(answer.components(separatedBy: "\r\n").count == 7)
        }
    }
}
