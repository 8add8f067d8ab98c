import Compositor
import Encoder
import Foundation
import Media
import Render
import Testing
import Timeline

/// Every output format, written by `Renderer.render(to:format:)` and read back through libavformat
/// and libavcodec (Reel's own `MediaProbe` and `VideoFrameReader`): codec, pixel format and alpha,
/// frame count, duration, colour tags, and pixels.
@Suite struct OutputFormatTests {
    /// 64×48 at 25 fps for 0.8 s (20 frames): a red square (x 4–28, y 12–36) and a half-transparent
    /// green one (x 40–56) over `background`, and a 440 Hz tone when `sound` is a WAV's path.
    static func squareDocument(background: String = "\"#2040ff\"", fps: Int = 25, sound: String? = nil) -> String {
        var clips = [##"{ "type": "rect", "start": 0, "duration": 0.8, "transform": { "x": 16, "y": 24, "width": 24, "height": 24 }, "style": { "fill": "#ff0000" } }"##,
                     ##"{ "type": "rect", "start": 0, "duration": 0.8, "transform": { "x": 48, "y": 24, "width": 16, "height": 24 }, "style": { "fill": "#00ff0080" } }"##]
        if let sound { clips.append(#"{ "type": "audio", "src": "\#(sound)", "start": 0, "duration": 0.8 }"#) }
        return document(width: 64, height: 48, background: background, fps: fps, clips.joined(separator: ",\n"))
    }

    static let transparent = "\"transparent\""
    /// A pixel inside the red square, one inside the half-transparent green one, and one of the
    /// background only.
    static let inside = (x: 16, y: 24), halfGreen = (x: 48, y: 24), outside = (x: 52, y: 6)
    /// Half-transparent green, premultiplied: what a decoder gives back when the colour went in straight.
    static let premultipliedHalfGreen = SIMD4<UInt8>(0, 128, 0, 128)

    func render(_ json: String, _ format: OutputFormat, name: String, in folder: TemporaryFolder) throws -> String {
        let path = folder.file(name)
        try Renderer(timeline: timeline(json)).render(to: path, format: format)
        return path
    }

    /// Decodes every frame of `path`: the frames and the pixel format they decoded to.
    func decodedFrames(_ path: String) throws -> (frames: [Raster], pixelFormat: String) {
        let reader = try VideoFrameReader(path: path)
        var frames: [Raster] = []
        while let frame = try reader.nextFrame() { frames.append(frame) }
        return (frames, reader.pixelFormat)
    }

    func toneFile(_ folder: TemporaryFolder) throws -> String {
        let path = folder.file("tone.wav")
        try MediaFixtures.wav(at: path, samples: MediaFixtures.tone(seconds: 0.8))
        return path
    }

    /// The loudness (RMS) of the first `seconds` of `path`'s sound.
    func loudness(_ path: String, seconds: Double = 0.5) throws -> Float {
        let reader = try AudioReader(path: path)
        let count = Int(seconds * 48_000)
        var left = [Float](repeating: 0, count: count), right = left
        let read = try left.withUnsafeMutableBufferPointer { l in
            try right.withUnsafeMutableBufferPointer { r in try reader.read(count: count, left: l.baseAddress!, right: r.baseAddress!) }
        }
        return (left.prefix(read).reduce(0) { $0 + $1 * $1 } / Float(max(read, 1))).squareRoot()
    }

    func expectBT709LimitedRange(_ video: StreamInfo, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(video.colorPrimaries == "bt709" && video.colorTransfer == "bt709" && video.colorSpace == "bt709",
                "\(video.colorPrimaries)/\(video.colorTransfer)/\(video.colorSpace)", sourceLocation: sourceLocation)
        #expect(video.colorRange == "tv", sourceLocation: sourceLocation)
    }

    // MARK: movies

    /// The default format through `render(to:format:)` is the MP4 `renderVideo` has always written,
    /// byte for byte: the format table changes nothing for opaque MP4s.
    @Test func mp4ThroughTheFormatTableIsTheMP4OfBefore() throws {
        let folder = TemporaryFolder()
        let json = Self.squareDocument()
        let viaFormat = try render(json, .mp4, name: "format.mp4", in: folder)
        try Renderer(timeline: timeline(json)).renderVideo(to: folder.file("plain.mp4"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: viaFormat)) == Data(contentsOf: URL(fileURLWithPath: folder.file("plain.mp4"))))
        let info = try MediaProbe.probe(path: viaFormat)
        let video = try #require(info.videoStreams.first)
        #expect(video.codecName == "h264" && video.pixelFormat == "yuv420p" && !video.hasAlpha && video.frameCount == 20)
        expectBT709LimitedRange(video)
        #expect(info.audioStreams.first?.codecName == "aac")
    }

    @Test func hevcIsX265TaggedHvc1WithAAC() throws {
        let folder = TemporaryFolder()
        let path = try render(Self.squareDocument(), .hevc, name: "out.mp4", in: folder)
        let info = try MediaProbe.probe(path: path)
        #expect(info.formatName.contains("mp4"))
        let video = try #require(info.videoStreams.first)
        #expect(video.codecName == "hevc" && video.pixelFormat == "yuv420p" && video.frameCount == 20)
        #expect(abs((video.duration ?? 0) - 0.8) < 0.001)
        expectBT709LimitedRange(video)
        #expect(info.audioStreams.first?.codecName == "aac")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.range(of: Data("hvc1".utf8)) != nil && bytes.range(of: Data("hev1".utf8)) == nil, "tagged hvc1 for Apple's players")
        let (frames, _) = try decodedFrames(path)
        #expect(frames.count == 20)
        #expect(close(frames[0].pixel(x: Self.inside.x, y: Self.inside.y), red, tolerance: 12))
    }

    @Test func webmIsVP9AndOpusWithoutAlphaOnAnOpaqueBackground() throws {
        let folder = TemporaryFolder()
        let path = try render(Self.squareDocument(sound: try toneFile(folder)), .webm, name: "out.webm", in: folder)
        let info = try MediaProbe.probe(path: path)
        #expect(info.formatName.contains("webm") || info.formatName.contains("matroska"))
        let video = try #require(info.videoStreams.first)
        #expect(video.codecName == "vp9" && video.pixelFormat == "yuv420p" && !video.hasAlpha)
        #expect(video.width == 64 && video.height == 48 && video.frameRateNumerator == 25 && video.frameRateDenominator == 1)
        expectBT709LimitedRange(video)
        let audio = try #require(info.audioStreams.first)
        #expect(audio.codecName == "opus" && audio.sampleRate == 48_000 && audio.channels == 2)
        #expect(abs((info.duration ?? 0) - 0.8) < 0.02, "\(info.duration ?? 0)")
        #expect(try loudness(path) > 0.2, "the tone is in the Opus track")
        let (frames, pixelFormat) = try decodedFrames(path)
        #expect(frames.count == 20 && pixelFormat == "yuv420p")
        #expect(close(frames[0].pixel(x: Self.inside.x, y: Self.inside.y), red, tolerance: 12))
        #expect(close(frames[0].pixel(x: Self.outside.x, y: Self.outside.y), SIMD4(0x20, 0x40, 0xff, 255), tolerance: 12))
    }

    /// VP9 with alpha: the WebM track is marked `alpha_mode`, libvpx's decoder gives yuva420p, and
    /// a decoded frame is transparent where the canvas is and opaque under the square.
    @Test func transparentWebMKeepsAlpha() throws {
        let folder = TemporaryFolder()
        let path = try render(Self.squareDocument(background: Self.transparent), .webm, name: "alpha.webm", in: folder)
        let video = try #require(try MediaProbe.probe(path: path).videoStreams.first)
        #expect(video.codecName == "vp9" && video.hasAlpha)
        expectBT709LimitedRange(video)
        let (frames, pixelFormat) = try decodedFrames(path)
        #expect(frames.count == 20 && pixelFormat == "yuva420p")
        let frame = try #require(frames.last)
        #expect(frame.pixel(x: Self.outside.x, y: Self.outside.y)[3] <= 3, "\(frame.pixel(x: Self.outside.x, y: Self.outside.y))")
        #expect(close(frame.pixel(x: Self.inside.x, y: Self.inside.y), red, tolerance: 12), "\(frame.pixel(x: Self.inside.x, y: Self.inside.y))")
        let half = frame.pixel(x: Self.halfGreen.x, y: Self.halfGreen.y)
        #expect(close(half, Self.premultipliedHalfGreen, tolerance: 12), "\(half)")
    }

    /// Used as footage, a transparent WebM and MOV show what is beneath them where they are clear.
    @Test func transparentMoviesAreTransparentFootage() throws {
        let folder = TemporaryFolder()
        for (format, name) in [(OutputFormat.webm, "clip.webm"), (.mov, "clip.mov")] {
            let clip = try render(Self.squareDocument(background: Self.transparent), format, name: name, in: folder)
            let frame = try frame(document(width: 64, height: 48, background: "\"#0000ff\"", fps: 25, """
                { "type": "video", "src": "\(clip)", "start": 0, "duration": 0.8, "transform": { "x": 32, "y": 24, "width": 64, "height": 48 } }
                """), at: 0.2)
            #expect(close(frame.pixel(x: Self.outside.x, y: Self.outside.y), blue, tolerance: 3), "\(name)")
            #expect(close(frame.pixel(x: Self.inside.x, y: Self.inside.y), red, tolerance: 12), "\(name)")
        }
    }

    @Test func movIsProRes4444WithPCMSound() throws {
        let folder = TemporaryFolder()
        let path = try render(Self.squareDocument(sound: try toneFile(folder)), .mov, name: "out.mov", in: folder)
        let info = try MediaProbe.probe(path: path)
        #expect(info.formatName.contains("mov"))
        let video = try #require(info.videoStreams.first)
        #expect(video.codecName == "prores" && video.pixelFormat.hasPrefix("yuv444p1") && !video.hasAlpha, "\(video.pixelFormat)")
        #expect(video.frameCount == 20 && abs((video.duration ?? 0) - 0.8) < 0.001)
        expectBT709LimitedRange(video)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.range(of: Data("ap4h".utf8)) != nil, "the ProRes 4444 fourcc")
        let audio = try #require(info.audioStreams.first)
        #expect(audio.codecName == "pcm_s24le" && audio.sampleRate == 48_000 && audio.channels == 2)
        #expect(try loudness(path) > 0.3)
        let (frames, _) = try decodedFrames(path)
        #expect(frames.count == 20)
        #expect(close(frames[0].pixel(x: Self.inside.x, y: Self.inside.y), red, tolerance: 4))
    }

    @Test func transparentMOVKeepsAlpha() throws {
        let folder = TemporaryFolder()
        let path = try render(Self.squareDocument(background: Self.transparent), .mov, name: "alpha.mov", in: folder)
        let video = try #require(try MediaProbe.probe(path: path).videoStreams.first)
        #expect(video.codecName == "prores" && video.pixelFormat.hasPrefix("yuva444p") && video.hasAlpha, "\(video.pixelFormat)")
        expectBT709LimitedRange(video)
        let (frames, pixelFormat) = try decodedFrames(path)
        #expect(frames.count == 20 && pixelFormat.hasPrefix("yuva444p"))
        let frame = try #require(frames.first)
        #expect(frame.pixel(x: Self.outside.x, y: Self.outside.y)[3] == 0, "\(frame.pixel(x: Self.outside.x, y: Self.outside.y))")
        #expect(close(frame.pixel(x: Self.inside.x, y: Self.inside.y), red, tolerance: 4))
        let half = frame.pixel(x: Self.halfGreen.x, y: Self.halfGreen.y)
        #expect(close(half, Self.premultipliedHalfGreen, tolerance: 4), "straight colour in, premultiplied back out: \(half)")
    }

    // MARK: GIF

    /// A GIF's blocks: the global palette and, per frame, its delay (hundredths) and whether it has
    /// its own palette.
    struct GIFStructure {
        var globalPalette: [SIMD3<UInt8>] = []
        var delays: [Int] = []
        /// The tables of the frames that carry their own.
        var localPalettes: [[SIMD3<UInt8>]] = []
        var loops = false
    }

    func gifStructure(_ path: String) throws -> GIFStructure {
        let d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try #require(d.count > 13 && d.starts(with: Array("GIF89a".utf8)))
        var gif = GIFStructure()
        var i = 13
        if d[10] & 0x80 != 0 {
            let count = 1 << (Int(d[10] & 7) + 1)
            gif.globalPalette = (0..<count).map { SIMD3(d[13 + 3 * $0], d[14 + 3 * $0], d[15 + 3 * $0]) }
            i += 3 * count
        }
        func skipSubBlocks() { while i < d.count, d[i] != 0 { i += Int(d[i]) + 1 }; i += 1 }
        while i < d.count {
            switch d[i] {
            case 0x21:
                if d[i + 1] == 0xF9 { gif.delays.append(Int(d[i + 4]) | Int(d[i + 5]) << 8) }
                if d[i + 1] == 0xFF, i + 14 < d.count, String(decoding: d[(i + 3)..<(i + 14)], as: UTF8.self) == "NETSCAPE2.0" { gif.loops = true }
                i += 2
                skipSubBlocks()
            case 0x2C:
                let packed = d[i + 9]
                i += 10
                if packed & 0x80 != 0 {
                    let count = 1 << (Int(packed & 7) + 1)
                    gif.localPalettes.append((0..<count).map { SIMD3(d[i + 3 * $0], d[i + 1 + 3 * $0], d[i + 2 + 3 * $0]) })
                    i += 3 * count
                }
                i += 1
                skipSubBlocks()
            default:
                return gif
            }
        }
        return gif
    }

    /// One palette for the whole video, every pixel of every frame taken from it (libavcodec's
    /// encoder gives the first frame a smaller table of just the colours it uses, padded to a power
    /// of two, so the check is on the pixels); delays in hundredths that keep the total exact at
    /// 30 fps (3, 4, 3 …); an endless loop.
    @Test func gifHasOnePaletteAndExactDelays() throws {
        let folder = TemporaryFolder()
        let json = document(width: 64, height: 48, background: "\"#2040ff\"", fps: 30, """
            { "type": "rect", "start": 0, "duration": 0.5, "transform": { "x": 16, "y": 24, "width": 24, "height": 24 }, "style": { "fill": "#ff0000" },
              "animations": [ { "type": "fadeIn", "duration": 0.3 } ] }
            """)
        let path = try render(json, .gif, name: "out.gif", in: folder)
        let info = try MediaProbe.probe(path: path)
        let video = try #require(info.videoStreams.first)
        #expect(video.codecName == "gif" && video.width == 64 && video.height == 48)
        #expect(abs((info.duration ?? 0) - 0.5) < 0.001, "\(info.duration ?? 0)")
        let structure = try gifStructure(path)
        let expected = (0..<15).map { n in Int((Double(n + 1) * 100 / 30).rounded()) - Int((Double(n) * 100 / 30).rounded()) }
        #expect(structure.delays == expected, "\(structure.delays)")
        #expect(structure.loops)
        #expect(structure.globalPalette.count == 256)
        let palette = Set(structure.globalPalette)
        let (frames, _) = try decodedFrames(path)
        #expect(frames.count == 15)
        var foreign = 0
        for frame in frames {
            for y in 0..<48 {
                for x in 0..<64 {
                    let p = frame.pixel(x: x, y: y)
                    if p[3] != 255 || !palette.contains(SIMD3(p[0], p[1], p[2])) { foreign += 1 }
                }
            }
        }
        #expect(foreign == 0, "pixels whose colour is not in the one palette")
        #expect(close(frames[14].pixel(x: Self.inside.x, y: Self.inside.y), red, tolerance: 8))
        #expect(close(frames[14].pixel(x: Self.outside.x, y: Self.outside.y), SIMD4(0x20, 0x40, 0xff, 255), tolerance: 8))
    }

    /// Gradients of far more colours than a palette holds. Each pixel mapped to its nearest colour
    /// leaves flat bands; dithered, neighbouring pixels alternate between palette colours (at
    /// least 1.6 times as many neighbours differ), and the mean of each 8×8 block stays closer to
    /// the rendered frame's.
    @Test func gifDithersWhatThePaletteCannotHold() throws {
        let folder = TemporaryFolder()
        let json = document(width: 160, height: 96, background: """
            { "type": "linear", "angle": 30, "stops": [ { "offset": 0, "color": "#ff0000" }, { "offset": 0.35, "color": "#20e060" },
              { "offset": 0.7, "color": "#2030ff" }, { "offset": 1, "color": "#ffe020" } ] }
            """, fps: 10, """
            { "type": "rect", "start": 0, "duration": 0.2, "transform": { "x": 80, "y": 48, "width": 160, "height": 96 },
              "style": { "fill": { "type": "radial", "stops": [ { "offset": 0, "color": "#ffffffcc" }, { "offset": 1, "color": "#00000000" } ] } } }
            """, """
            { "type": "circle", "start": 0, "duration": 0.2, "transform": { "x": 50, "y": 30, "width": 60, "height": 60 },
              "style": { "fill": { "type": "linear", "angle": 90, "stops": [ { "offset": 0, "color": "#000000aa" }, { "offset": 1, "color": "#ff00ff55" } ] } } }
            """)
        let source = try Renderer(timeline: try timeline(json)).frame(at: 0)
        var sourceColours = Set<UInt32>()
        for y in 0..<96 {
            for x in 0..<160 { sourceColours.insert(UInt32(littleEndian: UnsafeRawPointer(source.pixels + (y * 160 + x) * 4).loadUnaligned(as: UInt32.self))) }
        }
        #expect(sourceColours.count > 5000, "the frame has \(sourceColours.count) colours")
        func measure(dithered: Bool) throws -> (blockError: Double, neighboursDiffering: Double) {
            let path = folder.file(dithered ? "dithered.gif" : "nearest.gif")
            try Renderer(timeline: try timeline(json)).renderGIF(to: path, dithers: dithered)
            let frame = try #require(try decodedFrames(path).frames.first)
            var total = 0.0, blocks = 0
            for by in stride(from: 0, to: 96, by: 8) {
                for bx in stride(from: 0, to: 160, by: 8) {
                    var difference = SIMD4<Int>.zero
                    for y in by..<(by + 8) {
                        for x in bx..<(bx + 8) {
                            difference &+= SIMD4<Int>(truncatingIfNeeded: frame.pixel(x: x, y: y)) &- SIMD4<Int>(truncatingIfNeeded: source.pixel(x: x, y: y))
                        }
                    }
                    total += Double(abs(difference.x) + abs(difference.y) + abs(difference.z)) / 64 / 3
                    blocks += 1
                }
            }
            var differing = 0
            for y in 0..<96 {
                for x in 0..<159 where frame.pixel(x: x, y: y) != frame.pixel(x: x + 1, y: y) { differing += 1 }
            }
            return (total / Double(blocks), Double(differing) / Double(96 * 159))
        }
        let dithered = try measure(dithered: true), nearest = try measure(dithered: false)
        #expect(dithered.neighboursDiffering > 1.6 * nearest.neighboursDiffering, "dithered \(dithered), nearest colour \(nearest)")
        #expect(dithered.blockError < nearest.blockError, "dithered \(dithered), nearest colour \(nearest)")
    }

    @Test func transparentGIFHasTransparentPixels() throws {
        let folder = TemporaryFolder()
        let path = try render(Self.squareDocument(background: Self.transparent), .gif, name: "alpha.gif", in: folder)
        let (frames, _) = try decodedFrames(path)
        #expect(frames.count == 20)
        for frame in [frames[0], frames[19]] {
            #expect(frame.pixel(x: Self.outside.x, y: Self.outside.y)[3] == 0)
            #expect(frame.pixel(x: Self.inside.x, y: Self.inside.y) == red)
        }
        #expect(try gifStructure(path).delays.allSatisfy { $0 == 4 }, "25 fps: 4 hundredths each")
    }

    /// Browsers stretch delays under 2 hundredths, so 60 fps becomes a 30 fps GIF of every other frame.
    @Test func fastTimelinesMakeGIFsOfEveryOtherFrame() throws {
        let folder = TemporaryFolder()
        #expect(GIFWriter.frameStep(for: FrameRate(numerator: 50)) == 1)
        #expect(GIFWriter.frameStep(for: FrameRate(numerator: 60)) == 2)
        #expect(GIFWriter.frameStep(for: FrameRate(numerator: 120)) == 3)
        let path = try render(Self.squareDocument(fps: 60), .gif, name: "fast.gif", in: folder)
        #expect(try decodedFrames(path).frames.count == 24, "48 frames at 60 fps, every other one")
        #expect(try gifStructure(path).delays.reduce(0, +) == 80)
    }

    // MARK: PNG sequences and posters

    /// The chunk types of a PNG, in order.
    func pngChunks(_ data: Data) -> [String] {
        let bytes = [UInt8](data)
        var chunks: [String] = [], i = 8
        while i + 8 <= bytes.count {
            let length = bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) }
            chunks.append(String(decoding: bytes[(i + 4)..<(i + 8)], as: UTF8.self))
            i += 12 + length
        }
        return chunks
    }

    /// The files of a stored ZIP archive, by name.
    func zipEntries(_ path: String) throws -> [(name: String, data: Data)] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func le(_ at: Int, _ count: Int) -> Int { (0..<count).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        var entries: [(String, Data)] = [], i = 0
        while i + 30 <= bytes.count, le(i, 4) == 0x0403_4B50 {
            #expect(le(i + 8, 2) == 0, "stored")
            let size = le(i + 18, 4), nameLength = le(i + 26, 2), extra = le(i + 28, 2)
            let name = String(decoding: bytes[(i + 30)..<(i + 30 + nameLength)], as: UTF8.self)
            let start = i + 30 + nameLength + extra
            entries.append((name, Data(bytes[start..<(start + size)])))
            i = start + size
        }
        #expect(le(i, 4) == 0x0201_4B50, "the central directory follows the files")
        return entries
    }

    /// Red for the first 0.4 s, then blue: frame n's colour says which frame it is.
    static let twoColours = document(width: 64, height: 48, background: "\"transparent\"", fps: 10, """
        { "type": "rect", "start": 0, "duration": 0.4, "transform": { "x": 16, "y": 24, "width": 24, "height": 24 }, "style": { "fill": "#ff0000" } }
        """, """
        { "type": "rect", "start": 0.4, "duration": 0.4, "transform": { "x": 16, "y": 24, "width": 24, "height": 24 }, "style": { "fill": "#0000ff" } }
        """)

    @Test func pngSequencesGoToAFolderAPatternOrAnArchive() throws {
        let folder = TemporaryFolder()
        let frames = folder.file("frames")
        _ = try render(Self.twoColours, .pngSequence, name: "frames", in: folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: frames).sorted()
        #expect(names == (0..<8).map { String(format: "frame-%05d.png", $0) })
        for (index, name) in names.enumerated() {
            let picture = try ImageDecoder.decode(path: frames + "/" + name)
            #expect(picture.width == 64 && picture.height == 48)
            #expect(picture.pixel(x: Self.inside.x, y: Self.inside.y) == (index < 4 ? red : blue), "\(name)")
            #expect(picture.pixel(x: Self.outside.x, y: Self.outside.y)[3] == 0, "alpha kept")
        }
        let info = try MediaProbe.probe(path: frames + "/frame-00000.png")
        #expect(info.videoStreams.first?.codecName == "png" && info.videoStreams.first?.pixelFormat == "rgba")
        let chunks = pngChunks(try Data(contentsOf: URL(fileURLWithPath: frames + "/frame-00000.png")))
        #expect(Set(chunks.prefix { $0 != "IDAT" }) == ["IHDR", "sRGB", "gAMA", "cHRM"], "\(chunks)")

        try Renderer(timeline: timeline(Self.twoColours)).render(to: folder.file("shots/f-%03d.png"), format: .pngSequence)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("shots")).sorted() == (0..<8).map { String(format: "f-%03d.png", $0) })

        let archive = try render(Self.twoColours, .pngSequence, name: "frames.zip", in: folder)
        let entries = try zipEntries(archive)
        #expect(entries.map(\.name) == names)
        #expect(entries.map(\.data) == (try names.map { try Data(contentsOf: URL(fileURLWithPath: frames + "/" + $0)) }), "the same PNGs")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["frames", "frames.zip", "shots"],
                "no partial files are left behind")
    }

    /// The poster is the frame on screen at its time, exactly (PNG, alpha kept) or within JPEG's
    /// loss (over black); by default the middle frame.
    @Test func postersAreTheFrameOnScreenAtTheirTime() throws {
        let folder = TemporaryFolder()
        let renderer = Renderer(timeline: try timeline(Self.twoColours))
        #expect(renderer.defaultPosterTime == 0.4, "frame 4 of 8")
        try renderer.renderPoster(to: folder.file("early.png"), format: .png, at: 0.35)
        try renderer.renderPoster(to: folder.file("middle.png"), format: .png)
        let early = try ImageDecoder.decode(path: folder.file("early.png"))
        let expected = try renderer.frame(at: 0.3)
        #expect(Data(bytes: early.pixels, count: early.byteCount) == Data(bytes: expected.pixels, count: expected.byteCount),
                "0.35 s shows frame 3 (0.3 s)")
        #expect(try ImageDecoder.decode(path: folder.file("middle.png")).pixel(x: Self.inside.x, y: Self.inside.y) == blue)
        #expect(pngChunks(try Data(contentsOf: URL(fileURLWithPath: folder.file("early.png")))).contains("sRGB"))

        try renderer.renderPoster(to: folder.file("poster.jpg"), format: .jpeg, at: 0.5)
        let info = try MediaProbe.probe(path: folder.file("poster.jpg"))
        let still = try #require(info.videoStreams.first)
        #expect(still.codecName == "mjpeg" && still.pixelFormat == "yuvj420p" && still.colorRange == "pc" && still.colorSpace == "bt470bg",
                "\(still.pixelFormat) \(still.colorRange) \(still.colorSpace)")
        let jpeg = try ImageDecoder.decode(path: folder.file("poster.jpg"))
        #expect(close(jpeg.pixel(x: Self.inside.x, y: Self.inside.y), blue, tolerance: 6), "\(jpeg.pixel(x: Self.inside.x, y: Self.inside.y))")
        #expect(close(jpeg.pixel(x: Self.outside.x, y: Self.outside.y), black, tolerance: 4), "transparent shows black")

        #expect(throws: RenderError.self) { try renderer.renderPoster(to: folder.file("late.png"), format: .png, at: 0.8) }
        #expect(throws: RenderError.self) { try renderer.renderPoster(to: folder.file("late.png"), format: .png, at: -1) }
        #expect(!FileManager.default.fileExists(atPath: folder.file("late.png")))
    }

    // MARK: the format table

    @Test func formatsFollowNamesAndExtensions() {
        #expect(OutputFormat.forPath("a/b.mp4") == .mp4 && OutputFormat.forPath("x.WEBM") == .webm && OutputFormat.forPath("x.mov") == .mov)
        #expect(OutputFormat.forPath("x.gif") == .gif && OutputFormat.forPath("x.jpg") == .jpeg && OutputFormat.forPath("x.jpeg") == .jpeg)
        #expect(OutputFormat.forPath("poster.png") == .png && OutputFormat.forPath("f-%05d.png") == .pngSequence)
        #expect(OutputFormat.forPath("f-%d.png") == .pngSequence && OutputFormat.forPath("100%.png") == .png)
        #expect(OutputFormat.forPath("frames.zip") == .pngSequence)
        #expect(OutputFormat.forPath("x.avi") == nil && OutputFormat.forPath("noextension") == nil && OutputFormat.forPath(".mp4") == nil)
        #expect(OutputFormat(name: "JPG") == .jpeg && OutputFormat(name: "png-sequence") == .pngSequence && OutputFormat(name: "avi") == nil)
        #expect(FramePattern("f-%05d.png")?.name(42) == "f-00042.png" && FramePattern("f-%d.png")?.name(7) == "f-7.png")
        #expect(FramePattern("f-%5d.png") == nil && FramePattern("%d-%d.png") == nil)
        #expect(PNGSequenceDestination(path: "/tmp/a.zip") == .archive("/tmp/a.zip"))
        #expect(PNGSequenceDestination(path: "/tmp/frames") == .folder("/tmp/frames"))
        for format in OutputFormat.allCases {
            #expect(OutputFormat.mimeType(forExtension: format.fileExtension) == format.mimeType)
        }
    }
}
