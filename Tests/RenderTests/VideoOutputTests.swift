import Compositor
import Encoder
import Foundation
import Media
import Render
import Testing
import Timeline

/// The MP4 Reel writes, read back with libavformat and libavcodec.
@Suite struct VideoOutputTests {
    func render(_ json: String, settings: EncoderSettings = EncoderSettings()) throws -> (path: String, folder: TemporaryFolder) {
        let folder = TemporaryFolder()
        let path = folder.file("out.mp4")
        try Renderer(timeline: timeline(json)).renderVideo(to: path, settings: settings)
        return (path, folder)
    }

    /// Top-level MP4 boxes in file order.
    func topLevelBoxes(_ path: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var boxes: [String] = []
        var offset = 0
        while offset + 8 <= data.count {
            var size = data[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            boxes.append(String(decoding: data[offset + 4..<offset + 8], as: UTF8.self))
            if size == 1 { size = data[offset + 8..<offset + 16].reduce(0) { $0 << 8 | Int($1) } }
            guard size >= 8 else { break }
            offset += size
        }
        return boxes
    }

    let redClip = document(width: 64, height: 48, background: "\"#ff0000\"", fps: 25, """
        { "type": "rect", "start": 0, "duration": 1, "transform": { "x": 32, "y": 24, "width": 16, "height": 16 } }
        """)

    /// FFmpeg's native MPEG-4 encoder may keep the frames it is given for its B-frames: it gets
    /// copies, not frames lent from the renderer's pool of two, and the render completes.
    @Test func anEncoderThatKeepsItsInputFramesGetsCopies() throws {
        let folder = TemporaryFolder()
        let path = folder.file("mpeg4.mp4")
        let settings = EncoderSettings(videoCodec: "mpeg4", includesAudio: false)
        #expect(try MovieWriter(path: folder.file("probe.mp4"), width: 64, height: 48, frameRate: FrameRate(numerator: 25),
                                settings: settings).acceptsPlanarFrames == false)
        #expect(try MovieWriter(path: folder.file("x264.mp4"), width: 64, height: 48, frameRate: FrameRate(numerator: 25),
                                settings: EncoderSettings(includesAudio: false)).acceptsPlanarFrames)
        try Renderer(timeline: timeline(redClip)).renderVideo(to: path, settings: settings)
        let video = try #require(try MediaProbe.probe(path: path).videoStreams.first)
        #expect(video.codecName == "mpeg4" && video.frameCount == 25)
    }

    @Test func streamsAreH264AndAACWithTheRightShape() throws {
        let (path, folder) = try render(redClip)
        defer { _ = folder }
        let info = try MediaProbe.probe(path: path)
        let video = try #require(info.videoStreams.first)
        #expect(video.codecName == "h264")
        #expect(video.width == 64 && video.height == 48)
        #expect(video.frameRateNumerator == 25 && video.frameRateDenominator == 1)
        #expect(video.pixelFormat == "yuv420p")
        #expect(video.colorPrimaries == "bt709")
        #expect(video.colorTransfer == "bt709")
        #expect(video.colorSpace == "bt709")
        #expect(video.colorRange == "tv")
        #expect(video.frameCount == 25)
        #expect(abs((video.duration ?? 0) - 1) < 0.001)
        let audio = try #require(info.audioStreams.first)
        #expect(audio.codecName == "aac")
        #expect(audio.sampleRate == 48_000)
        #expect(audio.channels == 2)
        #expect(abs((audio.duration ?? 0) - 1) < 0.05, "audio lasts as long as the video")
        #expect(abs((info.duration ?? 0) - 1) < 0.05)
        #expect(info.formatName.contains("mp4"))
    }

    @Test func theMovieIndexComesFirst() throws {
        let (path, folder) = try render(redClip)
        defer { _ = folder }
        let boxes = try topLevelBoxes(path)
        let moov = try #require(boxes.firstIndex(of: "moov"))
        let mdat = try #require(boxes.firstIndex(of: "mdat"))
        #expect(moov < mdat, "faststart: \(boxes)")
    }

    @Test func decodedFramesShowTheComposition() throws {
        let (path, folder) = try render(redClip)
        defer { _ = folder }
        let reader = try VideoFrameReader(path: path)
        var frames = 0
        while let frame = try reader.nextFrame() {
            if frames == 0 {
                #expect(close(frame.pixel(x: 32, y: 24), white, tolerance: 8), "\(frame.pixel(x: 32, y: 24))")
                #expect(close(frame.pixel(x: 4, y: 4), red, tolerance: 8), "\(frame.pixel(x: 4, y: 4))")
            }
            frames += 1
        }
        #expect(frames == 25)
    }

    @Test func ntscRatesAreExact() throws {
        let json = document(width: 32, height: 32, fps: 30, """
            { "type": "rect", "start": 0, "duration": 0.5, "transform": { "width": 8, "height": 8 } }
            """).replacingOccurrences(of: "\"fps\": 30", with: "\"fps\": 29.97")
        let (path, folder) = try render(json)
        defer { _ = folder }
        let video = try #require(try MediaProbe.probe(path: path).videoStreams.first)
        #expect(video.frameRateNumerator == 30000 && video.frameRateDenominator == 1001)
        #expect(video.frameCount == 15, "0.5 s at 29.97 fps starts 15 frames")
    }

    @Test func crfTradesSizeForQuality() throws {
        let json = document(width: 128, height: 96, background: """
            { "type": "radial", "stops": [ { "offset": 0, "color": "#ffcc00" }, { "offset": 1, "color": "#0033ff" } ] }
            """, """
            { "type": "text", "text": "Reel", "start": 0, "duration": 0.5, "style": { "fontSize": 40 } }
            """)
        let (small, a) = try render(json, settings: EncoderSettings(crf: 40))
        let (large, b) = try render(json, settings: EncoderSettings(crf: 10))
        defer { _ = (a, b) }
        let sizes = try [small, large].map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as! Int }
        #expect(sizes[0] < sizes[1])
    }

    /// The PNG writer filters and compresses bands apart, as pieces of one zlib stream: every
    /// pixel of a picture in many bands, with every kind of alpha, reads back as it went in
    /// through libavcodec's PNG decoder.
    @Test func pngPicturesInManyBandsReadBackExactly() throws {
        let folder = TemporaryFolder()
        let raster = Raster(width: 333, height: 201)
        var state: UInt64 = 12345
        for i in 0..<(333 * 201) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let alpha: UInt8 = i % 5 == 0 ? 255 : i % 7 == 0 ? 0 : UInt8(truncatingIfNeeded: state >> 56)
            let p = raster.pixels + i * 4
            for c in 0..<3 { p[c] = UInt8(Int(truncatingIfNeeded: state >> (8 * UInt64(c + 1)) & 0xFF) % (Int(alpha) + 1)) }
            p[3] = alpha
        }
        try PNGWriter.write(raster, to: folder.file("bands.png"))
        let decoded = try ImageDecoder.decode(path: folder.file("bands.png"))
        #expect(decoded.width == 333 && decoded.height == 201)
        // The decoder premultiplies again: within 1 of the picture (the straight colour is rounded).
        var worst = 0
        for y in 0..<201 {
            for x in 0..<333 {
                let a = decoded.pixel(x: x, y: y), b = raster.pixel(x: x, y: y)
                for c in 0..<4 { worst = max(worst, abs(Int(a[c]) - Int(b[c]))) }
                #expect(a[3] == b[3])
            }
        }
        #expect(worst <= 1)
    }

    @Test func pngStillsRoundTripWithAlpha() throws {
        let folder = TemporaryFolder()
        let json = document(background: "\"transparent\"", """
            { "type": "rect", "start": 0, "duration": 1, "opacity": 0.5, "transform": { "width": 20, "height": 20 },
              "style": { "fill": "#ff8000" } }
            """)
        let raster = try frame(json)
        try PNGWriter.write(raster, to: folder.file("still.png"))
        let decoded = try ImageDecoder.decode(path: folder.file("still.png"))
        #expect(decoded.width == 100 && decoded.height == 100)
        #expect(decoded.pixel(x: 0, y: 0) == SIMD4(0, 0, 0, 0), "a transparent background stays transparent")
        #expect(close(decoded.straightPixel(x: 50, y: 50), SIMD4(255, 128, 0, 128), tolerance: 1))
    }
}
