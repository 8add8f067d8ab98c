/// Draws layers onto a canvas raster.
public enum LayerCompositor {
    /// Draws `layer` onto `canvas` through `transform` (layer pixel coordinates → canvas pixel
    /// coordinates) at `opacity`. Whole-pixel translations copy rows with the SIMD kernel; any other
    /// map samples the layer bilinearly at each canvas pixel centre, so rotated and sub-pixel
    /// placed layers keep smooth edges.
    ///
    /// `rows` limits the drawing to those canvas rows: each row's pixels come out the same whatever
    /// the range, so bands of a frame can be drawn on different threads.
    public static func draw(_ layer: Raster, transform: Affine, opacity: Double, onto canvas: Raster, rows: Range<Int>? = nil) {
        draw(layer, transform: transform, opacity: opacity, onto: canvas, rows: rows, rowAtATime: true)
    }

    /// `draw`, with the row-at-a-time path for maps without rotation allowed or not (tests
    /// compare the two).
    static func draw(_ layer: Raster, transform: Affine, opacity: Double, onto canvas: Raster, rows: Range<Int>?,
                     rowAtATime: Bool) {
        let alpha = UInt8((opacity.unitClamped * 255).rounded())
        guard alpha > 0, layer.width > 0, layer.height > 0 else { return }
        let rows = rows ?? 0..<canvas.height
        if transform.isIntegerTranslation {
            drawTranslated(layer, dx: Int(transform.tx), dy: Int(transform.ty), opacity: alpha, onto: canvas, rows: rows)
        } else if let inverse = transform.inverse {
            drawSampled(layer, transform: transform, inverse: inverse, opacity: alpha, onto: canvas, rows: rows,
                        rowAtATime: rowAtATime)
        }
    }

    /// The canvas pixels `draw` can change when it draws `layer` through `transform` onto a
    /// width × height canvas (empty when none).
    public static func bounds(of layer: Raster, transform: Affine, width: Int, height: Int) -> PixelRect {
        bounds(width: layer.width, height: layer.height, transform: transform, canvasWidth: width, canvasHeight: height)
    }

    /// The canvas pixels a width × height layer drawn through `transform` can change.
    static func bounds(width layerWidth: Int, height layerHeight: Int, transform: Affine,
                       canvasWidth width: Int, canvasHeight height: Int) -> PixelRect {
        if transform.isIntegerTranslation {
            let dx = Int(transform.tx), dy = Int(transform.ty)
            return PixelRect(x0: max(0, dx), y0: max(0, dy), x1: min(width, dx + layerWidth), y1: min(height, dy + layerHeight))
        }
        let (w, h) = (Double(layerWidth), Double(layerHeight))
        let p = (transform.apply(0, 0), transform.apply(w, 0), transform.apply(0, h), transform.apply(w, h))
        // A map that is not finite draws nothing.
        let left = min(p.0.x, p.1.x, p.2.x, p.3.x), right = max(p.0.x, p.1.x, p.2.x, p.3.x)
        let top = min(p.0.y, p.1.y, p.2.y, p.3.y), bottom = max(p.0.y, p.1.y, p.2.y, p.3.y)
        guard left.isFinite, right.isFinite, top.isFinite, bottom.isFinite else { return PixelRect(x0: 0, y0: 0, x1: 0, y1: 0) }
        return PixelRect(x0: max(0, clampedInt(left, .down) - 1),
                         y0: max(0, clampedInt(top, .down) - 1),
                         x1: min(width, clampedInt(right, .up) + 1),
                         y1: min(height, clampedInt(bottom, .up) + 1))
    }

    private static func drawTranslated(_ layer: Raster, dx: Int, dy: Int, opacity: UInt8, onto canvas: Raster, rows: Range<Int>) {
        let x0 = max(0, dx), x1 = min(canvas.width, dx + layer.width)
        let y0 = max(0, dy, rows.lowerBound), y1 = min(canvas.height, dy + layer.height, rows.upperBound)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            let source = layer.pixels + ((y - dy) * layer.width + (x0 - dx)) * 4
            let destination = canvas.pixels + (y * canvas.width + x0) * 4
            Blend.sourceOver(source: source, destination: destination, count: x1 - x0, opacity: opacity)
        }
    }

    /// Bilinear sampling of the layer at each canvas pixel centre, in fixed point: the source
    /// position steps by the inverse map's (a, b) in 32.32 fixed point (floor is a shift), the
    /// weights are 8-bit, and each interpolation works on two channels at once in 32-bit words,
    /// rounded to nearest. Premultiplied stays premultiplied: each step is monotone, so no colour
    /// channel ends above alpha. Texels outside the layer are transparent.
    private static func drawSampled(_ layer: Raster, transform: Affine, inverse: Affine, opacity: UInt8, onto canvas: Raster,
                                    rows: Range<Int>, rowAtATime: Bool) {
        let area = bounds(of: layer, transform: transform, width: canvas.width, height: canvas.height)
        let (x0, y0, x1, y1) = (area.x0, max(area.y0, rows.lowerBound), area.x1, min(area.y1, rows.upperBound))
        guard x0 < x1, y0 < y1 else { return }
        // Steps too large for fixed point draw nothing visible anyway (the layer is crossed in
        // less than a pixel); they are skipped rather than risk an overflow.
        let one = 4_294_967_296.0
        guard abs(inverse.a) < 1e6, abs(inverse.b) < 1e6 else { return }
        let du = Int64((inverse.a * one).rounded()), dv = Int64((inverse.b * one).rounded())
        let count = x1 - x0
        if rowAtATime, inverse.b == 0, inverse.c == 0 {
            // Scaled, flipped or sub-pixel placed, not rotated: rows of the layer resampled once each.
            ScratchWords.with(5 * count) { scratch in
                sampleAxisAligned(layer, inverse: inverse, du: du, opacity: opacity, onto: canvas, columns: x0..<x1, rows: y0..<y1,
                                  scratch: scratch)
            }
            return
        }
        ScratchWords.with(count) { row in
            sample(layer, inverse: inverse, du: du, dv: dv, opacity: opacity, onto: canvas, columns: x0..<x1, rows: y0..<y1, row: row)
        }
    }

    /// `sample` for maps without rotation or shear: every row of the canvas samples the layer at
    /// the same columns, and at one layer row. Each layer row is resampled across once (kept while
    /// the next canvas row still needs it) and each canvas pixel is one interpolation between
    /// two of those: the same arithmetic as `sample`, in the same order, so the same bytes.
    ///
    /// `scratch` holds 5 × columns.count words: columns, weights, two resampled rows, the output.
    private static func sampleAxisAligned(_ layer: Raster, inverse: Affine, du: Int64, opacity: UInt8, onto canvas: Raster,
                                          columns: Range<Int>, rows: Range<Int>, scratch: UnsafeMutablePointer<UInt32>) {
        let one = 4_294_967_296.0
        let (x0, count) = (columns.lowerBound, columns.count)
        let w = layer.width, h = layer.height
        let first = inverse.apply(Double(x0) + 0.5, Double(rows.lowerBound) + 0.5)
        let u0 = first.x - 0.5
        guard u0.isFinite, abs(u0) < 1e9 else { return }
        let indices = scratch, weights = scratch + count, output = scratch + 4 * count
        var resampled = (scratch + 2 * count, scratch + 3 * count)
        var held: (Int?, Int?) = (nil, nil)
        // Columns: the layer column left of each sample (−1 ... w−1, or outside: transparent).
        var u = Int64((u0 * one).rounded(.down))
        var anyColumn = false
        // The columns whose two texels both lie inside the layer: one run, as u moves one way.
        var interior = 0..<0
        for x in 0..<count {
            let ix = Int(truncatingIfNeeded: u >> 32)
            let inside = ix >= -1 && ix < w
            indices[x] = inside ? UInt32(truncatingIfNeeded: ix + 1) : UInt32.max
            weights[x] = UInt32(truncatingIfNeeded: u >> 24) & 0xFF
            anyColumn = anyColumn || inside
            if ix >= 0, ix + 1 < w { interior = interior.isEmpty ? x..<(x + 1) : interior.lowerBound..<(x + 1) }
            u &+= du
        }
        guard anyColumn else { return }
        // Defensive: a run with a gap (it cannot have one) is drawn the careful way.
        for x in interior where !(indices[x] >= 1 && Int(indices[x]) < w) { interior = 0..<0; break }
        let pixels = UnsafeRawPointer(layer.pixels)
        @inline(__always) func texel(_ x: Int, _ y: Int) -> UInt32 {
            x >= 0 && x < w ? UInt32(littleEndian: pixels.loadUnaligned(fromByteOffset: (y * w + x) * 4, as: UInt32.self)) : 0
        }
        /// Layer row `iy` resampled at every column, into `out`.
        func resample(_ iy: Int, into out: UnsafeMutablePointer<UInt32>) {
            guard iy >= 0, iy < h else { return out.update(repeating: 0, count: count) }
            // Inside: both texels are in the row, no test.
            let rowStart = pixels + iy &* w &* 4
            // Eight columns at a time: the texel pairs gathered, the lerps done side by side.
            var x = interior.lowerBound
            while x &+ 8 <= interior.upperBound {
                var left = SIMD8<UInt32>(), right = SIMD8<UInt32>()
                for k in 0..<8 {
                    let pair = rowStart.loadUnaligned(fromByteOffset: (Int(indices[x &+ k]) &- 1) &* 4, as: SIMD2<UInt32>.self)
                    left[k] = UInt32(littleEndian: pair.x)
                    right[k] = UInt32(littleEndian: pair.y)
                }
                let weight = UnsafeRawPointer(weights + x).loadUnaligned(as: SIMD8<UInt32>.self)
                UnsafeMutableRawPointer(out + x).storeBytes(of: lerp(left, right, weight), as: SIMD8<UInt32>.self)
                x &+= 8
            }
            while x < interior.upperBound {
                let pair = rowStart.loadUnaligned(fromByteOffset: (Int(indices[x]) &- 1) &* 4, as: SIMD2<UInt32>.self)
                out[x] = lerp(UInt32(littleEndian: pair.x), UInt32(littleEndian: pair.y), weights[x])
                x &+= 1
            }
            for x in 0..<interior.lowerBound { edge(x) }
            for x in interior.upperBound..<count { edge(x) }
            @inline(__always) func edge(_ x: Int) {
                let index = indices[x]
                guard index != UInt32.max else { out[x] = 0; return }
                let ix = Int(index) - 1
                out[x] = lerp(texel(ix, iy), texel(ix + 1, iy), weights[x])
            }
        }
        for y in rows {
            let v0 = inverse.apply(Double(x0) + 0.5, Double(y) + 0.5).y - 0.5
            guard v0.isFinite, abs(v0) < 1e9 else { continue }
            let v = Int64((v0 * one).rounded(.down))
            let iy = Int(truncatingIfNeeded: v >> 32)
            guard iy >= -1, iy < h else { continue }
            let wy = UInt32(truncatingIfNeeded: v >> 24) & 0xFF
            // The two layer rows this canvas row lies between, resampled (reused when held).
            if held.0 != iy {
                if held.1 == iy {
                    resampled = (resampled.1, resampled.0)
                    held = (held.1, held.0)
                } else {
                    resample(iy, into: resampled.0)
                    held.0 = iy
                }
            }
            if held.1 != iy + 1 {
                resample(iy + 1, into: resampled.1)
                held.1 = iy + 1
            }
            // Columns outside the layer are 0 in both rows, and stay 0. (A plain loop: vectorised.)
            let (top, bottom) = resampled
            for x in 0..<count { output[x] = lerp(top[x], bottom[x], wy).littleEndian }
            output.withMemoryRebound(to: UInt8.self, capacity: count * 4) { bytes in
                Blend.sourceOver(source: bytes, destination: canvas.pixels + (y * canvas.width + x0) * 4, count: count, opacity: opacity)
            }
        }
    }

    private static func sample(_ layer: Raster, inverse: Affine, du: Int64, dv: Int64, opacity: UInt8, onto canvas: Raster,
                               columns: Range<Int>, rows: Range<Int>, row: UnsafeMutablePointer<UInt32>) {
        let one = 4_294_967_296.0
        let (x0, count) = (columns.lowerBound, columns.count)
        let w = layer.width, h = layer.height
        let pixels = UnsafeRawPointer(layer.pixels), stride = w * 4
        @inline(__always) func load(_ x: Int, _ y: Int) -> UInt32 {
            UInt32(littleEndian: pixels.loadUnaligned(fromByteOffset: (y * w + x) * 4, as: UInt32.self))
        }
        @inline(__always) func texel(_ x: Int, _ y: Int) -> UInt32 {
            x >= 0 && y >= 0 && x < w && y < h ? load(x, y) : 0
        }
        for y in rows {
            // Walk the row in layer space: the source point moves by (a, b) of the inverse per pixel.
            let start = inverse.apply(Double(x0) + 0.5, Double(y) + 0.5)
            let u0 = start.x - 0.5, v0 = start.y - 0.5
            // A row whose positions are not finite, or are far outside any layer, has nothing to draw.
            guard u0.isFinite, v0.isFinite, abs(u0) < 1e9, abs(v0) < 1e9 else { continue }
            var u = Int64((u0 * one).rounded(.down)), v = Int64((v0 * one).rounded(.down))
            for x in 0..<count {
                let ix = Int(truncatingIfNeeded: u >> 32), iy = Int(truncatingIfNeeded: v >> 32)
                var color: UInt32 = 0
                if ix >= -1, iy >= -1, ix < w, iy < h {
                    let wx = UInt32(truncatingIfNeeded: u >> 24) & 0xFF, wy = UInt32(truncatingIfNeeded: v >> 24) & 0xFF
                    let top: UInt32, bottom: UInt32
                    if ix >= 0, iy >= 0, ix &+ 1 < w, iy &+ 1 < h {
                        // Inside: the four texels are two pairs of neighbours, one row apart.
                        let offset = (iy &* w &+ ix) &* 4
                        let pair = pixels.loadUnaligned(fromByteOffset: offset, as: SIMD2<UInt32>.self)
                        let below = pixels.loadUnaligned(fromByteOffset: offset &+ stride, as: SIMD2<UInt32>.self)
                        top = lerp(UInt32(littleEndian: pair.x), UInt32(littleEndian: pair.y), wx)
                        bottom = lerp(UInt32(littleEndian: below.x), UInt32(littleEndian: below.y), wx)
                    } else {
                        top = lerp(texel(ix, iy), texel(ix + 1, iy), wx)
                        bottom = lerp(texel(ix, iy + 1), texel(ix + 1, iy + 1), wx)
                    }
                    color = lerp(top, bottom, wy)
                }
                row[x] = color.littleEndian
                u &+= du
                v &+= dv
            }
            row.withMemoryRebound(to: UInt8.self, capacity: count * 4) { bytes in
                Blend.sourceOver(source: bytes, destination: canvas.pixels + (y * canvas.width + x0) * 4, count: count, opacity: opacity)
            }
        }
    }

    /// `lerp` of eight pixel pairs at once: the same arithmetic in each lane.
    @inline(__always)
    static func lerp(_ a: SIMD8<UInt32>, _ b: SIMD8<UInt32>, _ weight: SIMD8<UInt32>) -> SIMD8<UInt32> {
        let inverse = 256 &- weight
        let redBlue = (((a & 0x00FF_00FF) &* inverse &+ (b & 0x00FF_00FF) &* weight &+ 0x0080_0080) &>> 8) & 0x00FF_00FF
        let greenAlpha = (((a &>> 8) & 0x00FF_00FF) &* inverse &+ ((b &>> 8) & 0x00FF_00FF) &* weight &+ 0x0080_0080) & 0xFF00_FF00
        return redBlue | greenAlpha
    }

    /// `a` + (`b` − `a`)·`weight`/256 for each channel of two RGBA8 pixels (R in the low byte),
    /// rounded to nearest: two channels a word, 16 bits a channel, so nothing carries over.
    @inline(__always)
    static func lerp(_ a: UInt32, _ b: UInt32, _ weight: UInt32) -> UInt32 {
        let inverse = 256 - weight
        let redBlue = (((a & 0x00FF_00FF) &* inverse &+ (b & 0x00FF_00FF) &* weight &+ 0x0080_0080) >> 8) & 0x00FF_00FF
        let greenAlpha = (((a >> 8) & 0x00FF_00FF) &* inverse &+ ((b >> 8) & 0x00FF_00FF) &* weight &+ 0x0080_0080) & 0xFF00_FF00
        return redBlue | greenAlpha
    }
}
