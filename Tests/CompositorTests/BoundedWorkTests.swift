import Foundation
import Testing
import Timeline
@testable import Compositor

/// Layers far larger than the canvas are drawn only where they can reach it: the pixels match
/// drawing the whole layer, and the rasters stay about the canvas's size.
@Suite struct BoundedWorkTests {
    struct NoMedia: MediaProvider {
        struct Unavailable: Error {}
        func naturalSize(of source: MediaSource) throws -> (width: Int, height: Int) { throw Unavailable() }
        func fittedImage(_ source: MediaSource, fit: ObjectFit, width: Int, height: Int) throws -> Raster { throw Unavailable() }
        func videoSize(of source: MediaSource) throws -> (width: Int, height: Int) { throw Unavailable() }
        func videoFrame(_ source: MediaSource, player: String, at time: Double, fit: ObjectFit,
                        width: Int, height: Int) throws -> Raster { throw Unavailable() }
    }

    static let canvas = Canvas(width: 320, height: 180, frameRate: FrameRate(numerator: 30))
    static let canvasArea = 320 * 180
    static let redFill = ShapeContent(geometry: .rectangle(.zero), fill: .solid(RGBAColor(red: 1, green: 0, blue: 0)))

    func item(_ content: ClipContent, x: Double, y: Double, width: Double? = nil, height: Double? = nil,
              anchor: Anchor = .center, scale: Double = 1, rotation: Double = 0, shadow: Shadow? = nil,
              filters: [(FilterKind, Double)] = [], canvas: Canvas = canvas) -> DrawItem {
        let transform = Transform(x: .constant(x), y: .constant(y), width: width.map { .constant($0) },
                                  height: height.map { .constant($0) }, anchor: anchor, scaleX: .constant(scale),
                                  scaleY: .constant(scale), rotation: .constant(rotation))
        let clip = Clip(origin: "clips[0]", start: 0, duration: 1, transform: transform, shadow: shadow, content: content,
                        filters: filters.map { ClipFilter(kind: $0.0, value: .constant($0.1)) })
        return DrawItem(clip: clip, localTime: 0, canvas: canvas)
    }

    /// The frame drawn with layers windowed as `windowing` says, and the largest layer raster.
    /// Rotated shapes are rasterised (`directShapes` false) unless asked: these tests are about
    /// the rasters layers are drawn from.
    func render(_ items: [DrawItem], windowing: FrameCompositor.LayerWindowing = .automatic,
                canvas: Canvas = canvas, directShapes: Bool = false) throws -> (frame: Raster, largest: Int) {
        let compositor = FrameCompositor(canvas: canvas, media: NoMedia())
        compositor.layerWindowing = windowing
        compositor.drawsShapesDirectly = directShapes
        let frame = try compositor.render(items)
        return (frame, compositor.largestLayerPixels)
    }

    /// The largest difference of any channel of any pixel.
    func maxDifference(_ a: Raster, _ b: Raster) -> Int {
        var worst = 0
        for i in 0..<a.byteCount { worst = max(worst, abs(Int(a.pixels[i]) - Int(b.pixels[i]))) }
        return worst
    }

    /// Draws `items` windowed (as chosen automatically) and whole, and checks they agree.
    func expectWindowedMatchesWhole(_ items: [DrawItem], tolerance: Int = 1, comment: String,
                                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        let windowed = try render(items)
        let whole = try render(items, windowing: .never)
        let difference = maxDifference(windowed.frame, whole.frame)
        #expect(difference <= tolerance, "\(comment): windowed and whole differ by \(difference)", sourceLocation: sourceLocation)
        #expect(windowed.largest * 4 < whole.largest,
                "\(comment): the windowed layer (\(windowed.largest) px) is not much smaller than the whole (\(whole.largest) px)",
                sourceLocation: sourceLocation)
    }

    let red = SIMD4<UInt8>(255, 0, 0, 255)

    @Test(arguments: [1.0, 100.0])
    func aHugeRectIsDrawnFromACanvasSizedWindow(scale: Double) throws {
        let started = Date()
        let (frame, largest) = try render([item(.shape(Self.redFill), x: 160, y: 90, width: 100_000, height: 100_000, scale: scale)])
        #expect(Date().timeIntervalSince(started) < 5)
        for (x, y) in [(160, 90), (0, 0), (319, 0), (0, 179), (319, 179)] {
            #expect(frame.pixel(x: x, y: y) == red, "(\(x), \(y))")
        }
        #expect(largest <= 4 * Self.canvasArea, "the largest layer raster had \(largest) pixels")
    }

    @Test func aHugeLayerOffTheCanvasDrawsNothing() throws {
        let (frame, largest) = try render([item(.shape(Self.redFill), x: 200_000, y: 90, width: 100_000, height: 100_000)])
        #expect(frame.pixel(x: 160, y: 90) == SIMD4(0, 0, 0, 255))
        #expect(largest == 0)
    }

    @Test func aRotatedHugeRectCoversTheCanvas() throws {
        for scale in [1.0, 100.0] {
            for direct in [false, true] {
                let (frame, largest) = try render([item(.shape(Self.redFill), x: 160, y: 90, width: 100_000, height: 100_000,
                                                        scale: scale, rotation: 30)], directShapes: direct)
                var uncovered = 0
                for y in 0..<frame.height { for x in 0..<frame.width where frame.pixel(x: x, y: y) != red { uncovered += 1 } }
                #expect(uncovered == 0, "scale \(scale), direct \(direct): \(uncovered) pixels not red")
                #expect(largest <= (direct ? 0 : 4 * Self.canvasArea), "scale \(scale): the largest layer raster had \(largest) pixels")
            }
        }
    }

    /// Layers no longer drawn are let go after a few frames (the sizes a zoom has passed, a scene
    /// that ended); layers drawn at every frame stay.
    @Test func idleLayersAreLetGo() throws {
        let compositor = FrameCompositor(canvas: Self.canvas, media: NoMedia())
        let kept = item(.shape(Self.redFill), x: 40, y: 40, width: 30, height: 20)
        let passing = item(.shape(ShapeContent(geometry: .ellipse, fill: .solid(RGBAColor(red: 0, green: 0, blue: 1)))),
                           x: 100, y: 60, width: 50, height: 50)
        _ = try compositor.render([kept, passing])
        #expect(compositor.cachedLayerCount == 2)
        for _ in 0..<(2 * FrameCompositor.idleFrames) { _ = try compositor.render([kept]) }
        #expect(compositor.cachedLayerCount == 1)
    }

    @Test func aRotatedLargeRectMatchesTheWholeLayer() throws {
        // An edge and a corner cross the canvas.
        try expectWindowedMatchesWhole([item(.shape(Self.redFill), x: 60, y: 40, width: 1500, height: 900, anchor: .topLeft,
                                             rotation: 30)], comment: "rotated 30°")
        try expectWindowedMatchesWhole([item(.shape(Self.redFill), x: 250, y: 150, width: 1500, height: 900, anchor: .bottomRight,
                                             scale: -1.3, rotation: -100)], comment: "flipped and rotated")
    }

    @Test func dropShadowsAtTheCanvasEdgeMatchTheWholeLayer() throws {
        let shadow = Shadow(color: RGBAColor(red: 0, green: 0, blue: 1, alpha: 0.8), blur: 20, offsetX: 15, offsetY: 10)
        // The rect's left and top edges just outside, on, and inside the canvas edges: the shadow
        // there depends on pixels the canvas does not show.
        for (x, y) in [(-40.0, -30.0), (-5, -3), (0, 0), (30, 20), (-2000, -1150)] {
            try expectWindowedMatchesWhole([item(.shape(Self.redFill), x: x, y: y, width: 2000, height: 1200, anchor: .topLeft,
                                                 shadow: shadow)], comment: "shadow at (\(x), \(y))")
        }
        try expectWindowedMatchesWhole([item(.shape(Self.redFill), x: 10, y: 5, width: 1500, height: 800, anchor: .topLeft,
                                             scale: 1.3, rotation: 12, shadow: shadow)], comment: "scaled, rotated shadow")
    }

    @Test func blurFiltersAtTheCanvasEdgeMatchTheWholeLayer() throws {
        for (x, y) in [(-30.0, -20.0), (0, 0), (25, 15)] {
            try expectWindowedMatchesWhole([item(.shape(Self.redFill), x: x, y: y, width: 2000, height: 1200, anchor: .topLeft,
                                                 filters: [(.blur, 8)])], comment: "blur at (\(x), \(y))")
        }
        // Colour filters between blurs, and a shadow of the blurred layer.
        let shadow = Shadow(color: RGBAColor(red: 0, green: 1, blue: 0, alpha: 1), blur: 6, offsetX: -12, offsetY: 9)
        try expectWindowedMatchesWhole([item(.shape(Self.redFill), x: -10, y: 8, width: 2000, height: 1200, anchor: .topLeft,
                                             shadow: shadow, filters: [(.brightness, 0.8), (.blur, 5), (.hue, 40), (.blur, 3)])],
                                       comment: "filter chain")
    }

    @Test func blursWiderThanTheCanvasAreWorkedOutAtLowerResolution() throws {
        // σ 60 and a shadow of σ 50 are past the full-resolution limit for a 320×180 canvas
        // (30): they are blurred at half resolution and scaled up, within a few code values.
        try expectWindowedMatchesWhole([item(.shape(Self.redFill), x: -20, y: -10, width: 2000, height: 1200, anchor: .topLeft,
                                             filters: [(.blur, 60)])], tolerance: 3, comment: "wide blur")
        let shadow = Shadow(color: RGBAColor(red: 0, green: 0, blue: 1, alpha: 1), blur: 100, offsetX: 30, offsetY: 20)
        try expectWindowedMatchesWhole([item(.shape(Self.redFill), x: 40, y: 30, width: 2000, height: 1200, anchor: .topLeft,
                                             shadow: shadow)], tolerance: 3, comment: "wide shadow")
    }

    @Test func hugeBlursAndShadowsStayBounded() throws {
        let started = Date()
        // Blur 500 and shadow blur 250 at scale 100: tens of thousands of pixels of spread.
        let shadow = Shadow(color: RGBAColor(red: 0, green: 0, blue: 0, alpha: 1), blur: 250, offsetX: 100, offsetY: 100)
        let items = [item(.shape(Self.redFill), x: 160, y: 90, width: 100_000, height: 100_000, scale: 100, shadow: shadow,
                          filters: [(.blur, 500)])]
        let (frame, largest) = try render(items)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(largest <= 8 * Self.canvasArea, "the largest layer raster had \(largest) pixels")
        // Deep inside a blurred rect ten million pixels wide the colour is the rect's.
        #expect(frame.pixel(x: 160, y: 90) == red)
    }

    @Test func aFarOffsetShadowOfAHugeLayerIsDrawn() throws {
        let white = Canvas(width: 320, height: 180, frameRate: FrameRate(numerator: 30), background: .paint(.solid(.white)))
        // The rect ends 1000 px above the canvas; its shadow, 1090 px lower, covers the top 90 rows.
        let shadow = Shadow(color: .black, blur: 0, offsetX: 0, offsetY: 1090)
        let (frame, largest) = try render([item(.shape(Self.redFill), x: -50_000, y: -2000, width: 100_000, height: 1000,
                                                anchor: .topLeft, shadow: shadow, canvas: white)], canvas: white)
        #expect(frame.pixel(x: 160, y: 45) == SIMD4(0, 0, 0, 255))
        #expect(frame.pixel(x: 160, y: 89) == SIMD4(0, 0, 0, 255))
        #expect(frame.pixel(x: 160, y: 90) == SIMD4(255, 255, 255, 255))
        #expect(largest <= 4 * Self.canvasArea, "the largest layer raster had \(largest) pixels")
    }

    @Test func textCutByTheWindowMatchesTheWholeText() throws {
        var text = TextContent(text: "Hello windowed world", fontSize: 200, fill: .solid(RGBAColor(red: 1, green: 0.5, blue: 0)))
        let items = [item(.text(text), x: 160, y: 90)]
        let windowed = try render(items, windowing: .always)
        let whole = try render(items, windowing: .never)
        #expect(maxDifference(windowed.frame, whole.frame) <= 1)
        #expect(windowed.largest * 4 < whole.largest, "\(windowed.largest) vs \(whole.largest)")
        // Stroked, italic (synthesised slant) and bold, rotated.
        text.stroke = .solid(.white)
        text.strokeWidth = 12
        text.fontWeight = 700
        text.italic = true
        let styled = [item(.text(text), x: 100, y: 120, rotation: 8)]
        #expect(try maxDifference(render(styled, windowing: .always).frame, render(styled, windowing: .never).frame) <= 1)
    }

    @Test func hugeTextIsDrawnFromACanvasSizedWindow() throws {
        let started = Date()
        // 2001 full blocks at 2000 px: a line some 2.4 million pixels long, centred on the canvas.
        let text = TextContent(text: String(repeating: "\u{2588}", count: 2001), fontSize: 2000, fill: .solid(.white))
        let (frame, largest) = try render([item(.text(text), x: 160, y: 90)])
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(largest <= 4 * Self.canvasArea, "the largest layer raster had \(largest) pixels")
        for (x, y) in [(160, 90), (0, 0), (319, 179), (0, 179)] {
            #expect(frame.pixel(x: x, y: y) == SIMD4(255, 255, 255, 255), "(\(x), \(y)) is inside a block")
        }
        // Scaled a hundred times over, the block still fills the canvas.
        let huge = try render([item(.text(TextContent(text: "\u{2588}\u{2588}\u{2588}", fontSize: 100, fill: .solid(.white))),
                                    x: 160, y: 90, scale: 100)])
        #expect(huge.frame.pixel(x: 160, y: 90) == SIMD4(255, 255, 255, 255))
        #expect(huge.largest <= 4 * Self.canvasArea)
    }

    @Test func windowHelpers() {
        #expect(PixelRect(x0: -65, y0: 1, x1: 63, y1: 64).snapped(to: 64) == PixelRect(x0: -128, y0: 0, x1: 64, y1: 64))
        #expect(PixelRect.covering(minX: .nan, minY: 0, maxX: 1, maxY: 1).isEmpty)
        #expect(PixelRect.covering(minX: -1e300, minY: 0, maxX: 1e300, maxY: 1).width > 0)
        #expect(clampedInt(.nan) == 0)
        #expect(clampedInt(.infinity) == 1 << 40)
        #expect(clampedInt(-2.5) == -3)
        #expect(!Affine.translation(.infinity, 0).isIntegerTranslation)
        // A layer placed at a position no Int can hold draws nothing instead of trapping.
        let canvas = Raster(width: 4, height: 4)
        LayerCompositor.draw(Raster(width: 2, height: 2), transform: .translation(1e300, 0.5), opacity: 1, onto: canvas)
        LayerCompositor.draw(Raster(width: 2, height: 2), transform: .translation(.nan, 0), opacity: 1, onto: canvas)
    }
}
