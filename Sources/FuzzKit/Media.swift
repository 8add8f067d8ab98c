import Compositor
import Encoder
import Foundation
import Timeline

/// The media the fuzz corpus names, made once in the fuzzer's work folder: `media/clip.mp4`
/// (16 frames, 64×36, with sound), `media/clip.mov`, `media/tone.wav`, and `images/` (the
/// repository's image fixtures, linked).
public enum FuzzMedia {
    /// Makes the media under `folder` unless they are there already.
    public static func prepare(in folder: String, imageFixtures: String) throws {
        let media = folder + "/media"
        try FileManager.default.createDirectory(atPath: media, withIntermediateDirectories: true)
        let images = folder + "/images"
        if !FileManager.default.fileExists(atPath: images) {
            try FileManager.default.createSymbolicLink(atPath: images, withDestinationPath: imageFixtures)
        }
        for (name, container) in [("clip.mp4", "mp4"), ("clip.mov", "mov")] where !FileManager.default.fileExists(atPath: media + "/" + name) {
            var settings = EncoderSettings(crf: 30, preset: "ultrafast", container: container)
            settings.threads = 1
            let writer = try MovieWriter(path: media + "/" + name, width: 64, height: 36, frameRate: FrameRate(numerator: 10),
                                         settings: settings)
            for index in 0..<16 {
                let frame = Raster(width: 64, height: 36)
                frame.fill(SIMD4(UInt8(index * 16), 80, UInt8(255 - index * 16), 255))
                try writer.append(frame)
                let samples = (0..<4800).map { n in Float(sin(Double(n + index * 4800) * 0.0576)) * 0.3 }
                try writer.appendAudio(left: samples, right: samples)
            }
            try writer.finish()
        }
        let wav = media + "/tone.wav"
        if !FileManager.default.fileExists(atPath: wav) {
            try toneWAV(seconds: 1.5).write(to: URL(fileURLWithPath: wav))
        }
    }

    /// A 16-bit stereo 48 kHz WAV of a 440 Hz tone.
    static func toneWAV(seconds: Double) -> Data {
        let frames = Int(seconds * 48_000)
        var data = Data()
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); put(UInt32(36 + frames * 4)); data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); put(UInt32(16)); put(UInt16(1)); put(UInt16(2))
        put(UInt32(48_000)); put(UInt32(48_000 * 4)); put(UInt16(4)); put(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); put(UInt32(frames * 4))
        for n in 0..<frames {
            let sample = Int16(sin(2 * Double.pi * 440 * Double(n) / 48_000) * 12_000)
            put(sample); put(sample)
        }
        return data
    }
}
