import Foundation
import Testing

/// `reel screenplay`, and `reel render` given a screenplay brief, run as a user would.
@Suite struct ScreenplayCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../fixtures").standardized.path
    let cli = CLITests()

    /// A stereo 48 kHz 16-bit WAV of `seconds` of a 440 Hz tone.
    static func wav(seconds: Double) -> Data {
        let frames = Int(48_000 * seconds)
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + frames * 4)); data.append(contentsOf: Array("WAVEfmt ".utf8))
        append(UInt32(16)); append(UInt16(1)); append(UInt16(2)); append(UInt32(48_000)); append(UInt32(48_000 * 4)); append(UInt16(4)); append(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); append(UInt32(frames * 4))
        for i in 0..<frames {
            let sample = Int16(8000 * sin(2 * Double.pi * 440 * Double(i) / 48_000))
            append(sample); append(sample)
        }
        return data
    }

    func folderWithMedia() throws -> CLITests.Folder {
        let folder = CLITests.Folder()
        try FileManager.default.copyItem(atPath: Self.fixtures + "/images/bands.jpg", toPath: folder.path + "/bands.jpg")
        try FileManager.default.copyItem(atPath: Self.fixtures + "/videos/index.mp4", toPath: folder.path + "/clip.mp4")
        try Self.wav(seconds: 2).write(to: URL(fileURLWithPath: folder.path + "/theme.wav"))
        return folder
    }

    static let brief = #"""
        { "name": "Harbour morning", "project_mode": "scene", "visual_style_preset": "documentary",
          "screenplay": "Shot 1: Colour bands at dawn.\nANA: Morning.\nShot 2: The clip plays.\nShot 3: A card to close.",
          "shot_count": 3, "scene_target_duration_seconds": 4, "video_resolution": "720p",
          "video_model": "veo-3.1-fast-generate-001",
          "assets": [ { "filename": "bands.jpg", "label": "bands" }, { "filename": "clip.mp4", "label": "clip" },
                      { "filename": "theme.wav", "purpose": "music_reference" } ] }
        """#

    @Test func screenplayWritesADocumentThatRendersToTheTargetLength() throws {
        let folder = try folderWithMedia()
        let brief = folder.write("brief.json", Self.brief)
        let compiled = try cli.reel("screenplay", brief, "-o", folder.path + "/timeline.json")
        #expect(compiled.status == 0, "\(compiled.stderr)")
        #expect(compiled.stdout.contains("3 shots, 120 frames at 30 fps (4.000 s), style documentary, music theme.wav"), "\(compiled.stdout)")
        #expect(compiled.stdout.contains("bands.jpg") && compiled.stdout.contains("clip.mp4") && compiled.stdout.contains("text card"))
        // The document is an ordinary v2 document, with its media beside it.
        #expect(try cli.reel("validate", folder.path + "/timeline.json").status == 0)
        let document = try String(contentsOfFile: folder.path + "/timeline.json", encoding: .utf8)
        #expect(document.contains(#""src" : "bands.jpg""#))

        // `reel render` takes the brief itself.
        let output = folder.path + "/out.mp4"
        let rendered = try cli.reel("render", brief, "-o", output)
        #expect(rendered.status == 0, "\(rendered.stderr)")
        let probe = try cli.reel("probe", "--json", output)
        let info = try JSONSerialization.jsonObject(with: Data(probe.stdout.utf8)) as? [String: Any] ?? [:]
        let streams = info["streams"] as? [[String: Any]] ?? []
        let video = try #require(streams.first { $0["kind"] as? String == "video" })
        #expect(video["frameCount"] as? Int == 120)
        #expect(video["width"] as? Int == 1280 && video["height"] as? Int == 720)
        #expect(streams.contains { $0["kind"] as? String == "audio" }, "the music bed")
    }

    @Test func accountDefaultsAreSetCheckedAndShown() throws {
        let folder = CLITests.Folder()
        let data = folder.path + "/data"
        #expect(try cli.reel("accounts", "create", "acme", "--data", data).status == 0)
        let set = try cli.reel("accounts", "defaults", "acme", "--set", "video_resolution=1080p", "--set", "shot_count=5", "--data", data)
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout == "shot_count = 5\nvideo_resolution = \"1080p\"\n")
        let bad = try cli.reel("accounts", "defaults", "acme", "--set", "shot_count=99", "--data", data)
        #expect(bad.status == 1 && bad.stderr.contains("shot_count: must be between 1 and 64, found 99"), "\(bad.stderr)")
        let name = try cli.reel("accounts", "defaults", "acme", "--set", "name=x", "--data", data)
        #expect(name.status == 1 && name.stderr.contains("name: takes no account default"))
        let unset = try cli.reel("accounts", "defaults", "acme", "--unset", "shot_count", "--data", data)
        #expect(unset.stdout == "video_resolution = \"1080p\"\n")
    }

    @Test func aBadBriefIsRefusedWithPaths() throws {
        let folder = try folderWithMedia()
        let brief = folder.write("brief.json", #"{ "name": "x", "shot_count": 70, "assets": [ { "filename": "nowhere.png" } ] }"#)
        let result = try cli.reel("screenplay", brief, "-o", folder.path + "/timeline.json")
        #expect(result.status == 1)
        #expect(result.stderr.contains("shot_count: must be between 1 and 64, found 70"), "\(result.stderr)")
        let missing = folder.write("missing.json", #"{ "name": "x", "screenplay": "A.", "assets": [ { "filename": "nowhere.png" } ] }"#)
        let second = try cli.reel("render", missing, "-o", folder.path + "/out.mp4")
        #expect(second.status == 1)
        #expect(second.stderr.contains(#"assets[0].filename: names "nowhere.png", which was not uploaded"#), "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out.mp4"))
    }
}
