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
        try render(layout(text, boxWidth: boxWidth, boxHeight: boxHeight, scaleX: scaleX, scaleY: scaleY, fonts: fonts))
    }

    /// Text broken into lines and placed in its box: everything but the pixels.
    struct Layout {
        var text: TextContent
        var handle: FontFaceHandle
        var matchedFamily: Bool
        var scaleX: Double
        var scaleY: Double
        var lines: [String]
        /// Where each line's pen starts, and its baseline, in box pixels.
        var lineX: [Double]
        var baselines: [Double]
        /// The box in pixels (after scaling).
        var boxWidth: Double
        var boxHeight: Double
        /// How far any glyph's ink can reach from its pen position: left of it, right of it,
        /// above the baseline and below it.
        var reach: (left: Double, right: Double, up: Double, down: Double)
        /// Where ink can be, in box pixels: the box and every line's reach (a bound, found
        /// without rasterising a glyph).
        var inkBounds: PixelRect
    }

    /// Sets `text` into lines in its box, as `render` does, without drawing it.
    static func layout(_ text: TextContent, boxWidth: Double?, boxHeight: Double?,
                       scaleX: Double = 1, scaleY: Double = 1, fonts: [FontFace] = []) throws -> Layout {
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
            let lineX = widths.map { lineWidth -> Double in
                switch text.alignment {
                case .left: 0
                case .center: (width - lineWidth) / 2
                case .right: width - lineWidth
                }
            }
            let baselines = lines.indices.map { firstBaseline + lineAdvance * Double($0) }
            let reach = setter.inkReach()
            var ink = PixelRect.covering(minX: 0, minY: 0, maxX: width, maxY: height)
            if ink.isEmpty { ink = PixelRect(x0: 0, y0: 0, x1: 0, y1: 0) }
            for (index, line) in lines.enumerated() {
                guard let pens = setter.penRange(line) else { continue }
                let area = PixelRect.covering(minX: lineX[index] + pens.min - reach.left, minY: baselines[index] - reach.up,
                                              maxX: lineX[index] + pens.max + reach.right, maxY: baselines[index] + reach.down)
                if !area.isEmpty { ink = ink.isEmpty ? area : ink.union(area) }
            }
            return Layout(text: text, handle: handle, matchedFamily: matched, scaleX: scaleX, scaleY: scaleY, lines: lines,
                          lineX: lineX, baselines: baselines, boxWidth: width, boxHeight: height, reach: reach, inkBounds: ink)
        }
    }

    /// Draws laid-out text. Without a window the raster covers the box and every glyph's ink.
    ///
    /// With a `window` (box pixels) the raster is the window: its pixel (0, 0) is box pixel
    /// (window.x0, window.y0), so the box's corner lies at (−window.x0, −window.y0). Lines and
    /// glyphs that cannot reach the window are skipped before FreeType loads them, and the others
    /// are rasterised only where they cross the window, so a huge text costs what its window does.
    static func render(_ layout: Layout, window: PixelRect? = nil) throws -> Result {
        let text = layout.text
        let (width, height) = (layout.boxWidth, layout.boxHeight)
        return try FontLibrary.shared.withLock {
            let setter = GlyphSetter(handle: layout.handle, text: text, scaleX: layout.scaleX, scaleY: layout.scaleY)
            try setter.prepare()
            defer { setter.finish() }
            if let window {
                let raster = Raster(width: window.width, height: window.height)
                var fillMask = [UInt8](repeating: 0, count: window.area)
                var strokeMask = [UInt8](repeating: 0, count: text.stroke != nil && text.strokeWidth > 0 ? window.area : 0)
                for (index, line) in layout.lines.enumerated() {
                    let baseline = layout.baselines[index]
                    guard baseline + layout.reach.down >= Double(window.y0), baseline - layout.reach.up <= Double(window.y1) else {
                        continue
                    }
                    try setter.render(line, x: layout.lineX[index], baseline: baseline, window: window, reach: layout.reach,
                                      fill: &fillMask, stroke: &strokeMask)
                }
                let box = (Double(-window.x0), Double(-window.y0), width, height)
                paint(text.fill, mask: fillMask, raster: raster, box: box)
                if let stroke = text.stroke, text.strokeWidth > 0 {
                    paint(stroke, mask: strokeMask, raster: raster, box: box)
                }
                return Result(raster: raster, originX: Double(-window.x0), originY: Double(-window.y0),
                              boxWidth: width, boxHeight: height, matchedFamily: layout.matchedFamily)
            }
            var glyphs: [GlyphBitmap] = []
            for (index, line) in layout.lines.enumerated() {
                try setter.render(line, x: layout.lineX[index], baseline: layout.baselines[index], into: &glyphs)
            }
            // The raster covers the box and every glyph's ink.
            var minX = 0, minY = 0, maxX = clampedInt(width, .up), maxY = clampedInt(height, .up)
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
                          boxWidth: width, boxHeight: height, matchedFamily: layout.matchedFamily)
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
            // An empty raster has an empty mask, and an empty buffer may have no address.
            guard let base = coverage.baseAddress, coverage.count >= raster.width * raster.height else { return }
            for y in 0..<raster.height {
                let row = raster.pixels + y * raster.bytesPerRow
                if let solid = sampler.solidColor {
                    Blend.sourceOver(color: solid, coverage: base + y * raster.width,
                                     destination: row, count: raster.width)
                    continue
                }
                for x in 0..<raster.width where coverage[y * raster.width + x] > 0 {
                    let color = sampler.color(x: Double(x) + 0.5, y: Double(y) + 0.5)
                    Blend.sourceOver(color: color, coverage: base + y * raster.width + x,
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
        emboldenStrength = text.fontWeight >= 600 && handle.weight < 600 ? clampedInt(text.fontSize * scaleY * 64 / 24, .towardZero) : 0
        slant = text.italic && !handle.italic
    }

    func prepare() throws {
        let width = FT_F26Dot6(clampedInt(max(1, text.fontSize * scaleX * 64)))
        let height = FT_F26Dot6(clampedInt(max(1, text.fontSize * scaleY * 64)))
        guard FT_Set_Char_Size(face, width, height, 72, 72) == 0 else {
            throw TextError(description: "the font cannot be set at \(text.fontSize) px")
        }
        let metrics = face.pointee.size.pointee.metrics
        ascender = Double(metrics.ascender) / 64
        descender = Double(metrics.descender) / 64
        if text.stroke != nil, text.strokeWidth > 0 {
            FT_Stroker_New(face.pointee.glyph.pointee.library, &stroker)
            let radius = FT_Fixed(clampedInt(text.strokeWidth * min(scaleX, scaleY) / 2 * 64))
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
            var glyph = outline(glyphIndex, originX: originX, baseline: baseline)
            guard glyph != nil else { continue }
            if let stroker {
                var stroked: FT_Glyph?
                if FT_Glyph_Copy(glyph, &stroked) == 0, FT_Glyph_Stroke(&stroked, stroker, 1) == 0 {
                    if let bitmap = rasterize(&stroked, x: clampedInt(pixelX), y: clampedInt(pixelY), isStroke: true) { glyphs.append(bitmap) }
                }
            }
            if let bitmap = rasterize(&glyph, x: clampedInt(pixelX), y: clampedInt(pixelY), isStroke: false) { glyphs.append(bitmap) }
        }
    }

    /// The outline of glyph `glyphIndex` with its pen at `originX` on `baseline` (box pixels):
    /// synthesised bold and slant applied, moved by the sub-pixel part of the pen position
    /// (FreeType's y points up). The caller owns it (`FT_Done_Glyph`); nil for a glyph without one.
    private func outline(_ glyphIndex: FT_UInt, originX: Double, baseline: Double) -> FT_Glyph? {
        let pixelX = originX.rounded(.down), pixelY = baseline.rounded(.down)
        guard FT_Load_Glyph(face, glyphIndex, FT_Int32(FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP)) == 0,
              let slot = face.pointee.glyph, slot.pointee.format == FT_GLYPH_FORMAT_OUTLINE else { return nil }
        if emboldenStrength > 0 { FT_Outline_Embolden(&slot.pointee.outline, FT_Pos(emboldenStrength)) }
        if slant {
            var shear = FT_Matrix(xx: 0x10000, xy: 0x0366A, yx: 0, yy: 0x10000)
            FT_Outline_Transform(&slot.pointee.outline, &shear)
        }
        var loaded: FT_Glyph?
        guard FT_Get_Glyph(slot, &loaded) == 0, let glyph = loaded else { return nil }
        var delta = FT_Vector(x: FT_Pos(((originX - pixelX) * 64).rounded()), y: FT_Pos(-((baseline - pixelY) * 64).rounded()))
        FT_Glyph_Transform(glyph, nil, &delta)
        return glyph
    }

    /// The least and greatest pen positions of `line`'s glyphs, relative to the line start; nil
    /// when it has none.
    func penRange(_ line: String) -> (min: Double, max: Double)? {
        let pens = positions(line).dropLast().map(\.x)
        guard let low = pens.min(), let high = pens.max() else { return nil }
        return (low, high)
    }

    /// How far any glyph's ink can reach from its pen position at the current size: left and right
    /// of it, above and below the baseline. From the face's bounding box, widened for synthesised
    /// bold and slant, the stroke, the sub-pixel pen offset, and never less than a generous share
    /// of the em (a face's box can understate its glyphs).
    func inkReach() -> (left: Double, right: Double, up: Double, down: Double) {
        let metrics = face.pointee.size.pointee.metrics
        let xScale = Double(metrics.x_scale) / 65536 / 64, yScale = Double(metrics.y_scale) / 65536 / 64
        let bbox = face.pointee.bbox
        let em = text.fontSize * max(scaleX, scaleY)
        let up = max(Double(bbox.yMax) * yScale, 1.5 * em), down = max(-Double(bbox.yMin) * yScale, 0.75 * em)
        var left = max(-Double(bbox.xMin) * xScale, 0.5 * em), right = max(Double(bbox.xMax) * xScale, 1.5 * em)
        if slant {
            left += 0.22 * down
            right += 0.22 * up
        }
        let stroke = text.stroke != nil && text.strokeWidth > 0 ? text.strokeWidth * min(scaleX, scaleY) / 2 : 0
        let extra = stroke + Double(emboldenStrength) / 64 + 0.1 * em + 2
        return (left + extra, right + extra, up + extra, down + extra)
    }

    /// Renders the parts of `line`'s glyphs (pen starting at (x, baseline)) that fall inside
    /// `window` (box pixels) into window-sized fill and stroke masks, keeping the larger coverage
    /// where glyphs overlap. Glyphs whose `reach` misses the window are not loaded at all, and
    /// the others are scan-converted only inside the window: the coverage is what `render` gives.
    func render(_ line: String, x: Double, baseline: Double, window: PixelRect,
                reach: (left: Double, right: Double, up: Double, down: Double),
                fill: inout [UInt8], stroke strokeMask: inout [UInt8]) throws {
        for (glyphIndex, penX) in positions(line).dropLast() {
            let originX = x + penX
            guard originX + reach.right >= Double(window.x0), originX - reach.left <= Double(window.x1) else { continue }
            let pixelX = originX.rounded(.down), pixelY = baseline.rounded(.down)
            guard let glyph = outline(glyphIndex, originX: originX, baseline: baseline) else { continue }
            defer { FT_Done_Glyph(glyph) }
            let (px, py) = (clampedInt(pixelX), clampedInt(pixelY))
            if let stroker {
                var stroked: FT_Glyph?
                if FT_Glyph_Copy(glyph, &stroked) == 0, FT_Glyph_Stroke(&stroked, stroker, 1) == 0, let stroked {
                    scanConvert(stroked, x: px, y: py, window: window, into: &strokeMask)
                }
                if let stroked { FT_Done_Glyph(stroked) }
            }
            scanConvert(glyph, x: px, y: py, window: window, into: &fill)
        }
    }

    /// Scan-converts the part of an outline glyph (pen at box pixel (x, y)) inside `window` and
    /// merges it into `mask` (window-sized) by maximum. Moves the glyph's outline.
    private func scanConvert(_ glyph: FT_Glyph, x: Int, y: Int, window: PixelRect, into mask: inout [UInt8]) {
        guard glyph.pointee.format == FT_GLYPH_FORMAT_OUTLINE, let outlineGlyph = reel_ft_outline_glyph(glyph),
              mask.count == window.area else { return }
        var cbox = FT_BBox()
        FT_Outline_Get_CBox(&outlineGlyph.pointee.outline, &cbox)
        // The box pixels the outline can touch (FreeType's y points up from the baseline).
        func floor64(_ v: FT_Pos) -> Int { Int(v >> 6) }
        func ceil64(_ v: FT_Pos) -> Int { Int((v + 63) >> 6) }
        let touched = PixelRect(x0: x + floor64(cbox.xMin), y0: y - ceil64(cbox.yMax),
                                x1: x + ceil64(cbox.xMax), y1: y - floor64(cbox.yMin))
        let clip = touched.intersection(window)
        guard !clip.isEmpty else { return }
        // Put the clip's bottom-left corner at the bitmap's origin.
        FT_Outline_Translate(&outlineGlyph.pointee.outline, FT_Pos(-(clip.x0 - x) * 64), FT_Pos(-(y - clip.y1) * 64))
        var coverage = [UInt8](repeating: 0, count: clip.area)
        let status = coverage.withUnsafeMutableBufferPointer { buffer -> FT_Error in
            var bitmap = FT_Bitmap()
            bitmap.rows = UInt32(clip.height)
            bitmap.width = UInt32(clip.width)
            bitmap.pitch = Int32(clip.width)
            bitmap.buffer = buffer.baseAddress
            bitmap.num_grays = 256
            bitmap.pixel_mode = UInt8(FT_PIXEL_MODE_GRAY.rawValue)
            return FT_Outline_Get_Bitmap(face.pointee.glyph.pointee.library, &outlineGlyph.pointee.outline, &bitmap)
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

    /// Converts an outline glyph to a coverage bitmap and frees it.
    private func rasterize(_ glyph: inout FT_Glyph?, x: Int, y: Int, isStroke: Bool) -> GlyphBitmap? {
        defer { if let glyph { FT_Done_Glyph(glyph) } }
        guard FT_Glyph_To_Bitmap(&glyph, FT_RENDER_MODE_NORMAL, nil, 1) == 0, let glyph else { return nil }
        guard let bitmapGlyph = reel_ft_bitmap_glyph(glyph)?.pointee else { return nil }
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
