import Crypto
import Foundation
import Testing
import Update

@Suite struct UpdateDecisionTests {
    func manifest(_ version: String, minimum: String = "0.1.0") -> ReleaseManifest {
        ReleaseManifest(version: SemanticVersion(version)!, minimumVersion: SemanticVersion(minimum)!, notes: "n", published: nil, downloads: [])
    }

    let running = SemanticVersion("1.2.0")!

    @Test func versionsCompareAsNumbersWithPreReleasesFirst() {
        #expect(SemanticVersion("1.10.0")! > SemanticVersion("1.9.9")!)
        #expect(SemanticVersion("2.0.0-rc1")! < SemanticVersion("2.0.0")!)
        #expect(SemanticVersion("1.2") == nil && SemanticVersion("1.2.x") == nil && SemanticVersion("-1.0.0") == nil)
    }

    @Test func aNewerReleaseIsAnnouncedOnceAndAnOlderOneIsARollback() {
        let first = UpdateDecision(manifest: manifest("1.3.0", minimum: "1.3.0"), running: running, state: UpdateState())
        #expect(first.outcome == .newer(SemanticVersion("1.3.0")!, canUpgradeDirectly: false))
        let again = UpdateDecision(manifest: manifest("1.3.0"), running: running, state: first.state)
        #expect(again.outcome == .alreadyAnnounced(SemanticVersion("1.3.0")!))
        let rollback = UpdateDecision(manifest: manifest("1.2.5"), running: running, state: again.state)
        #expect(rollback.outcome == .rollback(offered: SemanticVersion("1.2.5")!, seen: SemanticVersion("1.3.0")!))
        #expect(rollback.state == again.state, "a rollback changes nothing")
        #expect(UpdateDecision(manifest: manifest("1.2.0"), running: running, state: UpdateState()).outcome == .current)
    }

    @Test func onlyTheReleaseKeysSignatureOverTheExactBytesVerifies() throws {
        let key = Curve25519.Signing.PrivateKey()
        let bytes = Data(#"{"version":"1.3.0","minimumVersion":"1.0.0","notes":"n","downloads":[]}"#.utf8)
        func document(_ manifest: Data, _ signature: Data) -> Data {
            try! JSONEncoder().encode(ReleaseManifest.Signed(manifest: manifest.base64EncodedString(), signature: signature.base64EncodedString()))
        }
        let signature = try key.signature(for: bytes)
        #expect(try ReleaseManifest.verified(document(bytes, signature), key: key.publicKey).version == SemanticVersion("1.3.0"))
        var changed = bytes
        changed[changed.startIndex + 13] = UInt8(ascii: "4")
        #expect(throws: UpdateError.badSignature) { try ReleaseManifest.verified(document(changed, signature), key: key.publicKey) }
        #expect(throws: UpdateError.badSignature) { try ReleaseManifest.verified(document(bytes, signature), key: Curve25519.Signing.PrivateKey().publicKey) }
        #expect(throws: UpdateError.malformed("the feed is not a signed manifest")) { try ReleaseManifest.verified(Data("<html>".utf8), key: key.publicKey) }
    }
}
