import Foundation

// Helpers for drawing layers only where they can reach the canvas: integer rectangles in a layer's
// box coordinates, rasters that cover such a rectangle, and conversions of outside numbers to Int.

/// `value` rounded by `rule` and clamped to ±2⁴⁰ (far beyond any raster, well inside `Int`); NaN
/// gives 0. Every Double that outside data can reach goes through this before becoming an Int.
@inline(__always)
func clampedInt(_ value: Double, _ rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> Int {
    guard !value.isNaN else { return 0 }
    let limit = Double(1 << 40)
    return Int(min(max(value.rounded(rule), -limit), limit))
}

extension PixelRect {
    /// No pixels.
    public static let empty = PixelRect(x0: 0, y0: 0, x1: 0, y1: 0)

    public var width: Int { max(0, x1 - x0) }
    public var height: Int { max(0, y1 - y0) }
    /// Pixels inside (0 when empty).
    public var area: Int { width * height }

    public func intersection(_ other: PixelRect) -> PixelRect {
        let r = PixelRect(x0: max(x0, other.x0), y0: max(y0, other.y0), x1: min(x1, other.x1), y1: min(y1, other.y1))
        return r.isEmpty ? .empty : r
    }

    func grown(by amount: Int) -> PixelRect {
        isEmpty ? self : PixelRect(x0: x0 - amount, y0: y0 - amount, x1: x1 + amount, y1: y1 + amount)
    }

    func grown(left: Int, right: Int, top: Int, bottom: Int) -> PixelRect {
        isEmpty ? self : PixelRect(x0: x0 - left, y0: y0 - top, x1: x1 + right, y1: y1 + bottom)
    }

    public func offsetBy(_ dx: Int, _ dy: Int) -> PixelRect {
        PixelRect(x0: x0 + dx, y0: y0 + dy, x1: x1 + dx, y1: y1 + dy)
    }

    func contains(_ other: PixelRect) -> Bool {
        other.isEmpty || (x0 <= other.x0 && y0 <= other.y0 && x1 >= other.x1 && y1 >= other.y1)
    }

    /// The smallest whole-pixel rectangle holding this one scaled by (kx, ky).
    func scaled(_ kx: Double, _ ky: Double) -> PixelRect {
        guard !isEmpty else { return self }
        return PixelRect(x0: clampedInt(Double(x0) * kx, .down), y0: clampedInt(Double(y0) * ky, .down),
                         x1: clampedInt(Double(x1) * kx, .up), y1: clampedInt(Double(y1) * ky, .up))
    }

    /// Grown outwards to multiples of `grid`.
    func snapped(to grid: Int) -> PixelRect {
        guard !isEmpty else { return self }
        func down(_ v: Int) -> Int { v >= 0 ? v / grid * grid : -((-v + grid - 1) / grid * grid) }
        func up(_ v: Int) -> Int { -down(-v) }
        return PixelRect(x0: down(x0), y0: down(y0), x1: up(x1), y1: up(y1))
    }

    /// The whole-pixel rectangle holding the Double bounds, or empty when they are not finite.
    static func covering(minX: Double, minY: Double, maxX: Double, maxY: Double) -> PixelRect {
        guard minX.isFinite, minY.isFinite, maxX.isFinite, maxY.isFinite, minX <= maxX, minY <= maxY else { return .empty }
        let r = PixelRect(x0: clampedInt(minX, .down), y0: clampedInt(minY, .down),
                          x1: clampedInt(maxX, .up), y1: clampedInt(maxY, .up))
        return r.isEmpty ? .empty : r
    }
}

/// A raster that covers `rect` of some larger coordinate frame: its pixel (i, j) is the frame's
/// pixel (rect.x0 + i, rect.y0 + j). Outside `rect` the frame is taken as transparent.
struct RasterPatch {
    var raster: Raster
    var rect: PixelRect

    init(raster: Raster, rect: PixelRect) {
        precondition(raster.width == rect.width && raster.height == rect.height, "a patch's raster is its rectangle's size")
        self.raster = raster
        self.rect = rect
    }

    /// A transparent patch over `rect`.
    init(clear rect: PixelRect) {
        self.init(raster: Raster(width: rect.width, height: rect.height), rect: rect)
    }

    static var empty: RasterPatch { RasterPatch(clear: .empty) }

    /// The part of this patch inside `area`, as a patch of its own (the same one when it already fits).
    func cropped(to area: PixelRect) -> RasterPatch {
        let target = rect.intersection(area)
        if target == rect { return self }
        let out = RasterPatch(clear: target)
        out.copy(from: self)
        return out
    }

    /// Copies the pixels of `other` where the two overlap.
    func copy(from other: RasterPatch) {
        let overlap = rect.intersection(other.rect)
        guard !overlap.isEmpty else { return }
        for y in overlap.y0..<overlap.y1 {
            let source = other.raster.pixels + ((y - other.rect.y0) * other.raster.width + overlap.x0 - other.rect.x0) * 4
            let target = raster.pixels + ((y - rect.y0) * raster.width + overlap.x0 - rect.x0) * 4
            target.update(from: source, count: overlap.width * 4)
        }
    }

    /// Draws `other` over this patch (source-over, whole pixels).
    func draw(_ other: RasterPatch) {
        guard !other.rect.isEmpty, !rect.isEmpty else { return }
        LayerCompositor.draw(other.raster, transform: .translation(Double(other.rect.x0 - rect.x0), Double(other.rect.y0 - rect.y0)),
                             opacity: 1, onto: raster)
    }

    /// Draws `other`, whose frame maps into this one by (x, y) ↦ (x / kx + dx, y / ky + dy), over
    /// this patch, sampling it bilinearly: a picture worked out at a lower resolution, scaled up.
    func draw(_ other: RasterPatch, scaledBy kx: Double, _ ky: Double, offsetX dx: Double = 0, offsetY dy: Double = 0) {
        guard !other.rect.isEmpty, !rect.isEmpty, kx > 0, ky > 0 else { return }
        let map = Affine.translation(Double(other.rect.x0), Double(other.rect.y0))
            .then(.scale(1 / kx, 1 / ky))
            .then(.translation(dx - Double(rect.x0), dy - Double(rect.y0)))
        LayerCompositor.draw(other.raster, transform: map, opacity: 1, onto: raster)
    }
}
