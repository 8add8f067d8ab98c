public import Timeline

/// A shape drawn straight onto the canvas through its placement, instead of rasterised into a
/// layer that is then resampled: what rotated shapes and shapes whose scale changes use.
///
/// Each canvas pixel centre is mapped back into the shape's raster coordinates (the ones
/// `ShapeRasterizer.render` uses) and given the coverage and paint that `render` gives there, so
/// edges keep their analytic anti-aliasing at any angle and scale, and no raster is made or
/// sampled. Placements of shapes are rotations, flips and translations, which keep distances, so
/// the signed distance in raster coordinates is the distance on the canvas.
///
/// A row is split into spans: pixels that no part of the shape reaches are skipped, pixels deep
/// inside the fill (coverage 1, no stroke) take the paint alone, from a gradient's table along
/// the row, and only the pixels near the outline evaluate the distance.
package struct ShapeDrawing: @unchecked Sendable {
    let shape: ShapeContent
    /// The box's size and where its top-left corner lies in raster coordinates.
    let boxWidth: Double, boxHeight: Double, margin: Double
    /// The size of the raster `ShapeRasterizer.render` would draw.
    let rasterWidth: Int, rasterHeight: Int

    private let strokeWidth: Double
    private let fills: Bool, strokes: Bool
    private let fill: PaintSampler, stroke: PaintSampler
    private let distance: (Double, Double) -> Double
    /// How far from the outline, either side, its anti-aliased edge and stroke reach: pixels at
    /// distance ≤ −reach are the fill colour alone, pixels at distance ≥ reach are untouched.
    private let reach: Double
    /// The largest corner radius of a rectangle (0 for other shapes).
    private let largestRadius: Double
    /// A polygon's edges about the box's centre: a vertex and the outward unit normal.
    private let edges: [(x: Double, y: Double, nx: Double, ny: Double)]

    package init(shape: ShapeContent, width: Double, height: Double) {
        self.shape = shape
        boxWidth = width
        boxHeight = height
        let size = ShapeRasterizer.rasterSize(shape, width: width, height: height)
        (rasterWidth, rasterHeight, margin) = size
        strokeWidth = shape.stroke == nil ? 0 : shape.strokeWidth
        fills = shape.fill != nil
        strokes = shape.stroke != nil && strokeWidth > 0
        let clear = Paint.solid(RGBAColor(red: 0, green: 0, blue: 0, alpha: 0))
        fill = PaintSampler(paint: shape.fill ?? clear, x: margin, y: margin, width: width, height: height)
        stroke = PaintSampler(paint: shape.stroke ?? clear, x: margin, y: margin, width: width, height: height)
        distance = ShapeRasterizer.signedDistance(shape.geometry, x: margin, y: margin, width: width, height: height)
        let strokeReach = strokes ? (strokeWidth >= 1 ? strokeWidth / 2 + 0.5 : 1) : 0
        reach = max(fills ? 0.5 : 0, strokeReach)
        let hw = width / 2, hh = height / 2
        switch shape.geometry {
        case .rectangle(let radii):
            let limit = min(hw, hh)
            largestRadius = max(0, [radii.topLeft, radii.topRight, radii.bottomRight, radii.bottomLeft].map { min($0, limit) }.max() ?? 0)
            edges = []
        case .ellipse, .arc:
            largestRadius = 0
            edges = []
        case .regularPolygon(let sides):
            largestRadius = 0
            let vertices = ShapeRasterizer.polygonVertices(sides: sides, halfWidth: hw, halfHeight: hh)
            edges = vertices.indices.compactMap { i in
                let (ax, ay) = vertices[i], (bx, by) = vertices[(i + 1) % vertices.count]
                var nx = by - ay, ny = -(bx - ax)
                let length = (nx * nx + ny * ny).squareRoot()
                guard length > 1e-12 else { return nil }
                nx /= length
                ny /= length
                // Outward: away from the centre, which lies inside.
                if nx * ax + ny * ay < 0 { nx = -nx; ny = -ny }
                return (ax, ay, nx, ny)
            }
        }
    }

    /// Draws the shape onto the `rows` of `canvas` through `transform` (raster coordinates →
    /// canvas) at `opacity`.
    func draw(transform: Affine, opacity: UInt8, onto canvas: Raster, rows: Range<Int>) {
        draw(transform: transform, opacity: opacity, onto: canvas, rows: rows, spans: true)
    }

    /// `draw` evaluating the outline at every pixel the shape's box can reach, without spans: the
    /// reference the spans are tested against (they must give the same bytes).
    package func drawEveryPixel(transform: Affine, opacity: UInt8, onto canvas: Raster, rows: Range<Int>) {
        draw(transform: transform, opacity: opacity, onto: canvas, rows: rows, spans: false)
    }

    private func draw(transform: Affine, opacity: UInt8, onto canvas: Raster, rows: Range<Int>, spans: Bool) {
        guard opacity > 0, fills || strokes, let inverse = transform.inverse else { return }
        let area = LayerCompositor.bounds(width: rasterWidth, height: rasterHeight, transform: transform,
                                          canvasWidth: canvas.width, canvasHeight: canvas.height)
        let (x0, y0, x1, y1) = (area.x0, max(area.y0, rows.lowerBound), area.x1, min(area.y1, rows.upperBound))
        guard x0 < x1, y0 < y1 else { return }
        let count = x1 - x0
        ScratchWords.with(count) { row in
            draw(inverse: inverse, opacity: opacity, onto: canvas, columns: x0..<x1, rows: y0..<y1, row: row, spans: spans)
        }
    }

    private func draw(inverse: Affine, opacity: UInt8, onto canvas: Raster, columns: Range<Int>, rows: Range<Int>,
                      row: UnsafeMutablePointer<UInt32>, spans: Bool) {
        let (x0, count) = (columns.lowerBound, columns.count)
        let opaqueInside = fills && fill.isOpaque && opacity == 255
        let (du, dv) = (inverse.a, inverse.b)
        for y in rows {
            guard let (start, touched, inside) = self.spans(ofRow: y, inverse: inverse, x0: x0, count: count, spans: spans) else { continue }
            // Near the outline: the coverage and paint `ShapeRasterizer.render` gives.
            for i in touched.lowerBound..<inside.lowerBound { row[i] = edgePixel(start.x + Double(i) * du, start.y + Double(i) * dv) }
            for i in inside.upperBound..<touched.upperBound { row[i] = edgePixel(start.x + Double(i) * du, start.y + Double(i) * dv) }
            let target = canvas.pixels + (y * canvas.width + x0) * 4
            // Deep inside: the fill alone (nothing when only the outline is stroked), written
            // straight into the canvas when it is opaque.
            if opaqueInside, !inside.isEmpty {
                (target + inside.lowerBound * 4).withMemoryRebound(to: UInt32.self, capacity: inside.count) {
                    fill.colors(into: $0, count: inside.count, x: start.x, y: start.y, dx: du, dy: dv, first: inside.lowerBound)
                }
            } else if !inside.isEmpty {
                if fills {
                    fill.colors(into: row + inside.lowerBound, count: inside.count, x: start.x, y: start.y, dx: du, dy: dv,
                                first: inside.lowerBound)
                } else {
                    (row + inside.lowerBound).update(repeating: 0, count: inside.count)
                }
            }
            row.withMemoryRebound(to: UInt8.self, capacity: count * 4) { bytes in
                if opaqueInside, !inside.isEmpty {
                    Blend.sourceOver(source: bytes + touched.lowerBound * 4, destination: target + touched.lowerBound * 4,
                                     count: inside.lowerBound - touched.lowerBound, opacity: opacity)
                    Blend.sourceOver(source: bytes + inside.upperBound * 4, destination: target + inside.upperBound * 4,
                                     count: touched.upperBound - inside.upperBound, opacity: opacity)
                } else {
                    Blend.sourceOver(source: bytes + touched.lowerBound * 4, destination: target + touched.lowerBound * 4,
                                     count: touched.count, opacity: opacity)
                }
            }
        }
    }

    /// Canvas row `y` from column `x0`, `count` pixels: where its first pixel centre lies in raster
    /// coordinates, the pixels the shape can touch, and of those the ones deep inside the fill (an
    /// empty range at `touched`'s start when none, or without spans). Nil when it touches none.
    @inline(__always)
    private func spans(ofRow y: Int, inverse: Affine, x0: Int, count: Int, spans: Bool)
        -> (start: (x: Double, y: Double), touched: Range<Int>, inside: Range<Int>)? {
        let cx = margin + boxWidth / 2, cy = margin + boxHeight / 2
        let start = inverse.apply(Double(x0) + 0.5, Double(y) + 0.5)
        guard start.x.isFinite, start.y.isFinite else { return nil }
        let line = Line(u: start.x - cx, v: start.y - cy, du: inverse.a, dv: inverse.b)
        // Only pixel centres over the shape's raster (where `render` would draw), and of those
        // (with spans) only the ones the outline can reach.
        let over = rasterSpan(line).flatMap { raster in spans ? outerSpan(line).flatMap { Self.meet(raster, $0) } : raster }
        guard let touched = pixelSpan(over, count: count, grow: false) else { return nil }
        let inner = (spans ? pixelSpan(innerSpan(line), count: count, grow: false) : nil)?.clamped(to: touched)
        let inside = inner.flatMap { $0.isEmpty ? nil : $0 } ?? touched.lowerBound..<touched.lowerBound
        return (start, touched, inside)
    }

    /// Whether drawing the shape through `transform` at `opacity` writes every pixel of the `rows`
    /// of a `width`-wide canvas with opaque fill alone, reading nothing under it: then what was
    /// there before does not matter (the frame's background need not be laid down first).
    func paintsOver(transform: Affine, opacity: UInt8, width: Int, rows: Range<Int>) -> Bool {
        guard opacity == 255, fills, fill.isOpaque, width > 0, !rows.isEmpty, let inverse = transform.inverse else { return false }
        for y in rows {
            guard let (_, _, inside) = self.spans(ofRow: y, inverse: inverse, x0: 0, count: width, spans: true),
                  inside == 0..<width else { return false }
        }
        return true
    }

    /// The pixel at (px, py) in raster coordinates, as `ShapeRasterizer.render` gives it.
    @inline(__always)
    private func edgePixel(_ px: Double, _ py: Double) -> UInt32 {
        pack(ShapeRasterizer.pixel(distance: distance(px, py), x: px, y: py, fill: fill, fills: fills,
                                   stroke: stroke, strokes: strokes, strokeWidth: strokeWidth))
    }

    /// A row of pixel centres in box coordinates about the box's centre: pixel i is at
    /// (u + i·du, v + i·dv).
    struct Line {
        var u, v, du, dv: Double
    }

    /// The pixels (indices 0..<count) whose centres lie in the span `t` of the line: all that can
    /// touch it (`grow`), or only those surely inside it.
    private func pixelSpan(_ t: ClosedRange<Double>?, count: Int, grow: Bool) -> Range<Int>? {
        guard let t else { return nil }
        // A hair of slack against rounding in the line's positions.
        let slack = grow ? 1e-6 : -1e-6
        let low = max(0, min(Double(count), (t.lowerBound - slack).rounded(.up)))
        let high = max(0, min(Double(count), (t.upperBound + slack).rounded(.down) + 1))
        guard low < high else { return nil }
        return Int(low)..<Int(high)
    }

    /// Where on the line the pixel centres lie over the shape's raster, [0, rasterWidth) ×
    /// [0, rasterHeight) in raster coordinates: the most `ShapeRasterizer.render` draws (the
    /// first-order estimate of a long ellipse's distance would otherwise reach past its tips).
    private func rasterSpan(_ line: Line) -> ClosedRange<Double>? {
        let cx = margin + boxWidth / 2, cy = margin + boxHeight / 2
        let across = Self.interval(line.u, line.du, -cx, Double(rasterWidth) - cx)
        let down = Self.interval(line.v, line.dv, -cy, Double(rasterHeight) - cy)
        return across.flatMap { a in down.flatMap { Self.meet(a, $0) } }
    }

    /// Where low ≤ p + t·step ≤ high.
    static func interval(_ p: Double, _ step: Double, _ low: Double, _ high: Double) -> ClosedRange<Double>? {
        guard low <= high else { return nil }
        if abs(step) < 1e-12 { return p >= low && p <= high ? -1e18...1e18 : nil }
        let t1 = (low - p) / step, t2 = (high - p) / step
        return min(t1, t2)...max(t1, t2)
    }

    /// Where on the line the shape can have pixels (a superset: the box grown by what the
    /// outline reaches).
    private func outerSpan(_ line: Line) -> ClosedRange<Double>? {
        let hw = boxWidth / 2, hh = boxHeight / 2
        if case .ellipse = shape.geometry, abs(hw - hh) >= 1e-9 {
            // The distance is a first-order estimate f/|∇f|, which can read far less than the
            // true distance near the ends of a long ellipse. As |∇f| ≤ 2·s/min(hw, hh) where s is
            // the box-normalised radius, it is ≥ reach beyond the ellipse scaled by
            // S = k + √(k² + 1), k = reach/min(hw, hh).
            let k = reach / max(min(hw, hh), 1e-9)
            let scaled = Line(u: line.u / hw, v: line.v / hh, du: line.du / hw, dv: line.dv / hh)
            return Self.disc(scaled, radius: (k + (k * k + 1).squareRoot()) * (1 + 1e-9))
        }
        // Rectangles, circles and polygons lie in their box, and their distances are exact.
        let grow = reach + 1e-3
        let box = Self.slab(line.u, line.du, hw + grow).flatMap { a in Self.slab(line.v, line.dv, hh + grow).flatMap { Self.meet(a, $0) } }
        switch shape.geometry {
        case .ellipse:
            // A circle: within its radius and the reach of its centre (not its box's corners).
            return box.flatMap { box in Self.disc(line, radius: hw + grow).flatMap { Self.meet(box, $0) } }
        case .regularPolygon(let sides) where sides >= 3:
            // A convex polygon: a point more than `reach` outside any edge's line is at least that
            // far from the polygon (so the corners of the box beyond the edges are left alone).
            return box.flatMap { box in halfPlanes(line, offset: grow).flatMap { Self.meet(box, $0) } }
        default:
            return box
        }
    }

    /// Where on the line n·(p − a) ≤ offset for every edge of the polygon (its inside moved
    /// outwards by `offset`, or inwards for a negative one). Nil when nowhere or unbounded.
    private func halfPlanes(_ line: Line, offset: Double) -> ClosedRange<Double>? {
        var span: ClosedRange<Double> = -Double.infinity...Double.infinity
        for (ax, ay, nx, ny) in edges {
            // n·(p − a) − offset ≤ 0 along p = (u, v) + t·(du, dv).
            let base = nx * (line.u - ax) + ny * (line.v - ay) - offset
            let step = nx * line.du + ny * line.dv
            if abs(step) < 1e-12 {
                if base > 0 { return nil }
            } else if step > 0 {
                guard let next = Self.meet(span, -Double.infinity...(-base / step)) else { return nil }
                span = next
            } else {
                guard let next = Self.meet(span, (-base / step)...Double.infinity) else { return nil }
                span = next
            }
        }
        guard span.lowerBound.isFinite, span.upperBound.isFinite else { return nil }
        return span
    }

    /// Where on the line the pixels are at distance ≤ −reach from the outline (a subset: convex
    /// parts of that region, whose points are provably that deep).
    private func innerSpan(_ line: Line) -> ClosedRange<Double>? {
        let hw = boxWidth / 2, hh = boxHeight / 2
        switch shape.geometry {
        case .rectangle:
            // Two crossed boxes, each inside the rounded rectangle shrunk by `reach`.
            let r = largestRadius
            func box(_ w: Double, _ h: Double) -> ClosedRange<Double>? {
                Self.slab(line.u, line.du, w).flatMap { a in Self.slab(line.v, line.dv, h).flatMap { Self.meet(a, $0) } }
            }
            let wide = box(hw - reach, hh - reach - r), tall = box(hw - reach - r, hh - reach)
            switch (wide, tall) {
            case (let a?, let b?):
                if a.lowerBound <= b.upperBound, b.lowerBound <= a.upperBound {
                    return min(a.lowerBound, b.lowerBound)...max(a.upperBound, b.upperBound)
                }
                return a.upperBound - a.lowerBound >= b.upperBound - b.lowerBound ? a : b
            case (let a?, nil): return a
            case (nil, let b?): return b
            case (nil, nil): return nil
            }
        case .ellipse:
            if abs(hw - hh) < 1e-9 { return Self.disc(line, radius: hw - reach) }
            // The estimate f/|∇f| (f = u² + v² − 1 in box-normalised units) is ≤ −reach on the
            // ellipse scaled by s when 1 − s² ≥ 2·reach·s/min(hw, hh).
            let k = reach / max(min(hw, hh), 1e-9)
            let s = (k * k + 1).squareRoot() - k
            let scaled = Line(u: line.u / hw, v: line.v / hh, du: line.du / hw, dv: line.dv / hh)
            return Self.disc(scaled, radius: s)
        case .regularPolygon(let sides):
            // The polygon is convex: the points at least `reach` inside every edge's line.
            guard sides >= 3 else { return nil }
            return halfPlanes(line, offset: -reach)
        case .arc:
            // No span is known to be deep inside: every pixel the box reaches measures its distance.
            return nil
        }
    }

    /// Where |p + t·step| ≤ limit on one axis.
    static func slab(_ p: Double, _ step: Double, _ limit: Double) -> ClosedRange<Double>? {
        guard limit >= 0 else { return nil }
        if abs(step) < 1e-12 { return abs(p) <= limit ? -1e18...1e18 : nil }
        let t1 = (-limit - p) / step, t2 = (limit - p) / step
        return min(t1, t2)...max(t1, t2)
    }

    /// Where the line lies within `radius` of the centre.
    static func disc(_ line: Line, radius: Double) -> ClosedRange<Double>? {
        guard radius > 0 else { return nil }
        let a = line.du * line.du + line.dv * line.dv
        let b = 2 * (line.u * line.du + line.v * line.dv)
        let c = line.u * line.u + line.v * line.v - radius * radius
        guard a > 1e-18 else { return c <= 0 ? -1e18...1e18 : nil }
        let discriminant = b * b - 4 * a * c
        guard discriminant >= 0 else { return nil }
        let root = discriminant.squareRoot()
        return ((-b - root) / (2 * a))...((-b + root) / (2 * a))
    }

    static func meet(_ a: ClosedRange<Double>, _ b: ClosedRange<Double>) -> ClosedRange<Double>? {
        let low = max(a.lowerBound, b.lowerBound), high = min(a.upperBound, b.upperBound)
        return low <= high ? low...high : nil
    }

    @inline(__always)
    private func pack(_ pixel: SIMD4<UInt8>) -> UInt32 {
        (UInt32(pixel.x) | UInt32(pixel.y) << 8 | UInt32(pixel.z) << 16 | UInt32(pixel.w) << 24).littleEndian
    }
}

import Foundation
