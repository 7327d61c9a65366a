// libFuzzer harness for the MaxMind DB reader, built with the GeoIP sources alone (see run.sh). Properties: a file
// is either refused at open or every lookup in it answers without crashing (the reader verifies the whole tree at
// open so that the packet path never meets corruption).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMaxMind(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let database = try? MaxMindDatabase(bytes: Array(UnsafeBufferPointer(start: data, count: size))) else { return 0 }
    for text in ["1.2.3.4", "81.2.69.160", "2001:218::1", "::ffff:1.2.3.4", "255.255.255.255", "::", "ffff::1"] {
        if let address = IPAddress(text) {
            _ = try? database.lookup(address)
            _ = database.country(for: address)
        }
    }
    return 0
}
