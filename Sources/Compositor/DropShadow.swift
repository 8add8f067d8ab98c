public import Timeline

/// Drop shadows: a layer's alpha, blurred, tinted and offset, drawn beneath it.
public enum DropShadow {
    /// `layer` with `shadow` beneath it, in a raster grown to hold the shadow. Returns how far
    /// the layer's own pixels moved right and down inside the new raster.
    public static func apply(_ shadow: Shadow, to layer: Raster, scale: Double = 1) -> (raster: Raster, shiftX: Int, shiftY: Int) {
        let sigma = shadow.blur * scale / 2
        let offsetX = Int((shadow.offsetX * scale).rounded()), offsetY = Int((shadow.offsetY * scale).rounded())
        let spread = Int((3 * sigma).rounded(.up))
        let left = max(0, spread - offsetX), right = max(0, spread + offsetX)
        let top = max(0, spread - offsetY), bottom = max(0, spread + offsetY)
        let result = Raster(width: layer.width + left + right, height: layer.height + top + bottom)
        // The shadow's alpha, placed at the offset.
        var alpha = [Float](repeating: 0, count: result.width * result.height)
        for y in 0..<layer.height {
            for x in 0..<layer.width {
                alpha[(y + top + offsetY) * result.width + x + left + offsetX] = Float(layer.pixels[(y * layer.width + x) * 4 + 3])
            }
        }
        if sigma > 0.25 { GaussianBlur.blur(&alpha, width: result.width, height: result.height, sigma: sigma) }
        let tint = premultipliedPixel(red: shadow.color.red, green: shadow.color.green, blue: shadow.color.blue,
                                      alpha: shadow.color.alpha)
        let tintF = SIMD4<Float>(Float(tint.x), Float(tint.y), Float(tint.z), Float(tint.w)) / 255
        for i in 0..<(result.width * result.height) where alpha[i] > 0 {
            let c = (tintF * min(alpha[i], 255) + 0.5).rounded(.down)
            let p = result.pixels + i * 4
            p[0] = UInt8(c.x); p[1] = UInt8(c.y); p[2] = UInt8(c.z); p[3] = UInt8(c.w)
        }
        LayerCompositor.draw(layer, transform: .translation(Double(left), Double(top)), opacity: 1, onto: result)
        return (result, left, top)
    }
}

/// A Gaussian blur approximated by three box blurs per axis.
public enum GaussianBlur {
    /// Blurs a single-channel image in place with standard deviation `sigma` pixels.
    public static func blur(_ values: inout [Float], width: Int, height: Int, sigma: Double) {
        // Box width whose three-fold convolution has variance sigma².
        let radius = max(1, Int(((12 * sigma * sigma / 3 + 1).squareRoot() - 1) / 2 + 0.5))
        var scratch = [Float](repeating: 0, count: max(width, height))
        for _ in 0..<3 {
            for y in 0..<height { boxBlur(&values, start: y * width, stride: 1, count: width, radius: radius, scratch: &scratch) }
            for x in 0..<width { boxBlur(&values, start: x, stride: width, count: height, radius: radius, scratch: &scratch) }
        }
    }

    private static func boxBlur(_ values: inout [Float], start: Int, stride: Int, count: Int, radius: Int,
                                scratch: inout [Float]) {
        let norm = 1 / Float(2 * radius + 1)
        var sum: Float = 0
        for i in -radius...radius where i >= 0 && i < count { sum += values[start + i * stride] }
        for i in 0..<count {
            scratch[i] = sum * norm
            let incoming = i + radius + 1, outgoing = i - radius
            if incoming < count { sum += values[start + incoming * stride] }
            if outgoing >= 0 { sum -= values[start + outgoing * stride] }
        }
        for i in 0..<count { values[start + i * stride] = scratch[i] }
    }
}
