/// One plane of a planar picture: rows of bytes `stride` apart.
public struct Plane: @unchecked Sendable {
    public var base: UnsafeMutablePointer<UInt8>
    public var stride: Int

    public init(base: UnsafeMutablePointer<UInt8>, stride: Int) {
        self.base = base
        self.stride = stride
    }

    @inlinable
    public func row(_ y: Int) -> UnsafeMutablePointer<UInt8> { base + y * stride }
}

/// A picture in 8-bit Y'CbCr 4:2:0, BT.709, limited range: the encoder's own representation. The
/// view owns nothing: it may borrow a decoder's frame (valid until that decoder moves on) or a
/// `PlanarImage`'s storage.
public struct PlanarView: @unchecked Sendable {
    public var width: Int
    public var height: Int
    public var luma: Plane
    public var blue: Plane
    public var red: Plane

    public init(width: Int, height: Int, luma: Plane, blue: Plane, red: Plane) {
        self.width = width
        self.height = height
        self.luma = luma
        self.blue = blue
        self.red = red
    }

    public var chromaWidth: Int { (width + 1) / 2 }
    public var chromaHeight: Int { (height + 1) / 2 }

    /// The samples (luma, Cb, Cr) at pixel (x, y); chroma is that of the 2×2 block holding it.
    public func sample(x: Int, y: Int) -> SIMD3<UInt8> {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "sample (\(x), \(y)) outside \(width)×\(height)")
        return SIMD3(luma.row(y)[x], blue.row(y / 2)[x / 2], red.row(y / 2)[x / 2])
    }
}

/// A 4:2:0 Y'CbCr picture with storage of its own: one allocation, rows aligned to 64 bytes.
public final class PlanarImage: @unchecked Sendable {
    public let view: PlanarView
    /// The allocation holding all three planes.
    public let storage: UnsafeMutableRawPointer
    public let byteCount: Int

    /// A black picture (Y' 16, Cb and Cr 128). Sizes must be even.
    public init(width: Int, height: Int) {
        precondition(width > 0 && height > 0 && width % 2 == 0 && height % 2 == 0, "4:2:0 pictures need even sizes")
        func aligned(_ n: Int) -> Int { (n + 63) & ~63 }
        let lumaStride = aligned(width), chromaStride = aligned(width / 2)
        let lumaBytes = lumaStride * height, chromaBytes = chromaStride * (height / 2)
        byteCount = lumaBytes + 2 * chromaBytes
        storage = .allocate(byteCount: byteCount, alignment: 64)
        let bytes = storage.bindMemory(to: UInt8.self, capacity: byteCount)
        bytes.initialize(repeating: 16, count: lumaBytes)
        (bytes + lumaBytes).initialize(repeating: 128, count: 2 * chromaBytes)
        view = PlanarView(width: width, height: height,
                          luma: Plane(base: bytes, stride: lumaStride),
                          blue: Plane(base: bytes + lumaBytes, stride: chromaStride),
                          red: Plane(base: bytes + lumaBytes + chromaBytes, stride: chromaStride))
    }

    deinit {
        storage.deallocate()
    }

    public var width: Int { view.width }
    public var height: Int { view.height }

    /// Every sample without the row padding, luma then Cb then Cr (the I420 layout), for
    /// comparing pictures and writing raw video.
    public func packedSamples() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(width * height * 3 / 2)
        for y in 0..<height { bytes += UnsafeBufferPointer(start: view.luma.row(y), count: width) }
        for plane in [view.blue, view.red] {
            for y in 0..<view.chromaHeight { bytes += UnsafeBufferPointer(start: plane.row(y), count: view.chromaWidth) }
        }
        return bytes
    }
}

/// A rectangle of whole pixels.
public struct PixelRect: Hashable, Sendable {
    public var x0: Int, y0: Int, x1: Int, y1: Int

    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        (self.x0, self.y0, self.x1, self.y1) = (x0, y0, x1, y1)
    }

    public var isEmpty: Bool { x0 >= x1 || y0 >= y1 }

    public func union(_ other: PixelRect) -> PixelRect {
        PixelRect(x0: min(x0, other.x0), y0: min(y0, other.y0), x1: max(x1, other.x1), y1: max(y1, other.y1))
    }

    /// Grown outwards to even coordinates, so that it covers whole 2×2 chroma blocks.
    public var evenAligned: PixelRect {
        PixelRect(x0: x0 & ~1, y0: y0 & ~1, x1: (x1 + 1) & ~1, y1: (y1 + 1) & ~1)
    }
}
