public import Timeline
import Foundation

// The `icon` clip (schema §11.9): an Iconify-style `set:name` resolved in an icon font Debian
// ships, drawn as that font's glyph by the text engine (fontconfig finds the installed fonts by
// family), in `color`, as large as the transform's box.

/// The icon sets Reel knows: each an icon font and the stylesheet that names its glyphs.
public struct IconSet: Sendable {
    /// The set's prefix in `set:name`.
    public let name: String
    /// Other prefixes that mean the same set.
    public let aliases: [String]
    /// The font's family, as fontconfig knows it.
    public let family: String
    public let summary: String
    /// The stylesheet with a `.PREFIX-NAME:before { content: "\XXXX" }` rule per icon.
    let stylesheet: String
    let classPrefix: String

    /// Every set, whether installed or not (`isInstalled`).
    public static let all: [IconSet] = [
        IconSet(name: "mdi", aliases: [], family: "Material Design Icons",
                summary: "Material Design Icons (Debian's fonts-materialdesignicons-webfont)",
                stylesheet: "/usr/share/fonts-materialdesignicons-webfont/css/materialdesignicons.css", classPrefix: "mdi-"),
        IconSet(name: "fa", aliases: ["fork-awesome"], family: "forkawesome",
                summary: "Font Awesome 4.7's icons and more, from Fork Awesome (Debian's fonts-fork-awesome)",
                stylesheet: "/usr/share/fonts-fork-awesome/css/fork-awesome.css", classPrefix: "fa-"),
    ]

    /// The set named `prefix` (or one of its aliases).
    public static func named(_ prefix: String) -> IconSet? {
        all.first { $0.name == prefix || $0.aliases.contains(prefix) }
    }

    /// Icon name → code point, read from the stylesheet once; empty when it is not installed.
    public var icons: [String: Unicode.Scalar] { IconCatalog.shared.icons(of: self) }

    public var isInstalled: Bool { !icons.isEmpty }

    /// Up to `count` names in the set closest to `name`, by edit distance.
    public func nearest(to name: String, count: Int = 3) -> [String] {
        // A name longer than any icon's is not a near miss (and would cost long comparisons).
        guard name.utf8.count <= 64 else { return [] }
        let names = icons.keys
        // Edit distance, a little less for a name that contains the other.
        func distance(_ a: String) -> Int {
            IconSet.editDistance(Array(a.utf8), Array(name.utf8)) - (a.contains(name) || name.contains(a) ? 2 : 0)
        }
        let scored: [(name: String, score: Int)] = names.map { ($0, distance($0)) }
        let ordered = scored.sorted { a, b in a.score != b.score ? a.score < b.score : a.name < b.name }
        return ordered.prefix(count).map { $0.name }
    }

    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count), current = previous
        for i in 1...max(1, a.count) where !a.isEmpty {
            current[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

/// The icon sets' names, parsed from their stylesheets on first use.
final class IconCatalog: @unchecked Sendable {
    static let shared = IconCatalog()
    private let lock = NSLock()
    private var loaded: [String: [String: Unicode.Scalar]] = [:]

    func icons(of set: IconSet) -> [String: Unicode.Scalar] {
        lock.withLock {
            if let icons = loaded[set.name] { return icons }
            let text = (try? String(contentsOfFile: set.stylesheet, encoding: .utf8)) ?? ""
            let icons = Self.parse(text, classPrefix: set.classPrefix)
            loaded[set.name] = icons
            return icons
        }
    }

    /// The `.PREFIX-NAME:before` (or `::before`) selectors of each rule with a `content: "\XXXX"`.
    static func parse(_ css: String, classPrefix: String) -> [String: Unicode.Scalar] {
        var icons: [String: Unicode.Scalar] = [:]
        for rule in css.split(separator: "}") {
            guard let brace = rule.firstIndex(of: "{") else { continue }
            let body = rule[rule.index(after: brace)...]
            guard let content = body.range(of: "content:") else { continue }
            let value = body[content.upperBound...].drop { $0 == " " || $0 == "\"" || $0 == "'" }
            guard value.first == "\\" else { continue }
            let hex = value.dropFirst().prefix { $0.isHexDigit }
            guard let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else { continue }
            for selector in rule[..<brace].split(separator: ",") {
                let trimmed = selector.trimmingCharacters(in: .whitespacesAndNewlines)
                guard trimmed.hasPrefix("." + classPrefix), let colon = trimmed.firstIndex(of: ":") else { continue }
                let name = trimmed[trimmed.index(trimmed.startIndex, offsetBy: classPrefix.count + 1)..<colon]
                if !name.isEmpty, trimmed[colon...].hasSuffix("before") { icons[String(name)] = scalar }
            }
        }
        return icons
    }
}

extension RenderingVideoV2 {
    public struct Icon: Sendable {
        public var set: IconSet
        public var name: String
        public var scalar: Unicode.Scalar
        public var color: Paint?
    }
}

extension DocumentReader {
    func readIcon(_ node: Node) -> RenderingVideoV2.Icon? {
        guard let iconNode = node.required("icon"), let text = iconNode.string else { return nil }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            iconNode.fail("expected \"set:name\", e.g. \"mdi:heart\"; sets: " + IconSet.all.map { "\"\($0.name)\"" }.joined(separator: ", "))
            return nil
        }
        guard let set = IconSet.named(parts[0]) else {
            iconNode.fail("unknown icon set \"\(parts[0])\"; sets: " + IconSet.all.map { "\"\($0.name)\"" }.joined(separator: ", "))
            return nil
        }
        guard set.isInstalled else {
            iconNode.fail("the icon set \"\(set.name)\" is not installed on this server (\(set.summary))")
            return nil
        }
        guard let scalar = set.icons[parts[1]] else {
            let nearest = set.nearest(to: parts[1])
            iconNode.fail("no icon \"\(parts[1])\" in \"\(set.name)\""
                          + (nearest.isEmpty ? "" : "; nearest: " + nearest.map { "\"\(set.name):\($0)\"" }.joined(separator: ", ")))
            return nil
        }
        let color = node["color"].flatMap(readColor).map(Paint.solid)
        return RenderingVideoV2.Icon(set: set, name: parts[1], scalar: scalar, color: color)
    }
}

extension RenderingVideoV2.Document {
    /// An icon's glyph as text: the box is a square of the transform's smaller side (48 px when it
    /// gives none), the glyph's em square filling it, centred.
    func iconContent(_ icon: RenderingVideoV2.Icon, style: RenderingVideoV2.Style, size: Double) -> ClipContent {
        .text(TextContent(text: String(Character(icon.scalar)), fontFamily: icon.set.family, fontSize: size,
                          fontWeight: 400, italic: false, fill: icon.color ?? style.fill ?? .solid(.white),
                          stroke: style.stroke, strokeWidth: style.stroke == nil ? 0 : (style.strokeWidth ?? 1),
                          alignment: .center, lineHeight: 1, letterSpacing: 0, wraps: false))
    }
}
