/// A 3-D scene (the `three` clip): a camera, lights and objects (built-in shapes or glTF models),
/// drawn by the compositor's OpenGL painter into the clip's box. Units and conventions are
/// three.js's: right-handed, y up, the camera looking down −z, rotations as XYZ Euler angles (in
/// degrees here), colours in sRGB and lit in linear light. docs/schema.md lists every default.
public struct ThreeScene: DrawnContent {
    /// How the scene's canvas is cleared and drawn.
    public struct Renderer: Hashable, Sendable {
        /// Multisampled edges.
        public var antialias: Bool
        /// What the canvas is cleared to (straight alpha; alpha 0 leaves it transparent).
        public var clearColor: RGBAColor
        /// `alpha: false`: the canvas is opaque, whatever the clear colour's and materials' alpha.
        public var opaque: Bool
        /// Shadow maps for lights and objects that ask for them.
        public var shadows: Bool

        public init(antialias: Bool = true, clearColor: RGBAColor = .clear, opaque: Bool = false, shadows: Bool = false) {
            self.antialias = antialias
            self.clearColor = clearColor
            self.opaque = opaque
            self.shadows = shadows
        }
    }

    /// A perspective camera (three.js's `PerspectiveCamera`).
    public struct Camera: Hashable, Sendable {
        /// The vertical field of view, degrees.
        public var fov: Double
        public var near: Double
        public var far: Double
        public var position: SIMD3<Double>
        /// XYZ Euler angles, degrees; ignored when `lookAt` is set.
        public var rotation: SIMD3<Double>
        /// The point the camera turns to (after any animation of its position), y up.
        public var lookAt: SIMD3<Double>?

        public init(fov: Double = 50, near: Double = 0.1, far: Double = 2000, position: SIMD3<Double> = [0, 0, 5],
                    rotation: SIMD3<Double> = .zero, lookAt: SIMD3<Double>? = nil) {
            self.fov = fov
            self.near = near
            self.far = far
            self.position = position
            self.rotation = rotation
            self.lookAt = lookAt
        }
    }

    public enum LightKind: String, CaseIterable, Hashable, Sendable {
        case ambient, directional, point, spot
    }

    /// A light, with three.js's semantics and units (point and spot intensities in candela,
    /// falling off with `decay`, cut off at `distance` when it is above 0; spot `angle` in radians).
    public struct Light: Hashable, Sendable {
        public var kind: LightKind
        public var color: RGBAColor
        public var intensity: Double
        public var position: SIMD3<Double>
        /// Where directional and spot lights point.
        public var target: SIMD3<Double>
        public var distance: Double
        public var decay: Double
        public var angle: Double
        public var penumbra: Double
        public var castShadow: Bool

        public init(kind: LightKind, color: RGBAColor = .white, intensity: Double = 1, position: SIMD3<Double>? = nil,
                    target: SIMD3<Double> = .zero, distance: Double = 0, decay: Double = 2, angle: Double = .pi / 3,
                    penumbra: Double = 0, castShadow: Bool = false) {
            self.kind = kind
            self.color = color
            self.intensity = intensity
            // three.js puts directional and spot lights at (0, 1, 0), the others at the origin.
            self.position = position ?? (kind == .directional || kind == .spot ? [0, 1, 0] : .zero)
            self.target = target
            self.distance = distance
            self.decay = decay
            self.angle = angle
            self.penumbra = penumbra
            self.castShadow = castShadow
        }
    }

    /// The built-in geometries (three.js's of the same names).
    public enum Shape: String, CaseIterable, Hashable, Sendable {
        case box, sphere, plane, cylinder, cone, torus, icosahedron, dodecahedron
    }

    /// A shape's `geometry` numbers; nil takes three.js's default for the shape.
    public struct Geometry: Hashable, Sendable {
        public var width: Double?
        public var height: Double?
        public var depth: Double?
        public var radius: Double?
        public var radiusTop: Double?
        public var radiusBottom: Double?
        public var tube: Double?
        public var radialSegments: Int?
        public var tubularSegments: Int?
        public var widthSegments: Int?
        public var heightSegments: Int?
        public var depthSegments: Int?
        public var detail: Int?

        public init() {}
    }

    /// What an object is made of.
    public enum Body: Hashable, Sendable {
        case shape(Shape, Geometry)
        /// A glTF 2.0 model (.glb, or .gltf with its buffers embedded), moved so that its bounding
        /// box's centre is at the origin when `autoCenter`, and scaled so that the box's largest
        /// side is `autoScale` when given.
        case model(MediaSource, autoCenter: Bool, autoScale: Double?)
    }

    public enum MaterialKind: String, CaseIterable, Hashable, Sendable {
        case normal, basic, standard, phong, lambert, toon
    }

    public enum Side: String, CaseIterable, Hashable, Sendable {
        case front, back, double
    }

    /// An object's material. Nil fields take the default (a model: its own material's values).
    public struct Material: Hashable, Sendable {
        public var kind: MaterialKind?
        public var color: RGBAColor?
        public var emissive: RGBAColor?
        public var wireframe: Bool
        public var opacity: Double?
        /// Blended over what is behind it (and sorted back to front); nil: when `opacity` is below 1.
        public var transparent: Bool?
        public var roughness: Double?
        public var metalness: Double?
        public var flatShading: Bool
        public var side: Side?

        public init(kind: MaterialKind? = nil, color: RGBAColor? = nil, emissive: RGBAColor? = nil, wireframe: Bool = false,
                    opacity: Double? = nil, transparent: Bool? = nil, roughness: Double? = nil, metalness: Double? = nil,
                    flatShading: Bool = false, side: Side? = nil) {
            self.kind = kind
            self.color = color
            self.emissive = emissive
            self.wireframe = wireframe
            self.opacity = opacity
            self.transparent = transparent
            self.roughness = roughness
            self.metalness = metalness
            self.flatShading = flatShading
            self.side = side
        }
    }

    /// One object of the scene, placed as three.js places a mesh: scaled, turned (XYZ Euler,
    /// degrees), then moved.
    public struct Object: Hashable, Sendable {
        public var id: String?
        public var body: Body
        public var position: SIMD3<Double>
        public var rotation: SIMD3<Double>
        public var scale: SIMD3<Double>
        public var material: Material
        public var castShadow: Bool
        public var receiveShadow: Bool
        public var animations: [ThreeAnimation]

        public init(id: String? = nil, body: Body, position: SIMD3<Double> = .zero, rotation: SIMD3<Double> = .zero,
                    scale: SIMD3<Double> = .one, material: Material = Material(), castShadow: Bool = false,
                    receiveShadow: Bool = false, animations: [ThreeAnimation] = []) {
            self.id = id
            self.body = body
            self.position = position
            self.rotation = rotation
            self.scale = scale
            self.material = material
            self.castShadow = castShadow
            self.receiveShadow = receiveShadow
            self.animations = animations
        }
    }

    public var renderer: Renderer
    public var camera: Camera
    public var lights: [Light]
    public var objects: [Object]
    public var cameraAnimations: [ThreeAnimation]

    public init(renderer: Renderer = Renderer(), camera: Camera = Camera(), lights: [Light] = [], objects: [Object] = [],
                cameraAnimations: [ThreeAnimation] = []) {
        self.renderer = renderer
        self.camera = camera
        self.lights = lights
        self.objects = objects
        self.cameraAnimations = cameraAnimations
    }

    public var kindName: String { "three" }

    public var mediaSources: [MediaSource] {
        objects.compactMap {
            if case .model(let source, _, _) = $0.body { return source }
            return nil
        }
    }

    /// The scene with every animation applied at `localTime` and removed.
    public func evaluated(at localTime: Double) -> ThreeScene? {
        guard !cameraAnimations.isEmpty || objects.contains(where: { !$0.animations.isEmpty }) else { return nil }
        var scene = self
        // Later animations of the same property win; each starts from the unanimated value.
        for animation in cameraAnimations { animation.apply(to: &scene.camera, own: camera, at: localTime) }
        scene.cameraAnimations = []
        for (index, own) in objects.enumerated() {
            for animation in own.animations { animation.apply(to: &scene.objects[index], own: own, at: localTime) }
            scene.objects[index].animations = []
        }
        return scene
    }
}

extension ThreeScene {
    /// The most segments along any side of a shape, and the most polyhedron detail.
    public static let maximumSegments = 512
    public static let maximumDetail = 32
}

extension ThreeScene.Shape {
    /// At most how many vertices the painter makes for this shape with `g`'s numbers, without
    /// making them (for the document's limits). Segment counts are clamped as the painter clamps
    /// them, and nil ones take three.js's defaults.
    public func maximumVertexCount(_ g: ThreeScene.Geometry) -> Int {
        func segments(_ value: Int?, _ fallback: Int, minimum: Int = 1) -> Int {
            min(ThreeScene.maximumSegments, max(minimum, value ?? fallback))
        }
        switch self {
        case .box:
            let (w, h, d) = (segments(g.widthSegments, 1), segments(g.heightSegments, 1), segments(g.depthSegments, 1))
            return 2 * ((d + 1) * (h + 1) + (w + 1) * (d + 1) + (w + 1) * (h + 1))
        case .sphere:
            return (segments(g.widthSegments, 32, minimum: 3) + 1) * (segments(g.heightSegments, 16, minimum: 2) + 1)
        case .plane:
            return (segments(g.widthSegments, 1) + 1) * (segments(g.heightSegments, 1) + 1)
        case .cylinder, .cone:
            let radial = segments(g.radialSegments, 32, minimum: 3), rows = segments(g.heightSegments, 1)
            return (radial + 1) * (rows + 1) + 2 * (2 * radial + 1)
        case .torus:
            return (segments(g.radialSegments, 12, minimum: 2) + 1) * (segments(g.tubularSegments, 48, minimum: 3) + 1)
        case .icosahedron, .dodecahedron:
            let detail = min(ThreeScene.maximumDetail, max(0, g.detail ?? 0))
            return (self == .icosahedron ? 20 : 36) * 3 * (detail + 1) * (detail + 1)
        }
    }
}
