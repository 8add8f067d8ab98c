import Compositor
import Encoder
import Foundation
import Media
import Render
import Testing
import Timeline

/// Footage on the timeline: which source frame shows at each output frame.
@Suite struct VideoClipTests {
    /// A 128×32 canvas at `fps` with one full-canvas video clip.
    func document(_ src: String, fps: Int = 30, duration: Double = 4, start: Double = 0, fields: String = "") -> String {
        """
        { "meta": { "width": 128, "height": 32, "fps": \(fps) },
          "tracks": [ { "clips": [ { "type": "video", "src": "\(src)", "start": \(start), "duration": \(duration),
            "transform": { "x": 0, "y": 0, "width": 128, "height": 32, "anchor": "top-left" },
            "style": { "objectFit": "fill" } \(fields.isEmpty ? "" : ", " + fields) } ] } ] }
        """
    }

    /// The source index shown at each output frame in `frames`.
    func shown(_ json: String, frames: Range<Int>) throws -> [Int] {
        let timeline = try timeline(json)
        let renderer = Renderer(timeline: timeline)
        return try frames.map { try MediaFixtures.index(in: renderer.frame(at: timeline.canvas.frameRate.time(ofFrame: $0))) }
    }

    @Test func aTrimStartsOnTheNamedFrame() throws {
        let folder = TemporaryFolder()
        let path = folder.file("cfr.mp4")
        try MediaFixtures.video(at: path, count: 90)
        #expect(try shown(document(path, fields: #""source": { "start": 1 }"#), frames: 0..<5) == [30, 31, 32, 33, 34])
        #expect(try shown(document(path, fields: #""source": { "start": 0.5 }"#), frames: 0..<3) == [15, 16, 17])
        #expect(try shown(document(path), frames: 0..<3) == [0, 1, 2])
    }

    @Test func variableFrameRateFollowsPresentationIntervals() throws {
        let folder = TemporaryFolder()
        let path = folder.file("vfr.mp4")
        // Irregular frame times: 1/30 s steps, then long holds, then 1/60 s steps.
        let times = [0.0, 0.033, 0.066, 0.2, 0.5, 0.51, 0.52, 0.53, 0.7, 1.0, 1.017, 1.034, 1.051, 1.3, 2.0]
        try MediaFixtures.video(at: path, count: times.count, times: times)
        let renderedAt30 = try shown(document(path), frames: 0..<60)
        let expected = (0..<60).map { n -> Int in
            let t = Double(n) / 30
            return times.lastIndex { $0 <= t + 1e-6 }!
        }
        #expect(renderedAt30 == expected)
        // A trim into the middle of a frame’s interval shows that frame first.
        #expect(try shown(document(path, fields: #""source": { "start": 0.6 }"#), frames: 0..<4)
                == [7, 7, 7, 8], "t = 0.6 lies in frame 7’s interval [0.53, 0.7)")
    }

    @Test func twentyFourIntoThirtyRepeatsTheRightFrames() throws {
        let folder = TemporaryFolder()
        let path = folder.file("24.mp4")
        try MediaFixtures.video(at: path, count: 48, fps: 24)
        let expected = (0..<30).map { n in (n * 24) / 30 }  // frame n at n/30 s lies in source frame ⌊n·24/30⌋
        #expect(try shown(document(path), frames: 0..<30) == expected)
    }

    @Test func doubleSpeedSkipsEveryOtherFrame() throws {
        let folder = TemporaryFolder()
        let path = folder.file("cfr.mp4")
        try MediaFixtures.video(at: path, count: 90)
        #expect(try shown(document(path, fields: #""playbackRate": 2"#), frames: 0..<10) == (0..<10).map { $0 * 2 })
        #expect(try shown(document(path, fields: #""playbackRate": 0.5"#), frames: 0..<6) == [0, 0, 1, 1, 2, 2])
    }

    @Test func aClipThatOutlastsItsSourceHoldsTheLastFrame() throws {
        let folder = TemporaryFolder()
        let path = folder.file("short.mp4")
        try MediaFixtures.video(at: path, count: 10)
        #expect(try shown(document(path, duration: 2), frames: 8..<14) == [8, 9, 9, 9, 9, 9])
    }

    @Test func seekingBackwardsAndFarAheadShowsTheRightFrames() throws {
        let folder = TemporaryFolder()
        let path = folder.file("long.mp4")
        try MediaFixtures.video(at: path, count: 300)
        let timeline = try timeline(document(path, duration: 10))
        let renderer = Renderer(timeline: timeline)
        let order = [0, 250, 10, 11, 200, 199, 5, 299]
        let indices = try order.map { try MediaFixtures.index(in: renderer.frame(at: Double($0) / 30)) }
        #expect(indices == order)
    }

    @Test func sourceEndShortensTheClipAndTheVideo() throws {
        let folder = TemporaryFolder()
        let path = folder.file("cfr.mp4")
        try MediaFixtures.video(at: path, count: 90)
        let clipped = try timeline(document(path, duration: 10, start: 1,
                                            fields: #""source": { "start": 0.5, "end": 2.5 }, "playbackRate": 2"#))
        // (2.5 − 0.5) / 2 = 1 s of playable footage from t = 1.
        #expect(clipped.duration == 2)
        #expect(clipped.frameCount == 60)
    }

    @Test func aRotatedPhoneClipAppearsUpright() throws {
        let folder = TemporaryFolder()
        let path = folder.file("phone.mp4")
        // Coded 64×32: left half red, right half blue; the display matrix says turn 90° clockwise.
        try MediaFixtures.video(at: path, count: 5, settings: EncoderSettings(crf: 12, preset: "ultrafast", includesAudio: false,
                                                                             displayRotation: 90)) { _ in
            let raster = Raster(width: 64, height: 32)
            for y in 0..<32 { for x in 0..<64 {
                let p = raster.pixels + (y * 64 + x) * 4
                (p[0], p[1], p[2], p[3]) = x < 32 ? (255, 0, 0, 255) : (0, 0, 255, 255)
            } }
            return raster
        }
        #expect(try MediaProbe.probe(path: path).videoStreams.first?.rotation == 90)
        let image = try frame("""
            { "meta": { "width": 64, "height": 64 },
              "tracks": [ { "clips": [ { "type": "video", "src": "\(path)", "start": 0, "duration": 1,
                "transform": { "x": 16, "y": 0, "anchor": "top-left" } } ] } ] }
            """)
        // Upright it is 32 wide and 64 tall; the coded left (red) is now the top.
        #expect(close(image.pixel(x: 32, y: 10), red, tolerance: 20), "\(image.pixel(x: 32, y: 10))")
        #expect(close(image.pixel(x: 32, y: 54), blue, tolerance: 20), "\(image.pixel(x: 32, y: 54))")
        #expect(image.pixel(x: 10, y: 32) == black, "nothing left of x = 16")
        #expect(image.pixel(x: 52, y: 32) == black, "nothing right of x = 48")
    }

    @Test func untaggedHDFootageIsReadAsBT709() throws {
        // Red encoded with the BT.709 matrix but not tagged: read as BT.601 it would turn orange-pink.
        let folder = TemporaryFolder()
        let path = folder.file("untagged.mp4")
        var settings = EncoderSettings(crf: 10, preset: "ultrafast", includesAudio: false)
        settings.tagsColor = false
        try MediaFixtures.video(at: path, count: 3, settings: settings) { _ in
            let raster = Raster(width: 1280, height: 720)
            raster.fill(SIMD4(255, 0, 0, 255))
            return raster
        }
        #expect(try MediaProbe.probe(path: path).videoStreams.first?.colorSpace == "unknown")
        let frame = try #require(try VideoFrameReader(path: path).nextFrame())
        #expect(close(frame.pixel(x: 640, y: 360), red, tolerance: 6), "\(frame.pixel(x: 640, y: 360))")
    }

    @Test func tenBitHEVCRenders() throws {
        let folder = TemporaryFolder()
        let path = folder.file("hevc10.mp4")
        try MediaFixtures.video(at: path, count: 12, settings: EncoderSettings(crf: 8, preset: "ultrafast", videoCodec: "libx265",
                                                                              pixelFormat: "yuv420p10le", includesAudio: false))
        let stream = try #require(try MediaProbe.probe(path: path).videoStreams.first)
        #expect(stream.codecName == "hevc")
        #expect(stream.pixelFormat == "yuv420p10le")
        #expect(try shown(document(path), frames: 0..<12) == Array(0..<12))
    }
}

/// Footage in the codecs and containers people bring.
@Suite struct VideoCodecTests {
    @Test(arguments: [
        ("vp9.webm", "libvpx-vp9", "yuv420p", "webm", ["deadline": "realtime", "cpu-used": "8"], "vp9"),
        ("prores.mov", "prores_ks", "yuv422p10le", "mov", [:], "prores"),
        ("mjpeg.mov", "mjpeg", "yuvj420p", "mov", [:], "mjpeg"),
        ("av1.mp4", "libaom-av1", "yuv420p", "mp4", ["cpu-used": "8"], "av1"),
    ])
    func decodesFrameExactly(file: String, codec: String, pixelFormat: String, container: String,
                             options: [String: String], codecName: String) throws {
        let folder = TemporaryFolder()
        let path = folder.file(file)
        try MediaFixtures.video(at: path, count: 12, settings: EncoderSettings(
            crf: 10, videoCodec: codec, pixelFormat: pixelFormat, includesAudio: false, container: container, codecOptions: options))
        #expect(try MediaProbe.probe(path: path).videoStreams.first?.codecName == codecName)
        let json = VideoClipTests().document(path)
        #expect(try VideoClipTests().shown(json, frames: 0..<12) == Array(0..<12))
    }

    @Test func anAnimatedGIFPlays() throws {
        let gif = ImageFormatTests.fixtures + "/green.gif"
        let image = try frame("""
            { "meta": { "width": 40, "height": 20 },
              "tracks": [ { "clips": [ { "type": "video", "src": "\(gif)", "start": 0, "duration": 1 } ] } ] }
            """, at: 0.5)
        #expect(close(image.pixel(x: 20, y: 10), green, tolerance: 4))
    }
}
