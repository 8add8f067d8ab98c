internal import CFFmpeg
import Foundation

/// Reads a file's sound as 48 kHz stereo float samples, in order, from any position.
///
/// A playback rate other than 1 is applied by resampling (like tape: pitch follows speed).
public final class AudioReader {
    public static let sampleRate = 48_000

    public let path: String
    private let input: FormatInput
    private let stream: UnsafeMutablePointer<AVStream>
    private var decoder: FrameDecoder
    private var resampler: OpaquePointer?
    private let frame = FrameBuffer()
    private let startTime: Double
    private let timeBase: Double
    private let inputRate: Int
    /// Samples per media second after resampling: 48000 / playbackRate.
    private let outputRate: Int
    private var left: [Float] = []
    private var right: [Float] = []
    private var readIndex = 0
    private var atEnd = false
    /// Media seconds before which decoded sound is dropped (after a seek).
    private var discardBefore: Double?

    /// Opens the best audio stream of `path`; throws when it has none.
    public init(path: String, playbackRate: Double = 1) throws {
        self.path = path
        input = try FormatInput(path: path)
        guard let index = input.bestStream(AVMEDIA_TYPE_AUDIO) else { throw MediaError("no audio stream in \(path)") }
        stream = input.context.pointee.streams[index]!
        decoder = try FrameDecoder(input: input, streamIndex: index)
        timeBase = av_q2d(stream.pointee.time_base)
        let start = stream.pointee.start_time
        startTime = start == reel_av_nopts_value() ? 0 : Double(start) * timeBase
        inputRate = Int(decoder.decoder.context.pointee.sample_rate)
        let rate = Double(Self.sampleRate) / playbackRate
        outputRate = rate.isFinite ? max(1, Int(min(rate, Double(Int32.max)).rounded())) : Self.sampleRate
        guard inputRate > 0 else { throw MediaError("the audio stream of \(path) has no sample rate") }
        guard inputRate <= MediaLimits.maximumSampleRate else {
            throw MediaError("the audio stream of \(path) has \(inputRate) samples per second; Reel takes at most "
                             + "\(MediaLimits.maximumSampleRate)")
        }
        let channels = Int(decoder.decoder.context.pointee.ch_layout.nb_channels)
        guard (1...MediaLimits.maximumChannels).contains(channels) else {
            throw MediaError("the audio stream of \(path) has \(channels) channels; Reel takes 1 to \(MediaLimits.maximumChannels)")
        }
        guard timeBase > 0, timeBase.isFinite else { throw MediaError("the audio stream of \(path) has no time base") }
        try openResampler()
    }

    deinit { swr_free(&resampler) }

    /// The longest silence, in seconds, put before the first sound after a seek when the sound
    /// starts after the target.
    static let longestGap = 60

    /// Whether `path` has a sound stream at all.
    public static func hasAudio(path: String) -> Bool {
        guard let input = try? FormatInput(path: path) else { return false }
        return input.bestStream(AVMEDIA_TYPE_AUDIO) != nil
    }

    private func openResampler() throws {
        swr_free(&resampler)
        var stereo = AVChannelLayout()
        reel_channel_layout_stereo(&stereo)
        let context = decoder.decoder.context
        var inputLayout = context.pointee.ch_layout
        if inputLayout.order == AV_CHANNEL_ORDER_UNSPEC { av_channel_layout_default(&inputLayout, inputLayout.nb_channels) }
        let status = swr_alloc_set_opts2(&resampler, &stereo, AV_SAMPLE_FMT_FLTP, Int32(outputRate),
                                         &inputLayout, context.pointee.sample_fmt, Int32(inputRate), 0, nil)
        guard status >= 0, swr_init(resampler) >= 0 else {
            throw MediaError("cannot resample the sound of \(path)")
        }
    }

    /// Moves to `seconds` into the media; the next sample read is the one at that time.
    public func seek(to seconds: Double) throws {
        let target = max(seconds, 0)
        let timestamp = clampedTimestamp((startTime + target - 0.05) / timeBase)
        // The decoder's input: after a reopen (below) no longer the one the reader opened.
        if !decoder.input.seek(stream: Int(stream.pointee.index), to: max(timestamp, 0)) {
            decoder = try FrameDecoder(input: FormatInput(path: path), streamIndex: Int(stream.pointee.index))
        } else {
            avcodec_flush_buffers(decoder.decoder.context)
            decoder.restart()
        }
        try openResampler()
        left.removeAll(keepingCapacity: true)
        right.removeAll(keepingCapacity: true)
        readIndex = 0
        atEnd = false
        discardBefore = target
    }

    /// Copies up to `count` samples per channel into `leftOut` and `rightOut`; returns how many,
    /// fewer only at the end of the sound.
    public func read(count: Int, left leftOut: UnsafeMutablePointer<Float>, right rightOut: UnsafeMutablePointer<Float>) throws -> Int {
        while left.count - readIndex < count, !atEnd { try decodeMore() }
        let available = min(count, left.count - readIndex)
        guard available > 0 else { return 0 }
        left.withUnsafeBufferPointer { leftOut.update(from: $0.baseAddress! + readIndex, count: available) }
        right.withUnsafeBufferPointer { rightOut.update(from: $0.baseAddress! + readIndex, count: available) }
        readIndex += available
        if readIndex > Self.compactionPoint {
            left.removeFirst(readIndex)
            right.removeFirst(readIndex)
            readIndex = 0
        }
        return available
    }

    /// Samples read before the buffers are moved down. The buffers are made this big plus a
    /// decoded frame's worth from the start, so that they do not grow (allocate) as a render goes.
    private static let compactionPoint = 1 << 16
    private static let initialCapacity = compactionPoint + 1 << 14

    private func decodeMore() throws {
        if left.capacity < Self.initialCapacity {
            left.reserveCapacity(Self.initialCapacity)
            right.reserveCapacity(Self.initialCapacity)
        }
        guard try decoder.next(into: frame) else {
            try drainResampler()
            atEnd = true
            return
        }
        defer { av_frame_unref(frame.frame) }
        var skip = 0
        if let discard = discardBefore {
            let stamp = frame.frame.pointee.best_effort_timestamp
            let frameStart = stamp == reel_av_nopts_value() ? discard : Double(stamp) * timeBase - startTime
            let frameEnd = frameStart + Double(frame.frame.pointee.nb_samples) / Double(inputRate)
            if frameEnd <= discard { return }
            // Sound before the seek target, in output samples; silence when the target comes first.
            // A gap longer than `longestGap` is a corrupt timestamp, not silence to fill.
            let gap = ((discard - frameStart) * Double(outputRate)).rounded()
            let longestGap = Double(Self.longestGap * outputRate)
            let offset = Int(gap.isNaN ? 0 : min(max(gap, -longestGap), longestGap))
            if offset < 0 {
                left += [Float](repeating: 0, count: -offset)
                right += [Float](repeating: 0, count: -offset)
            }
            skip = max(0, offset)
            discardBefore = nil
        }
        try convert(frame.frame, skip: skip)
    }

    private func convert(_ source: UnsafeMutablePointer<AVFrame>?, skip: Int) throws {
        let inputSamples = source.map { Int($0.pointee.nb_samples) } ?? 0
        let capacity = Int(swr_get_out_samples(resampler, Int32(inputSamples))) + 32
        guard capacity > 0 else { return }
        if chunkLeft.count < capacity {
            chunkLeft = [Float](repeating: 0, count: capacity)
            chunkRight = [Float](repeating: 0, count: capacity)
        }
        let produced = chunkLeft.withUnsafeMutableBytes { l in
            chunkRight.withUnsafeMutableBytes { r in
                withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<UInt8>?.self, capacity: 2) { planes in
                    planes[0] = l.baseAddress?.assumingMemoryBound(to: UInt8.self)
                    planes[1] = r.baseAddress?.assumingMemoryBound(to: UInt8.self)
                    if let source {
                        guard let input = UnsafeMutableRawPointer(source.pointee.extended_data) else { return Int32(0) }
                        return swr_convert(resampler, planes.baseAddress, Int32(capacity),
                                           input.assumingMemoryBound(to: UnsafePointer<UInt8>?.self), Int32(inputSamples))
                    }
                    return swr_convert(resampler, planes.baseAddress, Int32(capacity), nil, 0)
                }
            }
        }
        guard produced >= 0 else { throw MediaError("cannot resample the sound of \(path)") }
        let start = min(skip, Int(produced))
        left += chunkLeft[start..<Int(produced)]
        right += chunkRight[start..<Int(produced)]
    }

    /// The resampler's output, kept from call to call (grown when a frame needs more).
    private var chunkLeft: [Float] = []
    private var chunkRight: [Float] = []

    private func drainResampler() throws {
        try convert(nil, skip: 0)
    }
}
