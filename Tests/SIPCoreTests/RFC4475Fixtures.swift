// The torture messages of RFC 4475 section 3.1, typed in from the RFC text (CRLF line ends, section 2.2's
// <hex> notation written as Swift escapes). `sdp(_:)` builds the SDP body several of them share.

enum RFC4475 {
    struct Fixture: Sendable {
        let name: String
        let bytes: [UInt8]
    }

    static func message(_ lines: [String], body: [UInt8] = []) -> [UInt8] {
        Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body
    }

    static func sdp(origin: String, connection: String, time: String = "0 0", mediaSpace: Bool = false) -> [UInt8] {
        Array("""
            v=0\r
            o=mhandley 29739 7272939 IN IP4 \(origin)\r
            s=-\r
            c=IN IP4 \(connection)\r
            t=\(time)\r
            m=audio 49217 RTP/AVP 0 12\r
            m\(mediaSpace ? " " : "")=video 3227 RTP/AVP 31\r
            a=rtpmap:31 LPC\r

            """.utf8)
    }

    // MARK: 3.1.1 Valid messages

    static let wsinv = Fixture(name: "3.1.1.1 wsinv", bytes: message([
        "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0",
        "TO :",
        " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n",
        "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>",
        "  ;",
        "  tag = 98asjd8",
        "MaX-fOrWaRdS: 0068",
        "Call-ID: wsinv.ndaksdj@192.0.2.1",
        "Content-Length   : 150",
        "cseq: 0009",
        "  INVITE",
        "Via  : SIP  /   2.0",
        " /UDP",
        "    192.0.2.2;branch=390skdjuw",
        "s :",
        "NewFangledHeader:   newfangled value",
        " continued newfangled value",
        "UnknownHeaderWithUnusualValue: ;;,,;;,;",
        "Content-Type: application/sdp",
        "Route:",
        " <sip:services.example.com;lr;unknownwith=value;unknown-no-value>",
        "v:  SIP  / 2.0  / TCP     spindle.example.com   ;",
        "  branch  =   z9hG4bK9ikj8  ,",
        " SIP  /    2.0   / UDP  192.168.255.111   ; branch=",
        " z9hG4bK30239",
        "m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =",
        "      newvalue ;",
        "  secondparam ; q = 0.33",
    ], body: sdp(origin: "192.0.2.3", connection: "192.0.2.4")))

    static let intmeth = Fixture(name: "3.1.1.2 intmeth", bytes: message([
        "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0",
        "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~",
        "To: \"BEL:\\\u{07} NUL:\\\u{00} DEL:\\\u{7F}\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>",
        "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com> ;fromParam''~+*_!.-%=\"работающий\";tag=_token~1'+`*%!-.",
        "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{",
        "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~",
        "Max-Forwards: 255",
        "extensionHeader-!.%*+_`'~:\u{FEFF}大停電",
        "Content-Length: 0",
    ]))

    static let esc01 = Fixture(name: "3.1.1.3 esc01", bytes: message([
        "INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0",
        "To: sip:%75se%72@example.com",
        "From: <sip:I%20have%20spaces@example.net>;tag=938",
        "Max-Forwards: 87",
        "i: esc01.239409asdfakjkn23onasd0-3234",
        "CSeq: 234234 INVITE",
        "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw",
        "C: application/sdp",
        "Contact:",
        "  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>",
        "Content-Length: 150",
    ], body: sdp(origin: "192.0.2.1", connection: "192.0.2.1")))

    static let escnull = Fixture(name: "3.1.1.4 escnull", bytes: message([
        "REGISTER sip:example.com SIP/2.0",
        "To: sip:null-%00-null@example.com",
        "From: sip:null-%00-null@example.com;tag=839923423",
        "Max-Forwards: 70",
        "Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd",
        "CSeq: 14398234 REGISTER",
        "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw",
        "Contact: <sip:%00@host5.example.com>",
        "Contact: <sip:%00%00@host5.example.com>",
        "L:0",
    ]))

    static let esc02 = Fixture(name: "3.1.1.5 esc02", bytes: message([
        "RE%47IST%45R sip:registrar.example.com SIP/2.0",
        "To: \"%Z%45\" <sip:resource@example.com>",
        "From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23",
        "Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf",
        "Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234",
        "CSeq: 29344 RE%47IST%45R",
        "Max-Forwards: 70",
        "Contact: <sip:alias1@host1.example.com>",
        "C%6Fntact: <sip:alias2@host2.example.com>",
        "Contact: <sip:alias3@host3.example.com>",
        "l: 0",
    ]))

    static let lwsdisp = Fixture(name: "3.1.1.6 lwsdisp", bytes: message([
        "OPTIONS sip:user@example.com SIP/2.0",
        "To: sip:user@example.com",
        "From: caller<sip:caller@example.com>;tag=323",
        "Max-Forwards: 70",
        "Call-ID: lwsdisp.1234abcd@funky.example.com",
        "CSeq: 60 OPTIONS",
        "Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw",
        "l: 0",
    ]))

    static let longreq: Fixture = {
        let long = "long" + String(repeating: "long", count: 19)
        let vias = (1...33).reversed().map { index -> String in
            let names = ["Via", "v", "V", "Via", "ViA", "VIa", "VIA", "via", "viA", "vIa", "vIA", "V ", "v ", "V  ", "v  ", "Via ", "Via  "]
            let name = index > 16 ? names[33 - index] : "Via"
            return "\(name): SIP/2.0/TCP sip\(index).example.com"
        }
        return Fixture(name: "3.1.1.7 longreq", bytes: message([
            "INVITE sip:user@example.com SIP/2.0",
            "To: \"I have a user name of \(String(repeating: "extreme ", count: 10))proportion\" <sip:user@example.com:6000;unknownparam1=very\(long)value;longparam\(String(repeating: "name", count: 25))=shortvalue;very\(long)ParameterNameWithNoValue>",
            "F: sip:\(String(repeating: "amazinglylongcallername", count: 5))@example.net;tag=12\(String(repeating: "982", count: 49))424;unknownheaderparam\(String(repeating: "name", count: 20))=unknowheaderparam\(String(repeating: "value", count: 15));unknownValueless\(String(repeating: "paramname", count: 10))",
            "Call-ID: longreq.one\(String(repeating: "really", count: 20))longcallid",
            "CSeq: 3882340 INVITE",
            "Unknown-\(String(repeating: "Long", count: 20))-Name:unknown-\(String(repeating: "long", count: 20))-value;unknown-\(String(repeating: "long", count: 20))-parameter-name =unknown-\(String(repeating: "long", count: 20))-parameter-value",
        ] + vias + [
            "Via: SIP/2.0/TCP host.example.com;received=192.0.2.5;branch=very\(String(repeating: "long", count: 50))branchvalue",
            "Max-Forwards: 70",
            "Contact: <sip:\(String(repeating: "amazinglylongcallername", count: 5))@host5.example.net>",
            "Content-Type: application/sdp",
            "l: 150",
        ], body: sdp(origin: "192.0.2.1", connection: "192.0.2.1")))
    }()

    static let dblreq = Fixture(name: "3.1.1.8 dblreq", bytes: message([
        "REGISTER sip:example.com SIP/2.0",
        "To: sip:j.user@example.com",
        "From: sip:j.user@example.com;tag=43251j3j324",
        "Max-Forwards: 8",
        "I: dblreq.0ha0isndaksdj99sdfafnl3lk233412",
        "Contact: sip:j.user@host.example.com",
        "CSeq: 8 REGISTER",
        "Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492",
        "Content-Length: 0",
    ]) + message([
        "INVITE sip:joe@example.com SIP/2.0",
        "t: sip:joe@example.com",
        "From: sip:caller@example.net;tag=141334",
        "Max-Forwards: 8",
        "Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15",
        "CSeq: 8 INVITE",
        "Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234",
        "Content-Type: application/sdp",
        "Content-Length: 150",
    ], body: sdp(origin: "192.0.2.15", connection: "192.0.2.15", mediaSpace: true)))

    static let semiuri = Fixture(name: "3.1.1.9 semiuri", bytes: message([
        "OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0",
        "To: sip:j_user@example.com",
        "From: sip:caller@example.org;tag=33242",
        "Max-Forwards: 3",
        "Call-ID: semiuri.0ha0isndaksdj",
        "CSeq: 8 OPTIONS",
        "Accept: application/sdp, application/pkcs7-mime,",
        "  multipart/mixed, multipart/signed,",
        "  message/sip, message/sipfrag",
        "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw",
        "l: 0",
    ]))

    static let transports = Fixture(name: "3.1.1.10 transports", bytes: message([
        "OPTIONS sip:user@example.com SIP/2.0",
        "To: sip:user@example.com",
        "From: <sip:caller@example.com>;tag=323",
        "Max-Forwards: 70",
        "Call-ID:  transports.kijh4akdnaqjkwendsasfdj",
        "Accept: application/sdp",
        "CSeq: 60 OPTIONS",
        "Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw",
        "Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf",
        "Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj",
        "Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en",
        "Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee",
        "l: 0",
    ]))

    static let mpart01: Fixture = {
        let signature: [UInt8] = [
            0x30, 0x82, 0x01, 0x52, 0x06, 0x09, 0x2A, 0x86, 0x0D, 0x0A,
            0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02, 0xA0, 0x82, 0x01, 0x43, 0x30, 0x82, 0x01, 0x3F, 0x02,
            0x01, 0x01, 0x31, 0x09, 0x30, 0x07, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x30, 0x0B, 0x06,
            0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01, 0x31, 0x82, 0x01, 0x20, 0x30, 0x82,
            0x01, 0x1C, 0x02, 0x01, 0x01, 0x30, 0x7C, 0x30, 0x70, 0x31, 0x0B, 0x30, 0x09, 0x06, 0x03, 0x55,
            0x04, 0x06, 0x13, 0x02, 0x55, 0x53, 0x31, 0x13, 0x30, 0x11, 0x06, 0x03, 0x55, 0x04, 0x08, 0x13,
            0x0A, 0x43, 0x61, 0x6C, 0x69, 0x66, 0x6F, 0x72, 0x6E, 0x69, 0x61, 0x31, 0x11, 0x30, 0x0F, 0x06,
            0x03, 0x55, 0x04, 0x07, 0x13, 0x08, 0x53, 0x61, 0x6E, 0x20, 0x4A, 0x6F, 0x73, 0x65, 0x31, 0x0E,
            0x30, 0x0C, 0x06, 0x03, 0x55, 0x04, 0x0A, 0x13, 0x05, 0x73, 0x69, 0x70, 0x69, 0x74, 0x31, 0x29,
            0x30, 0x27, 0x06, 0x03, 0x55, 0x04, 0x0B, 0x13, 0x20, 0x53, 0x69, 0x70, 0x69, 0x74, 0x20, 0x54,
            0x65, 0x73, 0x74, 0x20, 0x43, 0x65, 0x72, 0x74, 0x69, 0x66, 0x69, 0x63, 0x61, 0x74, 0x65, 0x20,
            0x41, 0x75, 0x74, 0x68, 0x6F, 0x72, 0x69, 0x74, 0x79, 0x02, 0x08, 0x01, 0x95, 0x00, 0x71, 0x02,
            0x33, 0x01, 0x13, 0x30, 0x07, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x30, 0x0D, 0x06, 0x09,
            0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00, 0x04, 0x81, 0x80, 0x8E, 0xF4,
            0x66, 0xF9, 0x48, 0xF0, 0x52, 0x2D, 0xD2, 0xE5, 0x97, 0x8E, 0x9D, 0x95, 0xAA, 0xE9, 0xF2, 0xFE,
            0x15, 0xA0, 0x66, 0x59, 0x71, 0x62, 0x92, 0xE8, 0xDA, 0x2A, 0xA8, 0xD8, 0x35, 0x0A, 0x68, 0xCE,
            0xFF, 0xAE, 0x3C, 0xBD, 0x2B, 0xFF, 0x16, 0x75, 0xDD, 0xD5, 0x64, 0x8E, 0x59, 0x3D, 0xD6, 0x47,
            0x28, 0xF2, 0x62, 0x20, 0xF7, 0xE9, 0x41, 0x74, 0x9E, 0x33, 0x0D, 0x9A, 0x15, 0xED, 0xAB, 0xDB,
            0x93, 0xD1, 0x0C, 0x42, 0x10, 0x2E, 0x7B, 0x72, 0x89, 0xD2, 0x9C, 0xC0, 0xC9, 0xAE, 0x2E, 0xFB,
            0xC7, 0xC0, 0xCF, 0xF9, 0x17, 0x2F, 0x3B, 0x02, 0x7E, 0x4F, 0xC0, 0x27, 0xE1, 0x54, 0x6D, 0xE4,
            0xB6, 0xAA, 0x3A, 0xBB, 0x3E, 0x66, 0xCC, 0xCB, 0x5D, 0xD6, 0xC6, 0x4B, 0x83, 0x83, 0x14, 0x9C,
            0xB8, 0xE6, 0xFF, 0x18, 0x2D, 0x94, 0x4F, 0xE5, 0x7B, 0x65, 0xBC, 0x99, 0xD0, 0x05,
        ]
        let body = Array("""
            --7a9cbec02ceef655\r
            Content-Type: text/plain\r
            Content-Transfer-Encoding: binary\r
            \r
            Hello\r
            --7a9cbec02ceef655\r
            Content-Type: application/octet-stream\r
            Content-Transfer-Encoding: binary\r
            \r

            """.utf8) + signature + Array("--7a9cbec02ceef655--\r\n".utf8)
        return Fixture(name: "3.1.1.11 mpart01", bytes: message([
            "MESSAGE sip:kumiko@example.org SIP/2.0",
            "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-;rport",
            "Max-Forwards: 70",
            "Route: <sip:127.0.0.1:5080>",
            "Identity: r5mwreLuyDRYBi/0TiPwEsY3rEVsk/G2WxhgTV1PF7hHuLIK0YWVKZhKv9Mj8UeXqkMVbnVq37CD+813gvYjcBUaZngQmXc9WNZSDNGCzA+fWl9MEUHWIZo1CeJebdY/XlgKeTa0Olvq0rt70Q5jiSfbqMJmQFteeivUhkMWYUA=",
            "Contact: <sip:fluffy@127.0.0.1:5070>",
            "To: <sip:kumiko@example.org>",
            "From: <sip:fluffy@example.com>;tag=2fb0dcc9",
            "Call-ID: 3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..",
            "CSeq: 1 MESSAGE",
            "Content-Transfer-Encoding: binary",
            "Content-Type: multipart/mixed;boundary=7a9cbec02ceef655",
            "Date: Sat, 15 Oct 2005 04:44:56 GMT",
            "User-Agent: SIPimp.org/0.2.5 (curses)",
            "Content-Length: \(body.count)",
        ], body: body))
    }()

    static let unreason = Fixture(name: "3.1.1.12 unreason", bytes: message([
        "SIP/2.0 200 = 2**3 * 5**2 но сто девяносто девять - простое",
        "Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923",
        "Call-ID: unreason.1234ksdfak3j2erwedfsASdf",
        "CSeq: 35 INVITE",
        "From: sip:user@example.com;tag=11141343",
        "To: sip:user@example.edu;tag=2229",
        "Content-Length: 154",
        "Content-Type: application/sdp",
        "Contact: <sip:user@host198.example.com>",
    ], body: sdp(origin: "192.0.2.198", connection: "192.0.2.198")))

    static let noreason = Fixture(name: "3.1.1.13 noreason", bytes: message([
        "SIP/2.0 100 ",
        "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe",
        "Call-ID: noreason.asndj203insdf99223ndf",
        "CSeq: 35 INVITE",
        "From: <sip:user@example.com>;tag=39ansfi3",
        "To: <sip:user@example.edu>;tag=902jndnke3",
        "Content-Length: 0",
        "Contact: <sip:user@host105.example.com>",
    ]))

    static let valid = [wsinv, intmeth, esc01, escnull, esc02, lwsdisp, longreq, dblreq, semiuri, transports, mpart01, unreason, noreason]
}
