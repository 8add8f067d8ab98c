internal import CFFmpeg

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

/// An opened input file (AVFormatContext), closed on deinit.
final class FormatInput {
    let context: UnsafeMutablePointer<AVFormatContext>
    let path: String

    init(path: String) throws {
        var context: UnsafeMutablePointer<AVFormatContext>?
        let status = avformat_open_input(&context, path, nil, nil)
        guard status >= 0, let context else { throw MediaError.libav("cannot open \(path)", status) }
        self.context = context
        self.path = path
        let infoStatus = avformat_find_stream_info(context, nil)
        guard infoStatus >= 0 else {
            var closing: UnsafeMutablePointer<AVFormatContext>? = context
            avformat_close_input(&closing)
            throw MediaError.libav("cannot read the streams of \(path)", infoStatus)
        }
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
}

/// An opened decoder for one stream (AVCodecContext), freed on deinit.
final class StreamDecoder {
    let context: UnsafeMutablePointer<AVCodecContext>
    let streamIndex: Int

    /// `threads` 0 decodes on every core: frame threads for codecs that have them (H.264, HEVC,
    /// VP9), slices otherwise. Each frame thread holds pictures of its own.
    init(input: FormatInput, streamIndex: Int, threads: Int = 0) throws {
        let stream = input.context.pointee.streams[streamIndex]!
        guard let codec = avcodec_find_decoder(stream.pointee.codecpar.pointee.codec_id) else {
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
final class FrameDecoder {
    let input: FormatInput
    let decoder: StreamDecoder
    private let packet = PacketBuffer()
    private var draining = false
    private var finished = false

    init(input: FormatInput, streamIndex: Int, threads: Int = 0) throws {
        self.input = input
        decoder = try StreamDecoder(input: input, streamIndex: streamIndex, threads: threads)
    }

    /// Forgets the end of the stream after a seek.
    func restart() {
        draining = false
        finished = false
    }

    /// Decodes the next frame into `frame`; false at the end of the stream.
    func next(into frame: FrameBuffer) throws -> Bool {
        while !finished {
            let received = avcodec_receive_frame(decoder.context, frame.frame)
            if received >= 0 { return true }
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
            let read = av_read_frame(input.context, packet.packet)
            if read < 0 {
                guard read == reel_averror_eof() else { throw MediaError.libav("cannot read \(input.path)", read) }
                draining = true
                avcodec_send_packet(decoder.context, nil)
                continue
            }
            defer { av_packet_unref(packet.packet) }
            guard Int(packet.packet.pointee.stream_index) == decoder.streamIndex else { continue }
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
