internal import CRubberBand

/// The sound a voice of the mix reads: samples at 48 kHz from any position in the media.
public protocol SoundReader: AnyObject {
    /// Moves to `seconds` into the media; the next sample read is the one at that time.
    func seek(to seconds: Double) throws
    /// Copies up to `count` samples per channel; returns how many, fewer only at the end.
    func read(count: Int, left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>) throws -> Int
}

extension AudioReader: SoundReader {}

/// A file's sound stretched `stretch` times as fast with its pitch kept, and shifted by `detune`
/// cents without changing its speed: Rubber Band's time-stretcher (its R3 "finer" engine,
/// real-time mode, both channels together) on the file's sound, itself first resampled
/// `resample` times as fast (pitch following speed, as the plain reader does).
///
/// Alignment: after every seek the stretcher starts from silence with the pad it asks for and
/// the first `start delay` samples it gives are dropped, so output sample n is media time
/// `seek + n × resample × stretch / 48000`, as with the resampling reader.
public final class StretchedAudioReader: SoundReader {
    private let source: AudioReader
    private let state: RubberBandState
    /// Output samples to drop (the stretcher's delay) and whether the media has run out.
    private var toDrop = 0
    private var sourceDone = false
    private var block: [Float]
    private var blockRight: [Float]
    private static let blockSize = 1024

    public init(path: String, resample: Double = 1, stretch: Double, detune: Double) throws {
        source = try AudioReader(path: path, playbackRate: resample)
        let options = RubberBandOptionProcessRealTime.rawValue | RubberBandOptionEngineFiner.rawValue
            | RubberBandOptionChannelsTogether.rawValue | RubberBandOptionPitchHighConsistency.rawValue
        guard let state = rubberband_new(UInt32(AudioReader.sampleRate), 2, Int32(bitPattern: options),
                                         1 / stretch, StretchedAudioReader.pitchScale(cents: detune)) else {
            throw MediaError("cannot start the time-stretcher for \(path)")
        }
        self.state = state
        block = [Float](repeating: 0, count: Self.blockSize)
        blockRight = [Float](repeating: 0, count: Self.blockSize)
        restart()
    }

    deinit { rubberband_delete(state) }

    /// The frequency factor of `cents` (100 a semitone, 1200 an octave).
    public static func pitchScale(cents: Double) -> Double {
        pow(2, cents / 1200)
    }

    public func seek(to seconds: Double) throws {
        try source.seek(to: seconds)
        rubberband_reset(state)
        restart()
    }

    /// Feeds the pad of silence the stretcher asks for, and notes the delay to drop.
    private func restart() {
        sourceDone = false
        toDrop = Int(rubberband_get_start_delay(state))
        var pad = Int(rubberband_get_preferred_start_pad(state))
        block.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        blockRight.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        while pad > 0 {
            let count = min(pad, Self.blockSize)
            process(count: count, final: false)
            pad -= count
        }
    }

    private func process(count: Int, final: Bool) {
        block.withUnsafeMutableBufferPointer { l in
            blockRight.withUnsafeMutableBufferPointer { r in
                withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: 2) { planes in
                    planes[0] = UnsafePointer(l.baseAddress)
                    planes[1] = UnsafePointer(r.baseAddress)
                    rubberband_process(state, planes.baseAddress, UInt32(count), final ? 1 : 0)
                }
            }
        }
    }

    /// Moves up to `count` processed samples out of the stretcher into `left`/`right`.
    private func retrieve(count: Int, left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>) -> Int {
        withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>?.self, capacity: 2) { planes in
            planes[0] = left
            planes[1] = right
            return Int(rubberband_retrieve(state, planes.baseAddress, UInt32(count)))
        }
    }

    public func read(count: Int, left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>) throws -> Int {
        var done = 0
        while done < count {
            let available = Int(rubberband_available(state))
            if available > 0 {
                // The delay first, into the output buffers and then overwritten.
                let wanted = toDrop > 0 ? min(toDrop, available, count) : min(available, count - done)
                let got = retrieve(count: wanted, left: left + done, right: right + done)
                guard got > 0 else { break }
                if toDrop > 0 { toDrop -= got } else { done += got }
                continue
            }
            if available < 0 || sourceDone { break }  // -1: everything has been retrieved
            let wanted = max(1, min(Self.blockSize, Int(rubberband_get_samples_required(state))))
            let got = try block.withUnsafeMutableBufferPointer { l in
                try blockRight.withUnsafeMutableBufferPointer { r in
                    guard let l = l.baseAddress, let r = r.baseAddress else { return 0 }
                    return try source.read(count: wanted, left: l, right: r)
                }
            }
            if got < wanted { sourceDone = true }
            process(count: got, final: sourceDone)
            if got == 0, !sourceDone { break }
        }
        return done
    }
}

import Foundation
