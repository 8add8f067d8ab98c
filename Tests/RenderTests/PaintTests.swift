import Testing

/// Gradients, shapes, shadows and images, read from pixels.
@Suite struct PaintTests {
    @Test func linearGradientFollowsItsAngle() throws {
        let stops = ##"[ { "offset": 0, "color": "#ff0000" }, { "offset": 1, "color": "#0000ff" } ]"##
        let across = try frame(document(background: "{ \"type\": \"linear\", \"angle\": 90, \"stops\": \(stops) }",
                                         #"{ "type": "rect", "start": 0, "duration": 1, "opacity": 0, "transform": { "width": 2, "height": 2 } }"#))
        #expect(close(across.pixel(x: 0, y: 50), red, tolerance: 3))
        #expect(close(across.pixel(x: 99, y: 50), blue, tolerance: 3))
        #expect(close(across.pixel(x: 50, y: 10), SIMD4(127, 0, 128, 255), tolerance: 3))
        let down = try frame(document(background: "{ \"type\": \"linear\", \"stops\": \(stops) }",
                                      #"{ "type": "rect", "start": 0, "duration": 1, "opacity": 0, "transform": { "width": 2, "height": 2 } }"#))
        #expect(close(down.pixel(x: 50, y: 0), red, tolerance: 3), "the default angle, 180, runs top to bottom")
        #expect(close(down.pixel(x: 50, y: 99), blue, tolerance: 3))
    }

    @Test func radialGradientRunsFromTheCentreToTheCorners() throws {
        let image = try frame(document(background: ##"""
            { "type": "radial", "stops": [ { "offset": 0, "color": "#ffffff" }, { "offset": 1, "color": "#000000" } ] }
            """##, #"{ "type": "rect", "start": 0, "duration": 1, "opacity": 0, "transform": { "width": 2, "height": 2 } }"#))
        #expect(image.pixel(x: 50, y: 50).x > 250)
        #expect(image.pixel(x: 0, y: 0).x < 5)
        #expect(image.pixel(x: 99, y: 50).x > 70 && image.pixel(x: 99, y: 50).x < 110, "the edge midpoint is 1/√2 of the way")
    }

    @Test func gradientFillSpansTheShapeBox() throws {
        let image = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1, "transform": { "x": 50, "y": 50, "width": 40, "height": 20 },
              "style": { "fill": { "type": "linear", "angle": 90,
                "stops": [ { "offset": 0, "color": "#00ff00" }, { "offset": 1, "color": "#0000ff" } ] } } }
            """))
        #expect(close(image.pixel(x: 30, y: 50), green, tolerance: 12))
        #expect(close(image.pixel(x: 69, y: 50), blue, tolerance: 12))
    }

    @Test func circlesAreRoundWithSoftEdges() throws {
        let image = try frame(document("""
            { "type": "circle", "start": 0, "duration": 1, "size": 60, "transform": { "x": 50, "y": 50 } }
            """))
        #expect(image.pixel(x: 50, y: 50) == white)
        #expect(image.pixel(x: 50, y: 21) == white)
        #expect(image.pixel(x: 25, y: 25) == black, "the box corner is outside the circle")
        // Coverage rises smoothly across the edge at radius 30.
        let edge = (17...23).map { Int(image.pixel(x: $0, y: 50).x) }
        #expect(edge.first == 0 && edge.last == 255)
        #expect(edge.contains { $0 > 0 && $0 < 255 })
    }

    @Test func strokesAreCentredOnTheOutline() throws {
        let image = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1, "transform": { "x": 50, "y": 50, "width": 40, "height": 40 },
              "style": { "fill": "#0000ff", "stroke": "#ff0000", "strokeWidth": 6 } }
            """))
        #expect(image.pixel(x: 50, y: 50) == blue)
        #expect(image.pixel(x: 29, y: 50) == red, "inside half of the stroke")
        #expect(image.pixel(x: 28, y: 50) == red, "outside half of the stroke")
        #expect(image.pixel(x: 26, y: 50) == black)
        #expect(image.pixel(x: 34, y: 50) == blue)
    }

    @Test func borderRadiusRoundsTheCorners() throws {
        let image = try frame(document("""
            { "type": "rect", "start": 0, "duration": 1, "transform": { "x": 50, "y": 50, "width": 60, "height": 60 },
              "style": { "borderRadius": [20, 0, 0, 0] } }
            """))
        #expect(image.pixel(x: 21, y: 21) == black, "the rounded top-left corner is cut")
        #expect(image.pixel(x: 78, y: 21) == white, "the square top-right corner is not")
    }

    @Test func polygonsAreRegularWithAVertexOnTop() throws {
        let image = try frame(document("""
            { "type": "polygon", "start": 0, "duration": 1, "sides": 4, "size": 60, "transform": { "x": 50, "y": 50 } }
            """))
        // A square standing on a vertex: a diamond.
        #expect(image.pixel(x: 50, y: 22) == white)
        #expect(image.pixel(x: 50, y: 50) == white)
        #expect(image.pixel(x: 25, y: 25) == black)
        #expect(image.pixel(x: 78, y: 50) == white)
    }

    @Test func shadowsFallBehindAtTheirOffset() throws {
        let image = try frame(document(background: "\"#ffffff\"", """
            { "type": "rect", "start": 0, "duration": 1, "transform": { "x": 40, "y": 40, "width": 20, "height": 20 },
              "style": { "fill": "#ff0000", "shadowColor": "#000000", "shadowOffset": [10, 10] } }
            """))
        #expect(image.pixel(x: 40, y: 40) == red, "the shape covers its own shadow")
        #expect(image.pixel(x: 55, y: 55) == black, "the shadow shows beyond the shape")
        #expect(image.pixel(x: 25, y: 25) == white)
    }

    @Test func blurredShadowsAreSoft() throws {
        let image = try frame(document(background: "\"#ffffff\"", """
            { "type": "rect", "start": 0, "duration": 1, "transform": { "x": 40, "y": 40, "width": 20, "height": 20 },
              "style": { "fill": "#ff0000", "shadowColor": "#000000", "shadowBlur": 10, "shadowOffset": [10, 10] } }
            """))
        let gray = Int(image.pixel(x: 62, y: 55).x)
        #expect(gray > 20 && gray < 235, "a blurred shadow edge is grey, found \(gray)")
    }
}
