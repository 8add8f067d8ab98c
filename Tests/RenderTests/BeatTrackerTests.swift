import Foundation
import Media
import TemplateSchema
import Testing

/// Beats of a generated click track, found with aubio, and cuts placed on them.
@Suite struct BeatTrackerTests {
    /// A stereo click track: a 30 ms, 1 kHz click every `period` seconds from `offset`, `seconds` long.
    static func clickTrack(at path: String, period: Double, offset: Double, seconds: Double) throws {
        let rate = 48_000.0
        var samples: [Float] = []
        samples.reserveCapacity(Int(seconds * rate) * 2)
        for i in 0..<Int(seconds * rate) {
            let t = Double(i) / rate
            let since = t - offset - ((t - offset) / period).rounded(.down) * period
            let value = t >= offset && since < 0.03 ? Float(0.6 * sin(2 * Double.pi * 1000 * t) * exp(-since * 200)) : 0
            samples.append(value)
            samples.append(value)
        }
        try MediaFixtures.wav(at: path, samples: samples)
    }

    @Test func clicksAreFoundWhereTheyAre() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/clicks.wav"
        try Self.clickTrack(at: path, period: 0.5, offset: 0.1, seconds: 12)
        let beats = try BeatTracker.beats(path: path)
        // Every click is a beat (those before the tracker locked on extrapolated back from it).
        #expect(beats.count >= 22, "\(beats)")
        for beat in beats {
            let error = abs(beat - 0.1 - ((beat - 0.1) / 0.5).rounded() * 0.5)
            #expect(error < 0.05, "a beat at \(beat) s is \(error) s from a click")
        }
        // From a start point, times are measured from it.
        let shifted = try BeatTracker.beats(path: path, start: 2, duration: 8)
        #expect(shifted.allSatisfy { $0 >= 0 && $0 <= 8.1 })
        #expect(shifted.count >= 14, "\(shifted)")
        #expect(shifted.allSatisfy { abs($0 + 2 - 0.1 - (($0 + 2 - 0.1) / 0.5).rounded() * 0.5) < 0.05 })
    }

    /// In music mode the compiled cuts fall within one frame of a detected beat.
    @Test func cutsFallOnDetectedBeats() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/clicks.wav"
        try Self.clickTrack(at: path, period: 0.5, offset: 0.1, seconds: 12)
        let beats = try BeatTracker.beats(path: path, duration: 10)
        let request = try FVSRenderRequest.read(Data(#"""
            { "name": "Beats", "project_mode": "music", "scene_target_duration_seconds": 10, "frame_rate": 30,
              "screenplay": "One.\n\nTwo two.\n\nThree three three.\n\nFour.\n\nFive five.",
              "assets": [ { "filename": "clicks.wav", "purpose": "music_reference" } ] }
            """#.utf8))
        let compiled = try ScreenplayCompiler.compile(request, media: ["clicks.wav": .init(kind: .audio, duration: 12)], beats: beats)
        #expect(compiled.totalFrames == 300)
        for shot in compiled.shots.dropFirst() {
            let cut = Double(shot.firstFrame) / 30
            let nearest = beats.map { abs($0 - cut) }.min() ?? .infinity
            #expect(nearest <= 1.0 / 30, "the cut at \(cut) s is \(nearest) s from a beat; beats \(beats)")
        }
    }
}
