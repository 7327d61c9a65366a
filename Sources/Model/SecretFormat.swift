/// How a stored secret says what it is, so code that only compares (a route PIN) can tell a keyed fingerprint from
/// text an older version stored in clear without holding the key.
public enum SecretFormat {
    /// A trunk password sealed with AES-GCM: `sealed:v1:` and base64.
    public static let sealedPrefix = "sealed:v1:"
    /// A secret only ever compared: `hmac-sha256:` and the hex HMAC under the installation's key.
    public static let fingerprintPrefix = "hmac-sha256:"

    public static func isSealed(_ text: String) -> Bool { text.hasPrefix(sealedPrefix) }
    public static func isFingerprint(_ text: String) -> Bool { text.hasPrefix(fingerprintPrefix) }
}
