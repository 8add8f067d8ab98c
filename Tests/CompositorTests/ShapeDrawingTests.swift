import Foundation
import Testing
import Timeline
@testable import Compositor

/// Shapes drawn straight onto the canvas through their placement (`ShapeDrawing`).
@Suite struct ShapeDrawingTests {
    static let gradient = Gradient(kind: .linear(angle: 60), stops: [
        GradientStop(offset: 0, color: RGBAColor(red: 0.1, green: 0.2, blue: 0.9)),
        GradientStop(offset: 1, color: RGBAColor(red: 1, green: 0.8, blue: 0.1)),
    ])
    static let radial = Gradient(kind: .radial, stops: [
        GradientStop(offset: 0, color: RGBAColor(red: 1, green: 1, blue: 1, alpha: 0.9)),
        GradientStop(offset: 1, color: RGBAColor(red: 0.3, green: 0, blue: 0.5, alpha: 0.4)),
    ])
    static let canvas200 = Canvas(width: 200, height: 150, frameRate: FrameRate(numerator: 30))
    static let geometries: [ShapeContent.Geometry] = [
        .rectangle(.zero), .rectangle(CornerRadii(topLeft: 14, topRight: 3, bottomRight: 30, bottomLeft: 0)),
        .ellipse, .regularPolygon(sides: 3), .regularPolygon(sides: 6),
    ]

    /// A canvas with something under the shape, so that blending shows.
    func canvas() -> Raster {
        let raster = Raster(width: 200, height: 150)
        for i in 0..<(200 * 150) {
            let p = raster.pixels + i * 4
            (p[0], p[1], p[2], p[3]) = (UInt8(i % 200), UInt8(i / 200), 90, 255)
        }
        return raster
    }

    func bytes(_ raster: Raster) -> Data { Data(bytes: raster.pixels, count: raster.byteCount) }

    /// The map a layer of this shape gets: about the box's centre, rotated, to (x, y).
    func placement(_ drawing: ShapeDrawing, rotation: Double, x: Double, y: Double, flip: Bool = false) -> Affine {
        Affine.translation(-(drawing.margin + drawing.boxWidth / 2), -(drawing.margin + drawing.boxHeight / 2))
            .then(.scale(flip ? -1 : 1, 1)).then(.rotation(degrees: rotation)).then(.translation(x, y))
    }

    @Test func spansGiveWhatEveryPixelGives() {
        var cases = 0
        for geometry in Self.geometries {
            for (fill, stroke, strokeWidth) in [(Paint.solid(RGBAColor(red: 0.9, green: 0.2, blue: 0.3)), nil, 0.0),
                                                (.gradient(Self.gradient), .solid(RGBAColor(red: 1, green: 1, blue: 1)), 6),
                                                (.gradient(Self.radial), .gradient(Self.gradient), 0.6),
                                                (nil, .solid(RGBAColor(red: 0, green: 0, blue: 0, alpha: 0.7)), 3)] as [(Paint?, Paint?, Double)] {
                let shape = ShapeContent(geometry: geometry, fill: fill, stroke: stroke, strokeWidth: strokeWidth)
                for (width, height) in [(120.0, 70.0), (40.0, 40.0), (3.0, 90.0)] {
                    let drawing = ShapeDrawing(shape: shape, width: width, height: height)
                    for (rotation, opacity, flip) in [(0.0, UInt8(255), false), (17.0, 255, true), (90.0, 128, false),
                                                      (-133.7, 255, false), (45.0, 200, true)] {
                        let map = placement(drawing, rotation: rotation, x: 100.3, y: 70.6, flip: flip)
                        let spans = canvas(), every = canvas()
                        drawing.draw(transform: map, opacity: opacity, onto: spans, rows: 0..<150)
                        drawing.drawEveryPixel(transform: map, opacity: opacity, onto: every, rows: 0..<150)
                        #expect(bytes(spans) == bytes(every), "\(geometry) \(width)×\(height) fill \(String(describing: fill)) at \(rotation)°")
                        #expect(bytes(spans) != bytes(canvas()), "something was drawn")
                        cases += 1
                    }
                }
            }
        }
        #expect(cases == 5 * 4 * 3 * 5)
    }

    /// Drawn straight, a rotated shape is what rasterising it and resampling the raster gives,
    /// up to the resampling's softening of the edges.
    @Test func directDrawingMatchesTheResampledRaster() {
        for geometry in Self.geometries {
            let shape = ShapeContent(geometry: geometry, fill: .gradient(Self.gradient),
                                     stroke: .solid(RGBAColor(red: 1, green: 1, blue: 1)), strokeWidth: 4)
            let drawing = ShapeDrawing(shape: shape, width: 110, height: 80)
            let map = placement(drawing, rotation: 23, x: 97.5, y: 74.25)
            let direct = canvas(), resampled = canvas()
            drawing.draw(transform: map, opacity: 255, onto: direct, rows: 0..<150)
            let raster = ShapeRasterizer.render(shape, width: 110, height: 80).raster
            LayerCompositor.draw(raster, transform: map, opacity: 1, onto: resampled)
            var squared = 0.0
            for i in 0..<direct.byteCount {
                let d = Double(direct.pixels[i]) - Double(resampled.pixels[i])
                squared += d * d
            }
            let psnr = 10 * log10(255 * 255 / max(squared / Double(direct.byteCount), 1e-9))
            #expect(psnr >= 30, "\(geometry): \(psnr) dB")
        }
    }

    /// A long thin ellipse's first-order distance reads too little past its tips; drawn straight,
    /// it still draws nothing beyond where its raster would be drawn.
    @Test func aLongEllipseDrawsNothingPastItsRaster() {
        let shape = ShapeContent(geometry: .ellipse, fill: .solid(RGBAColor(red: 1, green: 1, blue: 1)))
        let drawing = ShapeDrawing(shape: shape, width: 180, height: 2)
        let map = placement(drawing, rotation: 45, x: 100, y: 75)
        let direct = Raster(width: 200, height: 150), resampled = Raster(width: 200, height: 150)
        drawing.draw(transform: map, opacity: 255, onto: direct, rows: 0..<150)
        LayerCompositor.draw(ShapeRasterizer.render(shape, width: 180, height: 2).raster, transform: map, opacity: 1, onto: resampled)
        var outside = 0
        for y in 0..<150 {
            for x in 0..<200 where direct.pixel(x: x, y: y).w > 0 {
                // The resampled raster, or a neighbour of it (bilinear edges are a pixel wide).
                let near = (max(0, y - 1)...min(149, y + 1)).contains { ny in
                    (max(0, x - 1)...min(199, x + 1)).contains { nx in resampled.pixel(x: nx, y: ny).w > 0 }
                }
                if !near { outside += 1 }
            }
        }
        #expect(outside == 0)
    }

    /// Inside the fill, the pixels are exactly the paint: nothing of the canvas shows through an
    /// opaque rotated shape, and a solid one is one colour.
    @Test func anOpaqueRotatedShapeHidesWhatIsUnder() {
        let shape = ShapeContent(geometry: .rectangle(.zero), fill: .solid(RGBAColor(red8: 10, green8: 200, blue8: 30)))
        let drawing = ShapeDrawing(shape: shape, width: 400, height: 400)
        let raster = canvas()
        drawing.draw(transform: placement(drawing, rotation: 30, x: 100, y: 75), opacity: 255, onto: raster, rows: 0..<150)
        for y in 0..<150 { for x in 0..<200 { #expect(raster.pixel(x: x, y: y) == SIMD4(10, 200, 30, 255)) } }
    }

    /// A turning backdrop larger than the canvas paints every pixel, so the frame's background is
    /// not laid under it; the frames are the bytes of drawing the background first, frame after
    /// frame into the same raster (nothing of the frame before may show), and a backdrop that
    /// leaves a corner bare, or is translucent, does not count as covering.
    @Test func aBackdropThatCoversTheCanvasReplacesTheBackground() throws {
        let backdrop = ShapeContent(geometry: .rectangle(.zero), fill: .gradient(Self.gradient))
        func items(_ rotation: Double, size: Double, opacity: Double) -> [DrawItem] {
            let transform = Transform(x: .constant(100), y: .constant(75), width: .constant(size), height: .constant(size),
                                      rotation: .constant(rotation))
            let clip = Clip(origin: "clips[0]", start: 0, duration: 1, opacity: .constant(opacity), transform: transform,
                            content: .shape(backdrop))
            return [DrawItem(clip: clip, localTime: 0, canvas: Self.canvas200), item(backdrop, scale: 1, rotation: 10)]
        }
        let skipping = FrameCompositor(canvas: Self.canvas200, media: BoundedWorkTests.NoMedia())
        let laying = FrameCompositor(canvas: Self.canvas200, media: BoundedWorkTests.NoMedia())
        laying.skipsCoveredBackground = false
        let (a, b) = (Raster(width: 200, height: 150), Raster(width: 200, height: 150))
        for (step, (size, opacity)) in [(260.0, 1.0), (260, 1), (200, 1), (260, 0.5), (260, 1)].enumerated() {
            try skipping.render(items(Double(step) * 7, size: size, opacity: opacity), into: a)
            try laying.render(items(Double(step) * 7, size: size, opacity: opacity), into: b)
            #expect((0..<a.byteCount).allSatisfy { a.pixels[$0] == b.pixels[$0] }, "frame \(step)")
        }
        #expect(skipping.skippedBackgrounds.value > 0 && laying.skippedBackgrounds.value == 0, "the skip was really taken")
        let shape = ShapeDrawing(shape: backdrop, width: 260, height: 260)
        let turned = Affine.translation(-shape.margin - 130, -shape.margin - 130).then(.rotation(degrees: 21)).then(.translation(100, 75))
        #expect(shape.paintsOver(transform: turned, opacity: 255, width: 200, rows: 0..<150))
        #expect(!shape.paintsOver(transform: turned, opacity: 254, width: 200, rows: 0..<150))
        #expect(!shape.paintsOver(transform: turned.then(.translation(30, 0)), opacity: 255, width: 200, rows: 0..<150))
        #expect(shape.paintsOver(transform: turned.then(.translation(30, 0)), opacity: 255, width: 200, rows: 60..<90))
    }

    func item(_ shape: ShapeContent, scale: Double, rotation: Double) -> DrawItem {
        let transform = Transform(x: .constant(100), y: .constant(75), width: .constant(60), height: .constant(40),
                                  scaleX: .constant(scale), scaleY: .constant(scale), rotation: .constant(rotation))
        let clip = Clip(origin: "clips[0]", start: 0, duration: 1, transform: transform, content: .shape(shape))
        return DrawItem(clip: clip, localTime: 0, canvas: Self.canvas200)
    }

    /// A shape whose scale changes is drawn at each scale without a raster, and the layer cache
    /// does not grow with the number of sizes; a rotated one makes no raster either.
    @Test func scalingAndRotatingShapesMakeNoRasters() throws {
        let compositor = FrameCompositor(canvas: Self.canvas200, media: BoundedWorkTests.NoMedia())
        let shape = ShapeContent(geometry: .ellipse, fill: .gradient(Self.radial))
        for step in 0..<30 {
            var scaling = item(shape, scale: 1 + Double(step) / 100, rotation: 0)
            scaling.scaleChanges = true
            _ = try compositor.render([scaling, item(shape, scale: 1, rotation: 1 + Double(step))])
        }
        #expect(compositor.largestLayerPixels == 0)
        #expect(compositor.cachedLayerCount <= 1)
        // Rasterised instead, each scale is a layer of its own.
        let rasterising = FrameCompositor(canvas: Self.canvas200, media: BoundedWorkTests.NoMedia())
        rasterising.drawsShapesDirectly = false
        for step in 0..<30 {
            var scaling = item(shape, scale: 1 + Double(step) / 100, rotation: 0)
            scaling.scaleChanges = true
            _ = try rasterising.render([scaling])
        }
        #expect(rasterising.cachedLayerCount == 30)
    }
}
