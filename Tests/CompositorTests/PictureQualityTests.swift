import Foundation
import Testing
@testable import Compositor

/// PSNR and SSIM against their definitions. (Checked once against FFmpeg's `psnr` and `ssim`
/// filters on an x264 encode of testsrc2: the same figures to six places; docs/performance.md.)
@Suite struct PictureQualityTests {
    func picture(width: Int = 48, height: Int = 32, luma: (Int, Int) -> UInt8, chroma: UInt8 = 128) -> PlanarImage {
        let image = PlanarImage(width: width, height: height)
        for y in 0..<height { for x in 0..<width { image.view.luma.row(y)[x] = luma(x, y) } }
        for y in 0..<image.view.chromaHeight {
            image.view.blue.row(y).update(repeating: chroma, count: image.view.chromaWidth)
            image.view.red.row(y).update(repeating: chroma, count: image.view.chromaWidth)
        }
        return image
    }

    @Test func identicalPicturesScorePerfectly() {
        let a = picture { x, y in UInt8((x * 5 + y * 3) % 256) }
        var quality = PictureQuality()
        quality.add(original: a.view, decoded: a.view)
        #expect(quality.psnr.all == PictureQuality.identicalPSNR)
        #expect(quality.ssim.luma == 1 && quality.ssim.all == 1)
    }

    @Test func psnrFollowsTheMeanSquaredError() {
        let a = picture { x, y in UInt8(100 + (x + y) % 50) }
        let b = picture { x, y in UInt8(100 + (x + y) % 50 + (x % 2 == 0 ? 2 : 0)) }  // error 4 on half the luma
        var quality = PictureQuality()
        quality.add(original: a.view, decoded: b.view)
        quality.add(original: a.view, decoded: a.view)  // a perfect frame halves the mean error again
        #expect(abs(quality.psnr.luma - 10 * log10(255 * 255 / 1.0)) < 1e-9)
        #expect(quality.psnr.blue == PictureQuality.identicalPSNR)
        // All samples: luma is two thirds of them.
        #expect(abs(quality.psnr.all - 10 * log10(255 * 255 / (2.0 / 3))) < 1e-9)
        #expect(quality.frames == 2)
    }

    @Test func ssimOfFlatPicturesComparesTheirMeans() {
        // No variance: SSIM is the luminance term (2μaμb + C1) / (μa² + μb² + C1).
        let a = picture { _, _ in 100 }, b = picture { _, _ in 110 }
        var quality = PictureQuality()
        quality.add(original: a.view, decoded: b.view)
        let c1: Double = (0.01 * 255) * (0.01 * 255)
        let expected: Double = (22_000 + c1) / (22_100 + c1)
        #expect(abs(quality.ssim.luma - expected) < 1e-12)
        #expect(quality.ssim.blue == 1)
    }

    @Test func ssimFallsAsStructureIsLost() {
        let a = picture { x, y in UInt8((x * 37 + y * 91) % 256) }
        let blurred = picture { x, y in UInt8(((x / 2 * 2) * 37 + (y / 2 * 2) * 91) % 256) }
        let inverted = picture { x, y in 255 - UInt8((x * 37 + y * 91) % 256) }
        func score(_ b: PlanarImage) -> Double {
            var quality = PictureQuality()
            quality.add(original: a.view, decoded: b.view)
            return quality.ssim.luma
        }
        #expect(score(blurred) < 0.9)
        #expect(score(inverted) < 0)
        #expect(score(blurred) > score(inverted))
    }
}
