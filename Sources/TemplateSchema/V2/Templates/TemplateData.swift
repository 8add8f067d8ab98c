import Timeline

/// Reading a template's merged `data`, each problem at its path under `data`.
struct TemplateData {
    let node: Node

    /// A required non-empty string.
    func requiredText(_ key: String) -> String? {
        guard let text = node.required(key)?.string(maxLength: DocumentLimits.textLength) else { return nil }
        if text.isEmpty { node.path.appending(key).record(in: node.log, "must not be empty") }
        return text.isEmpty ? nil : text
    }

    /// An optional string; "" when absent.
    func text(_ key: String) -> String {
        node[key]?.string(maxLength: DocumentLimits.textLength) ?? ""
    }

    /// A colour, as a string the clip readers accept; the default when absent.
    func color(_ key: String, default fallback: String) -> String? {
        guard let member = node[key] else { return fallback }
        guard let text = member.string, ColorSyntax.parse(text) != nil else {
            member.fail("expected a colour such as \"#ffd200\"")
            return nil
        }
        return text
    }

    func number(_ key: String, in range: ClosedRange<Double>, default fallback: Double) -> Double? {
        guard let member = node[key] else { return fallback }
        return member.number(in: range)
    }

    func whole(_ key: String, in range: ClosedRange<Int>, default fallback: Int) -> Int? {
        guard let member = node[key] else { return fallback }
        guard let value = member.number(in: Double(range.lowerBound)...Double(range.upperBound)) else { return nil }
        guard value == value.rounded() else {
            member.fail("must be a whole number, found \(value.formatted)")
            return nil
        }
        return Int(value)
    }

    func bool(_ key: String, default fallback: Bool) -> Bool {
        node[key]?.bool ?? fallback
    }

    var variant: String { node["variant"]?.string ?? "" }
}

/// Clip objects as templates write them.
enum TemplateClips {
    static func rect(_ x: Double, _ y: Double, _ width: Double, _ height: Double, fill: String, start: Double = 0,
                     duration: Double, extra: [String: JSONValue] = [:]) -> JSONValue {
        .object(["type": .string("rect"), "start": .number(start), "duration": .number(duration),
                 "transform": .object(["x": .number(x), "y": .number(y), "width": .number(width), "height": .number(height)]),
                 "style": .object(["fill": .string(fill)])].merging(extra) { $1 })
    }

    static func text(_ text: String, x: Double, y: Double, width: Double? = nil, size: Double, color: String, weight: Int = 400,
                     align: String = "center", anchor: String = "center", start: Double = 0, duration: Double,
                     animations: [JSONValue] = [], extra: [String: JSONValue] = [:]) -> JSONValue {
        var transform: [String: JSONValue] = ["x": .number(x), "y": .number(y), "anchor": .string(anchor)]
        if let width { transform["width"] = .number(width) }
        return .object(["type": .string("text"), "text": .string(text), "start": .number(start), "duration": .number(duration),
                        "transform": .object(transform),
                        "style": .object(["fontSize": .number(size), "fill": .string(color), "fontWeight": .number(Double(weight)),
                                          "textAlign": .string(align)]),
                        "animations": .array(animations)].merging(extra) { $1 })
    }

    static func animation(_ type: String, duration: Double, delay: Double = 0, easing: String = "easeOutCubic",
                          _ fields: [String: JSONValue] = [:]) -> JSONValue {
        .object(["type": .string(type), "duration": .number(duration), "delay": .number(delay), "easing": .string(easing)]
            .merging(fields) { $1 })
    }
}
