public import Timeline
import Foundation

/// Bounded work: a layer whose whole raster would be large is drawn only where it can reach the
/// canvas ("Bounded work" in docs/architecture.md). These are the compositor's window
/// computations and the windowed drawing of each stage (content, blur filters, shadow).
extension FrameCompositor {
    // MARK: bounded work

    /// Where a layer's content, its filters and its shadow can be measured before any of it is
    /// drawn: the box, and where the content can have pixels.
    func layerGeometry(_ item: DrawItem, sx: Double, sy: Double) throws -> LayerGeometry? {
        try layerGeometry(item.content, width: item.width, height: item.height, sx: sx, sy: sy)
    }

    /// The geometry of `content` in a `width` × `height` box (nil: its own size) at a scale.
    func layerGeometry(_ content: ClipContent, width: Double?, height: Double?, sx: Double, sy: Double) throws -> LayerGeometry? {
        func picture(_ natural: (width: Int, height: Int)) -> LayerGeometry? {
            guard let (w, h) = boxPixels(width: width, height: height, natural: natural, sx: sx, sy: sy) else { return nil }
            return LayerGeometry(boxWidth: Double(w), boxHeight: Double(h), content: PixelRect(x0: 0, y0: 0, x1: w, y1: h))
        }
        switch content {
        case .audio, .timedText:
            return nil
        case .video(let video):
            return picture(try media.videoSize(of: video.source))
        case .image(let image):
            return picture(width != nil && height != nil ? (1, 1) : try media.naturalSize(of: image.source))
        case .shape(let shape):
            guard let width, let height, width * sx >= 0.01, height * sy >= 0.01,
                  (width * sx).isFinite, (height * sy).isFinite else { return nil }
            let size = ShapeRasterizer.rasterSize(scaledShape(shape, by: min(sx, sy)), width: width * sx, height: height * sy)
            let margin = clampedInt(size.margin)
            return LayerGeometry(boxWidth: width * sx, boxHeight: height * sy,
                                 content: PixelRect(x0: -margin, y0: -margin, x1: size.width - margin, y1: size.height - margin))
        case .text(let text):
            let layout = try TextRasterizer.layout(text, boxWidth: width, boxHeight: height, scaleX: sx, scaleY: sy, fonts: fonts)
            return LayerGeometry(boxWidth: layout.boxWidth, boxHeight: layout.boxHeight, content: layout.inkBounds, text: layout)
        case .drawn(let drawn):
            guard let box = try drawnBox(drawn, width: width, height: height), box.width * sx >= 0.01, box.height * sy >= 0.01,
                  (box.width * sx).isFinite, (box.height * sy).isFinite else { return nil }
            let painter = try ContentPainters.painter(for: drawn.content)
            return LayerGeometry(boxWidth: box.width * sx, boxHeight: box.height * sy,
                                 content: painter.extent(of: drawn.content, boxWidth: box.width, boxHeight: box.height, sx: sx, sy: sy))
        }
    }

    /// Where the layer can have pixels after its filters (box pixels).
    func filteredExtent(_ content: PixelRect, filters: [AppliedFilter]) -> PixelRect {
        filters.reduce(content) { extent, filter in
            filter.kind == .blur && !filter.isNeutral ? extent.grown(by: Filters.margin(sigma: filter.value)) : extent
        }
    }

    /// Where the finished layer can have pixels: its whole raster, in box pixels.
    func finalExtent(_ geometry: LayerGeometry, item: DrawItem, sx: Double, sy: Double) -> PixelRect {
        let extent = filteredExtent(geometry.content, filters: scaledFilters(item, sx: sx, sy: sy))
        guard let shadow = visibleShadow(item) else { return extent }
        return DropShadow.Geometry(shadow, scale: (sx + sy) / 2).extent(of: extent)
    }

    /// Whether a layer whose whole raster is `extent` is drawn only where it reaches the canvas:
    /// when that raster would be over a million pixels and more than twice the canvas's width or
    /// height, or four times its area.
    /// The longest side of a layer drawn whole.
    static let longestSide = 16_384

    func needsWindow(_ extent: PixelRect) -> Bool {
        switch layerWindowing {
        case .always: return true
        case .never: return false
        case .automatic:
            let (w, h) = (Double(extent.width), Double(extent.height))
            let (cw, ch) = (Double(canvas.width), Double(canvas.height))
            // A side past the rasterisers' reach (cairo's 32 767) is windowed whatever the area:
            // a long thin line or a zoomed drawing.
            if w > Double(Self.longestSide) || h > Double(Self.longestSide) { return true }
            return w * h > Double(Self.windowingFloor) && (w > 2 * cw || h > 2 * ch || w * h > 4 * cw * ch)
        }
    }

    /// The part of a layer's whole raster (`extent`, box pixels) that drawing it can sample: the
    /// canvas mapped back through the inverse of its placement (rotation and flips included),
    /// and two pixels more for bilinear sampling, grown to the window grid.
    func canvasWindow(_ item: DrawItem, geometry: LayerGeometry, extent: PixelRect) -> PixelRect {
        let map = placement(originX: 0, originY: 0, boxWidth: geometry.boxWidth, boxHeight: geometry.boxHeight, item: item)
        guard let inverse = map.inverse else { return .empty }
        let (w, h) = (Double(canvas.width), Double(canvas.height))
        let corners = [(0.0, 0.0), (w, 0), (0, h), (w, h)].map { inverse.apply($0.0, $0.1) }
        // Four corners: min and max always exist.
        let xs = corners.map(\.x), ys = corners.map(\.y)
        let margin = 2.0
        let window = PixelRect.covering(minX: xs.min()! - margin, minY: ys.min()! - margin,
                                        maxX: xs.max()! + margin, maxY: ys.max()! + margin)
        return window.snapped(to: Self.windowGrid).intersection(extent)
    }

    /// The widest blur worked out at full resolution in a window: wider ones are worked out at a
    /// lower resolution and scaled up (their detail is far coarser than a pixel), so that a blur's
    /// reach never grows a window by much more than the canvas.
    private var blurLimit: Double { max(32, Double(min(canvas.width, canvas.height)) / 6) }

    /// The finished layer (content, filters, shadow) over `window` (box pixels), drawing only
    /// what that needs: the window, grown by the reach of blurs and moved back by the shadow's
    /// offset where the shadow needs the layer's alpha.
    func layerPixels(_ item: DrawItem, sx: Double, sy: Double, geometry: LayerGeometry,
                             over window: PixelRect) throws -> RasterPatch {
        guard let shadow = visibleShadow(item) else {
            return try bodyPixels(item, sx: sx, sy: sy, geometry: geometry, over: window)
        }
        let bodyExtent = filteredExtent(geometry.content, filters: scaledFilters(item, sx: sx, sy: sy))
        let shape = DropShadow.Geometry(shadow, scale: (sx + sy) / 2)
        let shadowExtent = shape.extent(of: bodyExtent)
        let output = window.intersection(shadowExtent)
        guard !output.isEmpty else { return .empty }
        let bodyRect = output.intersection(bodyExtent)
        let (dx, dy) = (shape.offsetX, shape.offsetY)
        let result: RasterPatch
        var colour = RasterPatch.empty
        if shape.sigma > blurLimit {
            // So soft a shadow is worked out at a lower resolution and scaled up; its offset is
            // applied at full resolution, where it is a whole number of pixels.
            result = RasterPatch(clear: output)
            let factor = blurLimit / shape.sigma
            if let low = try layerGeometry(item, sx: sx * factor, sy: sy * factor), geometry.boxWidth > 0, geometry.boxHeight > 0 {
                let kx = low.boxWidth / geometry.boxWidth, ky = low.boxHeight / geometry.boxHeight
                if kx > 0, ky > 0, kx.isFinite, ky.isFinite {
                    let sigma = shape.sigma * (kx + ky) / 2
                    let lowBodyExtent = filteredExtent(low.content, filters: scaledFilters(item, sx: sx * factor, sy: sy * factor))
                    let lowShadowExtent = lowBodyExtent.grown(by: Filters.margin(sigma: sigma))
                    // The blurred alpha is needed under the output moved back by the offset.
                    let lowOutput = output.offsetBy(-dx, -dy).scaled(kx, ky).grown(by: 2).intersection(lowShadowExtent)
                    let plane = lowOutput.grown(by: GaussianBlur.reach(sigma: sigma)).intersection(lowShadowExtent)
                    let source = try bodyPixels(item, sx: sx * factor, sy: sy * factor, geometry: low,
                                                over: plane.intersection(lowBodyExtent))
                    note(pixels: plane.area)
                    let lowShadow = DropShadow.shadow(shadow, sigma: sigma, offsetX: 0, offsetY: 0, source: source,
                                                      plane: plane, output: lowOutput)
                    result.draw(lowShadow, scaledBy: kx, ky, offsetX: Double(dx), offsetY: Double(dy))
                }
            }
            if !bodyRect.isEmpty { colour = try bodyPixels(item, sx: sx, sy: sy, geometry: geometry, over: bodyRect) }
        } else {
            let plane = shape.blurs ? output.grown(by: GaussianBlur.reach(sigma: shape.sigma)).intersection(shadowExtent) : output
            let alphaRect = plane.offsetBy(-dx, -dy).intersection(bodyExtent)
            // The layer is needed under the output (its colour) and under the plane moved back by
            // the offset (its alpha): one drawing serves both unless they lie far apart.
            let source: RasterPatch
            let union = alphaRect.isEmpty ? bodyRect : (bodyRect.isEmpty ? alphaRect : alphaRect.union(bodyRect))
            if Double(union.area) <= 1.5 * Double(alphaRect.area + bodyRect.area) {
                source = union.isEmpty ? .empty : try bodyPixels(item, sx: sx, sy: sy, geometry: geometry, over: union)
                colour = source
            } else {
                source = try bodyPixels(item, sx: sx, sy: sy, geometry: geometry, over: alphaRect)
                colour = try bodyPixels(item, sx: sx, sy: sy, geometry: geometry, over: bodyRect)
            }
            note(pixels: plane.area)
            result = DropShadow.shadow(shadow, sigma: shape.sigma, offsetX: dx, offsetY: dy, source: source,
                                       plane: plane, output: output)
        }
        result.draw(colour)
        return result
    }

    /// The layer's content with its filters (no shadow) over `target` (box pixels), drawn only as
    /// far as `target` needs: each blur needs what it blurs `GaussianBlur.reach` further out.
    func bodyPixels(_ item: DrawItem, sx: Double, sy: Double, geometry: LayerGeometry,
                            over target: PixelRect, reducing: Bool = true) throws -> RasterPatch {
        let filters = scaledFilters(item, sx: sx, sy: sy).filter { !$0.isNeutral }
        // Where the layer can have pixels after each filter.
        var extents = [geometry.content]
        for filter in filters {
            let last = extents[extents.count - 1]
            extents.append(filter.kind == .blur ? last.grown(by: Filters.margin(sigma: filter.value)) : last)
        }
        let target = target.intersection(extents[extents.count - 1])
        guard !target.isEmpty else { return .empty }
        let totalBlur = filters.filter { $0.kind == .blur }.reduce(0) { $0 + $1.value }
        if reducing, totalBlur > blurLimit {
            return try reducedBody(item, sx: sx, sy: sy, geometry: geometry, factor: blurLimit / totalBlur, over: target)
        }
        // What each stage must produce, from the last back to the content.
        var needs = [target]
        for filter in filters.reversed() {
            needs.insert(filter.kind == .blur ? needs[0].grown(by: GaussianBlur.reach(sigma: filter.value)) : needs[0], at: 0)
        }
        let contentRect = needs[0].intersection(geometry.content)
        var patch = contentRect.isEmpty ? RasterPatch.empty : try contentPixels(item, sx: sx, sy: sy, geometry: geometry, over: contentRect)
        note(patch)
        // Consecutive colour filters run in one pass, as `Filters.apply` runs them.
        var pendingColor: [AppliedFilter] = []
        func flushColor() {
            if !pendingColor.isEmpty { Filters.applyColor(pendingColor, to: patch.raster) }
            pendingColor.removeAll()
        }
        for (index, filter) in filters.enumerated() {
            guard filter.kind == .blur else {
                pendingColor.append(filter)
                continue
            }
            flushColor()
            let plane = needs[index].intersection(extents[index + 1])
            note(pixels: plane.area)
            patch = Filters.blur(patch, sigma: filter.value, plane: plane, output: needs[index + 1].intersection(extents[index + 1]))
            note(patch)
        }
        flushColor()
        return patch
    }

    /// `bodyPixels` worked out at `factor` of the layer's scale (where its blurs are `factor` as
    /// wide) and scaled up bilinearly over `target`: for blurs too wide to work out in full.
    func reducedBody(_ item: DrawItem, sx: Double, sy: Double, geometry: LayerGeometry, factor: Double,
                             over target: PixelRect) throws -> RasterPatch {
        let result = RasterPatch(clear: target)
        note(result)
        guard let low = try layerGeometry(item, sx: sx * factor, sy: sy * factor), geometry.boxWidth > 0, geometry.boxHeight > 0 else {
            return result
        }
        let kx = low.boxWidth / geometry.boxWidth, ky = low.boxHeight / geometry.boxHeight
        guard kx > 0, ky > 0, kx.isFinite, ky.isFinite else { return result }
        let lowPatch = try bodyPixels(item, sx: sx * factor, sy: sy * factor, geometry: low,
                                      over: target.scaled(kx, ky).grown(by: 2), reducing: false)
        result.draw(lowPatch, scaledBy: kx, ky)
        return result
    }

    /// The content alone over `rect` (box pixels, inside `geometry.content`).
    func contentPixels(_ item: DrawItem, sx: Double, sy: Double, geometry: LayerGeometry,
                               over rect: PixelRect) throws -> RasterPatch {
        let (boxWidth, boxHeight) = (clampedInt(geometry.boxWidth), clampedInt(geometry.boxHeight))
        func patch(_ raster: Raster) -> RasterPatch {
            if raster.width == rect.width, raster.height == rect.height { return RasterPatch(raster: raster, rect: rect) }
            // A provider that gave another size: keep what lies in the window.
            let fitted = RasterPatch(clear: rect)
            fitted.copy(from: RasterPatch(raster: raster, rect: PixelRect(x0: rect.x0, y0: rect.y0,
                                                                         x1: rect.x0 + raster.width, y1: rect.y0 + raster.height)))
            return fitted
        }
        switch item.content {
        case .audio, .timedText:
            return RasterPatch(clear: rect)
        case .shape(let shape):
            guard let width = item.width, let height = item.height else { return RasterPatch(clear: rect) }
            // The whole raster has the box at (margin, margin).
            let margin = -geometry.content.x0
            let (raster, _, _) = ShapeRasterizer.render(scaledShape(shape, by: min(sx, sy)), width: width * sx, height: height * sy,
                                                        window: rect.offsetBy(margin, margin))
            return RasterPatch(raster: raster, rect: rect)
        case .image(let image):
            let raster = try media.fittedImage(image.source, fit: image.fit, width: boxWidth, height: boxHeight, window: rect)
            let result = patch(raster)
            roundCorners(result.raster, radii: image.cornerRadii, scale: min(sx, sy), boxWidth: geometry.boxWidth,
                         boxHeight: geometry.boxHeight, windowX: rect.x0, windowY: rect.y0)
            return result
        case .video(let video):
            let raster = try media.videoFrame(video.source, player: item.origin, at: item.mediaTime ?? video.trim.start,
                                              fit: video.fit, width: boxWidth, height: boxHeight, window: rect)
            let result = patch(raster)
            roundCorners(result.raster, radii: video.cornerRadii, scale: min(sx, sy), boxWidth: geometry.boxWidth,
                         boxHeight: geometry.boxHeight, windowX: rect.x0, windowY: rect.y0)
            return result
        case .text:
            guard let layout = geometry.text else { return RasterPatch(clear: rect) }
            return patch(try TextRasterizer.render(layout, window: rect).raster)
        case .drawn(let drawn):
            guard let box = try drawnBox(drawn, width: item.width, height: item.height) else { return RasterPatch(clear: rect) }
            let painter = try ContentPainters.painter(for: drawn.content)
            return patch(try painter.render(drawn.content, boxWidth: box.width, boxHeight: box.height, sx: sx, sy: sy,
                                            area: rect, media: media))
        }
    }

    /// Opens the media of a drawn clip as its painter reads it (a model, …): fails as drawing would.
    public func checkMedia(of drawn: Drawn) throws {
        try ContentPainters.painter(for: drawn.content).checkMedia(of: drawn.content, media: media)
    }

    /// A drawn clip's box in canvas pixels: the transform's, or its content's own.
    func drawnBox(_ drawn: Drawn, width: Double?, height: Double?) throws -> (width: Double, height: Double)? {
        if let width, let height { return (width, height) }
        guard let natural = try ContentPainters.painter(for: drawn.content).naturalBox(of: drawn.content, media: media),
              natural.width > 0, natural.height > 0 else { return nil }
        // One side given: the other kept in the content's proportions.
        if let width { return (width, width * natural.height / natural.width) }
        if let height { return (height * natural.width / natural.height, height) }
        return natural
    }
}
