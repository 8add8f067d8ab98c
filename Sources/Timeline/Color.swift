/// A colour in sRGB with straight (not premultiplied) alpha, each component in 0...1.
public struct RGBAColor: Hashable, Sendable, CustomStringConvertible {
    public var red: Double
    public var green: Double
    public var blue: Double
    public var alpha: Double

    /// Components outside 0...1 are clamped, and NaN reads as 0.
    public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        self.red = red.unitClamped
        self.green = green.unitClamped
        self.blue = blue.unitClamped
        self.alpha = alpha.unitClamped
    }

    /// A colour from 8-bit components.
    public init(red8: Int, green8: Int, blue8: Int, alpha: Double = 1) {
        self.init(red: Double(red8) / 255, green: Double(green8) / 255, blue: Double(blue8) / 255, alpha: alpha)
    }

    public static let black = RGBAColor(red: 0, green: 0, blue: 0)
    public static let white = RGBAColor(red: 1, green: 1, blue: 1)
    public static let clear = RGBAColor(red: 0, green: 0, blue: 0, alpha: 0)

    public var description: String {
        func hex(_ v: Double) -> String {
            let byte = Int((v.unitClamped * 255).rounded())
            return String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return "#" + hex(red) + hex(green) + hex(blue) + (alpha < 1 ? hex(alpha) : "")
    }
}

/// One colour stop of a gradient; `offset` runs from 0 (start) to 1 (end).
public struct GradientStop: Hashable, Sendable {
    public var offset: Double
    public var color: RGBAColor

    public init(offset: Double, color: RGBAColor) {
        self.offset = offset
        self.color = color
    }
}

/// A gradient laid over the box it fills. See docs/schema.md for the geometry of each kind.
public struct Gradient: Hashable, Sendable {
    /// The geometry of a gradient.
    public enum Kind: Hashable, Sendable {
        /// Along a line through the box centre at `angle` degrees, CSS style: 0 runs bottom to top,
        /// 90 left to right, 180 top to bottom; the line is as long as the box's extent along it.
        case linear(angle: Double)
        /// Circles from the box centre out to its farthest corner.
        case radial
        /// Around the box centre, starting at `angle` degrees clockwise from the top.
        case conic(angle: Double)
    }

    public var kind: Kind
    /// Stops sorted by offset.
    public var stops: [GradientStop]

    public init(kind: Kind, stops: [GradientStop]) {
        self.kind = kind
        self.stops = stops.sorted { $0.offset < $1.offset }
    }

    /// The colour at position `t` along the gradient, interpolated in premultiplied sRGB as CSS does.
    public func color(at t: Double) -> RGBAColor {
        guard let first = stops.first, let last = stops.last else { return .clear }
        if t <= first.offset { return first.color }
        if t >= last.offset { return last.color }
        var lower = first
        for stop in stops.dropFirst() {
            if t <= stop.offset {
                let span = stop.offset - lower.offset
                let f = span > 0 ? (t - lower.offset) / span : 1
                return RGBAColor.interpolatePremultiplied(lower.color, stop.color, f)
            }
            lower = stop
        }
        return last.color
    }
}

extension RGBAColor {
    /// Linear interpolation of two colours with premultiplied alpha, so that a fade to transparent
    /// does not darken through black.
    public static func interpolatePremultiplied(_ a: RGBAColor, _ b: RGBAColor, _ f: Double) -> RGBAColor {
        let alpha = a.alpha + (b.alpha - a.alpha) * f
        guard alpha > 0 else { return .clear }
        func channel(_ x: Double, _ y: Double) -> Double {
            (x * a.alpha + (y * b.alpha - x * a.alpha) * f) / alpha
        }
        return RGBAColor(red: channel(a.red, b.red), green: channel(a.green, b.green),
                         blue: channel(a.blue, b.blue), alpha: alpha)
    }
}

/// What fills an area: one colour or a gradient.
public enum Paint: Hashable, Sendable {
    case solid(RGBAColor)
    case gradient(Gradient)
}

/// The canvas behind every clip.
public enum Background: Hashable, Sendable {
    /// Nothing: PNG stills keep the alpha channel; video, which has none, shows black.
    case transparent
    case paint(Paint)
}

extension Double {
    /// The value clamped to 0...1, with NaN as 0: safe to scale and convert to an integer.
    @inlinable public var unitClamped: Double { self >= 0 ? min(self, 1) : 0 }
}
