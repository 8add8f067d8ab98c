import Foundation
import Testing
@testable import Timeline

/// Every easing against values worked out by hand from the easings.net formulas.
@Suite struct EasingTests {
    static let c1 = 1.70158, c3 = c1 + 1, c2 = c1 * 1.525

    static let midpoints: [(Easing, Double, Double)] = [
        (.linear, 0.3, 0.3),
        (.easeInSine, 0.5, 1 - cos(Double.pi / 4)), (.easeOutSine, 0.5, sin(Double.pi / 4)), (.easeInOutSine, 0.25, (1 - cos(Double.pi / 4)) / 2),
        (.easeInQuad, 0.5, 0.25), (.easeOutQuad, 0.5, 0.75), (.easeInOutQuad, 0.25, 0.125), (.easeInOutQuad, 0.75, 0.875),
        (.easeInCubic, 0.5, 0.125), (.easeOutCubic, 0.5, 0.875), (.easeInOutCubic, 0.25, 0.0625), (.easeInOutCubic, 0.75, 0.9375),
        (.easeInQuart, 0.5, 0.0625), (.easeOutQuart, 0.5, 0.9375), (.easeInOutQuart, 0.25, 0.03125), (.easeInOutQuart, 0.75, 0.96875),
        (.easeInBack, 0.5, c3 * 0.125 - c1 * 0.25), (.easeOutBack, 0.5, 1 - c3 * 0.125 + c1 * 0.25),
        (.easeInOutBack, 0.25, 0.25 * ((c2 + 1) * 0.5 - c2) / 2),
        (.easeInElastic, 0.5, -0.015625), (.easeOutElastic, 0.5, 1.015625),
        (.easeInOutElastic, 0.25, -(pow(2, -5) * sin(-6.125 * 2 * Double.pi / 4.5)) / 2),
        (.easeOutBounce, 0.5, 0.765625), (.easeInBounce, 0.5, 0.234375), (.easeInOutBounce, 0.25, 0.1171875),
        (.easeOutBounce, 0.2, 7.5625 * 0.04), (.easeOutBounce, 0.95, 7.5625 * pow(0.95 - 2.625 / 2.75, 2) + 0.984375),
    ]

    @Test(arguments: midpoints)
    func easingMatchesItsFormula(easing: Easing, t: Double, expected: Double) {
        #expect(abs(easing(t) - expected) < 1e-9, "\(easing)(\(t)) = \(easing(t)), expected \(expected)")
    }

    @Test(arguments: Easing.allCases)
    func everyEasingStartsAtZeroAndEndsAtOne(easing: Easing) {
        #expect(abs(easing(0)) < 1e-9)
        #expect(abs(easing(1) - 1) < 1e-9)
        #expect(easing(-3) == easing(0) && easing(7) == easing(1), "progress is clamped")
    }

    @Test func allTwentyTwoAreTested() {
        #expect(Easing.allCases.count == 22)
        #expect(Set(Self.midpoints.map(\.0)) == Set(Easing.allCases))
    }

    @Test func keyframesUseTheEasingOfTheSegmentTheyArriveAt() {
        let curve = Animatable<Double>.keyframes([Keyframe(time: 0, value: 0), Keyframe(time: 2, value: 10, easing: .easeInQuad),
                                                  Keyframe(time: 4, value: 20)])
        #expect(curve.value(at: 1) == 2.5, "easeInQuad(0.5) = 0.25 of the way")
        #expect(curve.value(at: 3) == 15, "the last segment is linear")
        #expect(curve.value(at: -1) == 0 && curve.value(at: 9) == 20)
    }

    @Test func coloursInterpolateInLinearLight() {
        let red = RGBAColor(red: 1, green: 0, blue: 0), green = RGBAColor(red: 0, green: 1, blue: 0)
        let middle = red.interpolated(to: green, fraction: 0.5)
        // Half of linear 1.0 is 0.5, which sRGB encodes as 0.7354.
        #expect(abs(middle.red - 0.735_357) < 1e-5 && abs(middle.green - 0.735_357) < 1e-5 && middle.blue == 0)
        let fading = red.interpolated(to: RGBAColor(red: 0, green: 0, blue: 1, alpha: 0), fraction: 0.5)
        #expect(fading.alpha == 0.5 && abs(fading.red - 1) < 1e-9, "premultiplied: fading out keeps the colour")
    }

    @Test func animationProgressHoldsBeforeAndAfterAndLoops() {
        let once = Animation(effect: .fadeIn, delay: 1, duration: 2)
        #expect(once.progress(atLocalTime: 0) == 0)
        #expect(once.progress(atLocalTime: 2) == 0.5)
        #expect(once.progress(atLocalTime: 5) == 1)
        let twice = Animation(effect: .fadeIn, duration: 1, cycles: 2)
        #expect(twice.progress(atLocalTime: 1.25) == 0.25)
        #expect(twice.progress(atLocalTime: 1) == 1, "the end of a cycle reads as its end")
        #expect(twice.progress(atLocalTime: 2.5) == 1, "after the last cycle it holds the end")
        let forever = Animation(effect: .fadeIn, duration: 1, cycles: nil)
        #expect(forever.progress(atLocalTime: 7.75) == 0.75)
    }
}
