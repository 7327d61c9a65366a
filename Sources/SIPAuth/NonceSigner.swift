import Model
import Crypto
import FoundationEssentials
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

    /// 16 hex digits of issue time, 16 of randomness, 32 of truncated HMAC-SHA256, written into the nonce's own
    /// storage: the only allocation besides the HMAC's.
    public func makeNonce(now: UInt64, random: UInt64 = PooledRandomNumberGenerator().next()) -> String {
        String(unsafeUninitializedCapacity: 64) { out in
            withUnsafeBytes(of: (now.bigEndian, random.bigEndian)) { Hex.write($0, to: out) }
            writeMAC(of: UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: out[0..<32])),
                     to: UnsafeMutableBufferPointer(rebasing: out[32..<64]))
            return 64
        }
    }

    public func check(_ nonce: String, now: UInt64) -> Check {
        guard nonce.utf8.count == 64 else { return .invalid }
        let issuedAt: UInt64? = nonce.withUTF8Bytes { bytes in
            let signed = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { expected in
                writeMAC(of: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.prefix(32))), to: expected)
                return ConstantTime.equals(expected, bytes.suffix(32))
            }
            return signed ? Hex.number(bytes.prefix(16)) : nil
        }
        guard let issuedAt, issuedAt <= now + 5 else { return .invalid }
        return now - min(now, issuedAt) > lifetime ? .stale : .valid(issuedAt: issuedAt)
    }

    /// The first 16 bytes of HMAC-SHA256 over `body`, as 32 hex digits written to `out`.
    private func writeMAC(of body: UnsafeRawBufferPointer, to out: UnsafeMutableBufferPointer<UInt8>) {
        var hmac = keyed
        hmac.update(data: body)
        hmac.finalize().withUnsafeBytes { Hex.write(UnsafeRawBufferPointer(rebasing: $0.prefix(16)), to: out) }
    }
}
