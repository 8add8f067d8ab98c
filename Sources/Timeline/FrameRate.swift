/// An exact frame rate, `numerator / denominator` frames per second (30000/1001 for NTSC 29.97).
public struct FrameRate: Hashable, Sendable, CustomStringConvertible {
    public let numerator: Int
    public let denominator: Int

    public init(numerator: Int, denominator: Int = 1) {
        precondition(numerator > 0 && denominator > 0, "frame rate must be positive")
        let divisor = FrameRate.gcd(numerator, denominator)
        self.numerator = numerator / divisor
        self.denominator = denominator / divisor
    }

    /// The exact rate for a frames-per-second number: integers as they are, the NTSC rates
    /// (23.976, 29.97, 47.952, 59.94, 119.88) as their x/1001 fractions, anything else to a thousandth.
    /// Rates outside 1...1000 (and NaN) are clamped into it.
    public init(framesPerSecond requested: Double) {
        let fps = requested >= 1 ? min(requested, 1000) : 1
        let rounded = fps.rounded()
        if abs(fps - rounded) < 1e-9 {
            self.init(numerator: Int(rounded))
        } else if abs(fps * 1001 / 1000 - (fps * 1001 / 1000).rounded()) < 0.01 {
            self.init(numerator: Int((fps * 1001 / 1000).rounded()) * 1000, denominator: 1001)
        } else {
            self.init(numerator: Int((fps * 1000).rounded()), denominator: 1000)
        }
    }

    /// Frames per second as a floating-point number.
    public var framesPerSecond: Double { Double(numerator) / Double(denominator) }

    /// The presentation time of frame `index`, in seconds.
    public func time(ofFrame index: Int) -> Double {
        Double(index * denominator) / Double(numerator)
    }

    /// The number of frames whose presentation time lies before `seconds` (the frame count of a
    /// video that lasts `seconds`). Times within a nanosecond of a frame boundary count as on it.
    public func frameCount(forDuration seconds: Double) -> Int {
        max(0, Int(saturating: (seconds * framesPerSecond - FrameRate.boundaryTolerance * framesPerSecond).rounded(.up)))
    }

    /// The first frame whose time is at or after `seconds`.
    public func firstFrame(atOrAfter seconds: Double) -> Int {
        Int(saturating: (seconds * framesPerSecond - FrameRate.boundaryTolerance * framesPerSecond).rounded(.up))
    }

    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }

    /// Clip edges given in decimal seconds (0.1 s at 30 fps) rarely land exactly on a frame time in
    /// binary floating point; a nanosecond of slack keeps them on the frame they name.
    public static let boundaryTolerance = 1e-9

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}

extension Int {
    /// The whole part of `value`, clamped to ±2⁶², with NaN as 0: for numbers derived from a
    /// document, where `Int(_:)` would trap on a value out of range.
    @inlinable public init(saturating value: Double) {
        let limit = 4.611686018427387904e18
        self = value.isNaN ? 0 : Int(Swift.min(Swift.max(value, -limit), limit))
    }
}
