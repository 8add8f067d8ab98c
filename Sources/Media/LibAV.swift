internal import CFFmpeg
import Dispatch
import Foundation

/// A failure reported by FFmpeg's libraries, or a media file Reel cannot use.
public struct MediaError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    /// `what` failed with FFmpeg error `code`, described by av_strerror.
    static func libav(_ what: String, _ code: Int32) -> MediaError {
        MediaError("\(what): \(averrorDescription(code))")
    }
}

/// FFmpeg's text for an AVERROR code.
func averrorDescription(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    av_strerror(code, &buffer, buffer.count)
    return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// Bounds on the work one media file can cause, so that a corrupt or hostile file fails with an
/// error instead of hanging a render or exhausting memory.
///
/// The time limits are deadlines checked by libavformat's interrupt callback (`AVIOInterruptCB`)
/// whenever it reads from the file or between probing steps, and by Reel between packets: an
/// open (probing the container, reading its header and `avformat_find_stream_info`) may take
/// `openTimeout` seconds, and each read (decoding the next frame, or a seek) `readTimeout`.
/// Probing itself stays within libavformat's default bounds: 5 MB of data and 5 s of media.
/// (A deadline stops work that reads or loops over packets; one libav call busy on the CPU
/// without reading cannot be cut short, and a read blocked in the system, as on a FIFO with no
/// writer, is not: media are regular files here, downloaded first.)
public enum MediaLimits {
    private final class Settings: @unchecked Sendable {
        let lock = NSLock()
        var open = 10.0
        var read = 10.0
    }

    private static let settings = Settings()

    /// Seconds one open of a media file may take (10 by default; `.infinity` for no limit).
    public static var openTimeout: Double {
        get { settings.lock.withLock { settings.open } }
        set { settings.lock.withLock { settings.open = newValue } }
    }

    /// Seconds one read may take: decoding the next frame of a stream, or seeking (10 by default;
    /// `.infinity` for no limit).
    public static var readTimeout: Double {
        get { settings.lock.withLock { settings.read } }
        set { settings.lock.withLock { settings.read = newValue } }
    }

    /// The largest picture accepted, in either direction (pictures must also have some pixels).
    public static let maximumDimension = 16_384
    /// Sound must have 1 to `maximumSampleRate` samples per second and 1 to `maximumChannels` channels.
    public static let maximumSampleRate = 768_000
    public static let maximumChannels = 64
    /// Packets of a stream a decoder may take without giving a frame before the stream counts as
    /// undecodable. (Real streams give a frame within a few packets; frame-threaded decoders and
    /// open GOPs that start with undecodable pictures within a few hundred.)
    public static let maximumPacketsWithoutFrame = 2_000

    /// Whether width × height is a picture size Reel accepts.
    static func acceptsPicture(width: Int, height: Int) -> Bool {
        (1...maximumDimension).contains(width) && (1...maximumDimension).contains(height)
    }
}

/// A point in time after which libavformat is asked to give up (through the interrupt callback),
/// in nanoseconds of the monotonic clock. Lives at a fixed address for the callback's sake.
final class Deadline {
    let nanoseconds = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
    /// The length of the current limit, for messages.
    private(set) var seconds = 0.0

    init() { nanoseconds.initialize(to: .max) }

    deinit { nanoseconds.deallocate() }

    /// Starts a limit of `seconds` from now: none for infinity, and no time at all for 0 or less.
    func start(_ seconds: Double) {
        self.seconds = seconds
        guard seconds > 0 else {
            nanoseconds.pointee = 0
            return
        }
        let span = min(seconds * 1e9, Double(UInt64.max / 4))
        nanoseconds.pointee = DispatchTime.now().uptimeNanoseconds &+ UInt64(span)
    }

    var hasPassed: Bool { DispatchTime.now().uptimeNanoseconds > nanoseconds.pointee }

    /// The callback libavformat polls: nonzero asks it to stop (it then fails with AVERROR_EXIT).
    var interruptCallback: AVIOInterruptCB {
        AVIOInterruptCB(callback: { opaque in
            guard let opaque else { return 0 }
            return DispatchTime.now().uptimeNanoseconds > opaque.load(as: UInt64.self) ? 1 : 0
        }, opaque: UnsafeMutableRawPointer(nanoseconds))
    }

    /// How long the current limit was, in words.
    var limitDescription: String { String(format: "%g s", seconds) }
}

/// `value` rounded down and clamped to Int64's range (0 for NaN): for timestamps worked out from a
/// file's values, which a corrupt file can make absurd.
func clampedTimestamp(_ value: Double) -> Int64 {
    guard !value.isNaN else { return 0 }
    if value >= 9.2e18 { return .max }
    if value <= -9.2e18 { return .min }
    return Int64(value.rounded(.down))
}

/// An opened input file (AVFormatContext), closed on deinit.
///
/// Opening is bounded by `openTimeout` seconds; each read through it (`FrameDecoder.next`, `seek`)
/// by `readTimeout` (by default `MediaLimits`' limits at the time of opening).
final class FormatInput {
    let context: UnsafeMutablePointer<AVFormatContext>
    let path: String
    /// The interrupt callback's deadline; outlives the context (it is freed after it).
    let deadline: Deadline
    let readTimeout: Double

    /// `readsStreamInfo` false skips `avformat_find_stream_info`, which decodes a picture to learn
    /// its format: for a still image, whose one picture is decoded next anyway, that is the whole
    /// decode twice.
    init(path: String, openTimeout: Double = MediaLimits.openTimeout, readTimeout: Double = MediaLimits.readTimeout,
         readsStreamInfo: Bool = true) throws {
        let deadline = Deadline()
        guard let allocated = avformat_alloc_context() else { throw MediaError("out of memory opening \(path)") }
        // Set before avformat_open_input, which copies it into the file's I/O context.
        allocated.pointee.interrupt_callback = deadline.interruptCallback
        deadline.start(openTimeout)
        var context: UnsafeMutablePointer<AVFormatContext>? = allocated
        // On failure avformat_open_input frees the context.
        let status = avformat_open_input(&context, path, nil, nil)
        guard status >= 0, let context else {
            if deadline.hasPassed {
                throw MediaError("cannot open \(path): gave up after \(deadline.limitDescription) (the time limit for opening media)")
            }
            throw MediaError.libav("cannot open \(path)", status)
        }
        let infoStatus = readsStreamInfo ? avformat_find_stream_info(context, nil) : 0
        guard infoStatus >= 0, !deadline.hasPassed else {
            var closing: UnsafeMutablePointer<AVFormatContext>? = context
            avformat_close_input(&closing)
            if deadline.hasPassed {
                throw MediaError("cannot read the streams of \(path): gave up after \(deadline.limitDescription) (the time limit for opening media)")
            }
            throw MediaError.libav("cannot read the streams of \(path)", infoStatus)
        }
        // Only now, when nothing can fail any more: deinit closes the context.
        self.context = context
        self.path = path
        self.deadline = deadline
        self.readTimeout = readTimeout
        deadline.start(readTimeout)
    }

    deinit {
        var closing: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&closing)
    }

    var streams: [UnsafeMutablePointer<AVStream>] {
        (0..<Int(context.pointee.nb_streams)).compactMap { context.pointee.streams[$0] }
    }

    /// The index of the best stream of `type`, if there is one.
    func bestStream(_ type: AVMediaType) -> Int? {
        let index = av_find_best_stream(context, type, -1, -1, nil, 0)
        return index >= 0 ? Int(index) : nil
    }

    /// Seeks stream `streamIndex` to the keyframe at or before `timestamp` (in its time base), within
    /// the read time limit; false when the input cannot seek there.
    func seek(stream streamIndex: Int, to timestamp: Int64) -> Bool {
        deadline.start(readTimeout)
        return av_seek_frame(context, Int32(streamIndex), timestamp, AVSEEK_FLAG_BACKWARD) >= 0
    }
}

/// An opened decoder for one stream (AVCodecContext), freed on deinit.
final class StreamDecoder {
    let context: UnsafeMutablePointer<AVCodecContext>
    let streamIndex: Int

    /// `threads` 0 decodes on every core: frame threads for codecs that have them (H.264, HEVC,
    /// VP9), slices otherwise. Each frame thread holds pictures of its own.
    init(input: FormatInput, streamIndex: Int, threads: Int = 0) throws {
        let stream = input.context.pointee.streams[streamIndex]!
        guard let codec = Self.decoder(for: stream) else {
            throw MediaError("no decoder for the codec of stream \(streamIndex) in \(input.path)")
        }
        guard let context = avcodec_alloc_context3(codec) else { throw MediaError("out of memory") }
        self.context = context
        self.streamIndex = streamIndex
        var status = avcodec_parameters_to_context(context, stream.pointee.codecpar)
        guard status >= 0 else { throw MediaError.libav("bad codec parameters in \(input.path)", status) }
        context.pointee.pkt_timebase = stream.pointee.time_base
        context.pointee.thread_count = Int32(max(0, threads))
        context.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        status = avcodec_open2(context, codec, nil)
        guard status >= 0 else { throw MediaError.libav("cannot open the decoder for \(input.path)", status) }
    }

    deinit {
        var freeing: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&freeing)
    }

    /// The decoder for `stream`: libavcodec's own for its codec, except VP9 with alpha (a WebM
    /// track marked `alpha_mode` 1, the alpha in each block's BlockAdditional), which needs
    /// libvpx's decoder: the native one drops the alpha.
    static func decoder(for stream: UnsafeMutablePointer<AVStream>) -> UnsafePointer<AVCodec>? {
        let parameters = stream.pointee.codecpar.pointee
        if parameters.codec_id == AV_CODEC_ID_VP9, hasAlphaTrack(stream), let libvpx = avcodec_find_decoder_by_name("libvpx-vp9") {
            return libvpx
        }
        return avcodec_find_decoder(parameters.codec_id)
    }

    /// Whether the container marks `stream` as carrying alpha beside its picture (WebM's `alpha_mode`).
    static func hasAlphaTrack(_ stream: UnsafeMutablePointer<AVStream>) -> Bool {
        guard let entry = av_dict_get(stream.pointee.metadata, "alpha_mode", nil, 0), let value = entry.pointee.value else { return false }
        return String(cString: value) == "1"
    }
}

/// An AVFrame, freed on deinit.
final class FrameBuffer {
    let frame: UnsafeMutablePointer<AVFrame>

    init() {
        frame = av_frame_alloc()!
    }

    deinit {
        var freeing: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&freeing)
    }
}

/// An AVPacket, freed on deinit.
final class PacketBuffer {
    let packet: UnsafeMutablePointer<AVPacket>

    init() {
        packet = av_packet_alloc()!
    }

    deinit {
        var freeing: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&freeing)
    }
}

/// Reads and decodes the frames of one stream in order.
///
/// Each frame must come within `MediaLimits.readTimeout` seconds and
/// `MediaLimits.maximumPacketsWithoutFrame` packets of the stream, so that no input, however
/// corrupt, keeps a decoder busy without end.
final class FrameDecoder {
    let input: FormatInput
    let decoder: StreamDecoder
    private let packet = PacketBuffer()
    private var draining = false
    private var finished = false
    /// Packets of the stream sent since the decoder last gave a frame.
    private var packetsWithoutFrame = 0

    init(input: FormatInput, streamIndex: Int, threads: Int = 0) throws {
        self.input = input
        decoder = try StreamDecoder(input: input, streamIndex: streamIndex, threads: threads)
    }

    /// Forgets the end of the stream after a seek.
    func restart() {
        draining = false
        finished = false
        packetsWithoutFrame = 0
    }

    /// Decodes the next frame into `frame`; false at the end of the stream.
    func next(into frame: FrameBuffer) throws -> Bool {
        let deadline = input.deadline
        deadline.start(input.readTimeout)
        while !finished {
            let received = avcodec_receive_frame(decoder.context, frame.frame)
            if received >= 0 {
                packetsWithoutFrame = 0
                return true
            }
            if received == reel_averror_eof() {
                finished = true
                break
            }
            guard received == reel_averror_eagain() else {
                throw MediaError.libav("cannot decode \(input.path)", received)
            }
            if draining {
                finished = true
                break
            }
            guard !deadline.hasPassed else {
                throw MediaError("cannot decode \(input.path): no frame within \(deadline.limitDescription) (the time limit for one read)")
            }
            let read = av_read_frame(input.context, packet.packet)
            if read < 0 {
                if deadline.hasPassed {
                    throw MediaError("cannot read \(input.path): gave up after \(deadline.limitDescription) (the time limit for one read)")
                }
                guard read == reel_averror_eof() else { throw MediaError.libav("cannot read \(input.path)", read) }
                draining = true
                avcodec_send_packet(decoder.context, nil)
                continue
            }
            defer { av_packet_unref(packet.packet) }
            guard Int(packet.packet.pointee.stream_index) == decoder.streamIndex else { continue }
            packetsWithoutFrame += 1
            guard packetsWithoutFrame <= MediaLimits.maximumPacketsWithoutFrame else {
                throw MediaError("cannot decode \(input.path): no frame from \(MediaLimits.maximumPacketsWithoutFrame) packets")
            }
            let sent = avcodec_send_packet(decoder.context, packet.packet)
            if sent < 0, sent != reel_averror_eagain() {
                throw MediaError.libav("corrupt data in \(input.path)", sent)
            }
        }
        return false
    }
}

/// FFmpeg's name for a pixel format.
func pixelFormatName(_ format: AVPixelFormat) -> String {
    av_get_pix_fmt_name(format).map { String(cString: $0) } ?? "unknown"
}

/// FFmpeg's own console messages.
public enum LibAVLogging {
    /// Shows only FFmpeg's errors (the default for the CLI), or everything with `verbose`.
    public static func configure(verbose: Bool) {
        av_log_set_level(verbose ? AV_LOG_INFO : AV_LOG_ERROR)
    }
}
