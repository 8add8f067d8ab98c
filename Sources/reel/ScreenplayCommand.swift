import APIAdapter
import ArgumentParser
import Foundation
import Media
import TemplateSchema

/// `reel screenplay`: an FVS render request compiled into a RenderingVideo v2 document.
struct ScreenplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "screenplay",
        abstract: "Compile a screenplay brief (an FVS render request) into a RenderingVideo v2 document.",
        discussion: """
            The brief is the JSON payload of the Future Video Studio agent API's POST /renders: name, screenplay, \
            instructions, shot_count (1–64), scene_target_duration_seconds (4–600), visual_style_preset, assets \
            [{filename, label, purpose}], … Each asset is a file in --media (the brief's folder by default). The \
            document's running time is the target to the frame; `reel render` and `reel frame` take it, or the brief \
            itself. The language is described in docs/screenplay.md.
            """
    )

    @Argument(help: "The brief (an FVS render request as JSON).")
    var brief: String

    @Option(help: "The folder holding the brief's assets (default: the brief's folder).")
    var media: String?

    @Option(name: .shortAndLong, help: "Where to write the RenderingVideo v2 document.")
    var output: String

    func run() throws {
        LibAVLogging.configure(verbose: false)
        let outputFolder = URL(fileURLWithPath: output).deletingLastPathComponent().standardizedFileURL.path
        let compiled = try BriefCompiling.compile(briefPath: brief, mediaFolder: media, documentFolder: outputFolder)
        do {
            try compiled.json.write(to: URL(fileURLWithPath: output))
        } catch {
            throw fail("cannot write \(output): \(error.localizedDescription)")
        }
        let seconds = Double(compiled.totalFrames) / compiled.frameRate
        print("\(output): \(compiled.shots.count) shots, \(compiled.totalFrames) frames at \(compiled.frameRate.formattedRate) fps "
              + "(\(String(format: "%.3f", seconds)) s), style \(compiled.style.name)"
              + (compiled.music.map { ", music \($0)" } ?? ""))
        for (index, shot) in compiled.shots.enumerated() {
            let start = Double(shot.firstFrame) / compiled.frameRate, length = Double(shot.frameCount) / compiled.frameRate
            print(String(format: "  shot %2d  %7.3f s  +%6.3f s  ", index + 1, start, length) + (shot.visual ?? "text card"))
        }
    }
}

/// Reading a brief from a file, probing its assets, and compiling it.
enum BriefCompiling {
    /// The compiled brief at `briefPath`; its assets are files in `mediaFolder` (the brief's folder
    /// by default), written into the document as paths relative to `documentFolder`.
    static func compile(briefPath: String, mediaFolder: String?, documentFolder: String,
                        printTo stream: ConfigLoading.OutputStream = .standardError) throws -> ScreenplayCompiler.Compiled {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: briefPath))
        } catch {
            throw fail("cannot read \(briefPath): \(error.localizedDescription)")
        }
        let folder = URL(fileURLWithPath: mediaFolder ?? URL(fileURLWithPath: briefPath).deletingLastPathComponent().path)
            .standardizedFileURL.path
        do {
            let request = try FVSRenderRequest.read(data)
            var paths: [String: String] = [:]
            for asset in request.assets where FileManager.default.fileExists(atPath: folder + "/" + asset.filename) {
                paths[asset.filename] = folder + "/" + asset.filename
            }
            let compiled = try ScreenplayMedia.compile(request, paths: paths, source: { name in folder == documentFolder ? name : folder + "/" + name },
                                                       note: { stream.write("warning: " + $0) })
            for warning in compiled.warnings { stream.write("warning: \(warning)") }
            return compiled
        } catch {
            for diagnostic in error.diagnostics { stream.write(diagnostic.description) }
            throw ExitCode(1)
        }
    }
}

extension Double {
    /// 24, 29.97, 30: a frame rate as people write it.
    var formattedRate: String {
        self == rounded() && abs(self) < 1e9 ? String(Int(self)) : String(format: "%.3f", self)
    }
}
