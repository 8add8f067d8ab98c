internal import CFFmpeg

/// What Reel sees in a media file.
public struct MediaInfo: Sendable, Codable {
    /// The container's name as libavformat knows it (e.g. "mov,mp4,m4a,3gp,3g2,mj2").
    public var formatName: String
    /// Seconds, or nil when the container does not say.
    public var duration: Double?
    public var streams: [StreamInfo]

    public var videoStreams: [StreamInfo] { streams.filter { $0.kind == .video } }
    public var audioStreams: [StreamInfo] { streams.filter { $0.kind == .audio } }
}

/// One stream of a media file.
public struct StreamInfo: Sendable, Codable {
    public enum Kind: String, Sendable, Codable { case video, audio, subtitle, data, other }

    public var index: Int
    public var kind: Kind
    public var codecName: String
    public var duration: Double?
    public var bitRate: Int
    // Video
    public var width: Int = 0
    public var height: Int = 0
    /// The average frame rate as numerator/denominator (0/0 when unknown).
    public var frameRateNumerator: Int = 0
    public var frameRateDenominator: Int = 0
    public var frameCount: Int = 0
    public var pixelFormat: String = ""
    public var colorPrimaries: String = ""
    public var colorTransfer: String = ""
    public var colorSpace: String = ""
    public var colorRange: String = ""
    /// Whether the picture has alpha: its pixel format has an alpha channel, or the container
    /// marks the track as carrying one beside it (VP9 in WebM, `alpha_mode`).
    public var hasAlpha = false
    // Audio
    public var sampleRate: Int = 0
    public var channels: Int = 0
    public var sampleFormat: String = ""
    /// Clockwise degrees a player turns the picture (from the display matrix).
    public var rotation: Int = 0

    public var frameRate: Double {
        frameRateDenominator == 0 ? 0 : Double(frameRateNumerator) / Double(frameRateDenominator)
    }
}

/// Reads a media file's container and stream properties through libavformat.
public enum MediaProbe {
    public static func probe(path: String) throws -> MediaInfo {
        let input = try FormatInput(path: path)
        let context = input.context.pointee
        let duration = context.duration > 0 ? Double(context.duration) / Double(AV_TIME_BASE) : nil
        let streams = input.streams.map { stream -> StreamInfo in
            let parameters = stream.pointee.codecpar.pointee
            let kind: StreamInfo.Kind = switch parameters.codec_type {
            case AVMEDIA_TYPE_VIDEO: .video
            case AVMEDIA_TYPE_AUDIO: .audio
            case AVMEDIA_TYPE_SUBTITLE: .subtitle
            case AVMEDIA_TYPE_DATA: .data
            default: .other
            }
            let timeBase = stream.pointee.time_base
            let streamDuration = stream.pointee.duration > 0 && timeBase.num > 0 && timeBase.den > 0
                ? Double(stream.pointee.duration) * Double(timeBase.num) / Double(timeBase.den) : nil
            var info = StreamInfo(index: Int(stream.pointee.index), kind: kind,
                                  codecName: String(cString: avcodec_get_name(parameters.codec_id)),
                                  duration: streamDuration, bitRate: Int(parameters.bit_rate))
            if kind == .video {
                info.width = Int(parameters.width)
                info.height = Int(parameters.height)
                info.frameRateNumerator = Int(stream.pointee.avg_frame_rate.num)
                info.frameRateDenominator = Int(stream.pointee.avg_frame_rate.den)
                info.frameCount = Int(stream.pointee.nb_frames)
                info.pixelFormat = pixelFormatName(AVPixelFormat(rawValue: parameters.format))
                info.colorPrimaries = name(av_color_primaries_name(parameters.color_primaries))
                info.colorTransfer = name(av_color_transfer_name(parameters.color_trc))
                info.colorSpace = name(av_color_space_name(parameters.color_space))
                info.colorRange = name(av_color_range_name(parameters.color_range))
                info.rotation = VideoPlayer.rotation(of: stream)
                let descriptor = av_pix_fmt_desc_get(AVPixelFormat(rawValue: parameters.format))
                info.hasAlpha = StreamDecoder.hasAlphaTrack(stream)
                    || (descriptor.map { $0.pointee.flags & UInt64(AV_PIX_FMT_FLAG_ALPHA) != 0 } ?? false)
            } else if kind == .audio {
                info.sampleRate = Int(parameters.sample_rate)
                info.channels = Int(parameters.ch_layout.nb_channels)
                info.sampleFormat = av_get_sample_fmt_name(AVSampleFormat(rawValue: parameters.format)).map { String(cString: $0) } ?? ""
            }
            return info
        }
        let formatName = context.iformat.map { String(cString: $0.pointee.name) } ?? ""
        return MediaInfo(formatName: formatName, duration: duration, streams: streams)
    }

    private static func name(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? "unknown"
    }
}

/// One packet of a stream as the container stores it: its times in the stream's time base.
public struct PacketInfo: Sendable, Hashable {
    public var pts: Int64
    public var dts: Int64
    public var duration: Int64
    public var isKeyframe: Bool
    public var size: Int
    /// FNV-1a (64-bit) of the packet's bytes.
    public var checksum: UInt64
}

extension MediaProbe {
    /// The stream time base (numerator, denominator) and every packet, in file order, of the
    /// file's best stream of `kind` (video or audio): how the file was muxed, for tests and tools.
    public static func packets(path: String, kind: StreamInfo.Kind) throws -> (timeBase: (Int, Int), packets: [PacketInfo]) {
        let input = try FormatInput(path: path)
        guard kind == .video || kind == .audio,
              let index = input.bestStream(kind == .video ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO),
              let stream = input.context.pointee.streams[index] else {
            throw MediaError("no \(kind.rawValue) stream in \(path)")
        }
        guard let packet = av_packet_alloc() else { throw MediaError("out of memory") }
        defer {
            var freed: UnsafeMutablePointer<AVPacket>? = packet
            av_packet_free(&freed)
        }
        var packets: [PacketInfo] = []
        while true {
            let status = av_read_frame(input.context, packet)
            if status == reel_averror_eof() { break }
            guard status >= 0 else { throw MediaError.libav("cannot read \(path)", status) }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == index else { continue }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            if let data = packet.pointee.data {
                for byte in UnsafeBufferPointer(start: data, count: Int(packet.pointee.size)) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            }
            packets.append(PacketInfo(pts: packet.pointee.pts, dts: packet.pointee.dts, duration: packet.pointee.duration,
                                      isKeyframe: packet.pointee.flags & AV_PKT_FLAG_KEY != 0, size: Int(packet.pointee.size),
                                      checksum: hash))
        }
        return ((Int(stream.pointee.time_base.num), Int(stream.pointee.time_base.den)), packets)
    }
}

/// Decodes the frames of a file's video stream, in order, to premultiplied RGBA.
public final class VideoFrameReader {
    private let decoder: FrameDecoder
    private let frame = FrameBuffer()

    public init(path: String) throws {
        let input = try FormatInput(path: path)
        guard let stream = input.bestStream(AVMEDIA_TYPE_VIDEO) else { throw MediaError("no video stream in \(path)") }
        decoder = try FrameDecoder(input: input, streamIndex: stream)
    }

    /// The pixel format of the last frame decoded (e.g. "yuva420p"), empty before the first.
    public private(set) var pixelFormat = ""

    /// The next frame, or nil at the end of the stream.
    public func nextFrame() throws -> Raster? {
        guard try decoder.next(into: frame) else { return nil }
        defer { av_frame_unref(frame.frame) }
        pixelFormat = pixelFormatName(AVPixelFormat(rawValue: frame.frame.pointee.format))
        let (width, height) = (Int(frame.frame.pointee.width), Int(frame.frame.pointee.height))
        guard MediaLimits.acceptsPicture(width: width, height: height) else {
            throw MediaError("the video decodes to a \(width)×\(height) picture")
        }
        return try PixelConversion.premultipliedRaster(from: frame.frame)
    }
}

public import Compositor
