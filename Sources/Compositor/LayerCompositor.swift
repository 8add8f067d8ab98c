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
        let alpha = UInt8((opacity.unitClamped * 255).rounded())
        guard alpha > 0, layer.width > 0, layer.height > 0 else { return }
        let rows = rows ?? 0..<canvas.height
        if transform.isIntegerTranslation {
            drawTranslated(layer, dx: Int(transform.tx), dy: Int(transform.ty), opacity: alpha, onto: canvas, rows: rows)
        } else if let inverse = transform.inverse {
            drawSampled(layer, transform: transform, inverse: inverse, opacity: alpha, onto: canvas, rows: rows)
        }
    }

    /// The canvas pixels `draw` can change when it draws `layer` through `transform` onto a
    /// width × height canvas (empty when none).
    public static func bounds(of layer: Raster, transform: Affine, width: Int, height: Int) -> PixelRect {
        if transform.isIntegerTranslation {
            let dx = Int(transform.tx), dy = Int(transform.ty)
            return PixelRect(x0: max(0, dx), y0: max(0, dy), x1: min(width, dx + layer.width), y1: min(height, dy + layer.height))
        }
        let corners = [(0.0, 0.0), (Double(layer.width), 0), (0, Double(layer.height)),
                       (Double(layer.width), Double(layer.height))].map { transform.apply($0.0, $0.1) }
        // Four corners: min and max always exist. A map that is not finite draws nothing.
        let xs = corners.map(\.x), ys = corners.map(\.y)
        guard (xs + ys).allSatisfy(\.isFinite) else { return PixelRect(x0: 0, y0: 0, x1: 0, y1: 0) }
        return PixelRect(x0: max(0, clampedInt(xs.min()!, .down) - 1),
                         y0: max(0, clampedInt(ys.min()!, .down) - 1),
                         x1: min(width, clampedInt(xs.max()!, .up) + 1),
                         y1: min(height, clampedInt(ys.max()!, .up) + 1))
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

    private static func drawSampled(_ layer: Raster, transform: Affine, inverse: Affine, opacity: UInt8, onto canvas: Raster,
                                    rows: Range<Int>) {
        let area = bounds(of: layer, transform: transform, width: canvas.width, height: canvas.height)
        let (x0, y0, x1, y1) = (area.x0, max(area.y0, rows.lowerBound), area.x1, min(area.y1, rows.upperBound))
        guard x0 < x1, y0 < y1 else { return }
        let row = UnsafeMutablePointer<UInt8>.allocate(capacity: (x1 - x0) * 4)
        defer { row.deallocate() }
        let w = layer.width, h = layer.height
        let pixels = layer.pixels
        @inline(__always) func texel(_ x: Int, _ y: Int) -> SIMD4<Float> {
            guard x >= 0, y >= 0, x < w, y < h else { return .zero }
            let p = pixels + (y * w + x) * 4
            return SIMD4(Float(p[0]), Float(p[1]), Float(p[2]), Float(p[3]))
        }
        for y in y0..<y1 {
            // Walk the row in layer space: the source point moves by (a, b) of the inverse per pixel.
            let start = inverse.apply(Double(x0) + 0.5, Double(y) + 0.5)
            var u = start.x - 0.5, v = start.y - 0.5
            for x in 0..<(x1 - x0) {
                let fx = u.rounded(.down), fy = v.rounded(.down)
                var color = SIMD4<Float>.zero
                // Compared as Doubles first, so that a far-off (or NaN) position never becomes an Int.
                if fx >= -1, fy >= -1, fx < Double(w), fy < Double(h) {
                    let ix = Int(fx), iy = Int(fy)
                    let tx = Float(u - fx), ty = Float(v - fy)
                    let top = texel(ix, iy) * (1 - tx) + texel(ix + 1, iy) * tx
                    let bottom = texel(ix, iy + 1) * (1 - tx) + texel(ix + 1, iy + 1) * tx
                    color = top * (1 - ty) + bottom * ty
                }
                var rounded = (color + 0.5).clamped(lowerBound: .zero, upperBound: SIMD4(repeating: 255))
                // Rounding must not leave a colour channel above alpha: the blend relies on it.
                rounded = pointwiseMin(rounded, SIMD4(repeating: rounded.w.rounded(.down)))
                let p = row + x * 4
                p[0] = UInt8(rounded.x); p[1] = UInt8(rounded.y); p[2] = UInt8(rounded.z); p[3] = UInt8(rounded.w)
                u += inverse.a
                v += inverse.b
            }
            Blend.sourceOver(source: row, destination: canvas.pixels + (y * canvas.width + x0) * 4,
                             count: x1 - x0, opacity: opacity)
        }
    }
}
