internal import CFreeType
public import Timeline
import Foundation

/// The last few layouts, so that a text drawn again (a typewriter revealing it, a layer prepared
/// again) is not set again. Use under the font library's lock.
final class LayoutCache {
    struct Key: Hashable {
        var text: TextContent
        var boxWidth: Double?
        var boxHeight: Double?
        var scaleX: Double
        var scaleY: Double
        var fonts: [FontFace]
    }

    nonisolated(unsafe) static let shared = LayoutCache()
    static let capacity = 16
    private var layouts: [Key: TextRasterizer.Layout] = [:]
    private var order: [Key] = []

    func layout(for key: Key) -> TextRasterizer.Layout? { layouts[key] }

    func keep(_ layout: TextRasterizer.Layout, for key: Key) {
        if layouts[key] == nil { order.append(key) }
        layouts[key] = layout
        if order.count > Self.capacity { layouts[order.removeFirst()] = nil }
    }
}

/// Sets text: shaped by HarfBuzz (ligatures, kerning, joining, reordering), in both directions
/// (FriBiDi), broken into lines at UAX #14 opportunities (libunibreak) to a box width, with
/// fallback faces for missing characters (fontconfig) and colour emoji; aligned, letter-spaced,
/// filled and stroked with paints, spans painted their own way. Glyph images are cached.
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
        /// Glyph images this render had to draw (not found in the cache).
        public var glyphCacheMisses = 0
    }

    /// Renders `text` into a box of `boxWidth` × `boxHeight` (nil: the text's own extent), scaled
    /// by (scaleX, scaleY) so that scaled text is set at its final size instead of resampled.
    public static func render(_ text: TextContent, boxWidth: Double?, boxHeight: Double?,
                              scaleX: Double = 1, scaleY: Double = 1, fonts: [FontFace] = []) throws -> Result {
        try render(layout(text, boxWidth: boxWidth, boxHeight: boxHeight, scaleX: scaleX, scaleY: scaleY, fonts: fonts))
    }

    /// One line: its glyphs in visual order (pen positions from the line's start) and width.
    struct Line {
        var glyphs: [PlacedGlyph]
        var width: Double
    }

    /// Text broken into lines and placed in its box: everything but the pixels.
    struct Layout {
        var text: TextContent
        var handle: FontFaceHandle
        var matchedFamily: Bool
        var scaleX: Double
        var scaleY: Double
        var lines: [Line]
        /// Where each line's pen starts, and its baseline, in box pixels.
        var lineX: [Double]
        var baselines: [Double]
        /// The primary face's ascent and descent (descent negative), in pixels.
        var ascender: Double
        var descender: Double
        /// The box in pixels (after scaling).
        var boxWidth: Double
        var boxHeight: Double
        /// How far any glyph's ink can reach from its pen position: left of it, right of it,
        /// above the baseline and below it.
        var reach: (left: Double, right: Double, up: Double, down: Double)
        /// Where ink can be, in box pixels: the box, every line's reach and the backgrounds (a
        /// bound, found without rasterising a glyph).
        var inkBounds: PixelRect

        /// Every glyph of the text, for tests: face file, glyph index, and cluster.
        var glyphs: [PlacedGlyph] { lines.flatMap(\.glyphs) }
    }

    /// Glyph cache use since the process started (or since `resetGlyphCacheStatistics`).
    public static func glyphCacheStatistics() -> (hits: Int, misses: Int) {
        FontLibrary.shared.withLock { (GlyphCache.shared.hits, GlyphCache.shared.misses) }
    }

    public static func resetGlyphCacheStatistics() {
        FontLibrary.shared.withLock { GlyphCache.shared.hits = 0; GlyphCache.shared.misses = 0 }
    }

    /// Sets `text` into lines in its box, as `render` does, without drawing it.
    static func layout(_ text: TextContent, boxWidth: Double?, boxHeight: Double?,
                       scaleX: Double = 1, scaleY: Double = 1, fonts: [FontFace] = []) throws -> Layout {
        let library = FontLibrary.shared
        // A typewriter changes only what is drawn: the layout of the whole text is kept.
        var whole = text
        whole.revealed = nil
        let key = LayoutCache.Key(text: whole, boxWidth: boxWidth, boxHeight: boxHeight, scaleX: scaleX, scaleY: scaleY, fonts: fonts)
        if var known = library.withLock({ LayoutCache.shared.layout(for: key) }) {
            known.text = text
            return known
        }
        let (handle, matched) = try library.face(family: text.fontFamily, weight: text.fontWeight,
                                                 italic: text.italic, supplied: fonts)
        var layout = try setLines(text, handle: handle, matched: matched, boxWidth: boxWidth, boxHeight: boxHeight,
                                  scaleX: scaleX, scaleY: scaleY)
        layout.text = whole
        library.withLock { LayoutCache.shared.keep(layout, for: key) }
        layout.text = text
        return layout
    }

    private static func setLines(_ text: TextContent, handle: FontFaceHandle, matched: Bool, boxWidth: Double?, boxHeight: Double?,
                                 scaleX: Double, scaleY: Double) throws -> Layout {
        let library = FontLibrary.shared
        return try library.withLock {
            let sizeX = max(text.fontSize * scaleX, 1 / 64), sizeY = max(text.fontSize * scaleY, 1 / 64)
            let (ascender, descender) = try metrics(handle, sizeX: sizeX, sizeY: sizeY)
            let strength = clampedInt(text.fontSize * scaleY * 64 / 24, .towardZero)
            let weight = text.fontWeight
            let style = ShapedParagraph.ShapingStyle(
                sizeX: sizeX, sizeY: sizeY, letterSpacing: text.letterSpacing * scaleX,
                emboldenStrength: { face in weight >= 600 && face.weight < 600 && !face.hasColor ? strength : 0 })
            let wrapWidth = text.wraps ? boxWidth.map { $0 * scaleX } : nil
            var lines: [Line] = []
            var offset = 0
            for (paragraph, length) in paragraphs(text.text) {
                let shaped = try ShapedParagraph(paragraph, offset: offset, primary: handle, library: library,
                                                 weight: text.fontWeight, italic: text.italic, style: style)
                for range in shaped.lineRanges(maxWidth: wrapWidth) {
                    let (glyphs, width) = shaped.visualLine(range)
                    lines.append(Line(glyphs: glyphs, width: max(0, width)))
                }
                offset += length + 1
            }
            let lineAdvance = text.fontSize * text.lineHeight * scaleY
            let width = boxWidth.map { $0 * scaleX } ?? (lines.map(\.width).max() ?? 0)
            let height = boxHeight.map { $0 * scaleY } ?? lineAdvance * Double(lines.count)
            // CSS half-leading: the font's ascent-to-descent sits centred in each line box.
            let firstBaseline = (lineAdvance - (ascender - descender)) / 2 + ascender
            let lineX = lines.map { line -> Double in
                switch text.alignment {
                case .left: 0
                case .center: (width - line.width) / 2
                case .right: width - line.width
                }
            }
            let baselines = lines.indices.map { firstBaseline + lineAdvance * Double($0) }
            var faces: [FontFaceHandle] = [handle]
            for glyph in lines.lazy.flatMap(\.glyphs) where !faces.contains(where: { $0 === glyph.face }) { faces.append(glyph.face) }
            let reach = inkReach(faces, text: text, sizeX: sizeX, sizeY: sizeY, strength: strength)
            var layout = Layout(text: text, handle: handle, matchedFamily: matched, scaleX: scaleX, scaleY: scaleY,
                                lines: lines, lineX: lineX, baselines: baselines, ascender: ascender, descender: descender,
                                boxWidth: width, boxHeight: height, reach: reach, inkBounds: .empty)
            var ink = PixelRect.covering(minX: 0, minY: 0, maxX: width, maxY: height)
            if ink.isEmpty { ink = PixelRect(x0: 0, y0: 0, x1: 0, y1: 0) }
            for (index, line) in lines.enumerated() {
                guard let low = line.glyphs.map(\.x).min(), let high = line.glyphs.map(\.x).max() else { continue }
                let area = PixelRect.covering(minX: lineX[index] + low - reach.left, minY: baselines[index] - reach.up,
                                              maxX: lineX[index] + high + reach.right, maxY: baselines[index] + reach.down)
                if !area.isEmpty { ink = ink.isEmpty ? area : ink.union(area) }
            }
            for box in backgroundBoxes(layout) {
                let area = PixelRect.covering(minX: box.x0, minY: box.y0, maxX: box.x1, maxY: box.y1)
                if !area.isEmpty { ink = ink.isEmpty ? area : ink.union(area) }
            }
            layout.inkBounds = ink
            return layout
        }
    }

    /// The text's paragraphs, split at line feeds (a carriage return before one is dropped), each
    /// with its length in scalars as written (so that character offsets stay those of the text).
    private static func paragraphs(_ text: String) -> [(Substring, Int)] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { slice in
            var paragraph = Substring(slice)
            if paragraph.unicodeScalars.last == "\r" { paragraph = Substring(paragraph.unicodeScalars.dropLast()) }
            return (paragraph, slice.count)
        }
    }

    /// The primary face's ascent and descent at the size (bitmap-only faces: from font units).
    private static func metrics(_ handle: FontFaceHandle, sizeX: Double, sizeY: Double) throws -> (Double, Double) {
        let face = handle.face
        if handle.isBitmapOnly {
            let scale = sizeY / handle.unitsPerEm
            let ascender = Double(face.pointee.ascender) * scale, descender = Double(face.pointee.descender) * scale
            return ascender != 0 || descender != 0 ? (ascender, descender) : (sizeY * 0.95, -sizeY * 0.25)
        }
        try GlyphImages.setSize(handle, sizeX: sizeX, sizeY: sizeY)
        let metrics = face.pointee.size.pointee.metrics
        return (Double(metrics.ascender) / 64, Double(metrics.descender) / 64)
    }

    /// How far any glyph's ink can reach from its pen position, over every face the text uses:
    /// from each face's bounding box, widened for synthesised bold and slant, the stroke, the
    /// sub-pixel pen offset, and never less than a generous share of the em.
    private static func inkReach(_ faces: [FontFaceHandle], text: TextContent, sizeX: Double, sizeY: Double,
                                 strength: Int) -> (left: Double, right: Double, up: Double, down: Double) {
        let em = max(sizeX, sizeY)
        var up = 1.5 * em, down = 0.75 * em, left = 0.5 * em, right = 1.5 * em
        for handle in faces {
            let bbox = handle.face.pointee.bbox
            let xScale = sizeX / handle.unitsPerEm, yScale = sizeY / handle.unitsPerEm
            up = max(up, Double(bbox.yMax) * yScale)
            down = max(down, -Double(bbox.yMin) * yScale)
            left = max(left, -Double(bbox.xMin) * xScale)
            right = max(right, Double(bbox.xMax) * xScale)
        }
        if text.italic {
            left += 0.22 * down
            right += 0.22 * up
        }
        let scale = min(sizeX, sizeY) / max(text.fontSize, 1e-9)
        let stroke = text.stroke != nil && text.strokeWidth > 0 ? text.strokeWidth * scale / 2 : 0
        let extra = stroke + Double(strength) / 64 + 0.1 * em + 2
        return (left + extra, right + extra, up + extra, down + extra)
    }

    // MARK: drawing

    /// A filled rounded box in box pixels.
    struct BackgroundBox {
        var x0: Double, y0: Double, x1: Double, y1: Double
        var radius: Double
        var color: RGBAColor
    }

    /// The backdrop and the spans' background boxes, bottom first.
    static func backgroundBoxes(_ layout: Layout) -> [BackgroundBox] {
        let text = layout.text
        let scale = (layout.scaleX + layout.scaleY) / 2
        let em = text.fontSize * scale
        var boxes: [BackgroundBox] = []
        if let backdrop = text.backdrop, backdrop.color.alpha > 0 {
            let pad = backdrop.padding * scale
            if backdrop.fillsBox {
                boxes.append(BackgroundBox(x0: -pad, y0: -pad, x1: layout.boxWidth + pad, y1: layout.boxHeight + pad,
                                           radius: backdrop.cornerRadius * scale, color: backdrop.color))
            } else {
                var extent: (Double, Double, Double, Double)?
                for (index, line) in layout.lines.enumerated() where !line.glyphs.isEmpty {
                    let x0 = layout.lineX[index], x1 = x0 + line.width
                    let y0 = layout.baselines[index] - layout.ascender, y1 = layout.baselines[index] - layout.descender
                    extent = extent.map { (min($0.0, x0), min($0.1, y0), max($0.2, x1), max($0.3, y1)) } ?? (x0, y0, x1, y1)
                }
                if let extent {
                    boxes.append(BackgroundBox(x0: extent.0 - pad, y0: extent.1 - pad, x1: extent.2 + pad, y1: extent.3 + pad,
                                               radius: backdrop.cornerRadius * scale, color: backdrop.color))
                }
            }
        }
        // The lines with glyphs and the characters each holds, in text order (lines are consecutive
        // runs of the text), to find the lines a span touches by binary search.
        let inked: [(index: Int, clusters: ClosedRange<Int>)] = layout.lines.enumerated().compactMap { index, line in
            guard let low = line.glyphs.map(\.cluster).min(), let high = line.glyphs.map(\.cluster).max() else { return nil }
            return (index, low...high)
        }
        for span in text.spans {
            guard let color = span.background, color.alpha > 0, !span.hidden, !span.range.isEmpty else { continue }
            var low = 0, high = inked.count
            while low < high {
                let middle = (low + high) / 2
                if inked[middle].clusters.upperBound < span.range.lowerBound { low = middle + 1 } else { high = middle }
            }
            for (index, clusters) in inked[low...] {
                if clusters.lowerBound >= span.range.upperBound { break }
                let line = layout.lines[index]
                let inSpan = line.glyphs.filter { span.range.contains($0.cluster) && $0.cluster < (text.revealed ?? Int.max) }
                guard let low = inSpan.map(\.x).min(), let high = inSpan.map({ $0.x + $0.advance }).max() else { continue }
                let x = layout.lineX[index], baseline = layout.baselines[index]
                boxes.append(BackgroundBox(x0: x + low - 0.18 * em, y0: baseline - layout.ascender - 0.08 * em,
                                           x1: x + high + 0.18 * em, y1: baseline - layout.descender + 0.08 * em,
                                           radius: 0.2 * em, color: color))
            }
        }
        return boxes
    }

    /// Draws laid-out text. Without a window the raster covers the box and every glyph's ink.
    ///
    /// With a `window` (box pixels) the raster is the window: its pixel (0, 0) is box pixel
    /// (window.x0, window.y0), so the box's corner lies at (−window.x0, −window.y0). Lines and
    /// glyphs that cannot reach the window are skipped before FreeType loads them, and very large
    /// glyphs are scan-converted only where they cross the window, so a huge text costs what its
    /// window does.
    static func render(_ layout: Layout, window: PixelRect? = nil) throws -> Result {
        let text = layout.text
        return try FontLibrary.shared.withLock {
            let images = GlyphImages(layout: layout)
            defer { images.finish() }
            let missesBefore = GlyphCache.shared.misses
            // Which paint each character takes, and which are hidden.
            let total = text.text.unicodeScalars.count
            var group = [Int](repeating: 0, count: total)
            var hidden = [Bool](repeating: false, count: total)
            var paints: [Paint] = [text.fill]
            var paintGroups: [Paint: Int] = [text.fill: 0]
            for span in text.spans {
                let lower = min(max(0, span.range.lowerBound), total)
                let range = lower..<min(max(lower, span.range.upperBound), total)
                if let fill = span.fill {
                    // One mask per distinct paint, however many spans use it.
                    let index = paintGroups[fill] ?? paints.count
                    if index == paints.count {
                        paints.append(fill)
                        paintGroups[fill] = index
                    }
                    for position in range { group[position] = index }
                }
                if span.hidden { for position in range { hidden[position] = true } }
            }
            // Control and format characters draw nothing, even where a face maps them to .notdef.
            for (index, scalar) in text.text.unicodeScalars.enumerated() where index < total {
                let category = scalar.properties.generalCategory
                if category == .control || (category == .format && scalar.value != 0x200D) { hidden[index] = true }
            }
            if let revealed = text.revealed { for index in max(0, min(revealed, total))..<total { hidden[index] = true } }
            var pieces: [GlyphImages.Piece] = []
            for (index, line) in layout.lines.enumerated() {
                let baseline = layout.baselines[index]
                if let window, baseline + layout.reach.down < Double(window.y0) || baseline - layout.reach.up > Double(window.y1) {
                    continue
                }
                for glyph in line.glyphs {
                    guard glyph.cluster >= 0, glyph.cluster < total, !hidden[glyph.cluster] else { continue }
                    let originX = layout.lineX[index] + glyph.x, originY = baseline + glyph.y
                    if let window, originX + layout.reach.right < Double(window.x0) || originX - layout.reach.left > Double(window.x1) {
                        continue
                    }
                    try images.pieces(for: glyph, x: originX, y: originY, group: group[glyph.cluster], into: &pieces)
                }
            }
            let backgrounds = backgroundBoxes(layout)
            let area: PixelRect
            if let window {
                area = window
            } else {
                var bounds = PixelRect(x0: 0, y0: 0, x1: clampedInt(layout.boxWidth, .up), y1: clampedInt(layout.boxHeight, .up))
                for piece in pieces { bounds = bounds.union(piece.rect) }
                for box in backgrounds {
                    bounds = bounds.union(PixelRect.covering(minX: box.x0, minY: box.y0, maxX: box.x1, maxY: box.y1))
                }
                area = bounds
            }
            let raster = Raster(width: area.width, height: area.height)
            let box = (Double(-area.x0), Double(-area.y0), layout.boxWidth, layout.boxHeight)
            for background in backgrounds { fill(background, raster: raster, area: area) }
            var masks = [[UInt8]](repeating: [], count: paints.count)
            var strokeMask: [UInt8] = []
            for piece in pieces where !piece.isColor {
                if piece.isStroke {
                    if strokeMask.isEmpty { strokeMask = [UInt8](repeating: 0, count: area.area) }
                    images.merge(piece, into: &strokeMask, area: area)
                } else {
                    if masks[piece.group].isEmpty { masks[piece.group] = [UInt8](repeating: 0, count: area.area) }
                    images.merge(piece, into: &masks[piece.group], area: area)
                }
            }
            for (index, mask) in masks.enumerated() where !mask.isEmpty {
                paint(paints[index], mask: mask, raster: raster, box: box)
            }
            if let stroke = text.stroke, text.strokeWidth > 0, !strokeMask.isEmpty {
                paint(stroke, mask: strokeMask, raster: raster, box: box)
            }
            for piece in pieces where piece.isColor { images.drawColor(piece, raster: raster, area: area) }
            return Result(raster: raster, originX: Double(-area.x0), originY: Double(-area.y0),
                          boxWidth: layout.boxWidth, boxHeight: layout.boxHeight, matchedFamily: layout.matchedFamily,
                          glyphCacheMisses: GlyphCache.shared.misses - missesBefore)
        }
    }

    /// Fills a rounded box (box pixels) into the raster covering `area`, anti-aliased.
    private static func fill(_ box: BackgroundBox, raster: Raster, area: PixelRect) {
        let color = premultipliedPixel(red: box.color.red, green: box.color.green, blue: box.color.blue, alpha: box.color.alpha)
        let radius = max(0, min(box.radius, (box.x1 - box.x0) / 2, (box.y1 - box.y0) / 2))
        let rows = PixelRect.covering(minX: box.x0, minY: box.y0, maxX: box.x1, maxY: box.y1).intersection(area)
        guard !rows.isEmpty else { return }
        var coverage = [UInt8](repeating: 0, count: rows.width)
        let (cx0, cy0, cx1, cy1) = (box.x0 + radius, box.y0 + radius, box.x1 - radius, box.y1 - radius)
        for y in rows.y0..<rows.y1 {
            let py = Double(y) + 0.5
            for x in rows.x0..<rows.x1 {
                let px = Double(x) + 0.5
                let dx = max(cx0 - px, 0, px - cx1), dy = max(cy0 - py, 0, py - cy1)
                let distance = (dx * dx + dy * dy).squareRoot() - radius
                // Edges: distance from the sides, for the straight parts.
                let edge = max(box.x0 - px, px - box.x1, box.y0 - py, py - box.y1)
                let d = radius > 0 ? max(distance, edge) : edge
                coverage[x - rows.x0] = UInt8(clampedInt(min(max(0.5 - d, 0), 1) * 255))
            }
            coverage.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                Blend.sourceOver(color: color, coverage: base,
                                 destination: raster.pixels + (y - area.y0) * raster.bytesPerRow + (rows.x0 - area.x0) * 4,
                                 count: rows.width)
            }
        }
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
