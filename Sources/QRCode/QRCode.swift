import CQRencode

/// A QR code (libqrencode from Debian), as a grid of dark modules, drawn as SVG for a page or an API answer.
public struct QRCode: Sendable, Equatable {
    public let size: Int
    /// Row by row, true for a dark module.
    public let modules: [Bool]

    /// Encodes `text` (8-bit mode, error correction level M); nil when it does not fit a QR code.
    public init?(_ text: String) {
        guard text.utf8.count <= 2_000, let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { return nil }
        defer { QRcode_free(code) }
        size = Int(code.pointee.width)
        // Bit 0 of each byte is the module's colour; the other bits describe how libqrencode placed it.
        modules = (0..<(size * size)).map { code.pointee.data[$0] & 1 == 1 }
    }

    /// The code as an SVG image with a four-module quiet zone, `scale` pixels per module; one path, no script.
    public func svg(scale: Int = 6) -> String {
        let border = 4
        let side = size + 2 * border
        var path = ""
        for row in 0..<size {
            for column in 0..<size where modules[row * size + column] {
                path += "M\(column + border) \(row + border)h1v1h-1z"
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(side * scale)" height="\(side * scale)" viewBox="0 0 \(side) \(side)" \
            shape-rendering="crispEdges"><rect width="\(side)" height="\(side)" fill="#fff"/><path d="\(path)" fill="#000"/></svg>
            """
    }
}
