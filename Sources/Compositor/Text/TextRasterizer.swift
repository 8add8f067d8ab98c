internal import CFreeType
public import Timeline
import Foundation

/// Sets text with FreeType: kerning, letter spacing, line breaking to a box width, alignment,
/// fill and stroke paints.
public enum TextRasterizer {
    /// Rendered text and where its box lies in the raster.
    public struct Result {
        public var raster: Raster
        /// The text box's top-left corner in the raster (ink may overhang the box).
        public var originX: Double
        public var originY: Double
        /// The box in pixels (after scaling): the given size, or the text's own extent.
        public var boxWidth: Double
        public var boxHeight: Double
        /// False when the requested family was not found and the fallback was used.
        public var matchedFamily: Bool
    }

    /// Renders `text` into a box of `boxWidth` × `boxHeight` (nil: the text's own extent), scaled
    /// by (scaleX, scaleY) so that scaled text is set at its final size instead of resampled.
    public static func render(_ text: TextContent, boxWidth: Double?, boxHeight: Double?,
                              scaleX: Double = 1, scaleY: Double = 1, fonts: [FontFace] = []) throws -> Result {
        let library = FontLibrary.shared
        let (handle, matched) = try library.face(family: text.fontFamily, weight: text.fontWeight,
                                                 italic: text.italic, supplied: fonts)
        return try library.withLock {
            let setter = GlyphSetter(handle: handle, text: text, scaleX: scaleX, scaleY: scaleY)
            try setter.prepare()
            defer { setter.finish() }
            let wrapWidth = text.wraps ? boxWidth.map { $0 * scaleX } : nil
            let lines = text.text.components(separatedBy: "\n").flatMap { setter.breakLines($0, maxWidth: wrapWidth) }
            let widths = lines.map { setter.measure($0) }
            let lineAdvance = text.fontSize * text.lineHeight * scaleY
            let width = boxWidth.map { $0 * scaleX } ?? (widths.max() ?? 0)
            let height = boxHeight.map { $0 * scaleY } ?? lineAdvance * Double(lines.count)
            // CSS half-leading: the font's ascent-to-descent sits centred in each line box.
            let firstBaseline = (lineAdvance - (setter.ascender - setter.descender)) / 2 + setter.ascender

            var glyphs: [GlyphBitmap] = []
            for (index, line) in lines.enumerated() {
                let x: Double = switch text.alignment {
                case .left: 0
                case .center: (width - widths[index]) / 2
                case .right: width - widths[index]
                }
                try setter.render(line, x: x, baseline: firstBaseline + lineAdvance * Double(index), into: &glyphs)
            }
            // The raster covers the box and every glyph's ink.
            var minX = 0, minY = 0, maxX = Int(width.rounded(.up)), maxY = Int(height.rounded(.up))
            for glyph in glyphs {
                minX = min(minX, glyph.x); minY = min(minY, glyph.y)
                maxX = max(maxX, glyph.x + glyph.width); maxY = max(maxY, glyph.y + glyph.height)
            }
            let raster = Raster(width: maxX - minX, height: maxY - minY)
            let fillMask = mask(glyphs.filter { !$0.isStroke }, raster: raster, minX: minX, minY: minY)
            let strokeMask = mask(glyphs.filter(\.isStroke), raster: raster, minX: minX, minY: minY)
            paint(text.fill, mask: fillMask, raster: raster, box: (Double(-minX), Double(-minY), width, height))
            if let stroke = text.stroke, text.strokeWidth > 0 {
                paint(stroke, mask: strokeMask, raster: raster, box: (Double(-minX), Double(-minY), width, height))
            }
            return Result(raster: raster, originX: Double(-minX), originY: Double(-minY),
                          boxWidth: width, boxHeight: height, matchedFamily: matched)
        }
    }

    private static func mask(_ glyphs: [GlyphBitmap], raster: Raster, minX: Int, minY: Int) -> [UInt8] {
        var mask = [UInt8](repeating: 0, count: raster.width * raster.height)
        for glyph in glyphs {
            for row in 0..<glyph.height {
                let base = (glyph.y - minY + row) * raster.width + glyph.x - minX
                for column in 0..<glyph.width {
                    let value = glyph.coverage[row * glyph.width + column]
                    if value > mask[base + column] { mask[base + column] = value }
                }
            }
        }
        return mask
    }

    private static func paint(_ paint: Paint, mask: [UInt8], raster: Raster, box: (Double, Double, Double, Double)) {
        let sampler = PaintSampler(paint: paint, x: box.0, y: box.1, width: box.2, height: box.3)
        mask.withUnsafeBufferPointer { coverage in
            for y in 0..<raster.height {
                let row = raster.pixels + y * raster.bytesPerRow
                if let solid = sampler.solidColor {
                    Blend.sourceOver(color: solid, coverage: coverage.baseAddress! + y * raster.width,
                                     destination: row, count: raster.width)
                    continue
                }
                for x in 0..<raster.width where coverage[y * raster.width + x] > 0 {
                    let color = sampler.color(x: Double(x) + 0.5, y: Double(y) + 0.5)
                    Blend.sourceOver(color: color, coverage: coverage.baseAddress! + y * raster.width + x,
                                     destination: row + x * 4, count: 1)
                }
            }
        }
    }
}

/// One rendered glyph mask at its integer position in box coordinates.
struct GlyphBitmap {
    var x: Int
    var y: Int
    var width: Int
    var height: Int
    var coverage: [UInt8]
    var isStroke: Bool
}

/// FreeType glyph loading and measuring for one run of text. Use only under the library lock.
final class GlyphSetter {
    let face: FT_Face
    let text: TextContent
    let scaleX: Double
    let scaleY: Double
    /// Synthesised bold and italic, when the face found is lighter or upright.
    let emboldenStrength: Int
    let slant: Bool
    private var stroker: FT_Stroker?
    private(set) var ascender = 0.0
    private(set) var descender = 0.0

    init(handle: FontFaceHandle, text: TextContent, scaleX: Double, scaleY: Double) {
        face = handle.face
        self.text = text
        self.scaleX = scaleX
        self.scaleY = scaleY
        emboldenStrength = text.fontWeight >= 600 && handle.weight < 600 ? Int(text.fontSize * scaleY * 64 / 24) : 0
        slant = text.italic && !handle.italic
    }

    func prepare() throws {
        let width = FT_F26Dot6(max(1, text.fontSize * scaleX * 64).rounded())
        let height = FT_F26Dot6(max(1, text.fontSize * scaleY * 64).rounded())
        guard FT_Set_Char_Size(face, width, height, 72, 72) == 0 else {
            throw TextError(description: "the font cannot be set at \(text.fontSize) px")
        }
        let metrics = face.pointee.size.pointee.metrics
        ascender = Double(metrics.ascender) / 64
        descender = Double(metrics.descender) / 64
        if text.stroke != nil, text.strokeWidth > 0 {
            FT_Stroker_New(face.pointee.glyph.pointee.library, &stroker)
            let radius = FT_Fixed((text.strokeWidth * min(scaleX, scaleY) / 2 * 64).rounded())
            FT_Stroker_Set(stroker, radius, FT_STROKER_LINECAP_ROUND, FT_STROKER_LINEJOIN_ROUND, 0)
        }
    }

    func finish() {
        if let stroker { FT_Stroker_Done(stroker) }
    }

    private var spacing: Double { text.letterSpacing * scaleX }

    /// Glyph indices and pen positions (relative to the line start) of `line`.
    private func positions(_ line: String) -> [(glyph: FT_UInt, x: Double)] {
        var result: [(FT_UInt, Double)] = []
        var pen = 0.0
        var previous: FT_UInt = 0
        let useKerning = reel_ft_has_kerning(face) != 0
        for (index, scalar) in line.unicodeScalars.enumerated() {
            let glyph = FT_Get_Char_Index(face, FT_ULong(scalar.value))
            if useKerning, previous != 0, glyph != 0 {
                var delta = FT_Vector()
                FT_Get_Kerning(face, previous, glyph, FT_KERNING_UNFITTED.rawValue, &delta)
                pen += Double(delta.x) / 64
            }
            if index > 0 { pen += spacing }
            result.append((glyph, pen))
            pen += advance(glyph)
            previous = glyph
        }
        result.append((0, pen))
        return result
    }

    private func advance(_ glyph: FT_UInt) -> Double {
        guard FT_Load_Glyph(face, glyph, FT_Int32(FT_LOAD_NO_HINTING)) == 0 else { return 0 }
        return Double(face.pointee.glyph.pointee.advance.x + FT_Pos(emboldenStrength)) / 64
    }

    /// The advance width of `line`, trailing spaces excluded.
    func measure(_ line: String) -> Double {
        var trimmed = Substring(line)
        while trimmed.last == " " { trimmed = trimmed.dropLast() }
        return positions(String(trimmed)).last?.x ?? 0
    }

    /// `paragraph` broken greedily at spaces into lines no wider than `maxWidth`; a word wider than
    /// the box is broken between characters.
    func breakLines(_ paragraph: String, maxWidth: Double?) -> [String] {
        guard let maxWidth, !paragraph.isEmpty else { return [paragraph] }
        var lines: [String] = []
        var current = ""
        for word in paragraph.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if measure(candidate) <= maxWidth + 1e-6 || current.isEmpty && measure(word) <= maxWidth + 1e-6 {
                current = candidate
                continue
            }
            if !current.isEmpty { lines.append(current) }
            current = ""
            var piece = ""
            for character in word {
                if !piece.isEmpty, measure(piece + String(character)) > maxWidth + 1e-6 {
                    lines.append(piece)
                    piece = ""
                }
                piece.append(character)
            }
            current = piece
        }
        lines.append(current)
        return lines
    }

    /// Renders `line` with its pen starting at (x, baseline), appending fill and stroke masks.
    func render(_ line: String, x: Double, baseline: Double, into glyphs: inout [GlyphBitmap]) throws {
        for (glyphIndex, penX) in positions(line).dropLast() {
            let originX = x + penX
            let pixelX = originX.rounded(.down), pixelY = baseline.rounded(.down)
            guard FT_Load_Glyph(face, glyphIndex, FT_Int32(FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP)) == 0 else { continue }
            let slot = face.pointee.glyph!
            guard slot.pointee.format == FT_GLYPH_FORMAT_OUTLINE else { continue }
            if emboldenStrength > 0 { FT_Outline_Embolden(&slot.pointee.outline, FT_Pos(emboldenStrength)) }
            if slant {
                var shear = FT_Matrix(xx: 0x10000, xy: 0x0366A, yx: 0, yy: 0x10000)
                FT_Outline_Transform(&slot.pointee.outline, &shear)
            }
            var glyph: FT_Glyph?
            guard FT_Get_Glyph(slot, &glyph) == 0, glyph != nil else { continue }
            // The sub-pixel part of the pen position moves the outline (FreeType's y points up).
            var delta = FT_Vector(x: FT_Pos(((originX - pixelX) * 64).rounded()), y: FT_Pos(-((baseline - pixelY) * 64).rounded()))
            FT_Glyph_Transform(glyph, nil, &delta)
            if let stroker {
                var stroked: FT_Glyph?
                if FT_Glyph_Copy(glyph, &stroked) == 0, FT_Glyph_Stroke(&stroked, stroker, 1) == 0 {
                    if let bitmap = rasterize(&stroked, x: Int(pixelX), y: Int(pixelY), isStroke: true) { glyphs.append(bitmap) }
                }
            }
            if let bitmap = rasterize(&glyph, x: Int(pixelX), y: Int(pixelY), isStroke: false) { glyphs.append(bitmap) }
        }
    }

    /// Converts an outline glyph to a coverage bitmap and frees it.
    private func rasterize(_ glyph: inout FT_Glyph?, x: Int, y: Int, isStroke: Bool) -> GlyphBitmap? {
        defer { if let glyph { FT_Done_Glyph(glyph) } }
        guard FT_Glyph_To_Bitmap(&glyph, FT_RENDER_MODE_NORMAL, nil, 1) == 0, let glyph else { return nil }
        let bitmapGlyph = reel_ft_bitmap_glyph(glyph)!.pointee
        let bitmap = bitmapGlyph.bitmap
        let width = Int(bitmap.width), height = Int(bitmap.rows), pitch = Int(bitmap.pitch)
        guard width > 0, height > 0, let buffer = bitmap.buffer else { return nil }
        var coverage = [UInt8](repeating: 0, count: width * height)
        for row in 0..<height {
            for column in 0..<width { coverage[row * width + column] = buffer[row * pitch + column] }
        }
        return GlyphBitmap(x: x + Int(bitmapGlyph.left), y: y - Int(bitmapGlyph.top), width: width, height: height,
                           coverage: coverage, isStroke: isStroke)
    }
}
