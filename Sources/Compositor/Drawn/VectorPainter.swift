public import Timeline

/// Draws `VectorShape`s (the `line` and `path` clips) at the size they are shown: the fill and
/// the stroke are coverage masks rasterised by cairo (anti-aliased, with its caps and joins),
/// painted with Reel's own paints (solid or gradient, spread over the clip's box).
///
/// The stroke's visible part (`drawStart`/`drawEnd` between `startOffset` and `endOffset`) is
/// cut by length from the path flattened into short chords (at most 1.5 px at the drawn size),
/// so a draw-on at 50 % covers half the length; arrow heads sit at the visible ends.
struct VectorPainter: ContentPainter {
    /// Cairo's miter limit: a miter join reaches at most this many half widths from its corner.
    static let miterLimit = 10.0

    func naturalBox(of content: any DrawnContent, media: any MediaProvider) throws -> (width: Double, height: Double)? {
        guard let shape = content as? VectorShape else { return nil }
        let half = shape.halfExtent
        return (2 * half.x, 2 * half.y)
    }

    func extent(of content: any DrawnContent, boxWidth: Double, boxHeight: Double, sx: Double, sy: Double) -> PixelRect {
        guard let shape = content as? VectorShape else { return PixelRect(x0: 0, y0: 0, x1: 0, y1: 0) }
        let points = Self.scaled(shape, boxWidth: boxWidth, boxHeight: boxHeight, sx: sx, sy: sy).flatMap(\.points)
        guard var low = points.first, var high = points.first else { return PixelRect(x0: 0, y0: 0, x1: 0, y1: 0) }
        for point in points {
            low = pointwiseMin(low, point)
            high = pointwiseMax(high, point)
        }
        let scale = Self.lengthScale(sx: sx, sy: sy)
        var reach = 0.0
        if shape.stroke != nil {
            let half = shape.lineWidth * scale / 2
            reach = shape.join == .miter ? half * Self.miterLimit : half * (shape.cap == .square ? 2.0.squareRoot() : 1)
            if shape.startArrow || shape.endArrow { reach = max(reach, shape.arrowSize * scale) }
        }
        reach += 2
        let limit = Double(1 << 30)
        func clamp(_ value: Double) -> Int { value.isNaN ? 0 : Int(max(-limit, min(limit, value))) }
        return PixelRect(x0: clamp((low.x - reach).rounded(.down)), y0: clamp((low.y - reach).rounded(.down)),
                         x1: clamp((high.x + reach).rounded(.up)), y1: clamp((high.y + reach).rounded(.up)))
    }

    func render(_ content: any DrawnContent, boxWidth: Double, boxHeight: Double, sx: Double, sy: Double,
                area extent: PixelRect, media: any MediaProvider) throws -> Raster {
        let raster = Raster(width: max(1, extent.width), height: max(1, extent.height))
        guard let shape = content as? VectorShape, !extent.isEmpty else { return raster }
        let origin = SIMD2(Double(extent.x0), Double(extent.y0))
        let outline = Self.scaled(shape, boxWidth: boxWidth, boxHeight: boxHeight, sx: sx, sy: sy)
        let scale = Self.lengthScale(sx: sx, sy: sy)
        let (pw, ph) = (boxWidth * abs(sx), boxHeight * abs(sy))

        if let fill = shape.fill, let mask = CairoMask(width: raster.width, height: raster.height) {
            for path in outline {
                for piece in path.pieces {
                    switch piece {
                    case .move(let p): mask.move(to: p - origin)
                    case .line(let p): mask.line(to: p - origin)
                    case .cubic(let a, let b, let p): mask.curve(a - origin, b - origin, p - origin)
                    case .close: mask.close()
                    }
                }
            }
            mask.fill()
            paint(mask, with: PaintSampler(paint: fill, x: 0, y: 0, width: pw, height: ph), origin: origin, onto: raster)
        }
        if let stroke = shape.stroke, shape.lineWidth > 0, let mask = CairoMask(width: raster.width, height: raster.height) {
            let chord = Polyline.chord(for: outline)
            let polylines = outline.map { Polyline(path: $0, chord: chord) }
            let visible = Self.visibleRange(shape, length: polylines.reduce(0) { $0 + $1.length }, scale: scale)
            let arrowLength = shape.arrowSize * scale
            var drewStroke = false
            if let visible {
                // The stroke stops where an arrow's base begins; the head covers the rest.
                let from = visible.lowerBound + (shape.startArrow ? min(arrowLength, visible.upperBound - visible.lowerBound) : 0)
                let to = visible.upperBound - (shape.endArrow ? min(arrowLength, visible.upperBound - from) : 0)
                var offset = 0.0
                for polyline in polylines {
                    defer { offset += polyline.length }
                    let (a, b) = (max(from - offset, 0), min(to - offset, polyline.length))
                    guard a < b || (a == b && polyline.length == 0 && from <= offset && offset <= to) else { continue }
                    let points = polyline.points(from: a, to: b)
                    guard let first = points.first else { continue }
                    mask.move(to: first - origin)
                    for point in points.dropFirst() { mask.line(to: point - origin) }
                    if polyline.closed, a <= 0, b >= polyline.length { mask.close() }
                    drewStroke = true
                }
                if drewStroke || shape.startArrow || shape.endArrow {
                    mask.stroke(width: shape.lineWidth * scale, cap: shape.cap, join: shape.join)
                }
                let whole = shape.startArrow || shape.endArrow ? Polyline(joining: polylines) : Polyline(joining: [])
                if shape.startArrow, let (tip, direction) = whole.end(at: visible.lowerBound, forward: false) {
                    arrow(on: mask, tip: tip - origin, direction: direction, length: arrowLength, width: arrowLength)
                }
                if shape.endArrow, let (tip, direction) = whole.end(at: visible.upperBound, forward: true) {
                    arrow(on: mask, tip: tip - origin, direction: direction, length: arrowLength, width: arrowLength)
                }
            }
            paint(mask, with: PaintSampler(paint: stroke, x: 0, y: 0, width: pw, height: ph), origin: origin, onto: raster)
        }
        return raster
    }

    /// A filled arrow head with its tip at `tip`, pointing along `direction` (a unit vector).
    private func arrow(on mask: CairoMask, tip: SIMD2<Double>, direction: SIMD2<Double>, length: Double, width: Double) {
        let base = tip - direction * length, across = SIMD2(-direction.y, direction.x) * (width / 2)
        mask.move(to: tip)
        mask.line(to: base + across)
        mask.line(to: base - across)
        mask.close()
        mask.fill()
    }

    /// Paints `mask`'s coverage with `sampler`'s colours over `raster` (source over).
    private func paint(_ mask: CairoMask, with sampler: PaintSampler, origin: SIMD2<Double>, onto raster: Raster) {
        let solid = sampler.solidColor
        mask.forEachRow { y, coverage in
            let row = raster.pixels + y * raster.bytesPerRow
            for x in 0..<mask.width where coverage[x] > 0 {
                let color = solid ?? sampler.color(x: origin.x + Double(x) + 0.5, y: origin.y + Double(y) + 0.5)
                let c = UInt32(coverage[x])
                let pixel = row + x * 4
                let alpha = (UInt32(color.w) * c + 127) / 255
                let keep = 255 - alpha
                for channel in 0..<3 {
                    let value = (UInt32(color[channel]) * c + 127) / 255
                    pixel[channel] = UInt8(min(255, value + (UInt32(pixel[channel]) * keep + 127) / 255))
                }
                pixel[3] = UInt8(min(255, alpha + (UInt32(pixel[3]) * keep + 127) / 255))
            }
        }
    }

    /// One subpath in scaled box pixels: its pieces, and its end and control points.
    struct ScaledPath {
        var pieces: [VectorShape.Segment]
        var points: [SIMD2<Double>]
        var closed: Bool
    }

    /// The shape's subpaths in pixels of the scaled box (its origin at the box's centre).
    static func scaled(_ shape: VectorShape, boxWidth: Double, boxHeight: Double, sx: Double, sy: Double) -> [ScaledPath] {
        let centre = SIMD2(boxWidth * abs(sx), boxHeight * abs(sy)) / 2
        let factor = SIMD2(abs(sx), abs(sy))
        func map(_ p: SIMD2<Double>) -> SIMD2<Double> { centre + p * factor }
        var paths: [ScaledPath] = []
        for segment in shape.segments {
            switch segment {
            case .move(let p):
                paths.append(ScaledPath(pieces: [.move(map(p))], points: [map(p)], closed: false))
            case .line(let p):
                if paths.isEmpty { paths.append(ScaledPath(pieces: [.move(map(p))], points: [map(p)], closed: false)); continue }
                paths[paths.count - 1].pieces.append(.line(map(p)))
                paths[paths.count - 1].points.append(map(p))
            case .cubic(let a, let b, let p):
                if paths.isEmpty { paths.append(ScaledPath(pieces: [.move(map(a))], points: [map(a)], closed: false)) }
                paths[paths.count - 1].pieces.append(.cubic(map(a), map(b), map(p)))
                paths[paths.count - 1].points += [map(a), map(b), map(p)]
            case .close:
                guard !paths.isEmpty else { continue }
                paths[paths.count - 1].pieces.append(.close)
                paths[paths.count - 1].closed = true
            }
        }
        return paths
    }

    /// How a length in canvas pixels scales with the clip (the mean of the two axes).
    static func lengthScale(sx: Double, sy: Double) -> Double { (abs(sx) + abs(sy)) / 2 }

    /// The lengths along the path (scaled pixels) that the stroke covers, or nil for none.
    static func visibleRange(_ shape: VectorShape, length: Double, scale: Double) -> ClosedRange<Double>? {
        let spanStart = shape.startOffset * scale, spanEnd = length - shape.endOffset * scale
        guard spanEnd >= spanStart else { return nil }
        let start = shape.drawStart.value(at: 0).unitClamped, end = shape.drawEnd.value(at: 0).unitClamped
        guard end > start else { return nil }
        let span = spanEnd - spanStart
        return (spanStart + start * span)...(spanStart + end * span)
    }
}

/// A subpath flattened into chords, with the length along it at each point.
struct Polyline {
    private(set) var points: [SIMD2<Double>] = []
    private(set) var lengths: [Double] = []
    let closed: Bool
    var length: Double { lengths.last ?? 0 }

    /// Chords at most this long, in scaled pixels, unless a shape is so long that its chords
    /// would pass `chordBudget`: then longer, so that one shape costs at most that many points.
    static let chord = 1.5
    static let chordBudget = 1_000_000.0

    /// The chord length for `paths`: `chord`, or longer to keep within the budget.
    static func chord(for paths: [VectorPainter.ScaledPath]) -> Double {
        var reach = 0.0
        for path in paths {
            var previous: SIMD2<Double>?
            for piece in path.pieces {
                switch piece {
                case .move(let p): previous = p
                case .line(let p): reach += previous.map { lengthOf(p - $0) } ?? 0; previous = p
                case .cubic(let a, let b, let p):
                    reach += (previous.map { lengthOf(a - $0) } ?? 0) + lengthOf(b - a) + lengthOf(p - b)
                    previous = p
                case .close: break
                }
            }
        }
        return reach.isFinite ? max(chord, reach / chordBudget) : .infinity
    }

    init(path: VectorPainter.ScaledPath, chord: Double = Polyline.chord) {
        closed = path.closed
        var start: SIMD2<Double>?
        for piece in path.pieces {
            switch piece {
            case .move(let p):
                start = p
                add(p)
            case .line(let p):
                add(p)
            case .cubic(let a, let b, let p):
                guard let p0 = points.last else { add(p); continue }
                let reach = lengthOf(a - p0) + lengthOf(b - a) + lengthOf(p - b)
                let wanted = reach / chord
                let steps = wanted.isFinite ? max(1, Int(min(4096, wanted.rounded(.up)))) : 1
                for step in 1...steps {
                    let t = Double(step) / Double(steps), u = 1 - t
                    add(p0 * (u * u * u) + a * (3 * u * u * t) + b * (3 * u * t * t) + p * (t * t * t))
                }
            case .close:
                if let start { add(start) }
            }
        }
    }

    /// The polylines one after another, as one (for finding the visible ends of the whole path).
    init(joining lines: [Polyline]) {
        closed = false
        for line in lines {
            for (index, point) in line.points.enumerated() { add(point, jump: index == 0) }
        }
    }

    private mutating func add(_ point: SIMD2<Double>, jump: Bool = false) {
        guard point.x.isFinite, point.y.isFinite else { return }
        let step = jump || points.isEmpty ? 0 : lengthOf(point - points[points.count - 1])
        lengths.append((lengths.last ?? 0) + step)
        points.append(point)
    }

    /// The point at `distance` along the line.
    func point(at distance: Double) -> SIMD2<Double>? {
        guard let first = points.first else { return nil }
        guard distance > 0 else { return first }
        guard let index = lengths.firstIndex(where: { $0 >= distance }) else { return points.last }
        guard index > 0 else { return points[0] }
        let (l0, l1) = (lengths[index - 1], lengths[index])
        let f = l1 > l0 ? (distance - l0) / (l1 - l0) : 0
        return points[index - 1] + (points[index] - points[index - 1]) * f
    }

    /// The points of the part between lengths `a` and `b`.
    func points(from a: Double, to b: Double) -> [SIMD2<Double>] {
        guard let start = point(at: a), let end = point(at: b) else { return [] }
        var result = [start]
        for (index, length) in lengths.enumerated() where length > a && length < b { result.append(points[index]) }
        result.append(end)
        return result
    }

    /// Where the line is at `distance`, and the unit direction pointing out of the visible part
    /// there (along the line when `forward`, against it otherwise).
    func end(at distance: Double, forward: Bool) -> (SIMD2<Double>, SIMD2<Double>)? {
        guard let tip = point(at: distance), length > 0 else { return nil }
        // The direction over the last pixel or so before the end (a chord's worth of curve).
        let back = forward ? max(0, distance - 1) : min(length, distance + 1)
        guard let before = point(at: back) else { return nil }
        let direction = tip - before
        let norm = lengthOf(direction)
        guard norm > 1e-9 else { return nil }
        return (tip, direction / norm)
    }
}

/// The length of `v`.
@inline(__always) func lengthOf(_ v: SIMD2<Double>) -> Double { (v * v).sum().squareRoot() }
