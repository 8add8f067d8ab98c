import ArgumentParser
import Foundation
import Render
import TemplateSchema
import Timeline

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks.",
        subcommands: [Encoders.self]
    )

    struct Encoders: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "encoders",
            abstract: "Encode one composition with each available encoder and setting; report speed, bit rate, PSNR and SSIM.",
            discussion: """
                Renders the composition once into the 4:2:0 frames an encoder takes and keeps them as the lossless \
                reference, then encodes them with libx264 (presets ultrafast, veryfast, medium and slow at CRF 23; \
                veryfast at CRF 18 and 28), libx265 (fast, CRF 28), libvpx-vp9 (CRF 32, good, cpu-used 4), \
                libaom-av1 (CRF 35, realtime, cpu-used 8) and libsvtav1 (CRF 35, preset 10), skipping those this \
                FFmpeg lacks. For each: encoding frames per second (wall clock) and CPU seconds, the bit rate of the \
                file, and PSNR and SSIM of the decoded frames against the reference (luma; "all" weighs the chroma \
                planes by their samples). The reference frames are held in memory: 2 s of 1080p take 186 MB.
                """
        )

        @Argument(help: "A config JSON file; without one, a built-in 1280×720 motion-graphics composition.")
        var config: String?

        @Option(help: "Bench the composition's first SECONDS.")
        var seconds: Double = 2

        @Option(name: .customLong("encoder"), help: "Only this encoder (repeatable), e.g. libx264.")
        var encoders: [String] = []

        @Option(help: "Also write the results as JSON to this file ('-' for standard output, instead of the table).")
        var json: String?

        @OptionGroup var options: RenderingOptions

        func validate() throws {
            guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
            let known = Set(EncoderTrial.standard.map(\.encoder))
            for encoder in encoders where !known.contains(encoder) {
                throw ValidationError("unknown encoder \(encoder); expected one of \(known.sorted().joined(separator: ", "))")
            }
        }

        func run() throws {
            options.apply()
            let timeline = try config.map(ConfigLoading.timeline(from:)) ?? Self.builtInComposition()
            let trials = EncoderTrial.standard.filter { encoders.isEmpty || encoders.contains($0.encoder) }
            let folder = NSTemporaryDirectory() + "reel-bench-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let report: EncoderBenchReport
            do {
                report = try EncoderBench(timeline: timeline, seconds: seconds).run(trials: trials, folder: folder) {
                    ConfigLoading.OutputStream.standardError.write($0)
                }
            } catch {
                throw fail("\(error)")
            }
            if let json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                let data = try encoder.encode(report)
                if json == "-" {
                    FileHandle.standardOutput.write(data + Data("\n".utf8))
                    return
                }
                try data.write(to: URL(fileURLWithPath: json))
            }
            print(Self.table(report))
        }

        static func table(_ report: EncoderBenchReport) -> String {
            func pad(_ text: String, _ width: Int, right: Bool = true) -> String {
                let padding = String(repeating: " ", count: max(0, width - text.count))
                return right ? padding + text : text + padding
            }
            func number(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
            var lines = ["\(report.frames) frames of \(report.width)×\(report.height) at \(number(report.frameRate, 2)) fps"]
            lines.append(pad("encoder", 12, right: false) + pad("setting", 40, right: false) + pad("fps", 8) + pad("CPU s", 8)
                         + pad("kb/s", 9) + pad("PSNR dB", 9) + pad("(all)", 7) + pad("SSIM", 8) + pad("(all)", 8))
            for result in report.results {
                lines.append(pad(result.trial.encoder, 12, right: false) + pad(result.label, 40, right: false)
                             + pad(number(result.framesPerSecond, 1), 8) + pad(number(result.cpuSeconds, 2), 8)
                             + pad(number(result.kilobitsPerSecond, 0), 9) + pad(number(result.psnr.luma, 2), 9)
                             + pad(number(result.psnr.all, 2), 7) + pad(number(result.ssim.luma, 4), 8) + pad(number(result.ssim.all, 4), 8))
            }
            for skip in report.skipped {
                lines.append("skipped \(skip.trial.encoder) (\(skip.label)): \(skip.reason)")
            }
            return lines.joined(separator: "\n")
        }

        /// Four seconds of motion graphics at 1280×720, 30 fps: a gradient background, a spinning
        /// gradient square crossing the frame, a growing circle, a title that fades in, and lines
        /// of small text scrolling up: flat areas, sharp edges and fine detail, all moving.
        static func builtInComposition() throws -> Timeline {
            let lines = (1...14).map { "Line \($0): the quick brown fox jumps over the lazy dog, 0123456789" }.joined(separator: "\\n")
            let json = """
                { "meta": { "version": "2.0.0", "width": 1280, "height": 720, "fps": 30,
                            "background": { "type": "linear", "angle": 135, "stops": [ { "offset": 0, "color": "#1d2b64" }, { "offset": 1, "color": "#f8cdda" } ] } },
                  "tracks": [ { "clips": [
                    { "type": "rect", "start": 0, "duration": 4, "transform": { "x": 100, "y": 360, "width": 220, "height": 220 },
                      "style": { "fill": { "type": "conic", "stops": [ { "offset": 0, "color": "#ff5e62" }, { "offset": 0.5, "color": "#ffd200" }, { "offset": 1, "color": "#ff5e62" } ] },
                                 "borderRadius": 24 },
                      "keyframes": [ { "property": "x", "frames": [ { "time": 0, "value": 160 }, { "time": 4, "value": 1120 } ] },
                                     { "property": "rotation", "frames": [ { "time": 0, "value": 0 }, { "time": 4, "value": 270 } ] } ] },
                    { "type": "circle", "start": 0, "duration": 4, "transform": { "x": 960, "y": 200 }, "size": 120, "opacity": 0.7,
                      "style": { "fill": "#38ef7d", "stroke": "#ffffff", "strokeWidth": 6 },
                      "keyframes": [ { "property": "scale", "frames": [ { "time": 0, "value": 0.5 }, { "time": 4, "value": 2 } ] } ] },
                    { "type": "text", "text": "\(lines)", "start": 0, "duration": 4, "zIndex": 1,
                      "transform": { "x": 40, "y": 720, "anchor": "top-left" },
                      "style": { "fontFamily": "DejaVu Sans", "fontSize": 22, "fill": "#f0f0f0" },
                      "keyframes": [ { "property": "y", "frames": [ { "time": 0, "value": 700 }, { "time": 4, "value": 260 } ] } ] },
                    { "type": "text", "text": "Reel encoder bench", "start": 0, "duration": 4, "zIndex": 2,
                      "style": { "fontFamily": "DejaVu Sans", "fontSize": 72, "fontWeight": "bold", "fill": "#ffffff",
                                 "stroke": "#000000", "strokeWidth": 3 },
                      "animations": [ { "type": "fadeIn", "duration": 1 } ] }
                  ] } ] }
                """
            return try RenderingVideoV2.decode(Data(json.utf8)).lower(baseDirectory: "/")
        }
    }
}
