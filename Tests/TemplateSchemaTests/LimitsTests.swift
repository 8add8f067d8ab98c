import Foundation
import Testing
import Timeline
@testable import TemplateSchema

/// Values past the documented limits are refused at their path, before anything converts them.
@Suite struct LimitsTests {
    static func problems(_ json: String) -> [String] {
        ValidationTests.problems(json).map(\.description)
    }

    /// A rect clip with `fields` (JSON members) replacing its defaults.
    static func clip(_ fields: String) -> String {
        let base = #"{ "type": "rect", "start": 0, "duration": 1, "transform": { "width": 10, "height": 10 } }"#
        func object(_ text: String) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        }
        let merged = object(base).merging(object("{ \(fields) }")) { _, new in new }
        let data = (try? JSONSerialization.data(withJSONObject: merged)) ?? Data()
        return ValidationTests.document(clip: String(decoding: data, as: UTF8.self))
    }

    @Test(arguments: [
        (#""duration": 1e300"#, "tracks[0].clips[0].duration: must be at most 86400, found 1e+300"),
        (#""start": 86400"#, "tracks[0].clips[0].duration: the clip would end at 86401 s; clips must end by 86400 s"),
        (#""zIndex": 1e300"#, "tracks[0].clips[0].zIndex: must be between -1000000 and 1000000"),
        (#""style": { "fontSize": 2001 }"#, "tracks[0].clips[0].style.fontSize: must be at most 2000, found 2001"),
        (#""style": { "letterSpacing": -1001 }"#, "tracks[0].clips[0].style.letterSpacing: must be between -1000 and 1000"),
        (#""style": { "shadowBlur": 10000 }"#, "tracks[0].clips[0].style.shadowBlur: must be at most 250, found 10000"),
        (#""style": { "shadowOffset": [1e300, 0] }"#, "tracks[0].clips[0].style.shadowOffset[0]: must be between -100000 and 100000"),
        (#""style": { "strokeWidth": 1e9 }"#, "tracks[0].clips[0].style.strokeWidth: must be at most 1000"),
        (#""style": { "lineHeight": 11 }"#, "tracks[0].clips[0].style.lineHeight: must be at most 10"),
        (#""style": { "borderRadius": [0, 0, 1e300, 0] }"#, "tracks[0].clips[0].style.borderRadius[2]: must be at most 100000"),
        (#""style": { "fill": { "type": "linear", "angle": 1e300, "stops": [ { "offset": 0, "color": "red" }, { "offset": 1, "color": "blue" } ] } }"#,
         "tracks[0].clips[0].style.fill.angle: must be between -36000 and 36000"),
        (#""transform": { "x": 1e300, "width": 10, "height": 10 }"#, "tracks[0].clips[0].transform.x: must be within ±100000 px, found 1e+300 px"),
        (#""transform": { "x": "1001%", "width": 10, "height": 10 }"#, "tracks[0].clips[0].transform.x: must be within ±1000%, found 1001%"),
        (#""transform": { "width": 100001, "height": 10 }"#, "tracks[0].clips[0].transform.width: must be within ±100000 px"),
        (#""transform": { "x": "nan%", "width": 10, "height": 10 }"#, "tracks[0].clips[0].transform.x: expected a number or a percentage string"),
        (#""transform": { "y": "infpx", "width": 10, "height": 10 }"#, "tracks[0].clips[0].transform.y: expected a number or a percentage string"),
        (#""transform": { "y": "0x1p3", "width": 10, "height": 10 }"#, "tracks[0].clips[0].transform.y: expected a number or a percentage string"),
        (#""transform": { "y": "１２", "width": 10, "height": 10 }"#, "tracks[0].clips[0].transform.y: expected a number or a percentage string"),
        (#""transform": { "scale": 101, "width": 10, "height": 10 }"#, "tracks[0].clips[0].transform.scale: must be between -100 and 100"),
        (#""transform": { "scale": [1, -1e300], "width": 10, "height": 10 }"#, "tracks[0].clips[0].transform.scale[1]: must be between -100 and 100"),
        (#""transform": { "rotation": 1e300, "width": 10, "height": 10 }"#, "tracks[0].clips[0].transform.rotation: must be between -36000 and 36000"),
        (#""transform": { "skew": [90, 0], "width": 10, "height": 10 }"#, "tracks[0].clips[0].transform.skew[0]: must be between -85 and 85"),
        (#""transform": { "skew": -86, "width": 10, "height": 10 }"#, "tracks[0].clips[0].transform.skew: must be between -85 and 85"),
        (#""transform": { "skew": "30deg", "width": 10, "height": 10 }"#, "tracks[0].clips[0].transform.skew: expected [x, y] in degrees or a number"),
        (#""transform": { "skew": [1, 2, 3], "width": 10, "height": 10 }"#, "tracks[0].clips[0].transform.skew: expected two numbers, found 3"),
        (#""keyframes": [ { "property": "x", "frames": [ { "time": 1e300, "value": 0 } ] } ]"#,
         "tracks[0].clips[0].keyframes[0].frames[0].time: must be at most 86400"),
        (#""keyframes": [ { "property": "rotation", "frames": [ { "time": 0, "value": 1e300 } ] } ]"#,
         "tracks[0].clips[0].keyframes[0].frames[0].value: must be between -36000 and 36000"),
        (##""style": { "fill": "#ＦＦＦ" }"##, "tracks[0].clips[0].style.fill: \"#ＦＦＦ\" is not a colour"),
        (#""style": { "fill": "rgb(nan, 0, 0)" }"#, "tracks[0].clips[0].style.fill: \"rgb(nan, 0, 0)\" is not a colour"),
        (#""style": { "fill": "hsl(inf, 50%, 50%)" }"#, "tracks[0].clips[0].style.fill: \"hsl(inf, 50%, 50%)\" is not a colour"),
    ])
    func aValuePastItsLimitIsRefusedAtItsPath(fields: String, expected: String) {
        let found = Self.problems(Self.clip(fields))
        #expect(found.contains { $0.hasPrefix(expected) }, "\(found)")
    }

    @Test func mediaTimesAndSpansAreBounded() {
        let audio = #"{ "type": "audio", "src": "a.wav", "start": 0, "duration": 1, "source": { "start": 1e300, "end": 1e301 }, "fadeIn": 1e300 }"#
        let found = Self.problems(ValidationTests.document(clip: audio))
        for path in ["source.start: must be at most 86400", "source.end: must be at most 86400", "fadeIn: must be at most 86400"] {
            #expect(found.contains { $0.contains(path) }, "\(found)")
        }
    }

    @Test func tinyDurationsAndHugeCanvasesAreRefused() {
        #expect(Self.problems(Self.clip(#""duration": 1e-320"#)).contains { $0.hasPrefix("tracks[0].clips[0].duration: must be at least 0.001 s") })
        #expect(Self.problems(ValidationTests.document(meta: #"{ "width": 8192, "height": 8192 }"#))
            .contains { $0.hasPrefix("meta: a 8192×8192 canvas has 67108864 pixels; H.264 (level 6.2) takes at most 35651584") })
        #expect(Self.problems(ValidationTests.document(meta: #"{ "width": 8192, "height": 4352 }"#)).isEmpty)
    }

    /// A remote font stays a URL in the timeline: the renderer fetches it through the media
    /// locator (outbound policy, cache) before setting text.
    @Test func remoteFontsAreLoweredAsURLs() throws {
        let json = ValidationTests.document(extra: #""assets": { "fonts": [ { "src": "https://example.com/a.ttf", "family": "A" } ] },"#)
        let timeline = try RenderingVideoV2.decode(Data(json.utf8)).lower(sources: .localFiles(relativeTo: "/"))
        #expect(timeline.fonts.map(\.source) == [.url("https://example.com/a.ttf")])
    }

    @Test func canvasAndRateAreBounded() {
        #expect(Self.problems(ValidationTests.document(meta: #"{ "width": 1e300, "height": 100 }"#))
            .contains("meta.width: must be at most 8192 pixels, found 1e+300"))
        #expect(Self.problems(ValidationTests.document(meta: #"{ "width": 100, "height": 100, "fps": 1e300 }"#))
            .contains { $0.hasPrefix("meta.fps: must be between 1 and 240") })
    }

    @Test func longTextAndStringsAreRefusedByLength() {
        let text = String(repeating: "x", count: DocumentLimits.textLength + 1)
        let found = Self.problems(ValidationTests.document(clip: #"{ "type": "text", "text": "\#(text)", "start": 0, "duration": 1 }"#))
        #expect(found == ["tracks[0].clips[0].text: must be at most 10000 characters long, found 10001"])
        let fine = String(repeating: "é", count: DocumentLimits.textLength)  // 2 bytes each: counted in characters
        #expect(Self.problems(ValidationTests.document(clip: #"{ "type": "text", "text": "\#(fine)", "start": 0, "duration": 1 }"#)).isEmpty)
    }

    @Test func countsAndNestingAreBounded() {
        let clip = #"{ "type": "rect", "start": 0, "duration": 1, "transform": { "width": 10, "height": 10 } }"#
        let tracks = (0..<11).map { _ in #"{ "clips": [ \#(Array(repeating: clip, count: 1000).joined(separator: ",")) ] }"# }
        let many = #"{ "meta": { "width": 100, "height": 100 }, "tracks": [ \#(tracks.joined(separator: ",")) ] }"#
        #expect(Self.problems(many) == ["tracks: has 11000 clips; a document may have at most 10000"])
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(Self.problems(deep).first?.contains("nested 65 deep; at most 64 levels") == true)
        // Brackets inside strings do not count.
        let bracketsInStrings = #"{"a": "\#(String(repeating: "[", count: 100))\"[[[["}"#
        #expect(JSONPrecheck.problem(in: Data(bracketsInStrings.utf8)) == nil)
        let values = "[" + Array(repeating: "{}", count: DocumentLimits.jsonValues).joined(separator: ",") + "]"
        #expect(Self.problems(values).first?.contains("more than 1000000 values") == true)
    }

    /// What the parser reports badly (or not at all) is reported at its path first.
    @Test(arguments: [
        (#"{"meta": {"width": 1e400}}"#, "meta.width: the number 1e400 is out of range"),
        (#"{"tracks": [{"clips": [{"x": 1}, {"duration": -1.7976931348623157e309}]}]}"#, "tracks[0].clips[1].duration: the number -1.7976931348623157e309 is out of range"),
        (#"{"tracks": [{"clips": [{"text": "a\ud800b"}]}]}"#, "tracks[0].clips[0].text: invalid JSON: a \\u escape leaves a lone UTF-16 surrogate"),
        (#"{"a": "\udc00"}"#, "a: invalid JSON: a \\u escape leaves a lone UTF-16 surrogate"),
    ])
    func unparseableValuesAreNamed(json: String, expected: String) {
        #expect(Self.problems(json).first?.hasPrefix(expected) == true, "\(Self.problems(json))")
    }

    @Test func pairedSurrogatesAndOrdinaryEscapesPass() {
        #expect(JSONPrecheck.problem(in: Data(#"{"a": "\ud83d\ude00 \n \" \\ \u00e9", "b": [1e308, -0, 2.5E-3]}"#.utf8)) == nil)
    }

    @Test func aDocumentWithThousandsOfProblemsReportsTheFirst200() {
        let bad = #"{ "type": "rect", "start": -1, "duration": 1, "transform": { "width": 10, "height": 10 } }"#
        let json = #"{ "meta": { "width": 100, "height": 100 }, "tracks": [ { "clips": [ \#(Array(repeating: bad, count: 500).joined(separator: ",")) ] } ] }"#
        let found = Self.problems(json)
        #expect(found.count == 201)
        #expect(found.last == "$: and 300 more problems")
    }

    @Test(arguments: [("12", 12.0), ("-3.5", -3.5), ("+1e3", 1000), (".5", 0.5), ("5.", 5), ("1E-2", 0.01)])
    func decimalsInText(text: String, value: Double) {
        #expect(DecimalSyntax.parse(text) == value)
    }

    @Test(arguments: ["", "nan", "NaN", "inf", "-infinity", "0x10", "1e999", "１２", "٣", "1e", "e5", "--1", "1 ", "1_000", "."])
    func notDecimals(text: String) {
        #expect(DecimalSyntax.parse(text) == nil)
    }

    @Test func integersInText() {
        #expect(DecimalSyntax.parseInteger("9223372036854775807") == Int.max)
        #expect(DecimalSyntax.parseInteger("9223372036854775808") == nil)
        #expect(DecimalSyntax.parseInteger("１") == nil && DecimalSyntax.parseInteger("") == nil && DecimalSyntax.parseInteger("-") == nil)
    }

    @Test func theIRClampsWhatTheReaderWouldRefuse() {
        #expect(Int(saturating: .nan) == 0 && Int(saturating: 1e300) > 0 && Int(saturating: -.infinity) < 0)
        #expect(FrameRate(framesPerSecond: .nan).framesPerSecond == 1 && FrameRate(framesPerSecond: 1e300).framesPerSecond == 1000)
        #expect(RGBAColor(red: .nan, green: 2, blue: -1, alpha: .infinity) == RGBAColor(red: 0, green: 1, blue: 0, alpha: 1))
        #expect(Animatable<Double>.keyframes([Keyframe(time: 0, value: 1), Keyframe(time: 1, value: 2)]).value(at: .nan) == 1)
    }
}
