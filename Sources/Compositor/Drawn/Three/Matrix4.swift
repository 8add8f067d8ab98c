import Foundation

/// A 4×4 matrix in column-major order (OpenGL's and three.js's), for the 3-D painter's transforms.
struct Matrix4: Equatable, Sendable {
    /// Column-major: `m[column * 4 + row]`.
    var m: [Double]

    init(_ m: [Double]) {
        precondition(m.count == 16)
        self.m = m
    }

    static let identity = Matrix4([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])

    subscript(row: Int, column: Int) -> Double {
        get { m[column * 4 + row] }
        set { m[column * 4 + row] = newValue }
    }

    static func * (a: Matrix4, b: Matrix4) -> Matrix4 {
        var result = [Double](repeating: 0, count: 16)
        for column in 0..<4 {
            for row in 0..<4 {
                var sum = 0.0
                for k in 0..<4 { sum += a.m[k * 4 + row] * b.m[column * 4 + k] }
                result[column * 4 + row] = sum
            }
        }
        return Matrix4(result)
    }

    /// The point `p` (w = 1) transformed, divided by w.
    func transformPoint(_ p: SIMD3<Double>) -> SIMD3<Double> {
        let x = m[0] * p.x + m[4] * p.y + m[8] * p.z + m[12]
        let y = m[1] * p.x + m[5] * p.y + m[9] * p.z + m[13]
        let z = m[2] * p.x + m[6] * p.y + m[10] * p.z + m[14]
        let w = m[3] * p.x + m[7] * p.y + m[11] * p.z + m[15]
        return SIMD3(x, y, z) / (w == 0 ? 1 : w)
    }

    /// The direction `d` (w = 0) transformed.
    func transformDirection(_ d: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3(m[0] * d.x + m[4] * d.y + m[8] * d.z, m[1] * d.x + m[5] * d.y + m[9] * d.z, m[2] * d.x + m[6] * d.y + m[10] * d.z)
    }

    static func translation(_ t: SIMD3<Double>) -> Matrix4 {
        Matrix4([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, t.x, t.y, t.z, 1])
    }

    static func scale(_ s: SIMD3<Double>) -> Matrix4 {
        Matrix4([s.x, 0, 0, 0, 0, s.y, 0, 0, 0, 0, s.z, 0, 0, 0, 0, 1])
    }

    /// three.js's Euler order `XYZ` (angles in radians): Rx · Ry · Rz.
    static func rotationXYZ(_ angles: SIMD3<Double>) -> Matrix4 {
        let (a, b) = (cos(angles.x), sin(angles.x))
        let (c, d) = (cos(angles.y), sin(angles.y))
        let (e, f) = (cos(angles.z), sin(angles.z))
        let ae = a * e, af = a * f, be = b * e, bf = b * f
        // Rows of three.js's Matrix4.makeRotationFromEuler for XYZ.
        return Matrix4(rows: [
            [c * e, -c * f, d, 0],
            [af + be * d, ae - bf * d, -b * c, 0],
            [bf - ae * d, be + af * d, a * c, 0],
            [0, 0, 0, 1],
        ])
    }

    init(rows: [[Double]]) {
        var m = [Double](repeating: 0, count: 16)
        for row in 0..<4 { for column in 0..<4 { m[column * 4 + row] = rows[row][column] } }
        self.init(m)
    }

    /// Translation · rotation (XYZ, degrees) · scale: how three.js composes an object's matrix.
    static func compose(position: SIMD3<Double>, degrees: SIMD3<Double>, scale: SIMD3<Double>) -> Matrix4 {
        translation(position) * rotationXYZ(degrees * (.pi / 180)) * Matrix4.scale(scale)
    }

    /// A camera's rotation that turns its −z axis from `eye` towards `target`, y up (three.js's
    /// `Matrix4.lookAt`, nudged the same way when the view is straight along y).
    static func lookAtRotation(eye: SIMD3<Double>, target: SIMD3<Double>, up: SIMD3<Double> = [0, 1, 0]) -> Matrix4 {
        func normalize(_ v: SIMD3<Double>) -> SIMD3<Double> {
            let length = (v * v).sum().squareRoot()
            return length > 0 ? v / length : v
        }
        func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
            SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
        }
        var z = eye - target
        if (z * z).sum() == 0 { z.z = 1 }
        z = normalize(z)
        var x = cross(up, z)
        if (x * x).sum() == 0 {
            if abs(up.z) == 1 { z.x += 0.0001 } else { z.z += 0.0001 }
            z = normalize(z)
            x = cross(up, z)
        }
        x = normalize(x)
        let y = cross(z, x)
        return Matrix4([x.x, x.y, x.z, 0, y.x, y.y, y.z, 0, z.x, z.y, z.z, 0, 0, 0, 0, 1])
    }

    /// OpenGL's perspective projection; `fov` vertical, in degrees.
    static func perspective(fov: Double, aspect: Double, near: Double, far: Double) -> Matrix4 {
        let f = 1 / tan(fov * .pi / 360)
        return Matrix4([f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) / (near - far), -1,
                        0, 0, 2 * far * near / (near - far), 0])
    }

    /// OpenGL's orthographic projection.
    static func orthographic(left: Double, right: Double, bottom: Double, top: Double, near: Double, far: Double) -> Matrix4 {
        Matrix4([2 / (right - left), 0, 0, 0, 0, 2 / (top - bottom), 0, 0, 0, 0, -2 / (far - near), 0,
                 -(right + left) / (right - left), -(top + bottom) / (top - bottom), -(far + near) / (far - near), 1])
    }

    /// The inverse of a rigid transform (rotation and translation only), e.g. a camera's world matrix.
    var rigidInverse: Matrix4 {
        var r = Matrix4.identity
        for row in 0..<3 { for column in 0..<3 { r[row, column] = self[column, row] } }
        let t = SIMD3(m[12], m[13], m[14])
        let moved = r.transformDirection(t)
        r.m[12] = -moved.x
        r.m[13] = -moved.y
        r.m[14] = -moved.z
        return r
    }

    /// The inverse transpose of the upper 3×3 (column-major, 9 values): how normals transform.
    /// Nil when it is singular (a zero scale).
    var normalMatrix: [Double]? {
        let a = m[0], b = m[4], c = m[8]
        let d = m[1], e = m[5], f = m[9]
        let g = m[2], h = m[6], i = m[10]
        let determinant = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
        guard determinant != 0, determinant.isFinite else { return nil }
        let s = 1 / determinant
        // The inverse transpose is the cofactor matrix over the determinant.
        let cofactors: [[Double]] = [
            [e * i - f * h, -(d * i - f * g), d * h - e * g],
            [-(b * i - c * h), a * i - c * g, -(a * h - b * g)],
            [b * f - c * e, -(a * f - c * d), a * e - b * d],
        ]
        var result = [Double](repeating: 0, count: 9)
        for row in 0..<3 { for column in 0..<3 { result[column * 3 + row] = cofactors[row][column] * s } }
        return result
    }

    var floats: [Float] { m.map(Float.init) }
}
