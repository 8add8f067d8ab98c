/// A stroked (and, when closed, possibly filled) vector path: the `line` and `path` clip types.
///
/// Coordinates are canvas pixels relative to the clip's position (`transform.x`, `transform.y`),
/// as Motion Canvas places a `Line`'s points: the clip's box is centred on that point and just
/// large enough to hold every point on either side, so the box's centre anchor is the origin of
/// the points and rotation and scale turn about it.
public struct VectorShape: DrawnContent {
    public enum Segment: Hashable, Sendable {
        case move(SIMD2<Double>)
        case line(SIMD2<Double>)
        /// A cubic Bézier: two control points, then the end.
        case cubic(SIMD2<Double>, SIMD2<Double>, SIMD2<Double>)
        case close
    }

    public enum Cap: String, CaseIterable, Hashable, Sendable { case butt, round, square }
    public enum Join: String, CaseIterable, Hashable, Sendable { case round, bevel, miter }

    public var kindName: String
    public var segments: [Segment]
    public var stroke: Paint?
    public var fill: Paint?
    public var lineWidth: Double
    public var cap: Cap
    public var join: Join
    /// The visible part of the stroke, as fractions (0–1) of the length between the offsets.
    public var drawStart: Animatable<Double>
    public var drawEnd: Animatable<Double>
    /// Pixels of the path's length left undrawn at its start and end.
    public var startOffset: Double
    public var endOffset: Double
    public var startArrow: Bool
    public var endArrow: Bool
    /// An arrow head's length and width, in pixels.
    public var arrowSize: Double

    public init(kindName: String, segments: [Segment], stroke: Paint?, fill: Paint? = nil, lineWidth: Double,
                cap: Cap = .round, join: Join = .round, drawStart: Animatable<Double> = .constant(0),
                drawEnd: Animatable<Double> = .constant(1), startOffset: Double = 0, endOffset: Double = 0,
                startArrow: Bool = false, endArrow: Bool = false, arrowSize: Double = 24) {
        self.kindName = kindName
        self.segments = segments
        self.stroke = stroke
        self.fill = fill
        self.lineWidth = lineWidth
        self.cap = cap
        self.join = join
        self.drawStart = drawStart
        self.drawEnd = drawEnd
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.startArrow = startArrow
        self.endArrow = endArrow
        self.arrowSize = arrowSize
    }

    /// Half the box: the largest distance of any point (end or control point) from the origin
    /// along each axis, rounded up to a whole pixel (at least one), so that the box's corner lands
    /// on a pixel boundary when its centre does.
    public var halfExtent: SIMD2<Double> {
        var extent = SIMD2<Double>(1, 1)
        func abs(_ p: SIMD2<Double>) -> SIMD2<Double> { SIMD2(Swift.abs(p.x), Swift.abs(p.y)) }
        for segment in segments {
            switch segment {
            case .move(let p), .line(let p): extent = pointwiseMax(extent, abs(p))
            case .cubic(let a, let b, let p): extent = pointwiseMax(extent, pointwiseMax(abs(a), pointwiseMax(abs(b), abs(p))))
            case .close: break
            }
        }
        return SIMD2(extent.x.rounded(.up), extent.y.rounded(.up))
    }

    public func evaluated(at localTime: Double) -> VectorShape? {
        guard !drawStart.isConstant || !drawEnd.isConstant else { return nil }
        var shape = self
        shape.drawStart = .constant(drawStart.value(at: localTime))
        shape.drawEnd = .constant(drawEnd.value(at: localTime))
        return shape
    }

    public func withFill(_ fill: Paint) -> VectorShape? {
        guard self.fill != nil else { return nil }
        var shape = self
        shape.fill = fill
        return shape
    }
}
