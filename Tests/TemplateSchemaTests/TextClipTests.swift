import Foundation
import Testing
@testable import TemplateSchema
import Timeline

/// Subtitle and code clips lowered to (timed) text.
@Suite struct TextClipTests {
    static func lowered(_ clip: String, fps: String = "30") throws -> Timeline {
        let json = """
        { "meta": { "width": 640, "height": 360, "fps": \(fps) },
          "tracks": [ { "clips": [ \(clip) ] } ] }
        """
        return try RenderingVideoV2.decode(Data(json.utf8)).lower(sources: .localFiles(relativeTo: "/"))
    }

    static let words: [(String, Double)] = [("One", 0.0), ("two", 0.51), ("three", 1.013), ("four", 1.7), ("five", 2.0411), ("six", 2.5)]

    static func subtitle(mode: String, start: Double = 0) -> String {
        let list = words.enumerated().map { index, word in
            let end = index + 1 < words.count ? words[index + 1].1 : 3.0
            return "{\"word\": \"\(word.0)\", \"start\": \(word.1), \"end\": \(end)}"
        }
        return """
        {"type": "subtitle", "start": \(start), "duration": 3, "words": [\(list.joined(separator: ","))],
         "config": {"mode": "\(mode)", "wordsPerBatch": 3}}
        """
    }

    /// The highlighted word changes on the frame whose interval holds its start, never later.
    @Test(arguments: ["24", "25", "30", "30000/1001"])
    func highlightChangesOnTheExactFrame(_ fps: String) throws {
        let rate: Double = fps == "30000/1001" ? 30000.0 / 1001 : Double(fps) ?? 30
        let fpsJSON = fps == "30000/1001" ? "29.97002997002997" : fps
        for clipStart in [0.0, 0.3] {
            let timeline = try Self.lowered(Self.subtitle(mode: "batch", start: clipStart), fps: fpsJSON)
            let schedule = timeline.schedule()
            for frame in 0..<Int(rate * (clipStart + 3)) {
                let frameStart = Double(frame) / rate, frameEnd = Double(frame + 1) / rate
                guard frameEnd > clipStart + 1e-9, frameStart < clipStart + 3 - 1e-9 else { continue }
                // The word spoken by the frame's end: the last to start before it.
                let expected = Self.words.lastIndex { clipStart + $0.1 < frameEnd - 1e-9 }
                let item = schedule.drawList(atFrame: frame).first
                guard case .text(let text)? = item?.content else {
                    #expect(expected == nil || frameStart < clipStart, "frame \(frame) at \(fps) fps, clip at \(clipStart), shows nothing")
                    continue
                }
                let highlighted = text.spans.first { $0.fill != nil }.map { span in
                    String(String.UnicodeScalarView(text.text.unicodeScalars.dropFirst(span.range.lowerBound).prefix(span.range.count)))
                }
                #expect(highlighted == expected.map { Self.words[$0].0 }, "frame \(frame) at \(fps) fps, clip at \(clipStart)")
            }
        }
    }

    /// Batch mode shows the whole batch; stream mode hides the words not yet spoken.
    @Test func streamModeRevealsWordByWord() throws {
        let batch = try Self.lowered(Self.subtitle(mode: "batch")).schedule().drawList(at: 0.6)
        let stream = try Self.lowered(Self.subtitle(mode: "stream")).schedule().drawList(at: 0.6)
        guard case .text(let shown)? = batch.first?.content, case .text(let revealed)? = stream.first?.content else {
            Issue.record("no text at 0.6 s")
            return
        }
        #expect(shown.text == "One two three")
        #expect(!shown.spans.contains { $0.hidden })
        #expect(revealed.text == "One two three")
        #expect(revealed.spans.contains { $0.hidden && $0.range == 8..<13 })
    }

    @Test func captionFilesAreReadFromSrc() throws {
        let folder = NSTemporaryDirectory() + "reel-captions-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "1\n00:00:00,000 --> 00:00:01,000\nHello there\n\n2\n00:00:01,000 --> 00:00:02,000\nGeneral Kenobi\n"
            .write(toFile: folder + "/a.srt", atomically: true, encoding: .utf8)
        try "1\n00:00:00,000 -> 00:00:01,000\nbroken\n".write(toFile: folder + "/bad.srt", atomically: true, encoding: .utf8)
        func document(_ src: String) -> Data {
            Data("""
            {"meta": {"width": 640, "height": 360, "fps": 30}, "tracks": [{"clips": [
              {"type": "subtitle", "start": 0, "duration": 2, "words": {"src": "\(src)"}}]}]}
            """.utf8)
        }
        // JSON words, bare or as {"words": [...]}, and WebVTT, read the same way.
        try #"[{"word": "bare", "start": 0, "end": 1}]"#.write(toFile: folder + "/bare.json", atomically: true, encoding: .utf8)
        try #"{"words": [{"word": "wrapped", "punctuated_word": "Wrapped!", "start": 0, "end": 1}]}"#
            .write(toFile: folder + "/wrapped.json", atomically: true, encoding: .utf8)
        try "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Ann>Cue &amp; text\n".write(toFile: folder + "/c.vtt", atomically: true, encoding: .utf8)
        for (file, expected) in [("bare.json", "bare"), ("wrapped.json", "Wrapped!"), ("c.vtt", "Cue & text")] {
            let lowered = try RenderingVideoV2.decode(document(file)).lower(sources: .localFiles(relativeTo: folder))
            guard case .text(let shown)? = lowered.schedule().drawList(at: 0.5).first?.content else {
                Issue.record("\(file): nothing at 0.5 s")
                continue
            }
            #expect(shown.text == expected, "\(file)")
        }
        let timeline = try RenderingVideoV2.decode(document("a.srt")).lower(sources: .localFiles(relativeTo: folder))
        guard case .text(let text)? = timeline.schedule().drawList(at: 1.2).first?.content else {
            Issue.record("no caption at 1.2 s")
            return
        }
        #expect(text.text == "Hello there General Kenobi")
        #expect(text.spans.first { $0.fill != nil }?.range == 12..<19)
        #expect(throws: SchemaError.self) {
            try RenderingVideoV2.decode(document("bad.srt")).lower(sources: .localFiles(relativeTo: folder))
        }
        do {
            _ = try RenderingVideoV2.decode(document("bad.srt")).lower(sources: .localFiles(relativeTo: folder))
        } catch {
            #expect(error.diagnostics.first?.description.contains("tracks[0].clips[0].words.src") == true)
            #expect(error.diagnostics.first?.description.contains("line 2") == true)
        }
    }

    /// Keywords, strings, comments and numbers take the theme's colours; an unknown language is
    /// drawn plain with a notice.
    @Test func codeIsColouredByItsTokens() throws {
        let timeline = try Self.lowered("""
        {"type": "code", "start": 0, "duration": 1, "language": "python", "theme": "dark",
         "code": "def f(x):\\n    return 42  # answer\\ns = 'hi'"}
        """)
        guard case .text(let text)? = timeline.schedule().drawList(at: 0).first?.content else {
            Issue.record("no code drawn")
            return
        }
        func colour(of word: String) -> Paint? {
            guard let range = text.text.range(of: word) else { return nil }
            let start = text.text.unicodeScalars.distance(from: text.text.unicodeScalars.startIndex, to: range.lowerBound)
            return text.spans.last { $0.range.contains(start) && $0.fill != nil }?.fill
        }
        let theme = try #require(CodeTheme.named("dark"))
        #expect(colour(of: "def") == .solid(theme.kinds[.keyword]!))
        #expect(colour(of: "42") == .solid(theme.kinds[.number]!))
        #expect(colour(of: "# answer") == .solid(theme.kinds[.comment]!))
        #expect(colour(of: "'hi'") == .solid(theme.kinds[.string]!))
        #expect(timeline.notices.isEmpty)

        let unknown = try Self.lowered("""
        {"type": "code", "start": 0, "duration": 1, "language": "klingon", "code": "qaStaH nuq"}
        """)
        #expect(unknown.notices.count == 1)
        #expect(unknown.notices.first?.contains("unknown language \"klingon\"") == true)
        guard case .text(let plain)? = unknown.schedule().drawList(at: 0).first?.content else { return }
        #expect(plain.spans.allSatisfy { $0.fill == nil })
    }

    /// A last word whose end falls on its own first frame still shows there, and the gap after the
    /// batch starts on the next frame.
    @Test func aShortLastWordIsShown() throws {
        let timeline = try Self.lowered("""
        {"type": "subtitle", "start": 0, "duration": 3, "words": [
          {"word": "long", "start": 0, "end": 1}, {"word": "blip", "start": 1.0, "end": 1.01},
          {"word": "later", "start": 2, "end": 2.5}], "config": {"wordsPerBatch": 2}}
        """, fps: "10")
        let schedule = timeline.schedule()
        guard case .text(let text)? = schedule.drawList(atFrame: 10).first?.content else {
            Issue.record("frame 10 shows nothing")
            return
        }
        #expect(text.spans.first { $0.fill != nil }?.range == 5..<9)
        #expect(schedule.drawList(atFrame: 11).isEmpty, "the gap")
    }

    /// All the subtitle clips of a document show at most 100,000 words: a caption asset of 10,000
    /// words used by eleven clips is refused at the eleventh.
    @Test func subtitleWordsAreBoundedPerDocument() throws {
        let words = (0..<10_000).map { #"{"word": "w", "start": \#(Double($0) * 0.1), "end": \#(Double($0) * 0.1 + 0.1)}"# }
        let clips = (0..<11).map { _ in #"{"type": "subtitle", "start": 0, "duration": 1000, "words": {"$ref": "talk"}}"# }
        let json = """
        {"meta": {"width": 64, "height": 36, "fps": 10}, "assets": {"subtitles": [{"id": "talk", "words": [\(words.joined(separator: ","))]}]},
         "tracks": [{"clips": [\(clips.joined(separator: ","))]}]}
        """
        do {
            _ = try RenderingVideoV2.decode(Data(json.utf8)).lower(sources: .localFiles(relativeTo: "/"))
            Issue.record("110,000 words were accepted")
        } catch {
            #expect(error.diagnostics.map(\.description).contains { $0.hasPrefix("tracks[0].clips[10].words: the document's subtitle clips show 110000 words") },
                    "\(error.diagnostics.prefix(2))")
        }
    }

    /// The typewriter reveals one more character as each frame passes at its rate.
    @Test func typewriterRevealsCharacters() throws {
        let timeline = try Self.lowered("""
        {"type": "code", "start": 0, "duration": 2, "code": "abcdefghij", "typewriter": {"charactersPerSecond": 10}}
        """, fps: "10")
        let schedule = timeline.schedule()
        for frame in 0..<12 {
            guard case .text(let text)? = schedule.drawList(atFrame: frame).first?.content else {
                #expect(frame == 0, "frame \(frame) draws nothing")
                continue
            }
            #expect(text.revealed == min(frame, 10))
        }
    }
}
