import Foundation

/// An animation on a clip: an effect whose progress runs from 0 to 1 over each cycle.
///
/// Before its first cycle an animation holds progress 0, after its last it holds 1, so an
/// entrance hides the clip until it starts and an exit keeps it gone once it ends.
public struct Animation: Hashable, Sendable {
    /// What an animation changes, with its parameters resolved to pixels and degrees.
    public enum Effect: Hashable, Sendable {
        case fadeIn, fadeOut
        /// Positions; nil means the clip's own position on that axis.
        case move(fromX: Double?, fromY: Double?, toX: Double?, toY: Double?)
        case scale(from: SIMD2<Double>, to: SIMD2<Double>)
        case rotate(from: Double, to: Double)
        case slideIn(Direction, distance: Double)
        case slideOut(Direction, distance: Double)
        case zoomIn, zoomOut
        case filter(FilterKind, from: Double, to: Double)

        public var kind: AnimationKind {
            switch self {
            case .fadeIn: .fadeIn
            case .fadeOut: .fadeOut
            case .move: .move
            case .scale: .scale
            case .rotate: .rotate
            case .slideIn: .slideIn
            case .slideOut: .slideOut
            case .zoomIn: .zoomIn
            case .zoomOut: .zoomOut
            case .filter: .filter
            }
        }
    }

    public var effect: Effect
    /// Seconds after the clip's start before the first cycle.
    public var delay: Double
    /// Seconds per cycle.
    public var duration: Double
    public var easing: Easing
    /// How many cycles; nil repeats until the clip ends.
    public var cycles: Int?

    public init(effect: Effect, delay: Double = 0, duration: Double, easing: Easing = .linear, cycles: Int? = 1) {
        self.effect = effect
        self.delay = delay
        self.duration = duration
        self.easing = easing
        self.cycles = cycles
    }

    /// Eased progress at `localTime` seconds into the clip.
    public func progress(atLocalTime localTime: Double) -> Double {
        Self.progress(atLocalTime: localTime, delay: delay, duration: duration, easing: easing, cycles: cycles)
    }

    /// Eased progress at `localTime` of any timed change with these timings (clip animations,
    /// 3-D animations): held at the start before `delay`, at the end after the last cycle.
    public static func progress(atLocalTime localTime: Double, delay: Double, duration: Double, easing: Easing,
                                cycles: Int?) -> Double {
        let elapsed = localTime - delay
        guard elapsed > 0 else { return easing(0) }
        if let cycles, elapsed >= duration * Double(cycles) { return easing(1) }
        let phase = elapsed.truncatingRemainder(dividingBy: duration) / duration
        // The end of one cycle reads as its end, not the start of the next.
        return easing(phase == 0 && elapsed > 0 ? 1 : phase)
    }
}

/// How a clip enters; `push` also moves the clip it overlaps on its track.
public struct Transition: Hashable, Sendable {
    public var kind: TransitionKind
    public var duration: Double
    public var easing: Easing
    public var direction: Direction
    /// Tuning: starting scale (zoom), blur radius (blur), angle (spin), band brightness (lightSweep).
    public var scale: Double
    public var blur: Double
    public var rotation: Double
    public var intensity: Double

    public init(kind: TransitionKind, duration: Double, easing: Easing = .linear, direction: Direction = .left,
                scale: Double = 0.5, blur: Double = 20, rotation: Double = 180, intensity: Double = 0.6) {
        self.kind = kind
        self.duration = duration
        self.easing = easing
        self.direction = direction
        self.scale = scale
        self.blur = blur
        self.rotation = rotation
        self.intensity = intensity
    }

    /// Eased progress `localTime` seconds after the transition began; nil once it is over.
    public func progress(at elapsed: Double) -> Double? {
        guard elapsed < duration - FrameRate.boundaryTolerance else { return nil }
        return easing(max(elapsed, 0) / duration)
    }
}

/// A filter on a clip's pixels with its (possibly keyframed) value.
public struct ClipFilter: Hashable, Sendable {
    public var kind: FilterKind
    public var value: Animatable<Double>

    public init(kind: FilterKind, value: Animatable<Double>) {
        self.kind = kind
        self.value = value
    }
}

/// A filter evaluated at one instant.
public struct AppliedFilter: Hashable, Sendable {
    public var kind: FilterKind
    public var value: Double

    public init(kind: FilterKind, value: Double) {
        self.kind = kind
        self.value = value
    }

    /// Whether it leaves the picture as it is.
    public var isNeutral: Bool { value == kind.neutralValue }
}

/// A canvas-space reveal during a transition: coverage of the incoming clip at each canvas point.
public enum RevealMask: Hashable, Sendable {
    /// A straight edge travelling in `direction`; `progress` of the canvas is revealed.
    case wipe(Direction, progress: Double)
    /// A circle from the canvas centre whose radius is `progress` of the half-diagonal.
    case iris(progress: Double)
}

extension RGBAColor: Interpolatable {
    /// Interpolation in linear light with premultiplied alpha: red to green passes through a
    /// bright yellow-brown rather than a muddy one, and fading to transparent keeps the colour.
    public func interpolated(to other: RGBAColor, fraction f: Double) -> RGBAColor {
        func linear(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
        func encoded(_ c: Double) -> Double { c <= 0.0031308 ? c * 12.92 : 1.055 * pow(c, 1 / 2.4) - 0.055 }
        let alpha = self.alpha + (other.alpha - self.alpha) * f
        guard alpha > 0 else { return .clear }
        func channel(_ a: Double, _ b: Double) -> Double {
            let mixed = linear(a) * self.alpha + (linear(b) * other.alpha - linear(a) * self.alpha) * f
            return min(max(encoded(mixed / alpha), 0), 1)
        }
        return RGBAColor(red: channel(red, other.red), green: channel(green, other.green), blue: channel(blue, other.blue),
                         alpha: alpha)
    }
}
