/// Kernels on 4:2:0 Y'CbCr pictures (BT.709, limited range), the encoder's colour space: copying
/// and cross-fading decoded footage, and blending premultiplied RGBA overlays into it in place.
///
/// Y'CbCr is an affine map of R'G'B', so blending in it gives what blending the converted colours
/// in R'G'B' gives, without converting the pixels the overlays leave alone. Chroma is the mean of
/// each 2×2 block.
public enum YCbCr {
    // BT.709: Kr 0.2126, Kb 0.0722; luma 16...235 and chroma 16...240 for 8-bit R'G'B' 0...255.
    // The fourth lane weighs alpha: the offset a premultiplied colour brings with its coverage.
    @usableFromInline static let lumaWeights = SIMD4<Float>(0.2126, 0.7152, 0.0722, 16 / 219) * (219 / 255)
    @usableFromInline static let blueWeights = SIMD4<Float>(-0.2126 / 1.8556, -0.7152 / 1.8556, 0.5, 128 / 224) * (224 / 255)
    @usableFromInline static let redWeights = SIMD4<Float>(0.5, -0.7152 / 1.5748, -0.0722 / 1.5748, 128 / 224) * (224 / 255)

    /// Copies `source` into `destination` (the same size).
    public static func copy(_ source: PlanarView, into destination: PlanarView) {
        precondition(source.width == destination.width && source.height == destination.height, "pictures differ in size")
        for y in 0..<source.height {
            destination.luma.row(y).update(from: source.luma.row(y), count: source.width)
        }
        for y in 0..<source.chromaHeight {
            destination.blue.row(y).update(from: source.blue.row(y), count: source.chromaWidth)
            destination.red.row(y).update(from: source.red.row(y), count: source.chromaWidth)
        }
    }

    /// Fades `source` over `destination` at `opacity` (0...255): every sample becomes
    /// `(source·opacity + destination·(255 − opacity)) / 255`, as an opaque layer at that opacity
    /// draws in RGBA.
    public static func mix(_ source: PlanarView, opacity: UInt8, into destination: PlanarView) {
        precondition(source.width == destination.width && source.height == destination.height, "pictures differ in size")
        guard opacity > 0 else { return }
        guard opacity < 255 else { return copy(source, into: destination) }
        for y in 0..<source.height {
            mixRow(source.luma.row(y), destination.luma.row(y), count: source.width, opacity: opacity)
        }
        for y in 0..<source.chromaHeight {
            mixRow(source.blue.row(y), destination.blue.row(y), count: source.chromaWidth, opacity: opacity)
            mixRow(source.red.row(y), destination.red.row(y), count: source.chromaWidth, opacity: opacity)
        }
    }

    @inlinable
    static func mixRow(_ source: UnsafeMutablePointer<UInt8>, _ destination: UnsafeMutablePointer<UInt8>, count: Int, opacity: UInt8) {
        let a = SIMD16<UInt16>(repeating: UInt16(opacity)), inverse = SIMD16<UInt16>(repeating: 255 - UInt16(opacity))
        var i = 0
        while i + 16 <= count {
            let s = SIMD16<UInt16>(truncatingIfNeeded: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD16<UInt8>.self))
            let d = SIMD16<UInt16>(truncatingIfNeeded: UnsafeRawPointer(destination + i).loadUnaligned(as: SIMD16<UInt8>.self))
            let mixed = Blend.divide255(s &* a &+ d &* inverse)
            UnsafeMutableRawPointer(destination + i).storeBytes(of: SIMD16<UInt8>(truncatingIfNeeded: mixed), as: SIMD16<UInt8>.self)
            i += 16
        }
        while i < count {
            destination[i] = UInt8(Blend.divide255(UInt32(source[i]) * UInt32(opacity) + UInt32(destination[i]) * (255 - UInt32(opacity))))
            i += 1
        }
    }

    /// Converts the premultiplied `raster` (the picture over black) to `destination`, its size.
    ///
    /// `rows` (even bounds) limits the conversion to those rows, for converting bands of a frame
    /// on different threads.
    ///
    /// In fixed point (weights in 16 fractional bits, rounded once), in plain integer loops the
    /// compiler vectorises: within 1 of `convertInFloat`, the same matrix in `Float`.
    public static func convert(_ raster: Raster, into destination: PlanarView, rows: Range<Int>? = nil) {
        precondition(raster.width == destination.width && raster.height == destination.height, "pictures differ in size")
        precondition(raster.width % 2 == 0 && raster.height % 2 == 0, "4:2:0 pictures have even sizes")
        let rows = rows ?? 0..<raster.height
        let width = raster.width, chromaWidth = destination.chromaWidth
        for by in max(0, rows.lowerBound / 2)..<min(destination.chromaHeight, (rows.upperBound + 1) / 2) {
            let top = UnsafeRawPointer(raster.pixels + 2 * by * raster.bytesPerRow).assumingMemoryBound(to: UInt32.self)
            let bottom = top + width
            let lumaTop = destination.luma.row(2 * by)
            lumaRow(top, lumaTop, count: width)
            lumaRow(bottom, lumaTop + destination.luma.stride, count: width)
            chromaRow(top, bottom, destination.blue.row(by), destination.red.row(by), count: chromaWidth)
        }
    }

    // The matrix in 16 fractional bits. Luma: 16 + 219/255·(Kr, Kg, Kb)·RGB. Chroma from the sum of
    // a 2×2 block (four pixels, hence 18 bits): 128 + 224/255·(…)·RGB.
    @usableFromInline static let fixedLuma: (Int32, Int32, Int32) = fixed(lumaWeights)
    @usableFromInline static let fixedBlue: (Int32, Int32, Int32) = fixed(blueWeights)
    @usableFromInline static let fixedRed: (Int32, Int32, Int32) = fixed(redWeights)

    private static func fixed(_ weights: SIMD4<Float>) -> (Int32, Int32, Int32) {
        func one(_ w: Float) -> Int32 { Int32((Double(w) * 65536).rounded()) }
        return (one(weights.x), one(weights.y), one(weights.z))
    }

    @inlinable
    static func lumaRow(_ source: UnsafePointer<UInt32>, _ luma: UnsafeMutablePointer<UInt8>, count: Int) {
        let (r, g, b) = fixedLuma
        let offset: Int32 = (16 << 16) &+ (1 << 15)
        for x in 0..<count {
            let p = UInt32(littleEndian: source[x])
            let value = r &* Int32(p & 0xFF) &+ g &* Int32((p >> 8) & 0xFF) &+ b &* Int32((p >> 16) & 0xFF) &+ offset
            luma[x] = UInt8(truncatingIfNeeded: min(max(value >> 16, 0), 255))
        }
    }

    @inlinable
    static func chromaRow(_ top: UnsafePointer<UInt32>, _ bottom: UnsafePointer<UInt32>, _ blue: UnsafeMutablePointer<UInt8>,
                          _ red: UnsafeMutablePointer<UInt8>, count: Int) {
        let (br, bg, bb) = fixedBlue, (rr, rg, rb) = fixedRed
        let offset: Int32 = (128 << 18) &+ (1 << 17)
        for x in 0..<count {
            let p00 = UInt32(littleEndian: top[2 * x]), p01 = UInt32(littleEndian: top[2 * x + 1])
            let p10 = UInt32(littleEndian: bottom[2 * x]), p11 = UInt32(littleEndian: bottom[2 * x + 1])
            // Red and blue, then green, summed two channels a word (at most 1020 each: no carry).
            let redBlue = (p00 & 0x00FF_00FF) &+ (p01 & 0x00FF_00FF) &+ (p10 & 0x00FF_00FF) &+ (p11 & 0x00FF_00FF)
            let greens = ((p00 >> 8) & 0xFF) &+ ((p01 >> 8) & 0xFF) &+ ((p10 >> 8) & 0xFF) &+ ((p11 >> 8) & 0xFF)
            let sr = Int32(redBlue & 0xFFFF), sg = Int32(greens), sb = Int32(redBlue >> 16)
            let cb = (br &* sr &+ bg &* sg &+ bb &* sb &+ offset) >> 18
            let cr = (rr &* sr &+ rg &* sg &+ rb &* sb &+ offset) >> 18
            blue[x] = UInt8(truncatingIfNeeded: min(max(cb, 0), 255))
            red[x] = UInt8(truncatingIfNeeded: min(max(cr, 0), 255))
        }
    }

    /// `convert` in `Float`, one pixel at a time: the reference the fixed-point kernel is tested
    /// against.
    package static func convertInFloat(_ raster: Raster, into destination: PlanarView, rows: Range<Int>? = nil) {
        precondition(raster.width == destination.width && raster.height == destination.height, "pictures differ in size")
        precondition(raster.width % 2 == 0 && raster.height % 2 == 0, "4:2:0 pictures have even sizes")
        let luma = lumaWeights * SIMD4(1, 1, 1, 0)
        let blue = blueWeights * SIMD4(1, 1, 1, 0), red = redWeights * SIMD4(1, 1, 1, 0)
        let rows = rows ?? 0..<raster.height
        for by in max(0, rows.lowerBound / 2)..<min(destination.chromaHeight, (rows.upperBound + 1) / 2) {
            let top = raster.pixels + 2 * by * raster.bytesPerRow, bottom = top + raster.bytesPerRow
            let lumaTop = destination.luma.row(2 * by), lumaBottom = lumaTop + destination.luma.stride
            let cb = destination.blue.row(by), cr = destination.red.row(by)
            for bx in 0..<destination.chromaWidth {
                let p00 = pixel(top, 2 * bx), p01 = pixel(top, 2 * bx + 1)
                let p10 = pixel(bottom, 2 * bx), p11 = pixel(bottom, 2 * bx + 1)
                lumaTop[2 * bx] = byte(16 + (luma * p00).sum())
                lumaTop[2 * bx + 1] = byte(16 + (luma * p01).sum())
                lumaBottom[2 * bx] = byte(16 + (luma * p10).sum())
                lumaBottom[2 * bx + 1] = byte(16 + (luma * p11).sum())
                let sum = p00 + p01 + p10 + p11
                cb[bx] = byte(128 + (blue * sum).sum() / 4)
                cr[bx] = byte(128 + (red * sum).sum() / 4)
            }
        }
    }

    /// Blends the premultiplied `overlay` (canvas-sized) over `destination` inside `rect`, which
    /// must lie on even coordinates within both. Blocks the overlay leaves transparent are skipped.
    public static func composite(_ overlay: Raster, in rect: PixelRect, into destination: PlanarView) {
        precondition(overlay.width == destination.width && overlay.height == destination.height, "pictures differ in size")
        precondition(rect == rect.evenAligned && rect.x0 >= 0 && rect.y0 >= 0 && rect.x1 <= overlay.width
                     && rect.y1 <= overlay.height, "the rectangle must be even-aligned and inside the picture")
        guard !rect.isEmpty else { return }
        let lumaWeights = lumaWeights, blueWeights = blueWeights, redWeights = redWeights
        for by in (rect.y0 / 2)..<(rect.y1 / 2) {
            let top = overlay.pixels + 2 * by * overlay.bytesPerRow, bottom = top + overlay.bytesPerRow
            let lumaTop = destination.luma.row(2 * by), lumaBottom = lumaTop + destination.luma.stride
            let cb = destination.blue.row(by), cr = destination.red.row(by)
            for bx in (rect.x0 / 2)..<(rect.x1 / 2) {
                // Two pixels a row, eight bytes: skip the block when all four alphas are zero.
                let alphas = UnsafeRawPointer(top + 8 * bx).loadUnaligned(as: UInt64.self)
                    | UnsafeRawPointer(bottom + 8 * bx).loadUnaligned(as: UInt64.self)
                guard alphas & 0xFF00_0000_FF00_0000 != 0 else { continue }
                let p00 = pixel(top, 2 * bx), p01 = pixel(top, 2 * bx + 1)
                let p10 = pixel(bottom, 2 * bx), p11 = pixel(bottom, 2 * bx + 1)
                over(p00, lumaTop + 2 * bx, lumaWeights)
                over(p01, lumaTop + 2 * bx + 1, lumaWeights)
                over(p10, lumaBottom + 2 * bx, lumaWeights)
                over(p11, lumaBottom + 2 * bx + 1, lumaWeights)
                // The block's mean colour and coverage over its chroma sample.
                let mean = (p00 + p01 + p10 + p11) * 0.25
                over(mean, cb + bx, blueWeights)
                over(mean, cr + bx, redWeights)
            }
        }
    }

    @inlinable @inline(__always)
    static func pixel(_ row: UnsafeMutablePointer<UInt8>, _ x: Int) -> SIMD4<Float> {
        SIMD4<Float>(UnsafeRawPointer(row + 4 * x).loadUnaligned(as: UInt32.self).littleEndianBytes)
    }

    /// `sample = sample·(1 − a) + weights·colour`, for a premultiplied colour with coverage a.
    @inlinable @inline(__always)
    static func over(_ color: SIMD4<Float>, _ sample: UnsafeMutablePointer<UInt8>, _ weights: SIMD4<Float>) {
        guard color.w > 0 else { return }
        sample.pointee = byte(Float(sample.pointee) * (1 - color.w / 255) + (weights * color).sum())
    }

    @inlinable @inline(__always)
    static func byte(_ value: Float) -> UInt8 {
        UInt8(min(max(value + 0.5, 0), 255))
    }
}

extension UInt32 {
    /// The four bytes, least significant first.
    @inlinable
    var littleEndianBytes: SIMD4<UInt32> {
        SIMD4(self & 0xFF, self >> 8 & 0xFF, self >> 16 & 0xFF, self >> 24)
    }
}
