import Testing
import Timeline
@testable import Compositor

/// Text setting with FreeType, measured from the rasters it produces.
@Suite struct TextTests {
    func render(_ text: String, size: Double = 40, width: Double? = nil, configure: (inout TextContent) -> Void = { _ in }) throws
        -> TextRasterizer.Result {
        var content = TextContent(text: text, fontSize: size, fill: .solid(.white))
        configure(&content)
        return try TextRasterizer.render(content, boxWidth: width, boxHeight: nil)
    }

    /// The rows and columns of a raster that have any ink.
    func inkBounds(_ raster: Raster) -> (minX: Int, maxX: Int, minY: Int, maxY: Int)? {
        var bounds: (Int, Int, Int, Int)?
        for y in 0..<raster.height {
            for x in 0..<raster.width where raster.pixel(x: x, y: y).w > 64 {
                bounds = bounds.map { (min($0.0, x), max($0.1, x), min($0.2, y), max($0.3, y)) } ?? (x, x, y, y)
            }
        }
        return bounds
    }

    @Test func kerningPullsPairsTogether() throws {
        let pair = try render("AV").boxWidth
        let apart = try render("A").boxWidth + render("V").boxWidth
        #expect(pair < apart - 1, "AV \(pair) should be narrower than A + V \(apart)")
    }

    @Test func glyphsShareTheBaselineAndDescendersGoBelow() throws {
        func bottom(_ text: String) throws -> Int {
            let result = try render(text)
            return try #require(inkBounds(result.raster)).maxY - Int(result.originY)
        }
        let h = try bottom("H"), x = try bottom("x"), g = try bottom("g")
        #expect(abs(h - x) <= 1, "H ends at \(h), x at \(x)")
        #expect(g > h + 5, "g descends below the baseline")
        // The baseline sits ascender + half-leading below the top of the box.
        let result = try render("H")
        #expect(result.boxHeight == 48, "one line is fontSize × lineHeight (40 × 1.2)")
        #expect(h > 30 && h < 42)
    }

    @Test func linesWrapToTheBoxWidthAndInkStaysInside() throws {
        let result = try render("the quick brown fox jumps over the lazy dog", size: 20, width: 120)
        #expect(result.boxWidth == 120)
        #expect(result.boxHeight >= 24 * 3, "several lines, found height \(result.boxHeight)")
        let ink = try #require(inkBounds(result.raster))
        #expect(Double(ink.minX) >= result.originX - 1)
        #expect(Double(ink.maxX) <= result.originX + 120 + 1)
    }

    @Test func aLongWordBreaksBetweenCharacters() throws {
        let result = try render("Supercalifragilisticexpialidocious", size: 20, width: 80)
        #expect(result.boxHeight >= 24 * 3)
        let ink = try #require(inkBounds(result.raster))
        #expect(Double(ink.maxX) <= result.originX + 81)
    }

    @Test func noWrapWithoutABoxOrWhenWrappingIsOff() throws {
        let free = try render("one two three four", size: 20)
        #expect(free.boxHeight == 24)
        let unwrapped = try render("one two three four", size: 20, width: 50) { $0.wraps = false }
        #expect(unwrapped.boxHeight == 24)
    }

    @Test func alignmentMovesLinesInsideTheBox() throws {
        func inkCentre(_ alignment: TextAlignment) throws -> Double {
            let result = try render("Hi", size: 20, width: 200) { $0.alignment = alignment }
            let ink = try #require(inkBounds(result.raster))
            return Double(ink.minX + ink.maxX) / 2 - result.originX
        }
        let left = try inkCentre(.left), centre = try inkCentre(.center), right = try inkCentre(.right)
        #expect(left < 30)
        #expect(abs(centre - 100) < 4)
        #expect(right > 170)
    }

    @Test func letterSpacingAddsBetweenCharacters() throws {
        let plain = try render("abcd").boxWidth
        let spaced = try render("abcd") { $0.letterSpacing = 10 }.boxWidth
        #expect(abs(spaced - plain - 30) < 0.01)
    }

    @Test func fillAndStrokePaintTheGlyph() throws {
        // U+2588 FULL BLOCK is a solid rectangle in DejaVu Sans.
        let filled = try render("\u{2588}", size: 60) { $0.fill = .solid(RGBAColor(red: 1, green: 0, blue: 0)) }
        let ink = try #require(inkBounds(filled.raster))
        #expect(filled.raster.pixel(x: (ink.minX + ink.maxX) / 2, y: (ink.minY + ink.maxY) / 2) == SIMD4(255, 0, 0, 255))
        let stroked = try render("\u{2588}", size: 60) {
            $0.fill = .solid(RGBAColor(red: 1, green: 0, blue: 0))
            $0.stroke = .solid(RGBAColor(red: 0, green: 0, blue: 1))
            $0.strokeWidth = 6
        }
        let outer = try #require(inkBounds(stroked.raster))
        #expect(outer.maxX - outer.minX >= ink.maxX - ink.minX + 5, "the stroke grows the glyph by half its width each side")
        #expect(stroked.raster.pixel(x: (outer.minX + outer.maxX) / 2, y: outer.minY + 1) == SIMD4(0, 0, 255, 255))
        #expect(stroked.raster.pixel(x: (outer.minX + outer.maxX) / 2, y: (outer.minY + outer.maxY) / 2) == SIMD4(255, 0, 0, 255))
    }

    @Test func boldIsHeavierThanRegular() throws {
        func inkAmount(_ weight: Int) throws -> Int {
            let raster = try render("Reel") { $0.fontWeight = weight }.raster
            return (0..<(raster.width * raster.height)).reduce(0) { $0 + Int(raster.pixels[$1 * 4 + 3]) }
        }
        #expect(try inkAmount(700) > inkAmount(400) * 11 / 10)
    }

    @Test func documentFontsAreUsedByFamily() throws {
        let serifFile = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
        let supplied = FontFace(family: "Brand Serif", weight: 400, italic: false, source: .file(serifFile))
        let content = TextContent(text: "Hello Reel", fontFamily: "Brand Serif", fontSize: 30)
        let brand = try TextRasterizer.render(content, boxWidth: nil, boxHeight: nil, fonts: [supplied])
        var serif = content
        serif.fontFamily = "DejaVu Serif"
        var sans = content
        sans.fontFamily = "DejaVu Sans"
        #expect(brand.matchedFamily)
        #expect(brand.boxWidth == (try TextRasterizer.render(serif, boxWidth: nil, boxHeight: nil).boxWidth))
        #expect(brand.boxWidth != (try TextRasterizer.render(sans, boxWidth: nil, boxHeight: nil).boxWidth))
    }

    @Test func unknownFamiliesFallBackToDejaVuSans() throws {
        let missing = try render("Reel") { $0.fontFamily = "No Such Family" }
        let fallback = try render("Reel") { $0.fontFamily = "DejaVu Sans" }
        #expect(!missing.matchedFamily)
        #expect(missing.boxWidth == fallback.boxWidth)
    }

    @Test func aMissingFontFileIsAnError() {
        let supplied = FontFace(family: "Gone", weight: 400, italic: false, source: .file("/nonexistent/font.ttf"))
        #expect(throws: TextError.self) {
            try TextRasterizer.render(TextContent(text: "x", fontFamily: "Gone"), boxWidth: nil, boxHeight: nil, fonts: [supplied])
        }
    }
}
