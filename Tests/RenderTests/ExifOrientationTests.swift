import Foundation
import Testing
import Timeline
import Compositor
import Encoder
@testable import Media

/// JPEGs are shown as their EXIF orientation says (phones store portrait photos turned and tag
/// them), for each of the eight orientations.
@Suite struct ExifOrientationTests {
    /// A 64×32 JPEG, red with a blue 32×16 top-left quarter, tagged with `orientation` (an APP1
    /// Exif segment after the start of image, as cameras write it).
    static func jpeg(orientation: Int, at path: String) throws {
        let picture = Raster(width: 64, height: 32)
        picture.fill(SIMD4(255, 0, 0, 255))
        for y in 0..<16 {
            for x in 0..<32 {
                let offset = (y * 64 + x) * 4
                (picture.pixels[offset], picture.pixels[offset + 1], picture.pixels[offset + 2]) = (0, 0, 255)
            }
        }
        let plain = path + ".plain.jpg"
        defer { try? FileManager.default.removeItem(atPath: plain) }
        let writer = try MovieWriter(path: plain, width: 64, height: 32, frameRate: FrameRate(numerator: 10),
                                     settings: EncoderSettings(crf: 5, videoCodec: "mjpeg", pixelFormat: "yuvj420p",
                                                               includesAudio: false, container: "mjpeg"))
        try writer.append(picture)
        try writer.finish()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: plain))
        // TIFF, big-endian: one IFD entry, tag 0x0112 (Orientation), SHORT, count 1.
        var tiff = Data([0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1])
        tiff.append(contentsOf: [0, UInt8(orientation), 0, 0, 0, 0, 0, 0])
        let app1 = Data("Exif".utf8) + Data([0, 0]) + tiff
        let length = app1.count + 2
        let segment = Data([0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)]) + app1
        try (bytes.prefix(2) + segment + bytes.dropFirst(2)).write(to: URL(fileURLWithPath: path))
    }

    @Test(arguments: [
        // orientation, size shown, where the blue quarter is shown
        (1, 64, 32, "top-left"), (2, 64, 32, "top-right"), (3, 64, 32, "bottom-right"), (4, 64, 32, "bottom-left"),
        (5, 32, 64, "top-left"), (6, 32, 64, "top-right"), (7, 32, 64, "bottom-right"), (8, 32, 64, "bottom-left"),
    ])
    func eachOrientationIsShownUpright(orientation: Int, width: Int, height: Int, blueCorner: String) throws {
        let path = NSTemporaryDirectory() + "reel-exif-\(orientation)-\(UUID().uuidString).jpg"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.jpeg(orientation: orientation, at: path)
        let image = try ImageDecoder.decode(path: path)
        #expect(image.width == width && image.height == height)
        let corners = ["top-left": (width / 4, height / 4), "top-right": (3 * width / 4, height / 4),
                       "bottom-left": (width / 4, 3 * height / 4), "bottom-right": (3 * width / 4, 3 * height / 4)]
        for (name, (x, y)) in corners {
            let pixel = image.pixel(x: x, y: y)
            let blue = pixel.z > 150 && pixel.x < 100
            #expect(blue == (name == blueCorner), "orientation \(orientation), \(name): \(pixel)")
        }
    }
}
