import Testing

/// Golden frames: each animation at its start, middle and end, read from pixels.
@Suite struct AnimationTests {
    /// A white 20×20 square centred at (50, 50) on black, with `animations`, lasting 4 s.
    func square(_ animations: String, extra: String = "") -> String {
        document("""
            { "type": "rect", "start": 0, "duration": 4, "transform": { "x": 50, "y": 50, "width": 20, "height": 20 }\(extra),
              "animations": [ \(animations) ] }
            """)
    }

    /// The centre of the white area on the row or column through (50, 50).
    func centre(_ json: String, at t: Double, horizontal: Bool = true) throws -> Double {
        let image = try frame(json, at: t)
        let lit = (0..<100).filter { i in (horizontal ? image.pixel(x: i, y: 50) : image.pixel(x: 50, y: i)).x > 128 }
        return lit.isEmpty ? -1 : Double(lit.first! + lit.last! + 1) / 2
    }

    /// The width of the white run through the centre row.
    func width(_ json: String, at t: Double) throws -> Int {
        let image = try frame(json, at: t)
        return (0..<100).filter { image.pixel(x: $0, y: 50).x > 128 }.count
    }

    func level(_ json: String, at t: Double) throws -> Int { Int(try frame(json, at: t).pixel(x: 50, y: 50).x) }

    @Test func fadeInAndFadeOut() throws {
        let fadeIn = square(#"{ "type": "fadeIn", "duration": 1 }"#)
        #expect(try level(fadeIn, at: 0) == 0)
        #expect(abs(try level(fadeIn, at: 0.5) - 128) <= 1, "half opacity at the midpoint")
        #expect(try level(fadeIn, at: 1) == 255)
        let fadeOut = square(#"{ "type": "fadeOut", "duration": 1, "delay": 2 }"#)
        #expect(try level(fadeOut, at: 1) == 255, "before its delay an exit leaves the clip as it is")
        #expect(abs(try level(fadeOut, at: 2.5) - 128) <= 1)
        #expect(try level(fadeOut, at: 3.5) == 0, "after it ends the clip stays gone")
    }

    @Test func moveGoesFromToTo() throws {
        let json = square(#"{ "type": "move", "from": { "x": 20, "y": 50 }, "to": { "x": "80%" }, "duration": 2 }"#)
        #expect(try centre(json, at: 0) == 20)
        #expect(try centre(json, at: 1) == 50)
        #expect(try centre(json, at: 2) == 80)
        #expect(try centre(json, at: 3) == 80)
    }

    @Test func scaleMultipliesTheClipsOwn() throws {
        let json = square(#"{ "type": "scale", "from": 1, "to": [3, 1], "duration": 2 }"#)
        #expect(try width(json, at: 0) == 20)
        #expect(try width(json, at: 1) == 40)
        #expect(try width(json, at: 2) == 60)
    }

    @Test func rotateTurnsClockwise() throws {
        // A 60×10 bar turned 0 → 90°: vertical at the end, diagonal halfway.
        let json = document("""
            { "type": "rect", "start": 0, "duration": 4, "transform": { "x": 50, "y": 50, "width": 60, "height": 10 },
              "animations": [ { "type": "rotate", "from": 0, "to": 90, "duration": 2 } ] }
            """)
        let start = try frame(json, at: 0), middle = try frame(json, at: 1), end = try frame(json, at: 2)
        #expect(start.pixel(x: 75, y: 50).x == 255 && start.pixel(x: 50, y: 75).x == 0)
        #expect(middle.pixel(x: 65, y: 65).x == 255, "45° clockwise runs down-right")
        #expect(middle.pixel(x: 35, y: 65).x == 0)
        #expect(end.pixel(x: 50, y: 75).x == 255 && end.pixel(x: 75, y: 50).x == 0)
    }

    @Test func slideInStartsDistanceAwayAndSlideOutEndsThere() throws {
        let slideIn = square(#"{ "type": "slideIn", "direction": "right", "distance": 30, "duration": 1 }"#)
        #expect(try centre(slideIn, at: 0) == 20, "distance back from where it travels to")
        #expect(try centre(slideIn, at: 0.5) == 35)
        #expect(try centre(slideIn, at: 1) == 50)
        let up = square(#"{ "type": "slideIn", "distance": 30, "duration": 1 }"#)
        #expect(try centre(up, at: 0, horizontal: false) == 80, "the default direction is up: it starts below")
        let slideOut = square(#"{ "type": "slideOut", "direction": "left", "distance": 30, "duration": 1 }"#)
        #expect(try centre(slideOut, at: 0) == 50)
        #expect(try centre(slideOut, at: 1) == 20)
    }

    @Test func zoomInAndZoomOut() throws {
        let zoomIn = square(#"{ "type": "zoomIn", "duration": 1 }"#)
        #expect(try width(zoomIn, at: 0) == 0)
        #expect(try width(zoomIn, at: 0.5) == 10)
        #expect(try width(zoomIn, at: 1) == 20)
        let zoomOut = square(#"{ "type": "zoomOut", "duration": 1 }"#)
        #expect(try width(zoomOut, at: 0.5) == 10)
        #expect(try width(zoomOut, at: 1) == 0)
    }

    @Test func filterAnimatesAFilterValue() throws {
        let json = square(#"{ "type": "filter", "filter": "brightness", "from": 1, "to": 0, "duration": 2 }"#)
        #expect(try level(json, at: 0) == 255)
        #expect(abs(try level(json, at: 1) - 128) <= 1)
        #expect(try level(json, at: 2) == 0)
    }

    @Test func easingShapesProgress() throws {
        let json = square(#"{ "type": "move", "from": { "x": 20 }, "to": { "x": 80 }, "duration": 2, "easing": "easeInQuad" }"#)
        #expect(try centre(json, at: 1) == 35, "easeInQuad(0.5) = 0.25 of the way")
    }

    @Test func loopsRepeatCyclesAndCountsStop() throws {
        let forever = square(#"{ "type": "move", "from": { "x": 20 }, "to": { "x": 80 }, "duration": 1, "loop": true }"#)
        #expect(try centre(forever, at: 2.5) == 50)
        #expect(try centre(forever, at: 3.25) == 35)
        let twice = square(#"{ "type": "move", "from": { "x": 20 }, "to": { "x": 80 }, "duration": 1, "loop": 2 }"#)
        #expect(try centre(twice, at: 1.5) == 50)
        #expect(try centre(twice, at: 3.5) == 80, "after two cycles it holds the end")
    }

    @Test func animationsCompose() throws {
        let json = square(#"""
            { "type": "fadeIn", "duration": 1 },
            { "type": "slideIn", "direction": "right", "distance": 30, "duration": 1 },
            { "type": "scale", "from": 2, "to": 2, "duration": 1 }
            """#)
        let image = try frame(json, at: 0.5)
        let lit = (0..<100).filter { image.pixel(x: $0, y: 50).x > 0 }
        #expect(lit.count == 40, "scaled to 40 wide")
        #expect(Double(lit.first! + lit.last! + 1) / 2 == 35, "halfway along the slide")
        #expect(abs(Int(image.pixel(x: 35, y: 50).x) - 128) <= 1, "and half faded in")
    }
}

/// Keyframes on each property, read from pixels.
@Suite struct KeyframeTests {
    func square(_ keyframes: String, style: String = "") -> String {
        document("""
            { "type": "rect", "start": 0, "duration": 4, "transform": { "x": 50, "y": 50, "width": 20, "height": 20 }\(style),
              "keyframes": [ \(keyframes) ] }
            """)
    }

    @Test func opacityAndPosition() throws {
        let json = square(#"""
            { "property": "opacity", "frames": [ { "time": 0, "value": 0 }, { "time": 2, "value": 1 } ] },
            { "property": "x", "frames": [ { "time": 0, "value": "20%" }, { "time": 2, "value": 80 } ] }
            """#)
        let middle = try frame(json, at: 1)
        #expect(abs(Int(middle.pixel(x: 50, y: 50).x) - 128) <= 1)
        #expect(middle.pixel(x: 39, y: 50).x == 0 && middle.pixel(x: 41, y: 50).x > 0)
        #expect(try frame(json, at: 3).pixel(x: 80, y: 50).x == 255, "after the last keyframe the value holds")
    }

    @Test func sizeScaleAndRotation() throws {
        let sized = try frame(square(#"{ "property": "width", "frames": [ { "time": 0, "value": 20 }, { "time": 2, "value": "60%" } ] }"#), at: 1)
        #expect((0..<100).filter { sized.pixel(x: $0, y: 50).x > 128 }.count == 40)
        let scaled = try frame(square(#"{ "property": "scale", "frames": [ { "time": 0, "value": 1 }, { "time": 2, "value": 3 } ] }"#), at: 1)
        #expect((0..<100).filter { scaled.pixel(x: $0, y: 50).x > 128 }.count == 40)
        let turned = try frame(document("""
            { "type": "rect", "start": 0, "duration": 4, "transform": { "x": 50, "y": 50, "width": 60, "height": 10 },
              "keyframes": [ { "property": "rotation", "frames": [ { "time": 0, "value": 0 }, { "time": 2, "value": 180 } ] } ] }
            """), at: 1)
        #expect(turned.pixel(x: 50, y: 75).x == 255 && turned.pixel(x: 75, y: 50).x == 0, "90° at the midpoint")
    }

    @Test func fillColourInLinearLight() throws {
        let json = square(##"{ "property": "fill", "frames": [ { "time": 0, "value": "#ff0000" }, { "time": 2, "value": "#00ff00" } ] }"##)
        let middle = try frame(json, at: 1).pixel(x: 50, y: 50)
        #expect(close(middle, SIMD4(188, 188, 0, 255), tolerance: 1), "\(middle)")
    }

    @Test func filterValues() throws {
        let json = square(#"{ "property": "brightness", "frames": [ { "time": 0, "value": 1 }, { "time": 2, "value": 0.5 } ] }"#)
        #expect(abs(Int(try frame(json, at: 2).pixel(x: 50, y: 50).x) - 128) <= 1)
        #expect(abs(Int(try frame(json, at: 1).pixel(x: 50, y: 50).x) - 191) <= 1)
    }
}
