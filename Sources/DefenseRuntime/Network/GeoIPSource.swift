import Defense
import Foundation
import GeoIP

/// Opens the configured country database and notices when its files change on disk.
struct GeoIPSource: Sendable {
    let lookup: any CountryLookup
    /// Path, size and modification time of each file read, to tell when a reload is due.
    let signature: [String]
    let description: String

    /// The MaxMind DB when one is named, else the Tor range files that exist. Fails with the reason when neither
    /// can be read: a country rule never silently passes everything.
    static func open(_ settings: GeoIPSettings) throws(NetworkDefenseError) -> GeoIPSource {
        if let path = settings.database {
            do {
                let database = try MaxMindDatabase(path: path)
                return GeoIPSource(lookup: database, signature: signature(of: [path]), description: "\(path) (\(database.databaseType))")
            } catch {
                throw NetworkDefenseError(.invalidInput, "network.geoIP.database: cannot use \(path): \(error)")
            }
        }
        let present = settings.torFiles.filter { FileManager.default.isReadableFile(atPath: $0) }
        guard !present.isEmpty else {
            throw NetworkDefenseError(.invalidInput, """
                no geo-IP database: none of \(settings.torFiles.joined(separator: ", ")) is readable; \
                install Debian's tor-geoipdb (apt-get install tor-geoipdb) or set network.geoIP.database to a .mmdb file
                """)
        }
        do {
            let database = try TorGeoIPDatabase(paths: present)
            return GeoIPSource(lookup: database, signature: signature(of: present),
                               description: "\(present.joined(separator: ", ")) (\(database.rangeCount) ranges)")
        } catch {
            throw NetworkDefenseError(.invalidInput, "network.geoIP.torFiles: \(error)")
        }
    }

    static func signature(of paths: [String]) -> [String] {
        paths.map { path in
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
            return "\(path):\(size):\(modified)"
        }
    }

    /// The files' current signature; differs from `signature` when a file was replaced, changed or removed.
    func currentSignature() -> [String] {
        GeoIPSource.signature(of: signature.map { String($0.split(separator: ":").dropLast(2).joined(separator: ":")) })
    }
}
