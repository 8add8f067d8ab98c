import Foundation
internal import CFFmpeg
import Compositor

/// A libavfilter graph put together filter by filter: buffer sources fed with frames, filters,
/// and one buffer sink frames are pulled from. Freed with the value.
final class FilterGraph {
    private var graph: UnsafeMutablePointer<AVFilterGraph>?

    init() throws {
        guard let graph = avfilter_graph_alloc() else { throw EncoderError("out of memory for a filter graph") }
        self.graph = graph
        // One thread: the filters Reel uses (palettes) are not threaded, and thread pools per graph cost.
        graph.pointee.nb_threads = 1
    }

    deinit {
        avfilter_graph_free(&graph)
    }

    /// Adds the libavfilter filter `filter` named `name`, with its options (`key=value:…`).
    func add(_ filter: String, name: String, options: String? = nil) throws -> OpaquePointer {
        guard let definition = avfilter_get_by_name(filter) else { throw EncoderError("this FFmpeg has no \(filter) filter") }
        var context: UnsafeMutablePointer<AVFilterContext>?
        try check(avfilter_graph_create_filter(&context, definition, name, options, nil, graph), "cannot create the \(filter) filter")
        guard let context else { throw EncoderError("cannot create the \(filter) filter") }
        return OpaquePointer(context)
    }

    /// A source of `width` × `height` frames in `pixelFormat`, their timestamps counted in `timeBase`.
    func source(name: String, width: Int, height: Int, pixelFormat: AVPixelFormat, timeBase: AVRational) throws -> OpaquePointer {
        try add("buffer", name: name, options: "video_size=\(width)x\(height):pix_fmt=\(pixelFormat.rawValue):"
                + "time_base=\(timeBase.num)/\(timeBase.den):pixel_aspect=1/1")
    }

    /// Connects output `outputPad` of `from` to input `inputPad` of `to`.
    func link(_ from: OpaquePointer, _ outputPad: Int = 0, to: OpaquePointer, _ inputPad: Int = 0) throws {
        try check(avfilter_link(context(from), UInt32(outputPad), context(to), UInt32(inputPad)), "cannot link the filters")
    }

    /// Checks the links and agrees on formats; after this, frames may flow.
    func configure() throws {
        try check(avfilter_graph_config(graph, nil), "cannot configure the filter graph")
    }

    /// Sends `frame` (its references are taken, and it is left blank) into `source`; nil ends the
    /// source's stream.
    func push(_ frame: UnsafeMutablePointer<AVFrame>?, into source: OpaquePointer) throws {
        try check(av_buffersrc_add_frame_flags(context(source), frame, 0), "the filter graph refused a frame")
    }

    /// The next frame out of `sink` into `frame`; false when the graph needs more input or is done.
    func pull(from sink: OpaquePointer, into frame: UnsafeMutablePointer<AVFrame>) throws -> Bool {
        let status = av_buffersink_get_frame(context(sink), frame)
        if status == reel_averror_eagain() || status == reel_averror_eof() { return false }
        try check(status, "the filter graph failed")
        return true
    }

    private func context(_ filter: OpaquePointer) -> UnsafeMutablePointer<AVFilterContext> {
        UnsafeMutablePointer<AVFilterContext>(filter)
    }
}

/// An AVFrame freed with the value.
final class OwnedFrame {
    let frame: UnsafeMutablePointer<AVFrame>

    init() throws {
        guard let frame = av_frame_alloc() else { throw EncoderError("out of memory for a frame") }
        self.frame = frame
    }

    deinit {
        var freeing: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&freeing)
    }

    /// Fills the frame with a copy of `raster` as 8-bit BGRA (libavfilter's `RGB32` on a
    /// little-endian machine): straight colour with its alpha when `keepsAlpha`, otherwise the
    /// premultiplied colour (the picture over black) and opaque.
    func fill(from raster: Raster, keepsAlpha: Bool, pts: Int64) throws {
        av_frame_unref(frame)
        frame.pointee.format = AV_PIX_FMT_BGRA.rawValue
        frame.pointee.width = Int32(raster.width)
        frame.pointee.height = Int32(raster.height)
        try check(av_frame_get_buffer(frame, 0), "out of memory for a frame")
        guard let base = frame.pointee.data.0 else { throw EncoderError("the frame has no pixels") }
        let stride = Int(frame.pointee.linesize.0)
        for y in 0..<raster.height {
            let source = raster.pixels + y * raster.bytesPerRow, row = base + y * stride
            for x in 0..<raster.width {
                let p = source + 4 * x
                let pixel = keepsAlpha ? Raster.straightened(SIMD4(p[0], p[1], p[2], p[3])) : SIMD4(p[0], p[1], p[2], 255)
                let q = row + 4 * x
                (q[0], q[1], q[2], q[3]) = (pixel.z, pixel.y, pixel.x, pixel.w)
            }
        }
        frame.pointee.pts = pts
    }
}
