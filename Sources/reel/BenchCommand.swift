import ArgumentParser
import Foundation
import Render
import TemplateSchema
import Timeline
import Compositor
import Encoder

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks.",
        subcommands: [Encoders.self, X264.self]
    )

    /// The floor of the motion-graphics benchmark (bench/mg1080p.py): libx264 with `reel render`'s
    /// settings encoding frames Reel drew before (`reel render --frames-out`), so that the
    /// difference between it and a render is what drawing the frames costs.
    struct X264: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "x264",
            abstract: "Encode raw yuv420p frames with libx264 as reel render would (the benchmarks' floor).")

        @Argument(help: "Raw yuv420p frames, as reel render --frames-out writes them.") var frames: String
        @Option(help: "Frame width.") var width: Int
        @Option(help: "Frame height.") var height: Int
        @Option(help: "Frames per second.") var fps: Int = 30
        @Option(help: "x264 constant rate factor.") var crf: Double = 23
        @Option(help: "x264 preset.") var preset: String = "veryfast"
        @Option(name: .shortAndLong, help: "Where to write the MP4 (default: a temporary file, removed).") var output: String?

        func validate() throws {
            guard width > 0, height > 0, width % 2 == 0, height % 2 == 0, width <= 16384, height <= 16384 else {
                throw ValidationError("--width and --height must be even, from 2 to 16384")
            }
            guard (1...240).contains(fps) else { throw ValidationError("--fps must be from 1 to 240") }
        }

        func run() throws {
            guard let input = FileHandle(forReadingAtPath: frames) else { throw fail("cannot read \(frames)") }
            defer { try? input.close() }
            let path = output ?? NSTemporaryDirectory() + "reel-x264-\(UUID().uuidString).mp4"
            defer { if output == nil { try? FileManager.default.removeItem(atPath: path) } }
            var settings = EncoderSettings(crf: crf, preset: preset)
            settings.includesAudio = false
            do {
                let writer = try MovieWriter(path: path, width: width, height: height, frameRate: FrameRate(numerator: fps), settings: settings)
                let pool = FramePool(width: width, height: height)
                let frameBytes = width * height * 3 / 2
                var count = 0
                while let data = try input.read(upToCount: frameBytes), data.count == frameBytes {
                    let image = pool.take()
                    image.fill(fromPacked: data)
                    try writer.append(image) { pool.give(image) }
                    count += 1
                }
                try writer.finish()
                print("encoded \(count) frames of \(width)×\(height)")
            } catch {
                throw fail("\(error)")
            }
        }
    }

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

/// A few pictures handed to the encoder by reference and back when it lets go of them.
final class FramePool: @unchecked Sendable {
    private let condition = NSCondition()
    private var free: [PlanarImage]

    init(width: Int, height: Int, count: Int = 3) {
        free = (0..<count).map { _ in PlanarImage(width: width, height: height) }
    }

    func take() -> PlanarImage {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty { condition.wait() }
        return free.removeLast()
    }

    func give(_ image: PlanarImage) {
        condition.lock()
        free.append(image)
        condition.signal()
        condition.unlock()
    }
}

extension PlanarImage {
    /// Fills the planes from I420 bytes packed without row padding (`packedSamples()`'s layout).
    func fill(fromPacked data: Data) {
        data.withUnsafeBytes { raw in
            guard let bytes = raw.bindMemory(to: UInt8.self).baseAddress else { return }
            var offset = 0
            for y in 0..<height {
                view.luma.row(y).update(from: bytes + offset, count: width)
                offset += width
            }
            for plane in [view.blue, view.red] {
                for y in 0..<view.chromaHeight {
                    plane.row(y).update(from: bytes + offset, count: view.chromaWidth)
                    offset += view.chromaWidth
                }
            }
        }
    }
}
