import Timeline

/// Draws `ThreeScene` (the `three` clip) with OpenGL (`ThreeGLRenderer`) at the size it is shown:
/// the clip's box is three.js's canvas, so its proportions are the camera's aspect, and a box
/// shown larger is drawn again at that size, staying sharp. A window of a huge box is drawn alone
/// (the projection cropped to it), as the compositor asks for large layers.
struct ThreePainter: ContentPainter {
    func naturalBox(of content: any DrawnContent, media: any MediaProvider) throws -> (width: Double, height: Double)? {
        nil
    }

    func extent(of content: any DrawnContent, boxWidth: Double, boxHeight: Double, sx: Double, sy: Double) -> PixelRect {
        let limit = Double(1 << 30)
        func side(_ value: Double) -> Int { value.isNaN ? 0 : Int(min(limit, value.rounded(.up))) }
        return PixelRect(x0: 0, y0: 0, x1: side(boxWidth * abs(sx)), y1: side(boxHeight * abs(sy)))
    }

    /// Reads every model of the scene (kept for drawing).
    func checkMedia(of content: any DrawnContent, media: any MediaProvider) throws {
        guard let scene = content as? ThreeScene else { return }
        for (index, object) in scene.objects.enumerated() {
            guard case .model(let source, _, _) = object.body else { continue }
            do {
                _ = try ModelLibrary.model(source, media: media)
            } catch {
                throw ThreeRenderError("objects[\(index)].model (\(source)): \(error)")
            }
        }
    }

    func render(_ content: any DrawnContent, boxWidth: Double, boxHeight: Double, sx: Double, sy: Double,
                area: PixelRect, media: any MediaProvider) throws -> Raster {
        let extent = extent(of: content, boxWidth: boxWidth, boxHeight: boxHeight, sx: sx, sy: sy)
        guard let scene = content as? ThreeScene, !area.isEmpty, extent.x1 > 0, extent.y1 > 0, boxWidth > 0, boxHeight > 0 else {
            return Raster(width: max(1, area.width), height: max(1, area.height))
        }
        let frame: ThreeFrame
        do {
            frame = try ThreeFrame(scene, aspect: boxWidth / boxHeight, media: media)
        } catch {
            throw ThreeRenderError("three: \(error)")
        }
        do {
            return try ThreeGLRenderer.render(frame, width: extent.x1, height: extent.y1, area: area)
        } catch {
            throw ThreeRenderError("three: \(error)")
        }
    }
}
