import Foundation
import Render
import TemplateSchema
import Testing
import Timeline

/// An AVS Template v1 job's document drawn by the same renderer as everything else.
@Suite struct AVSTemplateRenderTests {
    @Test func footageFitsTheFrameAndTheCaptionSitsAtTheBottom() throws {
        let folder = NSTemporaryDirectory() + "reel-avs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try MediaFixtures.video(at: folder + "/hero.mp4", count: 10, fps: 10)  // 128×32 index frames: black with white bits
        let json = #"""
            { "template": { "version": "1", "blocks": [
                { "type": "video", "start": 0, "duration": 1, "source": { "uploadName": "hero.mp4" } },
                { "type": "text", "start": 0, "duration": 1, "text": "CAPTION" } ] },
              "output": { "aspectRatio": "1:1", "quality": "draft" } }
            """#
        let uploads = SourceResolver { src in
            src.hasPrefix(AVSTemplateV1.uploadPrefix) ? .success(.file(folder + "/" + src.dropFirst(AVSTemplateV1.uploadPrefix.count)))
                : .failure(SourceRefusal("no network in this test"))
        }
        let timeline = try Dialects.timeline(dialect: AVSTemplateV1.name, document: Data(json.utf8), sources: uploads)
        let frame = try Renderer(timeline: timeline).frame(at: 0.55)  // frame 5: bits 0 and 2 set
        #expect(frame.width == 480 && frame.height == 480)
        // Contain: the 4:1 footage spans the width, 120 px tall, centred; black bars above and below.
        let band = (480 - 120) / 2
        #expect(frame.pixel(x: 8, y: 240).x > 200)              // bit 0 of index 5: white
        #expect(frame.pixel(x: 8 + 30, y: 240).x < 40)          // bit 1: black
        #expect(frame.pixel(x: 240, y: band - 20).w == 255 && frame.pixel(x: 240, y: band - 20).x < 20)  // the bar
        // The caption: white ink in the bottom band, around 88 % of the height.
        let captionRows = (400...440)
        let ink = captionRows.flatMap { y in stride(from: 100, to: 380, by: 2).map { x in frame.pixel(x: x, y: y).x } }.filter { $0 > 200 }
        #expect(ink.count > 50, "caption ink: \(ink.count)")
    }
}
