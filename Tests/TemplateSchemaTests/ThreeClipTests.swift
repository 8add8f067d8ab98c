import Foundation
import Testing
import Timeline
@testable import TemplateSchema

/// `three` clips read and lowered: defaults, `$ref`s into `assets.models`, every problem at its
/// JSON path, the limits, and animations evaluated at clip-local times.
@Suite struct ThreeClipTests {
    static func document(_ clip: String, assets: String = "") -> String {
        #"{ "meta": { "width": 320, "height": 240, "fps": 10 }, \#(assets) "tracks": [ { "clips": [ \#(clip) ] } ] }"#
    }

    static func clip(_ fields: String) -> String {
        #"{ "type": "three", "start": 0, "duration": 2, \#(fields) }"#
    }

    static func scene(_ fields: String, assets: String = "") throws -> (ThreeScene, Clip) {
        let timeline = try RenderingVideoV2.decode(Data(document(clip(fields), assets: assets).utf8)).lower(baseDirectory: "/models")
        let clip = try #require(timeline.tracks.first?.clips.first)
        guard case .drawn(let drawn) = clip.content, let scene = drawn.content as? ThreeScene else {
            Issue.record("not a three scene: \(clip.content)")
            throw CancellationError()
        }
        return (scene, clip)
    }

    static func problems(_ json: String) -> [Diagnostic] {
        do {
            _ = try RenderingVideoV2.decode(Data(json.utf8))
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func defaultsFollowThreeJS() throws {
        let (scene, clip) = try Self.scene(#""objects": [ { "shape": "box" } ], "lights": [ { "type": "spot" }, { "type": "point" } ]"#)
        // The clip's box is the whole canvas when the transform gives no size.
        #expect(clip.transform.width?.value(at: 0) == 320 && clip.transform.height?.value(at: 0) == 240)
        #expect(scene.camera == ThreeScene.Camera(fov: 50, near: 0.1, far: 2000, position: [0, 0, 5], rotation: .zero, lookAt: nil))
        #expect(scene.renderer == ThreeScene.Renderer(antialias: true, clearColor: .clear, opaque: false, shadows: false))
        let spot = scene.lights[0], point = scene.lights[1]
        #expect(spot.position == [0, 1, 0] && spot.angle == .pi / 3 && spot.penumbra == 0 && spot.decay == 2 && spot.distance == 0)
        #expect(point.position == .zero && point.intensity == 1 && point.color == .white)
        let object = scene.objects[0]
        #expect(object.body == .shape(.box, ThreeScene.Geometry()))
        #expect(object.position == .zero && object.rotation == .zero && object.scale == .one)
        #expect(object.material == ThreeScene.Material() && !object.castShadow && !object.receiveShadow)
    }

    @Test func fieldsAreRead() throws {
        let (scene, _) = try Self.scene(#"""
            "renderer": { "antialias": false, "clearColor": "#102030", "shadows": true },
            "camera": { "fov": 40, "near": 0.5, "far": 50, "position": { "y": 2 }, "lookAt": [0, 0.5, 0] },
            "lights": [ { "type": "directional", "color": "#ff0000", "intensity": 2, "position": [1, 2, 3], "castShadow": true } ],
            "objects": [
              { "id": "b", "shape": "torus", "geometry": { "radius": 2, "tube": 0.5, "tubularSegments": 64 },
                "position": [1, 2, 3], "rotation": { "x": 90 }, "scale": 2, "color": "#00ff00",
                "material": { "type": "phong", "opacity": 0.5, "side": "double", "flatShading": true }, "castShadow": true },
              { "shape": "plane", "scale": [1, 2, 3], "material": { "color": "#0000ff", "opacity": 0.5, "transparent": false } }
            ]
            """#)
        #expect(scene.renderer == ThreeScene.Renderer(antialias: false, clearColor: RGBAColor(red8: 0x10, green8: 0x20, blue8: 0x30),
                                                      opaque: false, shadows: true), "a clear colour alone is opaque (three.js's alpha = 1)")
        #expect(scene.camera.position == [0, 2, 5], "{y} keeps the default x and z")
        #expect(scene.camera.lookAt == [0, 0.5, 0] && scene.camera.fov == 40 && scene.camera.far == 50)
        #expect(scene.lights[0].castShadow && scene.lights[0].intensity == 2 && scene.lights[0].color == RGBAColor(red: 1, green: 0, blue: 0))
        var geometry = ThreeScene.Geometry()
        geometry.radius = 2
        geometry.tube = 0.5
        geometry.tubularSegments = 64
        let torus = scene.objects[0]
        #expect(torus.body == .shape(.torus, geometry) && torus.id == "b")
        #expect(torus.rotation == [90, 0, 0] && torus.scale == [2, 2, 2] && torus.position == [1, 2, 3])
        #expect(torus.material.color == RGBAColor(red: 0, green: 1, blue: 0), "the object's color is the material's")
        #expect(torus.material.transparent == true, "an opacity below 1 makes it transparent")
        #expect(torus.material.kind == .phong && torus.material.side == .double && torus.material.flatShading)
        #expect(scene.objects[1].material.color == RGBAColor(red: 0, green: 0, blue: 1) && scene.objects[1].material.transparent == false)
        #expect(scene.objects[1].scale == [1, 2, 3])
    }

    @Test func modelsResolveThroughAssetsAndTheBaseDirectory() throws {
        let (scene, _) = try Self.scene(#""objects": [ { "model": { "$ref": "duck" }, "autoScale": 2, "autoCenter": true }, { "model": "lamp.glb" } ]"#,
                                        assets: #""assets": { "models": [ { "id": "duck", "src": "duck.glb" } ] },"#)
        #expect(scene.objects[0].body == .model(.file("/models/duck.glb"), autoCenter: true, autoScale: 2))
        #expect(scene.objects[1].body == .model(.file("/models/lamp.glb"), autoCenter: false, autoScale: nil))
        #expect(scene.mediaSources == [.file("/models/duck.glb"), .file("/models/lamp.glb")])
    }

    @Test(arguments: [
        (#""objects": [ { "shape": "pyramid" } ]"#, "tracks[0].clips[0].objects[0].shape", "unknown value \"pyramid\""),
        (#""objects": [ { "shape": "box", "material": { "type": "glass" } } ]"#, "tracks[0].clips[0].objects[0].material.type", "unknown value \"glass\""),
        (#""objects": [ { "shape": "sphere", "geometry": { "radius": -1 } } ]"#, "tracks[0].clips[0].objects[0].geometry.radius", "must not be negative"),
        (#""objects": [ { "shape": "sphere", "geometry": { "widthSegments": 100000 } } ]"#, "tracks[0].clips[0].objects[0].geometry.widthSegments", "from 1 to 512"),
        (#""objects": [ { "shape": "sphere", "geometry": { "widthSegments": 2.5 } } ]"#, "tracks[0].clips[0].objects[0].geometry.widthSegments", "whole number"),
        (#""objects": [ { "shape": "icosahedron", "geometry": { "detail": 40 } } ]"#, "tracks[0].clips[0].objects[0].geometry.detail", "from 0 to 32"),
        (#""objects": [ { } ]"#, "tracks[0].clips[0].objects[0].shape", "is required"),
        (#""objects": [ { "shape": "box", "model": "a.glb" } ]"#, "tracks[0].clips[0].objects[0].model", "not both"),
        (#""objects": [ { "model": { "$ref": "nope" } } ]"#, "tracks[0].clips[0].objects[0].model.$ref", "assets.models"),
        (#""objects": [ { "shape": "box", "position": [1, 2] } ]"#, "tracks[0].clips[0].objects[0].position", "expected [x, y, z]"),
        (#""objects": [ { "shape": "box", "scale": "big" } ]"#, "tracks[0].clips[0].objects[0].scale", "expected [x, y, z]"),
        (#""objects": [ { "shape": "box", "material": { "opacity": 2 } } ]"#, "tracks[0].clips[0].objects[0].material.opacity", "between 0 and 1"),
        (#""objects": [ { "shape": "box", "material": { "side": "inside" } } ]"#, "tracks[0].clips[0].objects[0].material.side", "unknown value"),
        (#""objects": [ { "shape": "box", "animations": [ { "property": "fov", "duration": 1 } ] } ]"#, "tracks[0].clips[0].objects[0].animations[0].property", "cameraAnimations"),
        (#""objects": [ { "shape": "box", "animations": [ { "property": "size", "duration": 1 } ] } ]"#, "tracks[0].clips[0].objects[0].animations[0].property", "unknown value"),
        (#""objects": [ { "shape": "box", "animations": [ { "property": "position" } ] } ]"#, "tracks[0].clips[0].objects[0].animations[0].duration", "is required"),
        (#""objects": [ { "shape": "box", "animations": [ { "property": "position", "duration": 1, "to": 3 } ] } ]"#, "tracks[0].clips[0].objects[0].animations[0].to", "expected [x, y, z]"),
        (#""objects": [ { "shape": "box", "animations": [ { "property": "material.color", "duration": 1, "to": "shiny" } ] } ]"#, "tracks[0].clips[0].objects[0].animations[0].to", "not a colour"),
        (#""objects": [ { "shape": "box", "animations": [ { "property": "rotation.y", "duration": 1, "loop": 0 } ] } ]"#, "tracks[0].clips[0].objects[0].animations[0].loop", "whole number of cycles"),
        (#""cameraAnimations": [ { "property": "scale", "duration": 1 } ]"#, "tracks[0].clips[0].cameraAnimations[0].property", "not a camera property"),
        (#""lights": [ { "type": "laser" } ]"#, "tracks[0].clips[0].lights[0].type", "unknown value \"laser\""),
        (#""lights": [ { } ]"#, "tracks[0].clips[0].lights[0].type", "is required"),
        (#""lights": [ { "type": "spot", "angle": 30 } ]"#, "tracks[0].clips[0].lights[0].angle", "radians"),
        (#""lights": [ { "type": "point", "intensity": -1 } ]"#, "tracks[0].clips[0].lights[0].intensity", "between 0"),
        (#""lights": [ { "type": "point", "decay": 20 } ]"#, "tracks[0].clips[0].lights[0].decay", "between 0 and 10"),
        (#""camera": { "fov": 0 }"#, "tracks[0].clips[0].camera.fov", "between 1 and 179"),
        (#""camera": { "near": 10, "far": 5 }"#, "tracks[0].clips[0].camera.far", "beyond near"),
        (#""camera": { "lookAt": "origin" }"#, "tracks[0].clips[0].camera.lookAt", "expected [x, y, z]"),
        (#""renderer": { "clearAlpha": 3 }"#, "tracks[0].clips[0].renderer.clearAlpha", "between 0 and 1"),
        (#""renderer": { "clearColor": "nope" }"#, "tracks[0].clips[0].renderer.clearColor", "not a colour"),
    ])
    func problemsAreReportedAtTheirPaths(fields: String, path: String, message: String) {
        let found = Self.problems(Self.document(Self.clip(fields)))
        #expect(found.contains { $0.path.description == path && $0.message.contains(message) },
                "expected \(path): …\(message)…, found \(found.map(\.description))")
    }

    @Test func hostileScenesAreRefused() {
        let tooManyObjects = Array(repeating: #"{ "shape": "box" }"#, count: ThreeLimits.objects + 1).joined(separator: ",")
        let tooManyLights = Array(repeating: #"{ "type": "ambient" }"#, count: ThreeLimits.lights + 1).joined(separator: ",")
        let shadowLights = Array(repeating: #"{ "type": "directional", "castShadow": true }"#, count: 5).joined(separator: ",")
        // 100 spheres of 512 × 512 segments: 26 million vertices.
        let dense = Array(repeating: #"{ "shape": "sphere", "geometry": { "widthSegments": 512, "heightSegments": 512 } }"#, count: 100)
            .joined(separator: ",")
        for (fields, path, message) in [
            ("\"objects\": [\(tooManyObjects)]", "tracks[0].clips[0].objects", "at most 256"),
            ("\"lights\": [\(tooManyLights)]", "tracks[0].clips[0].lights", "at most 16"),
            ("\"lights\": [\(shadowLights)]", "tracks[0].clips[0].lights", "may cast shadows"),
            ("\"objects\": [\(dense)]", "tracks[0].clips[0].objects", "at most 4000000"),
        ] {
            let found = Self.problems(Self.document(Self.clip(fields)))
            #expect(found.contains { $0.path.description == path && $0.message.contains(message) }, "\(path): \(found.map(\.description))")
        }
    }

    @Test func animationsAreEvaluatedAtClipTime() throws {
        let (scene, _) = try Self.scene(#"""
            "camera": { "position": [0, 0, 5] },
            "cameraAnimations": [ { "property": "position.z", "from": 6, "to": 4, "duration": 2, "easing": "easeInOutSine" },
                                  { "property": "fov", "to": 30, "duration": 1, "delay": 1 } ],
            "objects": [ { "shape": "box", "position": [0, 1, 0], "material": { "color": "#000000" },
                           "animations": [ { "property": "rotation.y", "from": 0, "to": 360, "duration": 1, "loop": true },
                                           { "property": "position", "to": [2, 1, 0], "duration": 1, "delay": 0.5 },
                                           { "property": "scale", "from": 1, "to": 3, "duration": 1, "loop": 2 },
                                           { "property": "material.color", "to": "#ffffff", "duration": 1 },
                                           { "property": "material.opacity", "from": 0, "to": 1, "duration": 1 } ] } ]
            """#)
        let start = try #require(scene.evaluated(at: 0))
        #expect(start.camera.position == [0, 0, 6] && start.camera.fov == 50)
        #expect(start.objects[0].position == [0, 1, 0], "held at the object's own position before the delay")
        #expect(start.objects[0].material.opacity == 0 && start.objects[0].material.transparent == true)
        #expect(start.objects[0].animations.isEmpty && start.cameraAnimations.isEmpty)
        let middle = try #require(scene.evaluated(at: 1))
        #expect(abs(middle.camera.position.z - 5) < 1e-9, "easeInOutSine is half way at half time")
        #expect(middle.camera.fov == 50, "the fov animation starts at 1 s")
        #expect(middle.objects[0].rotation.y == 360, "the end of a cycle reads as its end")
        #expect(middle.objects[0].position == [1, 1, 0])
        #expect(middle.objects[0].scale == [3, 3, 3])
        #expect(middle.objects[0].material.color == .white)
        let later = try #require(scene.evaluated(at: 1.25))
        #expect(abs(later.objects[0].rotation.y - 90) < 1e-9, "looping: a quarter into the second cycle")
        #expect(abs(later.camera.fov - 45) < 1e-9)
        #expect(abs(later.objects[0].scale.x - 1.5) < 1e-9, "the second of two cycles")
        let end = try #require(scene.evaluated(at: 2))
        #expect(end.camera.position.z == 4 && end.camera.fov == 30 && end.objects[0].scale == [3, 3, 3], "held at the end")
        #expect(abs(end.objects[0].position.x - 2) < 1e-9)
        // Colours mix in linear light (three.js's Color.lerp): half way between black and white is
        // linear 0.5, sRGB 0.735.
        let half = try #require(scene.evaluated(at: 0.5))
        #expect(abs((half.objects[0].material.color?.red ?? 0) - 0.7354) < 0.001)
        #expect(ThreeScene().evaluated(at: 1) == nil, "a scene without animations does not change")
    }
}
