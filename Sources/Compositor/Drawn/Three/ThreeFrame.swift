import Timeline
import Foundation

/// A `ThreeScene` at one instant made ready to draw: every mesh in world space with its resolved
/// material (defaults and a model's own values filled in, colours in linear light), the lights in
/// shader units, the camera's matrices, and each shadow's light camera.
struct ThreeFrame {
    struct Material {
        var kind: ThreeScene.MaterialKind
        /// Linear RGB.
        var color: SIMD3<Double>
        var opacity: Double
        var transparent: Bool
        var emissive: SIMD3<Double>
        var roughness: Double
        var metalness: Double
        var wireframe: Bool
        var flatShading: Bool
        var side: ThreeScene.Side
        var texture: TextureImage?
        var sampler = TextureSampler()
    }

    struct Item {
        var mesh: MeshData
        var model: Matrix4
        var normalMatrix: [Double]
        var material: Material
        var castShadow: Bool
        var receiveShadow: Bool
        /// The mesh's bounding sphere in world space.
        var centre: SIMD3<Double>
        var radius: Double
        /// The model matrix turns triangles inside out (a negative scale).
        var mirrored: Bool
    }

    struct Light {
        var kind: ThreeScene.LightKind
        /// Linear colour times intensity.
        var color: SIMD3<Double>
        var position: SIMD3<Double>
        /// From the target towards the light, unit length.
        var direction: SIMD3<Double>
        var distance: Double
        var decay: Double
        var coneCos: Double
        var penumbraCos: Double
        /// The light's view and projection when it casts a shadow this frame.
        var shadow: Shadow?
    }

    enum Shadow {
        /// A depth map: world → the light's clip space; `texel` is a texel's size in world units.
        case planar(Matrix4, texel: Double)
        /// A cube of distances around a point light, up to `far`.
        case cube(far: Double)
    }

    var items: [Item] = []
    var lights: [Light] = []
    /// Ambient light, linear, summed.
    var ambient = SIMD3<Double>.zero
    var view = Matrix4.identity
    var projection = Matrix4.identity
    var cameraPosition = SIMD3<Double>.zero
    var renderer: ThreeScene.Renderer

    /// Shadow maps' sides, in texels.
    static let shadowMapSize = 2048
    static let pointShadowSize = 512

    /// The frame of `scene` seen through a canvas of `aspect` (width / height). Models are read
    /// through `media`; a model that cannot be read fails naming the object.
    init(_ scene: ThreeScene, aspect: Double, media: any MediaProvider) throws {
        renderer = scene.renderer
        let camera = scene.camera
        let rotation = camera.lookAt.map { Matrix4.lookAtRotation(eye: camera.position, target: $0) }
            ?? Matrix4.rotationXYZ(camera.rotation * (.pi / 180))
        view = (Matrix4.translation(camera.position) * rotation).rigidInverse
        projection = Matrix4.perspective(fov: camera.fov, aspect: aspect, near: camera.near, far: camera.far)
        cameraPosition = camera.position
        for (index, object) in scene.objects.enumerated() {
            do {
                items += try Self.items(of: object, media: media)
            } catch {
                throw ModelError(description: "objects[\(index)].model (\(Self.source(of: object))): \(error)")
            }
        }
        var totalVertices = 0
        for item in items { totalVertices += item.mesh.vertexCount }
        guard totalVertices <= Self.maximumVertices else {
            throw ModelError(description: "the scene has \(totalVertices) vertices; at most \(Self.maximumVertices)")
        }
        var shadowed = 0, pointShadowed = 0
        for light in scene.lights {
            let color = SIMD3(Self.linear(light.color.red), Self.linear(light.color.green), Self.linear(light.color.blue)) * light.intensity
            if light.kind == .ambient {
                ambient += color
                continue
            }
            var direction = light.position - light.target
            let length = (direction * direction).sum().squareRoot()
            direction = length > 0 ? direction / length : SIMD3(0, 1, 0)
            var entry = Light(kind: light.kind, color: color, position: light.position, direction: direction,
                              distance: light.distance, decay: light.decay, coneCos: cos(light.angle),
                              penumbraCos: cos(light.angle * (1 - light.penumbra)))
            if scene.renderer.shadows, light.castShadow, let bounds = shadowBounds {
                if light.kind == .point {
                    if pointShadowed < ThreeShaders.maximumPointShadows {
                        pointShadowed += 1
                        let reach = ((light.position - bounds.centre) * (light.position - bounds.centre)).sum().squareRoot() + bounds.radius
                        entry.shadow = .cube(far: max(reach * 1.01, 0.1))
                    }
                } else if shadowed < ThreeShaders.maximumShadowMaps {
                    shadowed += 1
                    entry.shadow = Self.planarShadow(light, direction: direction, bounds: bounds)
                }
            }
            lights.append(entry)
        }
    }

    /// The most vertices drawn in one frame (shapes and models together).
    static let maximumVertices = 4_000_000

    private static func source(of object: ThreeScene.Object) -> String {
        if case .model(let source, _, _) = object.body { return source.description }
        return "shape"
    }

    /// An sRGB component in linear light.
    static func linear(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }

    static func linear(_ color: RGBAColor) -> SIMD3<Double> {
        SIMD3(linear(color.red), linear(color.green), linear(color.blue))
    }

    // MARK: objects

    private static func items(of object: ThreeScene.Object, media: any MediaProvider) throws -> [Item] {
        let placement = Matrix4.compose(position: object.position, degrees: object.rotation, scale: object.scale)
        let material = object.material
        switch object.body {
        case .shape(let shape, let geometry):
            let opacity = material.opacity ?? 1
            let resolved = Material(
                kind: material.kind ?? .standard, color: linear(material.color ?? .white), opacity: opacity,
                transparent: material.transparent ?? (opacity < 1), emissive: linear(material.emissive ?? .black),
                roughness: material.roughness ?? 1, metalness: material.metalness ?? 0, wireframe: material.wireframe,
                flatShading: material.flatShading, side: material.side ?? .front, texture: nil)
            return item(mesh: ShapeMeshes.mesh(shape, geometry), model: placement, material: resolved, object: object).map { [$0] } ?? []
        case .model(let source, let autoCenter, let autoScale):
            let model = try ModelLibrary.model(source, media: media)
            var fit = Matrix4.identity
            let size = model.maximum - model.minimum
            if let autoScale, size.max() > 0 { fit = Matrix4.scale(SIMD3(repeating: autoScale / size.max())) }
            if autoCenter { fit = fit * Matrix4.translation(-(model.minimum + model.maximum) / 2) }
            return model.parts.compactMap { part in
                let opacity = material.opacity ?? part.baseColor.w
                let resolved = Material(
                    kind: material.kind ?? .standard,
                    color: material.color.map(linear) ?? SIMD3(part.baseColor.x, part.baseColor.y, part.baseColor.z),
                    opacity: opacity, transparent: material.transparent ?? (part.blends || opacity < 1),
                    emissive: material.emissive.map(linear) ?? part.emissive, roughness: material.roughness ?? part.roughness,
                    metalness: material.metalness ?? part.metalness, wireframe: material.wireframe,
                    flatShading: material.flatShading, side: material.side ?? (part.doubleSided ? .double : .front),
                    texture: part.texture, sampler: part.sampler)
                return item(mesh: part.mesh, model: placement * fit, material: resolved, object: object)
            }
        }
    }

    /// Nil when the object is squashed flat (a zero scale): nothing of it can be seen.
    private static func item(mesh: MeshData, model: Matrix4, material: Material, object: ThreeScene.Object) -> Item? {
        guard let normalMatrix = model.normalMatrix, mesh.vertexCount > 0 else { return nil }
        let centre = model.transformPoint((mesh.minimum + mesh.maximum) / 2)
        let halfDiagonal = (mesh.maximum - mesh.minimum) / 2
        let stretch = (0..<3).map { column in
            let v = SIMD3(model[0, column], model[1, column], model[2, column])
            return (v * v).sum().squareRoot()
        }.max() ?? 1
        let determinant = model[0, 0] * (model[1, 1] * model[2, 2] - model[1, 2] * model[2, 1])
            - model[0, 1] * (model[1, 0] * model[2, 2] - model[1, 2] * model[2, 0])
            + model[0, 2] * (model[1, 0] * model[2, 1] - model[1, 1] * model[2, 0])
        return Item(mesh: mesh, model: model, normalMatrix: normalMatrix, material: material, castShadow: object.castShadow,
                    receiveShadow: object.receiveShadow, centre: centre,
                    radius: (halfDiagonal * halfDiagonal).sum().squareRoot() * stretch, mirrored: determinant < 0)
    }

    // MARK: shadows

    /// A sphere around everything that casts or receives shadows, or nil when nothing does.
    private var shadowBounds: (centre: SIMD3<Double>, radius: Double)? {
        let involved = items.filter { $0.castShadow || $0.receiveShadow }
        guard !involved.isEmpty else { return nil }
        var low = SIMD3<Double>(repeating: .infinity), high = SIMD3<Double>(repeating: -.infinity)
        for item in involved {
            low = pointwiseMin(low, item.centre - SIMD3(repeating: item.radius))
            high = pointwiseMax(high, item.centre + SIMD3(repeating: item.radius))
        }
        let centre = (low + high) / 2
        let radius = involved.map { item -> Double in
            let d = item.centre - centre
            return (d * d).sum().squareRoot() + item.radius
        }.max() ?? 1
        guard radius.isFinite, centre.x.isFinite, centre.y.isFinite, centre.z.isFinite else { return nil }
        return (centre, max(radius, 1e-3))
    }

    /// A directional light's orthographic camera fitted around `bounds` (three.js's is a fixed
    /// ±5 box the schema cannot change), or a spot light's perspective camera over its cone.
    private static func planarShadow(_ light: ThreeScene.Light, direction: SIMD3<Double>,
                                     bounds: (centre: SIMD3<Double>, radius: Double)) -> Shadow {
        let r = bounds.radius
        if light.kind == .directional {
            let eye = bounds.centre + direction * (2 * r)
            let view = (Matrix4.translation(eye) * Matrix4.lookAtRotation(eye: eye, target: bounds.centre)).rigidInverse
            let projection = Matrix4.orthographic(left: -r, right: r, bottom: -r, top: r, near: r * 0.99, far: r * 3.01)
            return .planar(projection * view, texel: 2 * r / Double(shadowMapSize))
        }
        let offset = light.position - bounds.centre
        let distance = (offset * offset).sum().squareRoot()
        let near = max(0.01, distance - r * 1.01), far = max(near * 2, distance + r * 1.01)
        let view = (Matrix4.translation(light.position) * Matrix4.lookAtRotation(eye: light.position, target: light.target)).rigidInverse
        let fov = min(179, 2 * light.angle * 180 / .pi)
        let projection = Matrix4.perspective(fov: fov, aspect: 1, near: near, far: far)
        // A texel at the far side of the bounds.
        let texel = 2 * tan(min(light.angle, 1.5)) * (distance + r) / Double(shadowMapSize)
        return .planar(projection * view, texel: texel)
    }
}

/// Shapes' meshes, made once per shape and numbers (a few dozen kept), so that frames of an
/// animated scene reuse the same vertices (and the painter the same buffers).
final class ShapeMeshes: @unchecked Sendable {
    static let shared = ShapeMeshes()
    private let lock = NSLock()
    private var meshes: [Key: MeshData] = [:]

    private struct Key: Hashable {
        let shape: ThreeScene.Shape
        let geometry: ThreeScene.Geometry
    }

    static func mesh(_ shape: ThreeScene.Shape, _ geometry: ThreeScene.Geometry) -> MeshData {
        shared.mesh(shape, geometry)
    }

    private func mesh(_ shape: ThreeScene.Shape, _ geometry: ThreeScene.Geometry) -> MeshData {
        let key = Key(shape: shape, geometry: geometry)
        if let mesh = lock.withLock({ meshes[key] }) { return mesh }
        let mesh = ThreeGeometry.mesh(shape, geometry)
        lock.withLock {
            if meshes.count >= 64 { meshes.removeAll() }  // a bound, not a policy
            meshes[key] = mesh
        }
        return mesh
    }
}
