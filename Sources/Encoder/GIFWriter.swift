import Foundation
internal import CFFmpeg
public import Compositor
public import Timeline

/// One 256-colour palette for a whole animated GIF, made by libavfilter's `palettegen` from every
/// frame (the first of a GIF's two passes; `GIFWriter` is the second).
///
/// `stats_mode=full` counts each colour over all the frames, so the palette favours what is on
/// screen longest. With `keepsAlpha` one entry is kept for transparency (255 colours are left).
public final class GIFPaletteBuilder {
    private let graph: FilterGraph
    private let source: OpaquePointer
    private let sink: OpaquePointer
    private let input: OwnedFrame
    private let keepsAlpha: Bool
    private var frames: Int64 = 0

    public init(width: Int, height: Int, frameRate: FrameRate, keepsAlpha: Bool) throws {
        self.keepsAlpha = keepsAlpha
        graph = try FilterGraph()
        source = try graph.source(name: "frames", width: width, height: height, pixelFormat: AV_PIX_FMT_BGRA,
                                  timeBase: GIFWriter.timeBase(frameRate))
        let palettegen = try graph.add("palettegen", name: "palettegen",
                                       options: "max_colors=256:reserve_transparent=\(keepsAlpha ? 1 : 0):stats_mode=full")
        sink = try graph.add("buffersink", name: "palette")
        try graph.link(source, to: palettegen)
        try graph.link(palettegen, to: sink)
        try graph.configure()
        input = try OwnedFrame()
    }

    /// Counts the colours of one frame (premultiplied; straightened when alpha is kept).
    public func add(_ frame: Raster) throws {
        try input.fill(from: frame, keepsAlpha: keepsAlpha, pts: frames)
        frames += 1
        try graph.push(input.frame, into: source)
    }

    /// The palette of every frame added.
    public func finish() throws -> GIFPalette {
        guard frames > 0 else { throw EncoderError("a GIF needs at least one frame") }
        try graph.push(nil, into: source)
        let palette = try OwnedFrame()
        guard try graph.pull(from: sink, into: palette.frame) else { throw EncoderError("palettegen made no palette") }
        return GIFPalette(frame: palette)
    }
}

/// A GIF palette: libavfilter's 16 × 16 picture of it.
public final class GIFPalette {
    let frame: OwnedFrame

    init(frame: OwnedFrame) {
        self.frame = frame
    }
}

/// Writes an animated GIF (libavcodec's GIF encoder, libavformat's GIF muxer, looping forever)
/// whose frames are mapped to one palette by libavfilter's `paletteuse`, dithered with
/// `sierra2_4a` error diffusion; `diff_mode=rectangle` dithers again only the rectangle that
/// changed from the frame before, so still areas do not shimmer and compress well.
///
/// GIF counts time in hundredths of a second: frame n is shown from round(100 · n / rate) cs, so
/// the delays vary by a hundredth to keep the total exact (3, 4, 3 cs … at 30 fps). Browsers show
/// delays under 2 cs as 10 cs, so a GIF has at most 50 frames a second (`frameStep(for:)`).
public final class GIFWriter {
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private let stream: UnsafeMutablePointer<AVStream>
    private let graph: FilterGraph
    private let frames: OpaquePointer
    private let sink: OpaquePointer
    private let input: OwnedFrame
    private let mapped: OwnedFrame
    private let packet: UnsafeMutablePointer<AVPacket>
    private let keepsAlpha: Bool
    private var framesWritten: Int64 = 0
    private var framesEncoded: Int64 = 0
    private var isOpen = true
    public let path: String

    /// The highest frame rate a GIF gets: browsers stretch shorter delays to a tenth of a second.
    public static let maximumFrameRate = 50

    /// Every how many timeline frames a GIF takes one: 1 up to 50 fps, 2 up to 100 (60 fps
    /// becomes 30), and so on.
    public static func frameStep(for rate: FrameRate) -> Int {
        max(1, Int((rate.framesPerSecond / Double(maximumFrameRate) - 1e-9).rounded(.up)))
    }

    static func timeBase(_ rate: FrameRate) -> AVRational {
        AVRational(num: Int32(clamping: rate.denominator), den: Int32(clamping: rate.numerator))
    }

    /// Opens `path` for `frameCount` frames of width × height at `frameRate` (the GIF's own
    /// rate), mapped to `palette`. `keepsAlpha` makes pixels under half opacity transparent;
    /// `dithers` false maps each pixel to its nearest colour (for tests).
    public init(path: String, width: Int, height: Int, frameRate: FrameRate, frameCount: Int, palette: GIFPalette,
                keepsAlpha: Bool, dithers: Bool = true) throws {
        guard (1...65535).contains(width), (1...65535).contains(height) else { throw EncoderError("a GIF cannot be \(width)×\(height)") }
        guard frameCount > 0 else { throw EncoderError("a GIF needs at least one frame") }
        self.path = path
        self.keepsAlpha = keepsAlpha
        let timeBase = Self.timeBase(frameRate)
        graph = try FilterGraph()
        frames = try graph.source(name: "frames", width: width, height: height, pixelFormat: AV_PIX_FMT_BGRA, timeBase: timeBase)
        let paletteSize = (Int(palette.frame.frame.pointee.width), Int(palette.frame.frame.pointee.height))
        let paletteSource = try graph.source(name: "palette", width: paletteSize.0, height: paletteSize.1,
                                             pixelFormat: AVPixelFormat(rawValue: palette.frame.frame.pointee.format), timeBase: timeBase)
        let paletteuse = try graph.add("paletteuse", name: "paletteuse",
                                       options: "dither=\(dithers ? "sierra2_4a" : "none"):diff_mode=rectangle:alpha_threshold=128")
        sink = try graph.add("buffersink", name: "gif")
        try graph.link(frames, to: paletteuse, 0)
        try graph.link(paletteSource, to: paletteuse, 1)
        try graph.link(paletteuse, to: sink)
        try graph.configure()
        // The palette goes in once, at the start; paletteuse keeps using it after its stream ends.
        let paletteCopy = try OwnedFrame()
        try check(av_frame_ref(paletteCopy.frame, palette.frame.frame), "out of memory for the palette")
        paletteCopy.frame.pointee.pts = 0
        try graph.push(paletteCopy.frame, into: paletteSource)
        try graph.push(nil, into: paletteSource)
        input = try OwnedFrame()
        mapped = try OwnedFrame()
        guard let packet = av_packet_alloc() else { throw EncoderError("out of memory for a packet") }
        self.packet = packet

        var format: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_alloc_output_context2(&format, nil, "gif", path), "cannot create a GIF muxer")
        guard let format else { throw EncoderError("cannot create a GIF muxer") }
        self.format = format
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_GIF) else { throw EncoderError("this FFmpeg has no GIF encoder") }
        guard let encoder = avcodec_alloc_context3(codec) else { throw EncoderError("out of memory") }
        self.encoder = encoder
        encoder.pointee.width = Int32(width)
        encoder.pointee.height = Int32(height)
        encoder.pointee.pix_fmt = AV_PIX_FMT_PAL8
        encoder.pointee.time_base = timeBase
        encoder.pointee.framerate = AVRational(num: Int32(clamping: frameRate.numerator), den: Int32(clamping: frameRate.denominator))
        try check(avcodec_open2(encoder, codec, nil), "cannot open the GIF encoder")
        guard let stream = avformat_new_stream(format, nil) else { throw EncoderError("out of memory") }
        self.stream = stream
        stream.pointee.time_base = timeBase
        try check(avcodec_parameters_from_context(stream.pointee.codecpar, encoder), "cannot set the GIF stream parameters")
        try check(avio_open(&format.pointee.pb, path, AVIO_FLAG_WRITE), "cannot write \(path)")
        // The last frame's delay: from its start to the end of the last frame, in hundredths.
        func centiseconds(_ frame: Int) -> Int { Int((Double(frame) * 100 / frameRate.framesPerSecond).rounded()) }
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        av_dict_set(&options, "loop", "0", 0)
        av_dict_set(&options, "final_delay", "\(centiseconds(frameCount) - centiseconds(frameCount - 1))", 0)
        try check(avformat_write_header(format, &options), "cannot write the GIF header")
    }

    deinit {
        if isOpen, let format, format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
        var packet: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&packet)
        avcodec_free_context(&encoder)
        avformat_free_context(format)
    }

    /// The number of frames written so far.
    public var frameCount: Int { Int(framesWritten) }

    /// Maps one frame to the palette and encodes it.
    public func append(_ frame: Raster) throws {
        try input.fill(from: frame, keepsAlpha: keepsAlpha, pts: framesWritten)
        framesWritten += 1
        try graph.push(input.frame, into: frames)
        try drain()
    }

    /// Flushes the filters and the encoder and finishes the file.
    public func finish() throws {
        guard isOpen, let format, let encoder else { return }
        try graph.push(nil, into: frames)
        try drain()
        try encode(nil, encoder: encoder)
        try check(av_write_trailer(format), "cannot finish \(path)")
        avio_closep(&format.pointee.pb)
        isOpen = false
    }

    /// Encodes every frame the filters have ready.
    private func drain() throws {
        guard let encoder else { return }
        while try graph.pull(from: sink, into: mapped.frame) {
            defer { av_frame_unref(mapped.frame) }
            // One frame out for each in, in order: numbered in the encoder's time base.
            mapped.frame.pointee.pts = framesEncoded
            framesEncoded += 1
            try encode(mapped.frame, encoder: encoder)
        }
    }

    private func encode(_ frame: UnsafeMutablePointer<AVFrame>?, encoder: UnsafeMutablePointer<AVCodecContext>) throws {
        try check(avcodec_send_frame(encoder, frame), "the GIF encoder refused a frame")
        while true {
            let status = avcodec_receive_packet(encoder, packet)
            if status == reel_averror_eagain() || status == reel_averror_eof() { return }
            try check(status, "GIF encoding failed")
            packet.pointee.duration = 1
            av_packet_rescale_ts(packet, encoder.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = stream.pointee.index
            try check(av_interleaved_write_frame(format, packet), "cannot write to \(path)")
        }
    }
}
