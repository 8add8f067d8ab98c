import Foundation
import Media
import Render
import Testing

/// Image clips: object fit, natural size, rounded corners, and bad files.
@Suite struct ImageTests {
    /// A 200×100 image in three bands: red [0, 50), green [50, 150), blue [150, 200).
    func bands(in folder: TemporaryFolder) throws -> String {
        try folder.png("bands.png", width: 200, height: 100) { x, _ in x < 50 ? red : x < 150 ? green : blue }
    }

    func fitted(_ fit: String, folder: TemporaryFolder) throws -> (Int, Int) -> SIMD4<UInt8> {
        let path = try bands(in: folder)
        let image = try frame(document("""
            { "type": "image", "src": "\(path)", "start": 0, "duration": 1,
              "transform": { "x": 50, "y": 50, "width": 100, "height": 100 }, "style": { "objectFit": "\(fit)" } }
            """))
        return { image.pixel(x: $0, y: $1) }
    }

    @Test func fillStretchesTheWholeImage() throws {
        let pixel = try fitted("fill", folder: TemporaryFolder())
        #expect(close(pixel(10, 50), red))
        #expect(close(pixel(50, 5), green))
        #expect(close(pixel(90, 95), blue))
    }

    @Test func coverCropsToTheCentre() throws {
        let pixel = try fitted("cover", folder: TemporaryFolder())
        // The centred 100×100 of the image is all green.
        for x in stride(from: 2, to: 100, by: 12) { #expect(close(pixel(x, 50), green), "x = \(x)") }
        #expect(close(pixel(50, 1), green))
    }

    @Test func containLetterboxes() throws {
        let pixel = try fitted("contain", folder: TemporaryFolder())
        // Scaled to 100×50 and centred: bands of 25, 50 and 25 pixels, black above and below.
        #expect(pixel(50, 10) == black)
        #expect(pixel(50, 90) == black)
        #expect(close(pixel(10, 50), red))
        #expect(close(pixel(50, 50), green))
        #expect(close(pixel(90, 50), blue))
    }

    @Test func noSizeMeansTheNaturalSizeAndOneSideKeepsTheAspect() throws {
        let folder = TemporaryFolder()
        let path = try folder.png("dot.png", width: 20, height: 10) { _, _ in red }
        let natural = try frame(document("""
            { "type": "image", "src": "\(path)", "start": 0, "duration": 1, "transform": { "x": 0, "y": 0, "anchor": "top-left" } }
            """))
        #expect(natural.pixel(x: 19, y: 9) == red)
        #expect(natural.pixel(x: 20, y: 5) == black)
        #expect(natural.pixel(x: 5, y: 10) == black)
        let wide = try frame(document("""
            { "type": "image", "src": "\(path)", "start": 0, "duration": 1,
              "transform": { "x": 0, "y": 0, "width": 60, "anchor": "top-left" } }
            """))
        #expect(close(wide.pixel(x: 59, y: 29), red))
        #expect(wide.pixel(x: 30, y: 31) == black)
    }

    @Test func transparencyIsKept() throws {
        let folder = TemporaryFolder()
        let path = try folder.png("half.png", width: 10, height: 10) { _, _ in SIMD4(255, 255, 255, 128) }
        let image = try frame(document("""
            { "type": "image", "src": "\(path)", "start": 0, "duration": 1 }
            """))
        #expect(close(image.pixel(x: 50, y: 50), SIMD4(128, 128, 128, 255), tolerance: 1))
    }

    @Test func relativeSourcesResolveAgainstTheConfigFolder() throws {
        let folder = TemporaryFolder()
        try folder.png("logo.png", width: 10, height: 10) { _, _ in blue }
        let image = try frame(document(#"{ "type": "image", "src": "logo.png", "start": 0, "duration": 1 }"#),
                              baseDirectory: folder.path)
        #expect(image.pixel(x: 50, y: 50) == blue)
    }

    @Test func assetReferencesResolveToTheirSource() throws {
        let folder = TemporaryFolder()
        let path = try folder.png("logo.png", width: 10, height: 10) { _, _ in green }
        let json = """
            { "meta": { "width": 100, "height": 100, "fps": 10 },
              "assets": { "images": [ { "id": "logo", "src": "\(path)" } ] },
              "tracks": [ { "clips": [ { "type": "image", "src": { "$ref": "logo" }, "start": 0, "duration": 1 } ] } ] }
            """
        #expect(try frame(json).pixel(x: 50, y: 50) == green)
    }

    @Test func roundedCornersCutTheImage() throws {
        let folder = TemporaryFolder()
        let path = try folder.png("white.png", width: 60, height: 60) { _, _ in white }
        let image = try frame(document("""
            { "type": "image", "src": "\(path)", "start": 0, "duration": 1, "style": { "borderRadius": 20 } }
            """))
        #expect(image.pixel(x: 21, y: 21) == black)
        #expect(image.pixel(x: 50, y: 21) == white)
    }

    @Test(arguments: ["garbage", "truncated", "empty", "missing"])
    func badImagesGiveACleanErrorNamingTheClip(kind: String) throws {
        let folder = TemporaryFolder()
        let path = folder.file("broken.png")
        switch kind {
        case "garbage":
            try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: path))
        case "truncated":
            let good = try folder.png("good.png", width: 64, height: 64) { x, y in SIMD4(UInt8(x * 4), UInt8(y * 4), 9, 255) }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        case "empty":
            try Data().write(to: URL(fileURLWithPath: path))
        default:
            break
        }
        let json = document(#"{ "type": "rect", "start": 0, "duration": 1, "transform": { "width": 5, "height": 5 } }"#, """
            { "type": "image", "src": "\(path)", "start": 0, "duration": 1 }
            """)
        do {
            _ = try frame(json)
            Issue.record("a \(kind) image rendered without an error")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("tracks[0].clips[1].src: "), "\(message)")
            #expect(message.contains(path), "\(message)")
        }
    }

    @Test func aFailedRenderLeavesNoOutputFile() throws {
        let folder = TemporaryFolder()
        let path = folder.file("broken.png")
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: path))
        let output = folder.file("out.mp4")
        let renderer = Renderer(timeline: try timeline(document("""
            { "type": "image", "src": "\(path)", "start": 0, "duration": 1 }
            """)))
        #expect(throws: (any Error).self) { try renderer.renderVideo(to: output) }
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["broken.png"])
    }
}

/// JPEG, WebP and GIF decode through libavcodec like PNG.
@Suite struct ImageFormatTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../fixtures/images").standardized.path

    @Test(arguments: [("bands.jpg", 12), ("bands.webp", 0)])
    func bandsDecodeToTheirColours(file: String, tolerance: Int) throws {
        let image = try ImageDecoder.decode(path: Self.fixtures + "/" + file)
        #expect(image.width == 200 && image.height == 100)
        #expect(close(image.pixel(x: 20, y: 50), red, tolerance: tolerance), "\(image.pixel(x: 20, y: 50))")
        #expect(close(image.pixel(x: 100, y: 50), green, tolerance: tolerance), "\(image.pixel(x: 100, y: 50))")
        #expect(close(image.pixel(x: 180, y: 50), blue, tolerance: tolerance), "\(image.pixel(x: 180, y: 50))")
    }

    /// An image goes from the container's header straight to its decoder, without libavformat's
    /// stream probing (which decodes the picture once more): the same pixels either way.
    @Test(arguments: ["bands.jpg", "bands.webp", "green.gif", "png"])
    func oneDecodeGivesWhatProbingAndDecodingGive(file: String) throws {
        let folder = TemporaryFolder()
        let path = file == "png"
            ? try folder.png("alpha.png", width: 33, height: 17) { x, y in SIMD4(UInt8(x * 7), UInt8(y * 15), 90, UInt8(60 + x * 5)) }
            : Self.fixtures + "/" + file
        let direct = try ImageDecoder.decode(path: path, readsStreamInfo: false)
        let probed = try ImageDecoder.decode(path: path, readsStreamInfo: true)
        #expect(direct.width == probed.width && direct.height == probed.height)
        #expect(Data(bytes: direct.pixels, count: direct.byteCount) == Data(bytes: probed.pixels, count: probed.byteCount))
        #expect(direct.width > 1 && Set((0..<direct.width).map { direct.pixel(x: $0, y: direct.height / 2) }).count > 1
                || file == "green.gif")
    }

    @Test func aGIFShowsItsFirstFrame() throws {
        let frame = try frame(document("""
            { "type": "image", "src": "\(Self.fixtures)/green.gif", "start": 0, "duration": 1 }
            """))
        #expect(close(frame.pixel(x: 50, y: 50), green, tolerance: 4), "GIF palettes quantise colours slightly")
        #expect(frame.pixel(x: 50, y: 35) == black, "40×20 at its natural size")
    }

    @Test func aJPEGFillsACoverBoxFromItsCentre() throws {
        let frame = try frame(document("""
            { "type": "image", "src": "\(Self.fixtures)/bands.jpg", "start": 0, "duration": 1,
              "transform": { "width": 100, "height": 100 } }
            """))
        #expect(close(frame.pixel(x: 5, y: 50), green, tolerance: 12))
        #expect(close(frame.pixel(x: 94, y: 50), green, tolerance: 12))
    }
}
