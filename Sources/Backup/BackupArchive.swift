import Crypto
import Foundation
import Model

/// The file format, open so that a backup can be checked with other tools:
///
///     "PORTCULLIS-BACKUP\n"  u32 header length  header (JSON: format, key parameters, key check, nonce prefix)
///     chunks: u32 length, AES-256-GCM ciphertext + 16-byte tag of up to 1 MiB of the entry stream
///
/// Chunk i is sealed with the nonce `prefix (8 bytes) || i (u32)` and the associated data `header || i || final`,
/// so the header cannot be changed, chunks cannot be reordered, dropped or repeated, and a cut file is noticed.
/// The entry stream is `u32 name length, name, u64 size, bytes` per entry, the manifest first.
public enum BackupArchive {
    static let magic = Data("PORTCULLIS-BACKUP\n".utf8)
    static let chunkSize = 1 << 20
    static let maxHeader = 65_536
    static let maxName = 255

    struct Header: Codable {
        var format: Int
        var key: BackupKey.Parameters
        var keyCheck: Data
        var noncePrefix: Data
    }

    /// Writes entries into a new backup file; nothing readable is left behind when it fails midway (the caller
    /// writes to a temporary name and renames).
    struct Writer {
        private let handle: FileHandle
        private let key: BackupKey
        private let header: Data
        private let prefix: Data
        private var buffer = Data()
        private var index: UInt32 = 0

        init(path: String, passphrase: String) throws(BackupError) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let handle = FileHandle(forWritingAtPath: path) else { throw .io("cannot write \(path)") }
            self.handle = handle
            var salt = Data(count: 32)
            var nonce = Data(count: 8)
            for i in salt.indices { salt[i] = UInt8.random(in: 0...255) }
            for i in nonce.indices { nonce[i] = UInt8.random(in: 0...255) }
            let parameters = BackupKey.Parameters(salt: salt)
            key = try BackupKey(passphrase: passphrase, parameters: parameters)
            prefix = nonce
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            header = (try? encoder.encode(Header(format: BackupManifest.currentFormat, key: parameters, keyCheck: key.check, noncePrefix: nonce))) ?? Data()
            try write(BackupArchive.magic + UInt32(header.count).bigEndianData + header)
        }

        mutating func add(_ name: String, data: Data) throws(BackupError) {
            try entryHeader(name, size: UInt64(data.count))
            try append(data)
        }

        /// Streams a file in as an entry, a chunk at a time.
        mutating func add(_ name: String, file path: String) throws(BackupError) {
            guard let input = FileHandle(forReadingAtPath: path) else { throw .io("cannot read \(path)") }
            defer { try? input.close() }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
            try entryHeader(name, size: size)
            var left = size
            while left > 0 {
                guard let piece = try? input.read(upToCount: Int(min(left, UInt64(BackupArchive.chunkSize)))), !piece.isEmpty else {
                    throw .io("\(path) changed while it was backed up")
                }
                left -= UInt64(piece.count)
                try append(piece)
            }
        }

        mutating func finish() throws(BackupError) {
            try seal(buffer, final: true)
            buffer = Data()
            do { try handle.synchronize(); try handle.close() } catch { throw .io("cannot finish the backup file: \(error)") }
        }

        private mutating func entryHeader(_ name: String, size: UInt64) throws(BackupError) {
            let bytes = Data(name.utf8)
            try append(UInt32(bytes.count).bigEndianData + bytes + size.bigEndianData)
        }

        private mutating func append(_ data: Data) throws(BackupError) {
            buffer.append(data)
            while buffer.count >= BackupArchive.chunkSize {
                try seal(buffer.prefix(BackupArchive.chunkSize), final: false)
                buffer = Data(buffer.dropFirst(BackupArchive.chunkSize))
            }
        }

        private mutating func seal(_ plaintext: Data, final: Bool) throws(BackupError) {
            let sealed: AES.GCM.SealedBox
            do {
                sealed = try AES.GCM.seal(plaintext, using: key.encryption, nonce: try AES.GCM.Nonce(data: prefix + index.bigEndianData),
                                          authenticating: header + index.bigEndianData + Data([final ? 1 : 0]))
            } catch {
                throw .io("cannot encrypt: \(error)")
            }
            let body = sealed.ciphertext + sealed.tag
            try write(UInt32(body.count).bigEndianData + body)
            index += 1
        }

        private func write(_ data: Data) throws(BackupError) {
            do { try handle.write(contentsOf: data) } catch { throw .io("cannot write the backup: \(error)") }
        }
    }

    /// Reads a backup's entries into files in `directory`, checking every chunk; the manifest is returned parsed.
    /// Entry names are plain file names from a fixed list, and sizes cannot exceed what the file holds.
    static func extract(path: String, passphrase: String, into directory: String, allowed: Set<String>) throws(BackupError) -> BackupManifest {
        guard let input = FileHandle(forReadingAtPath: path),
              let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) else { throw .io("cannot read \(path)") }
        defer { try? input.close() }
        var offset: UInt64 = 0
        func read(_ count: Int) throws(BackupError) -> Data {
            guard count >= 0, let data = try? input.read(upToCount: count) ?? Data(), data.count == count else { throw .damaged("it ends too early") }
            offset += UInt64(count)
            return data
        }
        guard size >= UInt64(magic.count), try read(magic.count) == magic else { throw .notABackup }
        let headerLength = Int(try read(4).bigEndianUInt32)
        guard headerLength <= maxHeader else { throw .damaged("its header is too long") }
        let headerBytes = try read(headerLength)
        guard let header = try? JSONDecoder().decode(Header.self, from: headerBytes) else { throw .damaged("its header cannot be read") }
        guard header.format <= BackupManifest.currentFormat else {
            throw .newerVersion("the backup was made by a newer Portcullis (format \(header.format)); upgrade before restoring it")
        }
        guard header.noncePrefix.count == 8 else { throw .damaged("its header cannot be read") }
        let key = try BackupKey(passphrase: passphrase, parameters: header.key)
        guard ConstantTime.equals(key.check, header.keyCheck) else { throw .wrongPassphrase }

        var parser = EntryParser(directory: directory, allowed: allowed)
        var index: UInt32 = 0
        while true {
            let length = Int(try read(4).bigEndianUInt32)
            guard length >= 16, length <= chunkSize + 16 else { throw .damaged("a chunk has an impossible length") }
            let body = try read(length)
            let final = offset == size
            let plaintext: Data
            do {
                let box = try AES.GCM.SealedBox(nonce: try AES.GCM.Nonce(data: header.noncePrefix + index.bigEndianData),
                                                ciphertext: body.prefix(length - 16), tag: body.suffix(16))
                plaintext = try AES.GCM.open(box, using: key.encryption, authenticating: headerBytes + index.bigEndianData + Data([final ? 1 : 0]))
            } catch {
                throw .damaged("chunk \(index) does not verify")
            }
            try parser.consume(plaintext)
            index += 1
            if final { break }
        }
        return try parser.finish()
    }

    /// The entry stream, parsed as it arrives chunk by chunk.
    struct EntryParser {
        let directory: String
        let allowed: Set<String>
        private var pending = Data()
        private var current: (name: String, left: UInt64, handle: FileHandle, hash: SHA256Hex)?
        private(set) var checksums: [String: String] = [:]
        private var manifest: Data?
        private var collectingManifest = false

        init(directory: String, allowed: Set<String>) {
            self.directory = directory
            self.allowed = allowed
        }

        mutating func consume(_ data: Data) throws(BackupError) {
            pending.append(data)
            while true {
                if var entry = current {
                    let take = Int(min(UInt64(pending.count), entry.left))
                    let piece = pending.prefix(take)
                    entry.hash.update(Data(piece))
                    do { try entry.handle.write(contentsOf: piece) } catch { throw .io("cannot stage the restore: \(error)") }
                    entry.left -= UInt64(take)
                    pending = Data(pending.dropFirst(take))
                    if entry.left == 0 {
                        try? entry.handle.close()
                        checksums[entry.name] = entry.hash.finalize()
                        if entry.name == "manifest.json" {
                            manifest = FileManager.default.contents(atPath: directory + "/manifest.json")
                        }
                        current = nil
                    } else {
                        current = entry
                        return
                    }
                }
                guard pending.count >= 4 else { return }
                let nameLength = Int(pending.prefix(4).bigEndianUInt32)
                guard nameLength > 0, nameLength <= BackupArchive.maxName else { throw .damaged("an entry has an impossible name") }
                guard pending.count >= 4 + nameLength + 8 else { return }
                guard let name = String(data: pending.dropFirst(4).prefix(nameLength), encoding: .utf8), allowed.contains(name) else {
                    throw .damaged("it holds an entry this version does not know")
                }
                guard checksums[name] == nil else { throw .damaged("it holds \(name) twice") }
                guard (manifest == nil) == (name == "manifest.json") else { throw .damaged("the manifest is not first") }
                let size = Data(pending.dropFirst(4 + nameLength).prefix(8)).bigEndianUInt64
                if name == "manifest.json", size > UInt64(BackupArchive.maxHeader) { throw .damaged("its manifest is too long") }
                let path = directory + "/" + name
                guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                      let handle = FileHandle(forWritingAtPath: path) else { throw .io("cannot stage the restore in \(directory)") }
                pending = Data(pending.dropFirst(4 + nameLength + 8))
                current = (name, size, handle, SHA256Hex())
                if size == 0 { continue }
            }
        }

        func finish() throws(BackupError) -> BackupManifest {
            guard current == nil, pending.isEmpty else { throw .damaged("it ends inside an entry") }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            guard let manifest, let parsed = try? decoder.decode(BackupManifest.self, from: manifest) else { throw .damaged("its manifest cannot be read") }
            for (name, sum) in parsed.checksums where checksums[name] != sum { throw .damaged("\(name) does not match its checksum") }
            guard Set(parsed.checksums.keys) == Set(checksums.keys).subtracting(["manifest.json"]) else { throw .damaged("entries are missing") }
            return parsed
        }
    }
}

extension FixedWidthInteger {
    var bigEndianData: Data { withUnsafeBytes(of: bigEndian) { Data($0) } }
}

extension Data {
    var bigEndianUInt32: UInt32 { reduce(0) { $0 << 8 | UInt32($1) } }
    var bigEndianUInt64: UInt64 { reduce(0) { $0 << 8 | UInt64($1) } }
}
