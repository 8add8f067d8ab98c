import Foundation

/// Objective quality of decoded pictures against their originals, accumulated over a sequence:
/// PSNR from the squared error of every sample, and SSIM (Wang et al. 2004) on 8×8 windows
/// stepped by 4 samples, as x264 and FFmpeg's `ssim` filter compute it, averaged over frames.
public struct PictureQuality: Sendable {
    /// Squared error and sample count per plane: luma, Cb, Cr.
    private var squaredError: [Double] = [0, 0, 0]
    private var samples: [Double] = [0, 0, 0]
    /// Sum over frames of each plane's mean SSIM.
    private var ssimSum: [Double] = [0, 0, 0]
    public private(set) var frames = 0

    /// PSNR of identical pictures, where the error is zero.
    public static let identicalPSNR = 100.0

    public init() {}

    /// Adds one decoded picture and its original (the same size).
    public mutating func add(original: PlanarView, decoded: PlanarView) {
        precondition(original.width == decoded.width && original.height == decoded.height, "pictures differ in size")
        let planes = [(original.luma, decoded.luma, original.width, original.height),
                      (original.blue, decoded.blue, original.chromaWidth, original.chromaHeight),
                      (original.red, decoded.red, original.chromaWidth, original.chromaHeight)]
        for (index, (a, b, width, height)) in planes.enumerated() {
            squaredError[index] += Double(Self.squaredError(a, b, width: width, height: height))
            samples[index] += Double(width * height)
            ssimSum[index] += Self.ssim(a, b, width: width, height: height)
        }
        frames += 1
    }

    /// PSNR in dB of luma, Cb, Cr and all samples together (4:2:0 weighs luma 4:1:1), capped at
    /// `identicalPSNR`.
    public var psnr: (luma: Double, blue: Double, red: Double, all: Double) {
        func decibels(_ error: Double, _ count: Double) -> Double {
            guard count > 0 else { return 0 }
            guard error > 0 else { return Self.identicalPSNR }
            return min(Self.identicalPSNR, 10 * log10(255 * 255 / (error / count)))
        }
        return (decibels(squaredError[0], samples[0]), decibels(squaredError[1], samples[1]),
                decibels(squaredError[2], samples[2]), decibels(squaredError.reduce(0, +), samples.reduce(0, +)))
    }

    /// Mean SSIM of luma, Cb, Cr, and all planes weighed by their sample counts (as FFmpeg's "All").
    public var ssim: (luma: Double, blue: Double, red: Double, all: Double) {
        guard frames > 0 else { return (0, 0, 0, 0) }
        let mean = ssimSum.map { $0 / Double(frames) }
        let weights = samples
        let all = zip(mean, weights).map(*).reduce(0, +) / weights.reduce(0, +)
        return (mean[0], mean[1], mean[2], all)
    }

    static func squaredError(_ a: Plane, _ b: Plane, width: Int, height: Int) -> Int {
        var total = 0
        for y in 0..<height {
            let rowA = a.row(y), rowB = b.row(y)
            var x = 0, row = SIMD16<UInt32>()
            while x + 16 <= width {
                let va = SIMD16<Int32>(truncatingIfNeeded: UnsafeRawPointer(rowA + x).loadUnaligned(as: SIMD16<UInt8>.self))
                let vb = SIMD16<Int32>(truncatingIfNeeded: UnsafeRawPointer(rowB + x).loadUnaligned(as: SIMD16<UInt8>.self))
                let d = va &- vb
                row &+= SIMD16<UInt32>(truncatingIfNeeded: d &* d)
                x += 16
            }
            total += Int(row.wrappedSum())
            while x < width {
                let d = Int(rowA[x]) - Int(rowB[x])
                total += d * d
                x += 1
            }
        }
        return total
    }

    /// The mean SSIM of one plane: 8×8 windows at every fourth sample, from sums over 4×4 blocks.
    static func ssim(_ a: Plane, _ b: Plane, width: Int, height: Int) -> Double {
        let blocksX = width / 4, blocksY = height / 4
        guard blocksX >= 2, blocksY >= 2 else { return squaredError(a, b, width: width, height: height) == 0 ? 1 : 0 }
        // Per 4×4 block: Σa, Σb, Σa² + Σb², Σab.
        var sums = [SIMD4<Int64>](repeating: .zero, count: blocksX * blocksY)
        for by in 0..<blocksY {
            for bx in 0..<blocksX {
                var s = SIMD4<Int64>.zero
                for y in (4 * by)..<(4 * by + 4) {
                    let rowA = a.row(y) + 4 * bx, rowB = b.row(y) + 4 * bx
                    for x in 0..<4 {
                        let p = Int64(rowA[x]), q = Int64(rowB[x])
                        s &+= SIMD4(p, q, p * p + q * q, p * q)
                    }
                }
                sums[by * blocksX + bx] = s
            }
        }
        let c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255)
        var total = 0.0
        for by in 0..<(blocksY - 1) {
            for bx in 0..<(blocksX - 1) {
                let i = by * blocksX + bx
                let s = sums[i] &+ sums[i + 1] &+ sums[i + blocksX] &+ sums[i + blocksX + 1]
                let (sa, sb, squares, cross) = (Double(s[0]), Double(s[1]), Double(s[2]), Double(s[3]))
                // Means over the 64 samples; variances and covariance unbiased (over 63).
                let meanProduct = sa * sb / 4096, meanSquares = (sa * sa + sb * sb) / 4096
                let variances = (squares - (sa * sa + sb * sb) / 64) / 63
                let covariance = (cross - sa * sb / 64) / 63
                total += (2 * meanProduct + c1) * (2 * covariance + c2) / ((meanSquares + c1) * (variances + c2))
            }
        }
        return total / Double((blocksX - 1) * (blocksY - 1))
    }
}
