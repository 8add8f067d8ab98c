#if _endian(big)
#error("the pixel kernels read RGBA8 pixels as little-endian 32-bit words")
#endif

/// The SIMD pixel kernels. All work on premultiplied RGBA8.
public enum Blend {
    /// x / 255 rounded to nearest, exact for every x in 0...255·255.
    @inlinable @inline(__always)
    static func divide255(_ x: SIMD16<UInt16>) -> SIMD16<UInt16> {
        let t = x &+ 128
        return (t &+ (t &>> 8)) &>> 8
    }

    @inlinable @inline(__always)
    static func divide255(_ x: SIMD8<UInt16>) -> SIMD8<UInt16> {
        let t = x &+ 128
        return (t &+ (t &>> 8)) &>> 8
    }

    @inlinable @inline(__always)
    static func divide255(_ x: UInt32) -> UInt32 {
        let t = x &+ 128
        return (t &+ (t &>> 8)) &>> 8
    }

    /// Source-over: `destination = source·opacity + destination·(1 − sourceAlpha·opacity)` for
    /// `count` pixels, eight at a time (then four, then one for the rest).
    @inlinable
    public static func sourceOver(source: UnsafePointer<UInt8>, destination: UnsafeMutablePointer<UInt8>,
                                  count: Int, opacity: UInt8) {
        guard opacity > 0 else { return }
        let op = SIMD8<UInt16>(repeating: UInt16(opacity))
        let full = SIMD4<UInt32>(repeating: 255), low = SIMD4<UInt32>(repeating: 0x00FF_00FF)
        var i = 0
        let alphaMask = SIMD4<UInt32>(repeating: UInt32(0xFF00_0000).littleEndian)
        // Eight pixels at a time where the vectors are wide enough (the same arithmetic as below).
        while i &+ 8 <= count {
            over8(UnsafeRawPointer(source + i &* 4).loadUnaligned(as: SIMD8<UInt32>.self),
                  onto: UnsafeMutableRawPointer(destination + i &* 4), opacity: opacity)
            i &+= 8
        }
        while i + 4 <= count {
            // Four transparent pixels change nothing; four opaque ones at full opacity replace
            // the destination (what the arithmetic below gives for them, without it).
            let alphas = UnsafeRawPointer(source + i * 4).loadUnaligned(as: SIMD4<UInt32>.self) & alphaMask
            if alphas == .zero {
                i += 4
                continue
            }
            if opacity == 255, alphas == alphaMask {
                (destination + i * 4).update(from: source + i * 4, count: 16)
                i += 4
                continue
            }
            // Two channels a 32-bit word (red and blue, green and alpha), multiplied as 16-bit
            // lanes: the same arithmetic as per channel, with no widening of bytes.
            let source32 = UnsafeRawPointer(source + i * 4).loadUnaligned(as: SIMD4<UInt32>.self)
            var redBlue = unsafeBitCast(source32 & low, to: SIMD8<UInt16>.self)
            var greenAlpha = unsafeBitCast((source32 &>> 8) & low, to: SIMD8<UInt16>.self)
            if opacity != 255 {
                redBlue = divide255(redBlue &* op)
                greenAlpha = divide255(greenAlpha &* op)
            }
            let alpha = unsafeBitCast(greenAlpha, to: SIMD4<UInt32>.self) &>> 16
            let inverse = unsafeBitCast((full &- alpha) | ((full &- alpha) &<< 16), to: SIMD8<UInt16>.self)
            let target32 = UnsafeRawPointer(destination + i * 4).loadUnaligned(as: SIMD4<UInt32>.self)
            let outRedBlue = redBlue &+ divide255(unsafeBitCast(target32 & low, to: SIMD8<UInt16>.self) &* inverse)
            let outGreenAlpha = greenAlpha &+ divide255(unsafeBitCast((target32 &>> 8) & low, to: SIMD8<UInt16>.self) &* inverse)
            // Each channel kept to its byte, as storing it as a byte would.
            let result = (unsafeBitCast(outRedBlue, to: SIMD4<UInt32>.self) & low)
                | ((unsafeBitCast(outGreenAlpha, to: SIMD4<UInt32>.self) & low) &<< 8)
            UnsafeMutableRawPointer(destination + i * 4).storeBytes(of: result, as: SIMD4<UInt32>.self)
            i += 4
        }
        while i < count {
            sourceOverPixel(source: source + i * 4, destination: destination + i * 4, opacity: UInt32(opacity))
            i += 1
        }
    }

    /// Source-over of eight premultiplied pixels (packed, R in the low byte) onto the eight at
    /// `destination`: the arithmetic of `sourceOverPixel` in each channel. Eight transparent
    /// pixels change nothing; eight opaque ones at full opacity replace the destination.
    @inlinable @inline(__always)
    static func over8(_ source32: SIMD8<UInt32>, onto destination: UnsafeMutableRawPointer, opacity: UInt8) {
        let low = SIMD8<UInt32>(repeating: 0x00FF_00FF), full = SIMD8<UInt32>(repeating: 255)
        let alphaMask = SIMD8<UInt32>(repeating: UInt32(0xFF00_0000).littleEndian)
        let alphas = source32 & alphaMask
        if allZero(alphas) { return }
        if opacity == 255, allZero(alphas ^ alphaMask) {
            destination.storeBytes(of: source32, as: SIMD8<UInt32>.self)
            return
        }
        // Two channels a 32-bit word (red and blue, green and alpha), multiplied as 16-bit lanes.
        var redBlue = unsafeBitCast(source32 & low, to: SIMD16<UInt16>.self)
        var greenAlpha = unsafeBitCast((source32 &>> 8) & low, to: SIMD16<UInt16>.self)
        if opacity != 255 {
            let op = SIMD16<UInt16>(repeating: UInt16(opacity))
            redBlue = divide255(redBlue &* op)
            greenAlpha = divide255(greenAlpha &* op)
        }
        let alpha = unsafeBitCast(greenAlpha, to: SIMD8<UInt32>.self) &>> 16
        let inverse = unsafeBitCast((full &- alpha) | ((full &- alpha) &<< 16), to: SIMD16<UInt16>.self)
        let target32 = UnsafeRawPointer(destination).loadUnaligned(as: SIMD8<UInt32>.self)
        let outRedBlue = redBlue &+ divide255(unsafeBitCast(target32 & low, to: SIMD16<UInt16>.self) &* inverse)
        let outGreenAlpha = greenAlpha &+ divide255(unsafeBitCast((target32 &>> 8) & low, to: SIMD16<UInt16>.self) &* inverse)
        // Each channel kept to its byte, as storing it as a byte would.
        let result = (unsafeBitCast(outRedBlue, to: SIMD8<UInt32>.self) & low)
            | ((unsafeBitCast(outGreenAlpha, to: SIMD8<UInt32>.self) & low) &<< 8)
        destination.storeBytes(of: result, as: SIMD8<UInt32>.self)
    }

    /// Whether every lane is 0: the halves folded with OR, then two 64-bit words (`==` on a
    /// vector compiles to a loop over its lanes).
    @inlinable @inline(__always)
    static func allZero(_ v: SIMD8<UInt32>) -> Bool {
        let folded = unsafeBitCast(v.lowHalf | v.highHalf, to: SIMD2<UInt64>.self)
        return folded.x | folded.y == 0
    }

    @inlinable @inline(__always)
    static func sourceOverPixel(source: UnsafePointer<UInt8>, destination: UnsafeMutablePointer<UInt8>, opacity: UInt32) {
        let sa = divide255(UInt32(source[3]) &* opacity)
        let inverse = 255 &- sa
        for c in 0..<4 {
            let s = c == 3 ? sa : divide255(UInt32(source[c]) &* opacity)
            destination[c] = UInt8(truncatingIfNeeded: s &+ divide255(UInt32(destination[c]) &* inverse))
        }
    }

    /// Source-over of one premultiplied colour scaled by `coverage` (0...255 per pixel).
    @inlinable
    public static func sourceOver(color: SIMD4<UInt8>, coverage: UnsafePointer<UInt8>,
                                  destination: UnsafeMutablePointer<UInt8>, count: Int) {
        let c = SIMD4<UInt32>(truncatingIfNeeded: color)
        for i in 0..<count {
            let k = UInt32(coverage[i])
            guard k > 0 else { continue }
            let s = SIMD4<UInt32>(divide255(c.x &* k), divide255(c.y &* k), divide255(c.z &* k), divide255(c.w &* k))
            let inverse = 255 &- s.w
            let p = destination + i * 4
            p[0] = UInt8(truncatingIfNeeded: s.x &+ divide255(UInt32(p[0]) &* inverse))
            p[1] = UInt8(truncatingIfNeeded: s.y &+ divide255(UInt32(p[1]) &* inverse))
            p[2] = UInt8(truncatingIfNeeded: s.z &+ divide255(UInt32(p[2]) &* inverse))
            p[3] = UInt8(truncatingIfNeeded: s.w &+ divide255(UInt32(p[3]) &* inverse))
        }
    }

    /// Multiplies `count` pixels by a coverage mask (0...255), e.g. to round an image's corners.
    @inlinable
    public static func mask(_ pixels: UnsafeMutablePointer<UInt8>, coverage: UnsafePointer<UInt8>, count: Int) {
        for i in 0..<count {
            let k = UInt32(coverage[i])
            if k == 255 { continue }
            for c in 0..<4 {
                pixels[i * 4 + c] = UInt8(truncatingIfNeeded: divide255(UInt32(pixels[i * 4 + c]) &* k))
            }
        }
    }
}
