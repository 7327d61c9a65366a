// libFuzzer harness for the RTP header reader and the RFC 4733 digit detector, built with those Media sources alone
// (see run.sh). Properties: reading never crashes; a packet read and written again reads back the same.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let packet = RTPPacket(bytes) else { return 0 }
    precondition(RTPPacket(packet.bytes) == packet, "write/read changed the packet")
    var detector = DTMFDetector(payloadType: packet.payloadType)
    _ = detector.receive(packet)
    _ = detector.receive(packet)
    return 0
}
