public import Timeline
import Foundation

// The `three` clip (schema §11.11): a 3-D scene of built-in shapes and glTF models, lit and shot
// with three.js's conventions and defaults, lowered to a `ThreeScene` (docs/schema.md, `three`).

extension RenderingVideoV2 {
    /// A `three` clip's scene, its models' sources still as written.
    public struct Three: Sendable {
        /// The scene; a model object's source is a placeholder until lowering resolves `models`.
        public var scene: ThreeScene
        /// Object index → the model's `src` (any `$ref` resolved).
        public var models: [Int: String]
    }
}

/// The bounds of a `three` clip, so that no scene can take unbounded memory or time (docs/schema.md).
public enum ThreeLimits {
    public static let objects = 256
    public static let lights = 16
    /// Lights that may cast shadows: directional and spot together, and point lights.
    public static let planarShadows = 4
    public static let pointShadows = 2
    /// Animations on one object, and on the camera.
    public static let animations = 32
    /// Vertices of a clip's built-in shapes together (a model's are counted when it is read:
    /// at most 1 000 000 a model, 4 000 000 in a frame).
    public static let shapeVertices = 4_000_000
    /// Coordinates (positions, targets), sizes and distances, in scene units.
    public static let coordinate = 1_000_000.0
    /// A shape's sizes (width, radius, …).
    public static let size = 100_000.0
    /// Object scale factors (negative ones mirror).
    public static let scale: ClosedRange<Double> = -10_000...10_000
    /// Light intensity (candela for point and spot lights).
    public static let intensity = 1_000_000.0
}

extension DocumentReader {
    typealias V2Three = RenderingVideoV2.Three

    func readThree(_ node: Node, models: [String: String]) -> V2Three? {
        var scene = ThreeScene()
        var valid = true
        if let rendererNode = node["renderer"], rendererNode.expectObject() {
            scene.renderer = readThreeRenderer(rendererNode)
        }
        if let cameraNode = node["camera"], cameraNode.expectObject() {
            if let camera = readCamera(cameraNode) { scene.camera = camera } else { valid = false }
        }
        if let lightsNode = node["lights"], let lights = lightsNode.array {
            if lights.count > ThreeLimits.lights {
                lightsNode.fail("has \(lights.count) lights; at most \(ThreeLimits.lights)")
                valid = false
            } else {
                scene.lights = lights.compactMap(readLight)
                valid = valid && scene.lights.count == lights.count
                let shadowed = scene.lights.filter { $0.castShadow && ($0.kind == .directional || $0.kind == .spot) }.count
                let pointShadowed = scene.lights.filter { $0.castShadow && $0.kind == .point }.count
                if shadowed > ThreeLimits.planarShadows || pointShadowed > ThreeLimits.pointShadows {
                    lightsNode.fail("at most \(ThreeLimits.planarShadows) directional and spot lights and \(ThreeLimits.pointShadows) point lights may cast shadows")
                    valid = false
                }
            }
        }
        var modelSources: [Int: String] = [:]
        if let objectsNode = node["objects"], let objects = objectsNode.array {
            if objects.count > ThreeLimits.objects {
                objectsNode.fail("has \(objects.count) objects; at most \(ThreeLimits.objects)")
                valid = false
            } else {
                for objectNode in objects {
                    guard let (object, src) = readObject(objectNode, models: models) else {
                        valid = false
                        continue
                    }
                    // Indices match the document's: a scene with a bad object is refused whole.
                    if let src { modelSources[scene.objects.count] = src }
                    scene.objects.append(object)
                }
                let vertices = scene.objects.reduce(0) { total, object in
                    if case .shape(let shape, let geometry) = object.body { return total + shape.maximumVertexCount(geometry) }
                    return total
                }
                if vertices > ThreeLimits.shapeVertices {
                    objectsNode.fail("the shapes have \(vertices) vertices in all; at most \(ThreeLimits.shapeVertices) (fewer segments)")
                    valid = false
                }
            }
        }
        if let animationsNode = node["cameraAnimations"] {
            if let animations = readThreeAnimations(animationsNode, camera: true) { scene.cameraAnimations = animations } else { valid = false }
        }
        return valid ? V2Three(scene: scene, models: modelSources) : nil
    }

    // MARK: renderer and camera

    private func readThreeRenderer(_ node: Node) -> ThreeScene.Renderer {
        var renderer = ThreeScene.Renderer()
        if let value = node["antialias"]?.bool { renderer.antialias = value }
        if let value = node["shadows"]?.bool { renderer.shadows = value }
        if let value = node["alpha"]?.bool { renderer.opaque = !value }
        let color = node["clearColor"].flatMap(readColor)
        // three.js's setClearColor(color, alpha = 1): a clear colour alone is opaque; with
        // neither, a transparent canvas (alpha: true's clear alpha, 0).
        let alpha = node["clearAlpha"]?.number(in: 0...1) ?? (color != nil ? color?.alpha ?? 1 : 0)
        var clear = color ?? .black
        clear.alpha = alpha
        renderer.clearColor = clear
        return renderer
    }

    private func readCamera(_ node: Node) -> ThreeScene.Camera? {
        var camera = ThreeScene.Camera()
        var valid = true
        if let fov = node["fov"] {
            if let value = fov.number(in: 1...179) { camera.fov = value } else { valid = false }
        }
        if let near = node["near"] {
            if let value = near.positiveNumber(upTo: ThreeLimits.coordinate) { camera.near = value } else { valid = false }
        }
        if let far = node["far"] {
            if let value = far.positiveNumber(upTo: ThreeLimits.coordinate * 10) { camera.far = value } else { valid = false }
        }
        if camera.far <= camera.near {
            node.path.appending("far").record(in: log, "must be beyond near (\(camera.near.formatted)), found \(camera.far.formatted)")
            valid = false
        }
        if let position = node["position"] {
            if let value = readVector(position, default: camera.position) { camera.position = value } else { valid = false }
        }
        if let rotation = node["rotation"] {
            if let value = readVector(rotation, default: .zero, range: DocumentLimits.degrees) { camera.rotation = value } else { valid = false }
        }
        if let lookAt = node["lookAt"] {
            if let value = readVector(lookAt, default: .zero) { camera.lookAt = value } else { valid = false }
        }
        return valid ? camera : nil
    }

    // MARK: lights

    private func readLight(_ node: Node) -> ThreeScene.Light? {
        guard node.expectObject(), let kind = node.required("type")?.oneOf(ThreeScene.LightKind.self) else { return nil }
        var light = ThreeScene.Light(kind: kind)
        var valid = true
        func number(_ name: String, in range: ClosedRange<Double>, _ apply: (Double) -> Void) {
            guard let field = node[name] else { return }
            if let value = field.number(in: range) { apply(value) } else { valid = false }
        }
        if let color = node["color"] {
            if let value = readColor(color) { light.color = value } else { valid = false }
        }
        number("intensity", in: 0...ThreeLimits.intensity) { light.intensity = $0 }
        if let position = node["position"] {
            if let value = readVector(position, default: light.position) { light.position = value } else { valid = false }
        }
        if let target = node["target"] {
            if let value = readVector(target, default: .zero) { light.target = value } else { valid = false }
        }
        number("distance", in: 0...ThreeLimits.coordinate) { light.distance = $0 }
        number("decay", in: 0...10) { light.decay = $0 }
        if let angle = node["angle"], let value = angle.number {
            // Radians, as three.js's SpotLight.angle; a number above π/2 was most likely meant in degrees.
            if value > 0, value <= .pi / 2 {
                light.angle = value
            } else {
                angle.fail("is in radians, above 0 and at most π/2 (1.5708), found \(value.formatted)"
                           + (value > .pi / 2 && value <= 90 ? " (\(value.formatted)° is \((value * .pi / 180 * 10_000).rounded() / 10_000) rad)" : ""))
                valid = false
            }
        }
        number("penumbra", in: 0...1) { light.penumbra = $0 }
        if let cast = node["castShadow"]?.bool { light.castShadow = cast && kind != .ambient }
        return valid ? light : nil
    }

    // MARK: objects

    private func readObject(_ node: Node, models: [String: String]) -> (ThreeScene.Object, String?)? {
        guard node.expectObject() else { return nil }
        var valid = true
        var body: ThreeScene.Body?
        var modelSource: String?
        switch (node["shape"], node["model"]) {
        case (let shapeNode?, nil):
            if let shape = shapeNode.oneOf(ThreeScene.Shape.self) {
                let geometry = node["geometry"].flatMap(readGeometry)
                if node.has("geometry"), geometry == nil { valid = false }
                body = .shape(shape, geometry ?? ThreeScene.Geometry())
            }
        case (nil, let modelNode?):
            modelSource = readSource(modelNode, pool: models, poolName: "models")
            var autoScale: Double?
            if let scaleNode = node["autoScale"] {
                autoScale = scaleNode.positiveNumber(upTo: ThreeLimits.size)
                if autoScale == nil { valid = false }
            }
            let autoCenter = node["autoCenter"]?.bool ?? false
            if modelSource != nil { body = .model(.file(""), autoCenter: autoCenter, autoScale: autoScale) }
        case (nil, nil):
            node.path.appending("shape").record(in: log, "is required (one of "
                + ThreeScene.Shape.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") + "), or give model")
        case (_?, _?):
            node.path.appending("model").record(in: log, "give shape or model, not both")
        }
        var object = ThreeScene.Object(id: node["id"]?.string, body: body ?? .shape(.box, ThreeScene.Geometry()))
        if let position = node["position"] {
            if let value = readVector(position, default: .zero) { object.position = value } else { valid = false }
        }
        if let rotation = node["rotation"] {
            if let value = readVector(rotation, default: .zero, range: DocumentLimits.degrees) { object.rotation = value } else { valid = false }
        }
        if let scale = node["scale"] {
            if let value = readScale(scale) { object.scale = value } else { valid = false }
        }
        if let materialNode = node["material"], materialNode.expectObject() {
            if let material = readMaterial(materialNode) { object.material = material } else { valid = false }
        }
        if object.material.color == nil, let colorNode = node["color"] {
            if let color = readColor(colorNode) { object.material.color = color } else { valid = false }
        }
        if let cast = node["castShadow"]?.bool { object.castShadow = cast }
        if let receive = node["receiveShadow"]?.bool { object.receiveShadow = receive }
        if let animationsNode = node["animations"] {
            if let animations = readThreeAnimations(animationsNode, camera: false) { object.animations = animations } else { valid = false }
        }
        // Opacity counts only on transparent materials (three.js); a material whose opacity is
        // given below 1, or animated, is transparent unless it says otherwise.
        if object.material.transparent == nil,
           (object.material.opacity ?? 1) < 1 || object.animations.contains(where: { $0.property == .materialOpacity }) {
            object.material.transparent = true
        }
        guard valid, body != nil else { return nil }
        return (object, modelSource)
    }

    private func readGeometry(_ node: Node) -> ThreeScene.Geometry? {
        guard node.expectObject() else { return nil }
        var geometry = ThreeScene.Geometry()
        var valid = true
        func size(_ name: String, _ apply: (Double) -> Void) {
            guard let field = node[name] else { return }
            if let value = field.nonNegativeNumber(upTo: ThreeLimits.size) { apply(value) } else { valid = false }
        }
        func count(_ name: String, in range: ClosedRange<Int>, _ apply: (Int) -> Void) {
            guard let field = node[name], let value = field.number else {
                if node.has(name), node[name] != nil { valid = false }
                return
            }
            guard value == value.rounded(), value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
                field.fail("must be a whole number from \(range.lowerBound) to \(range.upperBound), found \(value.formatted)")
                valid = false
                return
            }
            apply(Int(value))
        }
        size("width") { geometry.width = $0 }
        size("height") { geometry.height = $0 }
        size("depth") { geometry.depth = $0 }
        size("radius") { geometry.radius = $0 }
        size("radiusTop") { geometry.radiusTop = $0 }
        size("radiusBottom") { geometry.radiusBottom = $0 }
        size("tube") { geometry.tube = $0 }
        let segments = 1...ThreeScene.maximumSegments
        count("radialSegments", in: segments) { geometry.radialSegments = $0 }
        count("tubularSegments", in: segments) { geometry.tubularSegments = $0 }
        count("widthSegments", in: segments) { geometry.widthSegments = $0 }
        count("heightSegments", in: segments) { geometry.heightSegments = $0 }
        count("depthSegments", in: segments) { geometry.depthSegments = $0 }
        count("detail", in: 0...ThreeScene.maximumDetail) { geometry.detail = $0 }
        return valid ? geometry : nil
    }

    private func readMaterial(_ node: Node) -> ThreeScene.Material? {
        var material = ThreeScene.Material()
        var valid = true
        func check<T>(_ name: String, _ read: (Node) -> T?, _ apply: (T) -> Void) {
            guard let field = node[name] else { return }
            if let value = read(field) { apply(value) } else { valid = false }
        }
        check("type", { $0.oneOf(ThreeScene.MaterialKind.self) }) { material.kind = $0 }
        check("color", readColor) { material.color = $0 }
        check("emissive", readColor) { material.emissive = $0 }
        check("wireframe", \.bool) { material.wireframe = $0 }
        check("opacity", { $0.number(in: 0...1) }) { material.opacity = $0 }
        check("transparent", \.bool) { material.transparent = $0 }
        check("roughness", { $0.number(in: 0...1) }) { material.roughness = $0 }
        check("metalness", { $0.number(in: 0...1) }) { material.metalness = $0 }
        check("flatShading", \.bool) { material.flatShading = $0 }
        check("side", { $0.oneOf(ThreeScene.Side.self) }) { material.side = $0 }
        return valid ? material : nil
    }

    // MARK: animations

    private func readThreeAnimations(_ node: Node, camera: Bool) -> [ThreeAnimation]? {
        guard let elements = node.array else { return nil }
        guard elements.count <= ThreeLimits.animations else {
            node.fail("has \(elements.count) animations; at most \(ThreeLimits.animations)")
            return nil
        }
        let animations = elements.compactMap { readThreeAnimation($0, camera: camera) }
        return animations.count == elements.count ? animations : nil
    }

    private func readThreeAnimation(_ node: Node, camera: Bool) -> ThreeAnimation? {
        guard node.expectObject() else { return nil }
        let spec = AnimationKind.fadeIn.spec
        var property: ThreeAnimation.Property?
        if let propertyNode = node.required("property"), let value = propertyNode.oneOf(ThreeAnimation.Property.self) {
            if camera, !value.appliesToCamera {
                propertyNode.fail("\"\(value.rawValue)\" is not a camera property; the camera animates position, rotation (and their x, y, z) and fov")
            } else if !camera, !value.appliesToObjects {
                propertyNode.fail("fov belongs to the camera: animate it in cameraAnimations")
            } else {
                property = value
            }
        }
        let duration = node.required("duration")?.number(in: spec.parameter("duration")?.range ?? 0.001...3600)
        var valid = true
        var delay = 0.0
        if let delayNode = node["delay"] {
            if let value = delayNode.number(in: spec.parameter("delay")?.range ?? 0...3600) { delay = value } else { valid = false }
        }
        var easing = Easing.linear
        if let easingNode = node["easing"] {
            if let value = easingNode.oneOf(Easing.self) { easing = value } else { valid = false }
        }
        var cycles: Int? = 1
        if let loop = node["loop"] {
            switch loop.value {
            case .bool(let repeats): cycles = repeats ? nil : 1
            case .number(let count) where count == count.rounded() && (1...100_000).contains(count): cycles = Int(count)
            default:
                loop.fail("expected true, false or a whole number of cycles from 1 to 100000")
                valid = false
            }
        }
        guard let property else { return nil }
        let from = node["from"].map { readAnimationValue($0, property: property) }
        let to = node["to"].map { readAnimationValue($0, property: property) }
        if from.map({ $0 == nil }) ?? false || to.map({ $0 == nil }) ?? false { valid = false }
        guard valid, let duration else { return nil }
        return ThreeAnimation(property: property, from: from ?? nil, to: to ?? nil, delay: delay, duration: duration,
                              easing: easing, cycles: cycles)
    }

    private func readAnimationValue(_ node: Node, property: ThreeAnimation.Property) -> ThreeAnimation.Value? {
        let coordinates = -ThreeLimits.coordinate...ThreeLimits.coordinate
        switch property {
        case .position: return readVector(node, default: .zero).map(ThreeAnimation.Value.vector)
        case .rotation: return readVector(node, default: .zero, range: DocumentLimits.degrees).map(ThreeAnimation.Value.vector)
        case .scale: return readScale(node).map(ThreeAnimation.Value.vector)
        case .positionX, .positionY, .positionZ: return node.number(in: coordinates).map(ThreeAnimation.Value.number)
        case .rotationX, .rotationY, .rotationZ: return node.number(in: DocumentLimits.degrees).map(ThreeAnimation.Value.number)
        case .scaleX, .scaleY, .scaleZ: return node.number(in: ThreeLimits.scale).map(ThreeAnimation.Value.number)
        case .materialOpacity: return node.number(in: 0...1).map(ThreeAnimation.Value.number)
        case .materialColor: return readColor(node).map(ThreeAnimation.Value.color)
        case .fov: return node.number(in: 1...179).map(ThreeAnimation.Value.number)
        }
    }

    // MARK: vectors

    /// `[x, y, z]` or `{x?, y?, z?}` (a missing component keeps `default`'s).
    func readVector(_ node: Node, default fallback: SIMD3<Double>,
                    range: ClosedRange<Double> = -ThreeLimits.coordinate...ThreeLimits.coordinate) -> SIMD3<Double>? {
        switch node.value {
        case .array:
            guard let elements = node.array else { return nil }
            guard elements.count == 3 else {
                node.fail("expected [x, y, z], found \(elements.count) numbers")
                return nil
            }
            let values = elements.compactMap { $0.number(in: range) }
            return values.count == 3 ? SIMD3(values[0], values[1], values[2]) : nil
        case .object:
            var vector = fallback
            var valid = true
            for (index, name) in ["x", "y", "z"].enumerated() {
                guard let component = node[name] else { continue }
                if let value = component.number(in: range) { vector[index] = value } else { valid = false }
            }
            return valid ? vector : nil
        default:
            node.fail("expected [x, y, z] or {\"x\", \"y\", \"z\"}, found \(node.value.typeName)")
            return nil
        }
    }

    /// A number (the same on every axis) or a vector.
    private func readScale(_ node: Node) -> SIMD3<Double>? {
        if case .number = node.value { return node.number(in: ThreeLimits.scale).map { SIMD3(repeating: $0) } }
        return readVector(node, default: .one, range: ThreeLimits.scale)
    }
}

extension RenderingVideoV2.Document {
    /// A three clip's scene with its models' sources resolved (refusals logged at `objects[i].model`).
    func threeContent(_ three: RenderingVideoV2.Three, clip: RenderingVideoV2.Clip, sources: SourceResolver,
                      log: DiagnosticLog) -> ClipContent {
        var scene = three.scene
        for (index, src) in three.models {
            guard case .model(_, let autoCenter, let autoScale) = scene.objects[index].body else { continue }
            let path = clip.path.appending("objects").appending(index).appending("model")
            scene.objects[index].body = .model(resolve(src, sources, at: path, log), autoCenter: autoCenter, autoScale: autoScale)
        }
        return .drawn(Drawn(scene))
    }
}
