import Compositor
import Encoder
import Foundation
import Render
import TemplateSchema
import Testing
import Timeline

/// A temporary folder for one test's files, removed when the value goes away.
final class TemporaryFolder {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "reel-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes a PNG whose pixel (x, y) is `color(x, y)` (straight RGBA).
    @discardableResult
    func png(_ name: String, width: Int, height: Int, color: (Int, Int) -> SIMD4<UInt8>) throws -> String {
        let raster = Raster(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let c = color(x, y)
                let p = raster.pixels + (y * width + x) * 4
                let a = Int(c.w)
                p[0] = UInt8((Int(c.x) * a + 127) / 255); p[1] = UInt8((Int(c.y) * a + 127) / 255)
                p[2] = UInt8((Int(c.z) * a + 127) / 255); p[3] = c.w
            }
        }
        try PNGWriter.write(raster, to: file(name))
        return file(name)
    }
}

/// Lowers a v2 document given as JSON text.
func timeline(_ json: String, baseDirectory: String = "/") throws -> Timeline {
    try RenderingVideoV2.decode(Data(json.utf8)).lower(baseDirectory: baseDirectory)
}

/// The frame at `seconds` of a v2 document.
func frame(_ json: String, at seconds: Double = 0, baseDirectory: String = "/") throws -> Raster {
    try Renderer(timeline: timeline(json, baseDirectory: baseDirectory)).frame(at: seconds)
}

/// A document with a `width` × `height` canvas at 10 fps, a background, and `clips` on one track.
func document(width: Int = 100, height: Int = 100, background: String = "\"#000000\"", fps: Int = 10,
              _ clips: String...) -> String {
    """
    { "meta": { "version": "2.0.0", "width": \(width), "height": \(height), "fps": \(fps), "background": \(background) },
      "tracks": [ { "clips": [ \(clips.joined(separator: ",\n")) ] } ] }
    """
}

/// Whether two pixels differ by at most `tolerance` in every channel.
func close(_ a: SIMD4<UInt8>, _ b: SIMD4<UInt8>, tolerance: Int = 2) -> Bool {
    (0..<4).allSatisfy { abs(Int(a[$0]) - Int(b[$0])) <= tolerance }
}

let white = SIMD4<UInt8>(255, 255, 255, 255)
let black = SIMD4<UInt8>(0, 0, 0, 255)
let red = SIMD4<UInt8>(255, 0, 0, 255)
let green = SIMD4<UInt8>(0, 255, 0, 255)
let blue = SIMD4<UInt8>(0, 0, 255, 255)
