import Foundation
import Media
import Timeline

/// Mixes every sound clip of a timeline into 48 kHz stereo, block by block, in float.
///
/// A clip starting at t seconds begins at output sample round(t × 48000). Each clip reads its
/// file sequentially and seeks only when playback jumps (a loop, or the first block).
final class AudioMixer {
    static let sampleRate = Double(AudioReader.sampleRate)

    private var voices: [Voice]

    init(timeline: Timeline, locator: MediaLocator) throws {
        let clips = timeline.tracks.flatMap(\.clips)
        voices = try timeline.soundClips.compactMap { clip in
            guard let sound = clip.content.sound else { return nil }
            let path: String
            do {
                path = try locator.localPath(for: sound.source)
            } catch {
                throw RenderError("\(clip.origin).src: \(error)")
            }
            // Footage without a sound track plays silently; an audio clip must have sound.
            if case .video = clip.content, !AudioReader.hasAudio(path: path) { return nil }
            let duckingWindows = sound.settings.ducking.map { ducking in
                clips.filter { other in other.id.map(ducking.targets.contains) ?? false }.map { ($0.start, $0.end) }
            } ?? []
            return Voice(clip: clip, path: path, trim: sound.trim, settings: sound.settings, duckingWindows: duckingWindows)
        }
    }

    /// Opens every sound file, so that problems surface before rendering starts.
    func check() throws {
        for voice in voices { try voice.named { try voice.open() } }
    }

    /// The mix buffers, reused from block to block: a caller that lets go of the last block before
    /// asking for the next one causes no allocation.
    private var left: [Float] = [], right: [Float] = []

    /// The mix of output samples [start, start + count).
    func mix(from start: Int, count: Int) throws -> (left: [Float], right: [Float]) {
        left.removeAll(keepingCapacity: true)
        right.removeAll(keepingCapacity: true)
        left.append(contentsOf: repeatElement(0, count: count))
        right.append(contentsOf: repeatElement(0, count: count))
        for voice in voices { try voice.named { try voice.add(from: start, count: count, left: &left, right: &right) } }
        for i in 0..<count {
            left[i] = min(max(left[i], -1), 1)
            right[i] = min(max(right[i], -1), 1)
        }
        return (left, right)
    }
}

/// One clip's sound in the mix.
private final class Voice {
    let clip: Clip
    let path: String
    let trim: MediaTrim
    let settings: SoundSettings
    let duckingWindows: [(start: Double, end: Double)]
    /// Output samples [firstSample, endSample) carry this clip.
    let firstSample: Int
    let endSample: Int
    /// Output samples in one pass over the trimmed span, when `source.end` bounds it.
    let cycleLength: Int?
    private var reader: (any SoundReader)?
    /// The output sample the reader will produce next, if it is positioned.
    private var position: Int?
    private var exhausted = false
    private var scratchLeft: [Float] = []
    private var scratchRight: [Float] = []

    init(clip: Clip, path: String, trim: MediaTrim, settings: SoundSettings, duckingWindows: [(Double, Double)]) {
        self.clip = clip
        self.path = path
        self.trim = trim
        self.settings = settings
        self.duckingWindows = duckingWindows
        firstSample = Int(saturating: (clip.start * AudioMixer.sampleRate).rounded())
        endSample = Int(saturating: (clip.end * AudioMixer.sampleRate).rounded())
        cycleLength = trim.playableDuration.map { max(Self.shortestLoop, Int(saturating: ($0 * AudioMixer.sampleRate).rounded())) }
    }

    /// Runs `body`; a failure names the clip (decoding errors surface mid-render, long after the
    /// file was checked).
    func named<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw RenderError("\(clip.origin).src: \(error)")
        }
    }

    func open() throws {
        guard reader == nil else { return }
        let rate = trim.playbackRate
        if settings.preservesPitch, rate != 1 || settings.detune != 0 {
            reader = try StretchedAudioReader(path: path, stretch: rate, detune: settings.detune)
        } else if settings.detune != 0 {
            reader = try StretchedAudioReader(path: path, resample: rate, stretch: 1, detune: settings.detune)
        } else {
            reader = try AudioReader(path: path, playbackRate: rate)
        }
    }

    /// Adds this voice's part of output samples [start, start + count).
    ///
    /// Output sample n plays media offset (n − firstSample) mod cycle, where the cycle is the
    /// `source.end` span or, for a loop over an unbounded span, the length found when the media
    /// first ran out.
    func add(from start: Int, count: Int, left: inout [Float], right: inout [Float]) throws {
        let from = max(start, firstSample), to = min(start + count, endSample)
        guard from < to, !exhausted else { return }
        try open()
        var sample = from
        while sample < to {
            let cycle = cycleLength ?? discoveredCycle
            let offset = cycle.map { (sample - firstSample) % $0 } ?? (sample - firstSample)
            if position != sample {
                try reader!.seek(to: trim.start + Double(offset) / AudioMixer.sampleRate * trim.playbackRate)
            }
            var want = to - sample
            if let cycle { want = min(want, cycle - offset) }
            if scratchLeft.count < want {
                scratchLeft = [Float](repeating: 0, count: want)
                scratchRight = [Float](repeating: 0, count: want)
            }
            let got = try scratchLeft.withUnsafeMutableBufferPointer { l in
                try scratchRight.withUnsafeMutableBufferPointer { r in
                    try reader!.read(count: want, left: l.baseAddress!, right: r.baseAddress!)
                }
            }
            accumulate(count: got, at: sample, blockStart: start, left: &left, right: &right)
            sample += got
            position = sample
            if got < want {
                // The media ran out before the block or the span did.
                guard settings.loops else {
                    exhausted = true  // silence for the rest of the clip
                    return
                }
                if cycle == nil {
                    // Nothing (or too little) to loop: each pass would cost a seek for a few samples.
                    guard offset + got >= Self.shortestLoop else { exhausted = true; return }
                    discoveredCycle = offset + got
                } else {
                    sample += want - got  // silence up to source.end, then the next pass
                }
                position = nil
            } else if let cycle, offset + got == cycle {
                position = nil  // the next pass starts from source.start
            }
        }
    }

    /// The shortest span that loops, in samples (10 ms): a shorter `source` span plays this long
    /// per pass, and media shorter than this does not loop.
    static let shortestLoop = 480

    /// For a loop over a span without `source.end`: the media's length after `source.start`.
    private var discoveredCycle: Int?

    private func accumulate(count: Int, at sample: Int, blockStart: Int, left: inout [Float], right: inout [Float]) {
        let pan = settings.pan
        let x = pan <= 0 ? pan + 1 : pan
        let panLeft = Float(cos(x * .pi / 2)), panRight = Float(sin(x * .pi / 2))
        for i in 0..<count {
            let n = sample + i
            let gain = Float(gain(atOutputSample: n))
            var l = scratchLeft[i] * gain, r = scratchRight[i] * gain
            // Web Audio's stereo panner for stereo input: identity at 0.
            if pan < 0 {
                (l, r) = (l + r * panLeft, r * panRight)
            } else if pan > 0 {
                (l, r) = (l * panLeft, r + l * panRight)
            }
            left[n - blockStart] += l
            right[n - blockStart] += r
        }
    }

    private func gain(atOutputSample n: Int) -> Double {
        let t = Double(n) / AudioMixer.sampleRate
        let local = t - clip.start
        var gain = settings.volume
        if let envelope = settings.gainEnvelope { gain *= envelope.value(at: local) }
        if let keyframes = settings.volumeKeyframes { gain *= keyframes.value(at: local) }
        if settings.fadeIn > 0 { gain *= min(1, local / settings.fadeIn) }
        if settings.fadeOut > 0 { gain *= min(1, max(0, clip.end - t) / settings.fadeOut) }
        if let ducking = settings.ducking, !duckingWindows.isEmpty {
            var depth = 0.0
            for window in duckingWindows {
                let reached = ducking.attack > 0 ? min(1, max(0, t - window.start) / ducking.attack) : (t >= window.start ? 1 : 0)
                if t < window.start { continue }
                if t < window.end {
                    depth = max(depth, reached)
                } else {
                    let atEnd = ducking.attack > 0 ? min(1, (window.end - window.start) / ducking.attack) : 1
                    let released = ducking.release > 0 ? atEnd - (t - window.end) / ducking.release : 0
                    depth = max(depth, max(0, released))
                }
            }
            gain *= 1 - ducking.amount * depth
        }
        return gain
    }
}
