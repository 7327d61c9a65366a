import SIPCore

/// The SDP edits of the media relay: where a side wants its audio, and the same offer or answer pointing at the
/// PBX instead.
enum CallMedia {
    /// The address and port of the first audio stream, or nil when there is none (or it is disabled).
    static func audioTarget(_ body: [UInt8]) -> (host: String, port: Int)? {
        guard let sdp = try? SessionDescription(parsing: body),
              let audio = sdp.media.first(where: { $0.media == "audio" && $0.port > 0 }),
              let connection = audio.connection ?? sdp.connection else { return nil }
        return (connection.address, audio.port)
    }

    /// `body` with every connection at `host` and the first audio stream on `port`; other streams are refused
    /// (port 0), since only audio is relayed. Nil when the body is not SDP.
    static func rewrite(_ body: [UInt8], host: String, port: Int) -> [UInt8]? {
        guard var sdp = try? SessionDescription(parsing: body) else { return nil }
        sdp.rewriteConnections(to: SessionDescription.Connection(addressType: host.contains(":") ? "IP6" : "IP4", address: host))
        var audioDone = false
        for index in sdp.media.indices {
            if sdp.media[index].media == "audio" && !audioDone && sdp.media[index].port > 0 {
                sdp.media[index].port = port
                audioDone = true
            } else {
                sdp.media[index].port = 0
            }
        }
        return sdp.serialized()
    }
}
