import ArgumentParser
import Compositor
import Encoder
import Foundation
import Render

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a config to an MP4 (H.264 + AAC, faststart).",
        discussion: "Shows a progress bar with an ETA on a terminal, plain progress lines otherwise. Prints the output path when done."
    )

    @Argument(help: "The config JSON file.")
    var config: String

    @Option(name: .shortAndLong, help: "Where to write the MP4.")
    var output: String?

    @Flag(help: "Decode, composite and mix, but encode and write nothing (to time everything but the encoder).")
    var null = false

    @Option(help: ArgumentHelp("Write the encoder's frames to this file as raw yuv420p instead of encoding them.",
                               discussion: "The input of `reel bench x264`, the benchmarks' floor."))
    var framesOut: String?

    @Option(help: "x264 constant rate factor, 0 (lossless) to 51.")
    var crf: Double = 23

    @Option(help: "x264 preset: \(EncoderSettings.presets.joined(separator: ", ")).")
    var preset: String = "veryfast"

    @Option(help: ArgumentHelp("Processors the render may use at once (decoding, compositing, encoding); default all.",
                               discussion: "The output is the same byte for byte whatever the number: x264's thread count is set by the picture size."))
    var threads: Int?

    @Flag(help: "Print the glyph cache's hits and misses when done (for the text benchmarks).")
    var glyphStats = false

    func validate() throws {
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be from 1 to 1024") }
        guard null || output != nil || framesOut != nil else {
            throw ValidationError("give -o OUT.mp4, or --null to render without output")
        }
        guard (0...51).contains(crf) else { throw ValidationError("--crf must be between 0 and 51") }
        guard EncoderSettings.presets.contains(preset) else {
            throw ValidationError("--preset must be one of \(EncoderSettings.presets.joined(separator: ", "))")
        }
    }

    @OptionGroup var options: RenderingOptions
    @OptionGroup var dialect: DialectOption

    func run() throws {
        options.apply()
        let timeline = try ConfigLoading.timeline(from: config, dialect: dialect.dialect, printTo: .standardError)
        if let threads, ProcessorLimit.restrict(to: threads) == nil {
            ConfigLoading.OutputStream.standardError.write("warning: this system cannot limit the processors a render uses; --threads ignored")
        }
        let renderer = Renderer(timeline: timeline)
        let reporter = ProgressReporter(interactive: isatty(STDERR_FILENO) != 0)
        do {
            if let framesOut {
                try renderer.renderRawFrames(to: framesOut) { reporter.report($0) }
            } else if null {
                try renderer.renderDiscarding { reporter.report($0) }
            } else {
                try renderer.renderVideo(to: output!, settings: EncoderSettings(crf: crf, preset: preset)) { reporter.report($0) }
            }
        } catch {
            reporter.finish()
            throw fail("\(error)")
        }
        reporter.finish()
        for warning in renderer.warnings { ConfigLoading.OutputStream.standardError.write("warning: \(warning)") }
        if glyphStats {
            let (hits, misses) = TextRasterizer.glyphCacheStatistics()
            let rate = hits + misses > 0 ? Double(hits) / Double(hits + misses) * 100 : 0
            ConfigLoading.OutputStream.standardError.write("glyph cache: \(hits) hits, \(misses) misses (\(String(format: "%.1f", rate))% hits)")
        }
        if let output, framesOut == nil { print(URL(fileURLWithPath: output).standardized.path) }
    }
}

/// Progress on standard error: a redrawn bar on a terminal, a line every tenth otherwise.
final class ProgressReporter {
    let interactive: Bool
    private var lastTenth = -1
    private var drewBar = false

    init(interactive: Bool) {
        self.interactive = interactive
    }

    func report(_ progress: RenderProgress) {
        let fraction = Double(progress.framesDone) / Double(max(progress.frameCount, 1))
        if interactive {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let eta = progress.estimatedRemaining.map { "ETA \(Self.clock($0))" } ?? "ETA --:--"
            let line = "\r\(bar) \(Int(fraction * 100))% \(progress.framesDone)/\(progress.frameCount) frames \(eta) "
            FileHandle.standardError.write(Data(line.utf8))
            drewBar = true
        } else {
            let tenth = Int(fraction * 10)
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            let eta = progress.estimatedRemaining.map { ", about \(Self.clock($0)) left" } ?? ""
            FileHandle.standardError.write(Data("rendered \(progress.framesDone)/\(progress.frameCount) frames (\(tenth * 10)%)\(eta)\n".utf8))
        }
    }

    func finish() {
        if drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
        drewBar = false
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        return String(format: "%02d:%02d", total / 60, total % 60)
    }
}
