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
    /// The bytes of the file at `source`, at most `limit` of them (more is an error).
    func fileBytes(_ source: MediaSource, limit: Int) throws -> [UInt8]
}

/// The bytes of the file at `path`, failing past `limit`.
public func readFile(_ path: String, limit: Int) throws -> [UInt8] {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw CompositingError(origin: path, reason: "cannot read the file")
    }
    defer { try? handle.close() }
    let data = try handle.read(upToCount: limit + 1) ?? Data()
    guard data.count <= limit else { throw CompositingError(origin: path, reason: "the file is over \(limit) bytes") }
    return [UInt8](data)
}

extension MediaProvider {
    /// The bytes of the file at `source` (at most `limit`): local files only, unless a provider
    /// fetches remote ones (the media library does, through its locator).
    public func fileBytes(_ source: MediaSource, limit: Int) throws -> [UInt8] {
        guard case .file(let path) = source else { throw CompositingError(origin: "\(source)", reason: "remote files are not fetched here") }
        return try readFile(path, limit: limit)
    }

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
    let fonts: [FontFace]
    let media: any MediaProvider
    private var cache: [LayerKey: PreparedLayer] = [:]
    /// The frame each cached layer was last drawn in.
    private var lastUse: [LayerKey: Int] = [:]
    private var frameNumber = 0
    /// Layers not drawn for this many frames are let go (checked as often): the sizes a zoom has
    /// passed, a scene that has ended.
    static let idleFrames = 16
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

    /// A cached layer, marked as drawn in this frame.
    private func cached(_ key: LayerKey) -> PreparedLayer? {
        guard let layer = cache[key] else { return nil }
        lastUse[key] = frameNumber
        return layer
    }

    /// Counts a frame; every `idleFrames` frames, lets go of the layers that many frames idle.
    private func beginFrame() {
        frameNumber += 1
        guard frameNumber % Self.idleFrames == 0 else { return }
        // The idle keys go through a list kept from sweep to sweep (a fresh one is an allocation).
        idleKeys.removeAll(keepingCapacity: true)
        for (key, frame) in lastUse where frame <= frameNumber - Self.idleFrames { idleKeys.append(key) }
        for key in idleKeys {
            cache[key] = nil
            lastUse[key] = nil
            if key.window != nil { windowedLayers = max(0, windowedLayers - 1) }
        }
        idleKeys.removeAll(keepingCapacity: true)
    }

    private var idleKeys: [LayerKey] = []

    /// A new frame with `items` drawn over the background, bottom first.
    public func render(_ items: [DrawItem]) throws -> Raster {
        let frame = Raster(width: canvas.width, height: canvas.height)
        try render(items, into: frame)
        return frame
    }

    /// Draws the background and `items` into `frame`, which must be the canvas size.
    public func render(_ items: [DrawItem], into frame: Raster) throws {
        precondition(frame.width == canvas.width && frame.height == canvas.height, "frame size differs from the canvas")
        beginFrame()
        try prepare(items)
        drawPrepared(onto: frame)
    }

    /// Threads a frame's drawing is split across, in bands of rows (`bandHeight`): every pixel of a band is
    /// drawn the same way whatever the bands, so the frame is the same byte for byte as drawn on
    /// one thread. 1 draws on the calling thread only.
    public var bands = min(8, max(1, ProcessInfo.processInfo.activeProcessorCount))
    /// Frames smaller than this many pixels are drawn in one band (splitting costs more than it saves).
    public var bandingFloor = 1 << 16
    /// Rows a band has at most when the frame is split (`bands` > 1): the threads take bands one
    /// after another, and a band this small (64 rows of 1920 pixels: 480 KB) stays in the
    /// processor's cache while every layer is drawn on it and it is converted for the encoder,
    /// where a band of the frame's height over the thread count (4 MB at 1080p on two threads)
    /// went out to memory and back at every layer. Smaller bands cost more than they save (each
    /// sampled layer works out its columns again per band): 16 rows measured slower than 540 on
    /// mg-1080p, 32 and 64 faster (docs/performance.md).
    public var bandHeight = 64

    /// The layers of `items`, prepared one after another (the layer cache and the media are not
    /// shared between threads), with their items.
    ///
    /// They go into `preparedLayers`, kept from frame to frame (with its capacity) and emptied
    /// once the frame is drawn, so that a frame allocates no list.
    private func prepare(_ items: [DrawItem]) throws {
        preparedLayers.removeAll(keepingCapacity: true)
        do {
            for item in items {
                guard let layer = try prepare(item) else { continue }
                preparedLayers.append((layer, item))
            }
        } catch {
            preparedLayers.removeAll(keepingCapacity: true)  // no layer held past a failed frame
            throw error
        }
        if scratch == nil, preparedLayers.contains(where: { $0.item.drawsAlone }) {
            scratch = Raster(width: canvas.width, height: canvas.height)
        }
    }

    private var preparedLayers: [(layer: PreparedLayer, item: DrawItem)] = []

    /// The bands of rows of a frame: even bounds (4:2:0 chroma rows stay in one band).
    public func bandRows(height: Int) -> [Range<Int>] {
        guard canvas.width * height >= bandingFloor, bands > 1 else { return [0..<height] }
        let count = max(bands, (height + max(2, bandHeight) - 1) / max(2, bandHeight))
        let step = max(2, ((height + count - 1) / count + 1) & ~1)
        return stride(from: 0, to: height, by: step).map { $0..<min(height, $0 + step) }
    }

    /// `bandRows(height:)`, worked out again only when the height or the band count changes.
    private func cachedBandRows(height: Int) -> [Range<Int>] {
        if let cached = bandRowsCache, cached.height == height, cached.bands == bands, cached.floor == bandingFloor,
           cached.bandHeight == bandHeight {
            return cached.rows
        }
        let rows = bandRows(height: height)
        bandRowsCache = (height, bands, bandingFloor, bandHeight, rows)
        return rows
    }

    private var bandRowsCache: (height: Int, bands: Int, floor: Int, bandHeight: Int, rows: [Range<Int>])?

    /// The threads that draw bands besides the caller's, started with the first banded frame and
    /// started again if `bands` changes.
    private func frameWorkers(bands count: Int) -> FrameWorkers {
        if let workers, workers.helpers == count - 1 { return workers }
        let started = FrameWorkers(helpers: count - 1)
        workers = started
        return started
    }

    private var workers: FrameWorkers?

    /// What is done to a band once it is drawn.
    enum BandFinish {
        case none
        /// Converted into the encoder's picture.
        case convert(into: PlanarView)
    }

    /// Draws the background and the prepared layers onto `frame`, band by band on `bands`
    /// threads, each band then finished as `finish` says. Lets go of the prepared layers afterwards.
    private func drawPrepared(onto frame: Raster, finish: BandFinish = .none) {
        defer { preparedLayers.removeAll(keepingCapacity: true) }
        let bands = cachedBandRows(height: frame.height)
        let drawer = bandDrawer ?? BandDrawer(compositor: self)
        bandDrawer = drawer
        drawer.frame = frame
        drawer.background = background()
        drawer.finish = finish
        drawer.bands = bands
        defer { drawer.frame = nil; drawer.background = nil; drawer.finish = .none }
        if bands.count == 1 {
            drawer.run(part: 0)
        } else {
            // Each band writes only its own rows of `frame` (and of the scratch raster) and reads
            // layers nothing writes meanwhile.
            frameWorkers(bands: min(self.bands, bands.count)).perform(bands.count, drawer)
        }
    }

    private var bandDrawer: BandDrawer?

    /// A frame's drawing as parts, one a band, for `FrameWorkers`.
    private final class BandDrawer: PartedWork {
        unowned let compositor: FrameCompositor
        var frame: Raster?
        var background: Raster?
        var finish = BandFinish.none
        var bands: [Range<Int>] = []

        init(compositor: FrameCompositor) {
            self.compositor = compositor
        }

        func run(part: Int) {
            guard let frame, let background else { return }
            compositor.drawBand(bands[part], onto: frame, background: background, finish: finish)
        }
    }

    /// Draws the background and the prepared layers onto the `rows` of `frame`.
    private func drawBand(_ rows: Range<Int>, onto frame: Raster, background: Raster, finish: BandFinish) {
        let rowBytes = frame.width * 4
        let layers = preparedLayers
        // The background, unless the first layer paints every pixel of the band over it anyway.
        if skipsCoveredBackground && paintsOver(layers.first, width: frame.width, rows: rows) {
            skippedBackgrounds.add(1)
        } else {
            (frame.pixels + rows.lowerBound * rowBytes).update(from: background.pixels + rows.lowerBound * rowBytes,
                                                                count: rows.count * rowBytes)
        }
        for (layer, item) in layers { draw(layer, item: item, onto: frame, rows: rows) }
        if case .convert(let view) = finish { YCbCr.convert(frame, into: view, rows: rows) }
    }

    /// Whether `layer` writes every pixel of the `rows` of a `width`-wide frame without reading
    /// them (an opaque shape covering them, such as a full-canvas backdrop).
    private func paintsOver(_ layer: (layer: PreparedLayer, item: DrawItem)?, width: Int, rows: Range<Int>) -> Bool {
        guard let (layer, item) = layer, let shape = layer.shape, !item.drawsAlone else { return false }
        return shape.paintsOver(transform: placement(of: layer, item: item), opacity: UInt8((item.opacity.unitClamped * 255).rounded()),
                                width: width, rows: rows)
    }

    /// Draws one prepared layer onto the `rows` of `frame` (all of them by default).
    private func draw(_ layer: PreparedLayer, item: DrawItem, onto frame: Raster, rows: Range<Int>? = nil) {
        let transform = placement(of: layer, item: item)
        let rows = rows ?? 0..<frame.height
        guard item.drawsAlone else {
            draw(layer, transform: transform, opacity: item.opacity, onto: frame, rows: rows)
            return
        }
        // Canvas-space transition effects and layout clips: draw the layer alone, shape it,
        // then blend it (each band in its own rows of the shared scratch raster), all only
        // where the layer can have pixels: elsewhere the scratch would stay clear and blend nothing.
        let scratch = self.scratch ?? Raster(width: canvas.width, height: canvas.height)
        if self.scratch == nil { self.scratch = scratch }
        var area = LayerCompositor.bounds(width: layer.width, height: layer.height, transform: transform,
                                          canvasWidth: canvas.width, canvasHeight: canvas.height)
        if !item.clipRegions.isEmpty {
            area = area.intersection(ClipMask.bounds(item.clipRegions, width: canvas.width, height: canvas.height))
        }
        let columns = area.x0..<max(area.x0, area.x1), drawn = rows.clamped(to: area.y0..<max(area.y0, area.y1))
        guard !columns.isEmpty, !drawn.isEmpty else { return }
        for y in drawn {
            (scratch.pixels + (y * scratch.width + columns.lowerBound) * 4).update(repeating: 0, count: columns.count * 4)
        }
        draw(layer, transform: transform, opacity: item.opacity, onto: scratch, rows: drawn)
        if let sweep = item.lightSweep {
            TransitionEffects.sweep(scratch, progress: sweep.progress, intensity: sweep.intensity, rows: drawn, columns: columns)
        }
        if let reveal = item.reveal { TransitionEffects.reveal(reveal, scratch, rows: drawn, columns: columns) }
        if !item.clipRegions.isEmpty { ClipMask.apply(item.clipRegions, to: scratch, rows: drawn, columns: columns) }
        for y in drawn {
            let offset = (y * scratch.width + columns.lowerBound) * 4
            Blend.sourceOver(source: scratch.pixels + offset, destination: frame.pixels + offset, count: columns.count, opacity: 255)
        }
    }

    /// Draws a layer's raster, or its shape, through `transform`.
    private func draw(_ layer: PreparedLayer, transform: Affine, opacity: Double, onto canvas: Raster, rows: Range<Int>) {
        if let shape = layer.shape {
            shape.draw(transform: transform, opacity: UInt8((opacity.unitClamped * 255).rounded()), onto: canvas, rows: rows)
        } else {
            LayerCompositor.draw(layer.raster, transform: transform, opacity: opacity, onto: canvas, rows: rows)
        }
    }

    /// The canvas pixels drawing `layer` can change.
    private func bounds(of layer: PreparedLayer, item: DrawItem) -> PixelRect {
        // (A layout's clip only takes pixels away.)
        guard item.reveal == nil, item.lightSweep == nil else {
            return PixelRect(x0: 0, y0: 0, x1: canvas.width, y1: canvas.height)
        }
        return LayerCompositor.bounds(width: layer.width, height: layer.height, transform: placement(of: layer, item: item),
                                      canvasWidth: canvas.width, canvasHeight: canvas.height)
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
        beginFrame()
        if passesFootageThrough, let base = try footageBase(items) {
            try renderOverFootage(items, base: base, into: frame.view)
        } else {
            let raster = canvasRaster ?? Raster(width: canvas.width, height: canvas.height)
            canvasRaster = raster
            let view = frame.view
            try prepare(items)
            drawPrepared(onto: raster, finish: .convert(into: view))
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
        guard case .video(let video) = item.content, !item.drawsAlone, item.filters.isEmpty,
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

    /// A canvas-sized raster for transition effects, made when first needed.
    private var scratch: Raster?

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
        let residual = layer.preparedScale.map { (abs(item.scaleX) / $0.x, abs(item.scaleY) / $0.y) }
        let map = placement(originX: layer.originX, originY: layer.originY, boxWidth: layer.boxWidth, boxHeight: layer.boxHeight,
                            item: item, residual: residual)
        guard layer.windowX != 0 || layer.windowY != 0 else { return map }
        return Affine.translation(Double(layer.windowX), Double(layer.windowY)).then(map)
    }

    /// `residual` scales a layer prepared at another size than the item's (about its anchor).
    func placement(originX: Double, originY: Double, boxWidth: Double, boxHeight: Double, item: DrawItem,
                   residual: (x: Double, y: Double)? = nil) -> Affine {
        let unit = item.anchor.unitPoint
        let anchorX = originX + unit.x * boxWidth
        let anchorY = originY + unit.y * boxHeight
        let flipX: Double = item.scaleX < 0 ? -1 : 1, flipY: Double = item.scaleY < 0 ? -1 : 1
        var map = Affine.translation(-anchorX, -anchorY)
        if let residual, residual.x != 1 || residual.y != 1 { map = map.then(.scale(residual.x, residual.y)) }
        map = map.then(.scale(flipX, flipY))
        if item.skewX != 0 || item.skewY != 0 { map = map.then(.skew(xDegrees: item.skewX, yDegrees: item.skewY)) }
        map = map.then(.rotation(degrees: item.rotation))
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
        /// For a shape drawn straight onto the canvas (no raster).
        var direct = false
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
        /// The scale the layer was prepared at, when it is drawn at others (see `preparedSizes`).
        var preparedScale: (x: Double, y: Double)?
        /// A shape drawn straight onto the canvas (see `ShapeDrawing`); `raster` is then empty.
        var shape: ShapeDrawing?

        static let noPixels = Raster(width: 0, height: 0)

        /// The size of the layer's whole raster (of the raster its shape would have).
        var width: Int { shape?.rasterWidth ?? raster.width }
        var height: Int { shape?.rasterHeight ?? raster.height }
    }

    /// Whether the background is left out of bands the first layer paints over entirely (on
    /// unless a test compares the two).
    package var skipsCoveredBackground = true
    /// Bands drawn without the background under them, so far (for tests).
    package let skippedBackgrounds = Counter()

    /// A count bands on several threads add to.
    package final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        package var value: Int { lock.lock(); defer { lock.unlock() }; return count }
        func add(_ n: Int) { lock.lock(); count += n; lock.unlock() }
    }

    /// Whether rotated shapes and shapes whose scale changes are drawn straight onto the canvas
    /// (on unless a test compares them with rasterising and resampling).
    package var drawsShapesDirectly = true

    /// A shape drawn straight onto the canvas, when it is rotated or flipped (so its raster would
    /// be resampled) or its scale changes (so it would be rasterised again at every size), and
    /// has no filter or shadow. Nil when the shape is drawn from a cached raster.
    private func directShape(_ item: DrawItem, _ shape: ShapeContent, sx: Double, sy: Double) -> PreparedLayer? {
        // Direct drawing measures distances through the placement, so it takes placements that
        // keep them: a sheared shape is rasterised and resampled like any layer.
        guard drawsShapesDirectly, item.filters.isEmpty, visibleShadow(item) == nil, item.skewX == 0, item.skewY == 0,
              let width = item.width, let height = item.height, width * sx >= 0.01, height * sy >= 0.01 else { return nil }
        // Where it would land, before anything is made: a whole-pixel placement of a shape whose
        // scale holds is drawn from its cached raster.
        let scaled = scaledShape(shape, by: min(sx, sy))
        let margin = ShapeRasterizer.rasterSize(scaled, width: width * sx, height: height * sy).margin
        let box = PreparedLayer(raster: PreparedLayer.noPixels, originX: margin, originY: margin,
                                boxWidth: width * sx, boxHeight: height * sy)
        guard item.scaleChanges || !placement(of: box, item: item).isIntegerTranslation else { return nil }
        var key = LayerKey(content: item.content, width: width, height: height, scaleX: sx, scaleY: sy,
                           shadow: nil, mediaTime: nil, filters: [])
        key.direct = true
        if let cached = cached(key) { return cached }
        var layer = box
        layer.shape = ShapeDrawing(shape: scaled, width: width * sx, height: height * sy)
        // A shape whose scale changes is a new size at every frame: caching those would only
        // push out the layers that repeat.
        if !item.scaleChanges { remember(layer, key: key, item: item) }
        return layer
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

    /// Layers held in the cache now.
    package var cachedLayerCount: Int { cache.count }

    /// Whether images whose scale changes are drawn from a few prepared sizes (on unless a test
    /// compares them with preparing every size).
    package var preparedSizes = true

    /// The prepared size for scale `s`: the next quarter octave at or above it (1, 1.19, 1.41, …),
    /// so that the rest of the scale only ever shrinks the prepared picture, by at most 16 %.
    package static func preparedScale(_ s: Double) -> Double {
        let steps = (log2(s) * 4 - 1e-9).rounded(.up)
        return pow(2, steps / 4)
    }

    /// An image whose scale changes (a slow zoom), prepared at the quarter-octave size at or above
    /// its scale and placed with the rest of the scale, bilinearly: the image is resampled a few
    /// times over the zoom instead of at every frame, and the cache holds a few sizes, however
    /// long the clip. Nil when the image is drawn another way (it is windowed, or not an image).
    private func prepareAtPreparedSize(_ item: DrawItem) throws -> PreparedLayer? {
        let sx = abs(item.scaleX), sy = abs(item.scaleY)
        guard sx > 0, sy > 0, sx.isFinite, sy.isFinite else { return nil }
        let lx = Self.preparedScale(sx), ly = Self.preparedScale(sy)
        var leveled = item
        leveled.scaleX = item.scaleX < 0 ? -lx : lx
        leveled.scaleY = item.scaleY < 0 ? -ly : ly
        let key = LayerKey(content: item.content, width: item.width, height: item.height, scaleX: lx, scaleY: ly,
                           shadow: item.shadow, mediaTime: item.mediaTime, filters: item.filters)
        if var cached = cached(key) {
            cached.preparedScale = (lx, ly)
            return cached
        }
        do {
            guard let measured = try layerGeometry(leveled, sx: lx, sy: ly),
                  !needsWindow(finalExtent(measured, item: leveled, sx: lx, sy: ly)),
                  var layer = try renderWhole(leveled, sx: lx, sy: ly, geometry: measured) else { return nil }
            layer.preparedScale = (lx, ly)
            remember(layer, key: key, item: item)
            return layer
        } catch let error as CompositingError {
            throw error
        } catch {
            throw CompositingError(origin: item.origin, reason: "\(error)")
        }
    }

    private func prepare(_ item: DrawItem) throws -> PreparedLayer? {
        if preparedSizes, item.scaleChanges, case .image = item.content, let layer = try prepareAtPreparedSize(item) { return layer }
        let sx = abs(item.scaleX), sy = abs(item.scaleY)
        guard sx > 0, sy > 0, sx.isFinite, sy.isFinite else { return nil }
        if case .shape(let shape) = item.content, let layer = directShape(item, shape, sx: sx, sy: sy) { return layer }
        let key = LayerKey(content: item.content, width: item.width, height: item.height, scaleX: sx, scaleY: sy,
                           shadow: item.shadow, mediaTime: item.mediaTime, filters: item.filters)
        if let cached = cached(key) { return cached }
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
            if let cached = cached(windowKey) { return cached }
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
            lastUse.removeAll(keepingCapacity: true)
            windowedLayers = 0
        }
        if key.window != nil {
            if windowedLayers >= Self.windowedCacheLimit {
                cache = cache.filter { $0.key.window == nil }
                lastUse = lastUse.filter { $0.key.window == nil }
                windowedLayers = 0
            }
            windowedLayers += 1
        }
        cache[key] = layer
        lastUse[key] = frameNumber
    }

    func note(_ patch: RasterPatch) { note(pixels: patch.rect.area) }
    func note(_ raster: Raster) { note(pixels: raster.width * raster.height) }
    func note(pixels: Int) { largestLayerPixels = max(largestLayerPixels, pixels) }

    /// The whole layer: its content, filters and shadow in one raster (the way every layer that
    /// fits is drawn).
    func renderWhole(_ item: DrawItem, sx: Double, sy: Double, geometry: LayerGeometry) throws -> PreparedLayer? {
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

    func render(_ item: DrawItem, sx: Double, sy: Double, text layout: TextRasterizer.Layout?) throws -> PreparedLayer? {
        let (width, height) = (item.width, item.height)
        switch item.content {
        case .audio, .timedText:
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
        case .drawn(let drawn):
            guard let box = try drawnBox(drawn, width: item.width, height: item.height), box.width * sx >= 0.01, box.height * sy >= 0.01 else { return nil }
            let painter = try ContentPainters.painter(for: drawn.content)
            let extent = painter.extent(of: drawn.content, boxWidth: box.width, boxHeight: box.height, sx: sx, sy: sy)
            let raster = try painter.render(drawn.content, boxWidth: box.width, boxHeight: box.height, sx: sx, sy: sy,
                                            area: extent, media: media)
            return PreparedLayer(raster: raster, originX: Double(-extent.x0), originY: Double(-extent.y0),
                                 boxWidth: box.width * sx, boxHeight: box.height * sy)
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
    func scaledFilters(_ item: DrawItem, sx: Double, sy: Double) -> [AppliedFilter] {
        item.filters.map { filter in
            filter.kind == .blur ? AppliedFilter(kind: .blur, value: filter.value * (sx + sy) / 2) : filter
        }
    }

    /// The item's shadow, when it shows at all.
    func visibleShadow(_ item: DrawItem) -> Shadow? {
        guard let shadow = item.shadow, shadow.color.alpha > 0 else { return nil }
        return shadow
    }

    /// The box of a picture in whole pixels after scaling: the given size, the picture's own size,
    /// or one side given and the other following the picture's aspect ratio.
    func boxPixels(width: Double?, height: Double?, natural: (width: Int, height: Int),
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
    func roundCorners(_ raster: Raster, radii: CornerRadii, scale: Double, boxWidth: Double? = nil,
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

    func scaledShape(_ shape: ShapeContent, by factor: Double) -> ShapeContent {
        var scaled = shape
        scaled.strokeWidth *= factor
        if case .rectangle(let radii) = shape.geometry { scaled.geometry = .rectangle(radii.scaled(by: factor)) }
        return scaled
    }

    func warn(_ message: String) {
        if !warnings.contains(message) { warnings.append(message) }
    }
}

extension DrawItem {
    /// Whether the item is drawn on its own first and shaped in canvas space before it is
    /// blended: a wipe, iris or light sweep, or the clip of a layout box.
    var drawsAlone: Bool { reveal != nil || lightSweep != nil || !clipRegions.isEmpty }
}

extension FrameCompositor: ContentMeasuring {
    /// The box `content` is drawn in at scale 1, as a layer is measured: text set into lines,
    /// pictures at their own size or kept in proportion to the side given. A typewriter's text
    /// is measured whole, as it is laid out while it is revealed.
    public func size(of content: ClipContent, width: Double?, height: Double?) throws -> (width: Double, height: Double) {
        var content = content
        if case .timedText(let timed) = content, let reveal = timed.reveal { content = .text(reveal.text) }
        guard let geometry = try layerGeometry(content, width: width, height: height, sx: 1, sy: 1) else {
            return (width ?? 0, height ?? 0)
        }
        return (geometry.boxWidth, geometry.boxHeight)
    }
}
