import Foundation
import Testing
import Timeline
@testable import TemplateSchema

/// `template` clips: the clips each type makes, the merge order of its data, the overrides, and
/// the errors, at their JSON paths.
@Suite struct TemplateTests {
    static func document(_ template: String) -> String {
        #"{ "meta": { "width": 640, "height": 360, "fps": 30 }, "tracks": [ { "clips": [ \#(template) ] } ] }"#
    }

    static func clips(_ template: String) throws -> [Clip] {
        try RenderingVideoV2.decode(Data(document(template).utf8)).lower(baseDirectory: "/").tracks[0].clips
    }

    static func texts(_ clips: [Clip]) -> [String] {
        clips.compactMap { if case .text(let text) = $0.content { return text.text } else { return nil } }
    }

    static func problems(_ template: String) -> [String] {
        do {
            _ = try RenderingVideoV2.decode(Data(document(template).utf8))
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func aQuoteIsABackgroundAMarkItsTextAndItsAuthor() throws {
        let classic = try Self.clips(#"{ "type": "template", "template": "quote", "start": 1, "duration": 4, "data": { "text": "Less is more.", "author": "Mies", "role": "architect" } }"#)
        #expect(classic.count == 4)
        #expect(Self.texts(classic) == ["\u{201C}", "Less is more.", "— Mies, architect"])
        guard case .shape(let background) = classic[0].content else { Issue.record("no background"); return }
        #expect(background.fill == .solid(RGBAColor(red: 16 / 255, green: 24 / 255, blue: 40 / 255)))
        #expect(classic.allSatisfy { $0.start >= 1 && $0.end <= 5 + 1e-9 }, "within the template clip's window")
        #expect(classic[3].start == 1.6, "the author after the text")
        let minimal = try Self.clips(#"{ "type": "template", "template": "quote", "variant": "minimal", "start": 0, "duration": 3, "data": { "text": "Ship." } }"#)
        #expect(minimal.count == 3, "background, accent bar, text (no author)")
        #expect(Self.texts(minimal) == ["Ship."])
    }

    @Test func aCountdownSharesTheClipEqually() throws {
        let pop = try Self.clips(#"{ "type": "template", "template": "countdown", "start": 0, "duration": 4, "data": { "from": 3 } }"#)
        #expect(Self.texts(pop) == ["3", "2", "1", "Go!"])
        #expect(pop.dropFirst().map(\.start) == [0, 1, 2, 3] && pop.dropFirst().allSatisfy { $0.duration == 1 })
        let ring = try Self.clips(#"{ "type": "template", "template": "countdown", "variant": "ring", "start": 2, "duration": 2, "data": { "from": 5, "to": 4, "go": "" } }"#)
        #expect(Self.texts(ring) == ["5", "4"])
        #expect(ring.filter { if case .shape = $0.content { return true } else { return false } }.count == 3, "background and a ring a number")
        #expect(ring.last?.start == 3)
    }

    @Test func aListShowsItsItemsOneAfterAnother() throws {
        let list = try Self.clips(#"{ "type": "template", "template": "list", "variant": "numbered", "start": 0, "duration": 5, "data": { "title": "Why", "items": ["a", "b", "c"], "stagger": 0.5 } }"#)
        #expect(Self.texts(list) == ["Why", "1.", "a", "2.", "b", "3.", "c"])
        let starts = list.filter { if case .text(let t) = $0.content { return ["a", "b", "c"].contains(t.text) } else { return false } }.map(\.start)
        #expect(starts == [0.5, 1.0, 1.5])
        let bullets = try Self.clips(#"{ "type": "template", "template": "list", "start": 0, "duration": 2, "data": { "items": ["x"] } }"#)
        #expect(bullets.count == 3, "background, a dot, the item")
    }

    @Test func aTextRevealWipesOrRises() throws {
        let wipe = try Self.clips(#"{ "type": "template", "template": "text-reveal", "start": 0, "duration": 3, "data": { "text": "Hello", "subtitle": "world" } }"#)
        #expect(Self.texts(wipe) == ["Hello", "world"])
        #expect(wipe[1].transition?.kind == .wipe)
        #expect(wipe.contains { if case .drawn(let d) = $0.content { return d.content.kindName == "line" } else { return false } }, "the underline")
        let rise = try Self.clips(#"{ "type": "template", "template": "text-reveal", "variant": "rise", "start": 0, "duration": 3, "data": { "text": "Hello" } }"#)
        #expect(rise.count == 2 && rise[1].transition == nil && rise[1].animations.count == 2)
    }

    /// defaults → variant → data → overrides.data; then overrides.style, .transition, .zIndexOffset.
    @Test func dataMergesInOrderAndOverridesApply() throws {
        let clips = try Self.clips(#"""
            { "type": "template", "template": "quote", "variant": "minimal", "start": 0, "duration": 3, "zIndex": 4,
              "data": { "text": "T", "author": "data", "color": "#00ff00" },
              "overrides": { "data": { "author": "override" }, "style": { "fontFamily": "DejaVu Serif", "opacity": 0.5 },
                             "transition": { "type": "fade", "duration": 0.5 }, "zIndexOffset": 10 } }
            """#)
        // minimal's background (variant over defaults), data's colour, overrides.data's author.
        guard case .shape(let background) = clips[0].content, case .text(let text) = clips[2].content else { Issue.record("clips"); return }
        #expect(background.fill == .solid(RGBAColor(red: 244 / 255, green: 241 / 255, blue: 234 / 255)))
        #expect(text.fill == .solid(RGBAColor(red: 0, green: 1, blue: 0)))
        #expect(Self.texts(clips).last == "— override")
        #expect(text.fontFamily == "DejaVu Serif", "overrides.style merged into every clip's style")
        #expect(clips.allSatisfy { $0.opacity == .constant(0.5) })
        #expect(clips.allSatisfy { $0.transition?.kind == .fade }, "given to the clips without a transition")
        #expect(clips.allSatisfy { $0.zIndex == 10 }, "the offset added; the template clip's own zIndex is not passed on")
    }

    /// Templates multiply clips: what they make counts against the document's clip limit.
    @Test func templatesCannotMakeMoreClipsThanTheLimit() {
        let images = (0..<50).map { #"{ "image": "/p\#($0).png", "caption": "c" }"# }.joined(separator: ", ")
        let slideshow = #"{ "type": "template", "template": "slideshow", "start": 0, "duration": 10, "data": { "images": [ \#(images) ] } }"#
        let found = Self.problems(Array(repeating: slideshow, count: 101).joined(separator: ", "))
        #expect(found.contains { $0.contains("templates make") && $0.contains("at most 10000") }, "\(found.prefix(3))")
    }

    @Test func anUnknownVariantIsANoticeAndTheDefault() throws {
        let timeline = try RenderingVideoV2.decode(Data(Self.document(#"{ "type": "template", "template": "list", "variant": "fancy", "start": 0, "duration": 1, "data": { "items": ["x"] } }"#).utf8)).lower(baseDirectory: "/")
        #expect(timeline.notices.contains { $0.contains("tracks[0].clips[0].variant") && $0.contains("no variant \"fancy\"") && $0.contains("\"bullets\"") })
        #expect(timeline.tracks[0].clips.count == 3)
    }

    @Test(arguments: [
        (#"{ "type": "template", "template": "quote", "start": 0, "duration": 1, "data": {} }"#, "tracks[0].clips[0].data.text: is required"),
        (#"{ "type": "template", "template": "quote", "start": 0, "duration": 1, "data": { "text": "x", "color": "blurple" } }"#, "tracks[0].clips[0].data.color: expected a colour"),
        (#"{ "type": "template", "template": "countdown", "start": 0, "duration": 1, "data": { "from": 2, "to": 5 } }"#, "tracks[0].clips[0].data.to: must be at most from"),
        (#"{ "type": "template", "template": "countdown", "start": 0, "duration": 1, "data": { "from": 2.5 } }"#, "tracks[0].clips[0].data.from: must be a whole number"),
        (#"{ "type": "template", "template": "list", "start": 0, "duration": 1, "data": { "items": [] } }"#, "tracks[0].clips[0].data.items: needs 1 to 12 items"),
        (#"{ "type": "template", "template": "list", "start": 0, "duration": 1 }"#, "tracks[0].clips[0].data: is required"),
        (#"{ "type": "template", "template": "poster", "start": 0, "duration": 1, "data": {} }"#, "tracks[0].clips[0].template: unknown template \"poster\""),
        (#"{ "type": "template", "template": "news", "start": 0, "duration": 1, "data": {} }"#, "tracks[0].clips[0].data.headline: is required"),
        (#"{ "type": "template", "template": "comparison", "start": 0, "duration": 1, "data": { "left": { "title": "a" }, "right": {} } }"#, "tracks[0].clips[0].data.right.title: is required"),
        (#"{ "type": "layout", "start": 0, "duration": 1, "children": [ { "type": "template", "template": "quote", "data": { "text": "x" } } ] }"#,
         "tracks[0].clips[0].children[0].type: a template expands"),
    ])
    func badTemplatesAreReportedAtTheirPaths(template: String, message: String) {
        let found = Self.problems(template)
        #expect(found.contains { $0.hasPrefix(message) }, "\(found)")
    }
}

/// The four templates whose data the schema documents: each documented field honoured.
@Suite struct DocumentedTemplateTests {
    static func clips(_ template: String) throws -> [Clip] { try TemplateTests.clips(template) }

    @Test func aSlideshowShowsEachPictureForItsTimeWithItsCaption() throws {
        let shown = try Self.clips(#"{ "type": "template", "template": "slideshow", "start": 0, "duration": 6, "data": { "durationPerSlide": 2, "images": [ { "image": "/a.png", "caption": "One" }, { "image": "/b.png" }, { "image": "/c.png", "caption": "Three" } ] } }"#)
        let pictures = shown.filter { if case .image = $0.content { return true } else { return false } }
        #expect(pictures.map(\.start) == [0, 2, 4])
        #expect(pictures.compactMap { if case .image(let i) = $0.content { return i.source } else { return nil } } == [MediaSource.file("/a.png"), MediaSource.file("/b.png"), MediaSource.file("/c.png")])
        #expect(TemplateTests.texts(shown) == ["One", "Three"])
        #expect(pictures.dropFirst().allSatisfy { $0.transition?.kind == .fade })
        let silent = try Self.clips(#"{ "type": "template", "template": "slideshow", "variant": "slide", "start": 0, "duration": 4, "data": { "showCaptions": false, "images": [ { "image": "/a.png", "caption": "One" }, { "image": "/b.png", "caption": "Two" } ] } }"#)
        #expect(TemplateTests.texts(silent).isEmpty, "showCaptions: false draws none")
        #expect(silent[1].transition?.kind == .push && silent.map(\.start) == [0, 2], "shared equally without durationPerSlide")
    }

    @Test func aProductIntroShowsEveryField() throws {
        let intro = try Self.clips(#"{ "type": "template", "template": "product-intro", "start": 0, "duration": 5, "data": { "name": "Reel", "tagline": "Render it", "features": ["Fast", "Exact"], "price": "$9", "image": "/p.png", "cta": "Buy" } }"#)
        #expect(TemplateTests.texts(intro) == ["Reel", "Render it", "• Fast", "• Exact", "$9", "Buy"])
        #expect(intro.contains { if case .image(let i) = $0.content { return i.source == .file("/p.png") } else { return false } })
    }

    @Test func aSubtitleVideoPassesItsFieldsOn() throws {
        let clips = try Self.clips(#"{ "type": "template", "template": "subtitle-video", "start": 0, "duration": 3, "data": { "src": "/v.mp4", "source": { "start": 1 }, "volume": 0.5, "muted": true, "playbackRate": 2, "words": [ { "word": "hi", "start": 0, "end": 1 } ], "config": { "fontSize": 40 } } }"#)
        guard case .video(let video) = clips[0].content else { Issue.record("no video"); return }
        #expect(video.source == .file("/v.mp4") && video.trim.start == 1 && video.trim.playbackRate == 2)
        #expect(video.sound.volume == 0.5 && video.sound.muted)
        guard case .timedText = clips[1].content else { Issue.record("no captions"); return }
    }

    @Test func aTalkingHeadHasItsLowerThirdUnlessAskedNot() throws {
        let head = try Self.clips(#"{ "type": "template", "template": "talking-head", "start": 0, "duration": 6, "data": { "src": "/v.mp4", "title": "Update", "speaker": "Ada", "role": "Engineer" } }"#)
        #expect(TemplateTests.texts(head) == ["Update", "Ada", "Engineer"])
        let plain = try Self.clips(#"{ "type": "template", "template": "talking-head", "start": 0, "duration": 6, "data": { "src": "/v.mp4", "speaker": "Ada", "showLowerThird": false } }"#)
        #expect(TemplateTests.texts(plain).isEmpty && plain.count == 1, "the footage alone")
    }

    @Test func missingMediaIsReportedInData() {
        #expect(TemplateTests.problems(#"{ "type": "template", "template": "subtitle-video", "start": 0, "duration": 1, "data": { "words": [] } }"#)
            .contains { $0.hasPrefix("tracks[0].clips[0].data.src: is required") })
        #expect(TemplateTests.problems(#"{ "type": "template", "template": "slideshow", "start": 0, "duration": 1, "data": { "images": [ { "caption": "x" } ] } }"#)
            .contains { $0.hasPrefix("tracks[0].clips[0].data.images[0].image: is required") })
    }
}

/// The two templates whose data Reel defines.
@Suite struct ComparisonAndNewsTemplateTests {
    @Test func aComparisonShowsBothSidesAndTheVS() throws {
        let clips = try TemplateTests.clips(#"{ "type": "template", "template": "comparison", "start": 0, "duration": 3, "data": { "left": { "title": "Reel", "points": ["fast", "exact"] }, "right": { "title": "Hosted", "image": "/h.png", "points": ["fees"] } } }"#)
        #expect(TemplateTests.texts(clips) == ["Reel", "• fast", "• exact", "Hosted", "• fees", "VS"])
        #expect(clips.contains { if case .image(let i) = $0.content { return i.source == .file("/h.png") } else { return false } })
        let cards = try TemplateTests.clips(#"{ "type": "template", "template": "comparison", "variant": "cards", "start": 0, "duration": 3, "data": { "vs": "", "left": { "title": "A" }, "right": { "title": "B" } } }"#)
        #expect(TemplateTests.texts(cards) == ["A", "B"], "no VS when it is empty")
    }

    @Test func newsHasItsBarLabelAndTicker() throws {
        let clips = try TemplateTests.clips(#"{ "type": "template", "template": "news", "start": 0, "duration": 5, "data": { "headline": "Big news", "ticker": "more news" } }"#)
        #expect(TemplateTests.texts(clips) == ["Big news", "BREAKING", "more news"])
        let ticker = try #require(clips.last)
        #expect(ticker.animations.count == 1, "the ticker crawls")
        // A long news clip: the ticker's crawl stays within the position limits.
        let long = try TemplateTests.clips(#"{ "type": "template", "template": "news", "start": 0, "duration": 3600, "data": { "headline": "Long", "ticker": "t" } }"#)
        #expect(TemplateTests.texts(long) == ["Long", "BREAKING", "t"])
        let plain = try TemplateTests.clips(#"{ "type": "template", "template": "news", "variant": "studio", "start": 0, "duration": 5, "data": { "headline": "Calm", "label": "" } }"#)
        #expect(TemplateTests.texts(plain) == ["Calm"])
    }
}
