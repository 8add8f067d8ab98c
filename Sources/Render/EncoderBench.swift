import Compositor
import Encoder
import Foundation
public import Media
public import Timeline

/// One encoder at one setting.
public struct EncoderTrial: Hashable, Sendable, Codable {
    /// The libavcodec encoder, e.g. "libx264".
    public var encoder: String
    public var crf: Double
    /// x264's and x265's speed preset; nil for other encoders.
    public var preset: String?
    /// Private options of the encoder (e.g. "cpu-used": "8").
    public var options: [String: String]

    public init(encoder: String, crf: Double, preset: String? = nil, options: [String: String] = [:]) {
        self.encoder = encoder
        self.crf = crf
        self.preset = preset
        self.options = options
    }

    /// "preset veryfast, crf 23", "crf 32, cpu-used 4, deadline good".
    public var label: String {
        var parts = preset.map { ["preset \($0)"] } ?? []
        parts.append("crf \(crf == crf.rounded() ? String(Int(crf)) : String(crf))")
        parts += options.sorted { $0.key < $1.key }.filter { $0.key != "row-mt" }.map { "\($0.key) \($0.value)" }
        return parts.joined(separator: ", ")
    }

    var settings: EncoderSettings {
        EncoderSettings(crf: crf, preset: preset ?? "medium", videoCodec: encoder, includesAudio: false, codecOptions: options)
    }

    /// x264's presets from fastest to slow at its default CRF, CRF 18 and 28 at Reel's default
    /// preset, and one everyday setting of each other encoder.
    public static let standard: [EncoderTrial] =
        ["ultrafast", "veryfast", "medium", "slow"].map { EncoderTrial(encoder: "libx264", crf: 23, preset: $0) }
        + [18, 28].map { EncoderTrial(encoder: "libx264", crf: $0, preset: "veryfast") }
        + [
            EncoderTrial(encoder: "libx265", crf: 28, preset: "fast"),
            EncoderTrial(encoder: "libvpx-vp9", crf: 32, options: ["deadline": "good", "cpu-used": "4", "row-mt": "1"]),
            EncoderTrial(encoder: "libaom-av1", crf: 35, options: ["usage": "realtime", "cpu-used": "8", "row-mt": "1"]),
            EncoderTrial(encoder: "libsvtav1", crf: 35, options: ["preset": "10"]),
        ]
}

/// PSNR (dB) or SSIM of luma, the two chroma planes, and all samples.
public struct PlaneScores: Sendable, Codable, Equatable {
    public var luma: Double, blue: Double, red: Double, all: Double
}

/// What one trial measured.
public struct EncoderResult: Sendable, Codable {
    public var trial: EncoderTrial
    public var label: String
    /// Encoding alone (every frame sent, the encoder drained and the file closed).
    public var seconds: Double
    public var cpuSeconds: Double
    public var framesPerSecond: Double
    public var bytes: Int
    /// The file's bits over the video's duration.
    public var kilobitsPerSecond: Double
    /// Against the frames as they went in; identical pictures read 100 dB.
    public var psnr: PlaneScores
    public var ssim: PlaneScores
}

/// A trial that could not run, and why.
public struct EncoderSkip: Sendable, Codable {
    public var trial: EncoderTrial
    public var label: String
    public var reason: String
}

public struct EncoderBenchReport: Sendable, Codable {
    public var width: Int
    public var height: Int
    public var frameRate: Double
    public var frames: Int
    public var results: [EncoderResult]
    public var skipped: [EncoderSkip]
}

/// The encoder benchmark: renders a composition once into the Y'CbCr frames the encoders take,
/// keeps them as the lossless reference, then encodes them with each encoder and setting, timing
/// the encode and scoring the decoded result against the reference.
public final class EncoderBench {
    public let timeline: Timeline
    private let frameCount: Int
    private let locator: MediaLocator

    /// The reference frames are held in memory; more than this is refused.
    public static let referenceLimit = 2 << 30

    /// A bench over the first `seconds` of `timeline` (all of it when nil).
    public init(timeline: Timeline, seconds: Double? = nil, locator: MediaLocator = MediaLocator()) {
        self.timeline = timeline
        self.locator = locator
        let limit = seconds.map { max(1, Int(($0 * timeline.canvas.frameRate.framesPerSecond).rounded())) } ?? Int.max
        frameCount = min(timeline.frameCount, limit)
    }

    /// Runs `trials` in order, writing each encode in `folder` (and removing it after scoring).
    /// `progress` hears a line as each step starts.
    public func run(trials: [EncoderTrial], folder: String, progress: (String) -> Void = { _ in }) throws -> EncoderBenchReport {
        let canvas = timeline.canvas
        guard frameCount > 0 else { throw RenderError("the timeline is empty: no clip has any duration") }
        guard canvas.width % 2 == 0, canvas.height % 2 == 0 else {
            throw RenderError("4:2:0 encoders need even frame sizes; \(canvas.width)×\(canvas.height) is not")
        }
        let bytes = frameCount * canvas.width * canvas.height * 3 / 2
        guard bytes <= Self.referenceLimit else {
            throw RenderError("the reference frames would take \(bytes >> 20) MB of memory (the limit is \(Self.referenceLimit >> 20) MB): "
                              + "bench fewer seconds or a smaller canvas")
        }
        progress("rendering \(frameCount) frames of \(canvas.width)×\(canvas.height)")
        let renderer = Renderer(timeline: timeline, locator: locator)
        let reference = try (0..<frameCount).map { try renderer.planarFrame(atFrame: $0) }

        var results: [EncoderResult] = [], skipped: [EncoderSkip] = []
        for (index, trial) in trials.enumerated() {
            guard MovieWriter.hasEncoder(trial.encoder) else {
                skipped.append(EncoderSkip(trial: trial, label: trial.label, reason: "this FFmpeg has no \(trial.encoder) encoder"))
                continue
            }
            progress("\(trial.encoder), \(trial.label)")
            let path = folder + "/trial-\(index)-\(trial.encoder).mp4"
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                results.append(try measure(trial, reference: reference, path: path))
            } catch {
                skipped.append(EncoderSkip(trial: trial, label: trial.label, reason: "\(error)"))
            }
        }
        return EncoderBenchReport(width: canvas.width, height: canvas.height, frameRate: canvas.frameRate.framesPerSecond,
                                  frames: frameCount, results: results, skipped: skipped)
    }

    private func measure(_ trial: EncoderTrial, reference: [PlanarImage], path: String) throws -> EncoderResult {
        let canvas = timeline.canvas
        let startCPU = Self.processorSeconds(), start = Date()
        let writer = try MovieWriter(path: path, width: canvas.width, height: canvas.height, frameRate: canvas.frameRate,
                                     settings: trial.settings)
        for frame in reference { try writer.append(frame, released: {}) }
        try writer.finish()
        let seconds = Date().timeIntervalSince(start), cpuSeconds = Self.processorSeconds() - startCPU

        let reader = try PictureReader(path: path)
        var quality = PictureQuality()
        for (index, frame) in reference.enumerated() {
            guard let decoded = try reader.next() else {
                throw RenderError("\(trial.encoder) gave back \(index) of \(reference.count) frames")
            }
            guard decoded.width == frame.width, decoded.height == frame.height else {
                throw RenderError("\(trial.encoder) gave back \(decoded.width)×\(decoded.height) pictures, not \(frame.width)×\(frame.height)")
            }
            quality.add(original: frame.view, decoded: decoded)
        }
        let bytes = try (FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        let duration = Double(reference.count) / canvas.frameRate.framesPerSecond
        let (psnr, ssim) = (quality.psnr, quality.ssim)
        return EncoderResult(trial: trial, label: trial.label, seconds: seconds, cpuSeconds: cpuSeconds,
                             framesPerSecond: Double(reference.count) / seconds, bytes: bytes,
                             kilobitsPerSecond: Double(bytes) * 8 / duration / 1000,
                             psnr: PlaneScores(luma: psnr.luma, blue: psnr.blue, red: psnr.red, all: psnr.all),
                             ssim: PlaneScores(luma: ssim.luma, blue: ssim.blue, red: ssim.red, all: ssim.all))
    }

    /// User and system time of this process, every thread.
    static func processorSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
