import Foundation
internal import CFFmpeg
public import Timeline

/// Joins pieces of one video encoded separately (a segmented render's segments) and the sound
/// encoded once for all of them into one MP4, by stream copy: packets are read with
/// libavformat, their timestamps moved to the piece's place, and written again with
/// `+faststart` as `MovieWriter` writes a whole render. Nothing is decoded or encoded.
public enum MovieJoiner {
    /// One piece of the video: a file with one video stream whose timestamps start at 0 (an MP4
    /// that `MovieWriter` wrote without sound).
    public struct Part: Sendable {
        public var path: String
        /// Where its first picture goes in the joined video, in frames of the video's rate.
        public var firstFrame: Int
        /// The pictures it must hold: frames 0 ..< frameCount of it, each exactly once.
        public var frameCount: Int
        /// The "comment" tag it must carry (what the segment is: its place in a plan and the
        /// encoder's settings), or nil for any.
        public var tag: String?

        public init(path: String, firstFrame: Int, frameCount: Int, tag: String? = nil) {
            self.path = path
            self.firstFrame = firstFrame
            self.frameCount = frameCount
            self.tag = tag
        }
    }

    /// Writes `parts` one after another, and the sound stream of `sound` (a file with one audio
    /// stream: `MovieWriter(soundOnlyPath:…)`) when given, into the MP4 `path` (written beside it
    /// and renamed when complete). The video's parameters (codec, size, colour tags, extradata)
    /// come from the first part; a part whose parameters differ, whose tag is not the one asked,
    /// or whose pictures are not exactly its frames 0 ..< frameCount (one each, the first a
    /// keyframe) is refused, and so is a sound file whose "comment" tag is not `soundTag` (when
    /// given). `frameRate` is the rate the parts were encoded at.
    public static func join(parts: [Part], sound: String?, soundTag: String? = nil, frameRate: FrameRate, to path: String) throws {
        guard !parts.isEmpty else { throw EncoderError("nothing to join: no video segments") }
        for (index, part) in parts.enumerated() where part.firstFrame < 0 || part.frameCount < 1 {
            throw EncoderError("segment \(index) must start at frame 0 or later and hold a frame or more")
        }
        let sources = try parts.enumerated().map { index, part in
            do {
                return try PacketSource(path: part.path, kind: AVMEDIA_TYPE_VIDEO)
            } catch {
                throw EncoderError("segment \(index) (\(part.path)): \(error)")
            }
        }
        for (index, (part, source)) in zip(parts, sources).enumerated() {
            if let expected = part.tag, source.comment != expected {
                throw EncoderError("segment \(index) (\(part.path)) is not the segment asked for: it is "
                                   + "\"\(source.comment ?? "untagged")\", expected \"\(expected)\"")
            }
            if index > 0, let difference = source.differences(from: sources[0]) {
                throw EncoderError("segment \(index) (\(part.path)) was encoded differently from segment 0: \(difference)")
            }
        }
        let soundSource = try sound.map { try PacketSource(path: $0, kind: AVMEDIA_TYPE_AUDIO) }
        if let soundSource, let soundTag, soundSource.comment != soundTag {
            throw EncoderError("the sound file (\(soundSource.path)) is not the one asked for: it is "
                               + "\"\(soundSource.comment ?? "untagged")\", expected \"\(soundTag)\"")
        }

        let partial = path + ".partial"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let output = try JoinedOutput(path: partial, video: sources[0], sound: soundSource, frameRate: frameRate)
        let frameTimeBase = AVRational(num: Int32(frameRate.denominator), den: Int32(frameRate.numerator))
        let videoTimeBase = output.videoTimeBase

        // The video packets of every part in turn, moved to their place, merged with the sound
        // packets by decoding time.
        var pendingSound = try soundSource.flatMap { source in try source.next().map { _ in source } }
        for (index, (part, source)) in zip(parts, sources).enumerated() {
            var seen = [Bool](repeating: false, count: part.frameCount)
            let offset = av_rescale_q(Int64(part.firstFrame), frameTimeBase, videoTimeBase)
            guard Int64(part.firstFrame) * Int64(frameTimeBase.num) * Int64(videoTimeBase.den)
                    == offset * Int64(videoTimeBase.num) * Int64(frameTimeBase.den) else {
                throw EncoderError("frame \(part.firstFrame) has no exact time in the time base \(videoTimeBase.num)/\(videoTimeBase.den)")
            }
            var count = 0
            while try source.next() != nil {
                let packet = source.packet
                let frame = av_rescale_q(packet.pointee.pts, source.timeBase, frameTimeBase)
                guard packet.pointee.pts != reel_av_nopts_value(), packet.pointee.dts != reel_av_nopts_value(),
                      av_rescale_q(frame, frameTimeBase, source.timeBase) == packet.pointee.pts,
                      (0..<Int64(part.frameCount)).contains(frame), !seen[Int(frame)] else {
                    throw EncoderError("segment \(index) (\(part.path)): picture \(count) has the time "
                                       + "\(packet.pointee.pts) × \(source.timeBase.num)/\(source.timeBase.den) s, "
                                       + "not one of its frames 0 ..< \(part.frameCount), each once")
                }
                if count == 0, packet.pointee.flags & AV_PKT_FLAG_KEY == 0 {
                    throw EncoderError("segment \(index) (\(part.path)) does not start with a keyframe")
                }
                seen[Int(frame)] = true
                count += 1
                av_packet_rescale_ts(packet, source.timeBase, videoTimeBase)
                packet.pointee.pts += offset
                packet.pointee.dts += offset
                // Sound due before this picture goes first.
                while let sound = pendingSound,
                      av_compare_ts(sound.packet.pointee.dts, sound.timeBase, packet.pointee.dts, videoTimeBase) <= 0 {
                    try output.writeSound(sound.packet, from: sound.timeBase)
                    pendingSound = try sound.next() == nil ? nil : sound
                }
                try output.writeVideo(packet)
            }
            guard count == part.frameCount else {
                throw EncoderError("segment \(index) (\(part.path)) has \(count) pictures, not \(part.frameCount)")
            }
        }
        while let sound = pendingSound {
            try output.writeSound(sound.packet, from: sound.timeBase)
            pendingSound = try sound.next() == nil ? nil : sound
        }
        try output.finish()
        do {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: partial, toPath: path)
        } catch {
            throw EncoderError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}

/// The packets of one stream of a file, read in order; the file is closed on deinit.
private final class PacketSource {
    private var context: UnsafeMutablePointer<AVFormatContext>?
    let stream: UnsafeMutablePointer<AVStream>
    let packet = av_packet_alloc()!
    let path: String

    init(path: String, kind: AVMediaType) throws {
        self.path = path
        var context: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_open_input(&context, path, nil, nil), "cannot open \(path)")
        guard let opened = context else { throw EncoderError("cannot open \(path)") }
        // Until the stream is found, a failure closes the file here (deinit runs only after).
        func fail(_ error: EncoderError) -> EncoderError {
            avformat_close_input(&context)
            return error
        }
        let status = avformat_find_stream_info(opened, nil)
        guard status >= 0 else { throw fail(EncoderError.libav("cannot read the streams of \(path)", status)) }
        let streams = (0..<Int(opened.pointee.nb_streams)).compactMap { opened.pointee.streams[$0] }
        guard streams.count == 1, let stream = streams.first, stream.pointee.codecpar.pointee.codec_type == kind else {
            throw fail(EncoderError("\(path) must hold exactly one \(kind == AVMEDIA_TYPE_VIDEO ? "video" : "audio") stream"))
        }
        guard stream.pointee.time_base.num > 0, stream.pointee.time_base.den > 0 else {
            throw fail(EncoderError("\(path) has no usable time base"))
        }
        self.context = opened
        self.stream = stream
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&packet)
        avformat_close_input(&context)
    }

    var timeBase: AVRational { stream.pointee.time_base }

    /// The file's "comment" tag.
    var comment: String? {
        av_dict_get(context?.pointee.metadata, "comment", nil, 0).map { String(cString: $0.pointee.value) }
    }

    /// Reads the stream's next packet into `packet`; nil at the end of the file.
    func next() throws -> UnsafeMutablePointer<AVPacket>? {
        av_packet_unref(packet)
        while true {
            let status = av_read_frame(context, packet)
            if status == reel_averror_eof() { return nil }
            try check(status, "cannot read \(path)")
            if packet.pointee.stream_index == stream.pointee.index { return packet }
            av_packet_unref(packet)
        }
    }

    /// What makes this stream's encoding differ from `other`'s, in words, or nil when the two
    /// can follow each other in one stream.
    func differences(from other: PacketSource) -> String? {
        let a = stream.pointee.codecpar.pointee, b = other.stream.pointee.codecpar.pointee
        if a.codec_id != b.codec_id {
            return "codec \(String(cString: avcodec_get_name(a.codec_id))), not \(String(cString: avcodec_get_name(b.codec_id)))"
        }
        if a.width != b.width || a.height != b.height { return "\(a.width)×\(a.height) pictures, not \(b.width)×\(b.height)" }
        if a.format != b.format { return "another pixel format" }
        if a.color_primaries != b.color_primaries || a.color_trc != b.color_trc || a.color_space != b.color_space
            || a.color_range != b.color_range {
            return "other colour tags"
        }
        if a.codec_tag != b.codec_tag { return "another codec tag" }
        if av_cmp_q(timeBase, other.timeBase) != 0 { return "another time base" }
        let extradata = { (p: AVCodecParameters) -> [UInt8] in
            guard let data = p.extradata, p.extradata_size > 0 else { return [] }
            return Array(UnsafeBufferPointer(start: data, count: Int(p.extradata_size)))
        }
        if extradata(a) != extradata(b) { return "other codec parameters (the extradata, SPS/PPS, differ)" }
        return nil
    }
}

/// The joined MP4 being written.
private final class JoinedOutput {
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private let video: UnsafeMutablePointer<AVStream>
    private let sound: UnsafeMutablePointer<AVStream>?
    private let path: String
    private var isOpen = false

    init(path: String, video source: PacketSource, sound soundSource: PacketSource?, frameRate: FrameRate) throws {
        self.path = path
        var context: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_alloc_output_context2(&context, nil, "mp4", path), "cannot create an mp4 muxer")
        guard let context else { throw EncoderError("cannot create an mp4 muxer") }
        self.context = context
        func copy(_ source: PacketSource) throws -> UnsafeMutablePointer<AVStream> {
            guard let stream = avformat_new_stream(context, nil) else { throw EncoderError("out of memory") }
            try check(avcodec_parameters_copy(stream.pointee.codecpar, source.stream.pointee.codecpar), "cannot copy the stream parameters")
            stream.pointee.time_base = source.timeBase
            return stream
        }
        video = try copy(source)
        video.pointee.avg_frame_rate = AVRational(num: Int32(frameRate.numerator), den: Int32(frameRate.denominator))
        sound = try soundSource.map(copy)
        try check(avio_open(&context.pointee.pb, path, AVIO_FLAG_WRITE), "cannot write \(path)")
        isOpen = true
        var options: OpaquePointer?
        av_dict_set(&options, "movflags", "+faststart", 0)
        defer { av_dict_free(&options) }
        try check(avformat_write_header(context, &options), "cannot write the mp4 header")
    }

    deinit {
        if isOpen, let context, context.pointee.pb != nil { avio_closep(&context.pointee.pb) }
        avformat_free_context(context)
    }

    /// The video stream's time base, as the muxer chose it.
    var videoTimeBase: AVRational { video.pointee.time_base }

    /// Writes a video packet whose times are in `videoTimeBase`.
    func writeVideo(_ packet: UnsafeMutablePointer<AVPacket>) throws {
        packet.pointee.stream_index = video.pointee.index
        packet.pointee.pos = -1
        try check(av_interleaved_write_frame(context, packet), "cannot write to \(path)")
    }

    /// Writes a sound packet whose times are in `timeBase`.
    func writeSound(_ packet: UnsafeMutablePointer<AVPacket>, from timeBase: AVRational) throws {
        guard let sound else { return }
        av_packet_rescale_ts(packet, timeBase, sound.pointee.time_base)
        packet.pointee.stream_index = sound.pointee.index
        packet.pointee.pos = -1
        try check(av_interleaved_write_frame(context, packet), "cannot write to \(path)")
    }

    /// Writes the index (moved to the front) and closes the file.
    func finish() throws {
        try check(av_write_trailer(context), "cannot finish \(path)")
        if let context { avio_closep(&context.pointee.pb) }
        isOpen = false
    }
}
