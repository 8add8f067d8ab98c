/// Which point of a clip's box sits at its (x, y) position; rotation and scale pivot about it too.
public enum Anchor: String, CaseIterable, Hashable, Sendable {
    case center
    case topLeft = "top-left"
    case top
    case topRight = "top-right"
    case left
    case right
    case bottomLeft = "bottom-left"
    case bottom
    case bottomRight = "bottom-right"

    /// The anchor as fractions of the box: (0, 0) is the top-left corner, (1, 1) the bottom-right.
    public var unitPoint: (x: Double, y: Double) {
        switch self {
        case .center: (0.5, 0.5)
        case .topLeft: (0, 0)
        case .top: (0.5, 0)
        case .topRight: (1, 0)
        case .left: (0, 0.5)
        case .right: (1, 0.5)
        case .bottomLeft: (0, 1)
        case .bottom: (0.5, 1)
        case .bottomRight: (1, 1)
        }
    }
}

/// Corner radii in pixels, clockwise from the top-left corner.
public struct CornerRadii: Hashable, Sendable {
    public var topLeft: Double
    public var topRight: Double
    public var bottomRight: Double
    public var bottomLeft: Double

    public init(topLeft: Double, topRight: Double, bottomRight: Double, bottomLeft: Double) {
        self.topLeft = topLeft
        self.topRight = topRight
        self.bottomRight = bottomRight
        self.bottomLeft = bottomLeft
    }

    public init(all radius: Double) {
        self.init(topLeft: radius, topRight: radius, bottomRight: radius, bottomLeft: radius)
    }

    public static let zero = CornerRadii(all: 0)

    public var isZero: Bool { self == .zero }

    /// The radii scaled by (sx, sy), as a box's corners scale with it (the smaller factor, so
    /// corners stay circular).
    public func scaled(by factor: Double) -> CornerRadii {
        CornerRadii(topLeft: topLeft * factor, topRight: topRight * factor,
                    bottomRight: bottomRight * factor, bottomLeft: bottomLeft * factor)
    }
}

/// Where and how a clip's box sits on the canvas. Lengths are canvas pixels; x grows to the right,
/// y downwards, rotation is in degrees clockwise about the anchor.
public struct Transform: Hashable, Sendable {
    public var x: Animatable<Double>
    public var y: Animatable<Double>
    /// The box size before scaling; nil means the content's own size (an image's pixels, a text's
    /// measured extent).
    public var width: Animatable<Double>?
    public var height: Animatable<Double>?
    public var anchor: Anchor
    public var scaleX: Animatable<Double>
    public var scaleY: Animatable<Double>
    public var rotation: Animatable<Double>
    /// Degrees of shear along x and along y (CSS `skew(x, y)`), about the anchor, applied after
    /// the scale and before the rotation. Each stays within ±`Transform.skewLimit`.
    public var skewX: Double
    public var skewY: Double

    /// Past this many degrees a shear stretches the box without end (tan 90° is infinite).
    public static let skewLimit = 85.0

    public init(x: Animatable<Double>, y: Animatable<Double>, width: Animatable<Double>? = nil,
                height: Animatable<Double>? = nil, anchor: Anchor = .center,
                scaleX: Animatable<Double> = .constant(1), scaleY: Animatable<Double> = .constant(1),
                rotation: Animatable<Double> = .constant(0), skewX: Double = 0, skewY: Double = 0) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.anchor = anchor
        self.scaleX = scaleX
        self.scaleY = scaleY
        self.rotation = rotation
        self.skewX = min(max(skewX, -Self.skewLimit), Self.skewLimit)
        self.skewY = min(max(skewY, -Self.skewLimit), Self.skewLimit)
    }
}
