// libFuzzer harness for the SIP parser, built with the SIPCore sources alone (see run.sh).
// Properties checked on every input: parsing never crashes; whatever parses serializes to bytes that parse again,
// and from then on serialize/parse is a fixed point; the stream framer never claims more bytes than it was given.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSIPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let parser = SIPParser()
    if let message = try? parser.parse(bytes) {
        guard let normalized = try? parser.parse(message.serialized()) else {
            preconditionFailure("a parsed message did not parse again after serialization")
        }
        precondition((try? parser.parse(normalized.serialized())) == normalized, "serialize/parse is not a fixed point")
    }
    if case .message(let length)? = try? SIPStreamFramer().nextFrame(bytes) {
        precondition(length <= size, "framer claimed \(length) of \(size) bytes")
    }
    if let failure = (Result { () throws(SIPParseError) in try parser.parse(bytes) }).failure {
        _ = SIPRawReply.badRequest(for: bytes, error: failure)
    }
    return 0
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
