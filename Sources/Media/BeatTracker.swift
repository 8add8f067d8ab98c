internal import CAubio
import Foundation

/// Finds the beats of a piece of music with aubio's beat tracker (`aubio_tempo`, the default
/// method, 1024-sample windows every 512 samples at 48 kHz, about 10.7 ms a step).
///
/// A beat is taken whenever the tracker's last beat moves (aubio also reports it in its output
/// vector, but clears that for a step it finds silent, which drops the beats of sparse music such
/// as a click track). The tracker needs a few seconds to lock on; the beats before the first one
/// it places are extrapolated backwards from it at the median interval of the others. Its beats
/// are placed to within a few of its 10.7 ms steps (a click track's clicks: within 50 ms).
public enum BeatTracker {
    /// The beat times in seconds, measured from `start` into the file, over `duration` seconds of
    /// it (to its end when nil). Empty when the tracker finds none (silence, too short).
    public static func beats(path: String, start: Double = 0, duration: Double? = nil) throws -> [Double] {
        let reader = try AudioReader(path: path)
        if start > 0 { try reader.seek(to: start) }
        let window = 1024, hop = 512, rate = AudioReader.sampleRate
        guard let tempo = new_aubio_tempo("default", UInt32(window), UInt32(hop), UInt32(rate)) else {
            throw MediaError("aubio could not start a beat tracker")
        }
        defer { del_aubio_tempo(tempo) }
        guard let input = new_fvec(UInt32(hop)), let output = new_fvec(1) else { throw MediaError("aubio could not allocate a buffer") }
        defer {
            del_fvec(input)
            del_fvec(output)
        }
        let limit = duration.map { Int($0 * Double(rate)) } ?? Int.max
        var left = [Float](repeating: 0, count: hop), right = [Float](repeating: 0, count: hop)
        var beats: [Double] = []
        var consumed = 0
        var previous = aubio_tempo_get_last(tempo)
        while consumed < limit {
            let count = try left.withUnsafeMutableBufferPointer { l in
                try right.withUnsafeMutableBufferPointer { r in
                    try reader.read(count: min(hop, limit - consumed), left: l.baseAddress!, right: r.baseAddress!)
                }
            }
            guard count > 0 else { break }
            // Mono, the rest of a short last step silent.
            for i in 0..<hop { input.pointee.data[i] = i < count ? (left[i] + right[i]) / 2 : 0 }
            aubio_tempo_do(tempo, input, output)
            let last = aubio_tempo_get_last(tempo)
            if last != previous {
                previous = last
                let beat = Double(last) / Double(rate)
                if beat.isFinite, beats.last.map({ beat > $0 }) ?? true { beats.append(beat) }
            }
            consumed += count
        }
        // Before the tracker locked on: back from its first beat, at the median interval between
        // the beats it placed (finer than its own period, which is a whole number of steps).
        let intervals = zip(beats.dropFirst(), beats).map { $0 - $1 }.sorted()
        let period = intervals.isEmpty ? Double(aubio_tempo_get_period_s(tempo)) : intervals[intervals.count / 2]
        if let first = beats.first, period.isFinite, period > 0.2, period < 2 {
            var earlier: [Double] = []
            var beat = first - period
            while beat >= 0 {
                earlier.append(beat)
                beat -= period
            }
            beats = earlier.reversed() + beats
        }
        return beats
    }
}
