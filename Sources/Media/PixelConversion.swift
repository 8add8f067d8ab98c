internal import CFFmpeg
import Compositor

/// Converts and scales pixels with libswscale.
enum PixelConversion {
    static let qualityFlags = Int32(SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT)

    /// A decoded frame as premultiplied RGBA at its own size. YUV sources use the matrix the
    /// frame is tagged with (BT.601 when untagged).
    static func premultipliedRaster(from frame: UnsafeMutablePointer<AVFrame>) throws -> Raster {
        try raster(from: frame, width: Int(frame.pointee.width), height: Int(frame.pointee.height))
    }

    /// A decoded frame as premultiplied RGBA scaled to width × height in the same pass.
    static func raster(from frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int) throws -> Raster {
        var context: OpaquePointer?
        defer { sws_freeContext(context) }
        return try raster(from: frame, width: width, height: height, reusing: &context)
    }

    /// The same, with a conversion context kept between calls in `context` (the caller frees it
    /// with `sws_freeContext`): players convert every frame the same way.
    static func raster(from frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int,
                       reusing context: inout OpaquePointer?) throws -> Raster {
        let sourceWidth = Int(frame.pointee.width), sourceHeight = Int(frame.pointee.height)
        guard sourceWidth > 0, sourceHeight > 0, width > 0, height > 0 else { throw MediaError("the decoded frame has no pixels") }
        let format = AVPixelFormat(rawValue: frame.pointee.format)
        context = sws_getCachedContext(context, Int32(sourceWidth), Int32(sourceHeight), format, Int32(width), Int32(height),
                                       AV_PIX_FMT_RGBA, qualityFlags, nil, nil, nil)
        guard let context else {
            throw MediaError("cannot convert pixel format \(pixelFormatName(format)) to RGBA")
        }
        let fullRange: Int32 = frame.pointee.color_range == AVCOL_RANGE_JPEG
            || [AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P].contains(format) ? 1 : 0
        sws_setColorspaceDetails(context, sws_getCoefficients(matrix(of: frame)), fullRange,
                                 sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16)
        let raster = Raster(width: width, height: height)
        var destination: [UnsafeMutablePointer<UInt8>?] = [raster.pixels, nil, nil, nil]
        var strides: [Int32] = [Int32(raster.bytesPerRow), 0, 0, 0]
        let sourceData = withUnsafePointer(to: &frame.pointee.data) {
            $0.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { Array(UnsafeBufferPointer(start: $0, count: 8)) }
        }
        let sourceStrides = withUnsafePointer(to: &frame.pointee.linesize) {
            $0.withMemoryRebound(to: Int32.self, capacity: 8) { Array(UnsafeBufferPointer(start: $0, count: 8)) }
        }
        sws_scale(context, sourceData, sourceStrides, 0, Int32(sourceHeight), &destination, &strides)
        if let descriptor = av_pix_fmt_desc_get(format), descriptor.pointee.flags & UInt64(AV_PIX_FMT_FLAG_ALPHA) != 0 {
            premultiply(raster)
        }
        return raster
    }

    /// The Y'CbCr matrix a decoded frame is read with, as swscale names it: BT.709, BT.2020 or
    /// BT.601 when tagged so; otherwise BT.709 for HD and larger, as players assume, and BT.601
    /// for smaller frames.
    static func matrix(of frame: UnsafeMutablePointer<AVFrame>) -> Int32 {
        switch frame.pointee.colorspace {
        case AVCOL_SPC_BT709: SWS_CS_ITU709
        case AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL: SWS_CS_BT2020
        case AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M: SWS_CS_ITU601
        default: frame.pointee.height >= 720 ? SWS_CS_ITU709 : SWS_CS_DEFAULT
        }
    }

    /// Whether a decoded frame is read as BT.709 (by `matrix(of:)`), the encoder's matrix.
    static func isBT709(_ frame: UnsafeMutablePointer<AVFrame>) -> Bool {
        matrix(of: frame) == SWS_CS_ITU709
    }

    /// A decoded 4:2:0 frame's planes, borrowed: valid while the frame holds them.
    static func planes(of frame: UnsafeMutablePointer<AVFrame>) -> PlanarView? {
        let f = frame.pointee
        guard f.format == AV_PIX_FMT_YUV420P.rawValue, f.linesize.0 > 0, f.linesize.1 > 0, f.linesize.2 > 0,
              let luma = f.data.0, let blue = f.data.1, let red = f.data.2 else { return nil }
        return PlanarView(width: Int(f.width), height: Int(f.height), luma: Plane(base: luma, stride: Int(f.linesize.0)),
                          blue: Plane(base: blue, stride: Int(f.linesize.1)), red: Plane(base: red, stride: Int(f.linesize.2)))
    }

    /// Scales a 4:2:0 picture into `target` (bicubic, in Y'CbCr), with a context kept between
    /// calls in `context` (the caller frees it). False when swscale cannot.
    static func scale(_ source: PlanarView, into target: PlanarView, reusing context: inout OpaquePointer?) -> Bool {
        context = sws_getCachedContext(context, Int32(source.width), Int32(source.height), AV_PIX_FMT_YUV420P,
                                       Int32(target.width), Int32(target.height), AV_PIX_FMT_YUV420P, Int32(SWS_BICUBIC),
                                       nil, nil, nil)
        guard let context else { return false }
        let sourceData: [UnsafePointer<UInt8>?] = [UnsafePointer(source.luma.base), UnsafePointer(source.blue.base),
                                                   UnsafePointer(source.red.base), nil]
        let sourceStrides: [Int32] = [Int32(source.luma.stride), Int32(source.blue.stride), Int32(source.red.stride), 0]
        let targetData: [UnsafeMutablePointer<UInt8>?] = [target.luma.base, target.blue.base, target.red.base, nil]
        let targetStrides: [Int32] = [Int32(target.luma.stride), Int32(target.blue.stride), Int32(target.red.stride), 0]
        sws_scale(context, sourceData, sourceStrides, 0, Int32(source.height), targetData, targetStrides)
        return true
    }

    /// Multiplies colour by alpha in place.
    static func premultiply(_ raster: Raster) {
        let p = raster.pixels
        for i in 0..<(raster.width * raster.height) {
            let a = UInt32(p[i * 4 + 3])
            guard a < 255 else { continue }
            for c in 0..<3 {
                let t = UInt32(p[i * 4 + c]) * a + 128
                p[i * 4 + c] = UInt8((t + (t >> 8)) >> 8)
            }
        }
    }

    /// The part `window` (inside the width × height result) of `resize(source, crop:, width:,
    /// height:)`, made without the rest: only the source pixels the window's samples reach are
    /// scaled, with swscale as `resize` does, and the window is cut from them. When the picture
    /// is magnified so much that even a few source pixels would scale to far more than the
    /// window, the window is sampled bilinearly instead. Within a pixel of `resize` at the edges.
    static func resizedWindow(_ source: Raster, crop: (x: Int, y: Int, width: Int, height: Int), width: Int, height: Int,
                              window: PixelRect) throws -> Raster {
        if window == PixelRect(x0: 0, y0: 0, x1: width, y1: height) {
            return try resize(source, crop: crop, width: width, height: height)
        }
        let out = Raster(width: window.width, height: window.height)
        guard !window.isEmpty, crop.width > 0, crop.height > 0, width > 0, height > 0 else { return out }
        let fx = Double(width) / Double(crop.width), fy = Double(height) / Double(crop.height)
        // The source pixels (in crop coordinates) that output pixels [lo, hi) sample: bicubic taps
        // reach two pixels, or two output pixels' worth when shrinking; one more for safety.
        func span(_ lo: Int, _ hi: Int, _ f: Double, _ count: Int) -> (Int, Int) {
            let taps = 3 + Int((2 / min(f, 1)).rounded(.up))
            let a = Int((Double(lo) / f).rounded(.down)) - taps, b = Int((Double(hi) / f).rounded(.up)) + taps
            return (max(0, a), min(count, b))
        }
        let (x0, x1) = span(window.x0, window.x1, fx, crop.width)
        let (y0, y1) = span(window.y0, window.y1, fy, crop.height)
        guard x0 < x1, y0 < y1 else { return out }
        let scaledWidth = Int((Double(x1 - x0) * fx).rounded()), scaledHeight = Int((Double(y1 - y0) * fy).rounded())
        if scaledWidth > 0, scaledHeight > 0, scaledWidth <= 2 * window.width + 1024, scaledHeight <= 2 * window.height + 1024 {
            let part = try resize(source, crop: (crop.x + x0, crop.y + y0, x1 - x0, y1 - y0), width: scaledWidth, height: scaledHeight)
            // Output pixel (x, y) of the whole result is pixel (x − left, y − top) of the part.
            let left = Int((Double(x0) * fx).rounded()), top = Int((Double(y0) * fy).rounded())
            let words = UnsafeRawPointer(part.pixels).assumingMemoryBound(to: UInt32.self)
            let target = UnsafeMutableRawPointer(out.pixels).assumingMemoryBound(to: UInt32.self)
            for j in 0..<window.height {
                let row = min(max(window.y0 + j - top, 0), scaledHeight - 1) * scaledWidth
                for i in 0..<window.width {
                    target[j * window.width + i] = words[row + min(max(window.x0 + i - left, 0), scaledWidth - 1)]
                }
            }
            return out
        }
        // Magnified beyond what swscale can be given a part of: sample between the source pixels.
        let stride = source.width
        for j in 0..<window.height {
            let v = min(max((Double(window.y0 + j) + 0.5) / fy - 0.5, 0), Double(crop.height - 1))
            let iy = Int(v.rounded(.down)), ty = Float(v - v.rounded(.down))
            let iy1 = min(iy + 1, crop.height - 1)
            for i in 0..<window.width {
                let u = min(max((Double(window.x0 + i) + 0.5) / fx - 0.5, 0), Double(crop.width - 1))
                let ix = Int(u.rounded(.down)), tx = Float(u - u.rounded(.down))
                let ix1 = min(ix + 1, crop.width - 1)
                func texel(_ x: Int, _ y: Int) -> SIMD4<Float> {
                    let p = source.pixels + ((crop.y + y) * stride + crop.x + x) * 4
                    return SIMD4(Float(p[0]), Float(p[1]), Float(p[2]), Float(p[3]))
                }
                let top = texel(ix, iy) * (1 - tx) + texel(ix1, iy) * tx
                let bottom = texel(ix, iy1) * (1 - tx) + texel(ix1, iy1) * tx
                let c = ((top * (1 - ty) + bottom * ty) + 0.5).rounded(.down)
                    .clamped(lowerBound: .zero, upperBound: SIMD4(repeating: 255))
                let p = out.pixels + (j * window.width + i) * 4
                // Premultiplied: a blend of pixels whose colour is at most alpha stays so after the
                // same rounding, but clamp anyway.
                p[3] = UInt8(c.w)
                p[0] = min(UInt8(c.x), p[3]); p[1] = min(UInt8(c.y), p[3]); p[2] = min(UInt8(c.z), p[3])
            }
        }
        return out
    }

    /// The part `window` of a box that holds `resize(source, crop:, width:, height:)` with its
    /// top-left corner at box pixel (x, y), transparent elsewhere.
    static func placedWindow(_ source: Raster, crop: (x: Int, y: Int, width: Int, height: Int), width: Int, height: Int,
                             at x: Int, _ y: Int, window: PixelRect) throws -> Raster {
        let result = Raster(width: window.width, height: window.height)
        let part = window.offsetBy(-x, -y).intersection(PixelRect(x0: 0, y0: 0, x1: width, y1: height))
        guard !part.isEmpty else { return result }
        let picture = try resizedWindow(source, crop: crop, width: width, height: height, window: part)
        // The part lies at (part.x0 + x − window.x0, part.y0 + y − window.y0) in the window.
        let (left, top) = (part.x0 + x - window.x0, part.y0 + y - window.y0)
        for row in 0..<picture.height {
            (result.pixels + ((row + top) * result.width + left) * 4).update(from: picture.pixels + row * picture.bytesPerRow,
                                                                            count: picture.bytesPerRow)
        }
        return result
    }

    /// The rectangle (x, y, width, height) of `source` resized to width × height, bicubic.
    static func resize(_ source: Raster, crop: (x: Int, y: Int, width: Int, height: Int), width: Int, height: Int) throws -> Raster {
        if crop == (0, 0, source.width, source.height), width == source.width, height == source.height { return source.copy() }
        guard let context = sws_getContext(Int32(crop.width), Int32(crop.height), AV_PIX_FMT_RGBA,
                                           Int32(width), Int32(height), AV_PIX_FMT_RGBA, qualityFlags, nil, nil, nil) else {
            throw MediaError("cannot scale \(crop.width)×\(crop.height) to \(width)×\(height)")
        }
        defer { sws_freeContext(context) }
        let raster = Raster(width: width, height: height)
        let start = UnsafePointer(source.pixels + (crop.y * source.width + crop.x) * 4)
        var sourceData: [UnsafePointer<UInt8>?] = [start, nil, nil, nil]
        var sourceStrides: [Int32] = [Int32(source.bytesPerRow), 0, 0, 0]
        var destination: [UnsafeMutablePointer<UInt8>?] = [raster.pixels, nil, nil, nil]
        var strides: [Int32] = [Int32(raster.bytesPerRow), 0, 0, 0]
        sws_scale(context, &sourceData, &sourceStrides, 0, Int32(crop.height), &destination, &strides)
        // Bicubic ringing can push a colour channel past alpha; premultiplied pixels must not.
        let p = raster.pixels
        for i in 0..<(width * height) {
            let a = p[i * 4 + 3]
            for c in 0..<3 where p[i * 4 + c] > a { p[i * 4 + c] = a }
        }
        return raster
    }
}
