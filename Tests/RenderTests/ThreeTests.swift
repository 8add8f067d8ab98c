import Compositor
import Foundation
import Render
import Testing
import Timeline
@testable import TemplateSchema

/// `three` clips drawn end to end (OSMesa's llvmpipe): silhouettes where the camera's projection
/// puts them, colours from the lighting formulas (three.js's, in linear light), shadows, materials,
/// animations, glTF models through assimp, and their errors.
@Suite struct ThreeTests {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../fixtures/models").standardized.path

    /// A 320 × 240 transparent canvas with one three clip covering it.
    static func scene(_ fields: String, assets: String = "") -> String {
        """
        { "meta": { "width": 320, "height": 240, "fps": 10, "background": "transparent" }, \(assets)
          "tracks": [ { "clips": [ { "type": "three", "start": 0, "duration": 2, \(fields) } ] } ] }
        """
    }

    /// sRGB → linear and back, as the shader does.
    static func linear(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
    static func encoded(_ c: Double) -> Int {
        let c = min(1, max(0, c))
        return Int(((c <= 0.0031308 ? c * 12.92 : 1.055 * pow(c, 1 / 2.4) - 0.055) * 255).rounded())
    }

    /// Where world point `p` lands on a width × height canvas seen by a camera at `eye` looking at
    /// `target` (y up) with a vertical field of view of `fov` degrees.
    static func project(_ p: SIMD3<Double>, eye: SIMD3<Double>, target: SIMD3<Double>, fov: Double = 50,
                        width: Double = 320, height: Double = 240) -> (x: Double, y: Double) {
        func normalize(_ v: SIMD3<Double>) -> SIMD3<Double> { v / (v * v).sum().squareRoot() }
        func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
            SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
        }
        let back = normalize(eye - target), right = normalize(cross([0, 1, 0], back)), up = cross(back, right)
        let d = p - eye
        let depth = -(d * back).sum()
        let f = 1 / tan(fov * .pi / 360)
        let ndcX = (d * right).sum() / depth * f / (width / height), ndcY = (d * up).sum() / depth * f
        return ((ndcX + 1) / 2 * width, (1 - ndcY) / 2 * height)
    }

    // MARK: silhouette and colour

    @Test func aCubeIsWhereTheCameraPutsItInItsExactColour() throws {
        let drawn = try frame(Self.scene(#"""
            "camera": { "position": [0, 0, 5], "fov": 50 },
            "objects": [ { "shape": "box", "material": { "type": "basic", "color": "#ff8000" } } ]
            """#))
        // The front face (z = 0.5, 4.5 from the camera) spans 0.5 / (4.5 · tan 25°) of the half
        // height: 28.59 px either side of the centre.
        let half = 0.5 / (4.5 * tan(25 * Double.pi / 180)) * 120
        #expect(abs(half - 28.59) < 0.01)
        let (left, right) = (160 - half, 160 + half)
        for y in [95, 120, 145] {
            #expect(drawn.pixel(x: Int(left.rounded(.up)), y: y) == SIMD4(255, 128, 0, 255), "inside, row \(y)")
            #expect(drawn.pixel(x: Int(right.rounded(.down)) - 1, y: y) == SIMD4(255, 128, 0, 255), "inside, row \(y)")
            #expect(drawn.pixel(x: Int(left.rounded(.down)) - 1, y: y).w == 0, "outside, row \(y)")
            #expect(drawn.pixel(x: Int(right.rounded(.up)), y: y).w == 0, "outside, row \(y)")
        }
        #expect(drawn.pixel(x: 160, y: Int((120 - half).rounded(.up))).w == 255 && drawn.pixel(x: 160, y: Int((120 - half).rounded(.down)) - 1).w == 0)
        // The edge pixel, 59 % covered, is partly opaque: multisampled, premultiplied.
        let edge = drawn.pixel(x: Int(left.rounded(.down)), y: 120)
        #expect(edge.w > 60 && edge.w < 220 && edge.x <= edge.w, "anti-aliased edge: \(edge)")
        #expect(drawn.pixel(x: 10, y: 10) == SIMD4(0, 0, 0, 0), "the clear alpha defaults to 0")
    }

    @Test func withoutAntialiasingEdgesAreHard() throws {
        let drawn = try frame(Self.scene(#""renderer": { "antialias": false }, "objects": [ { "shape": "box", "material": { "type": "basic" } } ]"#))
        let alphas = Set((0..<320).map { drawn.pixel(x: $0, y: 120).w })
        #expect(alphas == [0, 255], "\(alphas.sorted())")
    }

    @Test func theCameraTurnsByItsRotationUnlessItLooksAtAPoint() throws {
        // Turned 90° about y, the camera at the origin looks down −x.
        let box = #"{ "shape": "box", "position": [-5, 0, 0], "material": { "type": "basic" } }"#
        let turned = try frame(Self.scene(#""camera": { "position": [0, 0, 0], "rotation": [0, 90, 0] }, "objects": [ \#(box) ]"#))
        #expect(turned.pixel(x: 160, y: 120).w == 255)
        // lookAt wins over rotation.
        let looking = try frame(Self.scene(#""camera": { "position": [0, 0, 0], "rotation": [0, -90, 0], "lookAt": [-5, 0, 0] }, "objects": [ \#(box) ]"#))
        #expect(looking.pixel(x: 160, y: 120).w == 255)
        let away = try frame(Self.scene(#""camera": { "position": [0, 0, 0], "rotation": [0, -90, 0] }, "objects": [ \#(box) ]"#))
        #expect(away.pixel(x: 160, y: 120).w == 0)
    }

    @Test func aLambertFaceIsLitByTheFormula() throws {
        // A directional light straight at the front face: outgoing = colour · intensity · cos θ / π.
        for (intensity, angle) in [(Double.pi, 0.0), (2.0, 60.0)] {
            let position = "[\(sin(angle * .pi / 180)), 0, \(cos(angle * .pi / 180))]"
            let drawn = try frame(Self.scene("""
                "objects": [ { "shape": "box", "material": { "type": "lambert", "color": "#4080c0" } } ],
                "lights": [ { "type": "directional", "color": "#ffffff", "intensity": \(intensity), "position": \(position) } ]
                """))
            let factor = intensity * cos(angle * .pi / 180) / .pi
            let expected = [0x40, 0x80, 0xc0].map { Self.encoded(Self.linear(Double($0) / 255) * factor) }
            let pixel = drawn.pixel(x: 160, y: 120)
            #expect(zip([pixel.x, pixel.y, pixel.z], expected).allSatisfy { abs(Int($0) - $1) <= 2 } && pixel.w == 255,
                    "intensity \(intensity) at \(angle)°: \(pixel), expected \(expected)")
        }
    }

    @Test func ambientAndEmissiveAddUp() throws {
        let drawn = try frame(Self.scene(#"""
            "objects": [ { "shape": "sphere", "material": { "type": "standard", "color": "#808080", "emissive": "#200000" } } ],
            "lights": [ { "type": "ambient", "color": "#00ff00", "intensity": 3.14159265 } ]
            """#))
        // Ambient irradiance · colour / π + emissive: green from the light, red from the emissive.
        let pixel = drawn.pixel(x: 160, y: 120)
        let green = Self.encoded(Self.linear(128 / 255)), red = Self.encoded(Self.linear(32 / 255))
        #expect(abs(Int(pixel.y) - green) <= 2 && abs(Int(pixel.x) - red) <= 2 && pixel.z <= 2, "\(pixel) vs (\(red), \(green), 0)")
    }

    // MARK: shadows

    @Test func aBoxShadowsThePlaneUnderIt() throws {
        func render(shadows: Bool) throws -> Raster {
            try frame(Self.scene("""
                "renderer": { "shadows": \(shadows) },
                "camera": { "position": [0, 6, 6], "lookAt": [0, 0, 0] },
                "lights": [ { "type": "ambient", "intensity": 1 },
                            { "type": "directional", "intensity": 3, "position": [5, 10, 0], "castShadow": true } ],
                "objects": [
                  { "shape": "plane", "geometry": { "width": 8, "height": 8 }, "rotation": [-90, 0, 0],
                    "material": { "type": "lambert", "color": "#ffffff" }, "receiveShadow": true },
                  { "shape": "box", "position": [0, 1, 0], "material": { "type": "lambert", "color": "#ff0000" }, "castShadow": true }
                ]
                """))
        }
        let shadowed = try render(shadows: true), unshadowed = try render(shadows: false)
        // The light comes down from +x at 26.6°: the box (y 0.5 to 1.5) shades x from −1.25 to 0.25, |z| ≤ 0.5.
        let eye = SIMD3<Double>(0, 6, 6)
        func brightness(_ raster: Raster, _ p: SIMD3<Double>) -> Int {
            let at = Self.project(p, eye: eye, target: .zero)
            let pixel = raster.pixel(x: Int(at.x), y: Int(at.y))
            return Int(pixel.x) + Int(pixel.y) + Int(pixel.z)
        }
        let inShadow = SIMD3<Double>(-1, 0, 0), besideIt = SIMD3<Double>(-1, 0, 2), farSide = SIMD3<Double>(2, 0, 0)
        #expect(brightness(shadowed, inShadow) + 150 < brightness(shadowed, besideIt),
                "\(brightness(shadowed, inShadow)) in the shadow, \(brightness(shadowed, besideIt)) beside it")
        #expect(abs(brightness(shadowed, besideIt) - brightness(shadowed, farSide)) <= 6, "lit the same outside the shadow")
        #expect(abs(brightness(unshadowed, inShadow) - brightness(unshadowed, besideIt)) <= 6, "no shadow without renderer.shadows")
        // In the shadow only the ambient light is left: white · 1 / π.
        let ambientOnly = 3 * Self.encoded(1 / Double.pi)
        #expect(abs(brightness(shadowed, inShadow) - ambientOnly) <= 9)
    }

    @Test func spotAndPointLightsCastShadowsToo() throws {
        for light in [#"{ "type": "spot", "intensity": 120, "position": [0, 6, 0], "angle": 0.6, "penumbra": 0.2, "castShadow": true }"#,
                      #"{ "type": "point", "intensity": 120, "position": [0, 6, 0], "castShadow": true }"#] {
            let drawn = try frame(Self.scene("""
                "renderer": { "shadows": true },
                "camera": { "position": [0, 6, 6], "lookAt": [0, 0, 0] },
                "lights": [ \(light) ],
                "objects": [
                  { "shape": "plane", "geometry": { "width": 8, "height": 8 }, "rotation": [-90, 0, 0],
                    "material": { "type": "lambert" }, "receiveShadow": true },
                  { "shape": "box", "position": [0, 3, 0], "castShadow": true, "material": { "type": "basic", "color": "#00ff00" } }
                ]
                """))
            let eye = SIMD3<Double>(0, 6, 6)
            // Straight under the box (seen past it, at z = −0.3) against a point 1.5 off to the side.
            let under = Self.project([0.3, 0, -0.3], eye: eye, target: .zero), side = Self.project([1.5, 0, -0.3], eye: eye, target: .zero)
            let dark = drawn.pixel(x: Int(under.x), y: Int(under.y)), lit = drawn.pixel(x: Int(side.x), y: Int(side.y))
            #expect(Int(dark.x) + 60 < Int(lit.x), "\(light): \(dark) under the box, \(lit) beside it")
        }
    }

    // MARK: materials

    static func sphere(_ material: String, light: String = #"{ "type": "directional", "intensity": 10, "position": [0, 0, 1] }"#) throws -> Raster {
        try frame(scene(#""objects": [ { "shape": "sphere", "geometry": { "widthSegments": 64, "heightSegments": 32 }, "material": \#(material) } ], "lights": [ \#(light) ]"#))
    }

    @Test func phongHasASpecularHighlightLambertHasNot() throws {
        let phong = try Self.sphere(##"{ "type": "phong", "color": "#404040" }"##)
        let lambert = try Self.sphere(##"{ "type": "lambert", "color": "#404040" }"##)
        // Light and eye on the z axis: the highlight is at the sphere's centre, where N·H = 1 and
        // Blinn-Phong adds F₀ (#111111, 0.0056) · ¼ · (30 / 2 + 1) / π ≈ 0.0071 of the irradiance.
        let diffuse = 10 / Double.pi * Self.linear(64 / 255)
        #expect(abs(Int(lambert.pixel(x: 160, y: 120).x) - Self.encoded(diffuse)) <= 2)
        #expect(abs(Int(phong.pixel(x: 160, y: 120).x) - Self.encoded(diffuse + 10 * 0.0056054 * 0.25 * 16 / .pi)) <= 3,
                "\(phong.pixel(x: 160, y: 120))")
        #expect(Int(phong.pixel(x: 160, y: 120).x) > Int(lambert.pixel(x: 160, y: 120).x) + 15)
        // Away from the highlight both are the same diffuse.
        #expect(abs(Int(phong.pixel(x: 160 + 22, y: 120).x) - Int(lambert.pixel(x: 160 + 22, y: 120).x)) <= 3)
    }

    @Test func theOtherMaterials() throws {
        // normal: the view-space normal as colour, (0, 0, 1) → (128, 128, 255) at the centre.
        let normal = try Self.sphere(#"{ "type": "normal" }"#).pixel(x: 160, y: 120)
        #expect(abs(Int(normal.x) - 128) <= 2 && abs(Int(normal.y) - 128) <= 2 && normal.z >= 253, "\(normal)")
        // basic ignores light; toon has two tones (0.7 and 1 of the light), not a gradient.
        let basic = try Self.sphere(##"{ "type": "basic", "color": "#336699" }"##)
        #expect(basic.pixel(x: 160, y: 120) == SIMD4(0x33, 0x66, 0x99, 255) && basic.pixel(x: 180, y: 100) == SIMD4(0x33, 0x66, 0x99, 255))
        // Lit from +x: where N·L > 0.4 (the right third) the full tone, elsewhere, even facing
        // away from the light, 0.7 of it.
        let toon = try Self.sphere(##"{ "type": "toon", "color": "#808080" }"##, light: #"{ "type": "directional", "intensity": 3, "position": [1, 0, 0] }"#)
        let c = Self.linear(128 / 255) * 3 / .pi
        let bright = Int(toon.pixel(x: 160 + 40, y: 120).x), dim = Int(toon.pixel(x: 160, y: 120).x), back = Int(toon.pixel(x: 160 - 40, y: 120).x)
        #expect(abs(bright - Self.encoded(c)) <= 2 && abs(dim - Self.encoded(0.7 * c)) <= 2 && dim == back, "toon: \(bright), \(dim), \(back)")
        // standard: a smooth metal shows a tight highlight, a rough dielectric none.
        let light = #"{ "type": "directional", "intensity": 3, "position": [0, 0, 1] }"#
        let metal = try Self.sphere(##"{ "type": "standard", "color": "#808080", "metalness": 1, "roughness": 0.2 }"##, light: light)
        let rough = try Self.sphere(##"{ "type": "standard", "color": "#808080", "metalness": 0, "roughness": 1 }"##, light: light)
        #expect(metal.pixel(x: 160, y: 120).x > 250 && metal.pixel(x: 180, y: 120).x < 60, "metal \(metal.pixel(x: 160, y: 120)) \(metal.pixel(x: 180, y: 120))")
        #expect(abs(Int(rough.pixel(x: 160, y: 120).x) - Int(rough.pixel(x: 162, y: 120).x)) <= 2)
    }

    @Test func flatShadingWireframeAndSides() throws {
        let light = #""lights": [ { "type": "directional", "intensity": 3, "position": [1, 1, 1] } ]"#
        let smooth = try frame(Self.scene(#""objects": [ { "shape": "icosahedron", "geometry": { "detail": 3 }, "material": { "type": "lambert" } } ], \#(light)"#))
        let flat = try frame(Self.scene(#""objects": [ { "shape": "icosahedron", "geometry": { "detail": 3 }, "material": { "type": "lambert", "flatShading": true } } ], \#(light)"#))
        func distinct(_ raster: Raster) -> Int { Set((140..<180).map { raster.pixel(x: $0, y: 120).x }).count }
        #expect(distinct(flat) < distinct(smooth), "flat faces repeat colours: \(distinct(flat)) against \(distinct(smooth))")
        // A wireframe box: its outline drawn, its faces empty.
        let wire = try frame(Self.scene(#""objects": [ { "shape": "box", "material": { "type": "basic", "wireframe": true } } ]"#))
        #expect(wire.pixel(x: 150, y: 110).w == 0 && (128..<136).contains { wire.pixel(x: $0, y: 110).w > 0 })
        // A plane seen from behind: invisible on its front side only, grey on both.
        for (side, seen) in [("front", false), ("back", true), ("double", true)] {
            let drawn = try frame(Self.scene(#""objects": [ { "shape": "plane", "rotation": [0, 180, 0], "material": { "type": "basic", "side": "\#(side)" } } ]"#))
            #expect((drawn.pixel(x: 160, y: 120).w == 255) == seen, "side \(side)")
        }
    }

    @Test func transparentMaterialsBlendFarthestFirst() throws {
        let drawn = try frame(Self.scene(#"""
            "objects": [
              { "shape": "box", "position": [0.3, 0, 1], "material": { "type": "basic", "color": "#ff0000", "opacity": 0.5 } },
              { "shape": "box", "position": [-0.3, 0, -1], "material": { "type": "basic", "color": "#0000ff", "opacity": 0.5 } }
            ]
            """#))
        // Where they overlap, red (nearer) over blue over nothing: premultiplied (128+, 0, 64, 191).
        let both = drawn.pixel(x: 160, y: 120)
        #expect(abs(Int(both.x) - 128) <= 2 && abs(Int(both.z) - 64) <= 2 && abs(Int(both.w) - 191) <= 2, "\(both)")
        let redOnly = drawn.pixel(x: 200, y: 120)
        #expect(abs(Int(redOnly.x) - 128) <= 2 && redOnly.z == 0 && abs(Int(redOnly.w) - 128) <= 2, "\(redOnly)")
        // An opaque clear colour (alpha: false) under everything.
        let opaque = try frame(Self.scene(##""renderer": { "alpha": false, "clearColor": "#204060" }, "objects": []"##))
        #expect(opaque.pixel(x: 5, y: 5) == SIMD4(0x20, 0x40, 0x60, 255))
    }

    // MARK: animation

    @Test func objectAndCameraAnimationsMoveTheScene() throws {
        let json = Self.scene(#"""
            "objects": [ { "shape": "box", "material": { "type": "basic" },
                           "animations": [ { "property": "rotation.y", "from": 0, "to": 90, "duration": 1 },
                                           { "property": "position.x", "to": 1.5, "duration": 1, "delay": 1, "easing": "easeOutCubic" } ] } ],
            "cameraAnimations": [ { "property": "position.z", "to": 9.5, "duration": 0.5, "delay": 1.5 } ]
            """#)
        let renderer = try Renderer(timeline: timeline(json))
        func opaque(_ raster: Raster, _ x: Int) -> Bool { raster.pixel(x: x, y: 120).w == 255 }
        let start = try renderer.frame(at: 0), turned = try renderer.frame(at: 0.5), moved = try renderer.frame(at: 1.5)
        let away = try renderer.frame(at: 1.99)
        // At 45° the box shows two faces: its silhouette reaches √2 further than the square's 28.6 px.
        #expect(!opaque(start, 160 + 32) && opaque(turned, 160 + 32))
        // At 1.5 s the box has moved most of the way to x = 1.5 (easeOutCubic: 0.875 → 1.31).
        let centre = Self.project([1.3125, 0, 0], eye: [0, 0, 5], target: .zero)
        #expect(opaque(moved, Int(centre.x)) && !opaque(moved, 140), "moved right")
        // The camera backs off to z ≈ 9.5: the box at x = 1.5 is half as far from the centre.
        let far = Self.project([1.5, 0, 0], eye: [0, 0, 9.48], target: [0, 0, 0])
        #expect(opaque(away, Int(far.x)) && !opaque(away, Int(Self.project([2, 0, 0], eye: [0, 0, 5], target: .zero).x)))
    }

    // MARK: models

    @Test func aGLBModelRendersWithItsBaseColour() throws {
        let cube = Self.models + "/cube.glb"
        // The cube's node moves it 2 to the right; its material is orange (linear 1, 0.5, 0).
        let orange = SIMD4<UInt8>(255, UInt8(Self.encoded(0.5)), 0, 255)
        let asAuthored = try frame(Self.scene(#""objects": [ { "model": "\#(cube)", "material": { "type": "basic" } } ]"#))
        let right = Self.project([2, 0, 0.5], eye: [0, 0, 5], target: [0, 0, 0])
        #expect(asAuthored.pixel(x: Int(right.x), y: 120) == orange && asAuthored.pixel(x: 160, y: 120).w == 0)
        let centred = try frame(Self.scene(#""objects": [ { "model": { "$ref": "cube" }, "autoCenter": true, "autoScale": 2, "material": { "type": "basic" } } ]"#,
                                           assets: #""assets": { "models": [ { "id": "cube", "src": "\#(cube)" } ] },"#))
        #expect(centred.pixel(x: 160, y: 120) == orange)
        // autoScale 2: the front face at z = 1 spans 1 / (4 tan 25°) of the half height, 64.3 px.
        #expect(centred.pixel(x: 160 + 63, y: 120) == orange && centred.pixel(x: 160 + 66, y: 120).w == 0)
        // Lit by default as glTF's metal-rough material (standard).
        let lit = try frame(Self.scene(#""objects": [ { "model": "\#(cube)", "autoCenter": true } ], "lights": [ { "type": "directional", "intensity": 3, "position": [0, 0, 1] } ]"#))
        // Facing the light (and the eye, which sees its highlight): diffuse 3 · colour / π plus
        // GGX at roughness 1, F₀ 0.04: D = 1 / π, visibility ¼, so 3 · 0.04 · ¼ / π.
        let shade = lit.pixel(x: 160, y: 120)
        let specular = 3 * 0.04 * 0.25 / Double.pi
        let expected = [1, 0.5, 0].map { Self.encoded(3 / .pi * $0 + specular) }
        #expect(zip([shade.x, shade.y, shade.z], expected).allSatisfy { abs(Int($0) - $1) <= 3 }, "\(shade), expected \(expected)")
    }

    @Test func anEmbeddedPNGTextureIsItsBaseColour() throws {
        let drawn = try frame(Self.scene(#""objects": [ { "model": "\#(Self.models)/textured-quad.glb", "material": { "type": "basic" } } ]"#))
        // The 2 × 1 quad's left half samples the red texel, its right half the blue one.
        let left = Self.project([-0.8, 0, 0], eye: [0, 0, 5], target: .zero), right = Self.project([0.8, 0, 0], eye: [0, 0, 5], target: .zero)
        #expect(drawn.pixel(x: Int(left.x), y: 120) == SIMD4(255, 0, 0, 255), "\(drawn.pixel(x: Int(left.x), y: 120))")
        #expect(drawn.pixel(x: Int(right.x), y: 120) == SIMD4(0, 0, 255, 255), "\(drawn.pixel(x: Int(right.x), y: 120))")
    }

    @Test func aTruncatedOrForeignModelFailsNamingTheClip() throws {
        let folder = TemporaryFolder()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.models + "/cube.glb"))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: folder.file("half.glb")))
        try Data("solid cube\nendsolid\n".utf8).write(to: URL(fileURLWithPath: folder.file("cube.stl")))
        for (name, reason) in [("half.glb", "could not be read"), ("cube.stl", "not a glTF 2.0 model"), ("missing.glb", "cannot read the file")] {
            #expect {
                _ = try frame(Self.scene(#""objects": [ { "shape": "box" }, { "model": "\#(folder.file(name))" } ]"#))
            } throws: { error in
                let text = "\(error)"
                return text.contains("tracks[0].clips[0]: objects[1].model (\(folder.file(name)))") && text.contains(reason)
            }
        }
    }

    // MARK: threads

    @Test func scenesDrawnOnManyThreadsAtOnceAreTheSame() throws {
        let documents = (0..<4).map { index in
            Self.scene(#"""
                "renderer": { "shadows": true },
                "lights": [ { "type": "directional", "intensity": 3, "position": [1, 2, 3], "castShadow": true } ],
                "objects": [ { "shape": "torus", "rotation": [\#(index * 20), 30, 0], "castShadow": true, "receiveShadow": true,
                               "material": { "type": "phong", "color": "#3399ff" } } ]
                """#)
        }
        let alone = try documents.map { try frame($0) }
        let together = Together(count: documents.count)
        DispatchQueue.concurrentPerform(iterations: documents.count * 2) { index in
            together.store(Result { try frame(documents[index % documents.count]) }, at: index % documents.count)
        }
        for (index, expected) in alone.enumerated() {
            let drawn = try #require(together.result(at: index)).get()
            #expect(drawn.width == expected.width && memcmp(drawn.pixels, expected.pixels, drawn.byteCount) == 0, "scene \(index)")
        }
        #expect(alone[0].pixel(x: 160, y: 120) != alone[1].pixel(x: 160, y: 120) || alone[0].pixel(x: 200, y: 100) != alone[1].pixel(x: 200, y: 100))
    }

    final class Together: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Result<Raster, any Error>?]
        init(count: Int) { results = Array(repeating: nil, count: count) }
        func store(_ result: Result<Raster, any Error>, at index: Int) { lock.withLock { results[index] = result } }
        func result(at index: Int) -> Result<Raster, any Error>? { lock.withLock { results[index] } }
    }
}
