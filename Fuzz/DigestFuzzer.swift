// libFuzzer harness for the digest header parser that Authorization, Proxy-Authorization and WWW-Authenticate values
// go through, built with the SIPCore sources and SIPAuth's parser (see run.sh). Properties: parsing never crashes, and
// every parameter it returns has a non-empty name.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDigest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let parameters = try? DigestParameters.parse(text) {
        precondition(parameters.keys.allSatisfy { !$0.isEmpty }, "a parameter without a name")
    }
    return 0
}
