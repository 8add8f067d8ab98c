/// A 2-D affine map: (x, y) ↦ (a·x + c·y + tx, b·x + d·y + ty).
public struct Affine: Hashable, Sendable {
    public var a, b, c, d, tx, ty: Double

    public init(a: Double, b: Double, c: Double, d: Double, tx: Double, ty: Double) {
        (self.a, self.b, self.c, self.d, self.tx, self.ty) = (a, b, c, d, tx, ty)
    }

    public static let identity = Affine(a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0)

    public static func translation(_ x: Double, _ y: Double) -> Affine {
        Affine(a: 1, b: 0, c: 0, d: 1, tx: x, ty: y)
    }

    public static func scale(_ sx: Double, _ sy: Double) -> Affine {
        Affine(a: sx, b: 0, c: 0, d: sy, tx: 0, ty: 0)
    }

    /// Rotation by `degrees` clockwise on a y-down canvas.
    public static func rotation(degrees: Double) -> Affine {
        let r = degrees * .pi / 180
        let (s, c) = (sin(r), cos(r))
        // Snap the quarter turns so that they stay exact.
        let cs = abs(c) < 1e-12 ? 0 : c, sn = abs(s) < 1e-12 ? 0 : s
        return Affine(a: cs, b: sn, c: -sn, d: cs, tx: 0, ty: 0)
    }

    /// Shear by `x` degrees along x and `y` degrees along y (CSS `skew(x, y)`: on a y-down canvas
    /// a positive x leans the box's lower part right).
    public static func skew(xDegrees x: Double, yDegrees y: Double) -> Affine {
        Affine(a: 1, b: tan(y * .pi / 180), c: tan(x * .pi / 180), d: 1, tx: 0, ty: 0)
    }

    /// The map that applies `self`, then `next`.
    public func then(_ next: Affine) -> Affine {
        Affine(a: next.a * a + next.c * b, b: next.b * a + next.d * b,
               c: next.a * c + next.c * d, d: next.b * c + next.d * d,
               tx: next.a * tx + next.c * ty + next.tx, ty: next.b * tx + next.d * ty + next.ty)
    }

    public func apply(_ x: Double, _ y: Double) -> (x: Double, y: Double) {
        (a * x + c * y + tx, b * x + d * y + ty)
    }

    /// The inverse map, or nil when the map collapses the plane.
    public var inverse: Affine? {
        let det = a * d - b * c
        guard abs(det) > 1e-12 else { return nil }
        let ia = d / det, ib = -b / det, ic = -c / det, id = a / det
        return Affine(a: ia, b: ib, c: ic, d: id, tx: -(ia * tx + ic * ty), ty: -(ib * tx + id * ty))
    }

    /// Whether the map is a whole-pixel translation.
    public var isIntegerTranslation: Bool {
        // Finite and far inside Int's range, so that Int(tx) cannot trap.
        a == 1 && b == 0 && c == 0 && d == 1 && tx == tx.rounded() && ty == ty.rounded()
            && abs(tx) < 0x1p40 && abs(ty) < 0x1p40
    }
}

import Foundation
