import Testing
import Timeline
@testable import Compositor

/// Circles with `startAngle`/`endAngle`: filled, a slice of the disc; stroked alone, the curve
/// (a progress ring). Angles run clockwise from 3 o'clock, as the canvas `arc()` counts them.
@Suite struct ArcTests {
    /// A 60 px circle centred at (50, 50) on a black 100×100 canvas.
    func arc(start: Double, end: Double, style: String = ##"{ "fill": "#ffffff" }"##, rotation: Double = 0) throws -> Raster {
        try frame(document("""
            { "type": "circle", "start": 0, "duration": 1, "size": 60, "startAngle": \(start), "endAngle": \(end),
              "transform": { "x": 50, "y": 50, "rotation": \(rotation) }, "style": \(style) }
            """))
    }

    @Test func aFilledArcIsASliceOfTheDisc() throws {
        // 0° → 90°: from 3 o'clock to 6 o'clock, the lower right quarter.
        let quarter = try arc(start: 0, end: 90)
        #expect(quarter.pixel(x: 65, y: 65) == white)
        #expect(quarter.pixel(x: 35, y: 65) == black)
        #expect(quarter.pixel(x: 65, y: 35) == black)
        #expect(quarter.pixel(x: 35, y: 35) == black)
        #expect(quarter.pixel(x: 85, y: 85) == black)   // outside the circle, inside the wedge
        // 90° → 360°: three quarters, all but the lower right.
        let most = try arc(start: 90, end: 360)
        #expect(most.pixel(x: 65, y: 65) == black)
        #expect(most.pixel(x: 35, y: 65) == white && most.pixel(x: 65, y: 35) == white && most.pixel(x: 35, y: 35) == white)
        // An end before the start goes round clockwise: 270° → 0° is the upper right quarter.
        let wrapped = try arc(start: 270, end: 0)
        #expect(wrapped.pixel(x: 65, y: 35) == white && wrapped.pixel(x: 65, y: 65) == black && wrapped.pixel(x: 35, y: 35) == black)
        // A full turn or more is the whole disc.
        let whole = try arc(start: 0, end: 360)
        #expect(whole.pixel(x: 65, y: 65) == white && whole.pixel(x: 35, y: 35) == white)
        // A slice turns with the clip: the lower right quarter turned a quarter is the lower left.
        let turned = try arc(start: 0, end: 90, rotation: 90)
        #expect(turned.pixel(x: 35, y: 65) == white && turned.pixel(x: 65, y: 65) == black)
    }

    @Test func aStrokedArcIsTheCurveAlone() throws {
        // −90° → 90°: from 12 o'clock round the right side to 6 o'clock, a 6 px red ring on radius 30.
        let ring = try arc(start: -90, end: 90, style: ##"{ "stroke": "#ff0000", "strokeWidth": 6 }"##)
        #expect(ring.pixel(x: 80, y: 50) == red)          // 3 o'clock, on the curve
        #expect(ring.pixel(x: 50, y: 20) == red)          // 12 o'clock, its start
        #expect(ring.pixel(x: 20, y: 50) == black)        // 9 o'clock: not in the sweep
        #expect(ring.pixel(x: 50, y: 50) == black)        // no radius is drawn, nothing is filled
        #expect(ring.pixel(x: 65, y: 50) == black)
        // Filled and stroked: the slice, outlined along its radii too.
        let outlined = try arc(start: 0, end: 90, style: ##"{ "fill": "#ffffff", "stroke": "#ff0000", "strokeWidth": 4 }"##)
        #expect(outlined.pixel(x: 65, y: 50) == red)      // on the radius towards 3 o'clock
        #expect(outlined.pixel(x: 62, y: 62) == white)
    }
}
