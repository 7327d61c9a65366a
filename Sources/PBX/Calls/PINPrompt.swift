import SIPCore

/// The SDP of a call whose caller the PBX answers itself for the PIN prompt: G.711 (the prompts' format) and RFC
/// 4733 events, chosen from the caller's offer. The trunk is offered exactly what the caller was answered, so the
/// two legs cannot settle on different codecs.
enum PINPrompt {
    /// The caller's first G.711 payload type (0 PCMU, 8 PCMA) and its telephone-event type; nil without G.711.
    static func codecs(_ offer: [UInt8]) -> (audio: UInt8, dtmf: UInt8?)? {
        guard let sdp = try? SessionDescription(parsing: offer), let audio = sdp.media.first(where: { $0.media == "audio" && $0.port > 0 }),
              let g711 = audio.formats.first(where: { $0 == "0" || $0 == "8" }).flatMap({ UInt8($0) }) else { return nil }
        let dtmf = audio.attributes("rtpmap").first { $0.lowercased().contains("telephone-event/8000") }
            .flatMap { $0.split(separator: " ").first }.flatMap { UInt8($0) }
        return (g711, dtmf)
    }

    /// An answer to the caller, or an offer to the trunk, for the relay's `port` at `host`.
    static func offer(host: String, port: Int, _ collection: PINCollection) -> [UInt8] {
        let family = host.contains(":") ? "IP6" : "IP4"
        let audio = collection.audioPayloadType
        var lines = ["v=0", "o=portcullis \(port) 1 IN \(family) \(host)", "s=portcullis", "c=IN \(family) \(host)", "t=0 0",
                     "m=audio \(port) RTP/AVP \(audio)" + (collection.dtmfPayloadType.map { " \($0)" } ?? ""),
                     "a=rtpmap:\(audio) \(audio == 8 ? "PCMA" : "PCMU")/8000"]
        if let dtmf = collection.dtmfPayloadType { lines += ["a=rtpmap:\(dtmf) telephone-event/8000", "a=fmtp:\(dtmf) 0-16"] }
        lines.append("a=sendrecv")
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }
}
