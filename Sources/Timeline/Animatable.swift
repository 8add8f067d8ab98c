/// A value that can be interpolated between two keyframes.
public protocol Interpolatable: Hashable, Sendable {
    /// The value a fraction `f` (0...1) of the way from `self` to `other`.
    func interpolated(to other: Self, fraction f: Double) -> Self
}

extension Double: Interpolatable {
    public func interpolated(to other: Double, fraction f: Double) -> Double { self + (other - self) * f }
}

/// One keyframe: `value` at `time` seconds after the clip's start. `easing` shapes the segment
/// that arrives at this keyframe.
public struct Keyframe<Value: Interpolatable>: Hashable, Sendable {
    public var time: Double
    public var value: Value
    public var easing: Easing

    public init(time: Double, value: Value, easing: Easing = .linear) {
        self.time = time
        self.value = value
        self.easing = easing
    }
}

/// A clip property that is either fixed or follows keyframes over the clip's local time.
public enum Animatable<Value: Interpolatable>: Hashable, Sendable {
    case constant(Value)
    /// Keyframes sorted by time; before the first the value holds the first, after the last the last.
    case keyframes([Keyframe<Value>])

    /// The value at `localTime` seconds after the clip's start.
    public func value(at localTime: Double) -> Value {
        switch self {
        case .constant(let value):
            return value
        case .keyframes(let frames):
            guard let first = frames.first, let last = frames.last else {
                preconditionFailure("an animatable property needs at least one keyframe")
            }
            if localTime <= first.time { return first.value }
            if localTime >= last.time { return last.value }
            guard let next = frames.firstIndex(where: { $0.time > localTime }) else { return first.value }  // NaN time
            let a = frames[next - 1], b = frames[next]
            return a.value.interpolated(to: b.value, fraction: b.easing((localTime - a.time) / (b.time - a.time)))
        }
    }

    /// True when the value never changes over time.
    public var isConstant: Bool {
        if case .constant = self { return true }
        return false
    }
}
