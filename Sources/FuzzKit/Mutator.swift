public import Foundation
public import TemplateSchema
import Timeline

/// Structure-aware mutations of JSON documents: values swapped for the ones that break
/// conversions (huge, tiny, negative, non-ASCII digits, NaN spelled as text), keys added and
/// removed, arrays grown and shrunk, subtrees copied between documents, and now and then the
/// text itself cut or corrupted.
public struct Mutator {
    /// Every key the v2 schema reads, to add where they may or may not belong.
    static let keys = [
        "meta", "version", "width", "height", "fps", "background", "assets", "fonts", "images", "videos", "audios", "id",
        "src", "family", "weight", "style", "tracks", "clips", "type", "start", "duration", "zIndex", "opacity",
        "transform", "x", "y", "anchor", "scale", "rotation", "text", "size", "sides", "source", "end", "playbackRate",
        "volume", "muted", "loop", "fadeIn", "fadeOut", "pan", "gainEnvelope", "time", "easing", "ducking", "targets",
        "amount", "attack", "release", "fill", "stroke", "strokeWidth", "fontFamily", "fontSize", "fontWeight",
        "fontStyle", "lineHeight", "letterSpacing", "textAlign", "textWrap", "shadowColor", "shadowBlur", "shadowOffset",
        "borderRadius", "objectFit", "filters", "value", "animations", "delay", "from", "to", "direction", "distance",
        "filter", "keyframes", "property", "frames", "transition", "blur", "intensity", "angle", "stops", "offset",
        "color", "$ref",
        // three clips
        "renderer", "camera", "lights", "objects", "cameraAnimations", "shape", "model", "geometry", "material",
        "position", "lookAt", "fov", "near", "far", "radius", "tube", "detail", "widthSegments", "heightSegments",
        "radialSegments", "tubularSegments", "castShadow", "receiveShadow", "shadows", "clearColor", "clearAlpha",
        "autoScale", "autoCenter", "penumbra", "decay", "emissive", "metalness", "roughness", "wireframe", "side",
    ]

    /// Numbers that have broken integer conversions, divisions and allocations before.
    static let numbers: [Double] = [
        0, -0.0, 1, -1, 2, 0.5, 1e-9, 1e-300, -1e-300, 1e300, -1e300, 1.7976931348623157e308, 4.9e-324, 1e15, 1e18,
        9.2233720368547758e18, -9.2233720368547758e18, 4294967296, 65536, 32767, 8192, 8193, 8194, 100_000, 100_001,
        1e6, 1e9, 86_400, 86_401, 3600, 240, 241, 1000, 1001, 255, 256, 359.9999, 360, 36_000, 36_001, 0.001, 0.0001,
        1.0000001, 2.5, 29.97, 23.976, -100, -100.5, 100.5, 10_000, 10_001,
    ]

    /// Strings that have broken parsers and path handling before.
    static let strings = [
        "", " ", "#ＦＦＦ", "#fff", "#ffffffff", "#12345", "#ggg", "nan", "NaN", "inf", "-inf", "infinity", "1e999", "1e999%",
        "nan%", "infpx", "0x1p3", "0x10", "１２", "٣٤%", "50%", "-50%", "1000%", "1001%", "100000px", "1e308px", "12.5px",
        "rgb(nan,0,0)", "rgb(1e999,0,0)", "rgba(255,0,0,nan)", "hsl(1e308,100%,50%)", "hsl(nan,50%,50%)", "hsla(0,0%,0%,2)",
        "rgb(255 0 0 / 50%)", "transparent", "white", "../videos/x.mp4", "/etc/passwd", "file:///etc/passwd",
        "http://127.0.0.1:1/x.png", "images/bands.jpg", "images/green.gif", "images/bands.webp", "media/clip.mp4",
        "media/tone.wav", "media/clip.mov", "media/missing.mp4", "bold", "normal", "italic", "center", "left", "right",
        "top-left", "bottom-right", "cover", "contain", "fill", "linear", "radial", "conic", "easeInOut", "easeOutBounce",
        "spring", "😀🇫🇷", "\u{202E}abc", "\u{0}", "e\u{301}", String(repeating: "W", count: 12_000),
        String(repeating: "ab ", count: 400),
    ] + RenderingVideoV2.clipTypes.map(\.name) + AnimationKind.allCases.map(\.rawValue) + TransitionKind.allCases.map(\.rawValue)
        + FilterKind.allCases.map(\.rawValue) + KeyframeProperty.allCases.map(\.rawValue) + Easing.allCases.map(\.rawValue)
        + Direction.allCases.map(\.rawValue) + ThreeScene.Shape.allCases.map(\.rawValue)
        + ThreeScene.MaterialKind.allCases.map(\.rawValue) + ThreeScene.LightKind.allCases.map(\.rawValue)
        + ThreeAnimation.Property.allCases.map(\.rawValue)

    /// Keys sorted, so that the same seed writes the same bytes in every process.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    var random: SeededGenerator
    /// Other documents to copy subtrees from.
    let donors: [JSONValue]

    public init(seed: UInt64, donors: [JSONValue]) {
        random = SeededGenerator(seed: seed)
        self.donors = donors
    }

    /// A mutated copy of `document`, as text: usually valid JSON, sometimes not.
    public mutating func mutate(_ document: JSONValue) -> Data {
        var value = document
        for _ in 0..<Int.random(in: 1...4, using: &random) { value = mutateOnce(value) }
        if random.chance(0.9) { value = smallCanvas(value) }
        var text = Data((try? Self.encoder.encode(value)) ?? Data("{}".utf8))
        if random.chance(0.05) { text = mutateText(text) }
        return text
    }

    /// Most documents are drawn on a small canvas, so that the fuzzer spends its time on clips.
    private mutating func smallCanvas(_ value: JSONValue) -> JSONValue {
        guard case .object(var root) = value, case .object(var meta)? = root["meta"] else { return value }
        if case .number(let w)? = meta["width"], case .number(let h)? = meta["height"], w * h > 320 * 240 {
            meta["width"] = .number(Double(random.pick([64, 96, 160, 320])))
            meta["height"] = .number(Double(random.pick([36, 54, 90, 180])))
            root["meta"] = .object(meta)
            return .object(root)
        }
        return value
    }

    private mutating func mutateOnce(_ value: JSONValue) -> JSONValue {
        let count = Self.nodeCount(value)
        let target = Int.random(in: 0..<max(count, 1), using: &random)
        var index = 0
        return rewrite(value, target: target, index: &index)
    }

    private static func nodeCount(_ value: JSONValue) -> Int {
        switch value {
        case .array(let elements): 1 + elements.reduce(0) { $0 + nodeCount($1) }
        case .object(let members): 1 + members.values.reduce(0) { $0 + nodeCount($1) }
        default: 1
        }
    }

    private mutating func rewrite(_ value: JSONValue, target: Int, index: inout Int) -> JSONValue {
        if index == target {
            index += 1
            return replacement(for: value)
        }
        index += 1
        switch value {
        case .array(let elements):
            return .array(elements.map { rewrite($0, target: target, index: &index) })
        case .object(let members):
            var result: [String: JSONValue] = [:]
            for key in members.keys.sorted() { result[key] = rewrite(members[key] ?? .null, target: target, index: &index) }
            return .object(result)
        default:
            return value
        }
    }

    private mutating func replacement(for value: JSONValue) -> JSONValue {
        switch value {
        case .number(let number):
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return .number(-number)
            case 1: return .number(number * random.pick([10, 1000, 1e6, 1e-6, 0.5, 1e300]))
            case 2: return .string(random.pick(Self.strings))
            case 3: return randomValue(depth: 0)
            default: return .number(random.pick(Self.numbers))
            }
        case .string:
            return random.chance(0.75) ? .string(random.pick(Self.strings)) : randomValue(depth: 0)
        case .array(var elements):
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where !elements.isEmpty: elements.remove(at: Int.random(in: 0..<elements.count, using: &random))
            case 1 where !elements.isEmpty:
                let element = random.pick(elements)
                for _ in 0..<random.pick([1, 2, 10, 200]) { elements.append(element) }
            case 2 where elements.count > 1: elements.shuffle(using: &random)
            case 3: elements.append(donorSubtree() ?? randomValue(depth: 0))
            case 4: return .array([value])
            default: elements.append(randomValue(depth: 0))
            }
            return .array(elements)
        case .object(var members):
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !members.isEmpty: members.removeValue(forKey: random.pick(members.keys.sorted()))
            case 1: members[random.pick(Self.keys)] = donorSubtree() ?? randomValue(depth: 0)
            case 2 where !members.isEmpty: members[random.pick(members.keys.sorted())] = randomValue(depth: 0)
            case 3: return donorSubtree() ?? value
            default: members[random.pick(Self.keys)] = randomValue(depth: 0)
            }
            return .object(members)
        case .bool(let flag):
            return random.chance(0.5) ? .bool(!flag) : randomValue(depth: 0)
        case .null:
            return randomValue(depth: 0)
        }
    }

    private mutating func randomValue(depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 2 ? 4 : 7), using: &random) {
        case 0: return .number(random.pick(Self.numbers))
        case 1: return .string(random.pick(Self.strings))
        case 2: return .bool(random.chance(0.5))
        case 3: return .null
        case 4: return .array((0..<Int.random(in: 0...3, using: &random)).map { _ in randomValue(depth: depth + 1) })
        case 5: return donorSubtree() ?? .object([:])
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 1...3, using: &random) { members[random.pick(Self.keys)] = randomValue(depth: depth + 1) }
            return .object(members)
        }
    }

    /// A random subtree of a random donor document.
    private mutating func donorSubtree() -> JSONValue? {
        guard !donors.isEmpty else { return nil }
        let donor = random.pick(donors)
        var index = 0
        let target = Int.random(in: 0..<Self.nodeCount(donor), using: &random)
        return Self.subtree(donor, target: target, index: &index)
    }

    private static func subtree(_ value: JSONValue, target: Int, index: inout Int) -> JSONValue? {
        if index == target { return value }
        index += 1
        switch value {
        case .array(let elements):
            for element in elements { if let found = subtree(element, target: target, index: &index) { return found } }
        case .object(let members):
            for key in members.keys.sorted() {
                if let member = members[key], let found = subtree(member, target: target, index: &index) { return found }
            }
        default: break
        }
        return nil
    }

    /// Damage to the text: cut short, a slice repeated, a number made unrepresentable, deep nesting.
    private mutating func mutateText(_ text: Data) -> Data {
        var bytes = [UInt8](text)
        guard !bytes.isEmpty else { return text }
        let at = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<5, using: &random) {
        case 0: bytes.removeSubrange(at...)
        case 1: bytes.insert(contentsOf: Array("1e999".utf8), at: at)
        case 2: bytes.insert(contentsOf: Array(repeating: UInt8(ascii: "["), count: random.pick([64, 65, 500, 100_000])), at: at)
        case 3: bytes[at] = UInt8.random(in: 0...255, using: &random)
        default:
            let end = min(bytes.count, at + Int.random(in: 1...64, using: &random))
            bytes.insert(contentsOf: bytes[at..<end], at: at)
        }
        return Data(bytes)
    }
}
