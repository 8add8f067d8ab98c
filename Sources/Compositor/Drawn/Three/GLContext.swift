internal import COSMesa
import Foundation

/// The process's OpenGL 3.3 core context: Mesa's off-screen OSMesa, drawn in software by
/// llvmpipe (no GPU, no display). OSMesa binds a context to the thread that makes it current, so
/// one thread at a time uses it: `run` takes a lock, makes it current on the calling thread, and
/// releases it afterwards. Compositor threads drawing 3-D layers at once therefore take turns;
/// llvmpipe spreads each draw over every core itself. This type and `ThreeGLRenderer` are the
/// only places that call OpenGL.
final class GLContext: @unchecked Sendable {
    /// The shared context, made on first use; nil with the reason when OSMesa cannot make one.
    static let shared: Result<GLContext, ThreeRenderError> = {
        Result { () throws(ThreeRenderError) in try GLContext() }
    }()

    private let context: OSMesaContext
    /// OSMesa wants a buffer to make a context current; Reel draws into framebuffer objects only.
    private let placeholder = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
    private let lock = NSLock()
    /// Programs compiled once for the context, and buffers kept for meshes that come back.
    var programs: ThreePrograms?
    var meshBuffers = MeshBufferCache()

    private init() throws(ThreeRenderError) {
        let attributes: [Int32] = [
            OSMESA_FORMAT, OSMESA_RGBA, OSMESA_DEPTH_BITS, 0, OSMESA_STENCIL_BITS, 0, OSMESA_ACCUM_BITS, 0,
            OSMESA_PROFILE, OSMESA_CORE_PROFILE, OSMESA_CONTEXT_MAJOR_VERSION, 3, OSMESA_CONTEXT_MINOR_VERSION, 3, 0,
        ]
        guard let context = OSMesaCreateContextAttribs(attributes, nil) else {
            throw ThreeRenderError("OpenGL 3.3 (OSMesa) is not available")
        }
        self.context = context
    }

    deinit {
        OSMesaDestroyContext(context)
        placeholder.deallocate()
    }

    /// Runs `body` with the context current on this thread, one caller at a time.
    func run<T>(_ body: (GLContext) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard OSMesaMakeCurrent(context, placeholder, GLenum(GL_UNSIGNED_BYTE), 1, 1) != 0 else {
            throw ThreeRenderError("the OpenGL context could not be made current")
        }
        defer { OSMesaMakeCurrent(nil, nil, 0, 0, 0) }
        // Errors left by an earlier use (a few at most are queued).
        var cleared = 0
        while glGetError() != GLenum(GL_NO_ERROR), cleared < 8 { cleared += 1 }
        return try body(self)
    }
}

/// Why a 3-D scene could not be drawn.
struct ThreeRenderError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A linked GLSL program with its uniforms' locations, looked up once each.
final class GLProgram {
    let id: GLuint
    private var locations: [String: GLint] = [:]

    init(vertex: String, fragment: String) throws(ThreeRenderError) {
        let vertexShader = try Self.compile(vertex, kind: GLenum(GL_VERTEX_SHADER))
        defer { glDeleteShader(vertexShader) }
        let fragmentShader = try Self.compile(fragment, kind: GLenum(GL_FRAGMENT_SHADER))
        defer { glDeleteShader(fragmentShader) }
        id = glCreateProgram()
        glAttachShader(id, vertexShader)
        glAttachShader(id, fragmentShader)
        glLinkProgram(id)
        var linked: GLint = 0
        glGetProgramiv(id, GLenum(GL_LINK_STATUS), &linked)
        guard linked != 0 else {
            var log = [GLchar](repeating: 0, count: 4096)
            glGetProgramInfoLog(id, GLsizei(log.count), nil, &log)
            glDeleteProgram(id)
            throw ThreeRenderError("shader link failed: \(Self.text(log))")
        }
    }

    deinit { glDeleteProgram(id) }

    private static func compile(_ source: String, kind: GLenum) throws(ThreeRenderError) -> GLuint {
        let shader = glCreateShader(kind)
        source.withCString { text in
            var pointer: UnsafePointer<GLchar>? = text
            glShaderSource(shader, 1, &pointer, nil)
        }
        glCompileShader(shader)
        var compiled: GLint = 0
        glGetShaderiv(shader, GLenum(GL_COMPILE_STATUS), &compiled)
        guard compiled != 0 else {
            var log = [GLchar](repeating: 0, count: 4096)
            glGetShaderInfoLog(shader, GLsizei(log.count), nil, &log)
            glDeleteShader(shader)
            throw ThreeRenderError("shader compilation failed: \(text(log))")
        }
        return shader
    }

    /// A NUL-terminated info log as text.
    private static func text(_ log: [GLchar]) -> String {
        String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func location(_ name: String) -> GLint {
        if let known = locations[name] { return known }
        let location = glGetUniformLocation(id, name)
        locations[name] = location
        return location
    }

    func set(_ name: String, _ value: Int32) { glUniform1i(location(name), value) }
    func set(_ name: String, _ value: Bool) { glUniform1i(location(name), value ? 1 : 0) }
    func set(_ name: String, _ value: Double) { glUniform1f(location(name), Float(value)) }
    func set(_ name: String, _ v: SIMD3<Double>) { glUniform3f(location(name), Float(v.x), Float(v.y), Float(v.z)) }
    func set(_ name: String, _ matrix: Matrix4) {
        let values = matrix.floats
        values.withUnsafeBufferPointer { glUniformMatrix4fv(location(name), 1, GLboolean(GL_FALSE), $0.baseAddress) }
    }
    func set(_ name: String, matrix3 values: [Double]) {
        let floats = values.map(Float.init)
        floats.withUnsafeBufferPointer { glUniformMatrix3fv(location(name), 1, GLboolean(GL_FALSE), $0.baseAddress) }
    }
    func set(_ name: String, ints: [Int32]) {
        ints.withUnsafeBufferPointer { glUniform1iv(location(name), GLsizei(ints.count), $0.baseAddress) }
    }
    func set(_ name: String, floats: [Double]) {
        let values = floats.map(Float.init)
        values.withUnsafeBufferPointer { glUniform1fv(location(name), GLsizei(values.count), $0.baseAddress) }
    }
    func set(_ name: String, vectors: [SIMD3<Double>]) {
        let values = vectors.flatMap { [Float($0.x), Float($0.y), Float($0.z)] }
        values.withUnsafeBufferPointer { glUniform3fv(location(name), GLsizei(vectors.count), $0.baseAddress) }
    }
    func set(_ name: String, matrices: [Matrix4]) {
        let values = matrices.flatMap(\.floats)
        values.withUnsafeBufferPointer { glUniformMatrix4fv(location(name), GLsizei(matrices.count), GLboolean(GL_FALSE), $0.baseAddress) }
    }
}

/// The painter's two programs: shading, and depth (or distance) for shadows.
struct ThreePrograms {
    let shading: GLProgram
    let depth: GLProgram

    init() throws(ThreeRenderError) {
        shading = try GLProgram(vertex: ThreeShaders.vertex, fragment: ThreeShaders.fragment)
        depth = try GLProgram(vertex: ThreeShaders.depthVertex, fragment: ThreeShaders.depthFragment)
    }
}

/// A mesh's vertex array and buffers in the context.
final class MeshBuffers {
    let vertexArray: GLuint
    let buffers: [GLuint]
    let indexCount: GLsizei

    init(_ mesh: MeshData) {
        var vertexArray: GLuint = 0
        glGenVertexArrays(1, &vertexArray)
        self.vertexArray = vertexArray
        glBindVertexArray(vertexArray)
        var buffers = [GLuint](repeating: 0, count: 4)
        glGenBuffers(4, &buffers)
        self.buffers = buffers
        func attribute(_ index: GLuint, _ values: [Float], components: GLint) {
            glBindBuffer(GLenum(GL_ARRAY_BUFFER), buffers[Int(index)])
            values.withUnsafeBytes { glBufferData(GLenum(GL_ARRAY_BUFFER), $0.count, $0.baseAddress, GLenum(GL_STATIC_DRAW)) }
            glEnableVertexAttribArray(index)
            glVertexAttribPointer(index, components, GLenum(GL_FLOAT), GLboolean(GL_FALSE), 0, nil)
        }
        attribute(0, mesh.positions, components: 3)
        attribute(1, mesh.normals, components: 3)
        attribute(2, mesh.uvs.count == mesh.vertexCount * 2 ? mesh.uvs : [Float](repeating: 0, count: mesh.vertexCount * 2), components: 2)
        glBindBuffer(GLenum(GL_ELEMENT_ARRAY_BUFFER), buffers[3])
        mesh.indices.withUnsafeBytes { glBufferData(GLenum(GL_ELEMENT_ARRAY_BUFFER), $0.count, $0.baseAddress, GLenum(GL_STATIC_DRAW)) }
        indexCount = GLsizei(mesh.indices.count)
        glBindVertexArray(0)
    }

    deinit {
        var vertexArray = self.vertexArray
        glDeleteVertexArrays(1, &vertexArray)
        glDeleteBuffers(GLsizei(buffers.count), buffers)
    }

    func draw() {
        glBindVertexArray(vertexArray)
        glDrawElements(GLenum(GL_TRIANGLES), indexCount, GLenum(GL_UNSIGNED_INT), nil)
    }
}

/// Buffers of meshes drawn lately, by mesh (the mesh is held, so its identity is not reused):
/// a model's meshes and shapes' are uploaded once, not at every frame. Used only inside `run`,
/// where the objects' `deinit` can reach the context.
struct MeshBufferCache {
    private var entries: [ObjectIdentifier: (mesh: MeshData, buffers: MeshBuffers)] = [:]
    private var textures: [ObjectIdentifier: (image: TextureImage, texture: GLTexture)] = [:]
    private var vertices = 0

    /// Bounds, not policies: llvmpipe keeps buffers in ordinary memory.
    private static let maximumEntries = 256, maximumVertices = 4_000_000

    mutating func buffers(for mesh: MeshData) -> MeshBuffers {
        if let entry = entries[ObjectIdentifier(mesh)] { return entry.buffers }
        if entries.count >= Self.maximumEntries || vertices + mesh.vertexCount > Self.maximumVertices {
            entries.removeAll()
            vertices = 0
        }
        let buffers = MeshBuffers(mesh)
        entries[ObjectIdentifier(mesh)] = (mesh, buffers)
        vertices += mesh.vertexCount
        return buffers
    }

    mutating func texture(for image: TextureImage) -> GLTexture {
        if let entry = textures[ObjectIdentifier(image)] { return entry.texture }
        if textures.count >= 32 { textures.removeAll() }
        let texture = GLTexture(image)
        textures[ObjectIdentifier(image)] = (image, texture)
        return texture
    }
}

/// A texture object, deleted with its owner.
final class GLTexture {
    let id: GLuint

    init(_ image: TextureImage) {
        var id: GLuint = 0
        glGenTextures(1, &id)
        self.id = id
        glBindTexture(GLenum(GL_TEXTURE_2D), id)
        image.texels.withUnsafeBytes {
            glTexImage2D(GLenum(GL_TEXTURE_2D), 0, GL_RGBA8, GLsizei(image.width), GLsizei(image.height), 0,
                         GLenum(GL_RGBA), GLenum(GL_UNSIGNED_BYTE), $0.baseAddress)
        }
        glGenerateMipmap(GLenum(GL_TEXTURE_2D))
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MIN_FILTER), GL_LINEAR_MIPMAP_LINEAR)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_MAG_FILTER), GL_LINEAR)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_S), GL_REPEAT)
        glTexParameteri(GLenum(GL_TEXTURE_2D), GLenum(GL_TEXTURE_WRAP_T), GL_REPEAT)
    }

    /// An empty texture of `target` kind (a placeholder bound to a sampler nothing reads).
    init(placeholder target: GLenum) {
        var id: GLuint = 0
        glGenTextures(1, &id)
        self.id = id
    }

    deinit {
        var id = self.id
        glDeleteTextures(1, &id)
    }
}
