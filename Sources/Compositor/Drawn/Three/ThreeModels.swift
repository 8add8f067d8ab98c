internal import CCairo
internal import CModelImport
import Timeline
import Foundation

/// A glTF model's triangles, in its own coordinates with its node transforms applied, each mesh
/// with the material factors its file gives.
final class ModelData: @unchecked Sendable {
    struct Part {
        let mesh: MeshData
        /// glTF's factors, linear.
        let baseColor: SIMD4<Double>
        let emissive: SIMD3<Double>
        let metalness: Double
        let roughness: Double
        let doubleSided: Bool
        /// alphaMode BLEND.
        let blends: Bool
        /// The base colour texture, when it is embedded as PNG.
        let texture: TextureImage?
        let sampler: TextureSampler
    }

    let parts: [Part]
    let minimum: SIMD3<Double>
    let maximum: SIMD3<Double>

    init(parts: [Part]) {
        self.parts = parts
        minimum = parts.map(\.mesh.minimum).reduce(SIMD3(repeating: .infinity)) { pointwiseMin($0, $1) }
        maximum = parts.map(\.mesh.maximum).reduce(SIMD3(repeating: -.infinity)) { pointwiseMax($0, $1) }
    }

    var vertexCount: Int { parts.reduce(0) { $0 + $1.mesh.vertexCount } }
}

/// How a texture is filtered and repeated: OpenGL's numbers (glTF uses the same).
struct TextureSampler: Hashable, Sendable {
    var magFilter: Int32 = 0x2601
    var minFilter: Int32 = 0x2703
    var wrapS: Int32 = 0x2901
    var wrapT: Int32 = 0x2901
}

/// Straight (not premultiplied) RGBA texels, rows from the top.
final class TextureImage: @unchecked Sendable {
    let width: Int
    let height: Int
    let texels: [UInt8]

    init(width: Int, height: Int, texels: [UInt8]) {
        self.width = width
        self.height = height
        self.texels = texels
    }
}

struct ModelError: Error, CustomStringConvertible {
    let description: String
}

/// glTF 2.0 models read through assimp, kept per source for the life of the process (sources are
/// uploads or a render's own files, which do not change).
enum ModelLibrary {
    /// The largest model file read, in bytes.
    static let maximumBytes = 64 << 20
    /// The most vertices one model may have.
    static let maximumVertices = 1_000_000
    /// The largest embedded texture used, in texels per side.
    static let maximumTextureSide = 4096

    private static let cache = Cache()

    /// The model at `source`, read on first use.
    static func model(_ source: MediaSource, media: any MediaProvider) throws -> ModelData {
        if let model = cache.model(for: source) { return model }
        let bytes = try media.fileBytes(source, limit: maximumBytes)
        let model = try read(bytes)
        cache.remember(model, for: source)
        return model
    }

    /// A model from the bytes of a .glb or .gltf file (buffers and images embedded: nothing else is read).
    static func read(_ bytes: [UInt8]) throws -> ModelData {
        let name: String
        if bytes.starts(with: Array("glTF".utf8)) {
            name = "model.glb"
        } else if bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }) == UInt8(ascii: "{") {
            name = "model.gltf"
        } else {
            throw ModelError(description: "not a glTF 2.0 model (a .glb file, or a .gltf JSON file with its buffers embedded)")
        }
        return try importLock.withLock {
            var message = [CChar](repeating: 0, count: 512)
            let loaded = bytes.withUnsafeBytes { buffer in
                reel_model_load(buffer.baseAddress, buffer.count, name, UInt32(maximumVertices), &message, message.count)
            }
            guard let loaded else {
                let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw ModelError(description: "the model could not be read: \(text.isEmpty ? "assimp failed" : text)")
            }
            defer { reel_model_free(loaded) }
            return convert(loaded.pointee)
        }
    }

    /// assimp's C API keeps its last error in a global: one import at a time.
    private static let importLock = NSLock()

    private static func convert(_ model: ReelModel) -> ModelData {
        var textures: [Int: TextureImage?] = [:]
        func texture(_ index: Int32) -> TextureImage? {
            guard index >= 0, Int(index) < Int(model.textureCount) else { return nil }
            if let decoded = textures[Int(index)] { return decoded }
            let embedded = model.textures[Int(index)]
            var decoded: TextureImage?
            if embedded.byteCount > 0, let bytes = embedded.bytes {
                decoded = decodePNG(UnsafeBufferPointer(start: bytes, count: Int(embedded.byteCount)))
            }
            textures[Int(index)] = decoded
            return decoded
        }
        var parts: [ModelData.Part] = []
        for index in 0..<Int(model.meshCount) {
            let mesh = model.meshes[index]
            let vertices = Int(mesh.vertexCount)
            let positions = Array(UnsafeBufferPointer(start: mesh.positions, count: vertices * 3))
            let normals = Array(UnsafeBufferPointer(start: mesh.normals, count: vertices * 3))
            var uvs = [Float](repeating: 0, count: vertices * 2)
            if let source = mesh.uvs {
                // assimp turns glTF's top-left texture origin into OpenGL's bottom-left; textures
                // are uploaded top row first, so it is turned back.
                for v in 0..<vertices {
                    uvs[2 * v] = source[2 * v]
                    uvs[2 * v + 1] = 1 - source[2 * v + 1]
                }
            }
            let indices = Array(UnsafeBufferPointer(start: mesh.indices, count: Int(mesh.indexCount)))
            let color = mesh.baseColor, emissive = mesh.emissive
            parts.append(ModelData.Part(
                mesh: MeshData(positions: positions, normals: normals, uvs: uvs, indices: indices),
                baseColor: SIMD4(Double(color.0), Double(color.1), Double(color.2), Double(color.3)),
                emissive: SIMD3(Double(emissive.0), Double(emissive.1), Double(emissive.2)),
                metalness: Double(mesh.metallic), roughness: Double(mesh.roughness), doubleSided: mesh.doubleSided != 0,
                blends: mesh.alphaBlend != 0, texture: mesh.uvs == nil ? nil : texture(mesh.texture),
                sampler: TextureSampler(magFilter: mesh.magFilter, minFilter: mesh.minFilter, wrapS: mesh.wrapS, wrapT: mesh.wrapT)))
        }
        return ModelData(parts: parts)
    }

    /// An embedded PNG, through cairo; nil for other formats or a picture too large.
    static func decodePNG(_ bytes: UnsafeBufferPointer<UInt8>) -> TextureImage? {
        guard bytes.count > 8, bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) else { return nil }
        final class Reader {
            let bytes: UnsafeBufferPointer<UInt8>
            var position = 0
            init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }
        }
        let reader = Reader(bytes)
        let surface = withExtendedLifetime(reader) {
            cairo_image_surface_create_from_png_stream({ closure, data, length in
                guard let closure, let data else { return CAIRO_STATUS_READ_ERROR }
                let reader = Unmanaged<Reader>.fromOpaque(closure).takeUnretainedValue()
                let wanted = Int(length)
                guard reader.bytes.count - reader.position >= wanted, let base = reader.bytes.baseAddress else {
                    return CAIRO_STATUS_READ_ERROR
                }
                data.update(from: base + reader.position, count: wanted)
                reader.position += wanted
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(reader).toOpaque())
        }
        guard let surface else { return nil }
        defer { cairo_surface_destroy(surface) }
        let width = Int(cairo_image_surface_get_width(surface)), height = Int(cairo_image_surface_get_height(surface))
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, width > 0, height > 0,
              width <= maximumTextureSide, height <= maximumTextureSide,
              let data = cairo_image_surface_get_data(surface) else { return nil }
        let stride = Int(cairo_image_surface_get_stride(surface))
        var texels = [UInt8](repeating: 0, count: width * height * 4)
        for y in 0..<height {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width {
                // Cairo's ARGB32 is premultiplied, one native-endian word a texel.
                let word = row[x], alpha = Int(word >> 24)
                func straight(_ shift: UInt32) -> UInt8 {
                    let value = Int((word >> shift) & 0xFF)
                    return alpha == 0 ? 0 : UInt8(min(255, (value * 255 + alpha / 2) / alpha))
                }
                let at = (y * width + x) * 4
                texels[at] = straight(16)
                texels[at + 1] = straight(8)
                texels[at + 2] = straight(0)
                texels[at + 3] = UInt8(alpha)
            }
        }
        return TextureImage(width: width, height: height, texels: texels)
    }

    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var models: [MediaSource: ModelData] = [:]

        func model(for source: MediaSource) -> ModelData? { lock.withLock { models[source] } }

        /// Bounds, not policies: scenes rarely use more. A model is about 50 bytes a vertex.
        private let maximumModels = 16, maximumVertices = 2_000_000
        private var vertices = 0

        func remember(_ model: ModelData, for source: MediaSource) {
            lock.withLock {
                guard models[source] == nil else { return }
                if models.count >= maximumModels || vertices + model.vertexCount > maximumVertices {
                    models.removeAll()
                    vertices = 0
                }
                models[source] = model
                vertices += model.vertexCount
            }
        }
    }
}
