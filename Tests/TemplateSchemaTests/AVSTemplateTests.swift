import Foundation
import Testing
import Timeline
@testable import TemplateSchema

/// AVS Template JSON v1 as Reel reads it: strict on the published fields, warnings for the rest,
/// and the presentation defaults of docs/avs-template.md.
@Suite struct AVSTemplateTests {
    static let example = #"""
        { "template": { "version": "1", "name": "Spring launch", "blocks": [
            { "type": "video", "start": 0, "duration": 6, "source": { "uploadName": "hero.mp4" } },
            { "type": "image", "start": 6, "duration": 3, "source": { "url": "https://cdn.example.com/pack.png" } },
            { "type": "text", "start": 0, "duration": 6, "text": "Now shipping" },
            { "type": "audio", "start": 0, "duration": 9, "source": { "url": "https://cdn.example.com/bed.mp3" } } ] },
          "output": { "aspectRatio": "16:9", "quality": "web" },
          "webhook": { "url": "https://example.com/hooks/avs", "secret": "whsec_example" } }
        """#

    static let uploads = SourceResolver { src in
        src.hasPrefix(AVSTemplateV1.uploadPrefix) ? .success(.file("/jobs/1/" + src.dropFirst(AVSTemplateV1.uploadPrefix.count)))
            : .success(.url(src))
    }

    static func problems(_ json: String) -> [String] {
        do {
            _ = try AVSTemplateV1.read(Data(json.utf8))
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func theDocumentedExampleLowersToOneTrackPerBlock() throws {
        let document = try AVSTemplateV1.read(Data(Self.example.utf8))
        #expect(document.name == "Spring launch" && document.warnings.isEmpty && document.uploadNames == ["hero.mp4"])
        let timeline = try document.lower(sources: Self.uploads)
        #expect(timeline.canvas.width == 1280 && timeline.canvas.height == 720)
        #expect(timeline.duration == 9)
        let clips = timeline.tracks.flatMap(\.clips)
        #expect(clips.map(\.zIndex) == [0, 1, 2, 3])  // later blocks draw above earlier ones
        guard case .video(let video) = clips[0].content, case .image(let image) = clips[1].content,
              case .text(let text) = clips[2].content, case .audio(let audio) = clips[3].content else {
            Issue.record("block kinds: \(clips.map(\.content))")
            return
        }
        #expect(video.source == .file("/jobs/1/hero.mp4") && video.fit == .contain)
        #expect(image.source == .url("https://cdn.example.com/pack.png") && image.fit == .contain)
        #expect(audio.source == .url("https://cdn.example.com/bed.mp3"))
        #expect(text.text == "Now shipping" && text.fontSize == 43 && clips[2].transform.y.value(at: 0) == 720 * 0.88)
        // Read through the registry as a stored job is.
        let stored = try Dialects.timeline(dialect: "avs-template-v1", document: Data(Self.example.utf8), sources: Self.uploads)
        #expect(stored.tracks.count == 4)
    }

    @Test(arguments: [("16:9", "web", 1280, 720), ("9:16", "studio", 1080, 1920), ("1:1", "draft", 480, 480), ("4:5", "web", 720, 900),
                      ("16:9", "draft", 852, 480), ("9:16", "draft", 480, 852)])
    func outputSizes(ratio: String, quality: String, width: Int, height: Int) throws {
        let json = Self.example.replacingOccurrences(of: #""aspectRatio": "16:9", "quality": "web""#,
                                                     with: #""aspectRatio": "\#(ratio)", "quality": "\#(quality)""#)
        let canvas = try AVSTemplateV1.read(Data(json.utf8)).lower(sources: Self.uploads).canvas
        #expect(canvas.width == width && canvas.height == height)
    }

    @Test(arguments: [
        (#"{"template": {"version": 1, "blocks": [{"type": "text", "start": 0, "duration": 1, "text": "a"}]}}"#, "template.version: must be the string \"1\""),
        (#"{"template": {"version": "1", "blocks": []}}"#, "template.blocks: needs at least one block"),
        (#"{"template": {"version": "1", "blocks": [{"type": "gif", "start": 0, "duration": 1}]}}"#, "template.blocks[0].type: unknown value \"gif\""),
        (#"{"template": {"version": "1", "blocks": [{"type": "video", "start": -1, "duration": 1, "source": {"url": "https://x/a.mp4"}}]}}"#, "template.blocks[0].start: must not be negative"),
        (#"{"template": {"version": "1", "blocks": [{"type": "video", "start": 0, "duration": 0, "source": {"url": "https://x/a.mp4"}}]}}"#, "template.blocks[0].duration: must be greater than 0"),
        (#"{"template": {"version": "1", "blocks": [{"type": "video", "start": 0, "duration": 1, "source": {}}]}}"#, "template.blocks[0].source: needs exactly one of url and uploadName"),
        (#"{"template": {"version": "1", "blocks": [{"type": "image", "start": 0, "duration": 1, "source": {"url": "https://x/a.png", "uploadName": "a.png"}}]}}"#, "template.blocks[0].source: has both url and uploadName"),
        (#"{"template": {"version": "1", "blocks": [{"type": "image", "start": 0, "duration": 1, "source": {"url": "/etc/passwd"}}]}}"#, "template.blocks[0].source.url: must be an http(s) URL"),
        (#"{"template": {"version": "1", "blocks": [{"type": "text", "start": 0, "duration": 1}]}}"#, "template.blocks[0].text: is required"),
        (#"{"template": {"version": "1", "blocks": [{"type": "text", "start": 0, "duration": 1e300, "text": "a"}]}}"#, "template.blocks[0].duration: must be at most 86400"),
        (#"{"output": {"aspectRatio": "21:9"}, "template": {"version": "1", "blocks": [{"type": "text", "start": 0, "duration": 1, "text": "a"}]}}"#, "output.aspectRatio: unknown value \"21:9\""),
        (#"{"blocks": []}"#, "template: is required"),
    ])
    func problemsAreReportedAtTheirPath(json: String, expected: String) {
        let found = Self.problems(json)
        #expect(found.contains { $0.hasPrefix(expected) }, "\(found)")
    }

    @Test func unknownFieldsAreWarningsAndOptionalFieldsApply() throws {
        let json = #"""
            { "template": { "version": "1", "theme": "dark", "blocks": [
                { "type": "video", "start": 0, "duration": 2, "transition": "fade", "fit": "cover", "volume": 0.5, "trimStart": 3,
                  "source": { "uploadName": "a.mov", "checksum": "x" } },
                { "type": "text", "start": 0, "duration": 2, "text": "Top", "position": "top", "fontSize": 30, "color": "#ff0000" } ] } }
            """#
        let document = try AVSTemplateV1.read(Data(json.utf8))
        #expect(document.warnings.map(\.path.description) == ["template.theme", "template.blocks[0].transition", "template.blocks[0].source.checksum"])
        let clips = try document.lower(sources: Self.uploads).tracks.flatMap(\.clips)
        guard case .video(let video) = clips[0].content, case .text(let text) = clips[1].content else {
            Issue.record("kinds")
            return
        }
        #expect(video.fit == .cover && video.sound.volume == 0.5 && video.trim.start == 3)
        #expect(text.fontSize == 30 && text.fill == .solid(RGBAColor(red: 1, green: 0, blue: 0)) && clips[1].transform.y.value(at: 0) == 720 * 0.12)
    }

    /// The fields the planner writes: a gentle zoom on pictures, sound fades, and the quality's
    /// delivery for the encoder.
    @Test func motionFadesAndDeliveryApply() throws {
        let json = #"""
            { "template": { "version": "1", "blocks": [
                { "type": "image", "start": 0, "duration": 4, "motion": "zoomIn", "source": { "uploadName": "a.png" } },
                { "type": "image", "start": 4, "duration": 2, "motion": "zoomOut", "source": { "uploadName": "b.png" } },
                { "type": "audio", "start": 0, "duration": 6, "fadeIn": 0.5, "fadeOut": 2, "source": { "uploadName": "bed.wav" } } ] },
              "output": { "quality": "studio" } }
            """#
        let timeline = try AVSTemplateV1.read(Data(json.utf8)).lower(sources: Self.uploads)
        let clips = timeline.tracks.flatMap(\.clips)
        #expect(clips[0].transform.scaleX.value(at: 0) == 1 && abs(clips[0].transform.scaleX.value(at: 4) - 1.08) < 1e-9)
        #expect(abs(clips[1].transform.scaleY.value(at: 0) - 1.08) < 1e-9 && clips[1].transform.scaleY.value(at: 2) == 1)
        #expect(clips[2].content.sound?.settings.fadeIn == 0.5 && clips[2].content.sound?.settings.fadeOut == 2)
        #expect(timeline.delivery == .high)
        #expect(Self.problems(#"{"template": {"version": "1", "blocks": [{"type": "image", "start": 0, "duration": 1, "motion": "spin", "source": {"url": "https://x.test/a.png"}}]}}"#)
                .first?.hasPrefix("template.blocks[0].motion") == true)
    }

    @Test func aRefusedSourceIsReportedAtItsField() throws {
        let document = try AVSTemplateV1.read(Data(Self.example.utf8))
        let refusing = SourceResolver { src in
            src.hasPrefix(AVSTemplateV1.uploadPrefix) ? .failure(SourceRefusal("no file of this name was sent with the job")) : .success(.url(src))
        }
        do {
            _ = try document.lower(sources: refusing)
            Issue.record("accepted")
        } catch {
            #expect(error.description == "template.blocks[0].source.uploadName: no file of this name was sent with the job")
        }
    }
}
