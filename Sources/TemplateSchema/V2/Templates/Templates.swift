import Timeline

// The `template` clip (schema §11.15): a named arrangement of ordinary clips, expanded while the
// document is read. `data` is merged over the template's defaults and its variant's
// (defaults → variant → data → overrides.data, objects merged key by key, anything else
// replaced), checked with JSON paths under `data`, and turned into clip objects that are read
// like any clip; then `overrides.style` is merged into every generated non-audio clip's style,
// `overrides.transition` given to those without one, and `overrides.zIndexOffset` added to every
// zIndex. The template clip's own transform, animations and keyframes are not passed on.

/// One template type: its data's defaults, its variants, and the clips it makes.
protocol ClipTemplate: Sendable {
    /// The `template` value that names it.
    var name: String { get }
    /// What the template shows, for `reel capabilities`.
    var summary: String { get }
    /// The defaults of `data`.
    var defaults: [String: JSONValue] { get }
    /// Its variants with their defaults, the first the default one.
    var variants: [(name: String, defaults: [String: JSONValue])] { get }
    /// The clips for `data` (merged and at `data`'s path) over `duration` seconds from 0, as clip
    /// objects; nil after logging what is wrong with the data.
    func clips(_ data: Node, duration: Double, canvas: (width: Double, height: Double)) -> [JSONValue]?
}

/// Every template type RenderingVideo names, and the ones Reel expands.
enum ClipTemplates {
    static let names = ["product-intro", "slideshow", "subtitle-video", "talking-head", "comparison", "countdown",
                        "text-reveal", "news", "quote", "list"]

    /// The list a new template type is added to.
    static let all: [any ClipTemplate] = [ProductIntroTemplate(), SlideshowTemplate(), SubtitleVideoTemplate(), TalkingHeadTemplate(),
                                          ComparisonTemplate(), CountdownTemplate(), TextRevealTemplate(), NewsTemplate(), QuoteTemplate(),
                                          ListTemplate()]

    static func named(_ name: String) -> (any ClipTemplate)? { all.first { $0.name == name } }

    /// `base` with `overlay` merged in: objects member by member, recursively; anything else replaced.
    static func merged(_ base: [String: JSONValue], _ overlay: [String: JSONValue]) -> [String: JSONValue] {
        var result = base
        for (key, value) in overlay {
            if case .object(let inner) = value, case .object(let existing)? = result[key] {
                result[key] = .object(merged(existing, inner))
            } else {
                result[key] = value
            }
        }
        return result
    }
}

extension DocumentReader {
    /// The clips a `template` clip expands into, read like any clip; none after logging a problem.
    func expandTemplate(_ node: Node, assets: RenderingVideoV2.Assets, canvas: Canvas) -> [RenderingVideoV2.Clip] {
        guard let typeNode = node.required("template"), let name = typeNode.string else { return [] }
        guard ClipTemplates.names.contains(name) else {
            typeNode.fail("unknown template \"\(name)\"; expected one of " + ClipTemplates.names.map { "\"\($0)\"" }.joined(separator: ", "))
            return []
        }
        guard let template = ClipTemplates.named(name) else {
            typeNode.fail("template \"\(name)\" is not supported yet; supported: "
                          + ClipTemplates.all.map { "\"\($0.name)\"" }.joined(separator: ", "))
            return []
        }
        let start = node.required("start")?.seconds
        let duration = node.required("duration")?.duration
        var variant = template.variants[0]
        if let variantNode = node["variant"], let wanted = variantNode.string {
            if let found = template.variants.first(where: { $0.name == wanted }) {
                variant = found
            } else {
                notices.add("\(node.path.appending("variant")): template \"\(name)\" has no variant \"\(wanted)\" (it has "
                            + template.variants.map { "\"\($0.name)\"" }.joined(separator: ", ") + "); using \"\(variant.name)\"")
            }
        }
        guard let dataNode = node.required("data"), dataNode.expectObject(), case .object(let data) = dataNode.value else { return [] }
        var merged = ClipTemplates.merged(ClipTemplates.merged(template.defaults, variant.defaults), data)
        merged["variant"] = .string(variant.name)
        var style: [String: JSONValue]?, transition: JSONValue?, zOffset = 0.0
        if let overrides = node["overrides"], overrides.expectObject() {
            if let extra = overrides["data"], extra.expectObject(), case .object(let members) = extra.value {
                merged = ClipTemplates.merged(merged, members)
            }
            if let styleNode = overrides["style"], styleNode.expectObject(), case .object(let members) = styleNode.value {
                _ = readStyle(styleNode)  // checked here, with its own path
                style = members
            }
            if let transitionNode = overrides["transition"], transitionNode.expectObject() { transition = transitionNode.value }
            if let offset = overrides["zIndexOffset"]?.number(in: DocumentLimits.zIndex) { zOffset = offset }
        }
        guard let start, let duration else { return [] }
        let mergedNode = Node(value: .object(merged), path: dataNode.path, log: log)
        guard let generated = template.clips(mergedNode, duration: duration, canvas: canvas) else { return [] }
        // Written clips were counted against the limit before reading; what templates add counts too.
        generatedClips.count += generated.count
        guard generatedClips.count <= DocumentLimits.clips else {
            node.fail("the document's templates make \(generatedClips.count) clips so far; a document may have at most \(DocumentLimits.clips)")
            return []
        }
        return generated.enumerated().compactMap { index, value -> RenderingVideoV2.Clip? in
            guard case .object(var clip) = value else { return nil }
            // Every generated clip within the template clip's window.
            let localStart: Double = if case .number(let s)? = clip["start"] { s } else { 0 }
            guard localStart < duration else { return nil }
            let length: Double = if case .number(let d)? = clip["duration"] { d } else { duration }
            clip["start"] = .number(start + localStart)
            clip["duration"] = .number(min(length, duration - localStart))
            if case .number(let z)? = clip["zIndex"] { clip["zIndex"] = .number(z + zOffset) } else { clip["zIndex"] = .number(zOffset) }
            let isAudio = clip["type"] == .string("audio")
            if !isAudio, let style {
                let own: [String: JSONValue] = if case .object(let members)? = clip["style"] { members } else { [:] }
                clip["style"] = .object(ClipTemplates.merged(own, style))
            }
            if !isAudio, let transition, clip["transition"] == nil { clip["transition"] = transition }
            return readClip(Node(value: .object(clip), path: node.path.appending("generated").appending(index), log: log),
                            assets: assets, canvas: canvas)
        }
    }
}

// MARK: helpers for templates' clip objects

extension JSONValue {
    static func obj(_ members: [String: JSONValue]) -> JSONValue { .object(members) }
    static func num(_ value: Double) -> JSONValue { .number(value) }
}

extension Node {
    /// A colour member: a string a colour reader accepts (checked where the template reads it).
    func text(_ key: String, maxLength: Int = DocumentLimits.textLength) -> String? {
        self[key]?.string(maxLength: maxLength)
    }
}

/// A count shared by a reader's copies.
final class ClipCounter: @unchecked Sendable {
    var count = 0
}
