import Foundation
import FuzzKit
import TemplateSchema
import Testing

/// Every input the fuzzer (or a person) found to crash Reel stays fixed: each file in
/// fuzz/regressions runs through decode → validate → lower → price → draw → mix in this process,
/// where a trap would end the test run. A short seeded fuzz run follows.
@Suite(.serialized) struct FuzzRegressionTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let work: String = {
        let folder = NSTemporaryDirectory() + "reel-fuzz-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try? FuzzMedia.prepare(in: folder, imageFixtures: repository + "/fixtures/images")
        return folder
    }()

    static func files(in folder: String) -> [String] {
        let path = repository + "/" + folder
        return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            .map { path + "/" + $0 }
    }

    @Test func everyRegressionRunsCleanly() throws {
        let files = Self.files(in: "fuzz/regressions")
        #expect(files.count >= 30)
        let pipeline = Pipeline(mediaDirectory: Self.work)
        for file in files {
            let data = try #require(FileManager.default.contents(atPath: file))
            let outcome = pipeline.run(data)
            #expect(!outcome.isEmpty, "\(file) produced no outcome")
        }
    }

    /// The inputs the issue named are refused with their JSON path, or drawn.
    @Test(arguments: [
        ("fullwidth-hex-colour", "is not a colour"),
        ("duration-1e300", "tracks[#].clips[#].duration: must be at most #"),
        ("canvas-huge", "meta.width: must be at most # pixels"),
        ("nan-colour-rgb", "style.fill: \"\" is not a colour"),
        ("text-1mb", "text: must be at most # characters long"),
        ("shadow-blur-10000", "style.shadowBlur: must be at most #"),
        ("length-strings", "transform.x: expected a number or a percentage string"),
        ("rect-100000-square", "drawn"),
        ("image-box-30000", "drawn"),
        ("audio-loop-tiny-span", "mixed"),
    ])
    func namedCrashesNowGiveAnAnswer(name: String, expected: String) throws {
        let data = try #require(FileManager.default.contents(atPath: Self.repository + "/fuzz/regressions/\(name).json"))
        let outcome = Pipeline(mediaDirectory: Self.work).run(data)
        #expect(outcome.contains { $0.contains(expected) }, "\(outcome.sorted())")
    }

    /// A few hundred mutations of the corpus, from a fixed seed: the same inputs every run.
    @Test func aShortSeededRunFindsNothing() throws {
        // The hand-written seeds: grown corpus entries are mostly documents that fail to validate.
        let seeds = try Self.files(in: "fuzz/corpus").filter { $0.hasPrefix(Self.repository + "/fuzz/corpus/seed-") }.map { file in
            try JSONValue.parse(try #require(FileManager.default.contents(atPath: file)))
        }
        #expect(!seeds.isEmpty)
        var mutator = Mutator(seed: 2026, donors: Array(seeds))
        let pipeline = Pipeline(mediaDirectory: Self.work)
        var outcomes = Set<String>()
        for index in 0..<300 {
            outcomes.formUnion(pipeline.run(mutator.mutate(seeds[index % seeds.count])))
        }
        #expect(outcomes.contains("drawn"))
        #expect(outcomes.contains { $0.hasPrefix("invalid ") })
    }

    @Test func mutationsFollowTheSeed() throws {
        let seed = try JSONValue.parse(Data(#"{"meta": {"width": 64, "height": 36}, "tracks": [{"clips": [{"type": "rect"}]}]}"#.utf8))
        var a = Mutator(seed: 9, donors: [seed]), b = Mutator(seed: 9, donors: [seed]), c = Mutator(seed: 10, donors: [seed])
        let first = (0..<20).map { _ in a.mutate(seed) }
        #expect(first == (0..<20).map { _ in b.mutate(seed) })
        #expect(first != (0..<20).map { _ in c.mutate(seed) })
    }
}
