public import Timeline

/// Cutting layers at the edges of the layout boxes they are drawn in (`DrawItem.clipRegions`).
public enum ClipMask {
    /// A region worked out for testing pixels: the canvas-to-box map and the edges' scale.
    struct Prepared {
        var ia, ib, ic, id, tx, ty: Double
        var width, height: Double
        /// Canvas pixels per box unit across the x edges and across the y edges.
        var kx, ky: Double

        /// Nil when the region has no area (nothing inside it is drawn).
        init?(_ region: ClipRegion) {
            let det = region.a * region.d - region.b * region.c
            guard abs(det) > 1e-12, det.isFinite else { return nil }
            ia = region.d / det
            ib = -region.b / det
            ic = -region.c / det
            id = region.a / det
            (tx, ty) = (region.tx, region.ty)
            (width, height) = (region.width, region.height)
            kx = abs(det) / (region.c * region.c + region.d * region.d).squareRoot()
            ky = abs(det) / (region.a * region.a + region.b * region.b).squareRoot()
        }

        /// Coverage (0–1) of the canvas point (x, y).
        func coverage(x: Double, y: Double) -> Double {
            let px = x - tx, py = y - ty
            let bx = ia * px + ic * py, by = ib * px + id * py
            let inX = min(bx, width - bx) * kx, inY = min(by, height - by) * ky
            return min(max(inX + 0.5, 0), 1) * min(max(inY + 0.5, 0), 1)
        }
    }

    /// Coverage (0–1) of canvas pixel centre (x, y) by every region.
    public static func coverage(_ regions: [ClipRegion], x: Double, y: Double) -> Double {
        var k = 1.0
        for region in regions {
            guard let prepared = Prepared(region) else { return 0 }
            k *= prepared.coverage(x: x, y: y)
        }
        return k
    }

    /// The canvas pixels (of a `width` × `height` canvas) that can be inside every region.
    static func bounds(_ regions: [ClipRegion], width: Int, height: Int) -> PixelRect {
        var area = PixelRect(x0: 0, y0: 0, x1: width, y1: height)
        for region in regions {
            // The corners are the origin plus none, one or both of the box's mapped sides.
            let across = (region.a * region.width, region.b * region.width)
            let down = (region.c * region.height, region.d * region.height)
            let left = region.tx + min(0, across.0) + min(0, down.0), right = region.tx + max(0, across.0) + max(0, down.0)
            let top = region.ty + min(0, across.1) + min(0, down.1), bottom = region.ty + max(0, across.1) + max(0, down.1)
            guard left.isFinite, right.isFinite, top.isFinite, bottom.isFinite else { return .empty }
            area = area.intersection(PixelRect(x0: clampedInt(left, .down) - 1, y0: clampedInt(top, .down) - 1,
                                               x1: clampedInt(right, .up) + 1, y1: clampedInt(bottom, .up) + 1))
        }
        return area
    }

    /// Multiplies `layer` (canvas-sized) by the regions' coverage in `rows` × `columns`.
    static func apply(_ regions: [ClipRegion], to layer: Raster, rows: Range<Int>, columns: Range<Int>) {
        let prepared = regions.compactMap(Prepared.init)
        let columns = columns.clamped(to: 0..<layer.width)
        for y in rows.clamped(to: 0..<layer.height) {
            for x in columns {
                var k = prepared.count == regions.count ? 1.0 : 0
                for region in prepared where k > 0 { k *= region.coverage(x: Double(x) + 0.5, y: Double(y) + 0.5) }
                TransitionEffects.scalePixel(layer.pixels + (y * layer.width + x) * 4, by: k)
            }
        }
    }
}
