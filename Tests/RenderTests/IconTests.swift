import Foundation
import Media
import Testing
import Timeline
@testable import TemplateSchema
@testable import Compositor

/// `icon` clips: `set:name` resolved in Debian's icon fonts and drawn as the font's glyph.
@Suite struct IconTests {
    static let size = 128

    /// The icon drawn by Reel at 128 px against the same glyph drawn by hb-view (HarfBuzz and
    /// cairo) from the font file: the same ink (IoU ≥ 0.95), in the clip's colour.
    @Test(arguments: [("mdi:heart", "/usr/share/fonts/truetype/materialdesignicons-webfont/materialdesignicons-webfont.ttf"),
                      ("fa:github", "/usr/share/fonts/truetype/fork-awesome/forkawesome-webfont.ttf"),
                      ("fork-awesome:star", "/usr/share/fonts/truetype/fork-awesome/forkawesome-webfont.ttf")])
    func anIconIsItsFontGlyph(icon: String, font: String) throws {
        let parts = icon.split(separator: ":").map(String.init)
        let set = try #require(IconSet.named(parts[0]))
        let scalar = try #require(set.icons[parts[1]], "\(icon) is in the stylesheet")
        let ours = try frame(document(width: 200, height: 200, background: #""transparent""#, """
            { "type": "icon", "icon": "\(icon)", "color": "#ff0000", "start": 0, "duration": 1,
              "transform": { "x": 100, "y": 100, "width": \(Self.size), "height": \(Self.size) } }
            """))
        let folder = TemporaryFolder()
        let output = folder.file("reference.png")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/hb-view")
        process.arguments = ["--font-file=\(font)", "--font-size=\(Self.size)", "--margin=32", "--background=00000000",
                             "--foreground=FF0000FF", "-O", "png", "-o", output, String(Character(scalar))]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let overlap = ShapingReferenceTests.inkIoU(ours, try ImageDecoder.decode(path: output))
        #expect(overlap >= 0.95, "\(icon): IoU \(overlap)")
        // Red ink, inside the 128 px box centred at (100, 100).
        var ink = 0
        for y in 0..<200 {
            for x in 0..<200 where ours.pixel(x: x, y: y).w > 128 {
                ink += 1
                #expect((36..<164).contains(x) && (36..<164).contains(y), "ink at (\(x), \(y)) outside the box")
                #expect(ours.pixel(x: x, y: y).y == 0 && ours.pixel(x: x, y: y).z == 0)
            }
        }
        #expect(ink > 2000)
    }

    @Test(arguments: [
        (#""icon": "mdi:hart""#, #"no icon "hart" in "mdi"; nearest: "#),
        (#""icon": "mdi:hart""#, #""mdi:heart""#),
        (#""icon": "nope:heart""#, #"unknown icon set "nope"; sets: "mdi", "fa""#),
        (#""icon": "heart""#, #"expected "set:name""#),
        (#""size": 4"#, "is required"),
        (#""icon": "mdi:\#(String(repeating: "x", count: 5000))""#, #"no icon "xxxx"#),
    ])
    func badIconsNameTheNearest(fields: String, message: String) throws {
        do {
            _ = try RenderingVideoV2.decode(Data(document(#"{ "type": "icon", "start": 0, "duration": 1, \#(fields) }"#).utf8))
            Issue.record("accepted: \(fields)")
        } catch {
            #expect(error.diagnostics.contains { $0.path.description == "tracks[0].clips[0].icon" && $0.message.contains(message) },
                    "\(error.diagnostics)")
        }
    }

    @Test func everySetIsInstalledAndNamed() {
        for set in IconSet.all {
            #expect(set.isInstalled, "\(set.name): scripts/install-deps installs its font")
            #expect(set.icons.count > 500)
        }
        #expect(IconSet.named("mdi")?.icons["account"] == Unicode.Scalar(0xF004))
        #expect(IconSet.named("fa")?.icons["heart"] == Unicode.Scalar(0xF004))
        #expect(IconSet.named("fa")?.icons["close"] == IconSet.named("fa")?.icons["times"], "aliases of one glyph")
    }
}
