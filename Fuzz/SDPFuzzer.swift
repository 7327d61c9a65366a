// libFuzzer harness for the SDP parser and the relay's SDP rewriting, built with the SIPCore sources (see run.sh).
// Properties: parsing never crashes; whatever parses serializes to text that parses again to the same description.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSDP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let description = try? SessionDescription(parsing: bytes) {
        guard let again = try? SessionDescription(parsing: description.serialized()) else {
            preconditionFailure("a parsed description did not parse again after serialization")
        }
        precondition(again == description, "serialize/parse changed the description")
    }
    return 0
}
