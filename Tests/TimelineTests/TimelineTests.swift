import Testing
@testable import Timeline

@Suite struct FrameRateTests {
    @Test func ntscRatesBecomeExactFractions() {
        #expect(FrameRate(framesPerSecond: 29.97) == FrameRate(numerator: 30000, denominator: 1001))
        #expect(FrameRate(framesPerSecond: 23.976) == FrameRate(numerator: 24000, denominator: 1001))
        #expect(FrameRate(framesPerSecond: 25) == FrameRate(numerator: 25))
        #expect(FrameRate(framesPerSecond: 12.5) == FrameRate(numerator: 25, denominator: 2))
    }

    @Test func frameTimesAreExact() {
        let rate = FrameRate(numerator: 30000, denominator: 1001)
        #expect(rate.time(ofFrame: 30000) == 1001)
        #expect(FrameRate(numerator: 30).time(ofFrame: 3) == 0.1)
    }

    @Test func frameCountCoversTheDuration() {
        let rate = FrameRate(numerator: 30)
        #expect(rate.frameCount(forDuration: 1) == 30)
        #expect(rate.frameCount(forDuration: 0.1) == 3)
        #expect(rate.frameCount(forDuration: 1.01) == 31)
        #expect(FrameRate(numerator: 30000, denominator: 1001).frameCount(forDuration: 1001) == 30000)
    }
}

@Suite struct TimelineEvaluationTests {
    func rect(_ origin: String, start: Double, duration: Double, z: Double = 0) -> Clip {
        Clip(origin: origin, start: start, duration: duration, zIndex: z,
             transform: Transform(x: .constant(0), y: .constant(0), width: .constant(10), height: .constant(10)),
             content: .shape(ShapeContent(geometry: .ellipse, fill: .solid(.white))))
    }

    var canvas: Canvas { Canvas(width: 64, height: 64, frameRate: FrameRate(numerator: 10)) }

    @Test func durationIsTheLatestClipEnd() {
        let timeline = Timeline(canvas: canvas, tracks: [
            Track(clips: [rect("a", start: 0, duration: 2), rect("b", start: 1.5, duration: 2)]),
            Track(clips: [rect("c", start: 0.5, duration: 1)]),
        ])
        #expect(timeline.duration == 3.5)
        #expect(timeline.frameCount == 35)
    }

    @Test func drawOrderIsZIndexThenStartThenDocumentOrder() {
        let timeline = Timeline(canvas: canvas, tracks: [
            Track(clips: [rect("top", start: 0, duration: 5, z: 2), rect("late", start: 1, duration: 5)]),
            Track(clips: [rect("early", start: 0, duration: 5), rect("early-second", start: 0, duration: 5)]),
        ])
        #expect(timeline.drawList(at: 1).map(\.origin) == ["early", "early-second", "late", "top"])
    }

    @Test func clipsAreShownOnAHalfOpenWindow() {
        let timeline = Timeline(canvas: canvas, tracks: [Track(clips: [rect("a", start: 0.1, duration: 0.2)])])
        let shown = (0..<5).map { !timeline.drawList(atFrame: $0).isEmpty }
        #expect(shown == [false, true, true, false, false])
    }

    @Test func keyframesInterpolateOnClipTime() {
        var clip = rect("a", start: 1, duration: 4)
        clip.opacity = .keyframes([Keyframe(time: 1, value: 0), Keyframe(time: 3, value: 1)])
        let timeline = Timeline(canvas: canvas, tracks: [Track(clips: [clip])])
        #expect(timeline.drawList(at: 1.5).isEmpty, "opacity 0 draws nothing")
        #expect(timeline.drawList(at: 3).first?.opacity == 0.5)
        #expect(timeline.drawList(at: 4.5).first?.opacity == 1)
    }
}
