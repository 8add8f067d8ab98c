public import Foundation
internal import CFFmpeg
public import Compositor

/// Writes single frames as JPEG through libavcodec's MJPEG encoder: baseline JFIF, Y'CbCr 4:2:0 in
/// JPEG's own colour space (BT.601 matrix, full range, as JFIF defines it, from sRGB colour).
/// JPEG has no alpha: the premultiplied colour is the picture over black.
public enum JPEGWriter {
    /// The quantiser scale: 2 is near the best quality MJPEG gives (1 is larger for little gain).
    static let quality: Int32 = 2

    /// `raster` as JPEG file bytes.
    public static func encode(_ raster: Raster) throws -> Data {
        let (width, height) = (raster.width, raster.height)
        guard (1...65535).contains(width), (1...65535).contains(height) else { throw EncoderError("a JPEG cannot be \(width)×\(height)") }
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else { throw EncoderError("this FFmpeg has no JPEG encoder") }
        var context = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&context) }
        guard let context else { throw EncoderError("out of memory") }
        context.pointee.width = Int32(width)
        context.pointee.height = Int32(height)
        context.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        context.pointee.time_base = AVRational(num: 1, den: 25)
        context.pointee.color_range = AVCOL_RANGE_JPEG
        context.pointee.colorspace = AVCOL_SPC_BT470BG
        context.pointee.color_primaries = AVCOL_PRI_BT709
        context.pointee.color_trc = AVCOL_TRC_IEC61966_2_1
        context.pointee.flags |= AV_CODEC_FLAG_QSCALE
        context.pointee.global_quality = FF_QP2LAMBDA * quality
        try check(avcodec_open2(context, codec, nil), "cannot open the JPEG encoder")

        let frame = try OwnedFrame()
        frame.frame.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        frame.frame.pointee.width = Int32(width)
        frame.frame.pointee.height = Int32(height)
        frame.frame.pointee.quality = context.pointee.global_quality
        frame.frame.pointee.color_range = AVCOL_RANGE_JPEG
        try check(av_frame_get_buffer(frame.frame, 0), "out of memory for a frame")
        // sRGB to JFIF Y'CbCr: the BT.601 matrix, full range in and out.
        guard let scaler = sws_getContext(Int32(width), Int32(height), AV_PIX_FMT_RGBA, Int32(width), Int32(height), AV_PIX_FMT_YUVJ420P,
                                          Int32(SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP), nil, nil, nil) else {
            throw EncoderError("cannot create the RGB to Y'CbCr converter")
        }
        defer { sws_freeContext(scaler) }
        let bt601 = sws_getCoefficients(SWS_CS_ITU601)
        sws_setColorspaceDetails(scaler, bt601, 1, bt601, 1, 0, 1 << 16, 1 << 16)
        var source: [UnsafePointer<UInt8>?] = [UnsafePointer(raster.pixels), nil, nil, nil]
        var sourceStride: [Int32] = [Int32(raster.bytesPerRow), 0, 0, 0]
        withUnsafeMutablePointer(to: &frame.frame.pointee.data) { data in
            withUnsafeMutablePointer(to: &frame.frame.pointee.linesize) { linesize in
                data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { planes in
                    linesize.withMemoryRebound(to: Int32.self, capacity: 8) { strides in
                        _ = sws_scale(scaler, &source, &sourceStride, 0, Int32(height), planes, strides)
                    }
                }
            }
        }
        frame.frame.pointee.pts = 0
        try check(avcodec_send_frame(context, frame.frame), "the JPEG encoder refused the frame")
        try check(avcodec_send_frame(context, nil), "the JPEG encoder cannot finish")
        var allocated = av_packet_alloc()
        defer { av_packet_free(&allocated) }
        guard let packet = allocated else { throw EncoderError("out of memory for a packet") }
        var bytes = Data()
        while true {
            let status = avcodec_receive_packet(context, packet)
            if status == reel_averror_eagain() || status == reel_averror_eof() { break }
            try check(status, "JPEG encoding failed")
            if let data = packet.pointee.data { bytes.append(data, count: Int(packet.pointee.size)) }
            av_packet_unref(packet)
        }
        guard !bytes.isEmpty else { throw EncoderError("the JPEG encoder wrote nothing") }
        return bytes
    }

    /// Writes `raster` to `path` as a JPEG (replaced whole: written beside it, then renamed).
    public static func write(_ raster: Raster, to path: String) throws {
        let data = try encode(raster)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw EncoderError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
