import Model
import Crypto
import SIPCore

/// Issues nonces that carry their own issue time and a MAC, so a server can check them without storing them
/// (stateless), tell expired from forged, and survive a restart when the key is kept.
public struct NonceSigner: Sendable {
    public enum Check: Equatable, Sendable {
        case valid(issuedAt: UInt64)
        /// Genuine but older than the lifetime: answer with `stale=true`.
        case stale
        case invalid
    }

    /// HMAC state with the key already absorbed, copied for each nonce: keying anew hashed two extra blocks per
    /// REGISTER.
    private let keyed: HMAC<SHA256>
    /// Seconds a nonce stays usable.
    public let lifetime: UInt64

    public init(key: [UInt8], lifetime: UInt64 = 300) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: key))
        self.lifetime = lifetime
    }

    /// 16 hex digits of issue time, 16 of randomness, 32 of truncated HMAC-SHA256.
    public func makeNonce(now: UInt64, random: UInt64 = PooledRandomNumberGenerator().next()) -> String {
        let body = Hex.encode(bigEndian(now) + bigEndian(random))
        return body + body.withUTF8Bytes(mac)
    }

    public func check(_ nonce: String, now: UInt64) -> Check {
        guard nonce.utf8.count == 64 else { return .invalid }
        let signed = nonce.withUTF8Bytes { ConstantTime.equals(mac($0.prefix(32)).utf8, $0.suffix(32)) }
        guard signed, let bytes = Hex.decode(nonce.prefix(16)) else {
            return .invalid
        }
        let issuedAt = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard issuedAt <= now + 5 else { return .invalid }
        return now - min(now, issuedAt) > lifetime ? .stale : .valid(issuedAt: issuedAt)
    }

    private func mac(_ body: UTF8Bytes) -> String {
        var hmac = keyed
        hmac.update(data: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: body)))
        return Hex.encode(hmac.finalize().prefix(16))
    }

    private func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> (UInt64($0) * 8)) }
    }
}
