@testable import Compositor
import Foundation
import Render
import TemplateSchema
import Testing
import Timeline

/// Subtitle and code clips as drawn: colours read back from rendered frames.
@Suite struct TextClipRenderTests {
    static let cyan = SIMD4<UInt8>(0, 255, 255, 255)

    /// Pixels of `raster` in columns x0..<x1 within `tolerance` of `color`.
    static func count(_ color: SIMD4<UInt8>, in raster: Raster, x0: Int, x1: Int, tolerance: Int = 8) -> Int {
        var found = 0
        for y in 0..<raster.height {
            for x in max(0, x0)..<min(raster.width, x1) where close(raster.pixel(x: x, y: y), color, tolerance: tolerance) { found += 1 }
        }
        return found
    }

    static func subtitle(_ mode: String) -> String {
        document(width: 640, height: 200, background: "\"#000000\"", fps: 10, """
        {"type": "subtitle", "start": 0, "duration": 2,
         "words": [{"word": "MMMM", "start": 0, "end": 1}, {"word": "WWWW", "start": 1, "end": 2}],
         "config": {"mode": "\(mode)", "wordsPerBatch": 2, "fontSize": 60, "fadeInAnimation": false,
                    "shadowColor": "#00000000", "position": "center", "textBoxWidth": 600}}
        """)
    }

    /// Batch mode: both words show; the spoken one is cyan, the other white, and they swap.
    @Test func batchHighlightsTheSpokenWord() throws {
        let first = try frame(Self.subtitle("batch"), at: 0.5), second = try frame(Self.subtitle("batch"), at: 1.5)
        #expect(Self.count(Self.cyan, in: first, x0: 0, x1: 320) > 300)
        #expect(Self.count(white, in: first, x0: 320, x1: 640) > 300)
        #expect(Self.count(Self.cyan, in: first, x0: 320, x1: 640) == 0)
        #expect(Self.count(white, in: second, x0: 0, x1: 320) > 300)
        #expect(Self.count(Self.cyan, in: second, x0: 320, x1: 640) > 300)
    }

    /// Stream mode: the second word is not drawn until it is spoken, and the first stays put.
    @Test func streamRevealsWordByWord() throws {
        let first = try frame(Self.subtitle("stream"), at: 0.5), second = try frame(Self.subtitle("stream"), at: 1.5)
        #expect(Self.count(Self.cyan, in: first, x0: 0, x1: 320) > 300)
        #expect(Self.count(white, in: first, x0: 320, x1: 640, tolerance: 200) == 0, "nothing to the right yet")
        #expect(Self.count(Self.cyan, in: second, x0: 320, x1: 640) > 300)
        let batch = try frame(Self.subtitle("batch"), at: 0.5)
        // The first word sits where batch mode puts it: the layout does not move as words appear.
        #expect(Self.count(Self.cyan, in: first, x0: 0, x1: 320) == Self.count(Self.cyan, in: batch, x0: 0, x1: 320))
    }

    /// A line selection is drawn in the theme's selection colour behind that line only.
    @Test func selectionIsDrawnBehindItsLines() throws {
        let json = document(width: 400, height: 200, background: "\"#000000\"", fps: 10, """
        {"type": "code", "start": 0, "duration": 1, "fontSize": 30, "lineHeight": 2, "padding": 0, "theme": "dark",
         "selection": {"lines": 2}, "code": "aaaa\\nbbbb\\ncccc", "transform": {"x": 0, "y": 0, "anchor": "top-left"}}
        """)
        let raster = try frame(json)
        let theme = try #require(CodeTheme.named("dark"))
        // The selection colour over the theme's background, as drawn.
        let selection = theme.selection, background = theme.background
        func channel(_ s: Double, _ b: Double) -> UInt8 { UInt8(((s * selection.alpha + b * (1 - selection.alpha)) * 255).rounded()) }
        let expected = SIMD4(channel(selection.red, background.red), channel(selection.green, background.green),
                             channel(selection.blue, background.blue), 255)
        func rows(_ y0: Int, _ y1: Int) -> Int {
            var found = 0
            for y in y0..<y1 { for x in 0..<400 where close(raster.pixel(x: x, y: y), expected, tolerance: 3) { found += 1 } }
            return found
        }
        // Lines are 60 px apart: the second line's band is 60–120.
        #expect(rows(60, 120) > 500)
        #expect(rows(0, 55) == 0)
        #expect(rows(125, 200) == 0)
    }

    /// Keywords, strings and comments take their theme colours where their glyphs are drawn.
    @Test func codeColoursAtTheirGlyphs() throws {
        let json = document(width: 800, height: 200, background: "\"#000000\"", fps: 10, """
        {"type": "code", "start": 0, "duration": 1, "language": "python", "theme": "dark", "fontSize": 40, "padding": 0,
         "code": "def f():\\n    return 'hi'  # note", "transform": {"x": 0, "y": 0, "anchor": "top-left"}}
        """)
        let timeline = try timeline(json)
        guard case .text(let text)? = timeline.schedule().drawList(at: 0).first?.content else {
            Issue.record("no code drawn")
            return
        }
        let raster = try Renderer(timeline: timeline).frame(at: 0)
        let layout = try TextRasterizer.layout(text, boxWidth: nil, boxHeight: nil)
        let theme = try #require(CodeTheme.named("dark"))
        func pixel(_ color: RGBAColor) -> SIMD4<UInt8> {
            SIMD4(UInt8((color.red * 255).rounded()), UInt8((color.green * 255).rounded()), UInt8((color.blue * 255).rounded()), 255)
        }
        /// Pixels of `color` inside the glyph cells of the characters of `word`.
        func inked(_ word: String, _ color: RGBAColor) -> Int {
            guard let range = text.text.range(of: word) else { return 0 }
            let start = text.text.unicodeScalars.distance(from: text.text.unicodeScalars.startIndex, to: range.lowerBound)
            let clusters = start..<start + word.unicodeScalars.count
            var found = 0
            for (index, line) in layout.lines.enumerated() {
                for glyph in line.glyphs where clusters.contains(glyph.cluster) {
                    let x0 = Int(layout.lineX[index] + glyph.x), x1 = Int(layout.lineX[index] + glyph.x + glyph.advance) + 1
                    let y0 = Int(layout.baselines[index] - 40), y1 = Int(layout.baselines[index] + 10)
                    for y in max(0, y0)..<min(raster.height, y1) {
                        for x in max(0, x0)..<min(raster.width, x1) where close(raster.pixel(x: x, y: y), pixel(color), tolerance: 6) {
                            found += 1
                        }
                    }
                }
            }
            return found
        }
        let keyword = try #require(theme.kinds[.keyword]), string = try #require(theme.kinds[.string])
        let comment = try #require(theme.kinds[.comment])
        #expect(inked("def", keyword) > 40)
        #expect(inked("return", keyword) > 60)
        #expect(inked("'hi'", string) > 30)
        #expect(inked("# note", comment) > 40)
        #expect(inked("def", comment) == 0)
        #expect(inked("# note", keyword) == 0)
    }
}
