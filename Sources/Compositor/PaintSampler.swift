public import Timeline

/// Evaluates a paint at points of a box, as premultiplied 8-bit colours.
///
/// Gradients are pre-computed into a 1024-entry table along their parameter.
public struct PaintSampler: Sendable {
    private enum Mode: Sendable {
        case solid(SIMD4<UInt8>)
        /// The gradient's parameter is the plane t = a·x + b·y + c (no division per point).
        case linear(a: Double, b: Double, c: Double)
        case radial
        case conic(start: Double)
    }

    private let mode: Mode
    private let table: [SIMD4<UInt8>]
    /// `table` packed as little-endian words (R in the low byte), for writing rows of pixels.
    private let packedTable: [UInt32]
    /// The box the paint spans, in the coordinates points are given in.
    private let centerX, centerY, halfWidth, halfHeight: Double

    /// A power of two (`tableIndex` masks with it).
    private static let tableSize = 1024

    /// A sampler for `paint` spread over the box at (x, y) of size width × height, with an extra
    /// `opacity` factor folded in.
    public init(paint: Paint, x: Double, y: Double, width: Double, height: Double, opacity: Double = 1) {
        centerX = x + width / 2
        centerY = y + height / 2
        halfWidth = max(width / 2, 1e-9)
        halfHeight = max(height / 2, 1e-9)
        switch paint {
        case .solid(let color):
            let pixel = premultipliedPixel(red: color.red, green: color.green, blue: color.blue, alpha: color.alpha * opacity)
            mode = .solid(pixel)
            table = []
            packedTable = []
            isOpaque = pixel.w == 255
        case .gradient(let gradient):
            table = (0..<Self.tableSize).map { i in
                let c = gradient.color(at: Double(i) / Double(Self.tableSize - 1))
                return premultipliedPixel(red: c.red, green: c.green, blue: c.blue, alpha: c.alpha * opacity)
            }
            packedTable = table.map(Self.pack)
            isOpaque = table.allSatisfy { $0.w == 255 }
            switch gradient.kind {
            case .linear(let angle):
                let r = angle * .pi / 180
                let dx = sin(r), dy = -cos(r)
                let length = max(abs(width * dx) + abs(height * dy), 1e-9)
                let cx = x + width / 2, cy = y + height / 2
                mode = .linear(a: dx / length, b: dy / length, c: 0.5 - (cx * dx + cy * dy) / length)
            case .radial:
                mode = .radial
            case .conic(let angle):
                mode = .conic(start: angle)
            }
        }
    }

    /// The single colour, when the paint is solid.
    public var solidColor: SIMD4<UInt8>? {
        if case .solid(let color) = mode { return color }
        return nil
    }

    /// Whether every colour of the paint is opaque (worked out once: shapes ask at every band).
    public let isOpaque: Bool

    /// The table entry for parameter `t`: t·(size − 1) rounded to nearest (ties to even), with no
    /// conversion that could trap: t is clamped to 0...1 (NaN, from a degenerate box, reads as 0),
    /// and adding 2⁵² rounds it and leaves the integer in the low bits of the double.
    @inline(__always)
    static func tableIndex(_ t: Double) -> Int {
        let rounded = t.unitClamped * Double(tableSize - 1) + 0x1p52
        return Int(truncatingIfNeeded: rounded.bitPattern & UInt64(tableSize - 1))
    }

    @inline(__always)
    static func pack(_ c: SIMD4<UInt8>) -> UInt32 {
        (UInt32(c.x) | UInt32(c.y) << 8 | UInt32(c.z) << 16 | UInt32(c.w) << 24).littleEndian
    }

    /// The colours at `count` points along a line, pixel i of the run at (x + (first + i)·dx,
    /// y + (first + i)·dy), each exactly what `color(x:y:)` gives there (the same positions, the same
    /// arithmetic), packed R in the low byte, for writing rows of pixels.
    public func colors(into out: UnsafeMutablePointer<UInt32>, count: Int, x: Double, y: Double, dx: Double, dy: Double,
                       first: Int = 0) {
        switch mode {
        case .solid(let color):
            out.update(repeating: Self.pack(color), count: count)
        case .linear(let a, let b, let c):
            packedTable.withUnsafeBufferPointer { entries in
                guard let entries = entries.baseAddress else { return }
                // Four parameters at a time, each lane the scalar arithmetic below (so the same entries).
                let step = SIMD4<Double>(0, 1, 2, 3)
                var i = 0
                while i &+ 4 <= count {
                    let k = SIMD4<Double>(repeating: Double(first &+ i)) + step
                    let t = a * (x + k * dx) + b * (y + k * dy) + c
                    let low = t.replacing(with: 0, where: .!(t .>= 0))
                    let clamped = low.replacing(with: 1, where: low .> 1)
                    let rounded = clamped * Double(Self.tableSize - 1) + 0x1p52
                    let index = unsafeBitCast(rounded, to: SIMD4<UInt64>.self) & UInt64(Self.tableSize - 1)
                    out[i] = entries[Int(truncatingIfNeeded: index[0])]
                    out[i &+ 1] = entries[Int(truncatingIfNeeded: index[1])]
                    out[i &+ 2] = entries[Int(truncatingIfNeeded: index[2])]
                    out[i &+ 3] = entries[Int(truncatingIfNeeded: index[3])]
                    i &+= 4
                }
                for i in i..<count {
                    let k = Double(first + i)
                    out[i] = entries[Self.tableIndex(a * (x + k * dx) + b * (y + k * dy) + c)]
                }
            }
        case .radial, .conic:
            for i in 0..<count {
                let k = Double(first + i)
                out[i] = Self.pack(color(x: x + k * dx, y: y + k * dy))
            }
        }
    }

    /// The colour at point (x, y).
    @inline(__always)
    public func color(x: Double, y: Double) -> SIMD4<UInt8> {
        let t: Double
        switch mode {
        case .solid(let color):
            return color
        case .linear(let a, let b, let c):
            t = a * x + b * y + c
        case .radial:
            // The ellipse of the box's proportions that passes through its corners.
            let u = (x - centerX) / halfWidth, v = (y - centerY) / halfHeight
            t = (u * u + v * v).squareRoot() / 2.0.squareRoot()
        case .conic(let start):
            let degrees = atan2(x - centerX, -(y - centerY)) * 180 / .pi - start
            t = ((degrees.truncatingRemainder(dividingBy: 360)) + 360).truncatingRemainder(dividingBy: 360) / 360
        }
        let index = Self.tableIndex(t)
        return table[index]
    }
}

import Foundation
