import Encoder
import Foundation
import Media
import Render
import Testing
import Timeline

/// Sound on the timeline, read back from the rendered MP4's AAC track.
@Suite struct AudioClipTests {
    let folder = TemporaryFolder()

    /// A 32×32 canvas with the given clips, rendered; returns the output's sound, both channels.
    func renderSound(_ clips: String...) throws -> (left: [Float], right: [Float]) {
        let json = """
            { "meta": { "width": 32, "height": 32, "fps": 25 }, "tracks": [ { "clips": [ \(clips.joined(separator: ",")) ] } ] }
            """
        let output = folder.file("out-\(UUID().uuidString).mp4")
        try Renderer(timeline: timeline(json)).renderVideo(to: output)
        return try Self.readAll(output)
    }

    static func readAll(_ path: String) throws -> (left: [Float], right: [Float]) {
        let reader = try AudioReader(path: path)
        var left: [Float] = [], right: [Float] = []
        var l = [Float](repeating: 0, count: 4800), r = [Float](repeating: 0, count: 4800)
        while true {
            let got = try reader.read(count: 4800, left: &l, right: &r)
            left += l[0..<got]
            right += r[0..<got]
            if got < 4800 { break }
        }
        return (left, right)
    }

    /// Sample indices where the sound rises above `threshold` after at least `gap` quiet samples.
    static func onsets(_ samples: [Float], threshold: Float = 0.2, gap: Int = 2400) -> [Int] {
        var found: [Int] = []
        var quiet = gap
        for (i, s) in samples.enumerated() {
            if abs(s) > threshold {
                if quiet >= gap { found.append(i) }
                quiet = 0
            } else {
                quiet += 1
            }
        }
        return found
    }

    static func rms(_ samples: [Float], from start: Double, to end: Double) -> Double {
        let slice = samples[Int(start * 48000)..<Int(end * 48000)]
        return (slice.reduce(0.0) { $0 + Double($1 * $1) } / Double(slice.count)).squareRoot()
    }

    func wav(_ name: String, rate: Int = 48_000, _ samples: [Float]) throws -> String {
        let path = folder.file(name)
        try MediaFixtures.wav(at: path, sampleRate: rate, samples: samples)
        return path
    }

    func clip(_ src: String, start: Double = 0, duration: Double = 2, _ fields: String = "") -> String {
        #"{ "type": "audio", "src": "\#(src)", "start": \#(start), "duration": \#(duration)\#(fields.isEmpty ? "" : ", " + fields) }"#
    }

    @Test func aBurstLandsWithinAMillisecondOfItsTime() throws {
        let at48 = try wav("b48.wav", MediaFixtures.bursts(seconds: 1, at: [0.25]))
        let at44 = try wav("b44.wav", rate: 44_100, MediaFixtures.bursts(seconds: 1, at: [0.1], sampleRate: 44_100))
        let sound = try renderSound(clip(at48, start: 0.5, duration: 1), clip(at44, start: 1.3, duration: 1))
        let found = Self.onsets(sound.left)
        #expect(found.count == 2, "\(found)")
        #expect(abs(found[0] - 36_000) <= 48, "0.5 + 0.25 s = sample 36000, found \(found[0])")
        #expect(abs(found[1] - 67_200) <= 48, "1.3 + 0.1 s = sample 67200, found \(found[1])")
        #expect(Self.onsets(sound.right) == found)
    }

    @Test func trimsAndSpeedMoveTheBurst() throws {
        let burst = try wav("b.wav", MediaFixtures.bursts(seconds: 2, at: [0.6], burst: 0.04))
        let trimmed = Self.onsets(try renderSound(clip(burst, duration: 1, #""source": { "start": 0.2 }"#)).left)
        #expect(trimmed.count == 1 && abs(trimmed[0] - 19_200) <= 48, "0.6 − 0.2 = 0.4 s, found \(trimmed)")
        // Resampled (tape speed): sample-accurate; the time-stretched default is in StretchTests.
        let fast = Self.onsets(try renderSound(clip(burst, duration: 1, #""playbackRate": 2, "preservesPitch": false"#)).left)
        #expect(fast.count == 1 && abs(fast[0] - 14_400) <= 48, "0.6 / 2 = 0.3 s, found \(fast)")
    }

    @Test func loopsRepeatTheTrimmedSpan() throws {
        let burst = try wav("short.wav", MediaFixtures.bursts(seconds: 0.25, at: [0.05], burst: 0.03))
        let unbounded = Self.onsets(try renderSound(clip(burst, duration: 1, #""loop": true"#)).left, gap: 2000)
        #expect(unbounded.count == 4, "\(unbounded)")
        for (k, onset) in unbounded.enumerated() {
            #expect(abs(onset - (2_400 + k * 12_000)) <= 48, "pass \(k): \(onset)")
        }
        let bounded = Self.onsets(try renderSound(clip(burst, duration: 0.5, #""loop": true, "source": { "start": 0.04, "end": 0.14 }"#)).left,
                                  gap: 1000)
        #expect(bounded.count == 5, "every 0.1 s, found \(bounded)")
        #expect(abs(bounded[1] - bounded[0] - 4_800) <= 48)
    }

    @Test func volumeMuteAndFades() throws {
        let tone = try wav("tone.wav", MediaFixtures.tone(seconds: 2))
        let full = Self.rms(try renderSound(clip(tone)).left, from: 0.5, to: 1.5)
        #expect(abs(full - 0.5 / 2.0.squareRoot()) < 0.02, "a 0.5 sine has RMS 0.354, found \(full)")
        let half = Self.rms(try renderSound(clip(tone, #""volume": 0.5"#)).left, from: 0.5, to: 1.5)
        #expect(abs(half / full - 0.5) < 0.02)
        let muted = try renderSound(clip(tone, #""muted": true"#)).left
        #expect(muted.allSatisfy { abs($0) < 1e-4 })
        let faded = try renderSound(clip(tone, #""fadeIn": 1, "fadeOut": 0.5"#)).left
        let early = Self.rms(faded, from: 0.2, to: 0.3), late = Self.rms(faded, from: 1.85, to: 1.95)
        #expect(abs(early / full - 0.25) < 0.03, "gain 0.2–0.3 during a 1 s fade-in, found \(early / full)")
        #expect(abs(late / full - 0.2) < 0.04, "gain 0.3–0.1 near the end of a 0.5 s fade-out, found \(late / full)")
    }

    @Test func panMovesTheSound() throws {
        let tone = try wav("tone.wav", MediaFixtures.tone(seconds: 1))
        let left = try renderSound(clip(tone, duration: 1, #""pan": -1"#))
        #expect(Self.rms(left.right, from: 0.2, to: 0.8) < 0.001)
        #expect(Self.rms(left.left, from: 0.2, to: 0.8) > 0.6, "both channels land on the left")
        let right = try renderSound(clip(tone, duration: 1, #""pan": 1"#))
        #expect(Self.rms(right.left, from: 0.2, to: 0.8) < 0.001)
    }

    @Test func gainEnvelopeAutomatesTheVolume() throws {
        let tone = try wav("tone.wav", MediaFixtures.tone(seconds: 2))
        let sound = try renderSound(clip(tone, #""gainEnvelope": [ { "time": 0, "volume": 0 }, { "time": 2, "volume": 1 } ]"#)).left
        let full = 0.5 / 2.0.squareRoot()
        #expect(abs(Self.rms(sound, from: 0.45, to: 0.55) / full - 0.25) < 0.03)
        #expect(abs(Self.rms(sound, from: 1.45, to: 1.55) / full - 0.75) < 0.03)
    }

    @Test func volumeKeyframesAutomateTheVolume() throws {
        let tone = try wav("tone.wav", MediaFixtures.tone(seconds: 2))
        let sound = try renderSound(clip(tone, #""keyframes": [ { "property": "volume", "frames": [ { "time": 0, "value": 1 }, { "time": 2, "value": 0, "easing": "easeInQuad" } ] } ]"#)).left
        let full = 0.5 / 2.0.squareRoot()
        // At 1 s the eased progress is 0.25, so the volume is 0.75.
        #expect(abs(Self.rms(sound, from: 0.97, to: 1.03) / full - 0.75) < 0.03)
        #expect(Self.rms(sound, from: 1.97, to: 2.0) / full < 0.05)
    }

    @Test func duckingLowersMusicWhileTheTargetPlays() throws {
        let tone = try wav("tone.wav", MediaFixtures.tone(seconds: 3))
        let silence = try wav("voice.wav", [Float](repeating: 0, count: 48_000 * 2))
        let sound = try renderSound(
            clip(tone, duration: 3, #""id": "music", "ducking": { "targets": ["voice"], "amount": 0.5, "attack": 0.1, "release": 0.2 }"#),
            clip(silence, start: 1, duration: 1, #""id": "voice""#)).left
        let before = Self.rms(sound, from: 0.3, to: 0.9)
        #expect(abs(Self.rms(sound, from: 1.3, to: 1.9) / before - 0.5) < 0.03, "ducked to half")
        #expect(abs(Self.rms(sound, from: 2.4, to: 2.9) / before - 1) < 0.03, "back after the release")
    }

    @Test func videoClipsPlayTheirSound() throws {
        let path = folder.file("talk.mp4")
        var settings = EncoderSettings(crf: 20, preset: "ultrafast")
        settings.includesAudio = true
        let writer = try MovieWriter(path: path, width: 32, height: 32, frameRate: FrameRate(numerator: 25), settings: settings)
        let burst = MediaFixtures.bursts(seconds: 1, at: [0.4])
        for index in 0..<25 {
            try writer.append(MediaFixtures.indexFrameSmall())
            let samples = burst[(index * 1920 * 2)..<((index + 1) * 1920 * 2)]
            try writer.appendAudio(left: stride(from: 0, to: samples.count, by: 2).map { samples[samples.startIndex + $0] },
                                   right: stride(from: 1, to: samples.count, by: 2).map { samples[samples.startIndex + $0] })
        }
        try writer.finish()
        let video = #"{ "type": "video", "src": "\#(path)", "start": 1, "duration": 1 }"#
        let found = Self.onsets(try renderSound(video).left)
        #expect(found.count == 1 && abs(found[0] - 67_200) <= 48, "1 + 0.4 s, found \(found)")
        let muted = try renderSound(#"{ "type": "video", "src": "\#(path)", "start": 1, "duration": 1, "muted": true }"#).left
        #expect(muted.allSatisfy { abs($0) < 1e-4 })
    }

    @Test func footageWithoutSoundIsSilentAndAudioSetsTheDuration() throws {
        let path = folder.file("mute.mp4")
        try MediaFixtures.video(at: path, count: 10)
        let tone = try wav("tone.wav", MediaFixtures.tone(seconds: 1))
        let json = """
            { "meta": { "width": 128, "height": 32, "fps": 10 }, "tracks": [ { "clips": [
              { "type": "video", "src": "\(path)", "start": 0, "duration": 1 }, \(clip(tone, start: 0.5, duration: 2)) ] } ] }
            """
        #expect(try timeline(json).duration == 2.5)
        let output = folder.file("mix.mp4")
        try Renderer(timeline: timeline(json)).renderVideo(to: output)
        let info = try MediaProbe.probe(path: output)
        #expect(abs((info.videoStreams.first?.duration ?? 0) - 2.5) < 0.01)
        let sound = try Self.readAll(output).left
        #expect(Self.rms(sound, from: 0.1, to: 0.4) < 0.001)
        #expect(Self.rms(sound, from: 0.7, to: 1.2) > 0.3, "the tone plays from 0.5 s; past its 1 s of media it is silent")
        #expect(Self.rms(sound, from: 1.6, to: 2.4) < 0.001)
    }
}

extension MediaFixtures {
    /// A plain grey 32×32 frame.
    static func indexFrameSmall() -> Raster {
        let raster = Raster(width: 32, height: 32)
        raster.fill(SIMD4(128, 128, 128, 255))
        return raster
    }
}

import Compositor
