import Foundation
internal import CFFmpeg
public import Compositor
public import Timeline

/// Writes a movie: by default an MP4 of H.264 (libx264, yuv420p, BT.709 tags) and AAC (48 kHz
/// stereo), with the moov atom moved to the front so that players can start before the whole file
/// has arrived; HEVC in MP4, VP9 and Opus in WebM, ProRes 4444 and PCM in MOV with the settings
/// of `EncoderSettings(format:…)`, with alpha where the pixel format has it. Other codecs and
/// containers serve fixtures and benchmarks.
public final class MovieWriter {
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var video: UnsafeMutablePointer<AVCodecContext>?
    private var audio: UnsafeMutablePointer<AVCodecContext>?
    private var videoStream: UnsafeMutablePointer<AVStream>?
    private var audioStream: UnsafeMutablePointer<AVStream>?
    private let settings: EncoderSettings
    private var scaler: OpaquePointer?
    private let yuvFrame = av_frame_alloc()!
    /// Wraps the planar pictures handed over by reference.
    private let borrowedFrame = av_frame_alloc()!
    private let pixelFormat: AVPixelFormat
    private let audioFrame = av_frame_alloc()!
    /// Frames straightened (alpha divided out) for a pixel format with alpha, made when first needed.
    private var straightFrame: Raster?
    /// Whether the encoded pixel format has alpha: frames are straightened before conversion.
    private let keepsAlpha: Bool
    /// Samples an audio frame holds (the encoder's own size, or 1024 for PCM, which takes any).
    private var audioFrameSize = 1024
    /// Whether the sound's packets are moved later by the encoder's delay (WebM's Opus, below).
    private let startsSoundAtZero: Bool
    private let packet = av_packet_alloc()!
    private let width: Int
    private let height: Int
    private var framesWritten = 0
    private var samplesWritten = 0
    /// Samples waiting for a full AAC frame, per channel.
    private var pendingLeft: [Float] = []
    private var pendingRight: [Float] = []
    private var isOpen = true
    public let path: String

    /// Whether this FFmpeg has the video encoder `name` (e.g. "libx265", "libsvtav1").
    public static func hasEncoder(_ name: String) -> Bool {
        avcodec_find_encoder_by_name(name) != nil
    }

    /// Opens `path` for writing frames of width × height at `frameRate`. `metadata` becomes the
    /// container's tags (e.g. "comment"), where the muxer keeps them.
    public convenience init(path: String, width: Int, height: Int, frameRate: FrameRate, settings: EncoderSettings = EncoderSettings(),
                            metadata: [String: String] = [:]) throws {
        try self.init(path: path, picture: (width, height, frameRate), settings: settings, metadata: metadata)
    }

    /// Opens `path` for writing sound only (`settings.includesAudio` must be set): one audio stream
    /// encoded exactly as a movie with these settings encodes its sound, for a render whose
    /// pictures are encoded elsewhere and joined later (`MovieJoiner`).
    public convenience init(soundOnlyPath path: String, settings: EncoderSettings, metadata: [String: String] = [:]) throws {
        guard settings.includesAudio else { throw EncoderError("a sound-only file needs settings that include audio") }
        try self.init(path: path, picture: nil, settings: settings, metadata: metadata)
    }

    private init(path: String, picture: (width: Int, height: Int, frameRate: FrameRate)?, settings: EncoderSettings,
                 metadata: [String: String]) throws {
        let width = picture?.width ?? 0, height = picture?.height ?? 0
        guard width % 2 == 0, height % 2 == 0 else {
            throw EncoderError("H.264 4:2:0 needs even frame sizes; \(width)×\(height) is not")
        }
        self.path = path
        self.width = width
        self.height = height
        self.settings = settings
        startsSoundAtZero = settings.container == "webm"
        var format: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_alloc_output_context2(&format, nil, settings.container, path), "cannot create a \(settings.container) muxer")
        guard let format else { throw EncoderError("cannot create a \(settings.container) muxer") }
        self.format = format
        // WebM's segment and track ids are random unless asked to be exact: the same document
        // gives the same file.
        if settings.container == "webm" { format.pointee.flags |= AVFMT_FLAG_BITEXACT }
        let needsGlobalHeader = (format.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER) != 0
        let pixelFormat = av_get_pix_fmt(settings.pixelFormat)
        guard pixelFormat != AV_PIX_FMT_NONE else { throw EncoderError("unknown pixel format \(settings.pixelFormat)") }
        self.pixelFormat = pixelFormat
        keepsAlpha = av_pix_fmt_desc_get(pixelFormat).map { $0.pointee.flags & UInt64(AV_PIX_FMT_FLAG_ALPHA) != 0 } ?? false
        if let picture { try openVideo(format: format, frameRate: picture.frameRate, needsGlobalHeader: needsGlobalHeader) }
        if settings.includesAudio { try openAudio(format: format, needsGlobalHeader: needsGlobalHeader) }
        for (key, value) in metadata { av_dict_set(&format.pointee.metadata, key, value, 0) }

        try check(avio_open(&format.pointee.pb, path, AVIO_FLAG_WRITE), "cannot write \(path)")
        var options: OpaquePointer?
        if settings.container == "mp4" { av_dict_set(&options, "movflags", "+faststart", 0) }
        // The QuickTime muxer writes the colour tags (a `colr` atom) only when asked.
        if settings.container == "mov" { av_dict_set(&options, "movflags", settings.tagsColor ? "+faststart+write_colr" : "+faststart", 0) }
        defer { av_dict_free(&options) }
        try check(avformat_write_header(format, &options), "cannot write the \(settings.container) header")
        guard picture != nil else { return }

        // The RGB → Y'CbCr conversion, BT.709 matrix, limited range.
        scaler = sws_getContext(Int32(width), Int32(height), AV_PIX_FMT_RGBA, Int32(width), Int32(height), pixelFormat,
                                Int32(SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP), nil, nil, nil)
        guard scaler != nil else { throw EncoderError("cannot create the RGB to YUV converter") }
        sws_setColorspaceDetails(scaler, sws_getCoefficients(SWS_CS_DEFAULT), 1, sws_getCoefficients(SWS_CS_ITU709), 0,
                                 0, 1 << 16, 1 << 16)
        yuvFrame.pointee.format = pixelFormat.rawValue
        yuvFrame.pointee.width = Int32(width)
        yuvFrame.pointee.height = Int32(height)
        try check(av_frame_get_buffer(yuvFrame, 0), "out of memory for a video frame")
    }

    /// Adds the video stream: libx264 unless `settings.videoCodec` names another encoder.
    private func openVideo(format: UnsafeMutablePointer<AVFormatContext>, frameRate: FrameRate, needsGlobalHeader: Bool) throws {
        guard let codec = avcodec_find_encoder_by_name(settings.videoCodec) else {
            throw EncoderError("this FFmpeg has no \(settings.videoCodec) encoder")
        }
        video = avcodec_alloc_context3(codec)
        guard let video else { throw EncoderError("out of memory") }
        video.pointee.width = Int32(width)
        video.pointee.height = Int32(height)
        video.pointee.pix_fmt = pixelFormat
        video.pointee.time_base = settings.variableTimeScale.map { AVRational(num: 1, den: Int32($0)) }
            ?? AVRational(num: Int32(frameRate.denominator), den: Int32(frameRate.numerator))
        video.pointee.framerate = AVRational(num: Int32(frameRate.numerator), den: Int32(frameRate.denominator))
        if settings.tagsColor {
            video.pointee.color_primaries = AVCOL_PRI_BT709
            video.pointee.color_trc = AVCOL_TRC_BT709
            video.pointee.colorspace = AVCOL_SPC_BT709
            video.pointee.color_range = AVCOL_RANGE_MPEG
        }
        if needsGlobalHeader { video.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        video.pointee.thread_count = Int32(clamping: max(1, settings.threads ?? EncoderSettings.frameThreads(width: width, height: height)))
        // The longest run of pictures between two keyframes (x264's keyint); the encoder's own
        // default unless set.
        if let interval = settings.keyframeInterval { video.pointee.gop_size = Int32(clamping: max(1, interval)) }
        if ["libx264", "libx265"].contains(settings.videoCodec) {
            guard EncoderSettings.presets.contains(settings.preset) else {
                throw EncoderError("unknown x264 preset \"\(settings.preset)\"; expected one of \(EncoderSettings.presets.joined(separator: ", "))")
            }
            av_opt_set(video.pointee.priv_data, "preset", settings.preset, 0)
        }
        // Constant quality: no bit rate target (libvpx and libaom would otherwise cap the rate
        // at libavcodec's default 200 kb/s). Encoders without a CRF option ignore it.
        video.pointee.bit_rate = 0
        av_opt_set_double(video.pointee.priv_data, "crf", settings.crf, 0)
        if settings.videoCodec == "libx265" {
            // x265's output depends on its frame threads, like x264's: set by the picture size.
            av_opt_set(video.pointee.priv_data, "x265-params", "log-level=error:frame-threads=\(video.pointee.thread_count)", 0)
        }
        // SVT-AV1 prints its configuration to standard error unless told otherwise (2: warnings).
        if settings.videoCodec == "libsvtav1" { setenv("SVT_LOG", "2", 0) }
        for (name, value) in settings.codecOptions { av_opt_set(video.pointee.priv_data, name, value, 0) }
        try check(avcodec_open2(video, codec, nil), "cannot open \(settings.videoCodec)")
        guard let videoStream = avformat_new_stream(format, nil) else { throw EncoderError("out of memory") }
        self.videoStream = videoStream
        videoStream.pointee.time_base = video.pointee.time_base
        if settings.variableTimeScale == nil { videoStream.pointee.avg_frame_rate = video.pointee.framerate }
        try check(avcodec_parameters_from_context(videoStream.pointee.codecpar, video), "cannot set the video stream parameters")
        if let tag = settings.codecTag {
            let bytes = Array(tag.utf8)
            guard bytes.count == 4 else { throw EncoderError("a codec tag has four characters, not \"\(tag)\"") }
            videoStream.pointee.codecpar.pointee.codec_tag = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        }
        if settings.displayRotation % 360 != 0 {
            guard let matrix = av_stream_new_side_data(videoStream, AV_PKT_DATA_DISPLAYMATRIX, 9 * 4) else { throw EncoderError("out of memory") }
            // av_display_rotation_set takes counter-clockwise degrees, but this libavformat's MP4
            // muxer stores the matrix so that it reads back negated: a file written with +R probes
            // as rotation −R, which FFmpeg (and Reel) display turned R degrees clockwise, as phones
            // tag their portrait clips.
            av_display_rotation_set(UnsafeMutableRawPointer(matrix).assumingMemoryBound(to: Int32.self),
                                    Double(settings.displayRotation))
        }
    }

    /// Tags `frame` as the stream is tagged: encoders that write the colour into each frame's
    /// header (ProRes) read it from the frame, not from the stream's settings.
    private func tagColor(_ frame: UnsafeMutablePointer<AVFrame>) {
        guard settings.tagsColor else { return }
        frame.pointee.color_primaries = AVCOL_PRI_BT709
        frame.pointee.color_trc = AVCOL_TRC_BT709
        frame.pointee.colorspace = AVCOL_SPC_BT709
        frame.pointee.color_range = AVCOL_RANGE_MPEG
    }

    /// Adds the sound track: AAC unless `settings.audioCodec` names another encoder (libopus,
    /// pcm_s24le), in the first of the sample formats Reel writes that the encoder takes.
    private func openAudio(format: UnsafeMutablePointer<AVFormatContext>, needsGlobalHeader: Bool) throws {
        let found = settings.audioCodec == "aac" ? avcodec_find_encoder(AV_CODEC_ID_AAC) : avcodec_find_encoder_by_name(settings.audioCodec)
        guard let encoder = found else { throw EncoderError("this FFmpeg has no \(settings.audioCodec) encoder") }
        let sampleFormat = try Self.sampleFormat(for: encoder, named: settings.audioCodec)
        audio = avcodec_alloc_context3(encoder)
        guard let audio else { throw EncoderError("out of memory") }
        audio.pointee.sample_fmt = sampleFormat
        audio.pointee.sample_rate = Int32(EncoderSettings.audioSampleRate)
        reel_channel_layout_stereo(&audio.pointee.ch_layout)
        audio.pointee.bit_rate = Int64(settings.audioBitRate)
        audio.pointee.time_base = AVRational(num: 1, den: Int32(EncoderSettings.audioSampleRate))
        if needsGlobalHeader { audio.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        try check(avcodec_open2(audio, encoder, nil), "cannot open the \(settings.audioCodec) encoder")
        guard let audioStream = avformat_new_stream(format, nil) else { throw EncoderError("out of memory") }
        audioStream.pointee.time_base = audio.pointee.time_base
        try check(avcodec_parameters_from_context(audioStream.pointee.codecpar, audio), "cannot set the audio stream parameters")
        self.audioStream = audioStream
        if audio.pointee.frame_size > 0 { audioFrameSize = Int(audio.pointee.frame_size) }
        audioFrame.pointee.format = sampleFormat.rawValue
        audioFrame.pointee.nb_samples = Int32(audioFrameSize)
        audioFrame.pointee.sample_rate = audio.pointee.sample_rate
        reel_channel_layout_stereo(&audioFrame.pointee.ch_layout)
        try check(av_frame_get_buffer(audioFrame, 0), "out of memory for an audio frame")
    }

    /// The sample formats Reel writes, most preferred first: float planar (AAC), float
    /// interleaved (libopus), 32-bit and 16-bit interleaved integers (PCM).
    private static let writableSampleFormats = [AV_SAMPLE_FMT_FLTP, AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_S32, AV_SAMPLE_FMT_S16]

    private static func sampleFormat(for encoder: UnsafePointer<AVCodec>, named name: String) throws -> AVSampleFormat {
        var offered: [AVSampleFormat] = []
        if var format = encoder.pointee.sample_fmts {
            while format.pointee != AV_SAMPLE_FMT_NONE {
                offered.append(format.pointee)
                format += 1
            }
        }
        guard let chosen = writableSampleFormats.first(where: offered.contains) else {
            throw EncoderError("the \(name) encoder takes none of the sample formats Reel writes")
        }
        return chosen
    }

    deinit {
        if isOpen, let format {
            if format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
        }
        var packet: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&packet)
        var yuv: UnsafeMutablePointer<AVFrame>? = yuvFrame
        av_frame_free(&yuv)
        var borrowed: UnsafeMutablePointer<AVFrame>? = borrowedFrame
        av_frame_free(&borrowed)
        var audioFrame: UnsafeMutablePointer<AVFrame>? = audioFrame
        av_frame_free(&audioFrame)
        avcodec_free_context(&video)
        avcodec_free_context(&audio)
        avformat_free_context(format)
        sws_freeContext(scaler)
    }

    /// The number of video frames written so far.
    public var frameCount: Int { framesWritten }

    /// Encodes one frame. Its premultiplied colour is the picture over black: video has no alpha.
    public func append(_ frame: Raster) throws {
        try append(frame, timestamp: Int64(framesWritten))
    }

    /// Encodes one frame shown from `seconds` on (with `EncoderSettings.variableTimeScale`).
    public func append(_ frame: Raster, at seconds: Double) throws {
        guard let scale = settings.variableTimeScale else { preconditionFailure("timed frames need variableTimeScale") }
        try append(frame, timestamp: Int64((seconds * Double(scale)).rounded()))
    }

    private func append(_ frame: Raster, timestamp: Int64) throws {
        precondition(frame.width == width && frame.height == height, "frame size differs from the video")
        try check(av_frame_make_writable(yuvFrame), "video frame is not writable")
        // With alpha the colour goes in straight (alpha divided out), as ProRes 4444 and VP9
        // with alpha carry it; without, the premultiplied colour is the picture over black.
        let picture = keepsAlpha ? straightened(frame) : frame
        var source: [UnsafePointer<UInt8>?] = [UnsafePointer(picture.pixels), nil, nil, nil]
        var sourceStride: [Int32] = [Int32(frame.bytesPerRow), 0, 0, 0]
        withUnsafeMutablePointer(to: &yuvFrame.pointee.data) { data in
            withUnsafeMutablePointer(to: &yuvFrame.pointee.linesize) { linesize in
                data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { planes in
                    linesize.withMemoryRebound(to: Int32.self, capacity: 8) { strides in
                        _ = sws_scale(scaler, &source, &sourceStride, 0, Int32(height), planes, strides)
                    }
                }
            }
        }
        yuvFrame.pointee.pts = timestamp
        tagColor(yuvFrame)
        framesWritten += 1
        guard let video, let videoStream else { throw EncoderError("\(path) has no video stream") }
        try send(yuvFrame, to: video, stream: videoStream)
    }

    /// Encoders that copy each picture in as it is sent, so a frame lent to them comes back at once.
    /// (One that kept the caller's frames, as FFmpeg's native MPEG-4 encoder can for B-frames, would
    /// stall a renderer that recycles a small pool of them.)
    static let copyingEncoders: Set<String> = ["libx264", "libx265", "libvpx-vp9", "libaom-av1", "libsvtav1"]

    /// Whether frames can be handed over as `PlanarImage`s: the stream is 8-bit 4:2:0 and the
    /// encoder copies what it keeps.
    public var acceptsPlanarFrames: Bool {
        pixelFormat == AV_PIX_FMT_YUV420P && Self.copyingEncoders.contains(settings.videoCodec)
    }

    /// Encodes one Y'CbCr frame (the stream must be 8-bit 4:2:0) without copying it: the encoder
    /// holds `image` by reference and calls `released` once it no longer reads it (before this
    /// returns, for the encoders of `acceptsPlanarFrames`).
    public func append(_ image: PlanarImage, released: @escaping @Sendable () -> Void) throws {
        precondition(image.width == width && image.height == height, "frame size differs from the video")
        precondition(pixelFormat == AV_PIX_FMT_YUV420P, "the stream is not 8-bit 4:2:0")
        let handle = Unmanaged.passRetained(ReleaseHandle(image: image, released: released)).toOpaque()
        guard let buffer = av_buffer_create(image.storage.assumingMemoryBound(to: UInt8.self), image.byteCount, { opaque, _ in
            Unmanaged<ReleaseHandle>.fromOpaque(opaque!).takeRetainedValue().released()
        }, handle, 0) else {
            Unmanaged<ReleaseHandle>.fromOpaque(handle).release()
            throw EncoderError("out of memory for a video frame")
        }
        let frame = borrowedFrame
        defer { av_frame_unref(frame) }
        frame.pointee.buf.0 = buffer
        frame.pointee.format = pixelFormat.rawValue
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        let view = image.view
        frame.pointee.data.0 = view.luma.base
        frame.pointee.data.1 = view.blue.base
        frame.pointee.data.2 = view.red.base
        frame.pointee.linesize.0 = Int32(view.luma.stride)
        frame.pointee.linesize.1 = Int32(view.blue.stride)
        frame.pointee.linesize.2 = Int32(view.red.stride)
        frame.pointee.pts = Int64(framesWritten)
        tagColor(frame)
        framesWritten += 1
        guard let video, let videoStream else { throw EncoderError("\(path) has no video stream") }
        try send(frame, to: video, stream: videoStream)
    }

    /// `frame` with alpha divided out, in a raster kept for the next frame.
    private func straightened(_ frame: Raster) -> Raster {
        let straight = straightFrame ?? Raster(width: width, height: height)
        straightFrame = straight
        let count = width * height
        for i in 0..<count {
            let p = frame.pixels + 4 * i
            let s = Raster.straightened(SIMD4(p[0], p[1], p[2], p[3]))
            let q = straight.pixels + 4 * i
            (q[0], q[1], q[2], q[3]) = (s.x, s.y, s.z, s.w)
        }
        return straight
    }

    /// Appends stereo samples at 48 kHz (non-interleaved, in −1...1).
    public func appendAudio(left: [Float], right: [Float]) throws {
        precondition(left.count == right.count, "channels differ in length")
        guard audioStream != nil else {
            samplesAccepted += left.count
            return
        }
        pendingLeft += left
        pendingRight += right
        try flushAudio(final: false)
    }

    /// Appends `count` samples of silence.
    public func appendSilence(samples count: Int) throws {
        try appendAudio(left: [Float](repeating: 0, count: count), right: [Float](repeating: 0, count: count))
    }

    /// The number of audio samples accepted so far.
    public var audioSampleCount: Int { audioStream == nil ? samplesAccepted : samplesWritten + pendingLeft.count }
    private var samplesAccepted = 0

    private func flushAudio(final: Bool) throws {
        guard let audio, let audioStream else { return }
        let format = AVSampleFormat(rawValue: audioFrame.pointee.format)
        while pendingLeft.count >= audioFrameSize || (final && !pendingLeft.isEmpty) {
            let count = min(audioFrameSize, pendingLeft.count)
            try check(av_frame_make_writable(audioFrame), "audio frame is not writable")
            audioFrame.pointee.nb_samples = Int32(count)
            if format == AV_SAMPLE_FMT_FLTP {
                for (channel, samples) in [pendingLeft, pendingRight].enumerated() {
                    guard let plane = audioFrame.pointee.extended_data[channel] else { throw EncoderError("the audio frame has no plane \(channel)") }
                    samples.withUnsafeBufferPointer {
                        UnsafeMutableRawPointer(plane).assumingMemoryBound(to: Float.self).update(from: $0.baseAddress!, count: count)
                    }
                }
            } else {
                guard let data = audioFrame.pointee.extended_data[0] else { throw EncoderError("the audio frame has no samples") }
                Self.interleave(left: pendingLeft, right: pendingRight, count: count, format: format, into: UnsafeMutableRawPointer(data))
            }
            pendingLeft.removeFirst(count)
            pendingRight.removeFirst(count)
            audioFrame.pointee.pts = Int64(samplesWritten)
            samplesWritten += count
            try send(audioFrame, to: audio, stream: audioStream)
        }
    }

    /// The first `count` samples of both channels, interleaved in `format` (float, or integers
    /// scaled to full range and rounded, clipping at ±1).
    private static func interleave(left: [Float], right: [Float], count: Int, format: AVSampleFormat, into data: UnsafeMutableRawPointer) {
        func integer(_ sample: Float, scale: Double) -> Double { (Double(min(max(sample, -1), 1)) * scale).rounded() }
        switch format {
        case AV_SAMPLE_FMT_FLT:
            let out = data.assumingMemoryBound(to: Float.self)
            for i in 0..<count { (out[2 * i], out[2 * i + 1]) = (left[i], right[i]) }
        case AV_SAMPLE_FMT_S32:
            let out = data.assumingMemoryBound(to: Int32.self)
            for i in 0..<count {
                (out[2 * i], out[2 * i + 1]) = (Int32(integer(left[i], scale: 2_147_483_647)), Int32(integer(right[i], scale: 2_147_483_647)))
            }
        default:
            let out = data.assumingMemoryBound(to: Int16.self)
            for i in 0..<count { (out[2 * i], out[2 * i + 1]) = (Int16(integer(left[i], scale: 32767)), Int16(integer(right[i], scale: 32767))) }
        }
    }

    /// Flushes both encoders and writes the index. The file is complete only after this.
    public func finish() throws {
        guard isOpen else { return }
        if audioStream != nil { try flushAudio(final: true) }
        if let video, let videoStream { try send(nil, to: video, stream: videoStream) }
        if let audio, let audioStream { try send(nil, to: audio, stream: audioStream) }
        try check(av_write_trailer(format), "cannot finish \(path)")
        avio_closep(&format!.pointee.pb)
        isOpen = false
    }

    /// What a borrowed picture's buffer calls back when libavcodec lets go of it.
    private final class ReleaseHandle {
        let image: PlanarImage
        let released: @Sendable () -> Void

        init(image: PlanarImage, released: @escaping @Sendable () -> Void) {
            self.image = image
            self.released = released
        }
    }

    private func send(_ frame: UnsafeMutablePointer<AVFrame>?, to encoder: UnsafeMutablePointer<AVCodecContext>,
                      stream: UnsafeMutablePointer<AVStream>) throws {
        try check(avcodec_send_frame(encoder, frame), "the encoder refused a frame")
        while true {
            let status = avcodec_receive_packet(encoder, packet)
            if status == reel_averror_eagain() || status == reel_averror_eof() { return }
            try check(status, "encoding failed")
            if encoder == audio, startsSoundAtZero {
                // Opus's packets start before 0 by its encoder delay (312 samples), which WebM
                // stores as the track's CodecDelay, to be taken off every block's time. The blocks
                // go at their times plus that delay, so the first sound heard is at 0 with the
                // first picture; left negative, libavformat would shift every stream 6.5 ms later.
                let delay = Int64(encoder.pointee.initial_padding)
                if packet.pointee.pts != reel_av_nopts_value() { packet.pointee.pts += delay }
                if packet.pointee.dts != reel_av_nopts_value() { packet.pointee.dts += delay }
            }
            av_packet_rescale_ts(packet, encoder.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = stream.pointee.index
            try check(av_interleaved_write_frame(format, packet), "cannot write to \(path)")
        }
    }
}
