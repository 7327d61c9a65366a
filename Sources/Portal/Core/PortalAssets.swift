import Foundation
import Hummingbird
import NIOCore

/// The stylesheet, script and icons, read once at start and served with their type and a week's cache: no Node
/// build step, nothing fetched from elsewhere (the CSP allows only this server).
struct PortalAssets: Sendable {
    struct Asset: Sendable {
        let type: String
        let bytes: ByteBuffer
    }

    let files: [String: Asset]

    static let types = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml"]

    init(directory: URL) throws {
        var files: [String: Asset] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            guard let type = PortalAssets.types[(name as NSString).pathExtension] else { continue }
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            files[name] = Asset(type: type, bytes: ByteBuffer(bytes: data))
        }
        self.files = files
    }

    func response(_ name: String) -> Response? {
        guard let asset = files[name] else { return nil }
        return Response(status: .ok, headers: [.contentType: asset.type, .cacheControl: "public, max-age=604800"],
                        body: .init(byteBuffer: asset.bytes))
    }
}
