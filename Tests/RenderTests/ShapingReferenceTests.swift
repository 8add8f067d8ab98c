@testable import Compositor
import Foundation
import Media
import Testing
import Timeline

/// Shaped text compared with an independent reference: HarfBuzz's own `hb-view` (Debian's
/// libharfbuzz-bin) drawing the same string with the same font file, through cairo. The ink of
/// the two (alpha as coverage, each cropped to its own extent) are compared by IoU.
/// hb-view's canvas is the advance box, so it gets a margin (ink overhangs the advances).
@Suite struct ShapingReferenceTests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var family: String
        var text: String
        /// What hb-view is given: the same text, except where its lack of bidi needs the visual
        /// order spelled out (digits inside right-to-left text are written reversed).
        var reference: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Latin with ligatures and kerning", family: "Noto Serif", text: "office fluffy AVATAR Wolf",
             reference: "office fluffy AVATAR Wolf"),
        Case(name: "Arabic joining", family: "Noto Sans Arabic", text: "مرحبا بالعالم", reference: "مرحبا بالعالم"),
        Case(name: "Hebrew with Latin digits", family: "DejaVu Sans", text: "שלום 2026 עולם", reference: "שלום 6202 עולם"),
        Case(name: "Devanagari conjuncts and matras", family: "Noto Sans Devanagari", text: "नमस्ते दुनिया क्षत्रिय",
             reference: "नमस्ते दुनिया क्षत्रिय"),
        Case(name: "CJK", family: "Noto Sans CJK SC", text: "你好，世界。漢字かな", reference: "你好，世界。漢字かな"),
    ]

    /// Colour emoji: Debian 12's hb-view draws no colour bitmap (CBDT) glyphs, so the reference
    /// is `hb-shape` on the same font: the same glyphs (one per ZWJ sequence) at the same
    /// advances; and the ink drawn is in colour where the glyphs are.
    @Test func emojiSequencesMatchHarfBuzzShape() throws {
        let text = "👩‍💻👨‍👩‍👧🏳️‍🌈"
        let content = TextContent(text: text, fontFamily: "Noto Color Emoji", fontSize: 64, alignment: .left, wraps: false)
        let layout = try TextRasterizer.layout(content, boxWidth: nil, boxHeight: nil)
        let record = layout.handle.record
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/hb-shape")
        process.arguments = ["--font-file=\(record.path)", "--font-size=64", "--no-glyph-names", "--output-format=json", text]
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let reference = try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
        #expect(layout.glyphs.map { Int($0.glyph) } == reference.compactMap { $0["g"] as? Int })
        #expect(layout.glyphs.map(\.cluster) == reference.compactMap { $0["cl"] as? Int })
        #expect(layout.glyphs.map { Int($0.advance.rounded()) } == reference.compactMap { $0["ax"] as? Int })
        let raster = try TextRasterizer.render(layout).raster
        var colourful = 0
        for y in 0..<raster.height {
            for x in 0..<raster.width {
                let p = raster.straightPixel(x: x, y: y)
                if p.w > 200, max(p.x, p.y, p.z) - min(p.x, p.y, p.z) > 80 { colourful += 1 }
            }
        }
        #expect(colourful > 1000, "the emoji are drawn in colour")
        #expect(raster.width >= 3 * 64 - 8)
    }

    /// The size compared: large enough that a quarter-pixel difference in where two renderers put
    /// a glyph does not decide the score.
    static let size = 128.0

    /// The whole line, and each word of it (runs of at most four characters where a script has
    /// no spaces), must match with IoU ≥ 0.95. Measured at 128 px: 0.96–0.997 (docs/text.md).
    @Test(arguments: cases)
    func inkMatchesHarfBuzzView(_ example: Case) throws {
        let folder = TemporaryFolder()
        for (index, word) in Self.chunks(example.text).enumerated() {
            let overlap = try compare(word, reference: word, family: example.family, output: folder.file("\(index).png"))
            #expect(overlap >= 0.95, "\(example.name), \"\(word)\": IoU \(overlap)")
        }
        let line = try compare(example.text, reference: example.reference, family: example.family, output: folder.file("line.png"))
        #expect(line >= 0.95, "\(example.name), the whole line: IoU \(line)")
    }

    /// Words split at spaces; a word of more than four characters of a script without spaces
    /// (CJK) in pieces of four.
    static func chunks(_ text: String) -> [String] {
        text.split(separator: " ").flatMap { word -> [String] in
            guard word.unicodeScalars.contains(where: { (0x3000...0x9FFF).contains($0.value) || (0xFF00...0xFFEF).contains($0.value) }) else {
                return [String(word)]
            }
            let characters = Array(word)
            return stride(from: 0, to: characters.count, by: 4).map { String(characters[$0..<min($0 + 4, characters.count)]) }
        }
    }

    private func compare(_ text: String, reference: String, family: String, output: String) throws -> Double {
        var content = TextContent(text: text, fontFamily: family, fontSize: Self.size, fill: .solid(.black), alignment: .left, wraps: false)
        var layout = try TextRasterizer.layout(content, boxWidth: nil, boxHeight: nil)
        // cairo puts the baseline on a whole pixel; so does this comparison (the baseline moves
        // by half the font size for each unit of line height).
        if let baseline = layout.baselines.first {
            content.lineHeight += (baseline.rounded() - baseline) / (content.fontSize / 2)
            layout = try TextRasterizer.layout(content, boxWidth: nil, boxHeight: nil)
        }
        #expect(layout.matchedFamily, "\(family) is not installed (scripts/install-deps installs the Noto fonts)")
        #expect(layout.glyphs.allSatisfy { $0.glyph != 0 }, "a .notdef glyph in \(text)")
        let ours = try TextRasterizer.render(layout).raster
        let record = layout.handle.record
        let status = try run("/usr/bin/hb-view", ["--font-file=\(record.path)", "--face-index=\(record.index)", "--font-size=\(Int(Self.size))",
                                                  "--margin=32", "--background=00000000", "--foreground=000000FF",
                                                  "-O", "png", "-o", output, reference])
        try #require(status == 0, "hb-view failed (scripts/install-deps installs libharfbuzz-bin)")
        return Self.inkIoU(ours, try ImageDecoder.decode(path: output))
    }

    /// A line mixing Latin, Arabic, CJK and emoji in the default family: every character finds a
    /// face that has it (no .notdef glyph), and no character draws the .notdef box.
    @Test func fallbackDrawsEveryScript() throws {
        let text = "Reel مرحبا 漢字 😀 done"
        let content = TextContent(text: text, fontSize: 48, fill: .solid(.black), alignment: .left, wraps: false)
        let layout = try TextRasterizer.layout(content, boxWidth: nil, boxHeight: nil)
        #expect(layout.glyphs.allSatisfy { $0.glyph != 0 })
        let faces = Set(layout.glyphs.map { $0.face.record.family })
        #expect(faces.count >= 3, "faces used: \(faces)")
        // The .notdef box of the default face: a character no installed font has.
        let missing = try TextRasterizer.render(TextContent(text: "\u{10FFFD}", fontSize: 48, fill: .solid(.black), wraps: false),
                                                boxWidth: nil, boxHeight: nil).raster
        #expect(Self.inkArea(missing) > 0, "the .notdef glyph draws a box")
        for character in text where !character.isWhitespace {
            let alone = try TextRasterizer.render(TextContent(text: String(character), fontSize: 48, fill: .solid(.black), wraps: false),
                                                  boxWidth: nil, boxHeight: nil).raster
            #expect(Self.inkIoU(alone, missing) < 0.8, "\(character) looks like the .notdef box")
        }
    }

    /// Right-to-left runs are reordered by the bidi algorithm: in "abc 123 אבג" set in an RTL
    /// paragraph the Hebrew comes first from the right, and digits keep their order.
    @Test func mixedDirectionsAreReordered() throws {
        let content = TextContent(text: "אבג 123", fontFamily: "DejaVu Sans", fontSize: 40, alignment: .left, wraps: false)
        let layout = try TextRasterizer.layout(content, boxWidth: nil, boxHeight: nil)
        let glyphs = layout.glyphs
        // Visual order, left to right: 1 2 3 (clusters 4, 5, 6), the space (3), then the Hebrew (2, 1, 0).
        #expect(glyphs.map(\.cluster) == [4, 5, 6, 3, 2, 1, 0])
    }

    /// Lines break at UAX #14 opportunities: after a hyphen, and between CJK ideographs.
    @Test func linesBreakByUnicodeRules() throws {
        let hyphen = try TextRasterizer.layout(TextContent(text: "well-known", fontSize: 40, wraps: true), boxWidth: 150, boxHeight: nil)
        #expect(hyphen.lines.count == 2)
        #expect(hyphen.lines[0].glyphs.map(\.cluster).max() == 4)
        let ideographs = try TextRasterizer.layout(TextContent(text: "漢字漢字漢字漢字", fontSize: 40, wraps: true),
                                                   boxWidth: 170, boxHeight: nil)
        #expect(ideographs.lines.count == 2)
        #expect(ideographs.lines.allSatisfy { $0.glyphs.count == 4 })
    }

    /// Glyph images are cached: drawing the same text again hits the cache for every glyph.
    @Test func glyphsAreCached() throws {
        let content = TextContent(text: "cache me twice", fontSize: 37, wraps: false)
        let first = try TextRasterizer.render(content, boxWidth: nil, boxHeight: nil)
        let second = try TextRasterizer.render(content, boxWidth: nil, boxHeight: nil)
        #expect(first.glyphCacheMisses >= 9)
        #expect(second.glyphCacheMisses == 0)
        #expect(first.raster.byteCount == second.raster.byteCount)
        #expect(memcmp(first.raster.pixels, second.raster.pixels, first.raster.byteCount) == 0)
    }

    /// Character offsets count the text as written: a CRLF is two characters, so spans and the
    /// typewriter land on the right glyphs after one.
    @Test func offsetsSurviveCRLF() throws {
        let layout = try TextRasterizer.layout(TextContent(text: "a\r\nbc", fontSize: 20, wraps: false), boxWidth: nil, boxHeight: nil)
        #expect(layout.glyphs.map(\.cluster) == [0, 3, 4])
    }

    /// A forced line break (U+2028) ends a line without a box width; control characters draw
    /// nothing (no .notdef box for a tab).
    @Test func forcedBreaksAndControls() throws {
        let layout = try TextRasterizer.layout(TextContent(text: "one\u{2028}two", fontSize: 20, wraps: false), boxWidth: nil, boxHeight: nil)
        #expect(layout.lines.count == 2)
        let tab = try TextRasterizer.render(TextContent(text: "\t\u{85}", fontSize: 40, fill: .solid(.black), wraps: false),
                                            boxWidth: nil, boxHeight: nil).raster
        #expect(Self.inkArea(tab) == 0)
    }

    /// Values at the edges of the document limits set text without trapping or running away:
    /// letter spacing of −1000 px over invisible characters, a stroke of 1000 px on a glyph zoomed
    /// 100×, colour emoji at a hundredth of their size. (Frames, as a document draws them: the
    /// compositor draws only the part of a huge layer that shows.)
    @Test func hostileTextStaysBounded() throws {
        let squeezed = try TextRasterizer.render(TextContent(text: "\u{200B}\u{200B}\u{200B}", fontSize: 20, letterSpacing: -1000,
                                                             wraps: false), boxWidth: nil, boxHeight: nil)
        #expect(squeezed.boxWidth >= 0)
        let json = document(width: 64, height: 36, background: "\"#000000\"", fps: 10, """
        {"type": "text", "start": 0, "duration": 1, "text": "W", "style": {"fontSize": 10, "stroke": "#ff0000", "strokeWidth": 1000},
         "transform": {"scale": 100}},
        {"type": "text", "start": 0, "duration": 1, "text": "W😀", "style": {"fontSize": 10}, "transform": {"scale": 0.01}}
        """)
        let raster = try frame(json)
        #expect(raster.width == 64 && raster.height == 36)
    }

    // MARK: helpers

    static func inkMask(_ raster: Raster) -> (mask: [Bool], width: Int, height: Int) {
        var minX = raster.width, minY = raster.height, maxX = -1, maxY = -1
        for y in 0..<raster.height {
            for x in 0..<raster.width where raster.pixel(x: x, y: y).w >= 128 {
                minX = min(minX, x); minY = min(minY, y); maxX = max(maxX, x); maxY = max(maxY, y)
            }
        }
        guard maxX >= 0 else { return ([], 0, 0) }
        let width = maxX - minX + 1, height = maxY - minY + 1
        var mask = [Bool](repeating: false, count: width * height)
        for y in 0..<height {
            for x in 0..<width { mask[y * width + x] = raster.pixel(x: minX + x, y: minY + y).w >= 128 }
        }
        return (mask, width, height)
    }

    static func inkArea(_ raster: Raster) -> Int { inkMask(raster).mask.filter { $0 }.count }

    /// Intersection over union of two rasters' ink: alpha as coverage (Σ min / Σ max), each
    /// cropped to its own extent (alpha ≥ 128), at the best alignment within 2 pixels either way
    /// (two renderers may place a glyph run up to half a pixel apart).
    static func inkIoU(_ a: Raster, _ b: Raster) -> Double {
        func crop(_ raster: Raster) -> (alpha: [Int], width: Int, height: Int) {
            var minX = raster.width, minY = raster.height, maxX = -1, maxY = -1
            for y in 0..<raster.height {
                for x in 0..<raster.width where raster.pixel(x: x, y: y).w >= 128 {
                    minX = min(minX, x); minY = min(minY, y); maxX = max(maxX, x); maxY = max(maxY, y)
                }
            }
            guard maxX >= 0 else { return ([], 0, 0) }
            // Keep a pixel of the soft edge around the thresholded extent.
            minX = max(0, minX - 1); minY = max(0, minY - 1)
            maxX = min(raster.width - 1, maxX + 1); maxY = min(raster.height - 1, maxY + 1)
            let width = maxX - minX + 1, height = maxY - minY + 1
            var alpha = [Int](repeating: 0, count: width * height)
            for y in 0..<height {
                for x in 0..<width { alpha[y * width + x] = Int(raster.pixel(x: minX + x, y: minY + y).w) }
            }
            return (alpha, width, height)
        }
        let (alphaA, wa, ha) = crop(a), (alphaB, wb, hb) = crop(b)
        guard wa > 0, wb > 0 else { return wa == wb ? 1 : 0 }
        var best = 0.0
        for dy in -2...2 {
            for dx in -2...2 {
                var intersection = 0, union = 0
                for y in min(0, dy)..<max(ha, hb + dy) {
                    for x in min(0, dx)..<max(wa, wb + dx) {
                        let va = x >= 0 && y >= 0 && x < wa && y < ha ? alphaA[y * wa + x] : 0
                        let bx = x - dx, by = y - dy
                        let vb = bx >= 0 && by >= 0 && bx < wb && by < hb ? alphaB[by * wb + bx] : 0
                        intersection += min(va, vb)
                        union += max(va, vb)
                    }
                }
                if union > 0 { best = max(best, Double(intersection) / Double(union)) }
            }
        }
        return best
    }

    func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
