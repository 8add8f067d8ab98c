import Foundation

/// Drawing a clip inside the layout boxes it was arranged in: each box's placement and motion,
/// evaluated at the same instant, carries the clip (and the boxes inside it) as a group.
extension DrawItem {
    /// The state of a layout box at `localTime`: its placement, opacity and filters with its
    /// keyframes, animations and entrance applied, as a clip's are. `content` and `origin` are
    /// only carried.
    private init(frame: LayoutFrame, content: ClipContent, origin: String, localTime: Double, canvas: Canvas) {
        let transform = frame.transform
        self.content = content
        self.origin = origin
        (x, y, scaleX, scaleY, rotation, opacity) = (0, 0, 1, 1, 0, 0)
        anchor = transform.anchor
        place(transform, at: localTime)
        opacity = min(max(frame.opacity.value(at: localTime), 0), 1)
        applyMotion(filters: frame.filters, animations: frame.animations, transition: frame.transition, localTime: localTime,
                    canvas: canvas)
    }

    /// Maps this item, evaluated in the content box of the first of `frames`, through each frame
    /// in turn onto the canvas.
    mutating func place(in frames: [LayoutFrame], localTime: Double, canvas: Canvas) {
        for frame in frames {
            let box = DrawItem(frame: frame, content: content, origin: origin, localTime: localTime, canvas: canvas)
            let width = box.width ?? 0, height = box.height ?? 0
            let unit = box.anchor.unitPoint
            // The box's anchor, in the coordinates of its content box and of its box.
            let anchorX = unit.x * width, anchorY = unit.y * height
            let pivotX = anchorX - frame.contentX, pivotY = anchorY - frame.contentY
            let linear = Linear(scaleX: box.scaleX, scaleY: box.scaleY, skewX: box.skewX, skewY: box.skewY,
                                rotation: box.rotation)
            let offset = linear.apply(x - pivotX, y - pivotY)
            x = box.x + offset.x
            y = box.y + offset.y
            if !linear.isIdentity { turn(by: box, linear: linear) }
            for index in clipRegions.indices {
                clipRegions[index].map(through: linear, from: (pivotX, pivotY), to: (box.x, box.y))
            }
            if frame.clips {
                var region = ClipRegion(a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0, width: width, height: height)
                region.map(through: linear, from: (anchorX, anchorY), to: (box.x, box.y))
                clipRegions.append(region)
            }
            opacity = min(max(opacity * box.opacity, 0), 1)
            filters.append(contentsOf: box.filters)
            if reveal == nil { reveal = box.reveal }
            if lightSweep == nil { lightSweep = box.lightSweep }
            if box.scaleChanges { scaleChanges = true }
        }
    }

    /// Puts the box's scale, skew and rotation (`linear`) before the item's own.
    private mutating func turn(by box: DrawItem, linear: Linear) {
        if box.skewX == 0, box.skewY == 0, box.scaleX == box.scaleY {
            // A turn and an even scale commute with the item's own placement.
            rotation += box.rotation
            scaleX *= box.scaleX
            scaleY *= box.scaleY
        } else if box.skewX == 0, box.skewY == 0, rotation == 0, skewX == 0, skewY == 0 {
            rotation = box.rotation
            scaleX *= box.scaleX
            scaleY *= box.scaleY
        } else {
            // Anything else: the product, taken apart again as a scale, a shear along x and a turn.
            let own = Linear(scaleX: scaleX, scaleY: scaleY, skewX: skewX, skewY: skewY, rotation: rotation)
            let product = linear.then(after: own)
            let sx = (product.a * product.a + product.b * product.b).squareRoot()
            guard sx > 1e-12 else {
                (scaleX, scaleY) = (0, 0)
                return
            }
            let sy = (product.a * product.d - product.b * product.c) / sx
            guard abs(sy) > 1e-12 else {
                (scaleX, scaleY) = (0, 0)
                return
            }
            let shear = (product.a * product.c + product.b * product.d) / (sx * sy)
            var skew = atan(shear) * 180 / .pi
            if abs(skew) < 1e-9 { skew = 0 }
            scaleX = sx
            scaleY = sy
            skewX = min(max(skew, -Transform.skewLimit), Transform.skewLimit)
            skewY = 0
            rotation = atan2(product.b, product.a) * 180 / .pi
        }
    }
}

extension ClipRegion {
    /// Maps the region on through `linear` about `pivot`, which lands at `target`.
    mutating func map(through linear: Linear, from pivot: (x: Double, y: Double), to target: (x: Double, y: Double)) {
        let (na, nb) = linear.apply(a, b)
        let (nc, nd) = linear.apply(c, d)
        let moved = linear.apply(tx - pivot.x, ty - pivot.y)
        (a, b, c, d) = (na, nb, nc, nd)
        (tx, ty) = (moved.x + target.x, moved.y + target.y)
    }
}

/// A 2-D linear map, (x, y) ↦ (a·x + c·y, b·x + d·y), as the compositor places a layer: scale,
/// then skew, then rotation (clockwise on a y-down canvas).
struct Linear {
    var a, b, c, d: Double

    init(a: Double, b: Double, c: Double, d: Double) {
        (self.a, self.b, self.c, self.d) = (a, b, c, d)
    }

    init(scaleX: Double, scaleY: Double, skewX: Double, skewY: Double, rotation: Double) {
        let tanX = skewX == 0 ? 0 : tan(skewX * .pi / 180), tanY = skewY == 0 ? 0 : tan(skewY * .pi / 180)
        let skewed = Linear(a: scaleX, b: tanY * scaleX, c: tanX * scaleY, d: scaleY)
        let r = rotation * .pi / 180
        var (s, k) = (sin(r), cos(r))
        // Quarter turns stay exact.
        if abs(s) < 1e-12 { s = 0 }
        if abs(k) < 1e-12 { k = 0 }
        self = Linear(a: k, b: s, c: -s, d: k).then(after: skewed)
    }

    var isIdentity: Bool { a == 1 && b == 0 && c == 0 && d == 1 }

    func apply(_ x: Double, _ y: Double) -> (x: Double, y: Double) {
        (a * x + c * y, b * x + d * y)
    }

    /// `self` applied after `first`.
    func then(after first: Linear) -> Linear {
        Linear(a: a * first.a + c * first.b, b: b * first.a + d * first.b,
               c: a * first.c + c * first.d, d: b * first.c + d * first.d)
    }
}
