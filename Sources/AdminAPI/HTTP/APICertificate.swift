import Crypto
import Foundation
import GeoIP
import NIOCore
import NIOSSL
import SwiftASN1
import Synchronization
import X509

/// The admin listener's certificate and key as PEM files: configured ones, or a self-signed pair made at first start
/// (ECDSA P-256, for this host's names and addresses, two years) and kept in the data directory. The files are read
/// again when they change, so a renewed certificate applies to the next connection without a restart.
public final class APICertificate: Sendable {
    public let certificatePath: String
    public let keyPath: String
    private let loaded: Mutex<Loaded>

    struct Loaded {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
        var modified: Date
        var checked: Date
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the pair; throws naming the file that cannot be used.
    public init(certificate: String, key: String) throws(Failure) {
        certificatePath = certificate
        keyPath = key
        loaded = Mutex(try APICertificate.load(certificate, key, now: Date()))
    }

    /// The self-signed pair in `directory` (`api-certificate.pem`, `api-key.pem`, the key owner-only), made now for
    /// `names` and `addresses` when either file is missing.
    public static func selfSigned(in directory: String, names: [String], addresses: [IPAddress], now: Date = Date()) throws(Failure) -> APICertificate {
        let certificate = directory + "/api-certificate.pem"
        let key = directory + "/api-key.pem"
        let manager = FileManager.default
        if !manager.fileExists(atPath: certificate) || !manager.fileExists(atPath: key) {
            do {
                let (pem, keyPEM) = try makeSelfSigned(names: names, addresses: addresses, now: now)
                try? manager.removeItem(atPath: key)
                guard manager.createFile(atPath: key, contents: Data(keyPEM.utf8), attributes: [.posixPermissions: 0o600]) else {
                    throw Failure(description: "cannot write \(key)")
                }
                try Data(pem.utf8).write(to: URL(fileURLWithPath: certificate))
            } catch let failure as Failure {
                throw failure
            } catch {
                throw Failure(description: "cannot make the admin certificate: \(error)")
            }
        }
        return try APICertificate(certificate: certificate, key: key)
    }

    /// SHA-256 of the certificate (DER), as browsers show it: `AB:CD:...`.
    public var fingerprint: String {
        let der = (try? loaded.withLock { $0.chain.first }?.toDERBytes()) ?? []
        return SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    /// A server configuration whose certificate is read again (at most once a second) when its files change.
    public func tlsConfiguration() -> TLSConfiguration {
        let current = loaded.withLock { $0 }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: current.chain.map { .certificate($0) },
                                                                     privateKey: .privateKey(current.key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.sslContextCallback = { [self] _, promise in
            let pair = refreshed(now: Date())
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = pair.chain.map { .certificate($0) }
            override.privateKey = .privateKey(pair.key)
            promise.succeed(override)
        }
        return configuration
    }

    /// The pair in force, reloaded when the certificate file changed; a file that no longer loads keeps the old pair.
    func refreshed(now: Date) -> Loaded {
        let due = loaded.withLock { pair -> Bool in
            guard now.timeIntervalSince(pair.checked) >= 1 else { return false }
            pair.checked = now
            return max(APICertificate.modified(certificatePath), APICertificate.modified(keyPath)) != pair.modified
        }
        if due, let fresh = try? APICertificate.load(certificatePath, keyPath, now: now) {
            loaded.withLock { $0 = fresh }
        }
        return loaded.withLock { $0 }
    }

    private static func load(_ certificate: String, _ key: String, now: Date) throws(Failure) -> Loaded {
        let chain: [NIOSSLCertificate]
        let privateKey: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw Failure(description: "cannot read the certificate \(certificate): \(error)")
        }
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw Failure(description: "cannot read the private key \(key): \(error)")
        }
        guard !chain.isEmpty else { throw Failure(description: "no certificate in \(certificate)") }
        return Loaded(chain: chain, key: privateKey, modified: max(modified(certificate), modified(key)), checked: now)
    }

    private static func modified(_ path: String) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
    }

    /// An address in network order, as a certificate names it.
    static func bytes(_ address: IPAddress) -> [UInt8] {
        switch address {
        case .v4(let value): withUnsafeBytes(of: value.bigEndian) { Array($0) }
        case .v6(let high, let low): withUnsafeBytes(of: high.bigEndian) { Array($0) } + withUnsafeBytes(of: low.bigEndian) { Array($0) }
        }
    }

    /// A self-signed certificate for a TLS server, and its key, as PEM.
    static func makeSelfSigned(names: [String], addresses: [IPAddress], now: Date) throws -> (certificate: String, key: String) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            CommonName(names.first ?? "Portcullis")
            OrganizationName("Portcullis")
        }
        let alternatives = names.map { GeneralName.dnsName($0) } + addresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice(APICertificate.bytes($0)))) }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(alternatives)
        }
        let certificate = try Certificate(version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
                                          notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(730 * 86_400),
                                          issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
                                          issuerPrivateKey: .init(key))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }
}
