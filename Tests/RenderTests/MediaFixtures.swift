import Compositor
import Encoder
import Foundation
import Timeline

/// Media files the tests make themselves: videos whose frames show their own index, and WAV
/// files with tone bursts at known samples.
enum MediaFixtures {
    /// Frames are 128×32: sixteen 8-pixel columns, white for a set bit of the index (bit 0 left).
    static let frameWidth = 128, frameHeight = 32

    static func indexFrame(_ index: Int, rotatedForDisplay rotation: Int = 0) -> Raster {
        let raster = Raster(width: frameWidth, height: frameHeight)
        raster.fill(SIMD4(0, 0, 0, 255))
        for bit in 0..<16 where index >> bit & 1 == 1 {
            for y in 0..<frameHeight {
                for x in (bit * 8)..<(bit * 8 + 8) {
                    (raster.pixels + (y * frameWidth + x) * 4).update(repeating: 255, count: 4)
                }
            }
        }
        return raster
    }

    /// The index shown by a frame drawn full-canvas (128×32) by a video clip.
    static func index(in frame: Raster) -> Int {
        (0..<16).reduce(0) { value, bit in
            frame.pixel(x: bit * 8 + 4, y: frame.height / 2).x > 128 ? value | 1 << bit : value
        }
    }

    /// A video of index frames, at `fps` or at the given presentation times.
    static func video(at path: String, count: Int, fps: Int = 30, times: [Double]? = nil,
                      settings: EncoderSettings = EncoderSettings(crf: 12, preset: "ultrafast", includesAudio: false),
                      frame: (Int) -> Raster = { indexFrame($0) }) throws {
        var settings = settings
        if times != nil { settings.variableTimeScale = 1000 }
        let first = frame(0)
        let writer = try MovieWriter(path: path, width: first.width, height: first.height,
                                   frameRate: FrameRate(numerator: fps), settings: settings)
        for index in 0..<count {
            if let times { try writer.append(frame(index), at: times[index]) } else { try writer.append(frame(index)) }
        }
        try writer.finish()
    }

    /// A 16-bit PCM WAV of `channels` interleaved float samples.
    static func wav(at path: String, sampleRate: Int = 48_000, channels: Int = 2, samples: [Float]) throws {
        var data = Data()
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        let bytes = samples.count * 2
        data.append(contentsOf: Array("RIFF".utf8)); put(UInt32(36 + bytes)); data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); put(UInt32(16)); put(UInt16(1)); put(UInt16(channels))
        put(UInt32(sampleRate)); put(UInt32(sampleRate * channels * 2)); put(UInt16(channels * 2)); put(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); put(UInt32(bytes))
        for sample in samples { put(Int16((min(max(sample, -1), 1) * 32767).rounded())) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Stereo silence of `seconds` with a 1 kHz burst of `burst` seconds at each of `at` (seconds).
    static func bursts(seconds: Double, at starts: [Double], burst: Double = 0.05, amplitude: Float = 0.5,
                       sampleRate: Int = 48_000) -> [Float] {
        var samples = [Float](repeating: 0, count: Int(seconds * Double(sampleRate)) * 2)
        for start in starts {
            let first = Int((start * Double(sampleRate)).rounded())
            for n in first..<min(first + Int(burst * Double(sampleRate)), samples.count / 2) {
                let value = amplitude * Float(sin(2 * Double.pi * 1000 * Double(n - first) / Double(sampleRate)))
                samples[n * 2] = value
                samples[n * 2 + 1] = value
            }
        }
        return samples
    }

    /// A steady 440 Hz tone.
    static func tone(seconds: Double, amplitude: Float = 0.5, sampleRate: Int = 48_000) -> [Float] {
        (0..<Int(seconds * Double(sampleRate))).flatMap { n -> [Float] in
            let value = amplitude * Float(sin(2 * Double.pi * 440 * Double(n) / Double(sampleRate)))
            return [value, value]
        }
    }
}
