import Foundation

/// A tween of one property of a 3-D object or of the camera (a `three` clip's `animations` and
/// `cameraAnimations`), timed like a clip animation: held at `from` before `delay`, eased over
/// each `duration`-long cycle, held at `to` after the last.
public struct ThreeAnimation: Hashable, Sendable {
    public enum Property: String, CaseIterable, Hashable, Sendable {
        case position, positionX = "position.x", positionY = "position.y", positionZ = "position.z"
        case rotation, rotationX = "rotation.x", rotationY = "rotation.y", rotationZ = "rotation.z"
        case scale, scaleX = "scale.x", scaleY = "scale.y", scaleZ = "scale.z"
        case materialColor = "material.color", materialOpacity = "material.opacity"
        case fov

        /// What its `from` and `to` are.
        public enum ValueKind: Sendable { case number, vector, color }

        public var valueKind: ValueKind {
            switch self {
            case .position, .rotation, .scale: .vector
            case .materialColor: .color
            default: .number
            }
        }

        /// Whether it belongs to the camera (`fov`, position and rotation) or to an object (all but `fov`).
        public var appliesToCamera: Bool {
            switch self {
            case .fov, .position, .positionX, .positionY, .positionZ, .rotation, .rotationX, .rotationY, .rotationZ: true
            default: false
            }
        }

        public var appliesToObjects: Bool { self != .fov }

        /// The component of a vector it sets (`position.y` → 1), or nil for a whole vector or another kind.
        var component: Int? {
            switch self {
            case .positionX, .rotationX, .scaleX: 0
            case .positionY, .rotationY, .scaleY: 1
            case .positionZ, .rotationZ, .scaleZ: 2
            default: nil
            }
        }
    }

    public enum Value: Hashable, Sendable {
        case number(Double)
        case vector(SIMD3<Double>)
        case color(RGBAColor)
    }

    public var property: Property
    /// Nil: the object's (or camera's) own value.
    public var from: Value?
    public var to: Value?
    public var delay: Double
    public var duration: Double
    public var easing: Easing
    /// How many cycles; nil repeats until the clip ends.
    public var cycles: Int?

    public init(property: Property, from: Value? = nil, to: Value? = nil, delay: Double = 0, duration: Double,
                easing: Easing = .linear, cycles: Int? = 1) {
        self.property = property
        self.from = from
        self.to = to
        self.delay = delay
        self.duration = duration
        self.easing = easing
        self.cycles = cycles
    }

    /// Eased progress at `localTime`, with a clip animation's timing.
    func progress(at localTime: Double) -> Double {
        Animation.progress(atLocalTime: localTime, delay: delay, duration: duration, easing: easing, cycles: cycles)
    }

    private func number(_ value: Value?, own: Double) -> Double {
        if case .number(let number)? = value { return number }
        return own
    }

    private func vector(_ value: Value?, own: SIMD3<Double>) -> SIMD3<Double> {
        if case .vector(let vector)? = value { return vector }
        return own
    }

    /// `from` and `to` mixed by the eased progress (which may overshoot for back and elastic easings).
    private func mix(_ own: Double, at t: Double) -> Double {
        let a = number(from, own: own), b = number(to, own: own)
        return a + (b - a) * progress(at: t)
    }

    private func mix(_ own: SIMD3<Double>, at t: Double) -> SIMD3<Double> {
        let a = vector(from, own: own), b = vector(to, own: own)
        return a + (b - a) * progress(at: t)
    }

    /// A vector property, or one component of it, at `t`; `own` is the unanimated value.
    private func animate(_ value: inout SIMD3<Double>, own: SIMD3<Double>, at t: Double) {
        if let component = property.component {
            value[component] = mix(own[component], at: t)
        } else {
            value = mix(own, at: t)
        }
    }

    /// The object with this property at `t`; `own` holds the values before any animation.
    func apply(to object: inout ThreeScene.Object, own: ThreeScene.Object, at t: Double) {
        switch property {
        case .position, .positionX, .positionY, .positionZ: animate(&object.position, own: own.position, at: t)
        case .rotation, .rotationX, .rotationY, .rotationZ: animate(&object.rotation, own: own.rotation, at: t)
        case .scale, .scaleX, .scaleY, .scaleZ: animate(&object.scale, own: own.scale, at: t)
        case .materialOpacity: object.material.opacity = min(1, max(0, mix(own.material.opacity ?? 1, at: t)))
        case .materialColor:
            let base = own.material.color ?? .white
            var a = base, b = base
            if case .color(let color)? = from { a = color }
            if case .color(let color)? = to { b = color }
            object.material.color = Self.mixLinear(a, b, progress(at: t))
        case .fov: break
        }
    }

    /// The camera with this property at `t`; `own` is the camera before any animation.
    func apply(to camera: inout ThreeScene.Camera, own: ThreeScene.Camera, at t: Double) {
        switch property {
        case .position, .positionX, .positionY, .positionZ: animate(&camera.position, own: own.position, at: t)
        case .rotation, .rotationX, .rotationY, .rotationZ: animate(&camera.rotation, own: own.rotation, at: t)
        case .fov: camera.fov = min(179, max(1, mix(own.fov, at: t)))
        default: break
        }
    }

    /// Two sRGB colours mixed in linear light, as three.js's `Color.lerp` mixes its linear components.
    static func mixLinear(_ a: RGBAColor, _ b: RGBAColor, _ t: Double) -> RGBAColor {
        if t == 0 { return a }
        if t == 1 { return b }
        func linear(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
        func encoded(_ c: Double) -> Double {
            let c = min(1, max(0, c))
            return c <= 0.0031308 ? c * 12.92 : 1.055 * pow(c, 1 / 2.4) - 0.055
        }
        func channel(_ x: Double, _ y: Double) -> Double { encoded(linear(x) + (linear(y) - linear(x)) * t) }
        return RGBAColor(red: channel(a.red, b.red), green: channel(a.green, b.green), blue: channel(a.blue, b.blue),
                         alpha: a.alpha + (b.alpha - a.alpha) * t)
    }
}
