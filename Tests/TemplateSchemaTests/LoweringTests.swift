import Foundation
import Testing
import Timeline
@testable import TemplateSchema

/// How v2 documents become timelines: units, defaults, references.
@Suite struct LoweringTests {
    func lower(_ json: String, base: String = "/work/configs") throws -> Timeline {
        try RenderingVideoV2.decode(Data(json.utf8)).lower(baseDirectory: base)
    }

    @Test func metaBecomesTheCanvas() throws {
        let timeline = try lower(#"""
            { "meta": { "width": 640, "height": 360, "fps": 24 },
              "tracks": [ { "clips": [ { "type": "rect", "start": 1, "duration": 2, "transform": { "width": 1, "height": 1 } } ] } ] }
            """#)
        #expect(timeline.canvas.width == 640 && timeline.canvas.height == 360)
        #expect(timeline.canvas.frameRate == FrameRate(numerator: 24))
        #expect(timeline.canvas.background == .paint(.solid(.black)), "the default background is black")
        #expect(timeline.duration == 3)
        #expect(timeline.frameCount == 72)
    }

    @Test func missingFpsDefaultsTo30() throws {
        let timeline = try lower(#"""
            { "meta": { "width": 64, "height": 64 }, "tracks": [ { "clips": [ { "type": "circle", "size": 4, "start": 0, "duration": 1 } ] } ] }
            """#)
        #expect(timeline.canvas.frameRate == FrameRate(numerator: 30))
    }

    @Test func percentagesBecomePixelsAndPositionDefaultsToTheCentre() throws {
        let timeline = try lower(#"""
            { "meta": { "width": 200, "height": 100 },
              "tracks": [ { "clips": [
                { "type": "rect", "start": 0, "duration": 1, "transform": { "x": "25%", "y": "10px", "width": "50%", "height": "50%" } },
                { "type": "circle", "size": 30, "start": 0, "duration": 1 } ] } ] }
            """#)
        let item = timeline.drawList(at: 0)[0], circle = timeline.drawList(at: 0)[1]
        #expect(item.x == 50 && item.y == 10 && item.width == 100 && item.height == 50)
        #expect(circle.x == 100 && circle.y == 50 && circle.width == 30 && circle.height == 30)
    }

    @Test func sourcesResolveAgainstTheConfigFolder() throws {
        let timeline = try lower(#"""
            { "meta": { "width": 64, "height": 64 },
              "assets": { "images": [ { "id": "logo", "src": "art/logo.png" } ],
                          "fonts": [ { "id": "f", "src": "../fonts/Brand.ttf", "family": "Brand", "weight": "bold", "style": "italic" } ] },
              "tracks": [ { "clips": [
                { "type": "image", "src": "photo.jpg", "start": 0, "duration": 1 },
                { "type": "image", "src": "/abs/photo.jpg", "start": 0, "duration": 1 },
                { "type": "image", "src": "https://example.com/p.png", "start": 0, "duration": 1 },
                { "type": "image", "src": { "$ref": "logo" }, "start": 0, "duration": 1 } ] } ] }
            """#)
        let sources = timeline.tracks[0].clips.map { clip -> MediaSource? in
            if case .image(let image) = clip.content { return image.source }
            return nil
        }
        #expect(sources == [.file("/work/configs/photo.jpg"), .file("/abs/photo.jpg"), .url("https://example.com/p.png"),
                            .file("/work/configs/art/logo.png")])
        #expect(timeline.fonts == [FontFace(family: "Brand", weight: 700, italic: true, source: .file("/work/fonts/Brand.ttf"))])
    }

    @Test func textDefaults() throws {
        let timeline = try lower(#"""
            { "meta": { "width": 64, "height": 64 },
              "tracks": [ { "clips": [ { "type": "text", "text": "hi", "start": 0, "duration": 1 } ] } ] }
            """#)
        guard case .text(let text) = timeline.tracks[0].clips[0].content else { Issue.record("not text"); return }
        #expect(text == TextContent(text: "hi", fontFamily: nil, fontSize: 48, fontWeight: 400, italic: false,
                                    fill: .solid(.white), stroke: nil, strokeWidth: 0, alignment: .center,
                                    lineHeight: 1.2, letterSpacing: 0, wraps: true))
    }

    @Test func aStrokeOnlyShapeHasNoFill() throws {
        let timeline = try lower(#"""
            { "meta": { "width": 64, "height": 64 },
              "tracks": [ { "clips": [ { "type": "circle", "size": 10, "start": 0, "duration": 1, "style": { "stroke": "red" } } ] } ] }
            """#)
        guard case .shape(let shape) = timeline.tracks[0].clips[0].content else { Issue.record("not a shape"); return }
        #expect(shape.fill == nil)
        #expect(shape.strokeWidth == 1)
        #expect(shape.stroke == .solid(RGBAColor(red: 1, green: 0, blue: 0)))
    }

    @Test(arguments: [
        ("#f00", RGBAColor(red: 1, green: 0, blue: 0)),
        ("#00ff0080", RGBAColor(red: 0, green: 1, blue: 0, alpha: 128.0 / 255)),
        ("rgb(0, 0, 255)", RGBAColor(red: 0, green: 0, blue: 1)),
        ("rgba(255,255,255,0.25)", RGBAColor(red: 1, green: 1, blue: 1, alpha: 0.25)),
        ("hsl(120, 100%, 50%)", RGBAColor(red: 0, green: 1, blue: 0)),
        ("RebeccaPurple", RGBAColor(red8: 0x66, green8: 0x33, blue8: 0x99)),
        ("transparent", RGBAColor.clear),
    ])
    func colourSyntax(text: String, color: RGBAColor) throws {
        let parsed = try #require(ColorSyntax.parse(text))
        #expect(abs(parsed.red - color.red) < 1e-9 && abs(parsed.green - color.green) < 1e-9
                 && abs(parsed.blue - color.blue) < 1e-9 && abs(parsed.alpha - color.alpha) < 1e-9)
    }

    @Test(arguments: ["#12", "#ggg", "rgb(1,2)", "blurple", "", "hsl(1,2,3)"])
    func notColours(text: String) {
        #expect(ColorSyntax.parse(text) == nil)
    }
}
