import Testing
import Timeline
@testable import Compositor

/// Where clips land: anchors, percentages, rotation, scale, z-order and opacity, read from pixels.
@Suite struct PlacementTests {
    @Test(arguments: [
        // anchor, the rectangle's expected top-left corner for a 20×10 box at (50, 50)
        ("top-left", 50, 50), ("center", 40, 45), ("bottom-right", 30, 40), ("top", 40, 50),
        ("right", 30, 45), ("bottom-left", 50, 40),
    ])
    func anchorsPlaceTheBoxCorner(anchor: String, left: Int, top: Int) throws {
        let image = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1,
              "transform": { "x": 50, "y": 50, "width": 20, "height": 10, "anchor": "\(anchor)" },
              "style": { "fill": "#ffffff" } }
            """))
        #expect(image.pixel(x: left, y: top) == white)
        #expect(image.pixel(x: left + 19, y: top + 9) == white)
        #expect(image.pixel(x: left - 1, y: top) == black)
        #expect(image.pixel(x: left + 20, y: top + 9) == black)
        #expect(image.pixel(x: left, y: top + 10) == black)
    }

    @Test func percentagesAreOfTheCanvas() throws {
        let image = try frame(document(width: 200, height: 100, """
            { "type": "rect", "start": 0, "duration": 1,
              "transform": { "x": "25%", "y": "50%", "width": "10%", "height": "20%", "anchor": "top-left" } }
            """))
        // 25% of 200 = 50, 50% of 100 = 50; 10% of 200 = 20 wide, 20% of 100 = 20 high.
        #expect(image.pixel(x: 50, y: 50) == white)
        #expect(image.pixel(x: 69, y: 69) == white)
        #expect(image.pixel(x: 70, y: 60) == black)
        #expect(image.pixel(x: 60, y: 70) == black)
        #expect(image.pixel(x: 49, y: 55) == black)
    }

    @Test func positionDefaultsToTheCanvasCentre() throws {
        let image = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1, "transform": { "width": 10, "height": 10 } }
            """))
        #expect(image.pixel(x: 45, y: 45) == white)
        #expect(image.pixel(x: 54, y: 54) == white)
        #expect(image.pixel(x: 44, y: 50) == black)
        #expect(image.pixel(x: 55, y: 50) == black)
    }

    @Test func skewShearsTheBoxAboutTheAnchorAsCSSDoes() throws {
        // A 40×40 square sheared 45° along x: the row 15 px below the centre spans 15 px further
        // right (CSS skew(45deg, 0): x' = x + tan 45° · y, y down), the row above 15 px further left.
        let leaning = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1,
              "transform": { "x": 50, "y": 50, "width": 40, "height": 40, "skew": [45, 0] } }
            """))
        // Below the centre: x from 45 to 85.
        #expect(leaning.pixel(x: 82, y: 65) == white)
        #expect(leaning.pixel(x: 42, y: 65) == black)
        // Above the centre: x from 15 to 55.
        #expect(leaning.pixel(x: 18, y: 35) == white)
        #expect(leaning.pixel(x: 58, y: 35) == black)
        // Along y, one number is along x only, and a shear keeps the rotation after it.
        let down = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1,
              "transform": { "x": 50, "y": 50, "width": 40, "height": 40, "skew": [0, 45] } }
            """))
        #expect(down.pixel(x: 65, y: 82) == white && down.pixel(x: 65, y: 42) == black)
        let single = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1, "transform": { "x": 50, "y": 50, "width": 40, "height": 40, "skew": 45 } }
            """))
        #expect(single.pixel(x: 82, y: 65) == white && single.pixel(x: 42, y: 65) == black)
        let turned = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1,
              "transform": { "x": 50, "y": 50, "width": 40, "height": 40, "skew": [45, 0], "rotation": 90 } }
            """))
        // Turned a quarter clockwise, the lean along x becomes a lean along y, the other way round.
        #expect(turned.pixel(x: 35, y: 82) == white && turned.pixel(x: 35, y: 42) == black)
        // An unsheared square is unchanged by `skew: [0, 0]`.
        let plain = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1, "transform": { "x": 50, "y": 50, "width": 40, "height": 40, "skew": [0, 0] } }
            """))
        #expect(plain.pixel(x: 30, y: 30) == white && plain.pixel(x: 69, y: 69) == white && plain.pixel(x: 70, y: 50) == black)
    }

    @Test func rotationTurnsClockwiseAboutTheAnchor() throws {
        // A 40×10 bar rotated 90° about its centre stands upright.
        let upright = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1,
              "transform": { "x": 50, "y": 50, "width": 40, "height": 10, "rotation": 90 } }
            """))
        #expect(upright.pixel(x: 50, y: 32) == white)
        #expect(upright.pixel(x: 50, y: 67) == white)
        #expect(upright.pixel(x: 32, y: 50) == black)
        #expect(upright.pixel(x: 67, y: 50) == black)

        // Rotating about the top-left anchor by 90° clockwise swings the bar down from (50, 50).
        let swung = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1,
              "transform": { "x": 50, "y": 50, "width": 40, "height": 10, "anchor": "top-left", "rotation": 90 } }
            """))
        #expect(swung.pixel(x: 45, y: 70) == white, "the bar now runs down and to the left of x = 50")
        #expect(swung.pixel(x: 55, y: 70) == black)
        #expect(swung.pixel(x: 60, y: 52) == black)
    }

    @Test func rotatedEdgesAreAntiAliased() throws {
        let image = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1,
              "transform": { "x": 50, "y": 50, "width": 40, "height": 40, "rotation": 30 } }
            """))
        let row = (0..<100).map { Int(image.pixel(x: $0, y: 50).x) }
        #expect(row.contains { $0 > 20 && $0 < 235 }, "an edge pixel is partly covered")
        #expect(row[50] == 255)
    }

    @Test func scaleGrowsAboutTheAnchor() throws {
        let image = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1,
              "transform": { "x": 50, "y": 50, "width": 10, "height": 10, "scale": [3, 2] } }
            """))
        #expect(image.pixel(x: 36, y: 41) == white)
        #expect(image.pixel(x: 63, y: 58) == white)
        #expect(image.pixel(x: 34, y: 50) == black)
        #expect(image.pixel(x: 50, y: 39) == black)
    }

    @Test func zIndexThenStartDecideTheOrder() throws {
        let image = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1, "zIndex": 1,
              "transform": { "x": 40, "y": 50, "width": 40, "height": 40 }, "style": { "fill": "#ff0000" } }
            """, """
            { "type": "rect", "start": 0, "duration": 1,
              "transform": { "x": 60, "y": 50, "width": 40, "height": 40 }, "style": { "fill": "#0000ff" } }
            """, """
            { "type": "rect", "start": 0.05, "duration": 1,
              "transform": { "x": 75, "y": 65, "width": 20, "height": 20 }, "style": { "fill": "#00ff00" } }
            """), at: 0.1)
        #expect(image.pixel(x: 50, y: 50) == red, "zIndex 1 draws over zIndex 0 though it comes first")
        #expect(image.pixel(x: 75, y: 40) == blue)
        #expect(image.pixel(x: 72, y: 62) == green, "with equal zIndex the later start draws on top")
    }

    @Test func opacityBlendsOverTheBackground() throws {
        let image = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1, "opacity": 0.5,
              "transform": { "x": 50, "y": 50, "width": 20, "height": 20 } }
            """, """
            { "type": "rect", "start": 0, "duration": 1, "opacity": 0.2,
              "transform": { "x": 20, "y": 20, "width": 20, "height": 20 }, "style": { "opacity": 1 } }
            """))
        #expect(close(image.pixel(x: 50, y: 50), SIMD4(128, 128, 128, 255), tolerance: 1))
        #expect(image.pixel(x: 20, y: 20) == white, "style.opacity wins over the clip's opacity")
    }

    @Test func clipsShowOnlyInTheirWindow() throws {
        let json = document("""
            { "type": "rect", "start": 1, "duration": 0.5, "transform": { "width": 20, "height": 20 } }
            """)
        #expect(try frame(json, at: 0.9).pixel(x: 50, y: 50) == black)
        #expect(try frame(json, at: 1.0).pixel(x: 50, y: 50) == white)
        #expect(try frame(json, at: 1.4).pixel(x: 50, y: 50) == white)
        #expect(try frame(json, at: 1.5).pixel(x: 50, y: 50) == black)
    }
}
