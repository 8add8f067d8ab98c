import Compositor
import Encoder
import Foundation
import Media
import Render
import Testing
import Timeline

/// Sound and picture stay together over a long render.
@Suite struct SyncTests {
    @Test(.timeLimit(.minutes(5)))
    func tenMinutesStayInSyncWithinOneFrame() throws {
        let folder = TemporaryFolder()
        let source = folder.file("source.mp4")
        // A 10-minute 30 fps source: white flashes of 0.1 s with a 1 kHz beep starting on the same frame.
        let sourceRate = 30, minutes = 10.0
        let flashFrames = [1.0, 123.4, 300.2, 451.7, 598.5].map { Int(($0 * Double(sourceRate)).rounded(.up)) }
        let flashTimes = flashFrames.map { Double($0) / Double(sourceRate) }
        let frameCount = Int(minutes * 60) * sourceRate
        let writer = try MovieWriter(path: source, width: 64, height: 36, frameRate: FrameRate(numerator: sourceRate),
                                   settings: EncoderSettings(crf: 30, preset: "ultrafast"))
        let black = Raster(width: 64, height: 36), white = Raster(width: 64, height: 36)
        black.fill(SIMD4(0, 0, 0, 255))
        white.fill(SIMD4(255, 255, 255, 255))
        let beepSamples = Set(flashTimes.map { Int(($0 * 48_000).rounded()) })
        var beepStart: Int?
        for index in 0..<frameCount {
            let flashing = flashFrames.contains { index >= $0 && index < $0 + 3 }
            try writer.append(flashing ? white : black)
            let first = index * 1600, count = 1600  // 48000 / 30 samples per frame
            var block = [Float](repeating: 0, count: count)
            for i in 0..<count {
                let n = first + i
                if beepSamples.contains(n) { beepStart = n }
                if let start = beepStart, n - start < 2400 {
                    block[i] = 0.5 * Float(sin(2 * Double.pi * 1000 * Double(n - start) / 48_000))
                }
            }
            try writer.appendAudio(left: block, right: block)
        }
        try writer.finish()

        // Rendered at 29.97 fps, so every frame and sample boundary rounds differently from the source.
        let json = """
            { "meta": { "width": 64, "height": 36, "fps": 29.97 },
              "tracks": [ { "clips": [ { "type": "video", "src": "\(source)", "start": 0, "duration": \(minutes * 60),
                "transform": { "x": 0, "y": 0, "width": 64, "height": 36, "anchor": "top-left" } } ] } ] }
            """
        let output = folder.file("output.mp4")
        try Renderer(timeline: timeline(json)).renderVideo(to: output, settings: EncoderSettings(crf: 30, preset: "ultrafast"))

        // Where the flashes and beeps landed in the output.
        let outputRate = FrameRate(numerator: 30000, denominator: 1001)
        var flashes: [Double] = []
        let reader = try VideoFrameReader(path: output)
        var index = 0, wasWhite = false
        while let frame = try reader.nextFrame() {
            let isWhite = frame.pixel(x: 32, y: 18).x > 128
            if isWhite && !wasWhite { flashes.append(outputRate.time(ofFrame: index)) }
            wasWhite = isWhite
            index += 1
        }
        #expect(index == outputRate.frameCount(forDuration: minutes * 60))
        let beeps = try Self.onsets(path: output).map { Double($0) / 48_000 }

        #expect(flashes.count == flashTimes.count, "\(flashes)")
        #expect(beeps.count == flashTimes.count, "\(beeps)")
        let frame = 1001.0 / 30000
        for (k, expected) in flashTimes.enumerated() where k < min(flashes.count, beeps.count) {
            #expect(abs(beeps[k] - expected) <= 0.001, "beep \(k) at \(beeps[k]), expected \(expected)")
            #expect(flashes[k] >= expected - 1e-9 && flashes[k] - expected < frame, "flash \(k) at \(flashes[k]), expected \(expected)")
            #expect(abs(flashes[k] - beeps[k]) <= frame, "flash and beep \(k) are \(abs(flashes[k] - beeps[k]) * 1000) ms apart")
        }
    }

    /// Samples where the left channel rises above 0.2 after a quiet second.
    static func onsets(path: String) throws -> [Int] {
        let reader = try AudioReader(path: path)
        var left = [Float](repeating: 0, count: 48_000), right = left
        var found: [Int] = [], position = 0, quiet = 48_000
        while true {
            let got = try reader.read(count: 48_000, left: &left, right: &right)
            for i in 0..<got {
                if abs(left[i]) > 0.2 {
                    if quiet >= 48_000 { found.append(position + i) }
                    quiet = 0
                } else {
                    quiet += 1
                }
            }
            position += got
            if got < 48_000 { return found }
        }
    }
}
