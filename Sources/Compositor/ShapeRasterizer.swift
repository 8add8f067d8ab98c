public import Timeline

/// Rasterises vector shapes with analytic anti-aliasing from signed distances.
public enum ShapeRasterizer {
    /// The size of the raster `render` draws `shape` into, and the margin around its box.
    public static func rasterSize(_ shape: ShapeContent, width: Double, height: Double,
                                  strokeScale: Double = 1) -> (width: Int, height: Int, margin: Double) {
        let strokeWidth = shape.stroke == nil ? 0 : shape.strokeWidth * strokeScale
        let margin = (strokeWidth / 2 + 1).rounded(.up)
        return (clampedInt(width + 2 * margin, .up), clampedInt(height + 2 * margin, .up), margin)
    }

    /// `shape` filling a box of width × height pixels, with a margin for the stroke. The box's
    /// top-left corner lies at `origin` in the returned raster.
    ///
    /// With a `window` (in the coordinates of that whole raster), only the window is drawn: the
    /// returned raster is the window's size and its pixel (0, 0) is the whole raster's pixel
    /// (window.x0, window.y0). The origin returned stays the one of the whole raster.
    public static func render(_ shape: ShapeContent, width: Double, height: Double,
                              strokeScale: Double = 1, window: PixelRect? = nil) -> (raster: Raster, originX: Double, originY: Double) {
        let strokeWidth = shape.stroke == nil ? 0 : shape.strokeWidth * strokeScale
        let size = rasterSize(shape, width: width, height: height, strokeScale: strokeScale)
        let margin = size.margin
        let area = window ?? PixelRect(x0: 0, y0: 0, x1: size.width, y1: size.height)
        let raster = Raster(width: area.width, height: area.height)
        let distance = signedDistance(shape.geometry, x: margin, y: margin, width: width, height: height)
        // The samplers are unwrapped once: binding an optional one per pixel copied it (and its
        // colour table) at every pixel.
        let clear = Paint.solid(RGBAColor(red: 0, green: 0, blue: 0, alpha: 0))
        let fill = PaintSampler(paint: shape.fill ?? clear, x: margin, y: margin, width: width, height: height)
        let stroke = PaintSampler(paint: shape.stroke ?? clear, x: margin, y: margin, width: width, height: height)
        let fills = shape.fill != nil, strokes = shape.stroke != nil && strokeWidth > 0
        for y in 0..<raster.height {
            let row = raster.pixels + y * raster.bytesPerRow
            let py = Double(y + area.y0) + 0.5
            for x in 0..<raster.width {
                let px = Double(x + area.x0) + 0.5
                let pixel = Self.pixel(distance: distance(px, py), x: px, y: py, fill: fill, fills: fills,
                                       stroke: stroke, strokes: strokes, strokeWidth: strokeWidth)
                let p = row + x * 4
                p[0] = pixel.x; p[1] = pixel.y; p[2] = pixel.z; p[3] = pixel.w
            }
        }
        return (raster, margin, margin)
    }

    /// The pixel at (x, y), at signed distance `d` from the outline: the fill's colour by its
    /// coverage, under the stroke's by its own. (Flags rather than optional samplers: binding an
    /// optional one per pixel copies it, and its colour table, at every pixel.)
    @inline(__always)
    static func pixel(distance d: Double, x px: Double, y py: Double, fill: borrowing PaintSampler, fills: Bool,
                      stroke: borrowing PaintSampler, strokes: Bool, strokeWidth: Double) -> SIMD4<UInt8> {
        var pixel = SIMD4<UInt8>.zero
        if fills {
            let k = min(max(0.5 - d, 0), 1)
            if k > 0 { pixel = scale(fill.color(x: px, y: py), by: k) }
        }
        if strokes {
            let k = strokeCoverage(distance: d, width: strokeWidth)
            if k > 0 { pixel = over(scale(stroke.color(x: px, y: py), by: k), pixel) }
        }
        return pixel
    }

    /// Coverage (0...255) of the rounded rectangle at (x, y, width, height) in a raster of the given
    /// size: the mask that rounds an image's corners.
    public static func roundedRectMask(rasterWidth: Int, rasterHeight: Int, x: Double, y: Double,
                                       width: Double, height: Double, radii: CornerRadii) -> [UInt8] {
        let distance = signedDistance(.rectangle(radii), x: x, y: y, width: width, height: height)
        var mask = [UInt8](repeating: 0, count: rasterWidth * rasterHeight)
        for row in 0..<rasterHeight {
            for column in 0..<rasterWidth {
                let d = distance(Double(column) + 0.5, Double(row) + 0.5)
                mask[row * rasterWidth + column] = UInt8((min(max(0.5 - d, 0), 1) * 255).rounded())
            }
        }
        return mask
    }

    /// Coverage of a stroke of `width` centred on the outline, at signed distance `d` from it.
    static func strokeCoverage(distance d: Double, width: Double) -> Double {
        if width >= 1 { return min(max(width / 2 + 0.5 - abs(d), 0), 1) }
        // Hairlines: spread a pixel's worth of coverage, dimmed by the width.
        return min(max(1 - abs(d), 0), 1) * width
    }

    /// The signed distance (negative inside) from a point to the outline of `geometry` in its box.
    static func signedDistance(_ geometry: ShapeContent.Geometry, x: Double, y: Double,
                               width: Double, height: Double) -> (Double, Double) -> Double {
        let cx = x + width / 2, cy = y + height / 2
        let hw = width / 2, hh = height / 2
        switch geometry {
        case .rectangle(let radii):
            let limit = min(hw, hh)
            let r = [radii.topLeft, radii.topRight, radii.bottomRight, radii.bottomLeft].map { min($0, limit) }
            return { px, py in
                let dx = px - cx, dy = py - cy
                let radius = dy < 0 ? (dx < 0 ? r[0] : r[1]) : (dx < 0 ? r[3] : r[2])
                let qx = abs(dx) - hw + radius, qy = abs(dy) - hh + radius
                let outside = (max(qx, 0) * max(qx, 0) + max(qy, 0) * max(qy, 0)).squareRoot()
                return outside + min(max(qx, qy), 0) - radius
            }
        case .ellipse:
            if abs(hw - hh) < 1e-9 {
                return { px, py in ((px - cx) * (px - cx) + (py - cy) * (py - cy)).squareRoot() - hw }
            }
            // First-order distance: the implicit function over its gradient's length.
            return { px, py in
                let u = (px - cx) / hw, v = (py - cy) / hh
                let f = u * u + v * v - 1
                let gx = 2 * u / hw, gy = 2 * v / hh
                return f / max((gx * gx + gy * gy).squareRoot(), 1e-9)
            }
        case .regularPolygon(let sides):
            let edges = PolygonEdges(polygonVertices(sides: sides, halfWidth: hw, halfHeight: hh).map { (cx + $0.x, cy + $0.y) })
            return { px, py in edges.distance(px, py) }
        case .arc(let start, let end, let closed):
            let ellipse = signedDistance(.ellipse, x: x, y: y, width: width, height: height)
            let arc = ArcGeometry(start: start, end: end, halfWidth: hw, halfHeight: hh)
            if closed {
                // The slice: inside both the ellipse and the wedge between its radii.
                return { px, py in max(ellipse(px, py), arc.wedgeDistance(px - cx, py - cy)) }
            }
            // The curve alone: how far from it, never inside (only a stroke draws it).
            return { px, py in
                let dx = px - cx, dy = py - cy
                if arc.contains(angleOf: dx, dy) { return abs(ellipse(px, py)) }
                return arc.endDistance(dx, dy)
            }
        }
    }

    /// The angles of an arc of the ellipse of half-axes (hw, hh) about the origin, clockwise from
    /// 3 o'clock on a y-down canvas, and the distances its slice and curve are drawn with.
    struct ArcGeometry {
        /// The start direction and the sweep (0 up to 360 degrees, clockwise), in radians.
        let start: Double, sweep: Double
        let startDirection: (x: Double, y: Double), endDirection: (x: Double, y: Double)
        let startPoint: (x: Double, y: Double), endPoint: (x: Double, y: Double)

        init(start startDegrees: Double, end endDegrees: Double, halfWidth hw: Double, halfHeight hh: Double) {
            var sweepDegrees = (endDegrees - startDegrees).truncatingRemainder(dividingBy: 360)
            if sweepDegrees < 0 { sweepDegrees += 360 }
            start = startDegrees * .pi / 180
            sweep = sweepDegrees * .pi / 180
            startDirection = (cos(start), sin(start))
            endDirection = (cos(start + sweep), sin(start + sweep))
            // Where each radius meets the ellipse.
            func onEllipse(_ d: (x: Double, y: Double)) -> (x: Double, y: Double) {
                let r = 1 / max((d.x * d.x / (hw * hw) + d.y * d.y / (hh * hh)).squareRoot(), 1e-12)
                return (d.x * r, d.y * r)
            }
            startPoint = onEllipse(startDirection)
            endPoint = onEllipse(endDirection)
        }

        /// Whether the direction of (x, y) from the centre lies within the sweep.
        func contains(angleOf x: Double, _ y: Double) -> Bool {
            var angle = atan2(y, x) - start
            angle = angle.truncatingRemainder(dividingBy: 2 * .pi)
            if angle < 0 { angle += 2 * .pi }
            return angle <= sweep
        }

        /// The signed distance to the wedge between the two radii (negative inside it).
        func wedgeDistance(_ x: Double, _ y: Double) -> Double {
            func toRay(_ d: (x: Double, y: Double)) -> Double {
                let along = x * d.x + y * d.y
                return along <= 0 ? (x * x + y * y).squareRoot() : abs(x * d.y - y * d.x)
            }
            let nearest = min(toRay(startDirection), toRay(endDirection))
            return contains(angleOf: x, y) ? -nearest : nearest
        }

        /// The distance to the nearer end of the curve.
        func endDistance(_ x: Double, _ y: Double) -> Double {
            let a = ((x - startPoint.x) * (x - startPoint.x) + (y - startPoint.y) * (y - startPoint.y)).squareRoot()
            let b = ((x - endPoint.x) * (x - endPoint.x) + (y - endPoint.y) * (y - endPoint.y)).squareRoot()
            return min(a, b)
        }
    }

    /// The vertices of a regular polygon inscribed in the ellipse of half-axes (halfWidth,
    /// halfHeight) about the origin, the first at the top, clockwise on a y-down canvas.
    static func polygonVertices(sides: Int, halfWidth hw: Double, halfHeight hh: Double) -> [(x: Double, y: Double)] {
        (0..<max(sides, 0)).map { i in
            let angle = 2 * Double.pi * Double(i) / Double(sides)
            return (hw * sin(angle), -hh * cos(angle))
        }
    }

    /// Signed distance to a closed polygon (negative inside, even-odd rule): the plain form, which
    /// `PolygonEdges` computes faster (the tests compare the two).
    static func polygonDistance(_ px: Double, _ py: Double, _ vertices: [(Double, Double)]) -> Double {
        var best = Double.infinity
        var inside = false
        var j = vertices.count - 1
        for i in 0..<vertices.count {
            let (ax, ay) = vertices[j], (bx, by) = vertices[i]
            let ex = bx - ax, ey = by - ay
            let wx = px - ax, wy = py - ay
            let t = min(max((wx * ex + wy * ey) / max(ex * ex + ey * ey, 1e-12), 0), 1)
            let dx = wx - ex * t, dy = wy - ey * t
            best = min(best, dx * dx + dy * dy)
            if (ay > py) != (by > py), px < (bx - ax) * (py - ay) / (by - ay) + ax { inside.toggle() }
            j = i
        }
        return inside ? -best.squareRoot() : best.squareRoot()
    }

    /// A closed polygon's edges with what `polygonDistance` computes of them once (each edge's vector
    /// and squared length), so that a distance costs a division only for the edges whose nearest
    /// point lies strictly between their ends. The same arithmetic on the same values: the same
    /// distances, bit for bit (`ShapeDrawingTests`).
    struct PolygonEdges: Sendable {
        /// Per edge: its start (ax, ay), the y of its end, its vector (ex, ey), max(|e|², 10⁻¹²).
        private let edges: [(ax: Double, ay: Double, by: Double, ex: Double, ey: Double, length2: Double)]

        init(_ vertices: [(Double, Double)]) {
            edges = vertices.indices.map { i in
                let (ax, ay) = vertices[(i + vertices.count - 1) % vertices.count], (bx, by) = vertices[i]
                let ex = bx - ax, ey = by - ay
                return (ax, ay, by, ex, ey, max(ex * ex + ey * ey, 1e-12))
            }
        }

        func distance(_ px: Double, _ py: Double) -> Double {
            var best = Double.infinity
            var inside = false
            edges.withUnsafeBufferPointer { edges in
                for edge in edges {
                    let wx = px - edge.ax, wy = py - edge.ay
                    let along = wx * edge.ex + wy * edge.ey
                    // min(max(along / length², 0), 1) without the division where it is 0 or 1 anyway
                    // (length² > 0, and correctly rounded division is monotone).
                    let t: Double
                    if along <= 0 {
                        t = 0
                    } else if along >= edge.length2 {
                        t = 1
                    } else {
                        t = min(max(along / edge.length2, 0), 1)
                    }
                    let dx = wx - edge.ex * t, dy = wy - edge.ey * t
                    best = min(best, dx * dx + dy * dy)
                    if (edge.ay > py) != (edge.by > py), px < edge.ex * (py - edge.ay) / edge.ey + edge.ax { inside.toggle() }
                }
            }
            return inside ? -best.squareRoot() : best.squareRoot()
        }
    }

    @inline(__always)
    static func scale(_ color: SIMD4<UInt8>, by k: Double) -> SIMD4<UInt8> {
        if k >= 1 { return color }
        let f = SIMD4<Double>(Double(color.x), Double(color.y), Double(color.z), Double(color.w)) * k
        let r = (f + 0.5).rounded(.down)
        return SIMD4(UInt8(r.x), UInt8(r.y), UInt8(r.z), UInt8(r.w))
    }

    /// `top` over `bottom`, both premultiplied.
    @inline(__always)
    static func over(_ top: SIMD4<UInt8>, _ bottom: SIMD4<UInt8>) -> SIMD4<UInt8> {
        let inverse = 255 - UInt32(top.w)
        func channel(_ t: UInt8, _ b: UInt8) -> UInt8 {
            UInt8(truncatingIfNeeded: UInt32(t) + Blend.divide255(UInt32(b) * inverse))
        }
        return SIMD4(channel(top.x, bottom.x), channel(top.y, bottom.y), channel(top.z, bottom.z), channel(top.w, bottom.w))
    }
}

import Foundation
