public import Timeline

/// Drop shadows: a layer's alpha, blurred, tinted and offset, drawn beneath it.
public enum DropShadow {
    /// `layer` with `shadow` beneath it, in a raster grown to hold the shadow. Returns how far
    /// the layer's own pixels moved right and down inside the new raster.
    /// The numbers of a shadow at a scale: its Gaussian's standard deviation, its offset in whole
    /// pixels, and how far the raster grows on each side to hold it.
    struct Geometry {
        var sigma: Double
        var offsetX: Int, offsetY: Int
        var spread: Int
        var left: Int, right: Int, top: Int, bottom: Int

        init(_ shadow: Shadow, scale: Double) {
            sigma = max(0, shadow.blur * scale / 2)
            if !sigma.isFinite { sigma = 0 }
            offsetX = clampedInt(shadow.offsetX * scale)
            offsetY = clampedInt(shadow.offsetY * scale)
            spread = clampedInt(3 * sigma, .up)
            left = max(0, spread - offsetX); right = max(0, spread + offsetX)
            top = max(0, spread - offsetY); bottom = max(0, spread + offsetY)
        }

        /// Whether the shadow's alpha is blurred at all.
        var blurs: Bool { sigma > 0.25 }

        /// Where the shadowed layer can have pixels, given where the layer itself can.
        func extent(of layer: PixelRect) -> PixelRect {
            layer.grown(left: left, right: right, top: top, bottom: bottom)
        }
    }

    public static func apply(_ shadow: Shadow, to layer: Raster, scale: Double = 1) -> (raster: Raster, shiftX: Int, shiftY: Int) {
        let geometry = Geometry(shadow, scale: scale)
        let sigma = geometry.sigma
        let offsetX = geometry.offsetX, offsetY = geometry.offsetY
        let left = geometry.left, right = geometry.right, top = geometry.top, bottom = geometry.bottom
        let result = Raster(width: layer.width + left + right, height: layer.height + top + bottom)
        // The shadow's alpha, placed at the offset.
        var alpha = [Float](repeating: 0, count: result.width * result.height)
        for y in 0..<layer.height {
            for x in 0..<layer.width {
                alpha[(y + top + offsetY) * result.width + x + left + offsetX] = Float(layer.pixels[(y * layer.width + x) * 4 + 3])
            }
        }
        if geometry.blurs { GaussianBlur.blur(&alpha, width: result.width, height: result.height, sigma: sigma) }
        let tintF = tintVector(shadow)
        for i in 0..<(result.width * result.height) where alpha[i] > 0 {
            let c = (tintF * min(alpha[i], 255) + 0.5).rounded(.down)
            let p = result.pixels + i * 4
            p[0] = UInt8(c.x); p[1] = UInt8(c.y); p[2] = UInt8(c.z); p[3] = UInt8(c.w)
        }
        LayerCompositor.draw(layer, transform: .translation(Double(left), Double(top)), opacity: 1, onto: result)
        return (result, left, top)
    }

    /// The shadow's premultiplied colour, 0...1 a channel.
    private static func tintVector(_ shadow: Shadow) -> SIMD4<Float> {
        let tint = premultipliedPixel(red: shadow.color.red, green: shadow.color.green, blue: shadow.color.blue,
                                      alpha: shadow.color.alpha)
        return SIMD4<Float>(Float(tint.x), Float(tint.y), Float(tint.z), Float(tint.w)) / 255
    }

    /// The shadow alone over `output`, as `apply` draws it beneath a layer, in a coordinate frame
    /// shared with `source` (the layer's pixels, of which only the alpha is read): the shadow at
    /// a point is the layer's alpha at the point minus (offsetX, offsetY), blurred by `sigma`.
    ///
    /// The blur works on `plane`, which must hold `output` and reach far enough beyond it
    /// (`GaussianBlur.reach`) on every side where the shadow continues, and `source` must cover
    /// the plane moved back by the offset wherever the layer has pixels. Then the pixels equal
    /// `apply`'s at the same places, up to the rounding of sums.
    static func shadow(_ shadow: Shadow, sigma: Double, offsetX: Int, offsetY: Int, source: RasterPatch,
                       plane: PixelRect, output: PixelRect) -> RasterPatch {
        let result = RasterPatch(clear: output.intersection(plane))
        guard !result.rect.isEmpty else { return result }
        let (pw, ph) = (plane.width, plane.height)
        var alpha = [Float](repeating: 0, count: pw * ph)
        let filled = source.rect.offsetBy(offsetX, offsetY).intersection(plane)
        if !filled.isEmpty {
            for y in filled.y0..<filled.y1 {
                let from = source.raster.pixels + ((y - offsetY - source.rect.y0) * source.raster.width + filled.x0 - offsetX - source.rect.x0) * 4 + 3
                let row = (y - plane.y0) * pw - plane.x0
                for x in filled.x0..<filled.x1 { alpha[row + x] = Float(from[(x - filled.x0) * 4]) }
            }
        }
        if sigma > 0.25 { GaussianBlur.blur(&alpha, width: pw, height: ph, sigma: sigma) }
        let tintF = tintVector(shadow)
        let out = result.rect
        for y in out.y0..<out.y1 {
            let row = (y - plane.y0) * pw - plane.x0
            let target = result.raster.pixels + (y - out.y0) * result.raster.bytesPerRow - out.x0 * 4
            for x in out.x0..<out.x1 where alpha[row + x] > 0 {
                let c = (tintF * min(alpha[row + x], 255) + 0.5).rounded(.down)
                let p = target + x * 4
                p[0] = UInt8(c.x); p[1] = UInt8(c.y); p[2] = UInt8(c.z); p[3] = UInt8(c.w)
            }
        }
        return result
    }
}

/// What the box blur adds up: one channel, or the four of a pixel as SIMD lanes.
protocol BlurValue {
    static var zero: Self { get }
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func += (lhs: inout Self, rhs: Self)
    static func -= (lhs: inout Self, rhs: Self)
    static func * (lhs: Self, rhs: Float) -> Self
}

extension Float: BlurValue {}
extension SIMD4: BlurValue where Scalar == Float {}

/// A Gaussian blur approximated by three box blurs per axis.
public enum GaussianBlur {
    /// Planes at least this large are blurred on every processor (rows, then ranges of columns):
    /// each row and column gets the same additions in the same order whoever does it.
    static let parallelFloor = 1 << 16

    /// Blurs a single-channel image in place with standard deviation `sigma` pixels.
    public static func blur(_ values: inout [Float], width: Int, height: Int, sigma: Double) {
        blur(&values, width: width, height: height, sigma: sigma, parts: defaultParts(width * height))
    }

    /// Blurs the four channels of an image at once, each lane exactly as `blur` of that channel
    /// alone (the same additions in the same order), in a quarter of the passes.
    static func blur(_ values: inout [SIMD4<Float>], width: Int, height: Int, sigma: Double) {
        blur(&values, width: width, height: height, sigma: sigma, parts: defaultParts(width * height))
    }

    /// `blur` of the width × height values at `values`.
    static func blur(_ values: UnsafeMutablePointer<SIMD4<Float>>, width: Int, height: Int, sigma: Double) {
        guard width > 0, height > 0 else { return }
        blur(Plane(values: values, width: width, height: height), sigma: sigma, parts: defaultParts(width * height))
    }

    static func defaultParts(_ area: Int) -> Int {
        area >= parallelFloor ? min(8, max(1, ProcessInfo.processInfo.activeProcessorCount)) : 1
    }

    /// `blur` split into `parts` (rows, then columns) drawn on as many threads.
    static func blur<Value: BlurValue>(_ values: inout [Value], width: Int, height: Int, sigma: Double, parts: Int) {
        guard width > 0, height > 0, values.count >= width * height else { return }
        values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            blur(Plane(values: base, width: width, height: height), sigma: sigma, parts: parts)
        }
    }

    private static func blur<Value: BlurValue>(_ plane: Plane<Value>, sigma: Double, parts: Int) {
        let radius = boxRadius(sigma: sigma)
        for _ in 0..<3 {
            forEachPart(parts, of: plane.height) { rows in plane.blurRows(rows, radius: radius) }
            forEachPart(parts, of: plane.width) { columns in plane.blurColumns(columns, radius: radius) }
        }
    }

    /// Runs `body` on `parts` ranges splitting 0..<count, on as many threads.
    static func forEachPart(_ parts: Int, of count: Int, _ body: @escaping @Sendable (Range<Int>) -> Void) {
        guard parts > 1, count >= 2 * parts else { return body(0..<count) }
        let step = (count + parts - 1) / parts
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            let range = min(count, k * step)..<min(count, (k + 1) * step)
            if !range.isEmpty { body(range) }
        }
    }

    /// A plane of values, blurred in place by parts that touch disjoint rows (or columns).
    private struct Plane<Value: BlurValue>: @unchecked Sendable {
        let values: UnsafeMutablePointer<Value>
        let width: Int, height: Int

        /// The box blur of each of `rows`, along the row.
        func blurRows(_ rows: Range<Int>, radius: Int) {
            let norm = 1 / Float(2 * radius + 1)
            withUnsafeTemporaryAllocation(of: Value.self, capacity: width) { buffer in
                guard let scratch = buffer.baseAddress else { return }
                for y in rows {
                    let row = values + y * width
                    var sum = Value.zero
                    for i in -radius...radius where i >= 0 && i < width { sum += row[i] }
                    for i in 0..<width {
                        scratch[i] = sum * norm
                        let incoming = i + radius + 1, outgoing = i - radius
                        if incoming < width { sum += row[incoming] }
                        if outgoing >= 0 { sum -= row[outgoing] }
                    }
                    row.update(from: scratch, count: width)
                }
            }
        }

        /// The box blur of each of `columns`, all at once, row by row (a running sum per column):
        /// the same additions, in the same order, as blurring each column alone, but reading the
        /// plane in rows, as it lies in memory. The last radius + 1 rows' values before blurring
        /// are kept in a ring, for the running sums to take them out again.
        func blurColumns(_ columns: Range<Int>, radius: Int) {
            let norm = 1 / Float(2 * radius + 1)
            let x0 = columns.lowerBound, count = columns.count
            let sum = UnsafeMutablePointer<Value>.allocate(capacity: count)
            let ring = UnsafeMutablePointer<Value>.allocate(capacity: count * (radius + 1))
            defer {
                sum.deallocate()
                ring.deallocate()
            }
            sum.initialize(repeating: .zero, count: count)
            for i in -radius...radius where i >= 0 && i < height {
                let row = values + i * width + x0
                for x in 0..<count { sum[x] += row[x] }
            }
            for i in 0..<height {
                let row = values + i * width + x0
                (ring + (i % (radius + 1)) * count).update(from: row, count: count)
                for x in 0..<count { row[x] = sum[x] * norm }
                let incoming = i + radius + 1, outgoing = i - radius
                if incoming < height {
                    let added = values + incoming * width + x0
                    for x in 0..<count { sum[x] += added[x] }
                }
                if outgoing >= 0 {
                    let removed = ring + (outgoing % (radius + 1)) * count
                    for x in 0..<count { sum[x] -= removed[x] }
                }
            }
        }
    }

    /// The radius of the box whose three-fold convolution has variance sigma².
    static func boxRadius(sigma: Double) -> Int {
        max(1, clampedInt(((12 * sigma * sigma / 3 + 1).squareRoot() - 1) / 2 + 0.5, .towardZero))
    }

    /// How far a value can move in `blur`: three boxes of `boxRadius`, and a pixel more. A blur of
    /// a plane whose edges lie this far beyond a region gives that region the values of a blur
    /// of the whole picture.
    static func reach(sigma: Double) -> Int {
        3 * boxRadius(sigma: sigma) + 1
    }
}

import Foundation
