public import Timeline

/// An image of premultiplied RGBA pixels, 8 bits a channel, rows packed without padding.
///
/// The storage is one allocation owned by the raster (`PictureMemory`); kernels reach it through
/// `pixels`.
public final class Raster: @unchecked Sendable {
    public let width: Int
    public let height: Int
    /// `width * height * 4` bytes: R, G, B, A per pixel, colour premultiplied by alpha.
    public let pixels: UnsafeMutablePointer<UInt8>

    /// A raster of transparent black.
    public init(width: Int, height: Int) {
        precondition(width >= 0 && height >= 0, "raster sizes cannot be negative")
        self.width = width
        self.height = height
        // Zeroed memory: large rasters are mapped in huge pages (`PictureMemory`).
        pixels = PictureMemory.allocate(bytes: width * height * 4).bindMemory(to: UInt8.self, capacity: max(1, width * height * 4))
    }

    deinit {
        PictureMemory.release(UnsafeMutableRawPointer(pixels), bytes: width * height * 4)
    }

    public var bytesPerRow: Int { width * 4 }
    public var byteCount: Int { width * height * 4 }

    /// The premultiplied pixel at (x, y).
    public func pixel(x: Int, y: Int) -> SIMD4<UInt8> {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)×\(height)")
        let p = pixels + (y * width + x) * 4
        return SIMD4(p[0], p[1], p[2], p[3])
    }

    /// The pixel at (x, y) with alpha divided out (straight colour), as a `#rrggbbaa`-style tuple.
    public func straightPixel(x: Int, y: Int) -> SIMD4<UInt8> {
        Self.straightened(pixel(x: x, y: y))
    }

    /// A premultiplied pixel with alpha divided out (straight colour), rounded to nearest; opaque
    /// and fully transparent pixels stay as they are.
    @inlinable
    public static func straightened(_ p: SIMD4<UInt8>) -> SIMD4<UInt8> {
        guard p.w > 0, p.w < 255 else { return p }
        let a = UInt32(p.w)
        func un(_ c: UInt8) -> UInt8 { UInt8(truncatingIfNeeded: min(255, (UInt32(c) * 255 + a / 2) / a)) }
        return SIMD4(un(p.x), un(p.y), un(p.z), p.w)
    }

    /// Sets every pixel to one premultiplied colour.
    public func fill(_ color: SIMD4<UInt8>) {
        let words = UnsafeMutableRawPointer(pixels).bindMemory(to: UInt32.self, capacity: width * height)
        let word = UInt32(color.x) | UInt32(color.y) << 8 | UInt32(color.z) << 16 | UInt32(color.w) << 24
        words.update(repeating: word, count: width * height)
    }

    /// A copy with its own storage.
    public func copy() -> Raster {
        let copy = Raster(width: width, height: height)
        copy.pixels.update(from: pixels, count: byteCount)
        return copy
    }
}

/// A premultiplied 8-bit colour from a straight colour in 0...1 and an extra opacity factor.
@inlinable
public func premultipliedPixel(red: Double, green: Double, blue: Double, alpha: Double) -> SIMD4<UInt8> {
    let a = alpha.unitClamped
    func byte(_ v: Double) -> UInt8 { UInt8((v.unitClamped * a * 255).rounded()) }
    return SIMD4(byte(red), byte(green), byte(blue), UInt8((a * 255).rounded()))
}
