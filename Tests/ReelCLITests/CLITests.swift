import Foundation
import Testing

/// The `reel` executable, run as a user would.
@Suite struct CLITests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `reel` binary built beside this test bundle.
    static let executable: URL = {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("reel").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("reel")
    }()

    func reel(_ arguments: String...) throws -> Outcome { try reel(arguments) }

    func reel(_ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }

    final class Folder {
        let path = NSTemporaryDirectory() + "reel-cli-" + UUID().uuidString
        init() { try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func write(_ name: String, _ text: String) -> String {
            let file = path + "/" + name
            try! text.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }
    }

    static let valid = #"""
        { "meta": { "width": 64, "height": 48, "fps": 10, "background": "#204080" },
          "tracks": [ { "clips": [ { "type": "text", "text": "Hi", "start": 0, "duration": 0.5, "style": { "fontSize": 20 } } ] } ] }
        """#

    @Test func validateAcceptsAGoodConfig() throws {
        let folder = Folder()
        let result = try reel("validate", folder.write("good.json", Self.valid))
        #expect(result.status == 0)
        #expect(result.stdout.contains("valid"))
    }

    @Test func validatePrintsEveryProblemOnItsOwnLine() throws {
        let folder = Folder()
        let config = folder.write("bad.json", #"""
            { "meta": { "width": 0, "height": 48 },
              "tracks": [ { "clips": [ { "type": "rect", "start": 0, "duration": -1, "transform": { "x": false } } ] } ] }
            """#)
        let result = try reel("validate", config)
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("meta.width: ") })
        #expect(lines.contains { $0.hasPrefix("tracks[0].clips[0].duration: ") })
        #expect(lines.contains { $0.hasPrefix("tracks[0].clips[0].transform.x: ") })
        #expect(lines.contains { $0.hasPrefix("tracks[0].clips[0].transform.width: ") })
        #expect(lines.count == 5, "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("tracks:") }, "a clip that fails to read is still a clip")
    }

    @Test func renderWritesAnMP4AndPrintsItsPath() throws {
        let folder = Folder()
        let output = folder.path + "/out.mp4"
        let result = try reel("render", folder.write("good.json", Self.valid), "-o", output)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").last.map(String.init) == output)
        #expect(result.stderr.contains("rendered 5/5 frames (100%)"), "plain progress lines when not on a terminal")
        let size = try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int ?? 0
        #expect(size > 1000)
    }

    @Test func nullRendersEverythingButWritesNothing() throws {
        let folder = Folder()
        let result = try reel("render", folder.write("good.json", Self.valid), "--null")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("rendered 5/5 frames (100%)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["good.json"])
        #expect(try reel("render", folder.path + "/good.json").status != 0, "without -o or --null there is nothing to do")
    }

    @Test func frameWritesAPNG() throws {
        let folder = Folder()
        let output = folder.path + "/still.png"
        let result = try reel("frame", folder.write("good.json", Self.valid), "--at", "0.2", "-o", output)
        #expect(result.status == 0, "\(result.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
        #expect(bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    }

    @Test func relativeSourcesResolveAgainstTheConfigFile() throws {
        let folder = Folder()
        // Draw a PNG with reel itself, then use it by a relative path from a config in another folder.
        _ = try reel("frame", folder.write("dot.json", Self.valid), "--at", "0", "-o", folder.path + "/dot.png")
        try FileManager.default.createDirectory(atPath: folder.path + "/configs", withIntermediateDirectories: true)
        let config = folder.write("configs/uses.json", #"""
            { "meta": { "width": 64, "height": 48 },
              "tracks": [ { "clips": [ { "type": "image", "src": "../dot.png", "start": 0, "duration": 0.2 } ] } ] }
            """#)
        let result = try reel("frame", config, "--at", "0", "-o", folder.path + "/out.png")
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func aMissingImageFailsWithTheClipPath() throws {
        let folder = Folder()
        let config = folder.write("missing.json", #"""
            { "meta": { "width": 64, "height": 48 },
              "tracks": [ { "clips": [ { "type": "image", "src": "nowhere.png", "start": 0, "duration": 1 } ] } ] }
            """#)
        let result = try reel("render", config, "-o", folder.path + "/out.mp4")
        #expect(result.status == 1)
        #expect(result.stderr.contains("tracks[0].clips[0].src: file not found: \(folder.path)/nowhere.png"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out.mp4"))
    }

    @Test func renderReportsSchemaProblemsWithPaths() throws {
        let folder = Folder()
        let config = folder.write("layout.json", #"""
            { "meta": { "width": 64, "height": 48 },
              "tracks": [ { "clips": [ { "type": "layout", "children": [], "start": 0, "duration": 1 } ] } ] }
            """#)
        let result = try reel("render", config, "-o", folder.path + "/out.mp4")
        #expect(result.status == 1)
        #expect(result.stderr.contains("tracks[0].clips[0].children: needs at least one child"), "\(result.stderr)")
    }

    @Test func aMissingVideoFailsWithTheClipPathAndExitStatus1() throws {
        let folder = Folder()
        let config = folder.write("video.json", #"""
            { "meta": { "width": 64, "height": 48 },
              "tracks": [ { "clips": [ { "type": "video", "src": "a.mp4", "start": 0, "duration": 1 } ] } ] }
            """#)
        let result = try reel("render", config, "-o", folder.path + "/out.mp4")
        #expect(result.status == 1)
        #expect(result.stderr == "error: tracks[0].clips[0].src: file not found: \(folder.path)/a.mp4\n", "\(result.stderr)")
    }

    @Test func probeDescribesAFile() throws {
        let folder = Folder()
        let output = folder.path + "/out.mp4"
        _ = try reel("render", folder.write("good.json", Self.valid), "-o", output)
        let result = try reel("probe", output)
        #expect(result.status == 0)
        #expect(result.stdout.contains("video: h264, 64×48, 10.000 fps (10/1), yuv420p"), "\(result.stdout)")
        #expect(result.stdout.contains("audio: aac, 48000 Hz, 2 channels"))
        let json = try reel("probe", output, "--json")
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((decoded?["streams"] as? [Any])?.count == 2)
        #expect(try reel("probe", folder.path + "/nothing.mp4").status == 1)
    }

    @Test func capabilitiesListExactlyTheRegistry() throws {
        let result = try reel("capabilities")
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        func names(_ key: String) -> [String] { (json[key] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? [] }
        #expect(names("animationTypes") == ["fadeIn", "fadeOut", "move", "scale", "rotate", "slideIn", "slideOut", "zoomIn", "zoomOut", "filter"])
        #expect(names("transitionTypes") == ["fade", "slide", "zoom", "wipe", "blur", "push", "iris", "spin", "lightSweep"])
        #expect(names("filters") == ["blur", "brightness", "contrast", "saturate", "hue", "grayscale", "sepia", "invert"])
        #expect((json["easings"] as? [String])?.count == 22)
        #expect((json["clipTypes"] as? [String]) == ["text", "image", "rect", "circle", "polygon", "video", "audio", "subtitle", "layout", "template", "code", "svg", "icon", "line", "path", "three"])
        #expect((json["codeThemes"] as? [String]) == ["dark", "light", "monokai"])
        #expect(Set(json["codeLanguages"] as? [String] ?? []).isSuperset(of: ["swift", "python", "javascript", "typescript", "json", "bash", "go", "rust", "c"]))
        #expect(names("keyframeProperties").contains("fill") && names("keyframeProperties").contains("volume"))
        #expect(names("outputFormats") == ["mp4", "hevc", "webm", "mov", "gif", "png-sequence", "png", "jpeg"])
        let slideIn = (json["animationTypes"] as? [[String: Any]])?.first { $0["name"] as? String == "slideIn" }
        let distance = (slideIn?["parameters"] as? [[String: Any]])?.first { $0["name"] as? String == "distance" }
        #expect(distance?["default"] as? String == "200")
    }

    @Test func theEffectsPageIsGeneratedFromTheRegistry() throws {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/effects.md")
        let committed = try String(contentsOf: page, encoding: .utf8)
        #expect(committed == (try reel("capabilities", "--markdown").stdout),
                "docs/effects.md is stale: run `reel capabilities --markdown > docs/effects.md`")
    }

    @Test func versionAndHelp() throws {
        #expect(try reel("--version").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let help = try reel("render", "--help")
        #expect(help.status == 0)
        #expect(help.stdout.contains("--crf") && help.stdout.contains("--preset") && help.stdout.contains("--output"))
        #expect(try reel("frame", "--help").stdout.contains("--at"))
    }

    @Test func badOptionsAreRefused() throws {
        let folder = Folder()
        let config = folder.write("good.json", Self.valid)
        #expect(try reel("render", config, "-o", folder.path + "/o.mp4", "--crf", "99").status != 0)
        #expect(try reel("render", config, "-o", folder.path + "/o.mp4", "--preset", "warp").status != 0)
        #expect(try reel("validate", folder.path + "/nonexistent.json").status == 1)
    }

    @Test func benchEncodersReportsEveryX264SettingAsJSONAndAsATable() throws {
        let run = try reel("bench", "encoders", "--seconds", "0.2", "--encoder", "libx264", "--json", "-")
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(report?["frames"] as? Int == 6 && report?["width"] as? Int == 1280)
        let results = report?["results"] as? [[String: Any]] ?? []
        #expect(results.compactMap { $0["label"] as? String } == [
            "preset ultrafast, crf 23", "preset veryfast, crf 23", "preset medium, crf 23", "preset slow, crf 23",
            "preset veryfast, crf 18", "preset veryfast, crf 28",
        ])
        for result in results {
            let psnr = (result["psnr"] as? [String: Double])?["luma"] ?? 0, ssim = (result["ssim"] as? [String: Double])?["luma"] ?? 0
            #expect(psnr > 30 && psnr < 100 && ssim > 0.9 && ssim < 1)
            #expect((result["kilobitsPerSecond"] as? Double ?? 0) > 0 && (result["framesPerSecond"] as? Double ?? 0) > 0)
        }

        let table = try reel("bench", "encoders", "--seconds", "0.1", "--encoder", "libx264")
        #expect(table.status == 0)
        #expect(table.stdout.hasPrefix("3 frames of 1280×720 at 30.00 fps\nencoder"))
        #expect(table.stdout.contains("libx264     preset veryfast, crf 28"))

        let unknown = try reel("bench", "encoders", "--encoder", "libfast")
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown encoder libfast"))
    }

    /// The same document renders to the same bytes whatever the thread cap (and so whatever the
    /// machine's core count): x264's threads follow the picture size, `--threads` only caps how
    /// many processors run them. Footage, text and a transition, at a size that gets 2 encoder threads.
    @Test func outputIsByteIdenticalAtAnyThreadCount() throws {
        let folder = Folder()
        let footage = folder.write("footage.json", #"""
            { "meta": { "width": 128, "height": 72, "fps": 25 }, "tracks": [ { "clips": [
              { "type": "rect", "start": 0, "duration": 2, "transform": { "width": 40, "height": 40 },
                "animations": [ { "type": "rotate", "duration": 2 } ], "style": { "fill": "#e04040" } } ] } ] }
            """#)
        #expect(try reel("render", footage, "-o", folder.path + "/footage.mp4").status == 0)
        let config = folder.write("mix.json", #"""
            { "meta": { "width": 320, "height": 180, "fps": 25, "background": "#102030" }, "tracks": [
              { "clips": [ { "type": "video", "src": "footage.mp4", "start": 0, "duration": 1.6,
                             "transform": { "width": "100%", "height": "100%" } },
                           { "type": "rect", "start": 1.2, "duration": 0.8, "transform": { "width": "100%", "height": "100%" },
                             "style": { "fill": "#2050a0" }, "transition": { "type": "wipe", "duration": 0.4 } } ] },
              { "clips": [ { "type": "text", "text": "Same bytes", "start": 0, "duration": 2, "style": { "fontSize": 30 },
                             "animations": [ { "type": "fadeIn", "duration": 0.5 } ] } ] } ] }
            """#)
        var outputs: [Data] = []
        for threads in [["--threads", "1"], ["--threads", "4"], []] {
            let output = folder.path + "/out-\(threads.last ?? "default").mp4"
            let outcome = try reel(["render", config, "-o", output] + threads)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: output)))
        }
        #expect(outputs[0].count > 1000)
        #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2], "\(outputs.map(\.count))")
        let bad = try reel("render", config, "-o", folder.path + "/x.mp4", "--threads", "0")
        #expect(bad.status != 0 && bad.stderr.contains("--threads must be from 1 to 1024"))
    }

    /// `--dialect avs-template-v1` reads an AVS from-json request; its uploadNames are files beside it.
    @Test func anAVSTemplateValidatesAndRendersFromTheCLI() throws {
        let folder = Folder()
        #expect(try reel("render", folder.write("clip.json", Self.valid), "-o", folder.path + "/hero.mp4").status == 0)
        let template = folder.write("avs.json", #"""
            { "template": { "version": "1", "blocks": [
                { "type": "video", "start": 0, "duration": 1, "source": { "uploadName": "hero.mp4" } },
                { "type": "text", "start": 0, "duration": 1, "text": "Now shipping", "unknownField": 1 } ] },
              "output": { "aspectRatio": "9:16", "quality": "draft" } }
            """#)
        let valid = try reel("validate", template, "--dialect", "avs-template-v1")
        #expect(valid.status == 0 && valid.stdout.contains("valid"), "\(valid.stderr)")
        let asV2 = try reel("validate", template)
        #expect(asV2.status == 1 && asV2.stdout.contains("meta: is required"))
        let rendered = try reel("render", template, "--dialect", "avs-template-v1", "-o", folder.path + "/avs.mp4")
        #expect(rendered.status == 0, "\(rendered.stderr)")
        let probe = try reel("probe", folder.path + "/avs.mp4")
        #expect(probe.stdout.contains("480×852"), "\(probe.stdout)")
        let missing = folder.write("missing.json", #"{ "template": { "version": "1", "blocks": [ { "type": "image", "start": 0, "duration": 1, "source": { "uploadName": "nope.png" } } ] } }"#)
        let failed = try reel("render", missing, "--dialect", "avs-template-v1", "-o", folder.path + "/x.mp4")
        #expect(failed.status == 1 && failed.stderr.contains("template.blocks[0]"), "\(failed.stderr)")
        let unknown = try reel("validate", template, "--dialect", "screenplay")
        #expect(unknown.status != 0 && unknown.stderr.contains("--dialect must be one of renderingvideo-v2, avs-template-v1"))
    }
}
