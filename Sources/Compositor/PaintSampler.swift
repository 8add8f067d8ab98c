public import Timeline

/// Evaluates a paint at points of a box, as premultiplied 8-bit colours.
///
/// Gradients are pre-computed into a 1024-entry table along their parameter.
public struct PaintSampler: Sendable {
    private enum Mode: Sendable {
        case solid(SIMD4<UInt8>)
        case linear(dirX: Double, dirY: Double, length: Double)
        case radial
        case conic(start: Double)
    }

    private let mode: Mode
    private let table: [SIMD4<UInt8>]
    /// `table` packed as little-endian words (R in the low byte), for writing rows of pixels.
    private let packedTable: [UInt32]
    /// The box the paint spans, in the coordinates points are given in.
    private let centerX, centerY, halfWidth, halfHeight: Double

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
            mode = .solid(premultipliedPixel(red: color.red, green: color.green, blue: color.blue,
                                             alpha: color.alpha * opacity))
            table = []
            packedTable = []
        case .gradient(let gradient):
            table = (0..<Self.tableSize).map { i in
                let c = gradient.color(at: Double(i) / Double(Self.tableSize - 1))
                return premultipliedPixel(red: c.red, green: c.green, blue: c.blue, alpha: c.alpha * opacity)
            }
            packedTable = table.map(Self.pack)
            switch gradient.kind {
            case .linear(let angle):
                let r = angle * .pi / 180
                let dx = sin(r), dy = -cos(r)
                mode = .linear(dirX: dx, dirY: dy, length: max(abs(width * dx) + abs(height * dy), 1e-9))
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

    /// Whether every colour of the paint is opaque.
    public var isOpaque: Bool {
        if case .solid(let color) = mode { return color.w == 255 }
        return table.allSatisfy { $0.w == 255 }
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
        case .linear(let dirX, let dirY, let length):
            let last = Double(Self.tableSize - 1)
            packedTable.withUnsafeBufferPointer { entries in
                guard let entries = entries.baseAddress else { return }
                for i in 0..<count {
                    let k = Double(first + i)
                    let t = ((x + k * dx - centerX) * dirX + (y + k * dy - centerY) * dirY) / length + 0.5
                    // t is in 0...1 after clamping, so adding a half and truncating rounds it.
                    out[i] = entries[Int(t.unitClamped * last + 0.5)]
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
        case .linear(let dirX, let dirY, let length):
            t = ((x - centerX) * dirX + (y - centerY) * dirY) / length + 0.5
        case .radial:
            // The ellipse of the box's proportions that passes through its corners.
            let u = (x - centerX) / halfWidth, v = (y - centerY) / halfHeight
            t = (u * u + v * v).squareRoot() / 2.0.squareRoot()
        case .conic(let start):
            let degrees = atan2(x - centerX, -(y - centerY)) * 180 / .pi - start
            t = ((degrees.truncatingRemainder(dividingBy: 360)) + 360).truncatingRemainder(dividingBy: 360) / 360
        }
        // unitClamped reads NaN (a degenerate box, say) as 0, so the conversion cannot trap.
        let index = Int(t.unitClamped * Double(Self.tableSize - 1) + 0.5)
        return table[index]
    }
}

import Foundation
