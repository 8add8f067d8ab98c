import Foundation
import Render
import Testing
import Timeline

/// The encoder benchmark on a small moving picture: lossless and lossy x264, and trials that
/// cannot run.
@Suite struct EncoderBenchTests {
    let folder = TemporaryFolder()

    func bench(_ trials: [EncoderTrial], seconds: Double? = nil) throws -> EncoderBenchReport {
        let json = document(width: 64, height: 48, background: "\"#204060\"", fps: 10, """
            { "type": "rect", "start": 0, "duration": 1.5, "transform": { "width": 20, "height": 14 }, "style": { "fill": "#ffcc00" },
              "keyframes": [ { "property": "x", "frames": [ { "time": 0, "value": 10 }, { "time": 1.5, "value": 54 } ] } ] }
            """)
        return try EncoderBench(timeline: timeline(json), seconds: seconds).run(trials: trials, folder: folder.path)
    }

    @Test func losslessAndLossyEncodesAreScoredAgainstTheRenderedFrames() throws {
        let report = try bench([EncoderTrial(encoder: "libx264", crf: 0, preset: "ultrafast"),
                                EncoderTrial(encoder: "libx264", crf: 51, preset: "veryfast")])
        #expect(report.frames == 15 && report.width == 64 && report.height == 48 && report.frameRate == 10)
        #expect(report.skipped.isEmpty, "\(report.skipped)")
        let lossless = try #require(report.results.first), lossy = try #require(report.results.last)
        #expect(lossless.label == "preset ultrafast, crf 0")
        #expect(lossless.psnr.all == 100 && lossless.ssim.all == 1, "CRF 0 is lossless in x264")
        #expect(lossy.psnr.luma < 40 && lossy.psnr.luma > 15)
        #expect(lossy.ssim.luma < 1 && lossy.ssim.luma > 0.5)
        #expect(lossy.kilobitsPerSecond < lossless.kilobitsPerSecond)
        for result in report.results {
            #expect(result.bytes > 0 && result.framesPerSecond > 0 && result.cpuSeconds > 0)
            #expect(abs(result.kilobitsPerSecond - Double(result.bytes) * 8 / 1.5 / 1000) < 1e-6)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "encodes are removed after scoring")
    }

    @Test func trialsThatCannotRunAreSkippedWithTheReason() throws {
        let report = try bench([EncoderTrial(encoder: "libnothing", crf: 23),
                                EncoderTrial(encoder: "libx264", crf: 23, preset: "warp-speed"),
                                EncoderTrial(encoder: "libx264", crf: 23, preset: "ultrafast")], seconds: 0.5)
        #expect(report.frames == 5)
        #expect(report.results.map(\.label) == ["preset ultrafast, crf 23"])
        #expect(report.skipped.map(\.trial.encoder) == ["libnothing", "libx264"])
        #expect(report.skipped[0].reason == "this FFmpeg has no libnothing encoder")
        #expect(report.skipped[1].reason.contains("unknown x264 preset \"warp-speed\""))
    }

    @Test func oddFrameSizesAndEmptyTimelinesAreRefused() throws {
        let trials = [EncoderTrial(encoder: "libx264", crf: 23, preset: "ultrafast")]
        let odd = try timeline(document(width: 64, height: 48, """
            { "type": "rect", "start": 0, "duration": 1, "transform": { "width": 10, "height": 10 } }
            """))
        let oddCanvas = Timeline(canvas: Canvas(width: 63, height: 48, frameRate: odd.canvas.frameRate), tracks: odd.tracks)
        let oddError = #expect(throws: RenderError.self) { try EncoderBench(timeline: oddCanvas).run(trials: trials, folder: folder.path) }
        #expect("\(oddError.map { "\($0)" } ?? "")".contains("even frame sizes; 63×48"))
        let empty = Timeline(canvas: odd.canvas, tracks: [])
        let emptyError = #expect(throws: RenderError.self) { try EncoderBench(timeline: empty).run(trials: trials, folder: folder.path) }
        #expect("\(emptyError.map { "\($0)" } ?? "")".contains("the timeline is empty"))
    }

    @Test func theStandardTrialsCoverEveryEncoderTheIssueNames() {
        let encoders = Set(EncoderTrial.standard.map(\.encoder))
        #expect(encoders == ["libx264", "libx265", "libvpx-vp9", "libaom-av1", "libsvtav1"])
        #expect(EncoderTrial.standard.filter { $0.encoder == "libx264" }.map(\.label) == [
            "preset ultrafast, crf 23", "preset veryfast, crf 23", "preset medium, crf 23", "preset slow, crf 23",
            "preset veryfast, crf 18", "preset veryfast, crf 28",
        ])
    }
}
