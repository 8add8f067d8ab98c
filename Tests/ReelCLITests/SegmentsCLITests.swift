import Foundation
import Testing

/// `reel render --segments k` and the hidden `reel segment` steps that run it as separate processes.
@Suite struct SegmentsCLITests {
    let cli = CLITests()

    /// A 2 s, 25 fps composition with motion (and a silent sound track, as every MP4 render has); GOPs of
    /// 10 frames: 5 GOPs.
    static let config = #"""
        { "meta": { "width": 96, "height": 64, "fps": 25, "background": "#203040" },
          "tracks": [ { "clips": [ { "type": "rect", "start": 0, "duration": 2, "transform": { "width": 30, "height": 30 },
                                     "animations": [ { "type": "rotate", "duration": 2 } ], "style": { "fill": "#e04040" } } ] } ] }
        """#

    func probe(_ path: String) throws -> [String: Any] {
        let outcome = try cli.reel("probe", path, "--json")
        return try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any] ?? [:]
    }

    @Test func segmentedRenderMatchesTheSingleAndTheWorkerSteps() throws {
        let folder = CLITests.Folder()
        let config = folder.write("doc.json", Self.config)
        let single = folder.path + "/single.mp4", joined = folder.path + "/joined.mp4"
        #expect(try cli.reel("render", config, "-o", single, "--gop", "10").status == 0)
        let segmented = try cli.reel("render", config, "-o", joined, "--gop", "10", "--segments", "3", "--progress", "json")
        #expect(segmented.status == 0, "\(segmented.stderr)")
        #expect(segmented.stderr.contains("segments: 3; plan "), "\(segmented.stderr)")
        #expect(segmented.stdout.contains("\"segment_seconds\":["), "\(segmented.stdout)")
        let (a, b) = (try probe(single), try probe(joined))
        let streams = { (info: [String: Any]) in (info["streams"] as? [[String: Any]] ?? []).map { "\($0["codecName"] ?? "") \($0["frameCount"] ?? "") \($0["duration"] ?? "")" } }
        #expect(streams(a) == streams(b) && streams(a).count == 2, "\(streams(a)) \(streams(b))")
        #expect((a["streams"] as? [[String: Any]])?.first?["frameCount"] as? Int == 50)
        #expect("\(a["duration"] ?? "")" == "\(b["duration"] ?? "")")
        // The intermediate files are gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["doc.json", "joined.mp4", "single.mp4"])

        // The same steps as separate processes (workers) give the same bytes.
        let plan = folder.path + "/plan.json"
        #expect(try cli.reel("segment", "plan", config, "--segments", "3", "--gop", "10", "-o", plan).status == 0)
        var parts: [String] = []
        for index in [2, 0, 1] {
            let part = folder.path + "/part-\(index).mp4"
            let step = try cli.reel("segment", "render", config, "--plan", plan, "--index", "\(index)", "-o", part, "--gop", "10")
            #expect(step.status == 0, "\(step.stderr)")
        }
        for index in 0..<3 { parts.append(folder.path + "/part-\(index).mp4") }
        #expect(try cli.reel("segment", "sound", config, "--plan", plan, "-o", folder.path + "/sound.mp4", "--gop", "10").status == 0)
        let stepped = folder.path + "/stepped.mp4"
        let join = try cli.reel(["segment", "join", "--plan", plan, "--sound", folder.path + "/sound.mp4", "-o", stepped, "--gop", "10"] + parts)
        #expect(join.status == 0, "\(join.stderr)")
        #expect(join.stdout.contains("\"seconds\":"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: stepped)) == (try Data(contentsOf: URL(fileURLWithPath: joined))))
        // A worker given other settings refuses.
        let other = try cli.reel("segment", "render", config, "--plan", plan, "--index", "0", "-o", folder.path + "/x.mp4", "--gop", "10",
                                 "--crf", "30")
        #expect(other.status == 1 && other.stderr.contains("the segment plan was made for"), "\(other.stderr)")
    }

    @Test func segmentsApplyToMP4Only() throws {
        let folder = CLITests.Folder()
        let config = folder.write("doc.json", Self.config)
        let webm = try cli.reel("render", config, "-o", folder.path + "/x.webm", "--segments", "2")
        #expect(webm.status != 0 && webm.stderr.contains("--segments applies to mp4 and hevc outputs, not webm"), "\(webm.stderr)")
        #expect(try cli.reel("render", config, "-o", folder.path + "/x.mp4", "--segments", "0").status != 0)
        #expect(try cli.reel("render", config, "-o", folder.path + "/x.gif", "--gop", "10").status != 0)
        let help = try cli.reel("render", "--help")
        #expect(help.stdout.contains("--segments <k>") && help.stdout.contains("--gop <frames>"))
    }
}
