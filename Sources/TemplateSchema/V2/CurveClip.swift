public import Timeline

// The `line` and `path` clips (schema §11.10): points or SVG path data, stroked with caps and
// joins, arrow heads, trimmed ends and a draw-on; lowered to a `VectorShape`.

extension RenderingVideoV2 {
    /// What a `line` or `path` clip carries beyond the shared fields.
    public struct Curve: Sendable {
        public var kind: String
        public var segments: [VectorShape.Segment]
        public var closed = false
        public var lineWidth: Double?
        public var cap: VectorShape.Cap?
        public var join: VectorShape.Join?
        /// `line` only: corners rounded over this many pixels along each side.
        public var radius = 0.0
        public var drawStart = 0.0
        public var drawEnd = 1.0
        public var startOffset = 0.0
        public var endOffset = 0.0
        public var startArrow = false
        public var endArrow = false
        public var arrowSize: Double?
    }
}

extension DocumentReader {
    /// The most points a line or segments a path may have.
    static let maximumCurvePoints = 10_000

    func readCurve(_ node: Node, type: String) -> RenderingVideoV2.Curve? {
        var curve = RenderingVideoV2.Curve(kind: type, segments: [])
        if type == "line" {
            guard let pointsNode = node.required("points"), let points = pointsNode.array else { return nil }
            guard points.count >= 2 else {
                pointsNode.fail("needs at least two points, found \(points.count)")
                return nil
            }
            guard points.count <= Self.maximumCurvePoints else {
                pointsNode.fail("has \(points.count) points; at most \(Self.maximumCurvePoints)")
                return nil
            }
            let read = points.compactMap(readPoint)
            guard read.count == points.count else { return nil }
            curve.segments = [.move(read[0])] + read.dropFirst().map(VectorShape.Segment.line)
            if let radius = node["radius"]?.nonNegativePixels { curve.radius = radius }
        } else {
            guard let dataNode = node.required("data"), let data = dataNode.string(maxLength: DocumentLimits.textLength) else { return nil }
            do {
                curve.segments = try PathData.parse(data, maximumSegments: Self.maximumCurvePoints)
            } catch {
                dataNode.fail(error.description)
                return nil
            }
            if node.has("radius") { node.path.appending("radius").record(in: log, "applies to line clips only") }
        }
        if let closed = node["closed"]?.bool { curve.closed = closed }
        curve.lineWidth = node["lineWidth"]?.nonNegativeNumber(upTo: DocumentLimits.strokeWidth)
        curve.cap = node["lineCap"]?.oneOf(VectorShape.Cap.self)
        curve.join = node["lineJoin"]?.oneOf(VectorShape.Join.self)
        if let value = node["drawStart"]?.number(in: 0...1) { curve.drawStart = value }
        if let value = node["drawEnd"]?.number(in: 0...1) { curve.drawEnd = value }
        if let value = node["startOffset"]?.nonNegativePixels { curve.startOffset = value }
        if let value = node["endOffset"]?.nonNegativePixels { curve.endOffset = value }
        if let value = node["startArrow"]?.bool { curve.startArrow = value }
        if let value = node["endArrow"]?.bool { curve.endArrow = value }
        curve.arrowSize = node["arrowSize"]?.positiveNumber(upTo: DocumentLimits.strokeWidth)
        return curve
    }

    /// `[x, y]` or `{x, y}` in pixels.
    private func readPoint(_ node: Node) -> SIMD2<Double>? {
        let limit = DocumentLimits.pixels
        if let pair = node.array {
            guard pair.count == 2 else {
                node.fail("must be [x, y] or {\"x\": …, \"y\": …}")
                return nil
            }
            guard let x = pair[0].number(in: -limit...limit), let y = pair[1].number(in: -limit...limit) else { return nil }
            return SIMD2(x, y)
        }
        guard node.expectObject(), let x = node.required("x")?.number(in: -limit...limit),
              let y = node.required("y")?.number(in: -limit...limit) else { return nil }
        return SIMD2(x, y)
    }
}

extension RenderingVideoV2.Document {
    /// A line or path clip's content: stroked with `style.stroke` (white when it has none), filled
    /// with `style.fill` only when it is closed.
    func curveContent(_ curve: RenderingVideoV2.Curve, style: RenderingVideoV2.Style,
                      keyframes: [KeyframeProperty: KeyframeTrack]) -> ClipContent {
        var segments = curve.radius > 0 ? Self.rounded(curve.segments, radius: curve.radius) : curve.segments
        if curve.closed, segments.last != .close { segments.append(.close) }
        // Filled as SVG fills: a path with a closed part (`Z`, or `closed`) takes `style.fill`.
        let closesAnywhere = segments.contains(.close)
        let lineWidth = curve.lineWidth ?? style.strokeWidth ?? 4
        let shape = VectorShape(
            kindName: curve.kind, segments: segments, stroke: style.stroke ?? .solid(.white),
            fill: closesAnywhere ? style.fill : nil, lineWidth: lineWidth, cap: curve.cap ?? .round, join: curve.join ?? .round,
            drawStart: keyframes[.drawStart]?.numbers ?? .constant(curve.drawStart),
            drawEnd: keyframes[.drawEnd]?.numbers ?? .constant(curve.drawEnd),
            startOffset: curve.startOffset, endOffset: curve.endOffset, startArrow: curve.startArrow, endArrow: curve.endArrow,
            arrowSize: curve.arrowSize ?? max(12, 3 * lineWidth))
        return .drawn(Drawn(shape))
    }

    /// A polyline with each inner corner cut `radius` px back along both sides (at most half of
    /// each side) and joined by a curve that meets both sides tangentially.
    static func rounded(_ segments: [VectorShape.Segment], radius: Double) -> [VectorShape.Segment] {
        let points: [SIMD2<Double>] = segments.compactMap {
            switch $0 {
            case .move(let p), .line(let p): p
            default: nil
            }
        }
        guard points.count >= 3, let first = points.first, let last = points.last else { return segments }
        func length(_ v: SIMD2<Double>) -> Double { (v * v).sum().squareRoot() }
        var result: [VectorShape.Segment] = [.move(first)]
        // 0.5523: control points at this fraction of the cut give a near-circular quarter turn.
        let kappa = 0.5523
        for index in 1..<(points.count - 1) {
            let (before, corner, after) = (points[index - 1], points[index], points[index + 1])
            let inLength = length(corner - before), outLength = length(after - corner)
            guard inLength > 0, outLength > 0 else { result.append(.line(corner)); continue }
            let cut = min(radius, inLength / 2, outLength / 2)
            let inDirection = (corner - before) / inLength, outDirection = (after - corner) / outLength
            let entry = corner - inDirection * cut, exit = corner + outDirection * cut
            result.append(.line(entry))
            result.append(.cubic(entry + inDirection * cut * kappa, exit - outDirection * cut * kappa, exit))
        }
        result.append(.line(last))
        return result
    }
}

/// SVG path data (the `d` attribute): M, L, H, V, C, S, Q, T, A and Z, absolute and relative,
/// turned into moves, lines and cubic Béziers (quadratics raised, arcs split into quarter turns).
public enum PathData {
    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func parse(_ text: String, maximumSegments: Int = 10_000) throws(ParseError) -> [VectorShape.Segment] {
        var scanner = Scanner(bytes: Array(text.utf8))
        var segments: [VectorShape.Segment] = []
        var current = SIMD2<Double>(0, 0), subpathStart = current
        var lastControl: SIMD2<Double>?, lastQuadratic: SIMD2<Double>?
        var command: UInt8?
        scanner.skipSeparators()
        guard !scanner.atEnd else { throw ParseError(description: "is empty; expected path data such as \"M 0 0 L 100 0\"") }
        while !scanner.atEnd {
            if let letter = scanner.letter() {
                command = letter
            } else if command == nil {
                throw scanner.error("expected a command letter (M, L, H, V, C, S, Q, T, A or Z)")
            } else if command == UInt8(ascii: "Z") || command == UInt8(ascii: "z") {
                throw scanner.error("expected a command letter after Z")
            }
            guard let op = command else { break }
            let relative = op >= UInt8(ascii: "a")
            let base = relative ? current : .zero
            var nextControl: SIMD2<Double>?, nextQuadratic: SIMD2<Double>?
            switch op | 0x20 {
            case UInt8(ascii: "m"):
                current = base + (try scanner.pair())
                subpathStart = current
                segments.append(.move(current))
                // Further pairs after a move are lines.
                command = relative ? UInt8(ascii: "l") : UInt8(ascii: "L")
            case UInt8(ascii: "l"):
                current = base + (try scanner.pair())
                segments.append(.line(current))
            case UInt8(ascii: "h"):
                current = SIMD2(base.x + (try scanner.number()), current.y)
                segments.append(.line(current))
            case UInt8(ascii: "v"):
                current = SIMD2(current.x, base.y + (try scanner.number()))
                segments.append(.line(current))
            case UInt8(ascii: "c"):
                let a = base + (try scanner.pair()), b = base + (try scanner.pair()), p = base + (try scanner.pair())
                segments.append(.cubic(a, b, p))
                (current, nextControl) = (p, b)
            case UInt8(ascii: "s"):
                let a = lastControl.map { 2 * current - $0 } ?? current
                let b = base + (try scanner.pair()), p = base + (try scanner.pair())
                segments.append(.cubic(a, b, p))
                (current, nextControl) = (p, b)
            case UInt8(ascii: "q"):
                let q = base + (try scanner.pair()), p = base + (try scanner.pair())
                segments.append(quadratic(from: current, q, p))
                (current, nextQuadratic) = (p, q)
            case UInt8(ascii: "t"):
                let q = lastQuadratic.map { 2 * current - $0 } ?? current
                let p = base + (try scanner.pair())
                segments.append(quadratic(from: current, q, p))
                (current, nextQuadratic) = (p, q)
            case UInt8(ascii: "a"):
                let rx = abs(try scanner.number()), ry = abs(try scanner.number()), angle = try scanner.number()
                let large = try scanner.flag(), sweep = try scanner.flag()
                let p = base + (try scanner.pair())
                segments += arc(from: current, to: p, rx: rx, ry: ry, degrees: angle, large: large, sweep: sweep)
                current = p
            case UInt8(ascii: "z"):
                segments.append(.close)
                current = subpathStart
            default:
                throw scanner.error("unknown command \"\(String(UnicodeScalar(op)))\"")
            }
            (lastControl, lastQuadratic) = (nextControl, nextQuadratic)
            guard segments.count <= maximumSegments else {
                throw ParseError(description: "has more than \(maximumSegments) segments")
            }
            scanner.skipSeparators()
        }
        guard case .move = segments.first else { throw ParseError(description: "must start with a move (M or m)") }
        let limit = DocumentLimits.pixels
        func within(_ p: SIMD2<Double>) -> Bool { abs(p.x) <= limit && abs(p.y) <= limit }
        for segment in segments {
            let inside: Bool = switch segment {
            case .move(let p), .line(let p): within(p)
            case .cubic(let a, let b, let p): within(a) && within(b) && within(p)
            case .close: true
            }
            guard inside else {
                throw ParseError(description: "reaches beyond ±\(Int(limit)) px (relative commands add up)")
            }
        }
        return segments
    }

    private static func quadratic(from p0: SIMD2<Double>, _ q: SIMD2<Double>, _ p: SIMD2<Double>) -> VectorShape.Segment {
        .cubic(p0 + (q - p0) * (2.0 / 3), p + (q - p) * (2.0 / 3), p)
    }

    /// An elliptical arc (SVG's endpoint parameters, implementation notes F.6) as cubics of at most
    /// a quarter turn each.
    static func arc(from p0: SIMD2<Double>, to p1: SIMD2<Double>, rx: Double, ry: Double, degrees: Double,
                    large: Bool, sweep: Bool) -> [VectorShape.Segment] {
        guard p0 != p1 else { return [] }
        guard rx > 0, ry > 0 else { return [.line(p1)] }
        let phi = degrees * .pi / 180, (cosPhi, sinPhi) = (cos(phi), sin(phi))
        let half = (p0 - p1) / 2
        let x1 = cosPhi * half.x + sinPhi * half.y, y1 = -sinPhi * half.x + cosPhi * half.y
        var (rx, ry) = (rx, ry)
        // As ratios first: squares of tiny radii underflow to 0.
        let lambda = (x1 / rx) * (x1 / rx) + (y1 / ry) * (y1 / ry)
        guard lambda.isFinite else { return [.line(p1)] }
        if lambda > 1 { (rx, ry) = (rx * lambda.squareRoot(), ry * lambda.squareRoot()) }
        let numerator = max(0, rx * rx * ry * ry - rx * rx * y1 * y1 - ry * ry * x1 * x1)
        let denominator = rx * rx * y1 * y1 + ry * ry * x1 * x1
        var factor = denominator > 0 ? (numerator / denominator).squareRoot() : 0
        if large == sweep { factor = -factor }
        let cx1 = factor * rx * y1 / ry, cy1 = -factor * ry * x1 / rx
        let middle = (p0 + p1) / 2
        let centre = SIMD2(cosPhi * cx1 - sinPhi * cy1 + middle.x, sinPhi * cx1 + cosPhi * cy1 + middle.y)
        func angle(_ u: SIMD2<Double>, _ v: SIMD2<Double>) -> Double {
            atan2(u.x * v.y - u.y * v.x, u.x * v.x + u.y * v.y)
        }
        let start = angle(SIMD2(1, 0), SIMD2((x1 - cx1) / rx, (y1 - cy1) / ry))
        var delta = angle(SIMD2((x1 - cx1) / rx, (y1 - cy1) / ry), SIMD2((-x1 - cx1) / rx, (-y1 - cy1) / ry))
        if !sweep, delta > 0 { delta -= 2 * .pi }
        if sweep, delta < 0 { delta += 2 * .pi }
        guard start.isFinite, delta.isFinite, centre.x.isFinite, centre.y.isFinite, rx.isFinite, ry.isFinite else {
            return [.line(p1)]
        }
        let pieces = max(1, min(4, Int((abs(delta) / (.pi / 2)).rounded(.up))))
        let step = delta / Double(pieces)
        let k = 4.0 / 3 * tan(step / 4)
        func point(_ theta: Double) -> SIMD2<Double> {
            let (x, y) = (rx * cos(theta), ry * sin(theta))
            return centre + SIMD2(cosPhi * x - sinPhi * y, sinPhi * x + cosPhi * y)
        }
        func derivative(_ theta: Double) -> SIMD2<Double> {
            let (x, y) = (-rx * sin(theta), ry * cos(theta))
            return SIMD2(cosPhi * x - sinPhi * y, sinPhi * x + cosPhi * y)
        }
        var result: [VectorShape.Segment] = []
        for index in 0..<pieces {
            let a = start + Double(index) * step, b = a + step
            let end = index == pieces - 1 ? p1 : point(b)
            result.append(.cubic(point(a) + derivative(a) * k, end - derivative(b) * k, end))
        }
        return result
    }

    /// Reads path data byte by byte.
    struct Scanner {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index >= bytes.count }

        func error(_ message: String) -> ParseError {
            ParseError(description: "\(message) at character \(index + 1)")
        }

        mutating func skipSeparators() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D, 0x0C, UInt8(ascii: ",")].contains(bytes[index]) { index += 1 }
        }

        mutating func letter() -> UInt8? {
            skipSeparators()
            guard index < bytes.count else { return nil }
            let byte = bytes[index]
            guard (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")),
                  byte != UInt8(ascii: "e"), byte != UInt8(ascii: "E") else { return nil }
            index += 1
            return byte
        }

        /// A number as SVG writes it: sign, digits, fraction, exponent (`1.5.5` is two numbers).
        mutating func number() throws(ParseError) -> Double {
            skipSeparators()
            let start = index
            func digits() { while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 } }
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            digits()
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") { index += 1; digits() }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                digits()
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            guard let value = Double(text), value.isFinite, abs(value) <= DocumentLimits.pixels else {
                index = start
                throw error(atEnd ? "expected a number, found the end" : "expected a number")
            }
            return value
        }

        mutating func pair() throws(ParseError) -> SIMD2<Double> {
            let x = try number()
            return SIMD2(x, try number())
        }

        /// An arc flag: a single 0 or 1 (which may touch the next number).
        mutating func flag() throws(ParseError) -> Bool {
            skipSeparators()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "0") || bytes[index] == UInt8(ascii: "1") else {
                throw error("expected an arc flag (0 or 1)")
            }
            index += 1
            return bytes[index - 1] == UInt8(ascii: "1")
        }
    }
}

import Foundation
