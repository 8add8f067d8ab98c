import Foundation
import Testing
import Timeline
@testable import TemplateSchema

/// The screenplay compiler: FVS render requests into RenderingVideo v2 documents.
@Suite struct ScreenplayTests {
    func brief(_ fields: [String: Any]) throws -> FVSRenderRequest.Brief {
        var object = fields
        if object["name"] == nil { object["name"] = "Test" }
        return try FVSRenderRequest.read(JSONSerialization.data(withJSONObject: object))
    }

    func problems(_ fields: [String: Any]) -> [String] {
        var object = fields
        if object["name"] == nil { object["name"] = "Test" }
        guard let data = try? JSONSerialization.data(withJSONObject: object) else { return ["not JSON"] }
        do {
            _ = try FVSRenderRequest.read(data)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    // MARK: Shots

    @Test func shotMarkersSplitTheScreenplay() {
        let shots = ScreenplayParser.shots(in: """
            Opening notes before any shot.
            Shot 1: A harbour at dawn.
            Gulls circle.
            MAYA: We made it.
            SHOT 2 - The market opens.
            shot #3. Close on a lantern.
            O'NEIL (V.O.): Not yet.
            """)
        #expect(shots.count == 4)
        #expect(shots[0].heading == nil && shots[0].description == "Opening notes before any shot.")
        #expect(shots[1].heading == "Shot 1" && shots[1].description == "A harbour at dawn. Gulls circle.")
        #expect(shots[1].dialogue == [ScreenplayShot.Line(speaker: "MAYA", text: "We made it.")])
        #expect(shots[2].heading == "Shot 2" && shots[2].description == "The market opens.")
        #expect(shots[3].heading == "Shot 3" && shots[3].description == "Close on a lantern. O'NEIL (V.O.): Not yet.",
                "a name with parentheses is not one to three capitalised words: the line stays description")
    }

    /// The published examples write the markers on one line.
    @Test func markersInsideALineSplitToo() {
        let shots = ScreenplayParser.shots(in: "Shot 1: Dawn. Shot 2: Coffee. SHOT 3 - The cup. A shot 4 of nothing.")
        #expect(shots.map(\.heading) == ["Shot 1", "Shot 2", "Shot 3"])
        #expect(shots.map(\.description) == ["Dawn.", "Coffee.", "The cup. A shot 4 of nothing."], "lowercase mid-line is prose")
    }

    @Test func sceneHeadingsSplitWhenThereAreNoMarkers() {
        let shots = ScreenplayParser.shots(in: """
            INT. KITCHEN - NIGHT
            Rain on the window. At 10:30 the kettle clicks.
            LEO: Tea?

            EXT. STREET - CONTINUOUS
            Leo runs.
            """)
        #expect(shots.map(\.heading) == ["INT. KITCHEN - NIGHT", "EXT. STREET - CONTINUOUS"])
        #expect(shots[0].description == "Rain on the window. At 10:30 the kettle clicks.", "a time is not a speaker")
        #expect(shots[0].dialogue.map(\.speaker) == ["LEO"])
    }

    @Test func paragraphsAreShotsOtherwise() {
        let shots = ScreenplayParser.shots(in: "A field.\nWind.\n\n\nA road.\n\nA house.\n")
        #expect(shots.map(\.description) == ["A field. Wind.", "A road.", "A house."])
        #expect(ScreenplayParser.shots(in: "  \n\n ").isEmpty)
    }

    @Test func shotCountSplitsAndMerges() {
        let shots = ScreenplayParser.shots(in: "Shot 1: One. Two. Three. Four.\nShot 2: Five.\nShot 3: Six seven.")
        for count in [1, 2, 3, 4, 5, 9, 64] {
            let fitted = ScreenplayParser.fit(shots, to: count)
            #expect(fitted.count == count)
            // Nothing is lost or invented: the words are the same, in order, unless a one-sentence
            // shot was halved (its continuation repeats the description).
            let words = fitted.filter { !$0.continued }.map(\.description).joined(separator: " ")
            #expect(words == "One. Two. Three. Four. Five. Six seven.", "\(count) shots: \(words)")
        }
        #expect(ScreenplayParser.fit([], to: 3).count == 3)
    }

    // MARK: Timing

    @Test func lengthsAddUpToTheTargetAtEveryRate() {
        for (seconds, fps) in [(24.0, 24.0), (7, 30), (4, 30_000.0 / 1001), (600, 25), (13.37, 24_000.0 / 1001), (4, 60)] {
            let total = Int((seconds * fps).rounded())
            for count in [1, 3, 7, 64] {
                let weights = (0..<count).map { Double(($0 * 37) % 11) }
                let lengths = ScreenplayCompiler.frameLengths(weights: weights, total: total)
                #expect(lengths.count == count)
                #expect(lengths.reduce(0, +) == total, "\(seconds) s at \(fps): \(lengths)")
                #expect(lengths.allSatisfy { $0 >= 1 })
            }
        }
        // Weights are held within half and twice the mean: a long paragraph does not starve the others.
        let lengths = ScreenplayCompiler.frameLengths(weights: [1, 1000, 1], total: 300)
        #expect(lengths[1] <= 2 * lengths[0] * 2 && lengths[0] >= 40, "\(lengths)")
    }

    @Test func compiledDocumentsLastTheTargetToTheFrame() throws {
        for (seconds, fps, shots) in [(24.0, 24.0, 3), (7.3, 30.0, 5), (4.0, 29.97, 64), (600.0, 25.0, 12), (13.37, 60.0, 2)] {
            let request = try brief(["screenplay": "Shot 1: A. Shot 2: B.", "shot_count": shots, "scene_target_duration_seconds": seconds,
                                     "frame_rate": fps, "visual_style_preset": "vibrant_social"])
            let compiled = try ScreenplayCompiler.compile(request, media: [:])
            let total = Int((seconds * fps).rounded())
            #expect(compiled.totalFrames == total)
            #expect(compiled.shots.count == shots)
            #expect(compiled.shots.reduce(0) { $0 + $1.frameCount } == total)
            // The renderer's timeline ends at the last clip's end: exactly the target's frames.
            let document = try RenderingVideoV2.decode(compiled.json)
            let timeline = try document.lower(sources: SourceResolver.localFiles(relativeTo: "/tmp"))
            #expect(Int((timeline.duration * fps).rounded()) == total, "\(seconds) s at \(fps) fps: \(timeline.duration)")
            #expect(abs(timeline.duration - Double(total) / fps) < 1e-9)
        }
    }

    // MARK: Assets

    static let media: [String: ScreenplayCompiler.MediaFacts] = [
        "harbour.jpg": .init(kind: .image), "market.mp4": .init(kind: .video, duration: 30), "lantern.png": .init(kind: .image),
        "logo.png": .init(kind: .image), "theme.mp3": .init(kind: .audio, duration: 8), "notes.pdf": .init(kind: .other),
        "voice.wav": .init(kind: .audio, duration: 3),
    ]

    @Test func assetsAreChosenByLabelThenInOrder() throws {
        let request = try brief([
            "screenplay": "Shot 1: The market at noon.\nShot 2: Boats.\nShot 3: More boats.\nShot 4: A lantern glows.\nShot 5: Night.",
            "scene_target_duration_seconds": 10, "frame_rate": 30,
            "assets": [
                ["filename": "harbour.jpg", "label": "Harbour", "purpose": "location_reference"],
                ["filename": "market.mp4", "label": "Market"],
                ["filename": "lantern.png", "label": "Lantern", "purpose": "character_reference"],
                ["filename": "logo.png", "label": "Logo", "purpose": "logo_reference"],
                ["filename": "notes.pdf", "purpose": "document_reference"],
            ],
        ])
        let compiled = try ScreenplayCompiler.compile(request, media: Self.media, source: { "media/" + $0 })
        #expect(compiled.shots.map(\.visual) == ["market.mp4", "harbour.jpg", nil, "lantern.png", nil],
                "a shot that names an asset gets it; the others take the assets no shot names, in order; then text cards")
        let clips = Self.clips(compiled.document)
        let logo = try #require(clips.first { $0["id"] == .string("logo") })
        #expect(logo["src"] == .string("media/logo.png"))
        #expect(logo["duration"] == .number(10))
        // Footage is trimmed to its shot; stills move gently; shots without media are cards.
        let market = try #require(clips.first { $0["id"] == .string("shot-1") })
        #expect(market["type"] == .string("video") && market["source"] == .object(["start": .number(0)]))
        let harbour = try #require(clips.first { $0["id"] == .string("shot-2") })
        #expect(harbour["type"] == .string("image"))
        #expect(harbour["keyframes"] != nil)
        #expect(clips.first { $0["id"] == .string("shot-3") }?["type"] == .string("rect"))
        #expect(clips.first { $0["id"] == .string("shot-3-text") }?["text"] == .string("More boats."))
        #expect(compiled.music == nil, "no audio asset")
    }

    @Test func musicFollowsPurposeWorkflowAndBounds() throws {
        let assets: [[String: Any]] = [["filename": "voice.wav"], ["filename": "theme.mp3", "purpose": "music_reference"]]
        var compiled = try ScreenplayCompiler.compile(try brief(["scene_target_duration_seconds": 12, "assets": assets,
                                                                 "music_start_seconds": 2, "music_max_duration_seconds": 10]),
                                                      media: Self.media)
        #expect(compiled.music == "theme.mp3")
        var music = try #require(Self.clips(compiled.document).first { $0["id"] == .string("music") })
        #expect(music["duration"] == .number(10), "held to music_max_duration_seconds")
        #expect(music["source"] == .object(["start": .number(2)]))
        #expect(music["loop"] == .bool(true), "8 s of track from 2 s cannot fill 10 s")
        #expect(music["fadeOut"] == .number(1.5))

        compiled = try ScreenplayCompiler.compile(try brief(["scene_target_duration_seconds": 6, "assets": [["filename": "voice.wav"]],
                                                             "music_workflow": "uploaded_track"]), media: Self.media)
        #expect(compiled.music == "voice.wav", "uploaded_track: the first audio file")
        music = try #require(Self.clips(compiled.document).first { $0["id"] == .string("music") })
        #expect(music["duration"] == .number(6))
        compiled = try ScreenplayCompiler.compile(try brief(["assets": [["filename": "voice.wav"]]]), media: Self.media)
        #expect(compiled.music == nil, "an audio file with no musical purpose is not made the music")
        compiled = try ScreenplayCompiler.compile(try brief(["assets": [["filename": "voice.wav"]], "use_first_audio_asset_as_music": true]),
                                                  media: Self.media)
        #expect(compiled.music == "voice.wav")
    }

    @Test func anAssetThatWasNotUploadedIsAnError() throws {
        let request = try brief(["assets": [["filename": "missing.png", "purpose": "logo_reference"]]])
        #expect(throws: SchemaError.self) { try ScreenplayCompiler.compile(request, media: Self.media) }
        do {
            _ = try ScreenplayCompiler.compile(request, media: Self.media)
        } catch {
            #expect(error.diagnostics.map(\.description) == [#"assets[0].filename: names "missing.png", which was not uploaded"#])
        }
    }

    // MARK: Captions

    @Test func dialogueBecomesTimedCaptionsUnlessAskedForNone() throws {
        let screenplay = "Shot 1: A door.\nMAYA: Who is it?\nLEO: Me, with a very long answer to give.\nShot 2: Silence."
        let request = try brief(["screenplay": screenplay, "scene_target_duration_seconds": 6, "frame_rate": 25])
        let compiled = try ScreenplayCompiler.compile(request, media: [:])
        let captions = Self.clips(compiled.document).filter { $0["zIndex"] == .number(1200) }
        #expect(captions.map { $0["text"] } == [.string("Who is it?"), .string("Me, with a very long answer to give.")])
        // Within the first shot, back to back, in proportion to their length, whole frames each.
        let shot = compiled.shots[0]
        let starts = captions.compactMap { if case .number(let t) = $0["start"] { t } else { nil } }
        let lengths = captions.compactMap { if case .number(let t) = $0["duration"] { t } else { nil } }
        #expect(starts.first == 0)
        #expect(abs(starts[1] - lengths[0]) < 1e-9)
        #expect(abs((lengths[0] + lengths[1]) * 25 - Double(shot.frameCount)) < 1e-9)
        #expect(lengths[1] > lengths[0] * 2)

        for instructions in ["No subtitles or text overlays.", "Please, without captions", "avoid on-screen text"] {
            let quiet = try ScreenplayCompiler.compile(try brief(["screenplay": screenplay, "instructions": instructions]), media: [:])
            #expect(Self.clips(quiet.document).allSatisfy { $0["zIndex"] != .number(1200) }, "\(instructions)")
        }
    }

    // MARK: Music mode

    /// Cuts move to the nearest beat of a click track (a beat every 0.5 s, 20 ms late) when one is
    /// near: each lands on the frame nearest its beat, and the total stays.
    @Test func cutsLandOnBeats() throws {
        let fps = 30.0
        let beats = stride(from: 0.02, to: 20, by: 0.5).map { $0 }
        let lengths = ScreenplayCompiler.frameLengths(weights: [3, 5, 2, 8, 4, 6], total: 600)
        let aligned = ScreenplayCompiler.alignCuts(lengths, toBeats: beats.map { $0 * fps })
        #expect(aligned.reduce(0, +) == 600)
        #expect(ScreenplayCompiler.alignCuts(lengths, toBeats: [-1e300, .nan, 1e300, .infinity]) == lengths, "beats off the timeline are ignored")
        var cut = 0
        for length in aligned.dropLast() {
            cut += length
            let nearest = beats.map { abs($0 * fps - Double(cut)) }.min() ?? .infinity
            #expect(nearest <= 0.5 + 1e-9, "cut at frame \(cut) is \(nearest) frames from a beat")
        }
        // Through the compiler, in music mode only.
        let request = try brief(["screenplay": "One.\n\nTwo.\n\nThree.\n\nFour.", "project_mode": "music", "frame_rate": 30,
                                 "scene_target_duration_seconds": 10])
        let compiled = try ScreenplayCompiler.compile(request, media: [:], beats: [2.21, 5.02, 7.49, 9.9])
        #expect(compiled.shots.map(\.firstFrame) == [0, 66, 151, 225])
        let scene = try ScreenplayCompiler.compile(try brief(["screenplay": "One.\n\nTwo.\n\nThree.\n\nFour.", "frame_rate": 30,
                                                              "scene_target_duration_seconds": 10]), media: [:], beats: [2.21, 5.02, 7.49, 9.9])
        #expect(scene.shots.map(\.firstFrame) == [0, 75, 150, 225])
    }

    // MARK: Reading

    @Test func requestsAreCheckedWithPaths() {
        #expect(problems(["name": "  "]) == ["name: must not be blank"])
        #expect(problems(["shot_count": 0, "scene_target_duration_seconds": 601]) == [
            "shot_count: must be between 1 and 64, found 0",
            "scene_target_duration_seconds: must be between 4 and 600, found 601",
        ])
        #expect(problems(["shot_count": 2.5]) == ["shot_count: must be a whole number, found 2.5"])
        #expect(problems(["project_mode": "opera"]).first?.hasPrefix("project_mode: unknown value \"opera\"") == true)
        #expect(problems(["assets": [["filename": "../etc/passwd"], ["filename": "a.png"], ["filename": "a.png"]]]) == [
            "assets[0].filename: must be a file's base name (no folders, not \".\" or \"..\")",
            "assets[2].filename: names \"a.png\" a second time",
        ])
        #expect(problems(["music_max_duration_seconds": 0.0005]) == ["music_max_duration_seconds: must be at least 1 s, found 0.0005"])
        #expect(problems(["assets": (0..<40).map { ["filename": "f\($0).png"] }]) == ["assets: must have at most 32 elements, found 40"])
        #expect(problems(["music_min_duration_seconds": 20, "music_max_duration_seconds": 10])
            == ["music_min_duration_seconds: must not be above music_max_duration_seconds (10)"])
        do {
            _ = try FVSRenderRequest.read(Data("[1]".utf8))
            Issue.record("an array is not a request")
        } catch {
            #expect(error.diagnostics.map(\.description) == ["$: expected an object, found an array"])
        }
    }

    @Test func modelFieldsAreRecordedAndUnknownOnesWarned() throws {
        let request = try brief(["video_model": "veo-3.1-fast-generate-001", "image_resolution": "1K", "orchestrator_model": "x",
                                 "favourite_colour": "teal", "visual_style_preset": "claymation"])
        #expect(request.recorded["video_model"] == .string("veo-3.1-fast-generate-001"))
        #expect(request.recorded.count == 3)
        #expect(request.warnings.map(\.description) == ["favourite_colour: is not read by Reel (kept with the request)"])
        let compiled = try ScreenplayCompiler.compile(request, media: [:])
        #expect(compiled.style.name == "realistic_cinematic")
        #expect(compiled.warnings.count == 2)
        guard case .object(let root) = compiled.document, case .object(let record)? = root["x-reel-screenplay"] else {
            Issue.record("no record of the request")
            return
        }
        #expect(record["recorded"] == .object(["video_model": .string("veo-3.1-fast-generate-001"), "image_resolution": .string("1K"),
                                               "orchestrator_model": .string("x")]))
    }

    @Test func compilingIsDeterministic() throws {
        let fields: [String: Any] = [
            "screenplay": "INT. HALL\nFootsteps.\nANA: Hello?\n\nEXT. YARD\nA dog barks.", "shot_count": 5,
            "scene_target_duration_seconds": 9.5, "visual_style_preset": "noir",
            "assets": [["filename": "harbour.jpg"], ["filename": "market.mp4"], ["filename": "theme.mp3", "purpose": "music_reference"]],
        ]
        let first = try ScreenplayCompiler.compile(try brief(fields), media: Self.media).json
        let second = try ScreenplayCompiler.compile(try brief(fields), media: Self.media).json
        #expect(first == second)
        #expect(FVSRenderRequest.looksLikeRequest(try JSONSerialization.data(withJSONObject: fields.merging(["name": "x"]) { $1 })))
        #expect(!FVSRenderRequest.looksLikeRequest(Data(#"{"meta": {}, "tracks": [], "name": "x", "screenplay": ""}"#.utf8)))
    }

    @Test func everyPresetCompilesToAValidDocument() throws {
        for style in VisualStyle.all {
            let request = try brief(["screenplay": "Shot 1: A.\nBOB: Hi.\nShot 2: B.", "visual_style_preset": style.name,
                                     "video_resolution": "1080p", "assets": [["filename": "harbour.jpg"], ["filename": "logo.png", "purpose": "logo_reference"]]])
            let compiled = try ScreenplayCompiler.compile(request, media: Self.media)
            #expect(compiled.frameRate == style.frameRate)
            let timeline = try RenderingVideoV2.decode(compiled.json).lower(sources: SourceResolver.localFiles(relativeTo: "/tmp"))
            #expect(timeline.canvas.width == 1920 && timeline.canvas.height == 1080)
        }
        #expect(VisualStyle.all.count >= 4 && VisualStyle.named("realistic_cinematic") != nil)
    }

    /// Every clip of every track, as objects.
    static func clips(_ document: JSONValue) -> [[String: JSONValue]] {
        guard case .object(let root) = document, case .array(let tracks)? = root["tracks"] else { return [] }
        return tracks.flatMap { track -> [[String: JSONValue]] in
            guard case .object(let members) = track, case .array(let clips)? = members["clips"] else { return [] }
            return clips.compactMap { if case .object(let clip) = $0 { clip } else { nil } }
        }
    }
}
