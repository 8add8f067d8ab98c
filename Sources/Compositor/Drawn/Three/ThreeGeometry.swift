import Timeline
import Foundation

/// Triangles to draw: positions, normals and texture coordinates per vertex, three indices a
/// triangle. Shared (a class) so that a model's meshes are not copied for each frame.
final class MeshData: @unchecked Sendable {
    let positions: [Float]
    let normals: [Float]
    let uvs: [Float]
    let indices: [UInt32]
    /// The bounding box of the positions.
    let minimum: SIMD3<Double>
    let maximum: SIMD3<Double>

    init(positions: [Float], normals: [Float], uvs: [Float], indices: [UInt32]) {
        self.positions = positions
        self.normals = normals
        self.uvs = uvs
        self.indices = indices
        var low = SIMD3<Double>(repeating: .infinity), high = SIMD3<Double>(repeating: -.infinity)
        var index = 0
        while index + 2 < positions.count {
            let p = SIMD3(Double(positions[index]), Double(positions[index + 1]), Double(positions[index + 2]))
            low = pointwiseMin(low, p)
            high = pointwiseMax(high, p)
            index += 3
        }
        if positions.isEmpty { (low, high) = (.zero, .zero) }
        minimum = low
        maximum = high
    }

    var vertexCount: Int { positions.count / 3 }
}

/// The built-in shapes as three.js builds them (same vertices, normals, texture coordinates and
/// triangle order), with three.js's default parameters.
enum ThreeGeometry {
    static let maximumSegments = ThreeScene.maximumSegments
    static let maximumDetail = ThreeScene.maximumDetail

    /// The mesh of `shape` with `geometry`'s numbers (nil: three.js's defaults).
    static func mesh(_ shape: ThreeScene.Shape, _ g: ThreeScene.Geometry) -> MeshData {
        func segments(_ value: Int?, _ fallback: Int, minimum: Int = 1) -> Int {
            min(maximumSegments, max(minimum, value ?? fallback))
        }
        var builder = Builder()
        switch shape {
        case .box:
            builder.box(width: g.width ?? 1, height: g.height ?? 1, depth: g.depth ?? 1, widthSegments: segments(g.widthSegments, 1),
                        heightSegments: segments(g.heightSegments, 1), depthSegments: segments(g.depthSegments, 1))
        case .sphere:
            builder.sphere(radius: g.radius ?? 1, widthSegments: segments(g.widthSegments, 32, minimum: 3),
                           heightSegments: segments(g.heightSegments, 16, minimum: 2))
        case .plane:
            builder.plane(width: g.width ?? 1, height: g.height ?? 1, widthSegments: segments(g.widthSegments, 1),
                          heightSegments: segments(g.heightSegments, 1))
        case .cylinder:
            builder.cylinder(radiusTop: g.radiusTop ?? g.radius ?? 1, radiusBottom: g.radiusBottom ?? g.radius ?? 1,
                             height: g.height ?? 1, radialSegments: segments(g.radialSegments, 32, minimum: 3),
                             heightSegments: segments(g.heightSegments, 1))
        case .cone:
            builder.cylinder(radiusTop: 0, radiusBottom: g.radius ?? g.radiusBottom ?? 1, height: g.height ?? 1,
                             radialSegments: segments(g.radialSegments, 32, minimum: 3), heightSegments: segments(g.heightSegments, 1))
        case .torus:
            builder.torus(radius: g.radius ?? 1, tube: g.tube ?? 0.4, radialSegments: segments(g.radialSegments, 12, minimum: 2),
                          tubularSegments: segments(g.tubularSegments, 48, minimum: 3))
        case .icosahedron:
            builder.polyhedron(Self.icosahedron, radius: g.radius ?? 1, detail: min(maximumDetail, max(0, g.detail ?? 0)))
        case .dodecahedron:
            builder.polyhedron(Self.dodecahedron, radius: g.radius ?? 1, detail: min(maximumDetail, max(0, g.detail ?? 0)))
        }
        return MeshData(positions: builder.positions, normals: builder.normals, uvs: builder.uvs, indices: builder.indices)
    }

    struct Builder {
        var positions: [Float] = []
        var normals: [Float] = []
        var uvs: [Float] = []
        var indices: [UInt32] = []

        var count: UInt32 { UInt32(positions.count / 3) }

        mutating func vertex(_ p: SIMD3<Double>, _ n: SIMD3<Double>, _ uv: SIMD2<Double>) {
            positions += [Float(p.x), Float(p.y), Float(p.z)]
            normals += [Float(n.x), Float(n.y), Float(n.z)]
            uvs += [Float(uv.x), Float(uv.y)]
        }

        mutating func triangle(_ a: UInt32, _ b: UInt32, _ c: UInt32) { indices += [a, b, c] }

        /// A grid of quads, two triangles each, rows of `columns + 1` vertices from `base`, as
        /// three.js orders them.
        mutating func grid(base: UInt32, columns: Int, rows: Int) {
            let stride = UInt32(columns + 1)
            for iy in 0..<UInt32(rows) {
                for ix in 0..<UInt32(columns) {
                    let a = base + ix + stride * iy, b = base + ix + stride * (iy + 1)
                    let c = base + ix + 1 + stride * (iy + 1), d = base + ix + 1 + stride * iy
                    triangle(a, b, d)
                    triangle(b, c, d)
                }
            }
        }

        // MARK: BoxGeometry

        mutating func box(width: Double, height: Double, depth: Double, widthSegments: Int, heightSegments: Int, depthSegments: Int) {
            // u, v, w are axes (0 x, 1 y, 2 z): the face spans u and v and sits at w = ±depth/2.
            boxFace(u: 2, v: 1, w: 0, udir: -1, vdir: -1, width: depth, height: height, depth: width, gridX: depthSegments, gridY: heightSegments)
            boxFace(u: 2, v: 1, w: 0, udir: 1, vdir: -1, width: depth, height: height, depth: -width, gridX: depthSegments, gridY: heightSegments)
            boxFace(u: 0, v: 2, w: 1, udir: 1, vdir: 1, width: width, height: depth, depth: height, gridX: widthSegments, gridY: depthSegments)
            boxFace(u: 0, v: 2, w: 1, udir: 1, vdir: -1, width: width, height: depth, depth: -height, gridX: widthSegments, gridY: depthSegments)
            boxFace(u: 0, v: 1, w: 2, udir: 1, vdir: -1, width: width, height: height, depth: depth, gridX: widthSegments, gridY: heightSegments)
            boxFace(u: 0, v: 1, w: 2, udir: -1, vdir: -1, width: width, height: height, depth: -depth, gridX: widthSegments, gridY: heightSegments)
        }

        private mutating func boxFace(u: Int, v: Int, w: Int, udir: Double, vdir: Double, width: Double, height: Double,
                                      depth: Double, gridX: Int, gridY: Int) {
            let base = count
            for iy in 0...gridY {
                let y = Double(iy) * height / Double(gridY) - height / 2
                for ix in 0...gridX {
                    let x = Double(ix) * width / Double(gridX) - width / 2
                    var p = SIMD3<Double>.zero, n = SIMD3<Double>.zero
                    p[u] = x * udir
                    p[v] = y * vdir
                    p[w] = depth / 2
                    n[w] = depth > 0 ? 1 : -1
                    vertex(p, n, SIMD2(Double(ix) / Double(gridX), 1 - Double(iy) / Double(gridY)))
                }
            }
            grid(base: base, columns: gridX, rows: gridY)
        }

        // MARK: PlaneGeometry

        mutating func plane(width: Double, height: Double, widthSegments: Int, heightSegments: Int) {
            let base = count
            for iy in 0...heightSegments {
                let y = Double(iy) * height / Double(heightSegments) - height / 2
                for ix in 0...widthSegments {
                    let x = Double(ix) * width / Double(widthSegments) - width / 2
                    vertex(SIMD3(x, -y, 0), SIMD3(0, 0, 1),
                           SIMD2(Double(ix) / Double(widthSegments), 1 - Double(iy) / Double(heightSegments)))
                }
            }
            grid(base: base, columns: widthSegments, rows: heightSegments)
        }

        // MARK: SphereGeometry

        mutating func sphere(radius: Double, widthSegments: Int, heightSegments: Int) {
            var rows: [[UInt32]] = []
            for iy in 0...heightSegments {
                let v = Double(iy) / Double(heightSegments)
                // The poles' texture coordinates sit half a segment in, as three.js does.
                let uOffset = iy == 0 ? 0.5 / Double(widthSegments) : iy == heightSegments ? -0.5 / Double(widthSegments) : 0
                var row: [UInt32] = []
                for ix in 0...widthSegments {
                    let u = Double(ix) / Double(widthSegments)
                    let p = SIMD3(-radius * cos(u * 2 * .pi) * sin(v * .pi), radius * cos(v * .pi), radius * sin(u * 2 * .pi) * sin(v * .pi))
                    let length = (p * p).sum().squareRoot()
                    row.append(count)
                    vertex(p, length > 0 ? p / length : SIMD3(0, 1, 0), SIMD2(u + uOffset, 1 - v))
                }
                rows.append(row)
            }
            for iy in 0..<heightSegments {
                for ix in 0..<widthSegments {
                    let a = rows[iy][ix + 1], b = rows[iy][ix], c = rows[iy + 1][ix], d = rows[iy + 1][ix + 1]
                    if iy != 0 { triangle(a, b, d) }
                    if iy != heightSegments - 1 { triangle(b, c, d) }
                }
            }
        }

        // MARK: CylinderGeometry (and ConeGeometry: radiusTop 0)

        mutating func cylinder(radiusTop: Double, radiusBottom: Double, height: Double, radialSegments: Int, heightSegments: Int) {
            let half = height / 2
            let slope = height != 0 ? (radiusBottom - radiusTop) / height : 0
            let base = count
            for y in 0...heightSegments {
                let v = Double(y) / Double(heightSegments)
                let radius = v * (radiusBottom - radiusTop) + radiusTop
                for x in 0...radialSegments {
                    let u = Double(x) / Double(radialSegments), theta = u * 2 * .pi
                    let n = SIMD3(sin(theta), slope, cos(theta))
                    vertex(SIMD3(radius * sin(theta), -v * height + half, radius * cos(theta)), n / (n * n).sum().squareRoot(),
                           SIMD2(u, 1 - v))
                }
            }
            let stride = UInt32(radialSegments + 1)
            for x in 0..<UInt32(radialSegments) {
                for y in 0..<UInt32(heightSegments) {
                    let a = base + stride * y + x, b = base + stride * (y + 1) + x
                    let c = base + stride * (y + 1) + x + 1, d = base + stride * y + x + 1
                    triangle(a, b, d)
                    triangle(b, c, d)
                }
            }
            if radiusTop > 0 { cap(top: true, radius: radiusTop, half: half, radialSegments: radialSegments) }
            if radiusBottom > 0 { cap(top: false, radius: radiusBottom, half: half, radialSegments: radialSegments) }
        }

        private mutating func cap(top: Bool, radius: Double, half: Double, radialSegments: Int) {
            let sign: Double = top ? 1 : -1
            let centres = count
            for _ in 0..<radialSegments { vertex(SIMD3(0, half * sign, 0), SIMD3(0, sign, 0), SIMD2(0.5, 0.5)) }
            let rim = count
            for x in 0...radialSegments {
                let theta = Double(x) / Double(radialSegments) * 2 * .pi
                vertex(SIMD3(radius * sin(theta), half * sign, radius * cos(theta)), SIMD3(0, sign, 0),
                       SIMD2(cos(theta) * 0.5 + 0.5, sin(theta) * 0.5 * sign + 0.5))
            }
            for x in 0..<UInt32(radialSegments) {
                let c = centres + x, i = rim + x
                if top { triangle(i, i + 1, c) } else { triangle(i + 1, i, c) }
            }
        }

        // MARK: TorusGeometry

        mutating func torus(radius: Double, tube: Double, radialSegments: Int, tubularSegments: Int) {
            let base = count
            for j in 0...radialSegments {
                for i in 0...tubularSegments {
                    let u = Double(i) / Double(tubularSegments) * 2 * .pi, v = Double(j) / Double(radialSegments) * 2 * .pi
                    let p = SIMD3((radius + tube * cos(v)) * cos(u), (radius + tube * cos(v)) * sin(u), tube * sin(v))
                    let n = p - SIMD3(radius * cos(u), radius * sin(u), 0)
                    let length = (n * n).sum().squareRoot()
                    vertex(p, length > 0 ? n / length : SIMD3(0, 0, 1),
                           SIMD2(Double(i) / Double(tubularSegments), Double(j) / Double(radialSegments)))
                }
            }
            let stride = UInt32(tubularSegments + 1)
            for j in 1...UInt32(radialSegments) {
                for i in 1...UInt32(tubularSegments) {
                    let a = base + stride * j + i - 1, b = base + stride * (j - 1) + i - 1
                    let c = base + stride * (j - 1) + i, d = base + stride * j + i
                    triangle(a, b, d)
                    triangle(b, c, d)
                }
            }
        }

        // MARK: PolyhedronGeometry

        /// Each face split into (detail + 1)² triangles, every vertex pushed out to the sphere of
        /// `radius`; unindexed, with flat normals at detail 0 and smooth ones above (as three.js).
        mutating func polyhedron(_ solid: (vertices: [SIMD3<Double>], faces: [Int]), radius: Double, detail: Int) {
            var corners: [SIMD3<Double>] = []
            var face = 0
            while face + 2 < solid.faces.count {
                let a = solid.vertices[solid.faces[face]], b = solid.vertices[solid.faces[face + 1]], c = solid.vertices[solid.faces[face + 2]]
                let columns = detail + 1
                var grid: [[SIMD3<Double>]] = []
                for i in 0...columns {
                    let t = Double(i) / Double(columns)
                    let aj = a + (c - a) * t, bj = b + (c - b) * t
                    let rows = columns - i
                    grid.append((0...rows).map { j in j == 0 && i == columns ? aj : aj + (bj - aj) * (Double(j) / Double(rows)) })
                }
                for i in 0..<columns {
                    for j in 0..<(2 * (columns - i) - 1) {
                        let k = j / 2
                        if j % 2 == 0 {
                            corners += [grid[i][k + 1], grid[i + 1][k], grid[i][k]]
                        } else {
                            corners += [grid[i][k + 1], grid[i + 1][k + 1], grid[i + 1][k]]
                        }
                    }
                }
                face += 3
            }
            var triangleStart = 0
            while triangleStart + 2 < corners.count {
                let points = (0..<3).map { index -> SIMD3<Double> in
                    let p = corners[triangleStart + index]
                    return p / (p * p).sum().squareRoot() * radius
                }
                let e1 = points[1] - points[0], e2 = points[2] - points[0]
                var flat = SIMD3(e1.y * e2.z - e1.z * e2.y, e1.z * e2.x - e1.x * e2.z, e1.x * e2.y - e1.y * e2.x)
                let flatLength = (flat * flat).sum().squareRoot()
                flat = flatLength > 0 ? flat / flatLength : SIMD3(0, 1, 0)
                for p in points {
                    let length = (p * p).sum().squareRoot()
                    let smooth = length > 0 ? p / length : flat
                    let u = atan2(p.z, -p.x) / (2 * .pi) + 0.5
                    let v = atan2(-p.y, (p.x * p.x + p.z * p.z).squareRoot()) / .pi + 0.5
                    vertex(p, detail == 0 ? flat : smooth, SIMD2(u, v))
                }
                triangle(count - 3, count - 2, count - 1)
                triangleStart += 3
            }
        }
    }

    /// three.js's IcosahedronGeometry.
    static let icosahedron: (vertices: [SIMD3<Double>], faces: [Int]) = {
        let t = (1 + 5.0.squareRoot()) / 2
        let v: [SIMD3<Double>] = [[-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0], [0, -1, t], [0, 1, t], [0, -1, -t], [0, 1, -t],
                                  [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1]]
        let f = [0, 11, 5, 0, 5, 1, 0, 1, 7, 0, 7, 10, 0, 10, 11, 1, 5, 9, 5, 11, 4, 11, 10, 2, 10, 7, 6, 7, 1, 8,
                 3, 9, 4, 3, 4, 2, 3, 2, 6, 3, 6, 8, 3, 8, 9, 4, 9, 5, 2, 4, 11, 6, 2, 10, 8, 6, 7, 9, 8, 1]
        return (v, f)
    }()

    /// three.js's DodecahedronGeometry: 12 pentagons of three triangles each.
    static let dodecahedron: (vertices: [SIMD3<Double>], faces: [Int]) = {
        let t = (1 + 5.0.squareRoot()) / 2, r = 1 / t
        let v: [SIMD3<Double>] = [
            [-1, -1, -1], [-1, -1, 1], [-1, 1, -1], [-1, 1, 1], [1, -1, -1], [1, -1, 1], [1, 1, -1], [1, 1, 1],
            [0, -r, -t], [0, -r, t], [0, r, -t], [0, r, t], [-r, -t, 0], [-r, t, 0], [r, -t, 0], [r, t, 0],
            [-t, 0, -r], [t, 0, -r], [-t, 0, r], [t, 0, r],
        ]
        let f = [3, 11, 7, 3, 7, 15, 3, 15, 13, 7, 19, 17, 7, 17, 6, 7, 6, 15, 17, 4, 8, 17, 8, 10, 17, 10, 6,
                 8, 0, 16, 8, 16, 2, 8, 2, 10, 0, 12, 1, 0, 1, 18, 0, 18, 16, 6, 10, 2, 6, 2, 13, 6, 13, 15,
                 2, 16, 18, 2, 18, 3, 2, 3, 13, 18, 1, 9, 18, 9, 11, 18, 11, 3, 4, 14, 12, 4, 12, 0, 4, 0, 8,
                 11, 9, 5, 11, 5, 19, 11, 19, 7, 19, 5, 14, 19, 14, 4, 19, 4, 17, 1, 12, 14, 1, 14, 5, 1, 5, 9]
        return (v, f)
    }()
}
