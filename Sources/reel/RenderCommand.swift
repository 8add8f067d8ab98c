import ArgumentParser
import Compositor
import Encoder
import Foundation
import Render
import Timeline

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a config to a video, an animated GIF, a PNG sequence or a poster image.",
        discussion: """
            The format follows the output's extension: .mp4 (H.264 + AAC), .webm (VP9 + Opus), .mov (ProRes 4444 + PCM), \
            .gif (one palette, dithered), .png or .jpg (the poster: one frame, see --poster-at), .zip (a PNG sequence in a \
            ZIP archive); a folder (a path ending in /, or one that exists) or a name with a frame number (frame-%05d.png) \
            is a PNG sequence. --format overrides the extension (and gives HEVC: --format hevc). With a transparent \
            background, WebM, MOV, GIF and PNG keep the alpha; MP4 and JPEG show black.

            Shows a progress bar with an ETA on a terminal, plain progress lines otherwise, and prints the output path when done. \
            With --progress json, standard output carries one JSON object a line instead: {"event":"progress","frame","frames",\
            "percent","fps","eta","elapsed"} at most ten times a second and for the last frame, then {"event":"done","output",\
            "frames","elapsed","fps"}.
            """
    )

    @Argument(help: "The config JSON file.")
    var config: String

    @Option(name: .shortAndLong, help: "Where to write: a file whose extension names the format, a folder or a frame-%05d.png pattern.")
    var output: String?

    @Option(help: ArgumentHelp("The output format, instead of the one the extension names: \(OutputFormat.allCases.map(\.name).joined(separator: ", ")).",
                               valueName: "name"))
    var format: String?

    @Option(help: ArgumentHelp("The poster's time in seconds (png and jpeg); default the middle frame.", valueName: "seconds"))
    var posterAt: Double?

    @Flag(help: "Decode, composite and mix, but encode and write nothing (to time everything but the encoder).")
    var null = false

    @Option(help: ArgumentHelp("Write the encoder's frames to this file as raw yuv420p instead of encoding them.",
                               discussion: "The input of `reel bench x264`, the benchmarks' floor."))
    var framesOut: String?

    @Option(help: "Constant rate factor on the encoder's scale: H.264 and HEVC 0 (lossless) to 51 (default 23 for mp4, 28 for hevc), VP9 0 to 63 (default 32).")
    var crf: Double?

    @Option(help: "x264/x265 preset for mp4 and hevc (default veryfast): \(EncoderSettings.presets.joined(separator: ", ")).")
    var preset: String?

    @Option(help: ArgumentHelp("Processors the render may use at once (decoding, compositing, encoding); default all.",
                               discussion: "The output is the same byte for byte whatever the number: x264's thread count is set by the picture size."))
    var threads: Int?

    @Option(help: ArgumentHelp("Render an mp4 or hevc output in this many segments at once, each on its own threads, and join them.",
                               discussion: "The video is cut on multiples of the keyframe interval (--gop), so there are fewer segments "
                                   + "when it has fewer GOPs; the sound is mixed once. The joined file has the frames, timestamps and sound "
                                   + "a single render has. Prints the time each part took on standard error.",
                               valueName: "k"))
    var segments: Int?

    @Option(help: ArgumentHelp("Frames between keyframes (the GOP length) for mp4 and hevc; default the encoder's, 250.",
                               discussion: "--segments cuts the video on multiples of it: a 60 s video at 30 fps has 8 GOPs of 250 frames.",
                               valueName: "frames"))
    var gop: Int?

    @Option(help: "Progress: auto (a bar on a terminal, lines otherwise), json (lines on standard output, for scripts) or none.")
    var progress: String = "auto"

    @Flag(help: "Print the glyph cache's hits and misses when done (for the text benchmarks).")
    var glyphStats = false

    func validate() throws {
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be from 1 to 1024") }
        guard null || output != nil || framesOut != nil else {
            throw ValidationError("give -o OUT.mp4, or --null to render without output")
        }
        guard ["auto", "json", "none"].contains(progress) else { throw ValidationError("--progress must be auto, json or none") }
        let format = try outputFormat()
        if let crf {
            guard let range = EncoderSettings.crfRange(of: format) else { throw ValidationError("--crf applies to mp4, hevc and webm, not \(format.name)") }
            guard range.contains(crf) else {
                throw ValidationError("--crf must be between \(Int(range.lowerBound)) and \(Int(range.upperBound)) for \(format.name)")
            }
        }
        if let preset {
            guard format == .mp4 || format == .hevc else { throw ValidationError("--preset applies to mp4 and hevc, not \(format.name)") }
            guard EncoderSettings.presets.contains(preset) else {
                throw ValidationError("--preset must be one of \(EncoderSettings.presets.joined(separator: ", "))")
            }
        }
        if let segments {
            guard (1...1024).contains(segments) else { throw ValidationError("--segments must be from 1 to 1024") }
            guard Renderer.isSegmentable(format: format), !null, framesOut == nil else {
                throw ValidationError("--segments applies to mp4 and hevc outputs, not \(null || framesOut != nil ? "--null or --frames-out" : format.name)")
            }
        }
        if let gop {
            guard format == .mp4 || format == .hevc else { throw ValidationError("--gop applies to mp4 and hevc, not \(format.name)") }
            guard (1...100_000).contains(gop) else { throw ValidationError("--gop must be from 1 to 100000 frames") }
        }
        if let posterAt {
            guard format.isStill else { throw ValidationError("--poster-at applies to the png and jpeg posters, not \(format.name)") }
            guard posterAt.isFinite, posterAt >= 0 else { throw ValidationError("--poster-at must be a time of 0 seconds or more") }
        }
    }

    /// The format `--format` names, or the output path's (mp4 when there is no output).
    func outputFormat() throws -> OutputFormat {
        if let format {
            guard let named = OutputFormat(name: format) else {
                throw ValidationError("--format must be one of \(OutputFormat.allCases.map(\.name).joined(separator: ", ")), not \"\(format)\"")
            }
            return named
        }
        guard let output else { return .mp4 }
        var isFolder: ObjCBool = false
        if output.hasSuffix("/") || (FileManager.default.fileExists(atPath: output, isDirectory: &isFolder) && isFolder.boolValue) {
            return .pngSequence
        }
        guard let format = OutputFormat.forPath(output) else {
            throw ValidationError("-o \(output): cannot tell the format from its extension; use .mp4, .webm, .mov, .gif, .png, .jpg or .zip, "
                                  + "a folder or a frame-%05d.png pattern, or give --format")
        }
        return format
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
        var segmentTimes: SegmentedRenderTimes?
        let reporter = ProgressReporter(style: progress == "json" ? .json : progress == "none" ? .none
                                        : isatty(STDERR_FILENO) != 0 ? .bar : .lines)
        do {
            if let framesOut {
                try renderer.renderRawFrames(to: framesOut) { reporter.report($0) }
            } else if null {
                try renderer.renderDiscarding { reporter.report($0) }
            } else if let output {
                let format = try outputFormat()
                var settings = format.isMovie ? try EncoderSettings(format: format, transparent: renderer.isTransparent, crf: crf, preset: preset)
                    : nil
                settings?.keyframeInterval = gop
                if let posterAt, format.isStill {
                    do { _ = try renderer.posterFrame(at: posterAt) } catch { throw ValidationError("--poster-at: \(error)") }
                }
                if let segments, let settings {
                    let times = try renderer.renderSegmented(to: output, count: segments, settings: settings) { reporter.report($0) }
                    reporter.finish()
                    ConfigLoading.OutputStream.standardError.write(Self.describe(times))
                    segmentTimes = times
                } else {
                    try renderer.render(to: output, format: format, settings: settings, posterTime: posterAt) { reporter.report($0) }
                }
            }
        } catch {
            reporter.finish()
            throw fail("\(error)")
        }
        reporter.finish()
        for warning in renderer.warnings { ConfigLoading.OutputStream.standardError.write("warning: \(warning)") }
        if output != nil, !null, framesOut == nil, renderer.isTransparent, let format = try? outputFormat(), !format.keepsTransparency {
            ConfigLoading.OutputStream.standardError.write("warning: the background is transparent, but \(format.name) has no alpha: "
                                                           + "it shows black (webm, mov, gif and png keep the alpha)")
        }
        if glyphStats {
            let (hits, misses) = TextRasterizer.glyphCacheStatistics()
            let rate = hits + misses > 0 ? Double(hits) / Double(hits + misses) * 100 : 0
            ConfigLoading.OutputStream.standardError.write("glyph cache: \(hits) hits, \(misses) misses (\(String(format: "%.1f", rate))% hits)")
        }
        let path = framesOut == nil ? output.map { URL(fileURLWithPath: $0).standardized.path } : framesOut
        if progress == "json" {
            reporter.done(output: path, extra: segmentTimes.map(Self.fields) ?? [:])
        } else if let path, framesOut == nil {
            print(path)
        }
    }
}

extension RenderCommand {
    /// The line `--segments` prints: where the time went.
    static func describe(_ times: SegmentedRenderTimes) -> String {
        func seconds(_ value: Double) -> String { String(format: "%.2f", value) }
        return "segments: \(times.segments.count); plan \(seconds(times.planning)) s, sound \(seconds(times.sound)) s, "
            + "segments \(times.segments.map(seconds).joined(separator: " / ")) s, join \(seconds(times.join)) s, "
            + "total \(seconds(times.total)) s"
    }

    /// The same in `--progress json`'s last line.
    static func fields(_ times: SegmentedRenderTimes) -> [String: Any] {
        ["segments": times.segments.count, "plan_seconds": ProgressReporter.rounded(times.planning),
         "sound_seconds": ProgressReporter.rounded(times.sound), "segment_seconds": times.segments.map(ProgressReporter.rounded),
         "join_seconds": ProgressReporter.rounded(times.join)]
    }
}

/// Progress: a redrawn bar on standard error on a terminal, a line there every tenth otherwise,
/// or JSON lines on standard output for scripts.
final class ProgressReporter {
    enum Style { case bar, lines, json, none }
    let style: Style
    private var lastTenth = -1
    private var drewBar = false
    private var lastJSON = -Double.infinity
    private var last: RenderProgress?

    init(style: Style) {
        self.style = style
    }

    func report(_ progress: RenderProgress) {
        last = progress
        let fraction = Double(progress.framesDone) / Double(max(progress.frameCount, 1))
        switch style {
        case .bar:
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let eta = progress.estimatedRemaining.map { "ETA \(Self.clock($0))" } ?? "ETA --:--"
            let line = "\r\(bar) \(Int(fraction * 100))% \(progress.framesDone)/\(progress.frameCount) frames \(eta) "
            FileHandle.standardError.write(Data(line.utf8))
            drewBar = true
        case .lines:
            let tenth = Int(fraction * 10)
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            let eta = progress.estimatedRemaining.map { ", about \(Self.clock($0)) left" } ?? ""
            FileHandle.standardError.write(Data("rendered \(progress.framesDone)/\(progress.frameCount) frames (\(tenth * 10)%)\(eta)\n".utf8))
        case .json:
            guard progress.elapsed - lastJSON >= 0.1 || progress.framesDone == progress.frameCount else { return }
            lastJSON = progress.elapsed
            var fields: [String: Any] = ["event": "progress", "frame": progress.framesDone, "frames": progress.frameCount,
                                         "percent": (fraction * 1000).rounded() / 10, "elapsed": Self.rounded(progress.elapsed)]
            if progress.elapsed > 0 { fields["fps"] = Self.rounded(Double(progress.framesDone) / progress.elapsed) }
            if let eta = progress.estimatedRemaining { fields["eta"] = Self.rounded(eta) }
            Self.printJSON(fields)
        case .none:
            break
        }
    }

    /// The last line of `--progress json`.
    func done(output: String?, extra: [String: Any] = [:]) {
        var fields: [String: Any] = extra
        fields["event"] = "done"
        if let output { fields["output"] = output }
        if let last {
            fields["frames"] = last.framesDone
            fields["elapsed"] = Self.rounded(last.elapsed)
            if last.elapsed > 0 { fields["fps"] = Self.rounded(Double(last.framesDone) / last.elapsed) }
        }
        Self.printJSON(fields)
    }

    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    static func printJSON(_ fields: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
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
