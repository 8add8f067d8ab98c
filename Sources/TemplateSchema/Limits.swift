import Timeline

/// The largest values a document may hold. Each keeps a document of a given canvas size within
/// bounded memory and time, and every number that reaches an integer conversion inside Reel
/// within range. A value past its limit is refused with its JSON path; docs/schema.md lists them.
public enum DocumentLimits {
    /// Canvas width and height, in pixels (H.264 level 6.2 tops out at 8192).
    public static let canvasSide = 8192
    /// Canvas pixels: H.264 level 6.2's largest picture (139 264 macroblocks, e.g. 8192×4352).
    public static let canvasArea = 139_264 * 256
    /// The shortest clip, in seconds: shorter ones would cover no frame at any rate.
    public static let shortestDuration = 0.001
    /// Values (numbers, strings, booleans, nulls, arrays, objects) in one JSON text: a document of
    /// 10 000 clips has a few hundred thousand; parsing millions costs seconds and gigabytes.
    public static let jsonValues = 1_000_000
    /// Frames per second.
    public static let frameRate: ClosedRange<Double> = 1...240
    /// Any time or duration in seconds (clip start and end, trims, fades, keyframe times): 24 hours.
    public static let seconds: Double = 86_400
    /// Any position, size, offset or radius in pixels, after percentages are resolved.
    public static let pixels: Double = 100_000
    /// A length given as a percentage of the canvas.
    public static let percent: Double = 1_000
    /// Scale factors (negative ones flip).
    public static let scale: ClosedRange<Double> = -100...100
    /// Rotations and gradient angles, in degrees.
    public static let degrees: ClosedRange<Double> = -36_000...36_000
    /// A shear, in degrees (`Transform.skewLimit`).
    public static let skew: ClosedRange<Double> = -Transform.skewLimit...Transform.skewLimit
    /// `zIndex`.
    public static let zIndex: ClosedRange<Double> = -1_000_000...1_000_000
    /// Font size in pixels.
    public static let fontSize: Double = 2_000
    /// Letter spacing in pixels, either way.
    public static let letterSpacing: Double = 1_000
    /// Line height, as a multiple of the font size.
    public static let lineHeight: Double = 10
    /// Stroke width in pixels.
    public static let strokeWidth: Double = 1_000
    /// Shadow blur radius in pixels (a blur filter's radius is capped by its registry range).
    public static let shadowBlur: Double = 250
    /// Characters in one text clip.
    public static let textLength = 10_000
    /// Characters of inline SVG markup (an `svg` clip's `svg`, or an `assets.svgs` entry's).
    public static let svgMarkupLength = 1 << 20
    /// Characters in any other string (ids, sources, font families).
    public static let stringLength = 8_192
    /// Elements of one array (tracks, clips of a track, keyframes, stops, envelope points).
    public static let arrayLength = 10_000
    /// Clips in the whole document, layout children included.
    public static let clips = 10_000
    /// Layouts nested inside each other (a layout in a layout is 2). Each level without a size
    /// across its direction may arrange the one inside it twice, so the work is kept in bounds.
    public static let layoutDepth = 8
    /// Arrays and objects nested inside each other.
    public static let nestingDepth = 64
    /// Problems reported for one document; the rest are counted.
    public static let diagnostics = 200
}

/// Decimal numbers written in text ("12.5", "-3e2"): ASCII digits only, no `nan`, `inf` or hex
/// floats, and finite. Swift's `Double(String)` accepts all of those, and a NaN or infinity that
/// reaches an integer conversion is a crash.
public enum DecimalSyntax {
    /// The number `text` spells, or nil.
    public static func parse<S: StringProtocol>(_ text: S) -> Double? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return nil }
        var index = 0
        if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        var digits = 0
        while index < bytes.count, isDigit(bytes[index]) { index += 1; digits += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, isDigit(bytes[index]) { index += 1; digits += 1 }
        }
        guard digits > 0 else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            var exponentDigits = 0
            while index < bytes.count, isDigit(bytes[index]) { index += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return nil }
        }
        guard index == bytes.count, let value = Double(String(decoding: bytes, as: UTF8.self)), value.isFinite else { return nil }
        return value
    }

    /// A whole number of ASCII digits (an optional leading sign) that fits an `Int`.
    public static func parseInteger<S: StringProtocol>(_ text: S) -> Int? {
        let bytes = Array(text.utf8)
        let body = bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") ? bytes.dropFirst() : bytes[...]
        guard !body.isEmpty, body.count <= 19, body.allSatisfy(isDigit) else { return nil }
        return Int(String(decoding: bytes, as: UTF8.self))
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
