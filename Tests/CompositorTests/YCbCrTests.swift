import Testing
@testable import Compositor

/// The Y'CbCr kernels against BT.709 arithmetic, and against blending in RGBA and converting after.
@Suite struct YCbCrTests {
    /// A picture of `width` × `height` whose every 2×2 block holds one colour, `color(blockX, blockY)`.
    func blocks(width: Int, height: Int, _ color: (Int, Int) -> SIMD4<UInt8>) -> Raster {
        let raster = Raster(width: width, height: height)
        for by in 0..<(height + 1) / 2 {
            for bx in 0..<(width + 1) / 2 {
                let c = color(bx, by)
                for y in 2 * by..<min(2 * by + 2, height) {
                    for x in 2 * bx..<min(2 * bx + 2, width) {
                        for channel in 0..<4 { raster.pixels[y * raster.bytesPerRow + x * 4 + channel] = c[channel] }
                    }
                }
            }
        }
        return raster
    }

    func converted(_ raster: Raster) -> PlanarImage {
        let image = PlanarImage(width: raster.width, height: raster.height)
        YCbCr.convert(raster, into: image.view)
        return image
    }

    func largestDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }

    @Test(arguments: [
        (SIMD4<UInt8>(255, 255, 255, 255), SIMD3<UInt8>(235, 128, 128)),
        (SIMD4<UInt8>(0, 0, 0, 255), SIMD3<UInt8>(16, 128, 128)),
        (SIMD4<UInt8>(255, 0, 0, 255), SIMD3<UInt8>(63, 102, 240)),
        (SIMD4<UInt8>(0, 255, 0, 255), SIMD3<UInt8>(173, 42, 26)),
        (SIMD4<UInt8>(0, 0, 255, 255), SIMD3<UInt8>(32, 240, 118)),
        (SIMD4<UInt8>(0, 0, 0, 0), SIMD3<UInt8>(16, 128, 128)),  // transparent is drawn over black
    ])
    func convertsWithTheBT709LimitedRangeMatrix(color: SIMD4<UInt8>, expected: SIMD3<UInt8>) {
        let raster = Raster(width: 4, height: 2)
        raster.fill(color)
        let image = converted(raster)
        for x in 0..<4 { #expect(image.view.sample(x: x, y: 1) == expected) }
    }

    @Test func aTransparentOverlayLeavesThePictureAlone() {
        let background = converted(blocks(width: 34, height: 10) { x, y in SIMD4(UInt8(x * 7), UInt8(y * 20), 90, 255) })
        let before = background.packedSamples()
        YCbCr.composite(Raster(width: 34, height: 10), in: PixelRect(x0: 0, y0: 0, x1: 34, y1: 10), into: background.view)
        #expect(background.packedSamples() == before)
    }

    @Test func anOverlayOutsideTheRectangleIsNotDrawn() {
        let background = converted(blocks(width: 16, height: 8) { _, _ in SIMD4(0, 0, 0, 255) })
        let overlay = Raster(width: 16, height: 8)
        overlay.fill(SIMD4(255, 255, 255, 255))
        YCbCr.composite(overlay, in: PixelRect(x0: 4, y0: 2, x1: 8, y1: 6), into: background.view)
        #expect(background.view.sample(x: 4, y: 2) == SIMD3(235, 128, 128))
        #expect(background.view.sample(x: 7, y: 5) == SIMD3(235, 128, 128))
        #expect(background.view.sample(x: 3, y: 2) == SIMD3(16, 128, 128))
        #expect(background.view.sample(x: 8, y: 5) == SIMD3(16, 128, 128))
        #expect(background.view.sample(x: 4, y: 6) == SIMD3(16, 128, 128))
    }

    /// Blending in Y'CbCr gives what blending in RGBA and converting gives, to rounding, over
    /// random footage (one colour per chroma block, so the reference has one exact answer).
    @Test func compositingInYCbCrMatchesBlendingInRGBAThenConverting() {
        var generator = SystemRandomNumberGenerator()
        let width = 66, height = 20
        let backgroundRaster = blocks(width: width, height: height) { _, _ in
            SIMD4(.random(in: 0...255, using: &generator), .random(in: 0...255, using: &generator),
                  .random(in: 0...255, using: &generator), 255)
        }
        let overlay = Raster(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let pixel = overlay.pixels + y * overlay.bytesPerRow + x * 4
                pixel[3] = .random(in: 0...255, using: &generator)
                for c in 0..<3 { pixel[c] = .random(in: 0...pixel[3], using: &generator) }
            }
        }
        let blended = backgroundRaster.copy()
        for y in 0..<height {
            Blend.sourceOver(source: overlay.pixels + y * overlay.bytesPerRow, destination: blended.pixels + y * blended.bytesPerRow,
                             count: width, opacity: 255)
        }
        let reference = converted(blended)
        let fast = converted(backgroundRaster)
        YCbCr.composite(overlay, in: PixelRect(x0: 0, y0: 0, x1: width, y1: height), into: fast.view)
        let lumaCount = width * height
        let (fastSamples, referenceSamples) = (fast.packedSamples(), reference.packedSamples())
        #expect(largestDifference(Array(fastSamples[..<lumaCount]), Array(referenceSamples[..<lumaCount])) <= 1)
        // Chroma averages the four overlay pixels before blending, the reference after: the
        // block's mean coverage weighs the footage, which is exact for one footage colour a block.
        #expect(largestDifference(Array(fastSamples[lumaCount...]), Array(referenceSamples[lumaCount...])) <= 1)
    }

    @Test(arguments: [0, 1, 77, 128, 254, 255])
    func mixFadesEverySampleByTheOpacity(opacity: Int) {
        let a = converted(blocks(width: 36, height: 6) { x, y in SIMD4(UInt8(x * 13 % 256), UInt8(y * 40), 200, 255) })
        let b = converted(blocks(width: 36, height: 6) { x, y in SIMD4(30, UInt8(x * 5), UInt8(255 - y * 30), 255) })
        let (under, over) = (a.packedSamples(), b.packedSamples())
        YCbCr.mix(b.view, opacity: UInt8(opacity), into: a.view)
        let expected: [UInt8] = zip(over, under).map { s, d in
            let sum = Int(s) * opacity + Int(d) * (255 - opacity)
            return UInt8((Double(sum) / 255 + 0.5).rounded(.down))
        }
        #expect(largestDifference(a.packedSamples(), expected) == 0)
    }

    @Test func evenAlignmentGrowsTheRectangleToWholeChromaBlocks() {
        #expect(PixelRect(x0: 3, y0: 1, x1: 6, y1: 7).evenAligned == PixelRect(x0: 2, y0: 0, x1: 6, y1: 8))
        #expect(PixelRect(x0: 0, y0: 0, x1: 2, y1: 2).union(PixelRect(x0: 6, y0: 4, x1: 8, y1: 10))
                == PixelRect(x0: 0, y0: 0, x1: 8, y1: 10))
    }
}

/// The fixed-point conversion against the same matrix in `Float`.
@Suite struct FixedPointConversionTests {
    @Test func staysWithinOneOfTheFloatConversionOnEveryColour() {
        // Every 6-bit step of each channel, in pixels whose 2×2 blocks mix colours, plus
        // transparent and partly covered (premultiplied) pixels.
        let width = 256, height = 64
        let raster = Raster(width: width, height: height)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<(width * height) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let alpha = UInt8(truncatingIfNeeded: state >> 56) | (i % 3 == 0 ? 0xFF : 0)
            let channel = { (shift: UInt64) in UInt8(truncatingIfNeeded: state >> shift) & alpha }
            let p = raster.pixels + i * 4
            (p[0], p[1], p[2], p[3]) = (channel(8), channel(24), channel(40), alpha)
        }
        // And the corners of the cube, in solid blocks.
        for (k, corner) in [(0, 0, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (255, 255, 0)].enumerated() {
            for y in 0..<2 { for x in 0..<2 {
                let p = raster.pixels + (y * width + 2 * k + x) * 4
                (p[0], p[1], p[2], p[3]) = (UInt8(corner.0), UInt8(corner.1), UInt8(corner.2), 255)
            } }
        }
        let fixed = PlanarImage(width: width, height: height), float = PlanarImage(width: width, height: height)
        YCbCr.convert(raster, into: fixed.view)
        YCbCr.convertInFloat(raster, into: float.view)
        let a = fixed.packedSamples(), b = float.packedSamples()
        #expect(a.count == b.count)
        let worst = zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= 1)
        // Not a copy of the float path by accident: most samples agree exactly.
        #expect(zip(a, b).filter { $0 == $1 }.count * 10 > a.count * 9)
    }

    @Test func bandsConvertTheSameAsTheWholePicture() {
        let raster = Raster(width: 64, height: 12)
        for i in 0..<(64 * 12 * 4) { raster.pixels[i] = UInt8(truncatingIfNeeded: i &* 37) | (i % 4 == 3 ? 0xFF : 0) }
        let whole = PlanarImage(width: 64, height: 12), banded = PlanarImage(width: 64, height: 12)
        YCbCr.convert(raster, into: whole.view)
        for rows in [0..<4, 4..<10, 10..<12] { YCbCr.convert(raster, into: banded.view, rows: rows) }
        #expect(whole.packedSamples() == banded.packedSamples())
    }
}
