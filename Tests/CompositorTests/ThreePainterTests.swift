import Foundation
import Testing
import Timeline
@testable import Compositor

/// The 3-D painter below the document: three.js's geometries (outward faces, closed solids), the
/// camera's matrices, and windows and tiles of a large scene matching the whole picture.
@Suite struct ThreePainterTests {
    static let shapes: [(ThreeScene.Shape, ThreeScene.Geometry)] = ThreeScene.Shape.allCases.map { ($0, ThreeScene.Geometry()) }

    @Test(arguments: ThreeScene.Shape.allCases)
    func shapesFaceOutwardsWithUnitNormals(shape: ThreeScene.Shape) {
        var geometry = ThreeScene.Geometry()
        geometry.detail = shape == .icosahedron ? 2 : nil
        let mesh = ThreeGeometry.mesh(shape, geometry)
        #expect(mesh.vertexCount > 0 && mesh.indices.count % 3 == 0)
        #expect(mesh.vertexCount <= shape.maximumVertexCount(geometry), "the document's bound holds")
        #expect(mesh.indices.allSatisfy { Int($0) < mesh.vertexCount })
        func point(_ index: UInt32) -> SIMD3<Double> {
            let i = Int(index) * 3
            return SIMD3(Double(mesh.positions[i]), Double(mesh.positions[i + 1]), Double(mesh.positions[i + 2]))
        }
        var inward = 0
        for t in stride(from: 0, to: mesh.indices.count, by: 3) {
            let a = point(mesh.indices[t]), b = point(mesh.indices[t + 1]), c = point(mesh.indices[t + 2])
            let e1 = b - a, e2 = c - a
            let normal = SIMD3(e1.y * e2.z - e1.z * e2.y, e1.z * e2.x - e1.x * e2.z, e1.x * e2.y - e1.y * e2.x)
            guard (normal * normal).sum() > 1e-12 else { continue }
            // Counter-clockwise from outside: the face's normal points away from the solid's centre
            // (the plane's towards +z, the torus's away from the circle through its tube).
            let centroid = (a + b + c) / 3
            var outward = shape == .plane ? SIMD3<Double>(0, 0, 1) : centroid
            if shape == .torus {
                let around = SIMD3(centroid.x, centroid.y, 0)
                outward = centroid - around / (around * around).sum().squareRoot()
            }
            if (normal * outward).sum() <= 0 { inward += 1 }
        }
        #expect(inward == 0, "\(inward) faces of \(shape) turn inwards")
        for v in 0..<mesh.vertexCount {
            let n = SIMD3(mesh.normals[v * 3], mesh.normals[v * 3 + 1], mesh.normals[v * 3 + 2])
            #expect(abs((n * n).sum() - 1) < 1e-4)
        }
    }

    @Test func threeJSVertexCounts() {
        // Box 1×1×1: 6 faces of 4; sphere 32×16: 33·17; torus 12×48: 13·49; cylinder 32: 33·2 + 2·(32 + 33).
        let counts = ThreeScene.Shape.allCases.map { ThreeGeometry.mesh($0, ThreeScene.Geometry()).vertexCount }
        #expect(counts == [24, 561, 4, 196, 131, 637, 60, 108])
        var box = ThreeScene.Geometry()
        (box.widthSegments, box.heightSegments, box.depthSegments) = (2, 3, 4)
        #expect(ThreeGeometry.mesh(.box, box).vertexCount == ThreeScene.Shape.box.maximumVertexCount(box))
    }

    @Test func matricesFollowThreeJS() {
        // Turning 90° about y takes +x to −z; lookAt from +z makes the view the identity.
        let turned = Matrix4.rotationXYZ([0, .pi / 2, 0]).transformDirection([1, 0, 0])
        #expect(abs(turned.x) < 1e-12 && abs(turned.z + 1) < 1e-12)
        let view = (Matrix4.translation([0, 0, 5]) * Matrix4.lookAtRotation(eye: [0, 0, 5], target: .zero)).rigidInverse
        #expect(view.transformPoint([1, 2, 0]) == [1, 2, -5])
        let normals = Matrix4.compose(position: [3, 0, 0], degrees: .zero, scale: [2, 1, 1]).normalMatrix ?? []
        #expect(normals == [0.5, 0, 0, 0, 1, 0, 0, 0, 1])
    }

    struct NoMedia: MediaProvider {
        struct Unavailable: Error {}
        func naturalSize(of source: MediaSource) throws -> (width: Int, height: Int) { throw Unavailable() }
        func fittedImage(_ source: MediaSource, fit: ObjectFit, width: Int, height: Int) throws -> Raster { throw Unavailable() }
        func videoSize(of source: MediaSource) throws -> (width: Int, height: Int) { throw Unavailable() }
        func videoFrame(_ source: MediaSource, player: String, at time: Double, fit: ObjectFit,
                        width: Int, height: Int) throws -> Raster { throw Unavailable() }
    }

    @Test func aWindowAndTilesMatchTheWholePicture() throws {
        let scene = ThreeScene(
            renderer: ThreeScene.Renderer(shadows: true),
            camera: ThreeScene.Camera(position: [0, 2, 6], lookAt: .zero),
            lights: [ThreeScene.Light(kind: .directional, intensity: 3, position: [2, 4, 3], castShadow: true)],
            objects: [
                ThreeScene.Object(body: .shape(.plane, ThreeScene.Geometry()), rotation: [-90, 0, 0], scale: [6, 6, 1],
                                  material: ThreeScene.Material(kind: .lambert), receiveShadow: true),
                ThreeScene.Object(body: .shape(.torus, ThreeScene.Geometry()), position: [0, 1, 0],
                                  material: ThreeScene.Material(kind: .phong, color: RGBAColor(red: 0.2, green: 0.6, blue: 1)), castShadow: true),
            ])
        let painter = ThreePainter()
        // 1400 × 700: two tiles across, drawn whole; the window, drawn alone in one tile, crosses
        // the whole picture's seam at x = 1024.
        let whole = try painter.render(scene, boxWidth: 700, boxHeight: 350, sx: 2, sy: 2,
                                       area: PixelRect(x0: 0, y0: 0, x1: 1400, y1: 700), media: NoMedia())
        let window = PixelRect(x0: 900, y0: 200, x1: 1200, y1: 450)
        let part = try painter.render(scene, boxWidth: 700, boxHeight: 350, sx: 2, sy: 2, area: window, media: NoMedia())
        var worst = 0, drawn = 0
        for y in 0..<window.height {
            for x in 0..<window.width {
                let a = part.pixel(x: x, y: y), b = whole.pixel(x: window.x0 + x, y: window.y0 + y)
                worst = max(worst, (0..<4).map { abs(Int(a[$0]) - Int(b[$0])) }.max() ?? 0)
                if b.w > 0 { drawn += 1 }
            }
        }
        #expect(drawn > window.width * window.height / 4, "the window shows the scene")
        // The cropped projection puts every sample where the whole picture has it.
        #expect(worst == 0, "largest difference \(worst)")
    }
}
