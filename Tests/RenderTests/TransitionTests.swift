import Testing

/// Golden frames: each transition at its start, middle and end, over the clip before it.
@Suite struct TransitionTests {
    /// Red fills the canvas from 0 to 2 s; blue fills it from 1 s with `transition` (1 s long).
    func scene(_ transition: String) -> String {
        let full = #""transform": { "x": "50%", "y": "50%", "width": "100%", "height": "100%" }"#
        return document("""
            { "type": "rect", "start": 0, "duration": 2, \(full), "style": { "fill": "#ff0000" } }
            """, """
            { "type": "rect", "start": 1, "duration": 2, \(full), "style": { "fill": "#0000ff" }, "transition": \(transition) }
            """)
    }

    func pixels(_ json: String, at t: Double, _ points: [(Int, Int)]) throws -> [SIMD4<UInt8>] {
        let image = try frame(json, at: t)
        return points.map { image.pixel(x: $0.0, y: $0.1) }
    }

    @Test func fadeDissolves() throws {
        let json = scene(#"{ "type": "fade", "duration": 1 }"#)
        #expect(try pixels(json, at: 1, [(50, 50)]) == [red])
        #expect(close(try pixels(json, at: 1.5, [(50, 50)])[0], SIMD4(127, 0, 128, 255), tolerance: 1), "an even mix")
        #expect(try pixels(json, at: 2, [(50, 50)]) == [blue])
    }

    @Test func wipeAtHalfwayCoversHalfTheFrame() throws {
        let json = scene(#"{ "type": "wipe", "duration": 1, "direction": "right" }"#)
        let middle = try frame(json, at: 1.5)
        let blueColumns = (0..<100).filter { middle.pixel(x: $0, y: 50) == blue }
        #expect(blueColumns == Array(0..<50), "the left half is revealed")
        #expect(try pixels(json, at: 1, [(1, 50)]) == [red])
        #expect(try pixels(json, at: 2, [(99, 50)]) == [blue])
        let down = try frame(scene(#"{ "type": "wipe", "duration": 1, "direction": "down" }"#), at: 1.25)
        #expect((0..<100).filter { down.pixel(x: 50, y: $0) == blue } == Array(0..<25))
    }

    @Test func slideComesInFromTheEdgeOverTheClipBefore() throws {
        let json = scene(#"{ "type": "slide", "duration": 1, "direction": "left" }"#)
        #expect(try pixels(json, at: 1, [(5, 50), (95, 50)]) == [red, red])
        #expect(try pixels(json, at: 1.5, [(45, 50), (55, 50)]) == [red, blue], "travelling left, it has covered the right half")
        #expect(try pixels(json, at: 2, [(5, 50)]) == [blue])
    }

    @Test func pushMovesTheClipBeforeOutAhead() throws {
        // Red carries a white marker at its centre (same track) to show it moving.
        let json = document("""
            { "type": "rect", "start": 0, "duration": 2, "transform": { "x": 50, "y": 50, "width": 100, "height": 100 }, "style": { "fill": "#ff0000" } }
            """, """
            { "type": "rect", "start": 0, "duration": 2, "zIndex": 1, "transform": { "x": 50, "y": 50, "width": 10, "height": 10 } }
            """, """
            { "type": "rect", "start": 1, "duration": 2, "zIndex": 2, "transform": { "x": 50, "y": 50, "width": 100, "height": 100 },
              "style": { "fill": "#0000ff" }, "transition": { "type": "push", "duration": 1, "direction": "left" } }
            """)
        let middle = try frame(json, at: 1.5)
        #expect(middle.pixel(x: 20, y: 50) == red, "the red clip has moved half a canvas left")
        #expect(middle.pixel(x: 75, y: 50) == blue)
        #expect(middle.pixel(x: 50, y: 50) == blue)
        // The marker shares the track, so it is pushed too: its centre is now at x = 0.
        #expect(middle.pixel(x: 2, y: 50) == white)
        #expect(middle.pixel(x: 8, y: 50) == red)
    }

    @Test func pushLeavesOtherTracksAlone() throws {
        let json = """
            { "meta": { "width": 100, "height": 100, "fps": 10 }, "tracks": [
              { "clips": [
                { "type": "rect", "start": 0, "duration": 2, "transform": { "width": 100, "height": 100 }, "style": { "fill": "#ff0000" } },
                { "type": "rect", "start": 1, "duration": 2, "transform": { "width": 100, "height": 100 }, "style": { "fill": "#0000ff" },
                  "transition": { "type": "push", "duration": 1, "direction": "left" } } ] },
              { "clips": [ { "type": "rect", "start": 0, "duration": 3, "zIndex": 5, "transform": { "width": 10, "height": 10 } } ] } ] }
            """
        let middle = try frame(json, at: 1.5)
        #expect(middle.pixel(x: 50, y: 50) == white, "the marker on the other track stays put")
        #expect(middle.pixel(x: 20, y: 50) == red)
    }

    @Test func zoomGrowsAndFades() throws {
        let json = scene(#"{ "type": "zoom", "duration": 1, "scale": 0.5 }"#)
        let middle = try frame(json, at: 1.5)
        // Scale 0.75 → 75 px wide, opacity 0.5.
        let covered = (0..<100).filter { middle.pixel(x: $0, y: 50).z > 60 }
        #expect(covered.count == 75)
        #expect(close(middle.pixel(x: 50, y: 50), SIMD4(127, 0, 128, 255), tolerance: 1))
        #expect(try pixels(json, at: 2, [(1, 50)]) == [blue])
    }

    @Test func blurSoftensAndFades() throws {
        let json = document("""
            { "type": "rect", "start": 1, "duration": 2, "transform": { "x": 50, "y": 50, "width": 40, "height": 40 },
              "transition": { "type": "blur", "duration": 1, "blur": 8 } }
            """)
        let middle = try frame(json, at: 1.5)
        let edge = (20...40).map { Int(middle.pixel(x: $0, y: 50).x) }
        #expect(edge.filter { $0 > 5 && $0 < 120 }.count >= 6, "a blurred edge spreads over pixels: \(edge)")
        #expect(abs(Int(middle.pixel(x: 50, y: 50).x) - 128) <= 3, "the middle is half faded in")
        let end = try frame(json, at: 2)
        #expect(end.pixel(x: 30, y: 50) == white && end.pixel(x: 29, y: 50) == black, "sharp once it is over")
    }

    @Test func irisOpensFromTheCentre() throws {
        let json = scene(#"{ "type": "iris", "duration": 1 }"#)
        // Halfway the radius is half the half-diagonal: 35.4 px.
        #expect(try pixels(json, at: 1.5, [(50, 50), (80, 50), (88, 50), (5, 5)]) == [blue, blue, red, red])
        #expect(try pixels(json, at: 2, [(0, 0)]) == [blue])
    }

    @Test func spinTurnsGrowsAndFades() throws {
        let json = document("""
            { "type": "rect", "start": 1, "duration": 2, "transform": { "x": 50, "y": 50, "width": 60, "height": 10 },
              "transition": { "type": "spin", "duration": 1, "rotation": 180 } }
            """)
        let middle = try frame(json, at: 1.5)
        // 90° left to turn, scale 0.5, opacity 0.5: a vertical bar 30 tall.
        #expect(abs(Int(middle.pixel(x: 50, y: 60).x) - 128) <= 2)
        #expect(middle.pixel(x: 50, y: 70).x == 0 && middle.pixel(x: 65, y: 50).x == 0)
        let end = try frame(json, at: 2)
        #expect(end.pixel(x: 75, y: 50).x == 255)
    }

    @Test func lightSweepBrightensABandAcrossTheClip() throws {
        let json = scene(#"{ "type": "lightSweep", "duration": 1, "intensity": 1 }"#)
        let middle = try frame(json, at: 1.5)
        let row = (0..<100).map { middle.pixel(x: $0, y: 50) }
        #expect(row.contains { $0.y > 60 }, "the band adds white light to the blue clip")
        #expect(row.contains { close($0, SIMD4(127, 0, 128, 255), tolerance: 1) }, "away from the band it is half faded in")
        #expect(try pixels(json, at: 2, [(50, 50)]) == [blue])
    }

    @Test func aCrossfadeIsTwoOverlappingClipsAndAFade() throws {
        // The documented recipe: B starts 1 s before A ends, with a 1 s fade.
        let json = scene(#"{ "type": "fade", "duration": 1, "easing": "easeInOutSine" }"#)
        let quarter = try frame(json, at: 1.25).pixel(x: 50, y: 50)
        let expected = (1 - cos(Double.pi * 0.25)) / 2
        #expect(abs(Double(quarter.z) / 255 - expected) < 0.01)
    }
}

/// Golden frames: each filter against its formula.
@Suite struct FilterTests {
    /// A full-canvas rect of `color` with `filters`.
    func filtered(_ color: String, _ filters: String) throws -> SIMD4<UInt8> {
        try frame(document("""
            { "type": "rect", "start": 0, "duration": 1, "transform": { "x": 50, "y": 50, "width": 100, "height": 100 },
              "style": { "fill": "\(color)", "filters": [ \(filters) ] } }
            """)).pixel(x: 50, y: 50)
    }

    @Test func colourFiltersFollowTheirFormulas() throws {
        #expect(close(try filtered("rgb(200,100,50)", #"{ "type": "brightness", "value": 0.5 }"#), SIMD4(100, 50, 25, 255), tolerance: 1))
        #expect(close(try filtered("rgb(200,100,50)", #"{ "type": "contrast", "value": 0.5 }"#), SIMD4(164, 114, 89, 255), tolerance: 1))
        #expect(close(try filtered("#ff0000", #"{ "type": "grayscale", "value": 1 }"#), SIMD4(54, 54, 54, 255), tolerance: 1))
        #expect(close(try filtered("#ff0000", #"{ "type": "saturate", "value": 0 }"#), SIMD4(54, 54, 54, 255), tolerance: 1))
        #expect(close(try filtered("rgb(100,100,100)", #"{ "type": "sepia", "value": 1 }"#), SIMD4(135, 120, 94, 255), tolerance: 1))
        #expect(try filtered("#ff0000", #"{ "type": "invert", "value": 1 }"#) == SIMD4(0, 255, 255, 255))
        #expect(close(try filtered("#ff0000", #"{ "type": "invert", "value": 0.5 }"#), SIMD4(128, 128, 128, 255), tolerance: 1))
        #expect(close(try filtered("rgb(200,100,50)", #"{ "type": "hue", "value": 360 }"#), SIMD4(200, 100, 50, 255), tolerance: 1))
        // hue-rotate(180deg) of pure red, from the CSS matrix: (−0.574, 0.426, 0.426) clamped → (0, 109, 109).
        #expect(close(try filtered("#ff0000", #"{ "type": "hue", "value": 180 }"#), SIMD4(0, 109, 109, 255), tolerance: 1))
    }

    @Test func filtersApplyInOrder() throws {
        // Invert then brightness 0.5: (0, 255, 255) → (0, 128, 128); the other order gives (128, 255, 255).
        #expect(close(try filtered("#ff0000", #"{ "type": "invert", "value": 1 }, { "type": "brightness", "value": 0.5 }"#),
                      SIMD4(0, 128, 128, 255), tolerance: 1))
    }

    @Test func blurKeepsTheMeanColour() throws {
        let json = { (filters: String) in
            document("""
                { "type": "rect", "start": 0, "duration": 1, "transform": { "x": 50, "y": 50, "width": 30, "height": 30 },
                  "style": { "filters": [ \(filters) ] } }
                """)
        }
        func mean(_ image: Compositor.Raster) -> Double {
            (0..<100).flatMap { y in (0..<100).map { x in Double(image.pixel(x: x, y: y).x) } }.reduce(0, +) / 10_000
        }
        let sharp = try frame(json("")), blurred = try frame(json(#"{ "type": "blur", "value": 6 }"#))
        #expect(abs(mean(sharp) - mean(blurred)) < 0.5, "\(mean(sharp)) vs \(mean(blurred))")
        #expect(blurred.pixel(x: 35, y: 50).x > 60 && blurred.pixel(x: 35, y: 50).x < 195, "the edge is soft")
        #expect(blurred.pixel(x: 30, y: 50).x > 0, "blur spreads beyond the box")
    }

    @Test func filtersWorkOnTextImagesAndVideo() throws {
        let folder = TemporaryFolder()
        let png = try folder.png("red.png", width: 20, height: 20) { _, _ in red }
        let image = try frame(document("""
            { "type": "image", "src": "\(png)", "start": 0, "duration": 1, "style": { "filters": [ { "type": "grayscale", "value": 1 } ] } }
            """))
        #expect(close(image.pixel(x: 50, y: 50), SIMD4(54, 54, 54, 255), tolerance: 1))
        let text = try frame(document(##"""
            { "type": "text", "text": "\u2588", "start": 0, "duration": 1, "style": { "fontSize": 60, "fill": "#ff0000",
              "filters": [ { "type": "invert", "value": 1 } ] } }
            """##))
        #expect(text.pixel(x: 50, y: 50) == SIMD4(0, 255, 255, 255))
        let video = folder.file("clip.mp4")
        try MediaFixtures.video(at: video, count: 3) { _ in
            let raster = Compositor.Raster(width: 32, height: 32)
            raster.fill(SIMD4(255, 255, 255, 255))
            return raster
        }
        let footage = try frame(document("""
            { "type": "video", "src": "\(video)", "start": 0, "duration": 1, "style": { "filters": [ { "type": "brightness", "value": 0.5 } ] } }
            """))
        #expect(close(footage.pixel(x: 50, y: 50), SIMD4(128, 128, 128, 255), tolerance: 3))
    }
}

import Compositor
import Foundation
