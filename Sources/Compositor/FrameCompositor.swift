public import Timeline
import Foundation

/// Supplies decoded images and video frames to the compositor, so that it need not know how media
/// is decoded.
public protocol MediaProvider: Sendable {
    /// The pixel size of the image at `source`.
    func naturalSize(of source: MediaSource) throws -> (width: Int, height: Int)
    /// The image at `source` fitted into a width × height box by `fit` (premultiplied; transparent
    /// where `contain` leaves the box empty).
    func fittedImage(_ source: MediaSource, fit: ObjectFit, width: Int, height: Int) throws -> Raster
    /// The display size of the video at `source` (after its rotation metadata is applied).
    func videoSize(of source: MediaSource) throws -> (width: Int, height: Int)
    /// The frame of the video at `source` shown at `time` seconds into it, fitted like an image.
    /// `player` names the clip asking, so that each clip keeps its own decoding position.
    func videoFrame(_ source: MediaSource, player: String, at time: Double, fit: ObjectFit,
                    width: Int, height: Int) throws -> Raster
    /// The same frame as it was decoded, when it fills a width × height box as it is (after
    /// scaling in Y'CbCr at most): 4:2:0 BT.709 limited range, upright, the box's aspect ratio.
    /// Nil when the frame must go through RGBA. The view stays valid until the next call for
    /// the same player.
    func videoPlanes(_ source: MediaSource, player: String, at time: Double, width: Int, height: Int) throws -> PlanarView?
    /// The part `window` (pixels of the width × height box, inside it) of what `fittedImage` gives
    /// for the whole box, without making the rest: what a box far larger than the canvas needs.
    /// Within a pixel of the whole box's pixels at the window's edges. The raster is the
    /// window's size and the caller's to change (corners are rounded in it).
    func fittedImage(_ source: MediaSource, fit: ObjectFit, width: Int, height: Int, window: PixelRect) throws -> Raster
    /// The part `window` of what `videoFrame` gives for the whole box, as for `fittedImage`.
    func videoFrame(_ source: MediaSource, player: String, at time: Double, fit: ObjectFit,
                    width: Int, height: Int, window: PixelRect) throws -> Raster
}

extension MediaProvider {
    public func videoPlanes(_ source: MediaSource, player: String, at time: Double, width: Int, height: Int) throws -> PlanarView? {
        nil
    }

    /// Fits the whole box and crops it: right, but as costly as the box. Providers of large
    /// pictures should fit only the window.
    public func fittedImage(_ source: MediaSource, fit: ObjectFit, width: Int, height: Int, window: PixelRect) throws -> Raster {
        let whole = try fittedImage(source, fit: fit, width: width, height: height)
        return Self.crop(whole, to: window)
    }

    /// Fits the whole frame and crops it, as `fittedImage(_:fit:width:height:window:)` does.
    public func videoFrame(_ source: MediaSource, player: String, at time: Double, fit: ObjectFit,
                           width: Int, height: Int, window: PixelRect) throws -> Raster {
        let whole = try videoFrame(source, player: player, at: time, fit: fit, width: width, height: height)
        return Self.crop(whole, to: window)
    }

    private static func crop(_ raster: Raster, to window: PixelRect) -> Raster {
        let part = RasterPatch(clear: window)
        part.copy(from: RasterPatch(raster: raster, rect: PixelRect(x0: 0, y0: 0, x1: raster.width, y1: raster.height)))
        return part.raster
    }
}

/// A problem drawing one clip, naming the clip's place in its document.
public struct CompositingError: Error, CustomStringConvertible, Sendable {
    public let origin: String
    public let reason: String

    public var description: String { "\(origin): \(reason)" }
}

/// Turns draw lists into frames: renders each clip's content to a layer at its final scale
/// (cached while it does not change) and composites the layers over the background.
///
/// Not for concurrent use: one thread at a time may render with it (it may move between threads,
/// as when a render hands it to its compositing thread).
public final class FrameCompositor: @unchecked Sendable {
    public let canvas: Canvas
    private let fonts: [FontFace]
    private let media: any MediaProvider
    private var cache: [LayerKey: PreparedLayer] = [:]
    private var backgroundRaster: Raster?
    /// Messages about fallbacks (a font family that was not found), each reported once.
    public private(set) var warnings: [String] = []

    /// Layers kept between frames; a static composition reuses all of them.
    private static let cacheLimit = 256

    /// Whether Y'CbCr frames may pass decoded footage through (on unless a test compares the
    /// pass-through with drawing everything in RGBA).
    public var passesFootageThrough = true

    public init(canvas: Canvas, fonts: [FontFace] = [], media: any MediaProvider) {
        self.canvas = canvas
        self.fonts = fonts
        self.media = media
    }

    /// A new frame with `items` drawn over the background, bottom first.
    public func render(_ items: [DrawItem]) throws -> Raster {
        let frame = Raster(width: canvas.width, height: canvas.height)
        try render(items, into: frame)
        return frame
    }

    /// Draws the background and `items` into `frame`, which must be the canvas size.
    public func render(_ items: [DrawItem], into frame: Raster) throws {
        precondition(frame.width == canvas.width && frame.height == canvas.height, "frame size differs from the canvas")
        frame.pixels.update(from: background().pixels, count: frame.byteCount)
        for item in items {
            guard let layer = try prepare(item) else { continue }
            draw(layer, item: item, onto: frame)
        }
    }

    /// Draws one prepared layer onto `frame`.
    private func draw(_ layer: PreparedLayer, item: DrawItem, onto frame: Raster) {
        let transform = placement(of: layer, item: item)
        guard item.reveal != nil || item.lightSweep != nil else {
            LayerCompositor.draw(layer.raster, transform: transform, opacity: item.opacity, onto: frame)
            return
        }
        // Canvas-space transition effects: draw the layer alone, shape it, then blend it.
        let scratch = scratchRaster()
        LayerCompositor.draw(layer.raster, transform: transform, opacity: item.opacity, onto: scratch)
        if let sweep = item.lightSweep { TransitionEffects.sweep(scratch, progress: sweep.progress, intensity: sweep.intensity) }
        if let reveal = item.reveal { TransitionEffects.reveal(reveal, scratch) }
        LayerCompositor.draw(scratch, transform: .identity, opacity: 1, onto: frame)
    }

    /// The canvas pixels drawing `layer` can change.
    private func bounds(of layer: PreparedLayer, item: DrawItem) -> PixelRect {
        guard item.reveal == nil, item.lightSweep == nil else {
            return PixelRect(x0: 0, y0: 0, x1: canvas.width, y1: canvas.height)
        }
        return LayerCompositor.bounds(of: layer.raster, transform: placement(of: layer, item: item),
                                      width: canvas.width, height: canvas.height)
    }

    // MARK: Y'CbCr frames

    /// Draws the background and `items` into `frame`, the encoder's picture.
    ///
    /// When an opaque video covers the canvas exactly, its decoded frame passes through as it is:
    /// it is copied (or cross-faded with the canvas-covering videos right above it) in Y'CbCr, and
    /// only the layers above are drawn in RGBA, onto a transparent overlay that is blended into the
    /// frame where it has pixels. Everything under that video is hidden and not drawn at all.
    /// Otherwise the frame is drawn in RGBA and converted once.
    public func render(_ items: [DrawItem], into frame: PlanarImage) throws {
        precondition(frame.width == canvas.width && frame.height == canvas.height, "frame size differs from the canvas")
        if passesFootageThrough, let base = try footageBase(items) {
            try renderOverFootage(items, base: base, into: frame.view)
        } else {
            let raster = canvasRaster ?? Raster(width: canvas.width, height: canvas.height)
            canvasRaster = raster
            try render(items, into: raster)
            YCbCr.convert(raster, into: frame.view)
        }
    }

    private var canvasRaster: Raster?
    private var overlay: Raster?
    /// What the overlay raster holds from the frame before, to clear.
    private var overlayDirty: PixelRect?

    /// The decoded frames of the canvas-covering videos from the topmost opaque one up, each with
    /// its opacity, and the index of the first item above them; nil when no opaque video covers the
    /// canvas or its frame cannot pass through.
    private func footageBase(_ items: [DrawItem]) throws -> (layers: [(PlanarView, UInt8)], overlaysFrom: Int)? {
        guard let bottom = try items.indices.reversed().first(where: { try coversCanvas(items[$0]) && opacityByte(items[$0]) == 255 }) else {
            return nil
        }
        var layers: [(PlanarView, UInt8)] = []
        var index = bottom
        while index < items.count {
            let item = items[index]
            if index > bottom { guard try coversCanvas(item) else { break } }
            guard case .video(let video) = item.content,
                  let planes = try media.videoPlanes(video.source, player: item.origin, at: item.mediaTime ?? video.trim.start,
                                                     width: canvas.width, height: canvas.height) else { return nil }
            layers.append((planes, opacityByte(item)))
            index += 1
        }
        return (layers, index)
    }

    private func opacityByte(_ item: DrawItem) -> UInt8 {
        UInt8((item.opacity.unitClamped * 255).rounded())
    }

    /// Whether `item` is a plain video whose box is exactly the canvas: no transform, filter,
    /// shadow, rounded corner or transition effect.
    private func coversCanvas(_ item: DrawItem) throws -> Bool {
        guard case .video(let video) = item.content, item.reveal == nil, item.lightSweep == nil, item.filters.isEmpty,
              (item.shadow?.color.alpha ?? 0) == 0, video.cornerRadii.isZero, item.scaleX > 0, item.scaleY > 0,
              let (width, height) = boxPixels(width: item.width, height: item.height, natural: try media.videoSize(of: video.source),
                                              sx: item.scaleX, sy: item.scaleY),
              width == canvas.width, height == canvas.height else { return false }
        let map = placement(originX: 0, originY: 0, boxWidth: Double(width), boxHeight: Double(height), item: item)
        return map == .identity
    }

    private func renderOverFootage(_ items: [DrawItem], base: (layers: [(PlanarView, UInt8)], overlaysFrom: Int),
                                   into frame: PlanarView) throws {
        YCbCr.copy(base.layers[0].0, into: frame)
        for (planes, opacity) in base.layers.dropFirst() { YCbCr.mix(planes, opacity: opacity, into: frame) }
        guard base.overlaysFrom < items.count else { return }
        let overlay = self.overlay ?? Raster(width: canvas.width, height: canvas.height)
        self.overlay = overlay
        if let stale = overlayDirty {
            for y in stale.y0..<stale.y1 {
                (overlay.pixels + (y * overlay.width + stale.x0) * 4).update(repeating: 0, count: (stale.x1 - stale.x0) * 4)
            }
        }
        var dirty: PixelRect?
        for item in items[base.overlaysFrom...] {
            guard let layer = try prepare(item) else { continue }
            let area = bounds(of: layer, item: item)
            guard !area.isEmpty else { continue }
            draw(layer, item: item, onto: overlay)
            dirty = dirty.map { $0.union(area) } ?? area
        }
        overlayDirty = dirty
        if let dirty { YCbCr.composite(overlay, in: dirty.evenAligned, into: frame) }
    }

    private var scratch: Raster?

    /// A cleared canvas-sized raster, reused between uses.
    private func scratchRaster() -> Raster {
        let raster = scratch ?? Raster(width: canvas.width, height: canvas.height)
        scratch = raster
        raster.pixels.update(repeating: 0, count: raster.byteCount)
        return raster
    }

    private func background() -> Raster {
        if let backgroundRaster { return backgroundRaster }
        let raster = Raster(width: canvas.width, height: canvas.height)
        if case .paint(let paint) = canvas.background {
            let sampler = PaintSampler(paint: paint, x: 0, y: 0, width: Double(canvas.width), height: Double(canvas.height))
            if let solid = sampler.solidColor {
                raster.fill(solid)
            } else {
                for y in 0..<raster.height {
                    for x in 0..<raster.width {
                        let c = sampler.color(x: Double(x) + 0.5, y: Double(y) + 0.5)
                        let p = raster.pixels + (y * raster.width + x) * 4
                        p[0] = c.x; p[1] = c.y; p[2] = c.z; p[3] = c.w
                    }
                }
            }
        }
        backgroundRaster = raster
        return raster
    }

    /// The map from a layer's raster to the canvas: the anchor point of the box goes to (x, y),
    /// with flips and rotation about it. Unrotated layers land on whole pixels so they stay sharp.
    /// A layer drawn only in a window of its whole raster is placed where that window lies.
    func placement(of layer: PreparedLayer, item: DrawItem) -> Affine {
        let map = placement(originX: layer.originX, originY: layer.originY, boxWidth: layer.boxWidth, boxHeight: layer.boxHeight, item: item)
        guard layer.windowX != 0 || layer.windowY != 0 else { return map }
        return Affine.translation(Double(layer.windowX), Double(layer.windowY)).then(map)
    }

    private func placement(originX: Double, originY: Double, boxWidth: Double, boxHeight: Double, item: DrawItem) -> Affine {
        let unit = item.anchor.unitPoint
        let anchorX = originX + unit.x * boxWidth
        let anchorY = originY + unit.y * boxHeight
        let flipX: Double = item.scaleX < 0 ? -1 : 1, flipY: Double = item.scaleY < 0 ? -1 : 1
        var map = Affine.translation(-anchorX, -anchorY).then(.scale(flipX, flipY)).then(.rotation(degrees: item.rotation))
        map = map.then(.translation(item.x, item.y))
        if map.a == 1, map.b == 0, map.c == 0, map.d == 1 {
            map.tx = map.tx.rounded()
            map.ty = map.ty.rounded()
        }
        return map
    }

    // MARK: layers

    struct LayerKey: Hashable {
        var content: ClipContent
        var width: Double?
        var height: Double?
        var scaleX: Double
        var scaleY: Double
        var shadow: Shadow?
        var mediaTime: Double?
        var filters: [AppliedFilter]
        /// For a layer drawn only where it can reach the canvas: the part drawn (box pixels).
        var window: PixelRect?
    }

    /// A clip's content rendered at its final scale, and where its box lies in the raster.
    struct PreparedLayer {
        var raster: Raster
        /// Where the box's top-left corner lies in the layer's whole raster.
        var originX: Double
        var originY: Double
        var boxWidth: Double
        var boxHeight: Double
        /// Where `raster` lies in the whole raster, when only a window of it was drawn.
        var windowX = 0
        var windowY = 0
    }

    /// What a layer's content occupies at a scale, known before any of it is drawn.
    struct LayerGeometry {
        var boxWidth: Double
        var boxHeight: Double
        /// Where the content can have pixels, in box pixels (the box's top-left corner is (0, 0)).
        var content: PixelRect
        /// Text set into lines (text only).
        var text: TextRasterizer.Layout?
    }

    /// Which layers are drawn only where they can reach the canvas: by default those whose whole
    /// raster would be large (see "Bounded work" in docs/architecture.md); tests force either way.
    package enum LayerWindowing: Sendable { case automatic, always, never }
    package var layerWindowing = LayerWindowing.automatic
    /// The most pixels any layer raster (content, filtered, shadowed, or a blur plane) of this
    /// compositor has held.
    package private(set) var largestLayerPixels = 0

    /// Layers whose whole raster is at most this many pixels are drawn whole, wherever they are.
    static let windowingFloor = 1 << 20
    /// Windows grow outwards to multiples of this, so that a layer moving a little keeps its window.
    static let windowGrid = 64

    /// Geometry of the windowed layers, so that a cached one need not be measured again.
    private var windowedGeometry: [LayerKey: LayerGeometry] = [:]
    private var windowedLayers = 0
    /// Windowed layers kept: each holds up to a few canvases of pixels.
    private static let windowedCacheLimit = 8

    private func prepare(_ item: DrawItem) throws -> PreparedLayer? {
        let sx = abs(item.scaleX), sy = abs(item.scaleY)
        guard sx > 0, sy > 0, sx.isFinite, sy.isFinite else { return nil }
        let key = LayerKey(content: item.content, width: item.width, height: item.height, scaleX: sx, scaleY: sy,
                           shadow: item.shadow, mediaTime: item.mediaTime, filters: item.filters)
        if let cached = cache[key] { return cached }
        do {
            let geometry: LayerGeometry
            if let known = windowedGeometry[key] {
                geometry = known
            } else {
                guard let measured = try layerGeometry(item, sx: sx, sy: sy) else { return nil }
                if let layout = measured.text, !layout.matchedFamily, let family = layout.text.fontFamily {
                    warn("font family \"\(family)\" was not found; using \(FontLibrary.fallbackFamily)")
                }
                guard needsWindow(finalExtent(measured, item: item, sx: sx, sy: sy)) else {
                    guard let layer = try renderWhole(item, sx: sx, sy: sy, geometry: measured) else { return nil }
                    remember(layer, key: key, item: item)
                    return layer
                }
                geometry = measured
                if item.mediaTime == nil {
                    if windowedGeometry.count >= Self.cacheLimit { windowedGeometry.removeAll(keepingCapacity: true) }
                    windowedGeometry[key] = measured
                }
            }
            let extent = finalExtent(geometry, item: item, sx: sx, sy: sy)
            let window = canvasWindow(item, geometry: geometry, extent: extent)
            guard !window.isEmpty else { return nil }
            var windowKey = key
            windowKey.window = window
            if let cached = cache[windowKey] { return cached }
            let patch = try layerPixels(item, sx: sx, sy: sy, geometry: geometry, over: window)
            note(patch)
            let layer = PreparedLayer(raster: patch.raster, originX: Double(-extent.x0), originY: Double(-extent.y0),
                                      boxWidth: geometry.boxWidth, boxHeight: geometry.boxHeight,
                                      windowX: patch.rect.x0 - extent.x0, windowY: patch.rect.y0 - extent.y0)
            remember(layer, key: windowKey, item: item)
            return layer
        } catch let error as CompositingError {
            throw error
        } catch {
            throw CompositingError(origin: item.origin, reason: "\(error)")
        }
    }

    private func remember(_ layer: PreparedLayer, key: LayerKey, item: DrawItem) {
        // Footage changes every frame: caching it would only push out the layers that repeat.
        guard item.mediaTime == nil else { return }
        if cache.count >= Self.cacheLimit {
            cache.removeAll(keepingCapacity: true)
            windowedLayers = 0
        }
        if key.window != nil {
            if windowedLayers >= Self.windowedCacheLimit {
                cache = cache.filter { $0.key.window == nil }
                windowedLayers = 0
            }
            windowedLayers += 1
        }
        cache[key] = layer
    }

    private func note(_ patch: RasterPatch) { note(pixels: patch.rect.area) }
    private func note(_ raster: Raster) { note(pixels: raster.width * raster.height) }
    private func note(pixels: Int) { largestLayerPixels = max(largestLayerPixels, pixels) }

    /// The whole layer: its content, filters and shadow in one raster (the way every layer that
    /// fits is drawn).
    private func renderWhole(_ item: DrawItem, sx: Double, sy: Double, geometry: LayerGeometry) throws -> PreparedLayer? {
        guard var layer = try render(item, sx: sx, sy: sy, text: geometry.text) else { return nil }
        note(layer.raster)
        if !item.filters.isEmpty {
            let filtered = Filters.apply(scaledFilters(item, sx: sx, sy: sy), to: layer.raster)
            layer.raster = filtered.raster
            layer.originX += Double(filtered.shiftX)
            layer.originY += Double(filtered.shiftY)
            note(layer.raster)
        }
        if let shadow = visibleShadow(item) {
            let shadowed = DropShadow.apply(shadow, to: layer.raster, scale: (sx + sy) / 2)
            layer.raster = shadowed.raster
            layer.originX += Double(shadowed.shiftX)
            layer.originY += Double(shadowed.shiftY)
            note(layer.raster)
        }
        return layer
    }

    private func render(_ item: DrawItem, sx: Double, sy: Double, text layout: TextRasterizer.Layout?) throws -> PreparedLayer? {
        let (width, height) = (item.width, item.height)
        switch item.content {
        case .audio:
            return nil
        case .video(let video):
            let natural = try media.videoSize(of: video.source)
            guard let (pixelWidth, pixelHeight) = boxPixels(width: width, height: height, natural: natural, sx: sx, sy: sy) else {
                return nil
            }
            let raster = try media.videoFrame(video.source, player: item.origin, at: item.mediaTime ?? video.trim.start,
                                              fit: video.fit, width: pixelWidth, height: pixelHeight)
            roundCorners(raster, radii: video.cornerRadii, scale: min(sx, sy))
            return PreparedLayer(raster: raster, originX: 0, originY: 0,
                                 boxWidth: Double(pixelWidth), boxHeight: Double(pixelHeight))
        case .shape(let shape):
            guard let width, let height, width * sx >= 0.01, height * sy >= 0.01 else { return nil }
            let shape = scaledShape(shape, by: min(sx, sy))
            let (raster, x, y) = ShapeRasterizer.render(shape, width: width * sx, height: height * sy)
            return PreparedLayer(raster: raster, originX: x, originY: y, boxWidth: width * sx, boxHeight: height * sy)
        case .text(let text):
            let result = try layout.map { try TextRasterizer.render($0) }
                ?? TextRasterizer.render(text, boxWidth: width, boxHeight: height, scaleX: sx, scaleY: sy, fonts: fonts)
            return PreparedLayer(raster: result.raster, originX: result.originX, originY: result.originY,
                                 boxWidth: result.boxWidth, boxHeight: result.boxHeight)
        case .image(let image):
            let natural = width != nil && height != nil ? (1, 1) : try media.naturalSize(of: image.source)
            guard let (pixelWidth, pixelHeight) = boxPixels(width: width, height: height, natural: natural, sx: sx, sy: sy) else {
                return nil
            }
            let raster = try media.fittedImage(image.source, fit: image.fit, width: pixelWidth, height: pixelHeight)
            roundCorners(raster, radii: image.cornerRadii, scale: min(sx, sy))
            return PreparedLayer(raster: raster, originX: 0, originY: 0,
                                 boxWidth: Double(pixelWidth), boxHeight: Double(pixelHeight))
        }
    }

    /// A layer's filters at its scale: a blur of r px at scale 2 covers 2r px.
    private func scaledFilters(_ item: DrawItem, sx: Double, sy: Double) -> [AppliedFilter] {
        item.filters.map { filter in
            filter.kind == .blur ? AppliedFilter(kind: .blur, value: filter.value * (sx + sy) / 2) : filter
        }
    }

    /// The item's shadow, when it shows at all.
    private func visibleShadow(_ item: DrawItem) -> Shadow? {
        guard let shadow = item.shadow, shadow.color.alpha > 0 else { return nil }
        return shadow
    }

    // MARK: bounded work

    /// Where a layer's content, its filters and its shadow can be measured before any of it is
    /// drawn: the box, and where the content can have pixels.
    private func layerGeometry(_ item: DrawItem, sx: Double, sy: Double) throws -> LayerGeometry? {
        let (width, height) = (item.width, item.height)
        func picture(_ natural: (width: Int, height: Int)) -> LayerGeometry? {
            guard let (w, h) = boxPixels(width: width, height: height, natural: natural, sx: sx, sy: sy) else { return nil }
            return LayerGeometry(boxWidth: Double(w), boxHeight: Double(h), content: PixelRect(x0: 0, y0: 0, x1: w, y1: h))
        }
        switch item.content {
        case .audio:
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
        }
    }

    /// Where the layer can have pixels after its filters (box pixels).
    private func filteredExtent(_ content: PixelRect, filters: [AppliedFilter]) -> PixelRect {
        filters.reduce(content) { extent, filter in
            filter.kind == .blur && !filter.isNeutral ? extent.grown(by: Filters.margin(sigma: filter.value)) : extent
        }
    }

    /// Where the finished layer can have pixels: its whole raster, in box pixels.
    private func finalExtent(_ geometry: LayerGeometry, item: DrawItem, sx: Double, sy: Double) -> PixelRect {
        let extent = filteredExtent(geometry.content, filters: scaledFilters(item, sx: sx, sy: sy))
        guard let shadow = visibleShadow(item) else { return extent }
        return DropShadow.Geometry(shadow, scale: (sx + sy) / 2).extent(of: extent)
    }

    /// Whether a layer whose whole raster is `extent` is drawn only where it reaches the canvas:
    /// when that raster would be over a million pixels and more than twice the canvas's width or
    /// height, or four times its area.
    private func needsWindow(_ extent: PixelRect) -> Bool {
        switch layerWindowing {
        case .always: return true
        case .never: return false
        case .automatic:
            let (w, h) = (Double(extent.width), Double(extent.height))
            let (cw, ch) = (Double(canvas.width), Double(canvas.height))
            return w * h > Double(Self.windowingFloor) && (w > 2 * cw || h > 2 * ch || w * h > 4 * cw * ch)
        }
    }

    /// The part of a layer's whole raster (`extent`, box pixels) that drawing it can sample: the
    /// canvas mapped back through the inverse of its placement (rotation and flips included),
    /// and two pixels more for bilinear sampling, grown to the window grid.
    private func canvasWindow(_ item: DrawItem, geometry: LayerGeometry, extent: PixelRect) -> PixelRect {
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
    private func layerPixels(_ item: DrawItem, sx: Double, sy: Double, geometry: LayerGeometry,
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
    private func bodyPixels(_ item: DrawItem, sx: Double, sy: Double, geometry: LayerGeometry,
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
    private func reducedBody(_ item: DrawItem, sx: Double, sy: Double, geometry: LayerGeometry, factor: Double,
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
    private func contentPixels(_ item: DrawItem, sx: Double, sy: Double, geometry: LayerGeometry,
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
        case .audio:
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
        }
    }

    /// The box of a picture in whole pixels after scaling: the given size, the picture's own size,
    /// or one side given and the other following the picture's aspect ratio.
    private func boxPixels(width: Double?, height: Double?, natural: (width: Int, height: Int),
                           sx: Double, sy: Double) -> (Int, Int)? {
        let aspect = Double(natural.width) / Double(max(natural.height, 1))
        let box: (Double, Double) = switch (width, height) {
        case (let w?, let h?): (w, h)
        case (let w?, nil): (w, w / aspect)
        case (nil, let h?): (h * aspect, h)
        case (nil, nil): (Double(natural.width), Double(natural.height))
        }
        let pixels = (clampedInt(box.0 * sx), clampedInt(box.1 * sy))
        return pixels.0 > 0 && pixels.1 > 0 ? pixels : nil
    }

    /// Rounds the corners of a picture: `raster` is the box, or (with a window) the part of a
    /// box of boxWidth × boxHeight whose top-left pixel is box pixel (windowX, windowY). The
    /// corners are always the whole box's.
    private func roundCorners(_ raster: Raster, radii: CornerRadii, scale: Double, boxWidth: Double? = nil,
                              boxHeight: Double? = nil, windowX: Int = 0, windowY: Int = 0) {
        guard !radii.isZero, raster.width > 0, raster.height > 0 else { return }
        let mask = ShapeRasterizer.roundedRectMask(rasterWidth: raster.width, rasterHeight: raster.height,
                                                   x: -Double(windowX), y: -Double(windowY),
                                                   width: boxWidth ?? Double(raster.width), height: boxHeight ?? Double(raster.height),
                                                   radii: radii.scaled(by: scale))
        mask.withUnsafeBufferPointer { coverage in
            guard let base = coverage.baseAddress else { return }
            Blend.mask(raster.pixels, coverage: base, count: min(coverage.count, raster.width * raster.height))
        }
    }

    private func scaledShape(_ shape: ShapeContent, by factor: Double) -> ShapeContent {
        var scaled = shape
        scaled.strokeWidth *= factor
        if case .rectangle(let radii) = shape.geometry { scaled.geometry = .rectangle(radii.scaled(by: factor)) }
        return scaled
    }

    private func warn(_ message: String) {
        if !warnings.contains(message) { warnings.append(message) }
    }
}
