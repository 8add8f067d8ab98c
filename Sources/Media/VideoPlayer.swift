internal import CFFmpeg
import Compositor
import Foundation
import Timeline

/// Plays one video file for one clip: returns the frame shown at a media time, decoding forward
/// and seeking only when the requested time jumps backwards or far ahead.
///
/// The frame shown at time t is the one whose presentation interval [pts, next pts) contains t,
/// also when frame durations vary. Past the last frame, the last frame holds.
final class VideoPlayer {
    let path: String
    private let input: FormatInput
    private let stream: UnsafeMutablePointer<AVStream>
    private var decoder: FrameDecoder
    /// Seconds of the stream's first timestamp: media time 0.
    private let startTime: Double
    private let timeBase: Double
    /// Clockwise degrees to turn decoded frames upright (0, 90, 180 or 270).
    let rotation: Int
    /// Coded frame size, before rotation.
    let codedWidth: Int
    let codedHeight: Int

    private var current = FrameBuffer()
    private var currentTime: Double?
    private var next = FrameBuffer()
    private var nextTime: Double?
    private var atEnd = false
    private var lastTimestamp: Double?
    /// The last converted frame, reused while the same frame is shown at the same size.
    private var converted: (time: Double, width: Int, height: Int, fit: ObjectFit, raster: Raster)?
    /// The swscale context converting frames to RGBA, kept from frame to frame.
    private var rgbaScaler: OpaquePointer?
    /// The frame on screen as RGBA at its own size, upright, for boxes drawn only in a window;
    /// and the context that converts it.
    private var upright: (time: Double, raster: Raster)?
    private var uprightScaler: OpaquePointer?
    /// The last frame scaled in Y'CbCr, and the context that scales them.
    private var scaled: (time: Double, image: PlanarImage)?
    private var planarScaler: OpaquePointer?

    /// Jumps forward longer than this seek instead of decoding every frame in between.
    static let seekAhead = 3.0
    /// Timestamps within one tick of the stream's time base are the same instant: containers with
    /// coarse clocks (WebM and Matroska count milliseconds) round frame times by up to half a tick.
    private let tolerance: Double
    private let decoderThreads: Int

    /// `decoderThreads` as for `StreamDecoder`: 0 for every core.
    init(path: String, decoderThreads: Int = 0) throws {
        self.path = path
        self.decoderThreads = decoderThreads
        input = try FormatInput(path: path)
        guard let index = input.bestStream(AVMEDIA_TYPE_VIDEO) else {
            throw MediaError("no video stream in \(path)")
        }
        stream = input.context.pointee.streams[index]!
        decoder = try FrameDecoder(input: input, streamIndex: index, threads: decoderThreads)
        timeBase = av_q2d(stream.pointee.time_base)
        guard timeBase > 0, timeBase.isFinite else { throw MediaError("the video stream of \(path) has no time base") }
        tolerance = max(1e-6, timeBase)
        let start = stream.pointee.start_time
        startTime = start == reel_av_nopts_value() ? 0 : Double(start) * timeBase
        rotation = VideoPlayer.rotation(of: stream)
        codedWidth = Int(stream.pointee.codecpar.pointee.width)
        codedHeight = Int(stream.pointee.codecpar.pointee.height)
        guard codedWidth > 0, codedHeight > 0 else { throw MediaError("the video stream of \(path) has no frame size") }
        guard MediaLimits.acceptsPicture(width: codedWidth, height: codedHeight) else {
            throw MediaError("the video stream of \(path) is \(codedWidth)×\(codedHeight); Reel takes at most "
                             + "\(MediaLimits.maximumDimension) pixels each way")
        }
    }

    deinit {
        sws_freeContext(rgbaScaler)
        sws_freeContext(uprightScaler)
        sws_freeContext(planarScaler)
    }

    /// Throws when the container's sample index points past the end of the file: a download or
    /// copy that was cut short. (Only containers with a full index, such as MP4 and MOV, can tell.)
    func checkComplete() throws {
        guard let io = input.context.pointee.pb else { return }
        let fileSize = avio_size(io)
        guard fileSize > 0 else { return }
        var expected: Int64 = 0
        for stream in input.streams {
            let count = avformat_index_get_entries_count(stream)
            guard count > 0, let last = avformat_index_get_entry(stream, count - 1) else { continue }
            // A corrupt index can hold any offset: saturate rather than overflow.
            let end = last.pointee.pos.addingReportingOverflow(Int64(last.pointee.size))
            expected = max(expected, end.overflow ? .max : end.partialValue)
        }
        if expected > fileSize {
            throw MediaError("truncated file: \(path) ends at byte \(fileSize) but its index needs \(expected)")
        }
    }

    /// The size frames are shown at: the coded size turned by the rotation metadata.
    var displaySize: (width: Int, height: Int) {
        rotation % 180 == 0 ? (codedWidth, codedHeight) : (codedHeight, codedWidth)
    }

    /// The frame shown at `time` seconds into the media, fitted into width × height.
    func frame(at time: Double, fit: ObjectFit, width: Int, height: Int) throws -> Raster {
        try advance(to: startTime + max(time, 0))
        guard let shown = currentTime else { throw MediaError("no frame could be decoded from \(path)") }
        if let converted, converted.time == shown, converted.width == width, converted.height == height, converted.fit == fit {
            return converted.raster
        }
        let raster = try FrameFitting.fit(current.frame, rotation: rotation, fit: fit, width: width, height: height,
                                          scaler: &rgbaScaler)
        converted = (shown, width, height, fit, raster)
        return raster
    }

    /// The part `window` of what `frame(at:fit:width:height:)` gives, made without the rest of
    /// the box: the frame is converted at its own size and only the window's part of it scaled.
    /// Always a raster of its own.
    func frame(at time: Double, fit: ObjectFit, width: Int, height: Int, window: PixelRect) throws -> Raster {
        if window == PixelRect(x0: 0, y0: 0, x1: width, y1: height) {
            return try frame(at: time, fit: fit, width: width, height: height).copy()
        }
        try advance(to: startTime + max(time, 0))
        guard let shown = currentTime else { throw MediaError("no frame could be decoded from \(path)") }
        let picture: Raster
        if let upright, upright.time == shown {
            picture = upright.raster
        } else {
            picture = try FrameFitting.upright(current.frame, rotation: rotation, scaler: &uprightScaler)
            upright = (shown, picture)
        }
        return try FrameFitting.window(of: picture, fit: fit, width: width, height: height, window: window)
    }

    /// The frame shown at `time` as it was decoded, when it fills a width × height box without
    /// converting: 4:2:0 BT.709 limited range, upright, with the box's aspect ratio. A frame of
    /// another size is scaled in Y'CbCr (bicubic). Valid until the next call.
    func planes(at time: Double, width: Int, height: Int) throws -> PlanarView? {
        try advance(to: startTime + max(time, 0))
        guard let shown = currentTime else { throw MediaError("no frame could be decoded from \(path)") }
        let frame = current.frame
        guard rotation == 0, frame.pointee.color_range != AVCOL_RANGE_JPEG, PixelConversion.isBT709(frame),
              let planes = PixelConversion.planes(of: frame) else { return nil }
        if planes.width == width, planes.height == height { return planes }
        guard planes.width * height == planes.height * width, width % 2 == 0, height % 2 == 0 else { return nil }
        if let scaled, scaled.time == shown, scaled.image.width == width, scaled.image.height == height {
            return scaled.image.view
        }
        let image = scaled.flatMap { $0.image.width == width && $0.image.height == height ? $0.image : nil }
            ?? PlanarImage(width: width, height: height)
        guard PixelConversion.scale(planes, into: image.view, reusing: &planarScaler) else { return nil }
        scaled = (shown, image)
        return image.view
    }

    /// Makes `current` the frame whose interval contains stream time `target`.
    private func advance(to target: Double) throws {
        if let currentTime {
            let goesBack = target + tolerance < currentTime
            let stillShown = !goesBack && (nextTime.map { target + tolerance < $0 } ?? atEnd)
            let farAhead = target > currentTime + Self.seekAhead
            // Seek for a discontinuity; otherwise decode forward.
            if goesBack || (farAhead && !stillShown) { try seek(to: target) }
        }
        while true {
            if nextTime == nil, !atEnd { try decodeNext() }
            guard let upcoming = nextTime else { break }
            if currentTime == nil || upcoming <= target + tolerance {
                swap(&current, &next)
                currentTime = upcoming
                nextTime = nil
                av_frame_unref(next.frame)
                if upcoming > target + tolerance { break }
            } else {
                break
            }
        }
    }

    private func decodeNext() throws {
        guard try decoder.next(into: next) else {
            atEnd = true
            return
        }
        // A corrupt stream can change size mid-way: refuse pictures no one could have meant.
        let (width, height) = (Int(next.frame.pointee.width), Int(next.frame.pointee.height))
        guard MediaLimits.acceptsPicture(width: width, height: height) else {
            av_frame_unref(next.frame)
            throw MediaError("\(path) decodes to a \(width)×\(height) picture")
        }
        let stamp = next.frame.pointee.best_effort_timestamp
        var time: Double
        if stamp != reel_av_nopts_value() {
            time = Double(stamp) * timeBase
        } else {
            // No timestamp: one frame duration after the last.
            let rate = av_q2d(stream.pointee.avg_frame_rate)
            time = (lastTimestamp ?? startTime) + (rate > 0 ? 1 / rate : 0)
        }
        if let lastTimestamp, time <= lastTimestamp { time = lastTimestamp + tolerance * 2 }
        lastTimestamp = time
        nextTime = time
    }

    private func seek(to target: Double) throws {
        let timestamp = clampedTimestamp((target - 0.001) / timeBase)
        // The decoder's input: after a reopen (below) no longer the one the player opened.
        if !decoder.input.seek(stream: Int(stream.pointee.index), to: timestamp) {
            // Some inputs cannot seek: start again from the top.
            decoder = try FrameDecoder(input: FormatInput(path: path), streamIndex: Int(stream.pointee.index), threads: decoderThreads)
        } else {
            avcodec_flush_buffers(decoder.decoder.context)
            decoder.restart()
        }
        av_frame_unref(current.frame)
        av_frame_unref(next.frame)
        currentTime = nil
        nextTime = nil
        lastTimestamp = nil
        atEnd = false
    }

    /// Clockwise degrees from the stream's display matrix, snapped to quarter turns.
    static func rotation(of stream: UnsafeMutablePointer<AVStream>) -> Int {
        guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nil) else { return 0 }
        let counterClockwise = av_display_rotation_get(UnsafeRawPointer(data).assumingMemoryBound(to: Int32.self))
        guard counterClockwise.isFinite else { return 0 }
        let clockwise = Int((-counterClockwise / 90).rounded()) * 90
        return ((clockwise % 360) + 360) % 360
    }
}
