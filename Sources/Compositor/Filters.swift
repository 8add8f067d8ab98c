public import Timeline
import Foundation

/// A pointer handed to the threads that work on disjoint parts of what it points at.
struct SharedPointer<Pointee>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Pointee>
    init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = pointer }
}

/// The pixel kernels of `style.filters`, with CSS filter semantics, on premultiplied rasters.
public enum Filters {
    /// `raster` with `filters` applied in order. A blur grows the raster by three standard
    /// deviations on each side; the returned shift says how far the old origin moved.
    public static func apply(_ filters: [AppliedFilter], to raster: Raster) -> (raster: Raster, shiftX: Int, shiftY: Int) {
        var result = raster, shiftX = 0, shiftY = 0
        var pendingColor: [AppliedFilter] = []
        func flushColor() {
            if !pendingColor.isEmpty { applyColor(pendingColor, to: result) }
            pendingColor.removeAll()
        }
        for filter in filters where !filter.isNeutral {
            switch filter.kind {
            case .blur:
                flushColor()
                let blurred = blur(result, sigma: filter.value)
                result = blurred.raster
                shiftX += blurred.margin
                shiftY += blurred.margin
            case .brightness, .contrast, .saturate, .hue, .grayscale, .sepia, .invert:
                if result === raster { result = raster.copy() }
                pendingColor.append(filter)
            }
        }
        flushColor()
        return (result, shiftX, shiftY)
    }

    /// How far a blur of `sigma` grows the raster on each side: 3σ.
    static func margin(sigma: Double) -> Int {
        clampedInt(3 * sigma, .up)
    }

    /// A blurred pixel rounded to bytes: each channel as `UInt8(min(max(v + 0.5, 0), 255))`.
    @inline(__always)
    private static func store(_ value: SIMD4<Float>, to pixel: UnsafeMutablePointer<UInt8>) {
        // Lane by lane: the generic SIMD conversions cost more than the whole blur.
        pixel[0] = UInt8(min(max(value.x + 0.5, 0), 255))
        pixel[1] = UInt8(min(max(value.y + 0.5, 0), 255))
        pixel[2] = UInt8(min(max(value.z + 0.5, 0), 255))
        pixel[3] = UInt8(min(max(value.w + 0.5, 0), 255))
    }

    /// A Gaussian blur of every channel, in a raster grown by 3σ on each side.
    ///
    /// The bytes go into the plane of floats and come back row by row on every processor, as the
    /// blur itself does (each pixel the same arithmetic whoever converts it), and the plane is
    /// written once rather than cleared first: on a 1080p layer the conversions and the clearing
    /// cost about what the blur's six passes did.
    static func blur(_ raster: Raster, sigma: Double) -> (raster: Raster, margin: Int) {
        let margin = margin(sigma: sigma)
        let out = Raster(width: raster.width + 2 * margin, height: raster.height + 2 * margin)
        let count = out.width * out.height
        let parts = GaussianBlur.defaultParts(count)
        let (width, height, source) = (raster.width, raster.height, SharedPointer(raster.pixels))
        let (outWidth, bytesPerRow) = (out.width, raster.bytesPerRow)
        // The four channels blur together, one SIMD lane each.
        // The plane in `PictureMemory` (huge pages: a 1080p plane is 33 MB, touched for the first time).
        let planeBytes = count * MemoryLayout<SIMD4<Float>>.stride
        let base = PictureMemory.allocate(bytes: planeBytes).bindMemory(to: SIMD4<Float>.self, capacity: max(1, count))
        defer { PictureMemory.release(UnsafeMutableRawPointer(base), bytes: planeBytes) }
        do {
            let target = SharedPointer(base)
            GaussianBlur.forEachPart(parts, of: out.height) { rows in
                for y in rows {
                    let row = target.pointer + y * outWidth
                    guard y >= margin, y < margin + height else {
                        row.initialize(repeating: .zero, count: outWidth)
                        continue
                    }
                    row.initialize(repeating: .zero, count: margin)
                    let from = source.pointer + (y - margin) * bytesPerRow
                    for x in 0..<width {
                        (row + margin + x).initialize(to: SIMD4<Float>(Float(from[x * 4]), Float(from[x * 4 + 1]),
                                                                       Float(from[x * 4 + 2]), Float(from[x * 4 + 3])))
                    }
                    (row + margin + width).initialize(repeating: .zero, count: outWidth - margin - width)
                }
            }
        }
        GaussianBlur.blur(base, width: out.width, height: out.height, sigma: sigma)
        do {
            let values = SharedPointer(base), pixels = SharedPointer(out.pixels)
            GaussianBlur.forEachPart(parts, of: out.height) { rows in
                for i in rows.lowerBound * outWidth..<rows.upperBound * outWidth {
                    let pixel = pixels.pointer + i * 4
                    store(values.pointer[i], to: pixel)
                    // Keep colour at or below alpha after rounding.
                    let a = pixel[3]
                    for c in 0..<3 where pixel[c] > a { pixel[c] = a }
                }
            }
        }
        return (out, margin)
    }

    /// `blur`'s result over `output` only, in a coordinate frame shared with `input`: the blur
    /// works on `plane`, which must hold `output`, reach `GaussianBlur.reach` beyond it wherever
    /// the picture goes on, and stay inside what `blur` would grow the whole picture to; `input`
    /// must cover the plane wherever the picture has pixels. Then the pixels equal `blur`'s at
    /// the same places, up to the rounding of sums.
    static func blur(_ input: RasterPatch, sigma: Double, plane: PixelRect, output: PixelRect) -> RasterPatch {
        let result = RasterPatch(clear: output.intersection(plane))
        guard !result.rect.isEmpty else { return result }
        let (pw, ph) = (plane.width, plane.height)
        let filled = input.rect.intersection(plane)
        let out = result.rect
        // The four channels blur together, one SIMD lane each.
        var values = [SIMD4<Float>](repeating: .zero, count: pw * ph)
        if !filled.isEmpty {
            for y in filled.y0..<filled.y1 {
                let from = input.raster.pixels + ((y - input.rect.y0) * input.raster.width + filled.x0 - input.rect.x0) * 4
                let row = (y - plane.y0) * pw - plane.x0
                for x in filled.x0..<filled.x1 {
                    let p = from + (x - filled.x0) * 4
                    values[row + x] = SIMD4<Float>(Float(p[0]), Float(p[1]), Float(p[2]), Float(p[3]))
                }
            }
        }
        GaussianBlur.blur(&values, width: pw, height: ph, sigma: sigma)
        for y in out.y0..<out.y1 {
            let row = (y - plane.y0) * pw - plane.x0
            let target = result.raster.pixels + (y - out.y0) * result.raster.bytesPerRow - out.x0 * 4
            for x in out.x0..<out.x1 { store(values[row + x], to: target + x * 4) }
        }
        // Keep colour at or below alpha after rounding.
        let pixels = result.raster.pixels
        for i in 0..<(out.width * out.height) {
            let a = pixels[i * 4 + 3]
            for c in 0..<3 where pixels[i * 4 + c] > a { pixels[i * 4 + c] = a }
        }
        return result
    }

    /// A colour operation on premultiplied colour c with alpha a: matrix·c + offset·a.
    struct ColorOperation {
        var matrix: [Float]  // 3×3, row-major
        var offset: Float

        static func of(_ filter: AppliedFilter) -> ColorOperation {
            let v = Float(filter.value)
            switch filter.kind {
            case .brightness:
                return ColorOperation(matrix: [v, 0, 0, 0, v, 0, 0, 0, v], offset: 0)
            case .contrast:
                return ColorOperation(matrix: [v, 0, 0, 0, v, 0, 0, 0, v], offset: (1 - v) / 2)
            case .invert:
                let k = 1 - 2 * v
                return ColorOperation(matrix: [k, 0, 0, 0, k, 0, 0, 0, k], offset: v)
            case .saturate:
                return ColorOperation(matrix: [0.213 + 0.787 * v, 0.715 - 0.715 * v, 0.072 - 0.072 * v,
                                               0.213 - 0.213 * v, 0.715 + 0.285 * v, 0.072 - 0.072 * v,
                                               0.213 - 0.213 * v, 0.715 - 0.715 * v, 0.072 + 0.928 * v], offset: 0)
            case .grayscale:
                let a = 1 - min(max(v, 0), 1)
                return ColorOperation(matrix: [0.2126 + 0.7874 * a, 0.7152 - 0.7152 * a, 0.0722 - 0.0722 * a,
                                               0.2126 - 0.2126 * a, 0.7152 + 0.2848 * a, 0.0722 - 0.0722 * a,
                                               0.2126 - 0.2126 * a, 0.7152 - 0.7152 * a, 0.0722 + 0.9278 * a], offset: 0)
            case .sepia:
                let a = 1 - min(max(v, 0), 1)
                return ColorOperation(matrix: [0.393 + 0.607 * a, 0.769 - 0.769 * a, 0.189 - 0.189 * a,
                                               0.349 - 0.349 * a, 0.686 + 0.314 * a, 0.168 - 0.168 * a,
                                               0.272 - 0.272 * a, 0.534 - 0.534 * a, 0.131 + 0.869 * a], offset: 0)
            case .hue:
                let r = Float(filter.value * .pi / 180), c = cos(r), s = sin(r)
                return ColorOperation(matrix: [0.213 + c * 0.787 - s * 0.213, 0.715 - c * 0.715 - s * 0.715, 0.072 - c * 0.072 + s * 0.928,
                                               0.213 - c * 0.213 + s * 0.143, 0.715 + c * 0.285 + s * 0.140, 0.072 - c * 0.072 - s * 0.283,
                                               0.213 - c * 0.213 - s * 0.787, 0.715 - c * 0.715 + s * 0.715, 0.072 + c * 0.928 + s * 0.072],
                                      offset: 0)
            case .blur:
                preconditionFailure("blur is not a colour operation")
            }
        }
    }

    /// Applies consecutive colour filters in one pass, each clamped as CSS clamps between filters.
    static func applyColor(_ filters: [AppliedFilter], to raster: Raster) {
        let operations = filters.map(ColorOperation.of)
        for i in 0..<(raster.width * raster.height) {
            let p = raster.pixels + i * 4
            let a = Float(p[3])
            guard a > 0 else { continue }
            var c = SIMD3<Float>(Float(p[0]), Float(p[1]), Float(p[2]))
            for operation in operations {
                let m = operation.matrix
                c = SIMD3(m[0] * c.x + m[1] * c.y + m[2] * c.z, m[3] * c.x + m[4] * c.y + m[5] * c.z,
                          m[6] * c.x + m[7] * c.y + m[8] * c.z) + operation.offset * a
                c = c.clamped(lowerBound: .zero, upperBound: SIMD3(repeating: a))
            }
            p[0] = UInt8(c.x + 0.5); p[1] = UInt8(c.y + 0.5); p[2] = UInt8(c.z + 0.5)
        }
    }
}

/// Canvas-space effects of transitions: reveal masks and the light sweep.
public enum TransitionEffects {
    /// Coverage (0–1) of the revealed area at canvas pixel centre (x, y).
    public static func coverage(_ mask: RevealMask, x: Double, y: Double, width: Double, height: Double) -> Double {
        switch mask {
        case .wipe(let direction, let progress):
            let signed: Double = switch direction {
            case .right: progress * width - x
            case .left: x - (1 - progress) * width
            case .down: progress * height - y
            case .up: y - (1 - progress) * height
            }
            return min(max(signed + 0.5, 0), 1)
        case .iris(let progress):
            let radius = progress * (width * width + height * height).squareRoot() / 2
            let distance = ((x - width / 2) * (x - width / 2) + (y - height / 2) * (y - height / 2)).squareRoot()
            return min(max(radius - distance + 0.5, 0), 1)
        }
    }

    /// Multiplies `layer` (canvas-sized) by the reveal's coverage.
    /// `rows` and `columns` limit the work to a part of it (where a layer was drawn).
    /// The premultiplied pixel at `p` scaled by coverage `k`: kept at 1 or more, cleared at once
    /// at 0 or less (what scaling by 0 gives), only an edge's pixels multiplied.
    @inline(__always)
    static func scalePixel(_ p: UnsafeMutablePointer<UInt8>, by k: Double) {
        if k >= 1 { return }
        if k <= 0 {
            UnsafeMutableRawPointer(p).storeBytes(of: 0, as: UInt32.self)
            return
        }
        for c in 0..<4 { p[c] = UInt8((Double(p[c]) * k).rounded()) }
    }

    static func reveal(_ mask: RevealMask, _ layer: Raster, rows: Range<Int>? = nil, columns: Range<Int>? = nil) {
        let (w, h) = (Double(layer.width), Double(layer.height))
        let columns = (columns ?? 0..<layer.width).clamped(to: 0..<layer.width)
        for y in (rows ?? 0..<layer.height).clamped(to: 0..<layer.height) {
            for x in columns {
                scalePixel(layer.pixels + (y * layer.width + x) * 4, by: coverage(mask, x: Double(x) + 0.5, y: Double(y) + 0.5, width: w, height: h))
            }
        }
    }

    /// Adds a diagonal band of white light to the opaque parts of `layer` (canvas-sized), centred
    /// `progress` of the way across.
    static func sweep(_ layer: Raster, progress: Double, intensity: Double, rows: Range<Int>? = nil, columns: Range<Int>? = nil) {
        let (w, h) = (Double(layer.width), Double(layer.height))
        let band = max(w, h) * 0.15
        // The band's centre line x + y/2 = position moves from off the left to off the right.
        let position = -band + progress * (w + h / 2 + 2 * band)
        let columns = (columns ?? 0..<layer.width).clamped(to: 0..<layer.width)
        for y in (rows ?? 0..<layer.height).clamped(to: 0..<layer.height) {
            for x in columns {
                let d = abs(Double(x) + Double(y) / 2 - position)
                guard d < band else { continue }
                let light = intensity * (1 - d / band)
                let p = layer.pixels + (y * layer.width + x) * 4
                let a = Double(p[3])
                for c in 0..<3 { p[c] = UInt8(min(a, Double(p[c]) + light * a).rounded()) }
            }
        }
    }
}
