import Compositor
import Foundation
import Media
import Testing
import Timeline

/// Image and video boxes far larger than the canvas: only the part the canvas shows is scaled.
@Suite struct BoundedPictureTests {
    /// The frame at 0 s of `json`, drawn with a compositor of its own, and its largest layer raster.
    func draw(_ json: String, windowing: FrameCompositor.LayerWindowing = .automatic) throws -> (frame: Raster, largest: Int) {
        let timeline = try timeline(json)
        let compositor = FrameCompositor(canvas: timeline.canvas, media: MediaLibrary())
        compositor.layerWindowing = windowing
        let frame = try compositor.render(timeline.drawList(at: 0))
        return (frame, compositor.largestLayerPixels)
    }

    func image(_ path: String, x: Double, y: Double, width: Double, height: Double, fit: String = "fill",
               style: String = "") -> String {
        document(width: 320, height: 180, """
            { "type": "image", "src": "\(path)", "start": 0, "duration": 1,
              "transform": { "x": \(x), "y": \(y), "width": \(width), "height": \(height), "anchor": "top-left" },
              "style": { "objectFit": "\(fit)" \(style) } }
            """)
    }

    /// A 200×100 image in three bands: red [0, 50), green [50, 150), blue [150, 200).
    func bands(_ folder: TemporaryFolder) throws -> String {
        try folder.png("bands.png", width: 200, height: 100) { x, _ in x < 50 ? red : x < 150 ? green : blue }
    }

    @Test func aHugeImageBoxScalesOnlyTheVisiblePart() throws {
        let folder = TemporaryFolder()
        let path = try bands(folder)
        // 30000 × 15000: the red–green boundary (x = 7500 in the box) lands on canvas x = 160.
        let started = Date()
        let (frame, largest) = try draw(image(path, x: 160 - 7500, y: -7000, width: 30000, height: 15000))
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(largest <= 4 * 320 * 180, "the largest layer raster had \(largest) pixels")
        // Magnified 150×, the boundary blends over one source pixel: 150 canvas pixels around 160.
        #expect(close(frame.pixel(x: 5, y: 5), red))
        #expect(close(frame.pixel(x: 8, y: 175), red))
        #expect(close(frame.pixel(x: 312, y: 90), green))
        let middle = frame.pixel(x: 160, y: 90)
        #expect(middle.x > 90 && middle.x < 165 && middle.y > 90 && middle.y < 165, "half way at the boundary: \(middle)")
        #expect(frame.pixel(x: 100, y: 90).x > middle.x && frame.pixel(x: 220, y: 90).y > middle.y)
    }

    @Test func aHugelyMagnifiedImageIsSampledInTheWindow() throws {
        let folder = TemporaryFolder()
        let path = try bands(folder)
        // Magnified 500×: the blue band starts at x = 75000 in the box; its middle is at 87500.
        let (frame, largest) = try draw(image(path, x: 160 - 87500, y: -20000, width: 100_000, height: 50_000))
        #expect(largest <= 4 * 320 * 180)
        #expect(close(frame.pixel(x: 0, y: 0), blue))
        #expect(close(frame.pixel(x: 319, y: 179), blue))
        // Across the green–blue boundary (box x 75000 at canvas x 160): the pixel centres of the
        // last green and first blue source pixels are at box x 74750 and 75250, and the colour
        // runs linearly between them.
        let (edge, _) = try draw(image(path, x: 160 - 75000, y: -20000, width: 100_000, height: 50_000))
        #expect(close(edge.pixel(x: 20, y: 90), SIMD4(0, 199, 56, 255)), "\(edge.pixel(x: 20, y: 90))")
        #expect(close(edge.pixel(x: 160, y: 90), SIMD4(0, 127, 128, 255)), "\(edge.pixel(x: 160, y: 90))")
        #expect(close(edge.pixel(x: 300, y: 90), SIMD4(0, 56, 199, 255)), "\(edge.pixel(x: 300, y: 90))")
    }

    @Test func coverAndContainFitTheWholeBox() throws {
        let folder = TemporaryFolder()
        let path = try bands(folder)
        // Cover in a 30000-px square: the centred 100×100 of the image, all green; its left edge
        // is the image's x = 50, the red–green boundary, at canvas x = 0 + 0.
        let (cover, _) = try draw(image(path, x: -15000 + 160, y: -15000 + 90, width: 30000, height: 30000, fit: "cover"))
        #expect(close(cover.pixel(x: 160, y: 90), green))
        // Contain in the same square: the image is 30000 × 15000, centred, black bars above and below.
        let (contain, largest) = try draw(image(path, x: -15000 + 160, y: -7500 + 90, width: 30000, height: 30000, fit: "contain"))
        #expect(largest <= 4 * 320 * 180)
        #expect(contain.pixel(x: 160, y: 10) == black, "the bar above the picture")
        #expect(close(contain.pixel(x: 160, y: 170), green))
    }

    @Test func roundedCornersFollowTheWholeBox() throws {
        let folder = TemporaryFolder()
        let path = try folder.png("red.png", width: 4, height: 4) { _, _ in red }
        // The canvas shows the top-left corner of a 30000-px box with a 5000-px corner radius.
        let (frame, largest) = try draw(image(path, x: -100, y: -100, width: 30000, height: 30000,
                                              style: ", \"borderRadius\": 5000"))
        #expect(largest <= 4 * 320 * 180)
        // Box pixels (100...420, 100...280) all lie outside the arc about (5000, 5000); a radius
        // clamped to the window's own size would leave most of them red.
        #expect(frame.pixel(x: 0, y: 0) == black)
        #expect(frame.pixel(x: 160, y: 90) == black)
        #expect(frame.pixel(x: 319, y: 179) == black)
        // The arc crosses (1464, 1464), which lands on the canvas centre here.
        let (arc, _) = try draw(image(path, x: 160 - 1464, y: 90 - 1464, width: 30000, height: 30000,
                                      style: ", \"borderRadius\": 5000"))
        #expect(arc.pixel(x: 140, y: 70) == black, "towards the corner: outside")
        #expect(arc.pixel(x: 180, y: 110) == red, "away from the corner: inside")
    }

    @Test func windowedImagesMatchTheWholeBox() throws {
        let folder = TemporaryFolder()
        // A smooth image, so that the comparison is about geometry, not ringing at hard edges.
        let path = try folder.png("ramp.png", width: 64, height: 48) { x, y in SIMD4(UInt8(x * 4), UInt8(y * 5), 128, 255) }
        for fit in ["fill", "cover", "contain"] {
            let json = image(path, x: -400, y: -300, width: 1600, height: 1100, fit: fit, style: ", \"borderRadius\": 600")
            let windowed = try draw(json, windowing: .always), whole = try draw(json, windowing: .never)
            var worst = 0
            for y in 0..<180 {
                for x in 0..<320 {
                    let a = windowed.frame.pixel(x: x, y: y), b = whole.frame.pixel(x: x, y: y)
                    worst = max(worst, (0..<4).map { abs(Int(a[$0]) - Int(b[$0])) }.max()!)
                }
            }
            #expect(worst <= 3, "\(fit): windowed and whole differ by \(worst)")
            #expect(windowed.largest * 4 < whole.largest, "\(fit): \(windowed.largest) vs \(whole.largest)")
        }
    }

    @Test func aHugeVideoBoxScalesOnlyTheVisiblePart() throws {
        let folder = TemporaryFolder()
        let path = folder.file("one.mp4")
        // Every frame shows index 1: the first 8-pixel column white, the rest black.
        try MediaFixtures.video(at: path, count: 3, frame: { _ in MediaFixtures.indexFrame(1) })
        func video(x: Double) -> String {
            """
            { "meta": { "width": 128, "height": 32, "fps": 30 },
              "tracks": [ { "clips": [ { "type": "video", "src": "\(path)", "start": 0, "duration": 0.1,
                "transform": { "x": \(x), "y": -3000, "width": 25600, "height": 6400, "anchor": "top-left" },
                "style": { "objectFit": "fill" } } ] } ] }
            """
        }
        // Magnified 200×: source x 5 (white) is box x 1000; source x 12 (black) is box x 2400.
        let (white, largest) = try draw(video(x: -1000))
        #expect(largest <= 4 * 128 * 32 + 65536)
        #expect(white.pixel(x: 64, y: 16).x > 230)
        let (dark, _) = try draw(video(x: -2400))
        #expect(dark.pixel(x: 64, y: 16).x < 25)
    }
}
