import Foundation
import Media
import Render
import Testing
import Timeline
@testable import TemplateSchema

/// `svg` clips: drawn by librsvg at the size they are shown, compared with librsvg's own raster
/// (`rsvg-convert`) at that size; sharp when scaled up; sources, `$ref`s and their errors.
@Suite struct SVGTests {
    static let picture = """
        <svg xmlns="http://www.w3.org/2000/svg" width="60" height="40" viewBox="0 0 60 40">\
        <defs><linearGradient id="g" x1="0" x2="1"><stop offset="0" stop-color="#ff5e62"/><stop offset="1" stop-color="#2040ff"/></linearGradient></defs>\
        <rect x="2" y="2" width="56" height="36" rx="6" fill="url(#g)"/>\
        <circle cx="30" cy="20" r="12" fill="#ffffff" fill-opacity="0.5" stroke="#000" stroke-width="2"/></svg>
        """

    static func escaped(_ markup: String) -> String {
        markup.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    @Test func anSVGIsWhatLibrsvgDrawsAtTheSameSize() throws {
        let folder = TemporaryFolder()
        let file = folder.file("picture.svg"), reference = folder.file("reference.png")
        try Self.picture.write(toFile: file, atomically: true, encoding: .utf8)
        // Shown at 180 × 120 (three times its own size) from the top-left corner of a transparent canvas.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/rsvg-convert")
        process.arguments = ["-w", "180", "-h", "120", "-o", reference, file]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let expected = try ImageDecoder.decode(path: reference)
        for source in [#""svg": "\#(Self.escaped(Self.picture))""#, #""src": "\#(file)""#] {
            let drawn = try frame(document(width: 200, height: 140, background: #""transparent""#, """
                { "type": "svg", "start": 0, "duration": 1, \(source),
                  "transform": { "x": 0, "y": 0, "width": 180, "height": 120, "anchor": "top-left" } }
                """))
            var worst = 0
            for y in 0..<120 {
                for x in 0..<180 {
                    let a = drawn.pixel(x: x, y: y), b = expected.pixel(x: x, y: y)
                    worst = max(worst, (0..<4).map { abs(Int(a[$0]) - Int(b[$0])) }.max() ?? 0)
                }
            }
            #expect(worst <= 2, "largest difference from rsvg-convert's raster: \(worst)")
            #expect(drawn.pixel(x: 190, y: 60).w == 0 && drawn.pixel(x: 90, y: 130).w == 0, "nothing outside the box")
            #expect(drawn.pixel(x: 90, y: 60) != drawn.pixel(x: 15, y: 60), "the picture has content")
        }
    }

    @Test func scaledUpItIsDrawnAgainSharp() throws {
        // A 10 px square scaled 8×: its edge falls between two pixels, with no blur across it.
        let square = ##"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect x=\"0\" y=\"0\" width=\"5\" height=\"10\" fill=\"#ffffff\"/></svg>"##
        let drawn = try frame(document(width: 100, height: 100, """
            { "type": "svg", "start": 0, "duration": 1, "svg": "\(square)", "transform": { "x": 50, "y": 50, "scale": 8 } }
            """))
        // The box spans 10…90; the white half 10…50.
        #expect(drawn.pixel(x: 49, y: 50) == white && drawn.pixel(x: 50, y: 50) == black)
        #expect(drawn.pixel(x: 11, y: 12) == white && drawn.pixel(x: 9, y: 12) == black)
    }

    @Test func referencesAndSizes() throws {
        let folder = TemporaryFolder()
        let file = folder.file("box.svg")
        try ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10"><rect width="20" height="10" fill="#ff0000"/></svg>"##
            .write(toFile: file, atomically: true, encoding: .utf8)
        // Through assets.svgs by src; no width/height: the viewBox's 20 × 10, centred at (50, 50).
        let json = """
            { "meta": { "width": 100, "height": 100, "fps": 10, "background": "#000000" },
              "assets": { "svgs": [ { "id": "box", "src": "\(file)" } ] },
              "tracks": [ { "clips": [ { "type": "svg", "start": 0, "duration": 1, "src": { "$ref": "box" } } ] } ] }
            """
        let drawn = try frame(json)
        #expect(drawn.pixel(x: 41, y: 46) == red && drawn.pixel(x: 58, y: 53) == red)
        #expect(drawn.pixel(x: 39, y: 50) == black && drawn.pixel(x: 50, y: 44) == black)
    }

    @Test(arguments: [
        (#"{ "type": "svg", "start": 0, "duration": 1 }"#, "tracks[0].clips[0].svg", "is required"),
        (#"{ "type": "svg", "start": 0, "duration": 1, "svg": "hello" }"#, "tracks[0].clips[0].svg", "not SVG markup"),
        (#"{ "type": "svg", "start": 0, "duration": 1, "svg": { "$ref": "nope" } }"#, "tracks[0].clips[0].svg.$ref", "assets.svgs"),
        (#"{ "type": "svg", "start": 0, "duration": 1, "svg": "<svg/>", "src": "a.svg" }"#, "tracks[0].clips[0].src", "not both"),
    ])
    func badSVGClipsAreReportedAtTheirPaths(clip: String, path: String, message: String) throws {
        do {
            _ = try RenderingVideoV2.decode(Data(document(clip).utf8))
            Issue.record("accepted: \(clip)")
        } catch {
            #expect(error.diagnostics.contains { $0.path.description == path && $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test func brokenMarkupFailsNamingTheClip() throws {
        #expect {
            _ = try frame(document(#"{ "type": "svg", "start": 0, "duration": 1, "svg": "<svg xmlns='http://www.w3.org/2000/svg'><rect", "transform": { "width": 10, "height": 10 } }"#))
        } throws: { error in
            "\(error)".contains("tracks[0].clips[0]") && "\(error)".contains("SVG")
        }
    }
}
