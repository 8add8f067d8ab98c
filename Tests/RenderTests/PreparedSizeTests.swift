import Compositor
import Foundation
import Media
import Testing
import Timeline

/// A slow zoom on a still is drawn from a few prepared sizes: as good as resampling the photo at
/// every frame (PSNR ≥ 40 dB), with a handful of layers held however long the zoom.
@Suite struct PreparedSizeTests {
    /// A 1920×1080 photo-like picture (smooth light, edges, fine texture) in a 640×360 box whose
    /// scale goes 1.0 → 1.2 over 4 s, over a grey canvas.
    func zoom(_ folder: TemporaryFolder) throws -> Timeline {
        let photo = try folder.png("photo.png", width: 1920, height: 1080) { x, y in
            let light = 0.5 + 0.5 * sin(Double(x) / 300) * cos(Double(y) / 200)
            let stripe = (x / 40 + y / 40) % 2 == 0 ? 30.0 : 0
            let grain = Double((x * 7 + y * 13) % 17)
            return SIMD4(UInt8(min(255, 40 + light * 180 + stripe)), UInt8(min(255, 60 + light * 120 + grain)),
                         UInt8(min(255, 90 + (1 - light) * 100)), 255)
        }
        return try timeline(document(width: 1280, height: 720, background: "\"#404040\"", fps: 30, """
            { "type": "image", "src": "\(photo)", "start": 0, "duration": 4,
              "transform": { "x": 900, "y": 300, "width": 640, "height": 360 }, "style": { "objectFit": "cover" },
              "keyframes": [ { "property": "scale", "frames": [ { "time": 0, "value": 1 }, { "time": 4, "value": 1.2 } ] } ] }
            """))
    }

    @Test func aZoomingPhotoMatchesPerFrameResamplingAndHoldsFewLayers() throws {
        let folder = TemporaryFolder()
        let timeline = try zoom(folder)
        let prepared = FrameCompositor(canvas: timeline.canvas, media: MediaLibrary())
        let exact = FrameCompositor(canvas: timeline.canvas, media: MediaLibrary())
        exact.preparedSizes = false
        var worst = Double.infinity
        for frame in stride(from: 0, to: 120, by: 4) {
            let items = timeline.drawList(at: Double(frame) / 30)
            #expect(items.first?.scaleChanges == true)
            let a = PlanarImage(width: 1280, height: 720), b = PlanarImage(width: 1280, height: 720)
            try prepared.render(items, into: a)
            try exact.render(items, into: b)
            var quality = PictureQuality()
            quality.add(original: b.view, decoded: a.view)
            worst = min(worst, quality.psnr.all)
        }
        #expect(worst >= 40, "worst PSNR \(worst) dB")
        #expect(prepared.cachedLayerCount <= 3, "1.0 → 1.2 needs the sizes 1, 1.19 and 1.41: \(prepared.cachedLayerCount) held")
        print("prepared sizes: worst PSNR \(worst) dB against resampling every frame")
        #expect(exact.cachedLayerCount >= 20, "the per-frame path prepares every size: \(exact.cachedLayerCount)")
    }

    @Test func preparedScalesAreQuarterOctavesAtOrAboveTheScale() {
        #expect(FrameCompositor.preparedScale(1) == 1)
        #expect(abs(FrameCompositor.preparedScale(1.1) - pow(2, 0.25)) < 1e-12)
        #expect(abs(FrameCompositor.preparedScale(0.5) - 0.5) < 1e-12)
        for s in stride(from: 0.05, through: 8, by: 0.037) {
            let level = FrameCompositor.preparedScale(s)
            #expect(level >= s * (1 - 1e-9) && level < s * pow(2, 0.25) * (1 + 1e-9), "\(s) → \(level)")
        }
    }
}
