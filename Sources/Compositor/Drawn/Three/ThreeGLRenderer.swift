internal import COSMesa
import Foundation
import Timeline

/// Draws a `ThreeFrame` with OpenGL into a premultiplied raster: shadow maps first (a depth
/// layer per directional or spot light, a cube of distances per point light), then the scene in
/// tiles of at most `tileSide` pixels, each multisampled (4×) when the scene is antialiased,
/// opaque meshes first and transparent ones after, farthest first, blended in premultiplied alpha.
enum ThreeGLRenderer {
    static let tileSide = 1024
    static let samples: GLsizei = 4

    /// The pixels `area` of the scene drawn `width` × `height` pixels large (rows from the top).
    static func render(_ frame: ThreeFrame, width: Int, height: Int, area: PixelRect) throws -> Raster {
        let context: GLContext
        switch GLContext.shared {
        case .success(let shared): context = shared
        case .failure(let error): throw error
        }
        return try context.run { gl in
            if gl.programs == nil { gl.programs = try ThreePrograms() }
            guard let programs = gl.programs else { throw ThreeRenderError("no shaders") }
            let drawing = Drawing(frame: frame, programs: programs, cache: gl)
            try drawing.drawShadows()
            let raster = Raster(width: area.width, height: area.height)
            var y = area.y0
            while y < area.y1 {
                var x = area.x0
                let tileHeight = min(tileSide, area.y1 - y)
                while x < area.x1 {
                    let tile = PixelRect(x0: x, y0: y, x1: x + min(tileSide, area.x1 - x), y1: y + tileHeight)
                    try drawing.draw(tile: tile, width: width, height: height, into: raster, origin: (area.x0, area.y0))
                    x = tile.x1
                }
                y += tileHeight
            }
            return raster
        }
    }

    /// One frame's GL objects, deleted when it goes (inside `GLContext.run`).
    private final class Drawing {
        let frame: ThreeFrame
        let programs: ThreePrograms
        let cache: GLContext
        /// Depth layers of the directional and spot lights' shadows (a 1×1 placeholder when none).
        private var shadowArray: GLuint = 0
        /// Distance cubes of the point lights' shadows (placeholders when none).
        private var shadowCubes: [GLuint] = [0, 0]
        private var framebuffers: [GLuint] = []
        private var renderbuffers: [GLuint] = []
        /// Each light's index into the shader's shadows: a layer, 100 + a cube, or −1.
        private var shadowSlots: [Int32] = []
        private var shadowMatrices: [Matrix4] = []
        private var shadowOffsets: [Double] = []
        private var cubeFar: [Double] = [1, 1]
        private var cubeOffsets: [Double] = [0, 0]

        init(frame: ThreeFrame, programs: ThreePrograms, cache: GLContext) {
            self.frame = frame
            self.programs = programs
            self.cache = cache
        }

        deinit {
            var textures = [shadowArray] + shadowCubes
            glDeleteTextures(GLsizei(textures.count), &textures)
            glDeleteFramebuffers(GLsizei(framebuffers.count), framebuffers)
            glDeleteRenderbuffers(GLsizei(renderbuffers.count), renderbuffers)
        }

        private func makeFramebuffer() -> GLuint {
            var framebuffer: GLuint = 0
            glGenFramebuffers(1, &framebuffer)
            framebuffers.append(framebuffer)
            glBindFramebuffer(GLenum(GL_FRAMEBUFFER), framebuffer)
            return framebuffer
        }

        private func makeRenderbuffer(format: GLenum, samples: GLsizei, width: Int, height: Int) -> GLuint {
            var renderbuffer: GLuint = 0
            glGenRenderbuffers(1, &renderbuffer)
            renderbuffers.append(renderbuffer)
            glBindRenderbuffer(GLenum(GL_RENDERBUFFER), renderbuffer)
            if samples > 0 {
                glRenderbufferStorageMultisample(GLenum(GL_RENDERBUFFER), samples, format, GLsizei(width), GLsizei(height))
            } else {
                glRenderbufferStorage(GLenum(GL_RENDERBUFFER), format, GLsizei(width), GLsizei(height))
            }
            return renderbuffer
        }

        private func checkFramebuffer(_ what: String) throws {
            let status = glCheckFramebufferStatus(GLenum(GL_FRAMEBUFFER))
            guard status == GLenum(GL_FRAMEBUFFER_COMPLETE) else {
                throw ThreeRenderError("the \(what) framebuffer is incomplete (status 0x\(String(status, radix: 16)))")
            }
        }

        // MARK: shadows

        func drawShadows() throws {
            let planarCount = frame.lights.filter { if case .planar? = $0.shadow { true } else { false } }.count
            let size = planarCount > 0 ? ThreeFrame.shadowMapSize : 1
            glGenTextures(1, &shadowArray)
            glBindTexture(GLenum(GL_TEXTURE_2D_ARRAY), shadowArray)
            glTexImage3D(GLenum(GL_TEXTURE_2D_ARRAY), 0, GL_DEPTH_COMPONENT32F, GLsizei(size), GLsizei(size), GLsizei(max(1, planarCount)),
                         0, GLenum(GL_DEPTH_COMPONENT), GLenum(GL_FLOAT), nil)
            glTexParameteri(GLenum(GL_TEXTURE_2D_ARRAY), GLenum(GL_TEXTURE_MIN_FILTER), GL_LINEAR)
            glTexParameteri(GLenum(GL_TEXTURE_2D_ARRAY), GLenum(GL_TEXTURE_MAG_FILTER), GL_LINEAR)
            glTexParameteri(GLenum(GL_TEXTURE_2D_ARRAY), GLenum(GL_TEXTURE_WRAP_S), GL_CLAMP_TO_EDGE)
            glTexParameteri(GLenum(GL_TEXTURE_2D_ARRAY), GLenum(GL_TEXTURE_WRAP_T), GL_CLAMP_TO_EDGE)
            glTexParameteri(GLenum(GL_TEXTURE_2D_ARRAY), GLenum(GL_TEXTURE_COMPARE_MODE), GL_COMPARE_REF_TO_TEXTURE)
            glTexParameteri(GLenum(GL_TEXTURE_2D_ARRAY), GLenum(GL_TEXTURE_COMPARE_FUNC), GL_LEQUAL)
            for index in 0..<2 {
                glGenTextures(1, &shadowCubes[index])
                glBindTexture(GLenum(GL_TEXTURE_CUBE_MAP), shadowCubes[index])
                glTexParameteri(GLenum(GL_TEXTURE_CUBE_MAP), GLenum(GL_TEXTURE_MIN_FILTER), GL_NEAREST)
                glTexParameteri(GLenum(GL_TEXTURE_CUBE_MAP), GLenum(GL_TEXTURE_MAG_FILTER), GL_NEAREST)
                for wrap in [GL_TEXTURE_WRAP_S, GL_TEXTURE_WRAP_T, GL_TEXTURE_WRAP_R] {
                    glTexParameteri(GLenum(GL_TEXTURE_CUBE_MAP), GLenum(wrap), GL_CLAMP_TO_EDGE)
                }
            }
            var layer: Int32 = 0, cube = 0
            let casters = frame.items.filter(\.castShadow)
            let depth = programs.depth
            glUseProgram(depth.id)
            glEnable(GLenum(GL_DEPTH_TEST))
            glDepthFunc(GLenum(GL_LESS))
            glDisable(GLenum(GL_BLEND))
            for light in frame.lights {
                switch light.shadow {
                case .planar(let matrix, let texel)?:
                    _ = makeFramebuffer()
                    glFramebufferTextureLayer(GLenum(GL_FRAMEBUFFER), GLenum(GL_DEPTH_ATTACHMENT), shadowArray, 0, layer)
                    glDrawBuffer(GLenum(GL_NONE))
                    glReadBuffer(GLenum(GL_NONE))
                    try checkFramebuffer("shadow")
                    glViewport(0, 0, GLsizei(size), GLsizei(size))
                    glClear(GLbitfield(GL_DEPTH_BUFFER_BIT))
                    depth.set("uDistance", false)
                    drawDepth(casters, viewProjection: matrix)
                    shadowSlots.append(layer)
                    shadowMatrices.append(matrix)
                    shadowOffsets.append(texel * 1.5)
                    layer += 1
                case .cube(let far)?:
                    try drawCube(index: cube, light: light, far: far, casters: casters)
                    shadowSlots.append(Int32(100 + cube))
                    cube += 1
                case nil:
                    shadowSlots.append(-1)
                }
            }
            for index in cube..<2 {
                // A 1×1 cube, so that the sampler has a complete texture.
                glBindTexture(GLenum(GL_TEXTURE_CUBE_MAP), shadowCubes[index])
                var one: Float = 1
                for face in 0..<6 {
                    glTexImage2D(GLenum(GL_TEXTURE_CUBE_MAP_POSITIVE_X + Int32(face)), 0, GL_R32F, 1, 1, 0, GLenum(GL_RED), GLenum(GL_FLOAT), &one)
                }
            }
            while shadowMatrices.count < ThreeShaders.maximumShadowMaps {
                shadowMatrices.append(.identity)
                shadowOffsets.append(0)
            }
            try checkErrors("drawing shadows")
        }

        private func drawCube(index: Int, light: ThreeFrame.Light, far: Double, casters: [ThreeFrame.Item]) throws {
            let size = ThreeFrame.pointShadowSize
            glBindTexture(GLenum(GL_TEXTURE_CUBE_MAP), shadowCubes[index])
            for face in 0..<6 {
                glTexImage2D(GLenum(GL_TEXTURE_CUBE_MAP_POSITIVE_X + Int32(face)), 0, GL_R32F, GLsizei(size), GLsizei(size), 0,
                             GLenum(GL_RED), GLenum(GL_FLOAT), nil)
            }
            _ = makeFramebuffer()
            let depthBuffer = makeRenderbuffer(format: GLenum(GL_DEPTH_COMPONENT24), samples: 0, width: size, height: size)
            glFramebufferRenderbuffer(GLenum(GL_FRAMEBUFFER), GLenum(GL_DEPTH_ATTACHMENT), GLenum(GL_RENDERBUFFER), depthBuffer)
            let near = min(0.05, far / 100)
            let projection = Matrix4.perspective(fov: 90, aspect: 1, near: near, far: far)
            // OpenGL's cube faces: +x, −x, +y, −y, +z, −z, each with its own up.
            let faces: [(SIMD3<Double>, SIMD3<Double>)] = [([1, 0, 0], [0, -1, 0]), ([-1, 0, 0], [0, -1, 0]), ([0, 1, 0], [0, 0, 1]),
                                                           ([0, -1, 0], [0, 0, -1]), ([0, 0, 1], [0, -1, 0]), ([0, 0, -1], [0, -1, 0])]
            let depth = programs.depth
            depth.set("uDistance", true)
            depth.set("uLightPosition", light.position)
            depth.set("uFar", far)
            glViewport(0, 0, GLsizei(size), GLsizei(size))
            for (face, (direction, up)) in faces.enumerated() {
                glFramebufferTexture2D(GLenum(GL_FRAMEBUFFER), GLenum(GL_COLOR_ATTACHMENT0),
                                       GLenum(GL_TEXTURE_CUBE_MAP_POSITIVE_X + Int32(face)), shadowCubes[index], 0)
                glDrawBuffer(GLenum(GL_COLOR_ATTACHMENT0))
                try checkFramebuffer("point shadow")
                glClearColor(1, 1, 1, 1)
                glClear(GLbitfield(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT))
                let rotation = Matrix4.lookAtRotation(eye: light.position, target: light.position + direction, up: up)
                let view = (Matrix4.translation(light.position) * rotation).rigidInverse
                drawDepth(casters, viewProjection: projection * view)
            }
            cubeFar[index] = far
            cubeOffsets[index] = 2 * far / Double(size) * 1.5
        }

        private func drawDepth(_ casters: [ThreeFrame.Item], viewProjection: Matrix4) {
            let depth = programs.depth
            depth.set("uViewProjection", viewProjection)
            for item in casters {
                depth.set("uModel", item.model)
                // As three.js: a one-sided mesh writes its far side into the shadow map, so its
                // lit side does not shadow itself.
                applySide(item.material.side == .front ? .back : item.material.side == .back ? .front : .double, mirrored: item.mirrored)
                cache.meshBuffers.buffers(for: item.mesh).draw()
            }
            glDisable(GLenum(GL_CULL_FACE))
        }

        private func applySide(_ side: ThreeScene.Side, mirrored: Bool) {
            glFrontFace(GLenum(mirrored ? GL_CW : GL_CCW))
            switch side {
            case .front:
                glEnable(GLenum(GL_CULL_FACE))
                glCullFace(GLenum(GL_BACK))
            case .back:
                glEnable(GLenum(GL_CULL_FACE))
                glCullFace(GLenum(GL_FRONT))
            case .double:
                glDisable(GLenum(GL_CULL_FACE))
            }
        }

        // MARK: the scene

        func draw(tile: PixelRect, width: Int, height: Int, into raster: Raster, origin: (x: Int, y: Int)) throws {
            let (w, h) = (tile.width, tile.height)
            var maximumSamples: GLint = 0
            glGetIntegerv(GLenum(GL_MAX_SAMPLES), &maximumSamples)
            let samples = frame.renderer.antialias ? min(ThreeGLRenderer.samples, GLsizei(maximumSamples)) : 0
            let resolved = makeFramebuffer()
            let resolvedColor = makeRenderbuffer(format: GLenum(GL_RGBA8), samples: 0, width: w, height: h)
            glFramebufferRenderbuffer(GLenum(GL_FRAMEBUFFER), GLenum(GL_COLOR_ATTACHMENT0), GLenum(GL_RENDERBUFFER), resolvedColor)
            var target = resolved
            if samples > 0 {
                target = makeFramebuffer()
                let color = makeRenderbuffer(format: GLenum(GL_RGBA8), samples: samples, width: w, height: h)
                glFramebufferRenderbuffer(GLenum(GL_FRAMEBUFFER), GLenum(GL_COLOR_ATTACHMENT0), GLenum(GL_RENDERBUFFER), color)
            }
            let depthBuffer = makeRenderbuffer(format: GLenum(GL_DEPTH_COMPONENT24), samples: samples, width: w, height: h)
            glFramebufferRenderbuffer(GLenum(GL_FRAMEBUFFER), GLenum(GL_DEPTH_ATTACHMENT), GLenum(GL_RENDERBUFFER), depthBuffer)
            glDrawBuffer(GLenum(GL_COLOR_ATTACHMENT0))
            try checkFramebuffer("scene")
            glViewport(0, 0, GLsizei(w), GLsizei(h))
            let clear = frame.renderer.clearColor
            let alpha = frame.renderer.opaque ? 1 : clear.alpha
            // Premultiplied, in sRGB as given (three.js shows the clear colour as written).
            glClearColor(Float(clear.red * alpha), Float(clear.green * alpha), Float(clear.blue * alpha), Float(alpha))
            glClearDepth(1)
            glClear(GLbitfield(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT))

            drawScene(viewProjection: crop(tile, width: width, height: height) * frame.projection * frame.view)

            if samples > 0 {
                glBindFramebuffer(GLenum(GL_READ_FRAMEBUFFER), target)
                glBindFramebuffer(GLenum(GL_DRAW_FRAMEBUFFER), resolved)
                glBlitFramebuffer(0, 0, GLint(w), GLint(h), 0, 0, GLint(w), GLint(h), GLbitfield(GL_COLOR_BUFFER_BIT), GLenum(GL_NEAREST))
            }
            glBindFramebuffer(GLenum(GL_READ_FRAMEBUFFER), resolved)
            glReadBuffer(GLenum(GL_COLOR_ATTACHMENT0))
            var pixels = [UInt8](repeating: 0, count: w * h * 4)
            glPixelStorei(GLenum(GL_PACK_ALIGNMENT), 1)
            glReadPixels(0, 0, GLsizei(w), GLsizei(h), GLenum(GL_RGBA), GLenum(GL_UNSIGNED_BYTE), &pixels)
            try checkErrors("drawing the scene")
            let opaque = frame.renderer.opaque
            for row in 0..<h {
                // OpenGL's rows run from the bottom.
                let source = (h - 1 - row) * w * 4
                let out = raster.pixels + (tile.y0 - origin.y + row) * raster.bytesPerRow + (tile.x0 - origin.x) * 4
                for x in 0..<w {
                    let a = opaque ? 255 : pixels[source + x * 4 + 3]
                    out[x * 4] = min(pixels[source + x * 4], a)
                    out[x * 4 + 1] = min(pixels[source + x * 4 + 1], a)
                    out[x * 4 + 2] = min(pixels[source + x * 4 + 2], a)
                    out[x * 4 + 3] = a
                }
            }
        }

        /// Maps the part `tile` of the whole width × height picture to the whole viewport.
        private func crop(_ tile: PixelRect, width: Int, height: Int) -> Matrix4 {
            let left = 2 * Double(tile.x0) / Double(width) - 1, right = 2 * Double(tile.x1) / Double(width) - 1
            let top = 1 - 2 * Double(tile.y0) / Double(height), bottom = 1 - 2 * Double(tile.y1) / Double(height)
            return Matrix4([2 / (right - left), 0, 0, 0, 0, 2 / (top - bottom), 0, 0, 0, 0, 1, 0,
                            -(right + left) / (right - left), -(top + bottom) / (top - bottom), 0, 1])
        }

        private func drawScene(viewProjection: Matrix4) {
            let shading = programs.shading
            glUseProgram(shading.id)
            shading.set("uViewProjection", viewProjection)
            shading.set("uCameraPosition", frame.cameraPosition)
            let v = frame.view
            shading.set("uViewRotation", matrix3: [v[0, 0], v[1, 0], v[2, 0], v[0, 1], v[1, 1], v[2, 1], v[0, 2], v[1, 2], v[2, 2]])
            shading.set("uAmbient", frame.ambient)
            let lights = Array(frame.lights.prefix(ThreeShaders.maximumLights))
            let count = ThreeShaders.maximumLights
            func padded<T>(_ values: [T], _ zero: T) -> [T] { values + [T](repeating: zero, count: count - values.count) }
            shading.set("uLightCount", Int32(lights.count))
            shading.set("uLightType", ints: padded(lights.map { light -> Int32 in
                switch light.kind {
                case .ambient: 0
                case .directional: 1
                case .point: 2
                case .spot: 3
                }
            }, 0))
            shading.set("uLightColor", vectors: padded(lights.map(\.color), .zero))
            shading.set("uLightPosition", vectors: padded(lights.map(\.position), .zero))
            shading.set("uLightDirection", vectors: padded(lights.map(\.direction), .zero))
            shading.set("uLightDistance", floats: padded(lights.map(\.distance), 0))
            shading.set("uLightDecay", floats: padded(lights.map(\.decay), 0))
            shading.set("uLightConeCos", floats: padded(lights.map(\.coneCos), 0))
            shading.set("uLightPenumbraCos", floats: padded(lights.map(\.penumbraCos), 0))
            shading.set("uLightShadow", ints: padded(Array(shadowSlots.prefix(count)), -1))
            shading.set("uShadowMatrix", matrices: shadowMatrices)
            shading.set("uShadowOffset", floats: shadowOffsets)
            shading.set("uPointShadowFar", floats: cubeFar)
            shading.set("uPointShadowOffset", floats: cubeOffsets)
            shading.set("uTexture", Int32(0))
            shading.set("uShadowMaps", Int32(1))
            shading.set("uPointShadow0", Int32(2))
            shading.set("uPointShadow1", Int32(3))
            glActiveTexture(GLenum(GL_TEXTURE1))
            glBindTexture(GLenum(GL_TEXTURE_2D_ARRAY), shadowArray)
            glActiveTexture(GLenum(GL_TEXTURE2))
            glBindTexture(GLenum(GL_TEXTURE_CUBE_MAP), shadowCubes[0])
            glActiveTexture(GLenum(GL_TEXTURE3))
            glBindTexture(GLenum(GL_TEXTURE_CUBE_MAP), shadowCubes[1])
            glActiveTexture(GLenum(GL_TEXTURE0))

            glEnable(GLenum(GL_DEPTH_TEST))
            glDepthFunc(GLenum(GL_LEQUAL))
            glDepthMask(GLboolean(GL_TRUE))
            glDisable(GLenum(GL_BLEND))
            let opaque = frame.items.filter { !$0.material.transparent }
            for item in opaque { drawItem(item) }
            // Transparent meshes farthest first (three.js sorts by the depth of their bounds' centre).
            let transparent = frame.items.enumerated().filter { $0.element.material.transparent }.map { index, item in
                (index: index, item: item, depth: viewProjection.transformPoint(item.centre).z)
            }.sorted { $0.depth != $1.depth ? $0.depth > $1.depth : $0.index < $1.index }
            glEnable(GLenum(GL_BLEND))
            glBlendFunc(GLenum(GL_ONE), GLenum(GL_ONE_MINUS_SRC_ALPHA))
            for entry in transparent { drawItem(entry.item) }
            glDisable(GLenum(GL_BLEND))
            glDisable(GLenum(GL_CULL_FACE))
        }

        private func drawItem(_ item: ThreeFrame.Item) {
            let shading = programs.shading
            let material = item.material
            let kind: Int32 = switch material.kind {
            case .normal: 0
            case .basic: 1
            case .standard: 2
            case .phong: 3
            case .lambert: 4
            case .toon: 5
            }
            shading.set("uMaterial", kind)
            shading.set("uColor", material.color)
            shading.set("uOpacity", material.opacity)
            shading.set("uTransparent", material.transparent)
            shading.set("uEmissive", material.emissive)
            shading.set("uRoughness", material.roughness)
            shading.set("uMetalness", material.metalness)
            shading.set("uSide", Int32(material.side == .front ? 0 : material.side == .back ? 1 : 2))
            shading.set("uFlat", material.flatShading)
            shading.set("uReceiveShadow", item.receiveShadow)
            shading.set("uModel", item.model)
            shading.set("uNormalMatrix", matrix3: item.normalMatrix)
            if let image = material.texture {
                glActiveTexture(GLenum(GL_TEXTURE0))
                glBindTexture(GLenum(GL_TEXTURE_2D), cache.meshBuffers.texture(for: image).id)
                let sampler = material.sampler
                glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MAG_FILTER), sampler.magFilter)
                glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MIN_FILTER), sampler.minFilter)
                glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_S), sampler.wrapS)
                glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_T), sampler.wrapT)
                shading.set("uHasTexture", true)
            } else {
                shading.set("uHasTexture", false)
            }
            applySide(material.side, mirrored: item.mirrored)
            glPolygonMode(GLenum(GL_FRONT_AND_BACK), GLenum(material.wireframe ? GL_LINE : GL_FILL))
            cache.meshBuffers.buffers(for: item.mesh).draw()
            glPolygonMode(GLenum(GL_FRONT_AND_BACK), GLenum(GL_FILL))
        }

        private func checkErrors(_ what: String) throws {
            let error = glGetError()
            guard error == GLenum(GL_NO_ERROR) else {
                throw ThreeRenderError("OpenGL error 0x\(String(error, radix: 16)) while \(what)")
            }
        }
    }
}
