internal import CFreeType
import Timeline

/// A glyph drawn once: an 8-bit coverage mask, or premultiplied RGBA for a colour glyph. Its
/// top-left pixel lies at (left, top) from the pixel its pen is in.
struct GlyphImage {
    var left: Int
    var top: Int
    var width: Int
    var height: Int
    var pixels: [UInt8]
    var isColor: Bool
}

/// Glyph images kept across layers and renders, by face, glyph, size, synthetic style, stroke and
/// quarter-pixel position. Bounded: emptied when it passes its byte budget. Use under the font
/// library's lock.
final class GlyphCache {
    struct Key: Hashable {
        var face: Int
        var glyph: UInt32
        var sizeX: Int
        var sizeY: Int
        var embolden: Int
        var slant: Bool
        /// The stroke radius in 26.6 pixels; 0 for the fill.
        var stroke: Int
        var subX: UInt8
        var subY: UInt8
    }

    nonisolated(unsafe) static let shared = GlyphCache()
    static let byteBudget = 64 << 20

    private var images: [Key: GlyphImage] = [:]
    private var bytes = 0
    var hits = 0
    var misses = 0

    func image(_ key: Key, make: () throws -> GlyphImage?) rethrows -> GlyphImage? {
        if let image = images[key] {
            hits += 1
            return image.width > 0 ? image : nil
        }
        misses += 1
        // A glyph with no ink (a space) is remembered as an empty image.
        let image = try make() ?? GlyphImage(left: 0, top: 0, width: 0, height: 0, pixels: [], isColor: false)
        if bytes + image.pixels.count > Self.byteBudget {
            images.removeAll(keepingCapacity: true)
            bytes = 0
        }
        images[key] = image
        bytes += image.pixels.count + 64
        return image.width > 0 ? image : nil
    }
}

/// The glyph images of one text layer: cached images at ordinary sizes; at very large sizes the
/// outline itself, scan-converted only where it meets the area drawn. Use under the lock.
final class GlyphImages {
    /// One glyph's fill, stroke or colour image placed in box pixels.
    struct Piece {
        var rect: PixelRect
        var image: GlyphImage?
        /// A large glyph's outline (owned; freed by `finish`), with its pen pixel.
        var outline: FT_Glyph?
        var penX: Int
        var penY: Int
        var group: Int
        var isStroke: Bool
        var isColor: Bool
    }

    /// Above this many pixels per em glyphs are not cached but scan-converted where they show.
    static let largestCachedSize = 1024.0

    private let text: TextContent
    private let sizeX: Double
    private let sizeY: Double
    private let strength: Int
    private let strokeRadius: Int
    private var stroker: FT_Stroker?
    private var outlines: [FT_Glyph] = []
    private let cache = GlyphCache.shared

    init(layout: TextRasterizer.Layout) {
        text = layout.text
        sizeX = max(text.fontSize * layout.scaleX, 1 / 64)
        sizeY = max(text.fontSize * layout.scaleY, 1 / 64)
        strength = clampedInt(text.fontSize * layout.scaleY * 64 / 24, .towardZero)
        strokeRadius = text.stroke != nil && text.strokeWidth > 0
            ? clampedInt(text.strokeWidth * min(layout.scaleX, layout.scaleY) / 2 * 64) : 0
        if strokeRadius > 0 {
            FT_Stroker_New(layout.handle.face.pointee.glyph.pointee.library, &stroker)
            FT_Stroker_Set(stroker, FT_Fixed(strokeRadius), FT_STROKER_LINECAP_ROUND, FT_STROKER_LINEJOIN_ROUND, 0)
        }
    }

    func finish() {
        for outline in outlines { FT_Done_Glyph(outline) }
        outlines.removeAll()
        if let stroker { FT_Stroker_Done(stroker) }
        stroker = nil
    }

    /// Sets a face's character size, unless it is set already.
    static func setSize(_ handle: FontFaceHandle, sizeX: Double, sizeY: Double) throws {
        let size = (clampedInt(max(1, sizeX * 64)), clampedInt(max(1, sizeY * 64)))
        guard handle.currentSize != size else { return }
        guard FT_Set_Char_Size(handle.face, FT_F26Dot6(size.0), FT_F26Dot6(size.1), 72, 72) == 0 else {
            throw TextError(description: "the font cannot be set at \(sizeY) px")
        }
        handle.currentSize = size
    }

    private func embolden(_ face: FontFaceHandle) -> Int { text.fontWeight >= 600 && face.weight < 600 ? strength : 0 }
    private func slants(_ face: FontFaceHandle) -> Bool { text.italic && !face.italic }

    /// Appends the pieces of `glyph` with its pen at (x, y) in box pixels.
    func pieces(for glyph: PlacedGlyph, x: Double, y: Double, group: Int, into pieces: inout [Piece]) throws {
        let face = glyph.face
        if face.hasColor {
            let penX = clampedInt(x.rounded()), penY = clampedInt(y.rounded())
            let key = GlyphCache.Key(face: face.id, glyph: glyph.glyph, sizeX: clampedInt(sizeX * 64), sizeY: clampedInt(sizeY * 64),
                                     embolden: 0, slant: false, stroke: 0, subX: 0, subY: 0)
            if let image = try cache.image(key, make: { try colorImage(glyph) }) {
                pieces.append(Piece(rect: rect(image, penX, penY), image: image, outline: nil, penX: penX, penY: penY,
                                    group: group, isStroke: false, isColor: image.isColor))
            }
            return
        }
        let penX = clampedInt(x.rounded(.down)), penY = clampedInt(y.rounded(.down))
        if max(sizeX, sizeY) + 2 * Double(strokeRadius) / 64 > Self.largestCachedSize {
            let delta = FT_Vector(x: FT_Pos(((x - x.rounded(.down)) * 64).rounded()), y: FT_Pos(-((y - y.rounded(.down)) * 64).rounded()))
            guard let outline = try outline(glyph, delta: delta) else { return }
            outlines.append(outline)
            if let stroker {
                var stroked: FT_Glyph?
                if FT_Glyph_Copy(outline, &stroked) == 0, let copy = stroked {
                    outlines.append(copy)
                    var target: FT_Glyph? = copy
                    if FT_Glyph_Stroke(&target, stroker, 0) == 0, let target {
                        if target != copy { outlines.append(target) }
                        pieces.append(Piece(rect: outlineRect(target, penX, penY), image: nil, outline: target, penX: penX,
                                            penY: penY, group: group, isStroke: true, isColor: false))
                    }
                }
            }
            pieces.append(Piece(rect: outlineRect(outline, penX, penY), image: nil, outline: outline, penX: penX, penY: penY,
                                group: group, isStroke: false, isColor: false))
            return
        }
        var subX = UInt8(clampedInt(((x - x.rounded(.down)) * 4).rounded())), subY = UInt8(clampedInt(((y - y.rounded(.down)) * 4).rounded()))
        var (px, py) = (penX, penY)
        if subX == 4 { subX = 0; px += 1 }
        if subY == 4 { subY = 0; py += 1 }
        var key = GlyphCache.Key(face: face.id, glyph: glyph.glyph, sizeX: clampedInt(sizeX * 64), sizeY: clampedInt(sizeY * 64),
                                 embolden: embolden(face), slant: slants(face), stroke: 0, subX: subX, subY: subY)
        let delta = FT_Vector(x: FT_Pos(Int(subX) * 16), y: FT_Pos(-Int(subY) * 16))
        if strokeRadius > 0 {
            key.stroke = strokeRadius
            if let image = try cache.image(key, make: { try maskImage(glyph, delta: delta, stroked: true) }) {
                pieces.append(Piece(rect: rect(image, px, py), image: image, outline: nil, penX: px, penY: py,
                                    group: group, isStroke: true, isColor: false))
            }
            key.stroke = 0
        }
        if let image = try cache.image(key, make: { try maskImage(glyph, delta: delta, stroked: false) }) {
            pieces.append(Piece(rect: rect(image, px, py), image: image, outline: nil, penX: px, penY: py,
                                group: group, isStroke: false, isColor: false))
        }
    }

    private func rect(_ image: GlyphImage, _ penX: Int, _ penY: Int) -> PixelRect {
        PixelRect(x0: penX + image.left, y0: penY + image.top, x1: penX + image.left + image.width, y1: penY + image.top + image.height)
    }

    private func outlineRect(_ glyph: FT_Glyph, _ x: Int, _ y: Int) -> PixelRect {
        guard glyph.pointee.format == FT_GLYPH_FORMAT_OUTLINE, let outlineGlyph = reel_ft_outline_glyph(glyph) else { return .empty }
        var cbox = FT_BBox()
        FT_Outline_Get_CBox(&outlineGlyph.pointee.outline, &cbox)
        return PixelRect(x0: x + Int(cbox.xMin >> 6), y0: y - Int((cbox.yMax + 63) >> 6),
                         x1: x + Int((cbox.xMax + 63) >> 6), y1: y - Int(cbox.yMin >> 6))
    }

    /// The outline of a glyph at the size, synthesised bold and slant applied, moved by `delta`
    /// (26.6; FreeType's y points up). The caller owns it; nil for a glyph without one.
    private func outline(_ glyph: PlacedGlyph, delta: FT_Vector) throws -> FT_Glyph? {
        let handle = glyph.face
        try Self.setSize(handle, sizeX: sizeX, sizeY: sizeY)
        let face = handle.face
        guard FT_Load_Glyph(face, glyph.glyph, FT_Int32(FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP)) == 0,
              let slot = face.pointee.glyph, slot.pointee.format == FT_GLYPH_FORMAT_OUTLINE else { return nil }
        let strength = embolden(handle)
        if strength > 0 { FT_Outline_Embolden(&slot.pointee.outline, FT_Pos(strength)) }
        if slants(handle) {
            var shear = FT_Matrix(xx: 0x10000, xy: 0x0366A, yx: 0, yy: 0x10000)
            FT_Outline_Transform(&slot.pointee.outline, &shear)
        }
        var loaded: FT_Glyph?
        guard FT_Get_Glyph(slot, &loaded) == 0, let result = loaded else { return nil }
        var move = delta
        FT_Glyph_Transform(result, nil, &move)
        return result
    }

    /// A glyph's fill or stroke coverage at the quarter-pixel offset `delta`.
    private func maskImage(_ glyph: PlacedGlyph, delta: FT_Vector, stroked: Bool) throws -> GlyphImage? {
        guard var current = try outline(glyph, delta: delta) else { return nil }
        defer { FT_Done_Glyph(current) }
        if stroked, let stroker {
            var target: FT_Glyph? = current
            guard FT_Glyph_Stroke(&target, stroker, 1) == 0, let target else { return nil }
            current = target
        }
        var bitmapGlyph: FT_Glyph? = current
        guard FT_Glyph_To_Bitmap(&bitmapGlyph, FT_RENDER_MODE_NORMAL, nil, 0) == 0, let converted = bitmapGlyph else { return nil }
        defer { FT_Done_Glyph(converted) }
        guard let bitmapInfo = reel_ft_bitmap_glyph(converted)?.pointee else { return nil }
        let bitmap = bitmapInfo.bitmap
        let width = Int(bitmap.width), height = Int(bitmap.rows), pitch = Int(bitmap.pitch)
        guard width > 0, height > 0, let buffer = bitmap.buffer else { return nil }
        var pixels = [UInt8](repeating: 0, count: width * height)
        for row in 0..<height {
            for column in 0..<width { pixels[row * width + column] = buffer[row * pitch + column] }
        }
        return GlyphImage(left: Int(bitmapInfo.left), top: -Int(bitmapInfo.top), width: width, height: height,
                          pixels: pixels, isColor: false)
    }

    /// A colour glyph at the size: a bitmap strike scaled (area-averaged down, bilinear up), or
    /// colour layers rendered by FreeType. A glyph that turns out uncoloured is a coverage mask.
    private func colorImage(_ glyph: PlacedGlyph) throws -> GlyphImage? {
        let handle = glyph.face, face = handle.face
        var scaleX = 1.0, scaleY = 1.0
        var flags = FT_LOAD_COLOR
        // A colour glyph is drawn whole; past the largest cached size it is drawn at that size
        // (an emoji zoomed far past the screen comes out smaller, rather than as a vast bitmap).
        let limit = Self.largestCachedSize / max(sizeX, sizeY, 1)
        let (sizeX, sizeY) = limit < 1 ? (sizeX * limit, sizeY * limit) : (sizeX, sizeY)
        if handle.isBitmapOnly {
            let count = Int(face.pointee.num_fixed_sizes)
            guard count > 0, let sizes = face.pointee.available_sizes else { return nil }
            let wanted = max(sizeX, sizeY)
            var best = 0
            for index in 0..<count {
                let ppem = Double(sizes[index].y_ppem) / 64, bestPpem = Double(sizes[best].y_ppem) / 64
                if (ppem >= wanted && (bestPpem < wanted || ppem < bestPpem)) || (bestPpem < wanted && ppem > bestPpem) { best = index }
            }
            guard FT_Select_Size(face, FT_Int(best)) == 0 else { return nil }
            handle.currentSize = (-1, -1)
            let strike = max(Double(sizes[best].y_ppem) / 64, 1)
            scaleX = sizeX / strike
            scaleY = sizeY / strike
        } else {
            try Self.setSize(handle, sizeX: sizeX, sizeY: sizeY)
            flags |= FT_LOAD_NO_HINTING
        }
        guard FT_Load_Glyph(face, glyph.glyph, FT_Int32(flags)) == 0, let slot = face.pointee.glyph else { return nil }
        if slot.pointee.format != FT_GLYPH_FORMAT_BITMAP {
            guard FT_Render_Glyph(slot, FT_RENDER_MODE_NORMAL) == 0 else { return nil }
        }
        let bitmap = slot.pointee.bitmap
        let width = Int(bitmap.width), height = Int(bitmap.rows), pitch = Int(bitmap.pitch)
        // A strike larger than any real emoji font's is not drawn (a hostile font).
        guard width > 0, height > 0, width * height <= 4096 * 4096, let buffer = bitmap.buffer else { return nil }
        let isColor = bitmap.pixel_mode == UInt8(FT_PIXEL_MODE_BGRA.rawValue)
        let channels = isColor ? 4 : 1
        guard isColor || bitmap.pixel_mode == UInt8(FT_PIXEL_MODE_GRAY.rawValue) else { return nil }
        // The source as premultiplied RGBA or coverage, rows packed.
        var source = [UInt8](repeating: 0, count: width * height * channels)
        for row in 0..<height {
            let line = buffer + row * pitch
            for column in 0..<width {
                if isColor {
                    let p = line + column * 4, q = (row * width + column) * 4
                    source[q] = p[2]; source[q + 1] = p[1]; source[q + 2] = p[0]; source[q + 3] = p[3]
                } else {
                    source[row * width + column] = line[column]
                }
            }
        }
        let left = Double(slot.pointee.bitmap_left) * scaleX, top = -Double(slot.pointee.bitmap_top) * scaleY
        if scaleX == 1, scaleY == 1 {
            return GlyphImage(left: clampedInt(left), top: clampedInt(top), width: width, height: height, pixels: source, isColor: isColor)
        }
        let outWidth = max(1, clampedInt(Double(width) * scaleX, .up)), outHeight = max(1, clampedInt(Double(height) * scaleY, .up))
        let scaled = Self.resample(source, width: width, height: height, channels: channels, toWidth: outWidth, toHeight: outHeight,
                                   scaleX: scaleX, scaleY: scaleY)
        return GlyphImage(left: clampedInt(left.rounded()), top: clampedInt(top.rounded()), width: outWidth, height: outHeight,
                          pixels: scaled, isColor: isColor)
    }

    /// Resamples a packed image by (scaleX, scaleY): each output pixel averages the source area it
    /// covers (a box filter, exact for downscaling), sampled bilinearly when enlarging.
    static func resample(_ source: [UInt8], width: Int, height: Int, channels: Int, toWidth: Int, toHeight: Int,
                         scaleX: Double, scaleY: Double) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: toWidth * toHeight * channels)
        // Source footprint of each output pixel; at least one source pixel wide.
        let stepX = 1 / scaleX, stepY = 1 / scaleY
        // At most one sample a source pixel each way: the work stays within the source's size.
        let samplesX = max(1, min(width, Int(saturating: stepX.rounded(.up)))), samplesY = max(1, min(height, Int(saturating: stepY.rounded(.up))))
        func sample(_ x: Double, _ y: Double, _ c: Int) -> Double {
            // Bilinear at (x, y) in source pixel centres, transparent outside.
            let fx = x - 0.5, fy = y - 0.5
            let x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
            let ax = fx - Double(x0), ay = fy - Double(y0)
            func at(_ px: Int, _ py: Int) -> Double {
                guard px >= 0, py >= 0, px < width, py < height else { return 0 }
                return Double(source[(py * width + px) * channels + c])
            }
            return (at(x0, y0) * (1 - ax) + at(x0 + 1, y0) * ax) * (1 - ay) + (at(x0, y0 + 1) * (1 - ax) + at(x0 + 1, y0 + 1) * ax) * ay
        }
        for oy in 0..<toHeight {
            for ox in 0..<toWidth {
                for c in 0..<channels {
                    var sum = 0.0
                    for sy in 0..<samplesY {
                        for sx in 0..<samplesX {
                            let x = (Double(ox) + (Double(sx) + 0.5) / Double(samplesX)) * stepX
                            let y = (Double(oy) + (Double(sy) + 0.5) / Double(samplesY)) * stepY
                            sum += sample(x, y, c)
                        }
                    }
                    output[(oy * toWidth + ox) * channels + c] = UInt8(clampedInt(min(max(sum / Double(samplesX * samplesY), 0), 255)))
                }
            }
        }
        return output
    }

    /// Merges a mask piece into an `area`-sized mask by maximum.
    func merge(_ piece: Piece, into mask: inout [UInt8], area: PixelRect) {
        guard mask.count == area.area else { return }
        if let image = piece.image {
            let clip = piece.rect.intersection(area)
            guard !clip.isEmpty else { return }
            for y in clip.y0..<clip.y1 {
                let source = (y - piece.rect.y0) * image.width - piece.rect.x0
                let target = (y - area.y0) * area.width - area.x0
                for x in clip.x0..<clip.x1 {
                    let value = image.pixels[source + x]
                    if value > mask[target + x] { mask[target + x] = value }
                }
            }
        } else if let outline = piece.outline {
            scanConvert(outline, x: piece.penX, y: piece.penY, window: area, into: &mask)
        }
    }

    /// Draws a colour piece onto the raster covering `area`.
    func drawColor(_ piece: Piece, raster: Raster, area: PixelRect) {
        guard let image = piece.image, image.isColor else { return }
        let clip = piece.rect.intersection(area)
        guard !clip.isEmpty else { return }
        image.pixels.withUnsafeBufferPointer { pixels in
            guard let base = pixels.baseAddress else { return }
            for y in clip.y0..<clip.y1 {
                for x in clip.x0..<clip.x1 {
                    let source = base + ((y - piece.rect.y0) * image.width + x - piece.rect.x0) * 4
                    guard source[3] > 0 else { continue }
                    Blend.sourceOverPixel(source: source, destination: raster.pixels + (y - area.y0) * raster.bytesPerRow + (x - area.x0) * 4,
                                          opacity: 255)
                }
            }
        }
    }

    /// Scan-converts the part of an outline glyph (pen at box pixel (x, y)) inside `window` and
    /// merges it into `mask` (window-sized) by maximum, leaving the outline where it was.
    private func scanConvert(_ glyph: FT_Glyph, x: Int, y: Int, window: PixelRect, into mask: inout [UInt8]) {
        guard glyph.pointee.format == FT_GLYPH_FORMAT_OUTLINE, let outlineGlyph = reel_ft_outline_glyph(glyph),
              mask.count == window.area else { return }
        let clip = outlineRect(glyph, x, y).intersection(window)
        guard !clip.isEmpty else { return }
        // Put the clip's bottom-left corner at the bitmap's origin, and back afterwards.
        let dx = FT_Pos(-(clip.x0 - x) * 64), dy = FT_Pos(-(y - clip.y1) * 64)
        FT_Outline_Translate(&outlineGlyph.pointee.outline, dx, dy)
        defer { FT_Outline_Translate(&outlineGlyph.pointee.outline, -dx, -dy) }
        var coverage = [UInt8](repeating: 0, count: clip.area)
        let status = coverage.withUnsafeMutableBufferPointer { buffer -> FT_Error in
            var bitmap = FT_Bitmap()
            bitmap.rows = UInt32(clip.height)
            bitmap.width = UInt32(clip.width)
            bitmap.pitch = Int32(clip.width)
            bitmap.buffer = buffer.baseAddress
            bitmap.num_grays = 256
            bitmap.pixel_mode = UInt8(FT_PIXEL_MODE_GRAY.rawValue)
            return FT_Outline_Get_Bitmap(glyph.pointee.library, &outlineGlyph.pointee.outline, &bitmap)
        }
        guard status == 0 else { return }
        for row in 0..<clip.height {
            let base = (clip.y0 + row - window.y0) * window.width + clip.x0 - window.x0
            for column in 0..<clip.width {
                let value = coverage[row * clip.width + column]
                if value > mask[base + column] { mask[base + column] = value }
            }
        }
    }
}
