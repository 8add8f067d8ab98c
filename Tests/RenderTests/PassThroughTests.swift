import Compositor
import Encoder
import Foundation
import Media
import Render
import Testing
import Timeline

/// Golden tests of the Y'CbCr fast path: footage that covers the canvas reaches the encoder as
/// decoded, cross-fades mix the decoded pictures, overlays blend with the BT.709 matrix, and the
/// whole frame matches what the RGBA path draws.
@Suite struct PassThroughTests {
    static let width = 64, height = 32, fps = 30

    /// Smooth gradients that move a little every frame; `flipped` runs them the other way. A
    /// larger picture (`scale` 2) is the same gradient at twice the size.
    static func gradient(_ index: Int, flipped: Bool, scale: Int = 1) -> Raster {
        let raster = Raster(width: width * scale, height: height * scale)
        for y in 0..<raster.height {
            for x in 0..<raster.width {
                let u = flipped ? width - 1 - x / scale : x / scale, v = y / scale
                let p = raster.pixels + y * raster.bytesPerRow + x * 4
                p[0] = UInt8(u * 3 + index); p[1] = UInt8(v * 6 + 2 * index); p[2] = UInt8(100 + u - v); p[3] = 255
            }
        }
        return raster
    }

    let folder = TemporaryFolder()
    let a: String, b: String

    init() throws {
        a = folder.file("a.mp4")
        b = folder.file("b.mp4")
        try MediaFixtures.video(at: a, count: 30, frame: { Self.gradient($0, flipped: false) })
        try MediaFixtures.video(at: b, count: 30, frame: { Self.gradient($0, flipped: true) })
    }

    func renderer(_ clips: String...) throws -> Renderer {
        try Renderer(timeline: timeline(document(width: Self.width, height: Self.height, fps: Self.fps, clips.joined(separator: ",\n"))))
    }

    /// The decoded picture of `path` at `seconds`, copied out of the player.
    func decoded(_ path: String, at seconds: Double) throws -> PlanarImage {
        let library = MediaLibrary()
        let view = try #require(try library.videoPlanes(.file(path), player: "golden", at: seconds,
                                                        width: Self.width, height: Self.height))
        let image = PlanarImage(width: Self.width, height: Self.height)
        withExtendedLifetime(library) { YCbCr.copy(view, into: image.view) }
        return image
    }

    func video(_ path: String, start: Double, duration: Double, extra: String = "") -> String {
        #"{ "type": "video", "src": "\#(path)", "start": \#(start), "duration": \#(duration)\#(extra) }"#
    }

    @Test func footageCoveringTheCanvasReachesTheEncoderAsDecoded() throws {
        let render = try renderer(video(a, start: 0, duration: 1))
        for index in [0, 7, 29] {
            let frame = try render.planarFrame(atFrame: index)
            #expect(frame.packedSamples() == (try decoded(a, at: Double(index) / 30)).packedSamples(), "frame \(index)")
        }
    }

    /// Larger footage of the canvas's shape is scaled in Y'CbCr, and lands close to what scaling
    /// in RGBA gives.
    @Test func largerFootageIsScaledWithoutLeavingYCbCr() throws {
        let large = folder.file("large.mp4")
        try MediaFixtures.video(at: large, count: 10, frame: { Self.gradient($0, flipped: false, scale: 2) })
        let render = try renderer(video(large, start: 0, duration: 0.3,
                                        extra: #", "transform": { "x": "50%", "y": "50%", "width": "100%", "height": "100%" }"#))
        let frame = try render.planarFrame(atFrame: 4)
        let source = try decoded(large, at: 4.0 / 30)
        let passedThrough = frame.packedSamples() == source.packedSamples()
        #expect(passedThrough, "the player's scaled planes, as they are")
        let differences = zip(frame.packedSamples(), try render.planarFrame(atFrame: 4, passThrough: false).packedSamples())
            .map { abs(Int($0) - Int($1)) }
        #expect(differences.max()! <= 3)
        #expect(Double(differences.reduce(0, +)) / Double(differences.count) <= 0.5)
    }

    /// Untagged footage smaller than HD is read as BT.601, as the RGBA path reads it, so its
    /// samples cannot pass through to a BT.709 stream: the frame is drawn in RGBA instead.
    @Test func untaggedSDFootageIsConvertedNotPassedThrough() throws {
        let untagged = folder.file("untagged.mp4")
        var settings = EncoderSettings(crf: 12, preset: "ultrafast", includesAudio: false)
        settings.tagsColor = false
        try MediaFixtures.video(at: untagged, count: 3, settings: settings, frame: { Self.gradient($0, flipped: false) })
        let library = MediaLibrary()
        let planes = try library.videoPlanes(.file(untagged), player: "golden", at: 0, width: Self.width, height: Self.height)
        #expect(planes == nil)
        let render = try renderer(video(untagged, start: 0, duration: 0.1))
        let same = try render.planarFrame(atFrame: 1).packedSamples() == render.planarFrame(atFrame: 1, passThrough: false).packedSamples()
        #expect(same, "drawn as the RGBA path draws it")
        let tagged = try library.videoPlanes(.file(a), player: "golden", at: 0, width: Self.width, height: Self.height)
        #expect(tagged != nil, "the same footage tagged BT.709 passes")
    }

    @Test func aCrossFadeMixesTheDecodedPicturesAtOneOpacity() throws {
        let render = try renderer(video(a, start: 0, duration: 1),
                                  video(b, start: 0.5, duration: 0.5, extra: #", "transition": { "type": "fade", "duration": 0.5 }"#))
        let index = 23  // 0.767 s: 53% of the way through the fade
        let frame = try render.planarFrame(atFrame: index).packedSamples()
        let under = try decoded(a, at: Double(index) / 30), over = try decoded(b, at: Double(index) / 30 - 0.5)
        let matching = (1...254).filter { opacity in
            let mixed = PlanarImage(width: Self.width, height: Self.height)
            YCbCr.copy(under.view, into: mixed.view)
            YCbCr.mix(over.view, opacity: UInt8(opacity), into: mixed.view)
            return mixed.packedSamples() == frame
        }
        #expect(!matching.isEmpty, "the frame is one mix of the two decoded pictures")
        let progress = (Double(index) / 30 - 0.5) / 0.5
        #expect(matching.allSatisfy { abs(Double($0) - progress * 255) <= 1 }, "\(matching) for \(progress)")
    }

    @Test func anOverlayBlendsWithTheBT709MatrixAndLeavesTheRestUntouched() throws {
        // Red at 50% over the left half.
        let render = try renderer(video(a, start: 0, duration: 1), """
            { "type": "rect", "start": 0, "duration": 1, "zIndex": 1, "opacity": 0.5,
              "transform": { "x": 0, "y": 0, "width": 32, "height": 32, "anchor": "top-left" }, "style": { "fill": "#ff0000" } }
            """)
        let frame = try render.planarFrame(atFrame: 10)
        let source = try decoded(a, at: 10.0 / 30)
        let alpha = 128.0 / 255  // 0.5 of 255, rounded
        let red = (luma: 16 + 219 * 0.2126, blue: 128 - 224 * 0.2126 / 1.8556, red: 128 + 224 * 0.5)
        for y in stride(from: 0, to: Self.height, by: 3) {
            for x in stride(from: 0, to: Self.width, by: 3) {
                let got = frame.view.sample(x: x, y: y), under = source.view.sample(x: x, y: y)
                if x >= 32 {
                    #expect(got == under, "(\(x), \(y)) is footage only")
                } else {
                    let expected = SIMD3(Double(under.x) * (1 - alpha) + red.luma * alpha, Double(under.y) * (1 - alpha) + red.blue * alpha,
                                         Double(under.z) * (1 - alpha) + red.red * alpha)
                    for channel in 0..<3 {
                        #expect(abs(Double(got[channel]) - expected[channel]) <= 1, "(\(x), \(y)) channel \(channel)")
                    }
                }
            }
        }
    }

    /// The fast path against the RGBA path (decode to RGBA, composite, convert) on a busy frame:
    /// a cross-fade under a translucent rectangle, outlined text and a translucent logo. The RGBA
    /// path converts the footage there and back, so the two differ by that round trip's rounding.
    @Test(arguments: [3, 18, 22, 27])
    func theFastPathDrawsWhatTheRGBAPathDraws(index: Int) throws {
        let logo = try folder.png("logo.png", width: 20, height: 10) { x, y in SIMD4(255, UInt8(x * 12), 40, UInt8(y * 25)) }
        let render = try renderer(
            video(a, start: 0, duration: 1),
            video(b, start: 0.6, duration: 0.4, extra: #", "transition": { "type": "fade", "duration": 0.3 }"#),
            """
            { "type": "rect", "start": 0, "duration": 1, "zIndex": 1, "opacity": 0.4,
              "transform": { "x": 5, "y": 3, "width": 21, "height": 13, "anchor": "top-left" }, "style": { "fill": "#20c0ff" } }
            """, """
            { "type": "text", "text": "Hi", "start": 0, "duration": 1, "zIndex": 2,
              "style": { "fontFamily": "DejaVu Sans", "fontSize": 20, "fontWeight": "bold", "fill": "#ffffff",
                         "stroke": "#000000", "strokeWidth": 2 } }
            """, """
            { "type": "image", "src": "\(logo)", "start": 0, "duration": 1, "zIndex": 3, "opacity": 0.6,
              "transform": { "x": 41, "y": 19, "anchor": "top-left" } }
            """)
        let fast = try render.planarFrame(atFrame: index).packedSamples()
        let reference = try render.planarFrame(atFrame: index, passThrough: false).packedSamples()
        let lumaCount = Self.width * Self.height
        let differences = zip(fast, reference).map { abs(Int($0) - Int($1)) }
        let luma = differences[..<lumaCount], chroma = differences[lumaCount...]
        // Measured: at most 1 anywhere, 0.18 on average at worst (the cross-fade frame).
        #expect(luma.max()! <= 2, "luma differs by at most the round trip's rounding")
        #expect(Double(luma.reduce(0, +)) / Double(luma.count) <= 0.25)
        #expect(chroma.max()! <= 2, "chroma differs by at most the round trip's rounding and resampling")
        #expect(Double(chroma.reduce(0, +)) / Double(chroma.count) <= 0.25)
    }
}
