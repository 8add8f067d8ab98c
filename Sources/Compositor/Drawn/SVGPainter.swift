internal import CCairo
internal import CRsvg
public import Timeline
import Foundation

/// Draws `SVGContent` with librsvg onto a cairo surface the size it is shown: the document is
/// fitted into the clip's box as its `preserveAspectRatio` says (by default centred, whole), and
/// re-rasterised at every size, so it stays sharp when scaled up. The markup is parsed with no
/// base file, so it cannot load anything from outside itself (librsvg refuses references without
/// one).
struct SVGPainter: ContentPainter {
    /// The largest SVG file read, in bytes.
    static let maximumBytes = 16 << 20
    /// The box of a document that gives no size at all (CSS's default for a replaced element).
    static let defaultSize = (width: 300.0, height: 150.0)

    func naturalBox(of content: any DrawnContent, media: any MediaProvider) throws -> (width: Double, height: Double)? {
        guard let svg = content as? SVGContent else { return nil }
        // Asked for while a layer is measured and again while it is drawn, at every new size of
        // the clip: the document is read and parsed for its size once.
        if let size = Self.sizes.size(of: svg.markup) { return size }
        let size = try SVGDocument(Self.bytes(of: svg, media: media)).size
        Self.sizes.remember(size, of: svg.markup)
        return size
    }

    /// Documents' own sizes, by their markup or file (a file's for the life of the process: sources
    /// are uploads, which do not change, or a render's own files).
    private static let sizes = NaturalSizes()

    private final class NaturalSizes: @unchecked Sendable {
        private let lock = NSLock()
        private var sizes: [SVGContent.Markup: (width: Double, height: Double)] = [:]

        func size(of markup: SVGContent.Markup) -> (width: Double, height: Double)? { lock.withLock { sizes[markup] } }

        func remember(_ size: (width: Double, height: Double), of markup: SVGContent.Markup) {
            lock.withLock {
                if sizes.count >= 256 { sizes.removeAll() }  // a bound, not a policy: documents rarely have more
                sizes[markup] = size
            }
        }
    }

    func extent(of content: any DrawnContent, boxWidth: Double, boxHeight: Double, sx: Double, sy: Double) -> PixelRect {
        let limit = Double(1 << 30)
        func side(_ value: Double) -> Int { value.isNaN ? 0 : Int(min(limit, value.rounded(.up))) }
        return PixelRect(x0: 0, y0: 0, x1: side(boxWidth * abs(sx)), y1: side(boxHeight * abs(sy)))
    }

    func render(_ content: any DrawnContent, boxWidth: Double, boxHeight: Double, sx: Double, sy: Double,
                area: PixelRect, media: any MediaProvider) throws -> Raster {
        guard let svg = content as? SVGContent, !area.isEmpty else { return Raster(width: max(1, area.width), height: max(1, area.height)) }
        let document = try SVGDocument(Self.bytes(of: svg, media: media))
        return try document.render(width: boxWidth * abs(sx), height: boxHeight * abs(sy), area: area)
    }

    static func bytes(of svg: SVGContent, media: any MediaProvider) throws -> [UInt8] {
        switch svg.markup {
        case .inline(let markup): Array(markup.utf8)
        case .file(let source): try media.fileBytes(source, limit: maximumBytes)
        }
    }
}

/// A parsed SVG document (a librsvg handle), released on deinit. The only place that talks to librsvg.
final class SVGDocument {
    private let handle: UnsafeMutablePointer<RsvgHandle>

    init(_ bytes: [UInt8]) throws {
        var error: UnsafeMutablePointer<GError>?
        let handle = bytes.withUnsafeBufferPointer { buffer in
            rsvg_handle_new_from_data(buffer.baseAddress, gsize(buffer.count), &error)
        }
        guard let handle else { throw SVGError(Self.take(error) ?? "not an SVG document") }
        self.handle = handle
    }

    deinit { g_object_unref(UnsafeMutableRawPointer(handle)) }

    /// The document's own size in pixels: its width and height, or its viewBox's, or 300 × 150.
    var size: (width: Double, height: Double) {
        var width = 0.0, height = 0.0
        if rsvg_handle_get_intrinsic_size_in_pixels(handle, &width, &height) != 0, width > 0, height > 0,
           width.isFinite, height.isFinite {
            return (width, height)
        }
        var hasViewBox: gboolean = 0
        var viewBox = RsvgRectangle()
        rsvg_handle_get_intrinsic_dimensions(handle, nil, nil, nil, nil, &hasViewBox, &viewBox)
        if hasViewBox != 0, viewBox.width > 0, viewBox.height > 0, viewBox.width.isFinite, viewBox.height.isFinite {
            return (viewBox.width, viewBox.height)
        }
        return SVGPainter.defaultSize
    }

    /// The pixels `area` of the document fitted into a width × height viewport, premultiplied RGBA.
    func render(width: Double, height: Double, area: PixelRect) throws -> Raster {
        let raster = Raster(width: area.width, height: area.height)
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(area.width), Int32(area.height)) else {
            throw SVGError("cannot make a \(area.width)×\(area.height) surface")
        }
        defer { cairo_surface_destroy(surface) }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let context = cairo_create(surface) else {
            throw SVGError("cannot make a \(area.width)×\(area.height) surface")
        }
        defer { cairo_destroy(context) }
        cairo_translate(context, Double(-area.x0), Double(-area.y0))
        var viewport = RsvgRectangle(x: 0, y: 0, width: width, height: height)
        var error: UnsafeMutablePointer<GError>?
        guard rsvg_handle_render_document(handle, context, &viewport, &error) != 0 else {
            throw SVGError(Self.take(error) ?? "the document could not be drawn")
        }
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else { return raster }
        let stride = Int(cairo_image_surface_get_stride(surface))
        // Cairo's ARGB32 is premultiplied like Reel's rasters, one native-endian word a pixel.
        for y in 0..<area.height {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            let out = raster.pixels + y * raster.bytesPerRow
            for x in 0..<area.width {
                let word = row[x]
                out[x * 4] = UInt8(truncatingIfNeeded: word >> 16)
                out[x * 4 + 1] = UInt8(truncatingIfNeeded: word >> 8)
                out[x * 4 + 2] = UInt8(truncatingIfNeeded: word)
                out[x * 4 + 3] = UInt8(truncatingIfNeeded: word >> 24)
            }
        }
        return raster
    }

    /// A GError's message, freeing it.
    private static func take(_ error: UnsafeMutablePointer<GError>?) -> String? {
        guard let error else { return nil }
        defer { g_error_free(error) }
        return error.pointee.message.map { String(cString: $0) }
    }
}

struct SVGError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = "SVG: \(description)" }
}
