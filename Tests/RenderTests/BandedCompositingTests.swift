import Compositor
import Foundation
import Media
import Testing
import Timeline

/// A frame drawn in bands of rows on several threads is the frame drawn on one, byte for byte.
@Suite struct BandedCompositingTests {
    /// Everything that draws differently: a gradient background, rotated and sub-pixel layers, a
    /// stroked and shadowed title, a blurred rotating image, a conic shape, and transitions that
    /// work on the canvas (wipe, light sweep) in progress.
    func busyDocument(_ folder: TemporaryFolder) throws -> String {
        let photo = try folder.png("photo.png", width: 120, height: 80) { x, y in
            SIMD4(UInt8(x * 2), UInt8(y * 3), UInt8((x + y) % 256), UInt8(128 + (x * y) % 128))
        }
        let full = #""transform": { "x": "50%", "y": "50%", "width": "100%", "height": "100%" }"#
        return document(width: 320, height: 182, background: ##"{ "type": "linear", "angle": 135, "stops": [ { "offset": 0, "color": "#1d2b64" }, { "offset": 1, "color": "#f8cdda" } ] }"##,
            """
            { "type": "rect", "start": 0, "duration": 2, \(full), "style": { "fill": "#203040" } }
            """, """
            { "type": "rect", "start": 0.5, "duration": 1.5, \(full), "style": { "fill": "#804020" },
              "transition": { "type": "wipe", "duration": 1, "direction": "down" } }
            """, """
            { "type": "rect", "start": 0, "duration": 2, "transform": { "x": 100.3, "y": 90.7, "width": 90, "height": 60, "rotation": 17 },
              "style": { "fill": { "type": "conic", "stops": [ { "offset": 0, "color": "#ff5e62" }, { "offset": 1, "color": "#ffd200" } ] },
                         "borderRadius": 12 },
              "keyframes": [ { "property": "rotation", "frames": [ { "time": 0, "value": 0 }, { "time": 2, "value": 90 } ] } ] }
            """, """
            { "type": "image", "src": "\(photo)", "start": 0, "duration": 2, "transform": { "x": 220, "y": 70, "width": 120, "height": 80 },
              "style": { "filters": [ { "type": "blur", "value": 3 } ] },
              "keyframes": [ { "property": "rotation", "frames": [ { "time": 0, "value": -10 }, { "time": 2, "value": 30 } ] },
                             { "property": "scale", "frames": [ { "time": 0, "value": 0.8 }, { "time": 2, "value": 1.3 } ] } ] }
            """, """
            { "type": "circle", "start": 0, "duration": 2, "transform": { "x": 40.5, "y": 150.25 }, "size": 50, "opacity": 0.6,
              "style": { "fill": "#38ef7d", "stroke": "#ffffff", "strokeWidth": 4 } }
            """, """
            { "type": "text", "text": "Banded, byte for byte", "start": 0, "duration": 2, "transform": { "x": 160, "y": 40 },
              "style": { "fontSize": 26, "fill": "#ffffff", "stroke": "#000000", "strokeWidth": 2, "shadowColor": "#000000", "shadowBlur": 4 },
              "transition": { "type": "lightSweep", "duration": 1.5 } }
            """)
    }

    @Test(arguments: [0.0, 0.7, 1.0, 1.3])
    func bandsDrawTheSameBytes(at seconds: Double) throws {
        let folder = TemporaryFolder()
        let timeline = try timeline(try busyDocument(folder))
        let items = timeline.drawList(at: seconds)
        func compositor(bands: Int) -> FrameCompositor {
            let compositor = FrameCompositor(canvas: timeline.canvas, media: MediaLibrary())
            compositor.bands = bands
            compositor.bandingFloor = 0
            return compositor
        }
        let one = compositor(bands: 1), many = compositor(bands: 5), thin = compositor(bands: 3)
        // Bands of at most 8 rows: many more bands than threads, taken one after another.
        thin.bandHeight = 8
        #expect(many.bandRows(height: 182).count > 1, "the frame is really split")
        #expect(thin.bandRows(height: 182).count == 23 && thin.bandRows(height: 182).allSatisfy { $0.count <= 8 })
        let single = try one.render(items)
        for other in [many, thin] {
            let banded = try other.render(items)
            #expect(Data(bytes: single.pixels, count: single.byteCount) == Data(bytes: banded.pixels, count: banded.byteCount))
            let planarOne = PlanarImage(width: 320, height: 182), planarMany = PlanarImage(width: 320, height: 182)
            try one.render(items, into: planarOne)
            try other.render(items, into: planarMany)
            #expect(planarOne.packedSamples() == planarMany.packedSamples())
        }
        // And the frame is not blank: the test compares pictures with something in them.
        let grid = (0..<40).flatMap { x in (0..<22).map { y in single.pixel(x: x * 8, y: y * 8) } }
        #expect(Set(grid).count >= 4)
    }

    /// A render's way: one compositor (its band threads started once), one draw list evaluated
    /// again into the storage of the frame before, frame after frame, forwards and back, with clips
    /// starting and ending. Every list equals a fresh one, every frame the one-band frame.
    @Test func framesAfterFramesReuseTheirListAndThreads() throws {
        let folder = TemporaryFolder()
        let timeline = try timeline(try busyDocument(folder))
        let schedule = timeline.schedule()
        let reused = FrameCompositor(canvas: timeline.canvas, media: MediaLibrary())
        reused.bands = 3
        reused.bandingFloor = 0
        var items: [DrawItem] = []
        var counts: Set<Int> = []
        for seconds in [0.0, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 0.2, 1.0, 0.55, 1.95] {
            schedule.drawList(at: seconds, into: &items)
            let fresh = schedule.drawList(at: seconds)
            #expect(items == fresh, "the list at \(seconds) s")
            counts.insert(items.count)
            let single = FrameCompositor(canvas: timeline.canvas, media: MediaLibrary())
            single.bands = 1
            let expected = try single.render(fresh), drawn = try reused.render(items)
            #expect(Data(bytes: expected.pixels, count: expected.byteCount) == Data(bytes: drawn.pixels, count: drawn.byteCount),
                    "the frame at \(seconds) s")
        }
        #expect(counts.count > 1, "clips came and went between the frames")
    }
}
