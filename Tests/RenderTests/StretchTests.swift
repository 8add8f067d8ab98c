import Foundation
import Media
import Render
import Testing
import Timeline

/// `playbackRate` that keeps pitch (Rubber Band's time-stretch, the default), the resampled
/// `preservesPitch: false`, and `detune` in cents: pitches measured by zero crossings, timing by
/// where a burst lands, on the mix itself (no codec between).
@Suite struct StretchTests {
    let folder = TemporaryFolder()

    func wav(_ name: String, _ samples: [Float]) throws -> String {
        let path = folder.file(name)
        try MediaFixtures.wav(at: path, sampleRate: 48_000, samples: samples)
        return path
    }

    /// The mix of one audio clip of `src` over [0, seconds).
    func mix(_ src: String, seconds: Double = 1, _ fields: String) throws -> [Float] {
        let json = """
            { "meta": { "width": 32, "height": 32, "fps": 25 }, "tracks": [ { "clips": [
              { "type": "audio", "src": "\(src)", "start": 0, "duration": \(seconds), \(fields) } ] } ] }
            """
        return try Renderer(timeline: timeline(json)).sound(from: 0, duration: seconds).left
    }

    /// The frequency of a steady tone between `from` and `to` seconds, from its rising zero crossings.
    func frequency(_ samples: [Float], from: Double = 0.2, to: Double = 0.8) -> Double {
        let first = Int(from * 48_000), last = Int(to * 48_000)
        var crossings: [Double] = []
        for n in first..<last where samples[n - 1] < 0 && samples[n] >= 0 {
            crossings.append(Double(n - 1) + Double(-samples[n - 1] / (samples[n] - samples[n - 1])))
        }
        guard let a = crossings.first, let b = crossings.last, crossings.count > 1 else { return 0 }
        return Double(crossings.count - 1) / ((b - a) / 48_000)
    }

    @Test func aFasterRateKeepsThePitchUnlessAskedNotTo() throws {
        let tone = try wav("tone.wav", MediaFixtures.tone(seconds: 3))
        let kept = frequency(try mix(tone, #""playbackRate": 2"#))
        #expect(abs(kept - 440) < 2, "time-stretched at 2×: \(kept) Hz")
        let slow = frequency(try mix(tone, #""playbackRate": 0.5"#))
        #expect(abs(slow - 440) < 2, "time-stretched at 0.5×: \(slow) Hz")
        let tape = frequency(try mix(tone, #""playbackRate": 2, "preservesPitch": false"#))
        #expect(abs(tape - 880) < 2, "resampled at 2×: \(tape) Hz")
    }

    @Test func detuneShiftsThePitchByCents() throws {
        let tone = try wav("tone.wav", MediaFixtures.tone(seconds: 2))
        let octave = frequency(try mix(tone, #""detune": 1200"#))
        #expect(abs(octave - 880) < 3, "+1200 cents: \(octave) Hz")
        let fifthDown = frequency(try mix(tone, #""detune": -700"#))
        let expected = 440 * pow(2, -700.0 / 1200)
        #expect(abs(fifthDown - expected) < 2, "−700 cents: \(fifthDown) Hz, expected \(expected)")
        // With tape speed, both multiply: 2× speed and an octave down is the original pitch.
        let both = frequency(try mix(tone, seconds: 0.9, #""playbackRate": 2, "preservesPitch": false, "detune": -1200"#), to: 0.7)
        #expect(abs(both - 440) < 3, "\(both) Hz")
    }

    @Test func stretchedSoundKeepsItsTiming() throws {
        // A burst at 1.2 s of the media lands at 0.6 s at twice the speed, at 2.4 s at half.
        let burst = try wav("burst.wav", MediaFixtures.bursts(seconds: 3, at: [1.2], burst: 0.04))
        let fast = AudioClipTests.onsets(try mix(burst, seconds: 1.5, #""playbackRate": 2"#))
        #expect(fast.count == 1 && abs(fast[0] - 28_800) <= 240, "0.6 s = sample 28800 within 5 ms, found \(fast)")
        let slow = AudioClipTests.onsets(try mix(burst, seconds: 3, #""playbackRate": 0.5, "source": { "start": 0.4 }"#))
        // Slowed down, the burst's attack is spread a little before it (the phase vocoder's
        // pre-echo): within 10 ms.
        #expect(slow.count == 1 && abs(slow[0] - 76_800) <= 480, "(1.2 − 0.4) / 0.5 = 1.6 s = sample 76800, found \(slow)")
        let detuned = AudioClipTests.onsets(try mix(burst, seconds: 2, #""detune": 300"#))
        #expect(detuned.count == 1 && abs(detuned[0] - 57_600) <= 240, "1.2 s unchanged by a detune, found \(detuned)")
    }
}
