import Compositor
import Encoder
import Foundation
@testable import Media
import Render
import Testing
import Timeline

/// Truncated, bit-flipped and zeroed media: every variant of a valid MP4, MOV, MKV, WAV, PNG and
/// JPEG either renders or fails with an error naming the clip that uses it. A trap would end the
/// test process; a hang cannot happen (every open and read has a deadline, `MediaLimits`).
@Suite struct CorruptMediaTests {
    /// The valid files the variants are made from, by name, written by Reel's own writers.
    static let originals: Result<[String: Data], any Error> = Result { try makeOriginals() }

    static let originalNames = ["clip.mp4", "clip.mov", "clip.mkv", "tone.wav", "still.png", "still.jpg"]

    /// How each original is damaged: cut short, bits flipped at seeded places, the header zeroed.
    enum Damage: Sendable, CustomStringConvertible {
        case firstBytes(Int)
        case fraction(Int)  // percent kept
        /// 20 bits flipped among the first `within` bytes (the headers and index), or anywhere.
        case flips(seed: UInt64, within: Int? = nil)
        case zeroedHeader

        static let all: [Damage] = [.firstBytes(100), .fraction(10), .fraction(50), .fraction(90), .zeroedHeader]
            + (1...8).map { .flips(seed: $0) } + (1...4).map { .flips(seed: $0, within: 1024) }

        var description: String {
            switch self {
            case .firstBytes(let count): "first \(count) bytes"
            case .fraction(let percent): "first \(percent)%"
            case .flips(let seed, let within): "20 bit flips\(within.map { " in the first \($0) bytes" } ?? ""), seed \(seed)"
            case .zeroedHeader: "first 64 bytes zeroed"
            }
        }

        func apply(to data: Data) -> Data {
            var bytes = [UInt8](data)
            switch self {
            case .firstBytes(let count):
                bytes = Array(bytes.prefix(count))
            case .fraction(let percent):
                bytes = Array(bytes.prefix(bytes.count * percent / 100))
            case .flips(let seed, let within):
                var random = SplitMix64(seed: seed)
                let span = UInt64(min(within ?? bytes.count, bytes.count))
                for _ in 0..<20 {
                    let position = Int(random.next() % span)
                    bytes[position] ^= 1 << UInt8(random.next() % 8)
                }
            case .zeroedHeader:
                for index in 0..<min(64, bytes.count) { bytes[index] = 0 }
            }
            return Data(bytes)
        }
    }

    /// SplitMix64: the same positions on every machine.
    struct SplitMix64 {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: originalNames, Damage.all.indices)
    func damagedMediaFailsNamingTheClip(original: String, damageIndex: Int) throws {
        let damage = Damage.all[damageIndex]
        let data = try #require(try Self.originals.get()[original])
        let folder = TemporaryFolder()
        let path = folder.file("damaged-" + original)
        try damage.apply(to: data).write(to: URL(fileURLWithPath: path))
        let json = Self.document(using: path, as: Self.use(of: original, variant: damageIndex))
        do {
            try Renderer(timeline: timeline(json)).renderVideo(to: folder.file("out.mp4"),
                                                              settings: EncoderSettings(preset: "ultrafast"))
        } catch {
            #expect("\(error)".contains("tracks[0].clips[0]"), "\(original), \(damage): \(error)")
        }
    }

    /// The originals themselves render, in every way the variants use them.
    @Test(arguments: originalNames)
    func originalsRender(original: String) throws {
        let data = try #require(try Self.originals.get()[original])
        let folder = TemporaryFolder()
        let path = folder.file(original)
        try data.write(to: URL(fileURLWithPath: path))
        for variant in 0..<3 {
            let json = Self.document(using: path, as: Self.use(of: original, variant: variant))
            try Renderer(timeline: timeline(json)).renderVideo(to: folder.file("out.mp4"), settings: EncoderSettings(preset: "ultrafast"))
        }
    }

    /// Opens and reads stop at their deadlines (here already passed) with an error.
    @Test func opensAndReadsGiveUpAtTheirDeadlines() throws {
        let folder = TemporaryFolder()
        let path = folder.file("clip.mp4")
        try #require(try Self.originals.get()["clip.mp4"]).write(to: URL(fileURLWithPath: path))
        #expect(throws: MediaError.self) { try FormatInput(path: path, openTimeout: 0) }
        do {
            _ = try FormatInput(path: path, openTimeout: 0)
        } catch {
            #expect("\(error)" == "cannot open \(path): gave up after 0 s (the time limit for opening media)")
        }
        // Stream 0 is the video (MovieWriter adds it first).
        let input = try FormatInput(path: path, readTimeout: 0)
        let decoder = try FrameDecoder(input: input, streamIndex: 0, threads: 1)
        do {
            _ = try decoder.next(into: FrameBuffer())
            Issue.record("a frame decoded with no time to read")
        } catch {
            #expect("\(error)" == "cannot decode \(path): no frame within 0 s (the time limit for one read)")
        }
        // With time, the same file reads.
        let timely = try FrameDecoder(input: FormatInput(path: path), streamIndex: 0, threads: 1)
        #expect(try timely.next(into: FrameBuffer()))
    }

    /// How a variant is used: footage filling the canvas (passed through in Y'CbCr), footage in a
    /// smaller box (drawn in RGBA), or the footage's sound alone; images and sound as themselves.
    enum Use { case canvasVideo, boxedVideo, sound, image }

    static func use(of original: String, variant: Int) -> Use {
        switch URL(fileURLWithPath: original).pathExtension {
        case "wav": .sound
        case "png", "jpg": .image
        default: [Use.canvasVideo, .boxedVideo, .sound][variant % 3]
        }
    }

    /// A 64×36 composition, half a second at 10 fps, whose first clip uses `path`.
    static func document(using path: String, as use: Use) -> String {
        let clip = switch use {
        case .canvasVideo:
            #"{ "type": "video", "src": "\#(path)", "start": 0, "duration": 0.5, "style": { "objectFit": "fill" }, "#
                + #""transform": { "x": 0, "y": 0, "width": 64, "height": 36, "anchor": "top-left" } }"#
        case .boxedVideo:
            #"{ "type": "video", "src": "\#(path)", "start": 0, "duration": 0.5, "#
                + #""transform": { "x": 8, "y": 4, "width": 32, "height": 18, "anchor": "top-left" } }"#
        case .sound:
            #"{ "type": "audio", "src": "\#(path)", "start": 0, "duration": 0.5 }"#
        case .image:
            #"{ "type": "image", "src": "\#(path)", "start": 0, "duration": 0.5, "#
                + #""transform": { "x": 8, "y": 4, "width": 32, "height": 18, "anchor": "top-left" } }"#
        }
        return """
            { "meta": { "width": 64, "height": 36, "fps": 10 },
              "tracks": [ { "clips": [ \(clip),
                { "type": "rect", "start": 0, "duration": 0.5, "transform": { "width": 4, "height": 4 } } ] } ] }
            """
    }

    /// 64×36 H.264 + AAC at 10 fps (one second) in MP4, MOV and Matroska; a WAV tone; a PNG; a
    /// one-frame MJPEG stream, which is a JPEG file.
    static func makeOriginals() throws -> [String: Data] {
        let folder = TemporaryFolder()
        var files: [String: Data] = [:]
        let picture = { (index: Int) -> Raster in
            let raster = Raster(width: 64, height: 36)
            for y in 0..<36 {
                for x in 0..<64 {
                    let p = raster.pixels + (y * 64 + x) * 4
                    p[0] = UInt8(x * 4); p[1] = UInt8(y * 7); p[2] = UInt8(truncatingIfNeeded: index * 25); p[3] = 255
                }
            }
            return raster
        }
        let tone = MediaFixtures.tone(seconds: 1)
        let left = stride(from: 0, to: tone.count, by: 2).map { tone[$0] }
        for (name, container) in [("clip.mp4", "mp4"), ("clip.mov", "mov"), ("clip.mkv", "matroska")] {
            let path = folder.file(name)
            let writer = try MovieWriter(path: path, width: 64, height: 36, frameRate: FrameRate(numerator: 10),
                                         settings: EncoderSettings(crf: 20, preset: "ultrafast", container: container))
            for index in 0..<10 {
                try writer.append(picture(index))
                let block = Array(left[(index * 4800)..<((index + 1) * 4800)])
                try writer.appendAudio(left: block, right: block)
            }
            try writer.finish()
            files[name] = try Data(contentsOf: URL(fileURLWithPath: path))
        }
        try MediaFixtures.wav(at: folder.file("tone.wav"), samples: MediaFixtures.tone(seconds: 0.5))
        files["tone.wav"] = try Data(contentsOf: URL(fileURLWithPath: folder.file("tone.wav")))
        files["still.png"] = try PNGWriter.encode(picture(3))
        let jpeg = folder.file("still.jpg")
        let writer = try MovieWriter(path: jpeg, width: 64, height: 36, frameRate: FrameRate(numerator: 10),
                                     settings: EncoderSettings(crf: 10, videoCodec: "mjpeg", pixelFormat: "yuvj420p",
                                                               includesAudio: false, container: "mjpeg"))
        try writer.append(picture(5))
        try writer.finish()
        files["still.jpg"] = try Data(contentsOf: URL(fileURLWithPath: jpeg))
        return files
    }
}
