import Foundation
import Testing
import Timeline
@testable import TemplateSchema
@testable import Compositor

/// `line` and `path` clips: strokes with caps and joins, fills, arrows, trimmed ends and the
/// draw-on, on pixels of rendered frames; path data and validation with JSON paths.
@Suite struct CurveTests {
    static let yellow = SIMD4<UInt8>(255, 210, 0, 255)

    /// A line through `points` at (120, 40) of a black 240×80 canvas, yellow, `extra` fields added.
    func line(_ points: String, _ extra: String = "", at seconds: Double = 0) throws -> Raster {
        try frame(document(width: 240, height: 80, """
            { "type": "line", "start": 0, "duration": 2, "transform": { "x": 120, "y": 40 }, "points": \(points),
              "style": { "stroke": "#ffd200" } \(extra.isEmpty ? "" : ", " + extra) }
            """), at: seconds)
    }

    @Test func aDrawOnAtHalfCoversHalfTheLength() throws {
        // 200 px long, from x = 20 to x = 220 on the canvas; butt caps end exactly at the cut.
        let half = try line("[[-100, 0], [100, 0]]", #""lineWidth": 10, "lineCap": "butt", "drawEnd": 0.5"#)
        #expect(half.pixel(x: 20, y: 40) == Self.yellow)
        #expect(half.pixel(x: 119, y: 40) == Self.yellow)
        #expect(half.pixel(x: 120, y: 40) == black)
        #expect(half.pixel(x: 200, y: 40) == black)
        #expect(half.pixel(x: 19, y: 40) == black)
        #expect(half.pixel(x: 60, y: 34) == black && half.pixel(x: 60, y: 35) == Self.yellow && half.pixel(x: 60, y: 44) == Self.yellow
                && half.pixel(x: 60, y: 45) == black, "10 px wide: rows 35 to 44")
        // Keyframed from 0 to 1 over 2 s: half way at 1 s, nothing at 0.
        let keyframes = #""lineWidth": 10, "lineCap": "butt", "keyframes": [ { "property": "drawEnd", "frames": [ { "time": 0, "value": 0 }, { "time": 2, "value": 1 } ] } ]"#
        let drawing = try line("[[-100, 0], [100, 0]]", keyframes, at: 1)
        #expect(drawing.pixel(x: 119, y: 40) == Self.yellow && drawing.pixel(x: 120, y: 40) == black)
        let start = try line("[[-100, 0], [100, 0]]", keyframes, at: 0)
        #expect((0..<240).allSatisfy { start.pixel(x: $0, y: 40) == black })
        // drawStart and the offsets cut from the other end and inside the span.
        let middle = try line("[[-100, 0], [100, 0]]", #""lineWidth": 10, "lineCap": "butt", "drawStart": 0.25, "drawEnd": 0.75"#)
        #expect(middle.pixel(x: 69, y: 40) == black && middle.pixel(x: 70, y: 40) == Self.yellow)
        #expect(middle.pixel(x: 169, y: 40) == Self.yellow && middle.pixel(x: 170, y: 40) == black)
        let offsets = try line("[[-100, 0], [100, 0]]", #""lineWidth": 10, "lineCap": "butt", "startOffset": 30, "endOffset": 50"#)
        #expect(offsets.pixel(x: 49, y: 40) == black && offsets.pixel(x: 50, y: 40) == Self.yellow)
        #expect(offsets.pixel(x: 169, y: 40) == Self.yellow && offsets.pixel(x: 170, y: 40) == black)
    }

    @Test func capsReachAsFarAsTheirShape() throws {
        // A 20 px wide stroke ending at x = 170: butt stops there, square 10 px on, round in a half disc.
        let butt = try line("[[-50, 0], [50, 0]]", #""lineWidth": 20, "lineCap": "butt""#)
        let square = try line("[[-50, 0], [50, 0]]", #""lineWidth": 20, "lineCap": "square""#)
        let round = try line("[[-50, 0], [50, 0]]", #""lineWidth": 20, "lineCap": "round""#)
        #expect(butt.pixel(x: 175, y: 40) == black && square.pixel(x: 175, y: 40) == Self.yellow && round.pixel(x: 175, y: 40) == Self.yellow)
        #expect(square.pixel(x: 178, y: 48) == Self.yellow, "the square cap's corner")
        #expect(round.pixel(x: 178, y: 48) == black, "outside the round cap's half disc")
        #expect(square.pixel(x: 180, y: 40) == black && round.pixel(x: 180, y: 40) == black)
    }

    @Test func joinsShapeTheOuterCorner() throws {
        // Right, then down: the outer corner of a 20 px stroke at (120, 40) is (130, 30).
        func corner(_ join: String) throws -> SIMD4<UInt8> {
            try line("[[-60, 0], [0, 0], [0, 30]]", #""lineWidth": 20, "lineJoin": "\#(join)", "lineCap": "butt""#).pixel(x: 128, y: 31)
        }
        #expect(try corner("miter") == Self.yellow)
        #expect(try corner("bevel") == black)
        #expect(try corner("round") == black)
    }

    @Test func arrowsPointOutOfTheEnds() throws {
        // A 2 px line from x = 40 to x = 200 with 30 px heads: at each end a triangle whose base
        // is 30 px wide, 30 px back from its tip.
        let arrows = try line("[[-80, 0], [80, 0]]", #""lineWidth": 2, "startArrow": true, "endArrow": true, "arrowSize": 30"#)
        #expect(arrows.pixel(x: 195, y: 40) == Self.yellow, "just inside the end's tip")
        #expect(arrows.pixel(x: 173, y: 52) == Self.yellow && arrows.pixel(x: 173, y: 28) == Self.yellow, "the end head's base corners")
        #expect(arrows.pixel(x: 190, y: 52) == black, "beside the tip, outside the head")
        #expect(arrows.pixel(x: 44, y: 40) == Self.yellow && arrows.pixel(x: 66, y: 52) == Self.yellow, "the start's head")
        #expect(arrows.pixel(x: 205, y: 40) == black && arrows.pixel(x: 35, y: 40) == black, "nothing past the tips")
        #expect(arrows.pixel(x: 120, y: 40) == Self.yellow && arrows.pixel(x: 120, y: 44) == black, "the 2 px line between")
    }

    @Test func aClosedPathIsFilledAndItsOutlineStroked() throws {
        let square = try frame(document(width: 100, height: 100, """
            { "type": "path", "start": 0, "duration": 1, "transform": { "x": 50, "y": 50 }, "closed": true,
              "data": "M -30 -30 H 30 V 30 H -30 Z", "lineWidth": 4, "style": { "stroke": "#ffffff", "fill": "#ff0000" } }
            """))
        #expect(square.pixel(x: 50, y: 50) == red && square.pixel(x: 22, y: 50) == red)
        #expect(square.pixel(x: 20, y: 50) == white && square.pixel(x: 50, y: 79) == white, "the 4 px outline on the edge")
        #expect(square.pixel(x: 17, y: 50) == black && square.pixel(x: 82, y: 82) == black)
        // Rotated 45° about the origin: the corner at (−30, −30) goes to (50, 50 − 42.4).
        let turned = try frame(document(width: 100, height: 100, """
            { "type": "path", "start": 0, "duration": 1, "transform": { "x": 50, "y": 50, "rotation": 45 }, "closed": true,
              "data": "M -30 -30 H 30 V 30 H -30 Z", "lineWidth": 0, "style": { "fill": "#ff0000" } }
            """))
        #expect(turned.pixel(x: 50, y: 10) == red && turned.pixel(x: 50, y: 6) == black)
        #expect(turned.pixel(x: 20, y: 20) == black && turned.pixel(x: 88, y: 50) == red)
    }

    @Test func roundedCornersBendTheLine() throws {
        // The corner at (120, 40) of a right-then-down line: with a radius the stroke cuts inside it.
        let sharp = try line("[[-60, 0], [0, 0], [0, 30]]", #""lineWidth": 4"#)
        let rounded = try line("[[-60, 0], [0, 0], [0, 30]]", #""lineWidth": 4, "radius": 20"#)
        #expect(sharp.pixel(x: 120, y: 40) == Self.yellow && rounded.pixel(x: 120, y: 40) == black)
        #expect(rounded.pixel(x: 114, y: 42) == Self.yellow, "the bend passes inside the corner")
        #expect(rounded.pixel(x: 100, y: 40) == Self.yellow && rounded.pixel(x: 120, y: 65) == Self.yellow, "straight away from it")
    }

    @Test func pathDataReadsEveryCommand() throws {
        #expect(try PathData.parse("M0 0L10 0") == [.move(SIMD2(0, 0)), .line(SIMD2(10, 0))])
        #expect(try PathData.parse("m 5,5 10,0 v 10 h -10 z") == [.move(SIMD2(5, 5)), .line(SIMD2(15, 5)), .line(SIMD2(15, 15)),
                                                                   .line(SIMD2(5, 15)), .close])
        // A quadratic raised to a cubic; T reflects its control point; numbers touching (-.5.5).
        #expect(try PathData.parse("M0 0Q30 30 60 0T120 0") == [
            .move(SIMD2(0, 0)), .cubic(SIMD2(20, 20), SIMD2(40, 20), SIMD2(60, 0)), .cubic(SIMD2(80, -20), SIMD2(100, -20), SIMD2(120, 0))])
        #expect(try PathData.parse("M-.5.5l1e1-2") == [.move(SIMD2(-0.5, 0.5)), .line(SIMD2(9.5, -1.5))])
        // S reflects the previous cubic's second control point.
        let smooth = try PathData.parse("M0 0C0 10 10 10 10 0S20 -10 20 0")
        #expect(smooth.last == .cubic(SIMD2(10, -10), SIMD2(20, -10), SIMD2(20, 0)))
        // A half circle of radius 10 (flags packed without spaces) ends where it says, in two quarters.
        let arc = try PathData.parse("M0 0A10 10 0 0120 0")
        #expect(arc.count == 3)
        if case .cubic(_, _, let end) = arc[1] { #expect(abs(end.x - 10) < 1e-9 && abs(end.y + 10) < 1e-9, "the top of the half circle: \(end)") }
        if case .cubic(_, _, let end) = arc[2] { #expect(end == SIMD2(20, 0)) }
        #expect(throws: PathData.ParseError.self) { try PathData.parse("M 0 0 L 10") }
        #expect(throws: PathData.ParseError.self) { try PathData.parse("L 10 10") }
        #expect(throws: PathData.ParseError.self) { try PathData.parse("M 0 0 X 1 2") }
        #expect(throws: PathData.ParseError.self) { try PathData.parse("") }
    }

    @Test(arguments: [
        (#"{ "type": "line", "start": 0, "duration": 1, "points": [[0, 0]] }"#, "tracks[0].clips[0].points", "at least two points"),
        (#"{ "type": "line", "start": 0, "duration": 1, "points": [[0, 0], [1]] }"#, "tracks[0].clips[0].points[1]", "[x, y]"),
        (#"{ "type": "line", "start": 0, "duration": 1 }"#, "tracks[0].clips[0].points", "is required"),
        (#"{ "type": "path", "start": 0, "duration": 1, "data": "M 0 0 L 10" }"#, "tracks[0].clips[0].data", "expected a number, found the end at character 11"),
        (#"{ "type": "path", "start": 0, "duration": 1, "data": "M 0 0 L 9 9", "radius": 4 }"#, "tracks[0].clips[0].radius", "line clips only"),
        (#"{ "type": "path", "start": 0, "duration": 1, "data": "M 0 0 L 9 9", "lineCap": "flat" }"#, "tracks[0].clips[0].lineCap", "butt"),
        (#"{ "type": "line", "start": 0, "duration": 1, "points": [[0, 0], [9, 9]], "drawEnd": 2 }"#, "tracks[0].clips[0].drawEnd", "0"),
        (#"{ "type": "rect", "start": 0, "duration": 1, "transform": { "width": 9, "height": 9 }, "keyframes": [ { "property": "drawEnd", "frames": [ { "time": 0, "value": 0 } ] } ] }"#,
         "tracks[0].clips[0].keyframes", "line and path clips only"),
    ])
    func badCurvesAreReportedAtTheirPaths(clip: String, path: String, message: String) throws {
        let json = document(clip)
        do {
            _ = try RenderingVideoV2.decode(Data(json.utf8))
            Issue.record("accepted: \(clip)")
        } catch {
            let found = error.diagnostics.contains { $0.path.description == path && $0.message.contains(message) }
            #expect(found, "\(error.diagnostics)")
        }
    }

    /// What a hostile document might try: no crash, no unbounded work, nothing silently lost.
    @Test func extremeCurvesStayBounded() throws {
        // Radii whose squares underflow: the arc is drawn as a line, not a trap.
        #expect(try PathData.parse("M0 0 A 1e-200 1e-200 0 0 1 10 10") == [.move(SIMD2(0, 0)), .line(SIMD2(10, 10))])
        #expect(try PathData.parse("M0 0 A 1e-200 5 0 0 1 10 10").count >= 2)
        // Relative steps that add up beyond the coordinate limit are refused.
        #expect(throws: PathData.ParseError.self) { try PathData.parse("M0 0" + String(repeating: " l 90000 0", count: 3)) }
        // A line 40 000 px long and 8 px thick: wider than cairo draws in one piece, still drawn.
        let long = try line("[[-20000, 0], [20000, 0]]", #""lineWidth": 8"#)
        #expect(long.pixel(x: 120, y: 40) == Self.yellow && long.pixel(x: 0, y: 40) == Self.yellow)
        // Hundreds of arcs as wide as the limit allows: flattened within a budget of chords.
        let arcs = String(repeating: "a 40000 40000 0 1 1 10 0 ", count: 300)
        let many = try frame(document(width: 80, height: 80, """
            { "type": "path", "start": 0, "duration": 1, "transform": { "x": 40, "y": 40 }, "data": "M 0 0 \(arcs)", "lineWidth": 2 }
            """))
        #expect(many.width == 80)
    }

    @Test func anArrowEndsAClosedOutline() throws {
        // A closed square drawn from its top-left corner: the end arrow sits back at that corner,
        // pointing up along the last side (from (−30, 30) to (−30, −30)).
        let square = try frame(document(width: 100, height: 100, """
            { "type": "path", "start": 0, "duration": 1, "transform": { "x": 50, "y": 50 }, "closed": true,
              "data": "M -30 -30 H 30 V 30 H -30 Z", "lineWidth": 2, "endArrow": true, "arrowSize": 16, "style": { "stroke": "#ffffff" } }
            """))
        #expect(square.pixel(x: 20, y: 24) == white && square.pixel(x: 14, y: 34) == white && square.pixel(x: 26, y: 34) == white,
                "the head's tip and base corners around (20, 20)")
        #expect(square.pixel(x: 14, y: 26) == black)
    }
}
