/// Where the media relay takes its ports and when a silent call is given up (`sip.media` in the configuration).
public struct MediaSettings: Sendable, Equatable, Codable {
    /// Relay RTP and RTCP through the PBX (SDP rewritten on both legs). Off, phones send media to each other.
    public var relay = true
    /// Even RTP ports are taken from this range, RTCP on the odd port above each.
    public var portMin = 10_000
    public var portMax = 20_000
    /// Seconds without a packet from either side after which an answered call is hung up.
    public var rtpTimeout = 60

    public init(relay: Bool = true, portMin: Int = 10_000, portMax: Int = 20_000, rtpTimeout: Int = 60) {
        self.relay = relay
        self.portMin = portMin
        self.portMax = portMax
        self.rtpTimeout = rtpTimeout
    }

    enum CodingKeys: String, CodingKey { case relay, portMin, portMax, rtpTimeout }

    /// Fields added later take their defaults when reading what an older version stored.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = MediaSettings()
        relay = try container.decodeIfPresent(Bool.self, forKey: .relay) ?? defaults.relay
        portMin = try container.decodeIfPresent(Int.self, forKey: .portMin) ?? defaults.portMin
        portMax = try container.decodeIfPresent(Int.self, forKey: .portMax) ?? defaults.portMax
        rtpTimeout = try container.decodeIfPresent(Int.self, forKey: .rtpTimeout) ?? defaults.rtpTimeout
    }

    /// Every problem, as `sip.media.field: message`; empty when valid.
    public var problems: [String] {
        var problems: [String] = []
        if !(1_024...65_534).contains(portMin) || !(1_025...65_535).contains(portMax) || portMax - portMin < 3 {
            problems.append("sip.media: the port range must lie in 1024-65535 and hold at least 4 ports, got \(portMin)-\(portMax)")
        }
        if !(5...3_600).contains(rtpTimeout) { problems.append("sip.media.rtpTimeout must be 5-3600 seconds, got \(rtpTimeout)") }
        return problems
    }
}
