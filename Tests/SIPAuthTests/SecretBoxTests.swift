import Foundation
import Model
import SIPAuth
import TestSupport
import Testing

@Suite("Secret box")
struct SecretBoxTests {
    @Test func sealedSecretsOpenOnlyWithTheirKey() throws {
        let box = SecretBox(key: Array(repeating: 3, count: 32))
        let sealed = box.seal("provider-password")
        #expect(SecretFormat.isSealed(sealed) && !sealed.contains("provider-password"))
        #expect(box.seal(sealed) == sealed, "sealing is done once")
        #expect(try box.open(sealed) == "provider-password")
        #expect(try box.open("stored-in-clear-by-an-older-version") == "stored-in-clear-by-an-older-version")
        #expect(throws: SecretBoxError.self) { try SecretBox(key: Array(repeating: 4, count: 32)).open(sealed) }
        #expect(box.fingerprint("4711") == box.fingerprint("4711") && box.fingerprint("4711") != box.fingerprint("4712"))
        #expect(box.fingerprint(box.fingerprint("4711")) == box.fingerprint("4711"))
    }

    @Test func theKeyFileIsMadeOnceOwnerOnlyAndADamagedOneIsAnError() throws {
        let directory = try ScratchDirectory.directory("secretbox")
        let path = directory.appendingPathComponent("secrets.key").path
        let sealed = try SecretBox.load(orCreateAt: path).seal("x")
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        #expect(try SecretBox.load(orCreateAt: path).open(sealed) == "x", "the same key next time")
        try Data("short".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SecretBoxError.self) { try SecretBox.load(orCreateAt: path) }
    }
}
