import Model

/// Where the media relay takes its ports and when a silent call is given up (`sip.media` in the configuration).
public struct MediaSettings: StrictCodable {
    /// Relay RTP and RTCP through the PBX (SDP rewritten on both legs). Off, phones send media to each other.
    public var relay = true
    /// Even RTP ports are taken from this range, RTCP on the odd port above each.
    public var portMin = 10_000
    public var portMax = 20_000
    /// Seconds without a packet from either side after which an answered call is hung up.
    public var rtpTimeout = 60

    public init() {}

    public static let fields: [StrictField<MediaSettings>] = [
        .init("relay", \.relay),
        .init("portMin", \.portMin),
        .init("portMax", \.portMax),
        .init("rtpTimeout", \.rtpTimeout),
    ]

    /// Every problem, as `field: message`; empty when valid.
    public var problems: [String] {
        var problems: [String] = []
        if !(1_024...65_534).contains(portMin) || !(1_025...65_535).contains(portMax) || portMax - portMin < 3 {
            problems.append("portMin: the port range portMin-portMax must lie in 1024-65535 and hold at least 4 ports, got \(portMin)-\(portMax)")
        }
        if !(5...3_600).contains(rtpTimeout) { problems.append("rtpTimeout: must be 5-3600 seconds, got \(rtpTimeout)") }
        return problems
    }
}
