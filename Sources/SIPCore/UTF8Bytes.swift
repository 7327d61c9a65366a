/// A received value's UTF-8 bytes as the parsers scan them.
public typealias UTF8Bytes = Slice<UnsafeBufferPointer<UInt8>>

extension StringProtocol {
    /// Calls `body` with the text's UTF-8 bytes: in place for native strings and their substrings (every received
    /// header), copied otherwise. Saves the parsers (SIP values here, digest credentials in SIPAuth), which run several
    /// times per request, an array each. Inlinable, so callers in other modules (the digest parsers) get it specialized
    /// instead of calling through the protocol.
    @inlinable
    public func withUTF8Bytes<R, E: Error>(_ body: (UTF8Bytes) throws(E) -> R) throws(E) -> R {
        func run(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<R, E> {
            do throws(E) { return .success(try body(buffer[...])) } catch { return .failure(error) }
        }
        let result = utf8.withContiguousStorageIfAvailable(run) ?? Array(utf8).withUnsafeBufferPointer(run)
        return try result.get()
    }
}

extension StringProtocol {
    /// Whether the text's UTF-8 holds `byte`, searched in its own storage: walking a `UTF8View` by index costs several
    /// times as much, and header values are searched for commas and brackets several times per request.
    @inlinable
    public func containsByte(_ byte: UInt8) -> Bool {
        withUTF8Bytes { $0.contains(byte) }
    }
}
