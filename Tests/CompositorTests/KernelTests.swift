import Testing
import Timeline
@testable import Compositor

/// The pixel kernels against plain arithmetic.
@Suite struct KernelTests {
    /// Source-over computed in floating point, rounded.
    func reference(source: SIMD4<UInt8>, destination: SIMD4<UInt8>, opacity: UInt8) -> SIMD4<UInt8> {
        let o = Double(opacity) / 255
        let sa = Double(source.w) * o / 255
        var result = SIMD4<UInt8>()
        for c in 0..<4 {
            result[c] = UInt8((Double(source[c]) * o + Double(destination[c]) * (1 - sa)).rounded())
        }
        return result
    }

    @Test(arguments: [255, 200, 128, 1])
    func simdSourceOverMatchesTheFormula(opacity: Int) {
        var generator = SystemRandomNumberGenerator()
        let count = 103  // not a multiple of four: the scalar tail runs too
        var source = [UInt8](repeating: 0, count: count * 4)
        var destination = [UInt8](repeating: 0, count: count * 4)
        for i in 0..<count {
            let a = UInt8.random(in: 0...255, using: &generator)
            source[i * 4 + 3] = a
            for c in 0..<3 { source[i * 4 + c] = UInt8.random(in: 0...a, using: &generator) }
            let b = UInt8.random(in: 0...255, using: &generator)
            destination[i * 4 + 3] = b
            for c in 0..<3 { destination[i * 4 + c] = UInt8.random(in: 0...b, using: &generator) }
        }
        var blended = destination
        source.withUnsafeBufferPointer { s in
            blended.withUnsafeMutableBufferPointer { d in
                Blend.sourceOver(source: s.baseAddress!, destination: d.baseAddress!, count: count, opacity: UInt8(opacity))
            }
        }
        for i in 0..<count {
            let s = SIMD4(source[i * 4], source[i * 4 + 1], source[i * 4 + 2], source[i * 4 + 3])
            let d = SIMD4(destination[i * 4], destination[i * 4 + 1], destination[i * 4 + 2], destination[i * 4 + 3])
            let got = SIMD4(blended[i * 4], blended[i * 4 + 1], blended[i * 4 + 2], blended[i * 4 + 3])
            let want = reference(source: s, destination: d, opacity: UInt8(opacity))
            #expect((0..<4).allSatisfy { abs(Int(got[$0]) - Int(want[$0])) <= 1 }, "pixel \(i): \(got) vs \(want)")
            #expect(got.x <= got.w && got.y <= got.w && got.z <= got.w, "stays premultiplied")
        }
    }

    /// Premultiplied random pixels, with runs of transparent and of opaque ones (the kernels skip
    /// or copy those eight and four at a time).
    static func randomPixels(_ count: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: count * 4)
        var i = 0
        while i < count {
            let run = Int.random(in: 1...19, using: &generator)
            let kind = Int.random(in: 0..<3, using: &generator)
            for p in i..<min(count, i + run) {
                let a: UInt8 = kind == 0 ? 0 : kind == 1 ? 255 : .random(in: 0...255, using: &generator)
                pixels[p * 4 + 3] = a
                for c in 0..<3 { pixels[p * 4 + c] = .random(in: 0...a, using: &generator) }
            }
            i += run
        }
        return pixels
    }

    /// The wide kernel (eight, then four pixels a step) gives exactly the bytes of the per-pixel one.
    @Test(arguments: [255, 200, 128, 1])
    func wideSourceOverMatchesThePixelKernel(opacity: Int) {
        var generator = SystemRandomNumberGenerator()
        for count in [1, 4, 7, 8, 12, 15, 16, 103, 1000] {
            let source = Self.randomPixels(count, using: &generator)
            let destination = Self.randomPixels(count, using: &generator)
            var wide = destination, single = destination
            source.withUnsafeBufferPointer { s in
                wide.withUnsafeMutableBufferPointer { d in
                    Blend.sourceOver(source: s.baseAddress!, destination: d.baseAddress!, count: count, opacity: UInt8(opacity))
                }
                single.withUnsafeMutableBufferPointer { d in
                    for i in 0..<count {
                        Blend.sourceOverPixel(source: s.baseAddress! + i * 4, destination: d.baseAddress! + i * 4,
                                              opacity: UInt32(opacity))
                    }
                }
            }
            #expect(wide == single, "\(count) pixels at opacity \(opacity)")
        }
    }

    /// Scales, flips and sub-pixel placements without rotation are drawn a row at a time (each layer
    /// row resampled once, eight columns at a time); that gives the bytes of sampling every pixel.
    @Test func rowAtATimeSamplingMatchesPerPixelSampling() {
        var generator = SystemRandomNumberGenerator()
        let layer = Raster(width: 53, height: 29)
        let layerPixels = Self.randomPixels(53 * 29, using: &generator)
        layer.pixels.update(from: layerPixels, count: layerPixels.count)
        let background = Self.randomPixels(96 * 64, using: &generator)
        let maps: [Affine] = [
            .scale(1.37, 1.21).then(.translation(3.25, 5.5)),
            .scale(0.61, 0.83).then(.translation(-7.5, 2.125)),
            .scale(-1.1, 1).then(.translation(70.3, 4)),
            .scale(1, -0.9).then(.translation(10.5, 40.7)),
            .scale(2.5, 2.5).then(.translation(-20.2, -11.9)),
            .translation(0.5, 0.25),
        ]
        for (n, map) in maps.enumerated() {
            for opacity in [1.0, 0.5] {
                let rows = Raster(width: 96, height: 64), pixels = Raster(width: 96, height: 64)
                rows.pixels.update(from: background, count: background.count)
                pixels.pixels.update(from: background, count: background.count)
                LayerCompositor.draw(layer, transform: map, opacity: opacity, onto: rows, rows: nil, rowAtATime: true)
                LayerCompositor.draw(layer, transform: map, opacity: opacity, onto: pixels, rows: nil, rowAtATime: false)
                let same = (0..<rows.byteCount).allSatisfy { rows.pixels[$0] == pixels.pixels[$0] }
                let changed = (0..<rows.byteCount).contains { rows.pixels[$0] != background[$0] }
                #expect(same, "map \(n) at opacity \(opacity)")
                #expect(changed, "map \(n) drew something")
            }
        }
    }

    /// The polygon distance with its edges prepared gives the plain form's distances, bit for bit.
    @Test func preparedPolygonEdgesGiveTheSameDistances() {
        var generator = SystemRandomNumberGenerator()
        for sides in [3, 5, 6, 8, 12] {
            let vertices = ShapeRasterizer.polygonVertices(sides: sides, halfWidth: 37.3, halfHeight: 21.9).map { (50.25 + $0.x, 30.5 + $0.y) }
            let edges = ShapeRasterizer.PolygonEdges(vertices)
            for _ in 0..<2000 {
                let x = Double.random(in: -10...110, using: &generator), y = Double.random(in: -10...70, using: &generator)
                // Half of the points on pixel centres, as the rasteriser asks.
                let (px, py) = Bool.random(using: &generator) ? ((x.rounded(.down) + 0.5), (y.rounded(.down) + 0.5)) : (x, y)
                let plain = ShapeRasterizer.polygonDistance(px, py, vertices), prepared = edges.distance(px, py)
                #expect(plain.bitPattern == prepared.bitPattern, "\(sides) sides at (\(px), \(py)): \(plain) vs \(prepared)")
            }
        }
    }

    @Test func opaqueSourceReplacesAndTransparentSourceKeeps() {
        var destination: [UInt8] = [10, 20, 30, 255, 10, 20, 30, 255]
        let source: [UInt8] = [200, 100, 50, 255, 0, 0, 0, 0]
        Blend.sourceOver(source: source, destination: &destination, count: 2, opacity: 255)
        #expect(destination == [200, 100, 50, 255, 10, 20, 30, 255])
    }

    @Test func affineInverseUndoesTheMap() throws {
        let map = Affine.translation(-10, -5).then(.scale(2, -1)).then(.rotation(degrees: 33)).then(.translation(100, 40))
        let inverse = try #require(map.inverse)
        let p = map.apply(7, 11)
        let back = inverse.apply(p.x, p.y)
        #expect(abs(back.x - 7) < 1e-9 && abs(back.y - 11) < 1e-9)
        #expect(Affine.rotation(degrees: 90) == Affine(a: 0, b: 1, c: -1, d: 0, tx: 0, ty: 0), "quarter turns are exact")
    }

    @Test func gaussianBlurKeepsTheTotal() {
        var values = [Float](repeating: 0, count: 64 * 64)
        values[32 * 64 + 32] = 1000
        GaussianBlur.blur(&values, width: 64, height: 64, sigma: 4)
        #expect(abs(values.reduce(0, +) - 1000) < 0.5)
        #expect(values[32 * 64 + 32] < 100, "the peak spreads out")
        #expect(values[32 * 64 + 36] > 0)
    }

    /// The box blur of one line (`count` values `stride` apart), as a running sum.
    static func naiveBoxBlur(_ values: inout [Float], start: Int, stride: Int, count: Int, radius: Int) {
        let norm = 1 / Float(2 * radius + 1)
        var sum: Float = 0, out = [Float](repeating: 0, count: count)
        for i in -radius...radius where i >= 0 && i < count { sum += values[start + i * stride] }
        for i in 0..<count {
            out[i] = sum * norm
            if i + radius + 1 < count { sum += values[start + (i + radius + 1) * stride] }
            if i - radius >= 0 { sum -= values[start + (i - radius) * stride] }
        }
        for i in 0..<count { values[start + i * stride] = out[i] }
    }

    /// The blur works on rows and on ranges of columns at once, on several threads: every value
    /// is what blurring each row, then each column, alone gives, bit for bit.
    @Test(arguments: [1, 3, 8])
    func gaussianBlurInPartsIsTheLineByLineBlur(parts: Int) {
        let (width, height, sigma) = (301, 117, 5.5)
        var state: UInt32 = 7
        let input = (0..<(width * height)).map { _ -> Float in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(state >> 24)
        }
        var expected = input
        let radius = GaussianBlur.boxRadius(sigma: sigma)
        for _ in 0..<3 {
            for y in 0..<height { Self.naiveBoxBlur(&expected, start: y * width, stride: 1, count: width, radius: radius) }
            for x in 0..<width { Self.naiveBoxBlur(&expected, start: x, stride: width, count: height, radius: radius) }
        }
        var values = input
        GaussianBlur.blur(&values, width: width, height: height, sigma: sigma, parts: parts)
        #expect(values == expected)
    }

    @Test func gradientTableIndicesRoundWithoutTrapping() {
        #expect(PaintSampler.tableIndex(0) == 0)
        #expect(PaintSampler.tableIndex(1) == 1023)
        #expect(PaintSampler.tableIndex(0.25) == 256)      // 255.75
        #expect(PaintSampler.tableIndex(0.5) == 512)          // 511.5 exactly: a tie goes to the even neighbour
        #expect(PaintSampler.tableIndex(-3) == 0)
        #expect(PaintSampler.tableIndex(7) == 1023)
        #expect(PaintSampler.tableIndex(.nan) == 0)
        #expect(PaintSampler.tableIndex(.infinity) == 1023)
        #expect(PaintSampler.tableIndex(-.infinity) == 0)
    }

    @Test func gradientsInterpolateInPremultipliedSpace() {
        let gradient = Gradient(kind: .linear(angle: 90), stops: [
            GradientStop(offset: 0, color: RGBAColor(red: 1, green: 0, blue: 0, alpha: 1)),
            GradientStop(offset: 1, color: RGBAColor(red: 0, green: 0, blue: 1, alpha: 0)),
        ])
        let middle = gradient.color(at: 0.5)
        #expect(abs(middle.alpha - 0.5) < 1e-9)
        #expect(abs(middle.red - 1) < 1e-9, "fading to transparent keeps the colour rather than darkening")
    }

    @Test func shapeCoverageIsExactOnPixelAlignedEdges() {
        let square = ShapeContent(geometry: .rectangle(.zero), fill: .solid(.white))
        let (raster, x, y) = ShapeRasterizer.render(square, width: 10, height: 10)
        #expect(raster.pixel(x: Int(x), y: Int(y)) == SIMD4(255, 255, 255, 255))
        #expect(raster.pixel(x: Int(x) - 1, y: Int(y)) == SIMD4(0, 0, 0, 0))
        let half = ShapeRasterizer.render(square, width: 10.5, height: 10)
        #expect(half.raster.pixel(x: Int(half.originX) + 10, y: Int(half.originY) + 2).w == 128, "half a pixel covered")
    }
}
