import Foundation
import Media
import Render
import Testing
import Timeline
@testable import TemplateSchema

/// fixtures/examples/every-clip.json, a document using every clip type Reel renders, rendered
/// end to end: each clip is where it should be on frames, and the MP4 has every frame and sound.
@Suite struct ExampleDocumentTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../fixtures/examples").standardized.path

    @Test func everyClipTypeRendersEndToEnd() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.examples + "/every-clip.json"))
        let document = try RenderingVideoV2.decode(data)
        let timeline = try document.lower(baseDirectory: Self.examples)
        // Every clip type of the table that Reel renders is in it.
        func types(_ clips: [[String: Any]]) -> [String] {
            clips.flatMap { clip in [clip["type"] as? String].compactMap { $0 } + types(clip["children"] as? [[String: Any]] ?? []) }
        }
        let tracks = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])["tracks"] as? [[String: Any]] ?? []
        let used = Set(types(tracks.flatMap { ($0["clips"] as? [[String: Any]]) ?? [] }))
        let rendered = Set(RenderingVideoV2.clipTypes.filter(\.supported).map(\.name))
        #expect(rendered.isSubset(of: used), "not in the example: \(rendered.subtracting(used).sorted())")

        let renderer = Renderer(timeline: timeline)
        let frame = try renderer.frame(at: 1.5)
        let background = SIMD4<UInt8>(0x0f, 0x17, 0x22, 255)
        func isDrawn(_ x: Int, _ y: Int) -> Bool { frame.pixel(x: x, y: y) != background }
        #expect(isDrawn(150, 110), "image")
        #expect(isDrawn(810, 110), "video")
        #expect(isDrawn(400, 80) && isDrawn(480, 62), "rect and the arc over it")
        #expect(isDrawn(90, 300), "polygon")
        #expect(isDrawn(250, 300), "svg")
        let heart = frame.pixel(x: 420, y: 300)
        #expect(heart.x > 200 && heart.y < 140, "the red heart icon: \(heart)")
        #expect((490..<570).filter { isDrawn($0, 300) }.count > 20, "github icon")
        let fill = frame.pixel(x: 900, y: 320), outline = (836..<846).map { frame.pixel(x: $0, y: 300) }
        #expect(fill == SIMD4(0x3a, 0x2a, 0x10, 255), "the path's fill: \(fill)")
        #expect(outline.contains { $0.x > 230 && $0.y > 180 && $0.z < 60 }, "its yellow outline: \(outline)")
        #expect(isDrawn(250, 440), "code")
        // The three clip: the glTF cube (orange, lit) on the left of its floor, the torus on the right.
        let cube = frame.pixel(x: 607, y: 212)
        #expect(cube.x > 180 && cube.y > 120 && cube.z < 80, "the cube model: \(cube)")
        #expect(isDrawn(640, 240) && !isDrawn(540, 200), "the floor, inside the clip's box only")

        let output = FileManager.default.temporaryDirectory.appendingPathComponent("every-clip-\(UUID().uuidString).mp4").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        try renderer.renderVideo(to: output)
        let info = try MediaProbe.probe(path: output)
        #expect(info.videoStreams.first?.frameCount == 90)
        #expect(info.videoStreams.first.map { ($0.width, $0.height) } ?? (0, 0) == (960, 540))
        #expect(info.audioStreams.first?.codecName == "aac")
        let sound = try renderer.sound(from: 0.5, duration: 1)
        #expect(sound.left.map(abs).max() ?? 0 > 0.01, "the audio clip is heard")
    }
}
