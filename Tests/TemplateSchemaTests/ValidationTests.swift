import Foundation
import Testing
@testable import TemplateSchema

/// Bad documents and the JSON paths their problems are reported at.
@Suite struct ValidationTests {
    /// A valid document with `clip` as its only clip, or with `meta` replaced.
    static func document(clip: String = #"{ "type": "rect", "start": 0, "duration": 1, "transform": { "width": 10, "height": 10 } }"#,
                         meta: String = #"{ "version": "2.0.0", "width": 100, "height": 100, "fps": 30 }"#,
                         extra: String = "") -> String {
        #"{ "meta": \#(meta), \#(extra) "tracks": [ { "clips": [ \#(clip) ] } ] }"#
    }

    static func problems(_ json: String) -> [Diagnostic] {
        do {
            _ = try RenderingVideoV2.decode(Data(json.utf8))
            return []
        } catch {
            return error.diagnostics
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let json: String
        let path: String
        let message: String
        var testDescription: String { name }
    }

    static let rect = #""type": "rect", "start": 0, "duration": 1"#
    /// A rect as a layout child: no times, a size.
    static let child = #"{ "type": "rect", "transform": { "width": 10, "height": 10 } }"#

    /// A document whose only clip is a layout with `extra` fields and `children`.
    static func layout(extra: String = "", children: String = child) -> String {
        document(clip: #"{ "type": "layout", "start": 0, "duration": 1, \#(extra) "children": [ \#(children) ] }"#)
    }
    static let size = #""transform": { "width": 10, "height": 10 }"#

    static let cases: [Case] = [
        Case(name: "not JSON", json: "{ meta: ", path: "$", message: "invalid JSON"),
        Case(name: "not an object", json: "[1, 2]", path: "$", message: "expected an object"),
        Case(name: "no meta", json: #"{ "tracks": [ { "clips": [] } ] }"#, path: "meta", message: "is required"),
        Case(name: "no tracks", json: #"{ "meta": { "width": 100, "height": 100 } }"#, path: "tracks", message: "is required"),
        Case(name: "empty tracks", json: #"{ "meta": { "width": 100, "height": 100 }, "tracks": [] }"#,
             path: "tracks", message: "at least one track"),
        Case(name: "no clips at all", json: #"{ "meta": { "width": 100, "height": 100 }, "tracks": [ { "clips": [] } ] }"#,
             path: "tracks", message: "no clips"),
        Case(name: "track without clips", json: #"{ "meta": { "width": 100, "height": 100 }, "tracks": [ { "id": "a" } ] }"#,
             path: "tracks[0].clips", message: "is required"),
        Case(name: "width as a string", json: document(meta: #"{ "width": "wide", "height": 100 }"#),
             path: "meta.width", message: "expected a number"),
        Case(name: "zero height", json: document(meta: #"{ "width": 100, "height": 0 }"#),
             path: "meta.height", message: "positive whole number"),
        Case(name: "fractional width", json: document(meta: #"{ "width": 100.5, "height": 100 }"#),
             path: "meta.width", message: "positive whole number"),
        Case(name: "odd width", json: document(meta: #"{ "width": 101, "height": 100 }"#),
             path: "meta.width", message: "even"),
        Case(name: "huge width", json: document(meta: #"{ "width": 100000, "height": 100 }"#),
             path: "meta.width", message: "at most 8192"),
        Case(name: "negative fps", json: document(meta: #"{ "width": 100, "height": 100, "fps": -5 }"#),
             path: "meta.fps", message: "between 1 and 240"),
        Case(name: "bad background colour", json: document(meta: ##"{ "width": 100, "height": 100, "background": "#12" }"##),
             path: "meta.background", message: "is not a colour"),
        Case(name: "gradient with one stop",
             json: document(meta: ##"{ "width": 100, "height": 100, "background": { "type": "linear", "stops": [ { "offset": 0, "color": "#fff" } ] } }"##),
             path: "meta.background.stops", message: "at least two stops"),
        Case(name: "unknown gradient type",
             json: document(meta: ##"{ "width": 100, "height": 100, "background": { "type": "diamond", "stops": [ { "offset": 0, "color": "#fff" }, { "offset": 1, "color": "#000" } ] } }"##),
             path: "meta.background.type", message: "unknown gradient type"),
        Case(name: "stop offset out of range",
             json: document(meta: ##"{ "width": 100, "height": 100, "background": { "type": "linear", "stops": [ { "offset": 0, "color": "#fff" }, { "offset": 2, "color": "#000" } ] } }"##),
             path: "meta.background.stops[1].offset", message: "between 0 and 1"),
        Case(name: "wrong schema version", json: document(meta: #"{ "version": "1.0", "width": 100, "height": 100 }"#),
             path: "meta.version", message: "unsupported schema version"),
        Case(name: "legacy video object", json: document(extra: #""video": { "width": 100 },"#),
             path: "video", message: "legacy schema"),
        Case(name: "clip without type", json: document(clip: #"{ "start": 0, "duration": 1 }"#),
             path: "tracks[0].clips[0].type", message: "is required"),
        Case(name: "unknown clip type", json: document(clip: #"{ "type": "sparkle", "start": 0, "duration": 1 }"#),
             path: "tracks[0].clips[0].type", message: "unknown clip type \"sparkle\""),
        Case(name: "layout without children", json: document(clip: #"{ "type": "layout", "start": 0, "duration": 1 }"#),
             path: "tracks[0].clips[0].children", message: "is required"),
        Case(name: "layout with no children", json: layout(children: ""),
             path: "tracks[0].clips[0].children", message: "needs at least one child"),
        Case(name: "subtitle in a layout",
             json: layout(children: #"\#(child), { "type": "subtitle", "words": [ { "word": "a", "start": 0, "end": 1 } ] }"#),
             path: "tracks[0].clips[0].children[1].type", message: "a \"subtitle\" clip cannot be a layout child"),
        Case(name: "template in a layout", json: layout(children: #"{ "type": "template", "template": "quote", "data": {} }"#),
             path: "tracks[0].clips[0].children[0].type", message: "a template expands into clips of the whole canvas"),
        Case(name: "unknown type in a nested layout",
             json: layout(children: #"{ "type": "layout", "children": [ \#(child), { "type": "sparkle" } ] }"#),
             path: "tracks[0].clips[0].children[0].children[1].type", message: "unknown clip type \"sparkle\""),
        Case(name: "unknown layout direction", json: layout(extra: #""direction": "diagonal","#),
             path: "tracks[0].clips[0].direction", message: "unknown value \"diagonal\"; expected one of \"horizontal\", \"vertical\""),
        Case(name: "unknown justifyContent", json: layout(extra: #""justifyContent": "space-evenly","#),
             path: "tracks[0].clips[0].justifyContent", message: "unknown value \"space-evenly\""),
        Case(name: "unknown alignItems", json: layout(extra: #""alignItems": "baseline","#),
             path: "tracks[0].clips[0].alignItems", message: "unknown value \"baseline\""),
        Case(name: "negative gap", json: layout(extra: #""gap": -4,"#),
             path: "tracks[0].clips[0].gap", message: "must not be negative"),
        Case(name: "padding with five numbers", json: layout(extra: #""padding": [1, 2, 3, 4, 5],"#),
             path: "tracks[0].clips[0].padding", message: "one to four numbers"),
        Case(name: "negative padding side", json: layout(extra: #""padding": [1, 2, -3, 4],"#),
             path: "tracks[0].clips[0].padding[2]", message: "must not be negative"),
        Case(name: "padding as a string", json: layout(extra: #""padding": "4px","#),
             path: "tracks[0].clips[0].padding", message: "expected a number or [top, right, bottom, left]"),
        Case(name: "clip as a string", json: layout(extra: #""clip": "yes","#),
             path: "tracks[0].clips[0].clip", message: "expected true or false"),
        Case(name: "rect in a row without its width",
             json: layout(children: #"{ "type": "rect", "transform": { "height": 10 } }"#),
             path: "tracks[0].clips[0].children[0].transform.width", message: "required for a rect"),
        Case(name: "rect without a height in a row that does not stretch",
             json: layout(extra: #""alignItems": "center","#, children: #"{ "type": "rect", "transform": { "width": 10 } }"#),
             path: "tracks[0].clips[0].children[0].transform.height", message: "required for a rect"),
        Case(name: "percentage of a layout without a width",
             json: layout(children: #"{ "type": "rect", "transform": { "width": "50%", "height": 10 } }"#),
             path: "tracks[0].clips[0].children[0].transform.width", message: "needs a layout with a width"),
        Case(name: "a child's start is checked though not scheduled",
             json: layout(children: #"{ "type": "rect", "start": -2, "transform": { "width": 10, "height": 10 } }"#),
             path: "tracks[0].clips[0].children[0].start", message: "must not be negative"),
        Case(name: "layouts nested too deep",
             json: layout(children: String(repeating: #"{ "type": "layout", "children": ["#, count: 8) + child + String(repeating: "] }", count: 8)),
             path: "tracks[0].clips[0].children[0].children[0].children[0].children[0].children[0].children[0].children[0].children[0].type",
             message: "nested at most 8 deep"),
        Case(name: "subtitle word ending before it starts",
             json: document(clip: #"{ "type": "subtitle", "words": [{"word": "a", "start": 2, "end": 1}], "start": 0, "duration": 3 }"#),
             path: "tracks[0].clips[0].words[0].end", message: "must not be before start"),
        Case(name: "code with an unknown theme",
             json: document(clip: #"{ "type": "code", "code": "x", "theme": "neon", "start": 0, "duration": 1 }"#),
             path: "tracks[0].clips[0].theme", message: "unknown theme \"neon\""),
        Case(name: "video without src", json: document(clip: #"{ "type": "video", "start": 0, "duration": 1 }"#),
             path: "tracks[0].clips[0].src", message: "is required"),
        Case(name: "video $ref into the wrong pool",
             json: document(clip: #"{ "type": "video", "src": { "$ref": "music" }, "start": 0, "duration": 1 }"#,
                            extra: #""assets": { "audios": [ { "id": "music", "src": "m.mp3" } ] },"#),
             path: "tracks[0].clips[0].src.$ref", message: "no asset with id \"music\" in assets.videos"),
        Case(name: "playbackRate too fast", json: document(clip: #"{ "type": "video", "src": "a.mp4", "start": 0, "duration": 1, "playbackRate": 8 }"#),
             path: "tracks[0].clips[0].playbackRate", message: "between 0.25 and 4"),
        Case(name: "source.end before source.start",
             json: document(clip: #"{ "type": "video", "src": "a.mp4", "start": 0, "duration": 1, "source": { "start": 3, "end": 2 } }"#),
             path: "tracks[0].clips[0].source.end", message: "must be after source.start"),
        Case(name: "negative source.start",
             json: document(clip: #"{ "type": "audio", "src": "a.wav", "start": 0, "duration": 1, "source": { "start": -1 } }"#),
             path: "tracks[0].clips[0].source.start", message: "must not be negative"),
        Case(name: "muted as a string", json: document(clip: #"{ "type": "video", "src": "a.mp4", "start": 0, "duration": 1, "muted": "yes" }"#),
             path: "tracks[0].clips[0].muted", message: "expected true or false"),
        Case(name: "negative volume", json: document(clip: #"{ "type": "audio", "src": "a.wav", "start": 0, "duration": 1, "volume": -1 }"#),
             path: "tracks[0].clips[0].volume", message: "between 0 and 10"),
        Case(name: "pan out of range", json: document(clip: #"{ "type": "audio", "src": "a.wav", "start": 0, "duration": 1, "pan": 2 }"#),
             path: "tracks[0].clips[0].pan", message: "between -1 and 1"),
        Case(name: "negative fadeOut", json: document(clip: #"{ "type": "audio", "src": "a.wav", "start": 0, "duration": 1, "fadeOut": -2 }"#),
             path: "tracks[0].clips[0].fadeOut", message: "must not be negative"),
        Case(name: "envelope point without volume",
             json: document(clip: #"{ "type": "audio", "src": "a.wav", "start": 0, "duration": 1, "gainEnvelope": [ { "time": 0 } ] }"#),
             path: "tracks[0].clips[0].gainEnvelope[0].volume", message: "is required"),
        Case(name: "unknown envelope easing",
             json: document(clip: #"{ "type": "audio", "src": "a.wav", "start": 0, "duration": 1, "gainEnvelope": [ { "time": 0, "volume": 1, "easing": "wobbly" } ] }"#),
             path: "tracks[0].clips[0].gainEnvelope[0].easing", message: "unknown value \"wobbly\""),
        Case(name: "ducking without targets",
             json: document(clip: #"{ "type": "audio", "src": "a.wav", "start": 0, "duration": 1, "ducking": { "amount": 0.5 } }"#),
             path: "tracks[0].clips[0].ducking.targets", message: "is required"),
        Case(name: "ducking amount above one",
             json: document(clip: #"{ "type": "audio", "src": "a.wav", "start": 0, "duration": 1, "ducking": { "targets": ["v"], "amount": 3 } }"#),
             path: "tracks[0].clips[0].ducking.amount", message: "between 0 and 1"),
        Case(name: "missing start", json: document(clip: #"{ "type": "rect", "duration": 1, \#(size) }"#),
             path: "tracks[0].clips[0].start", message: "is required"),
        Case(name: "negative start", json: document(clip: #"{ "type": "rect", "start": -1, "duration": 1, \#(size) }"#),
             path: "tracks[0].clips[0].start", message: "must not be negative"),
        Case(name: "zero duration", json: document(clip: #"{ "type": "rect", "start": 0, "duration": 0, \#(size) }"#),
             path: "tracks[0].clips[0].duration", message: "greater than 0"),
        Case(name: "duration as a string", json: document(clip: #"{ "type": "rect", "start": 0, "duration": "1s", \#(size) }"#),
             path: "tracks[0].clips[0].duration", message: "expected a number"),
        Case(name: "opacity above one", json: document(clip: #"{ \#(rect), "opacity": 1.5, \#(size) }"#),
             path: "tracks[0].clips[0].opacity", message: "between 0 and 1"),
        Case(name: "x as a boolean", json: document(clip: #"{ \#(rect), "transform": { "x": true, "width": 10, "height": 10 } }"#),
             path: "tracks[0].clips[0].transform.x", message: "expected a number or a percentage string"),
        Case(name: "y as a word", json: document(clip: #"{ \#(rect), "transform": { "y": "middle", "width": 10, "height": 10 } }"#),
             path: "tracks[0].clips[0].transform.y", message: "percentage string"),
        Case(name: "negative width", json: document(clip: #"{ \#(rect), "transform": { "width": -10, "height": 10 } }"#),
             path: "tracks[0].clips[0].transform.width", message: "greater than 0"),
        Case(name: "unknown anchor", json: document(clip: #"{ \#(rect), "transform": { "width": 10, "height": 10, "anchor": "middle" } }"#),
             path: "tracks[0].clips[0].transform.anchor", message: "unknown value \"middle\""),
        Case(name: "scale with three numbers", json: document(clip: #"{ \#(rect), "transform": { "width": 10, "height": 10, "scale": [1, 2, 3] } }"#),
             path: "tracks[0].clips[0].transform.scale", message: "two numbers"),
        Case(name: "rect without a size", json: document(clip: #"{ \#(rect) }"#),
             path: "tracks[0].clips[0].transform.width", message: "required for a rect"),
        Case(name: "circle without a size", json: document(clip: #"{ "type": "circle", "start": 0, "duration": 1 }"#),
             path: "tracks[0].clips[0].size", message: "required for a circle"),
        Case(name: "polygon with two sides", json: document(clip: #"{ "type": "polygon", "sides": 2, "size": 10, "start": 0, "duration": 1 }"#),
             path: "tracks[0].clips[0].sides", message: "from 3 to 1000"),
        Case(name: "bad fill colour", json: document(clip: #"{ \#(rect), \#(size), "style": { "fill": "bluish" } }"#),
             path: "tracks[0].clips[0].style.fill", message: "\"bluish\" is not a colour"),
        Case(name: "fill as a number", json: document(clip: #"{ \#(rect), \#(size), "style": { "fill": 7 } }"#),
             path: "tracks[0].clips[0].style.fill", message: "colour string or a gradient"),
        Case(name: "unknown objectFit", json: document(clip: #"{ "type": "image", "src": "a.png", "start": 0, "duration": 1, "style": { "objectFit": "stretch" } }"#),
             path: "tracks[0].clips[0].style.objectFit", message: "\"fill\", \"cover\", \"contain\""),
        Case(name: "text without text", json: document(clip: #"{ "type": "text", "start": 0, "duration": 1 }"#),
             path: "tracks[0].clips[0].text", message: "is required"),
        Case(name: "font size zero", json: document(clip: #"{ "type": "text", "text": "a", "start": 0, "duration": 1, "style": { "fontSize": 0 } }"#),
             path: "tracks[0].clips[0].style.fontSize", message: "greater than 0"),
        Case(name: "unknown font weight", json: document(clip: #"{ "type": "text", "text": "a", "start": 0, "duration": 1, "style": { "fontWeight": "heavy-ish" } }"#),
             path: "tracks[0].clips[0].style.fontWeight", message: "weight from 1 to 1000"),
        Case(name: "unknown textAlign", json: document(clip: #"{ "type": "text", "text": "a", "start": 0, "duration": 1, "style": { "textAlign": "justify" } }"#),
             path: "tracks[0].clips[0].style.textAlign", message: "unknown value \"justify\""),
        Case(name: "shadow offset as a number", json: document(clip: #"{ \#(rect), \#(size), "style": { "shadowOffset": 4 } }"#),
             path: "tracks[0].clips[0].style.shadowOffset", message: "expected an array"),
        Case(name: "image without src", json: document(clip: #"{ "type": "image", "start": 0, "duration": 1 }"#),
             path: "tracks[0].clips[0].src", message: "is required"),
        Case(name: "image src as a number", json: document(clip: #"{ "type": "image", "src": 5, "start": 0, "duration": 1 }"#),
             path: "tracks[0].clips[0].src", message: "URL or path string"),
        Case(name: "unresolvable $ref", json: document(clip: #"{ "type": "image", "src": { "$ref": "logo" }, "start": 0, "duration": 1 }"#),
             path: "tracks[0].clips[0].src.$ref", message: "no asset with id \"logo\" in assets.images"),
        Case(name: "unknown animation", json: document(clip: #"{ \#(rect), \#(size), "animations": [ { "type": "wobble", "duration": 1 } ] }"#),
             path: "tracks[0].clips[0].animations[0].type", message: "unknown value \"wobble\""),
        Case(name: "animation without duration", json: document(clip: #"{ \#(rect), \#(size), "animations": [ { "type": "fadeIn" } ] }"#),
             path: "tracks[0].clips[0].animations[0].duration", message: "is required"),
        Case(name: "unknown easing", json: document(clip: #"{ \#(rect), \#(size), "animations": [ { "type": "fadeIn", "duration": 1, "easing": "easeInWhatever" } ] }"#),
             path: "tracks[0].clips[0].animations[0].easing", message: "unknown value \"easeInWhatever\""),
        Case(name: "negative delay", json: document(clip: #"{ \#(rect), \#(size), "animations": [ { "type": "fadeIn", "duration": 1, "delay": -1 } ] }"#),
             path: "tracks[0].clips[0].animations[0].delay", message: "between 0 and 3600"),
        Case(name: "bad loop", json: document(clip: #"{ \#(rect), \#(size), "animations": [ { "type": "fadeIn", "duration": 1, "loop": 2.5 } ] }"#),
             path: "tracks[0].clips[0].animations[0].loop", message: "whole number of cycles"),
        Case(name: "bad direction", json: document(clip: #"{ \#(rect), \#(size), "animations": [ { "type": "slideIn", "duration": 1, "direction": "sideways" } ] }"#),
             path: "tracks[0].clips[0].animations[0].direction", message: "unknown value \"sideways\""),
        Case(name: "negative distance", json: document(clip: #"{ \#(rect), \#(size), "animations": [ { "type": "slideOut", "duration": 1, "distance": -5 } ] }"#),
             path: "tracks[0].clips[0].animations[0].distance", message: "between 0 and 100000"),
        Case(name: "filter animation without filter", json: document(clip: #"{ \#(rect), \#(size), "animations": [ { "type": "filter", "duration": 1 } ] }"#),
             path: "tracks[0].clips[0].animations[0].filter", message: "is required"),
        Case(name: "filter animation out of range", json: document(clip: #"{ \#(rect), \#(size), "animations": [ { "type": "filter", "filter": "sepia", "to": 2, "duration": 1 } ] }"#),
             path: "tracks[0].clips[0].animations[0].to", message: "between 0 and 1"),
        Case(name: "unknown transition", json: document(clip: #"{ \#(rect), \#(size), "transition": { "type": "teleport", "duration": 1 } }"#),
             path: "tracks[0].clips[0].transition.type", message: "unknown value \"teleport\""),
        Case(name: "transition intensity out of range", json: document(clip: #"{ \#(rect), \#(size), "transition": { "type": "lightSweep", "duration": 1, "intensity": 3 } }"#),
             path: "tracks[0].clips[0].transition.intensity", message: "between 0 and 1"),
        Case(name: "unknown filter", json: document(clip: #"{ \#(rect), \#(size), "style": { "filters": [ { "type": "vignette" } ] } }"#),
             path: "tracks[0].clips[0].style.filters[0].type", message: "unknown value \"vignette\""),
        Case(name: "filter value out of range", json: document(clip: #"{ \#(rect), \#(size), "style": { "filters": [ { "type": "grayscale", "value": 5 } ] } }"#),
             path: "tracks[0].clips[0].style.filters[0].value", message: "between 0 and 1"),
        Case(name: "unknown keyframe property", json: document(clip: #"{ \#(rect), \#(size), "keyframes": [ { "property": "wiggle", "frames": [ { "time": 0, "value": 1 } ] } ] }"#),
             path: "tracks[0].clips[0].keyframes[0].property", message: "unknown value \"wiggle\""),
        Case(name: "keyframe value of the wrong kind", json: document(clip: #"{ \#(rect), \#(size), "keyframes": [ { "property": "fill", "frames": [ { "time": 0, "value": 3 } ] } ] }"#),
             path: "tracks[0].clips[0].keyframes[0].frames[0].value", message: "expected a string"),
        Case(name: "keyframe opacity out of range", json: document(clip: #"{ \#(rect), \#(size), "keyframes": [ { "property": "opacity", "frames": [ { "time": 0, "value": 2 } ] } ] }"#),
             path: "tracks[0].clips[0].keyframes[0].frames[0].value", message: "between 0 and 1"),
        Case(name: "keyframes without frames", json: document(clip: #"{ \#(rect), \#(size), "keyframes": [ { "property": "x", "frames": [] } ] }"#),
             path: "tracks[0].clips[0].keyframes[0].frames", message: "at least one keyframe"),
        Case(name: "property keyframed twice", json: document(clip: #"{ \#(rect), \#(size), "keyframes": [ { "property": "x", "frames": [ { "time": 0, "value": 1 } ] }, { "property": "x", "frames": [ { "time": 0, "value": 2 } ] } ] }"#),
             path: "tracks[0].clips[0].keyframes[1].property", message: "given twice"),
        Case(name: "font asset without family",
             json: document(extra: #""assets": { "fonts": [ { "id": "f", "src": "f.ttf" } ] },"#),
             path: "assets.fonts[0].family", message: "is required"),
        Case(name: "duplicate asset id",
             json: document(extra: #""assets": { "images": [ { "id": "a", "src": "1.png" }, { "id": "a", "src": "2.png" } ] },"#),
             path: "assets.images[1].id", message: "duplicate asset id"),
    ]

    @Test(arguments: cases)
    func problemIsReportedAtItsPath(_ testCase: Case) {
        let found = Self.problems(testCase.json)
        #expect(found.contains { $0.path.description == testCase.path && $0.message.contains(testCase.message) },
                "expected \(testCase.path): …\(testCase.message)…, found \(found.map(\.description))")
    }

    @Test func everyProblemIsReportedInOnePass() {
        let json = #"""
            { "meta": { "width": -1, "height": 100, "fps": 0 },
              "tracks": [ { "clips": [
                { "type": "rect", "start": 0, "duration": 1, "transform": { "x": [], "width": 10, "height": 10 } },
                { "type": "text", "start": "soon", "duration": 1, "text": "hi", "style": { "fill": "nope" } },
                { "type": "hologram", "start": 0, "duration": 1 }
              ] } ] }
            """#
        let paths = Self.problems(json).map(\.path.description)
        #expect(paths == ["meta.width", "meta.fps", "tracks[0].clips[0].transform.x", "tracks[0].clips[1].start",
                          "tracks[0].clips[1].style.fill", "tracks[0].clips[2].type"])
    }

    @Test func unknownFieldsAreIgnored() {
        let json = Self.document(clip: #"{ "type": "rect", "start": 0, "duration": 1, "sparkle": true, "transform": { "width": 10, "height": 10, "wobble": 3 } }"#,
                                 meta: #"{ "width": 100, "height": 100, "title": "t", "futureField": {} }"#)
        #expect(Self.problems(json).isEmpty)
    }

    @Test func aLayoutsChildrenNeedNoTimesOfTheirOwn() {
        let json = Self.layout(extra: #""direction": "vertical", "padding": [4, 8], "transform": { "width": 80 },"#,
                               children: #"\#(Self.child), { "type": "text", "text": "hi" }, { "type": "rect", "transform": { "width": "50%", "height": 5 } }"#)
        #expect(Self.problems(json).isEmpty, "\(Self.problems(json).map(\.description))")
    }

    @Test func theExampleIsValid() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../fixtures/examples/hello.json")
        #expect(Self.problems(try String(contentsOf: url, encoding: .utf8)).isEmpty)
    }
}
