public import Foundation
public import Timeline

/// The AVS public API's Template JSON v1 (`shared/specs/avs-public-api.md` §4), stored as the
/// `from-json` request's `{template, output}` so that the output options travel with it.
///
/// The published format names only `type`, `start`, `duration`, `source.url` xor
/// `source.uploadName`, and `text`; everything about presentation is Reel's choice, documented in
/// docs/avs-template.md: media fit the frame (`contain`), text is a caption at the bottom, later
/// blocks draw above earlier ones, and the video lasts until the latest block ends. Optional fields
/// refine that. Unknown fields are accepted and reported as warnings, never as errors.
public enum AVSTemplateV1: InputDialect {
    public static let name = "avs-template-v1"

    /// The prefix under which a block's `source.uploadName` reaches the `SourceResolver`
    /// (`upload:hero.mp4`): the surface maps it to the job's uploaded part of that name.
    public static let uploadPrefix = "upload:"

    /// A checked document: the template's blocks and the output they are drawn for.
    public struct Document: Sendable {
        public var name: String?
        public var blocks: [Block]
        public var output: Output
        /// Fields Reel does not read, with their paths.
        public var warnings: [Diagnostic]
        /// Every `uploadName` the blocks use, in order.
        public var uploadNames: [String] { blocks.compactMap(\.uploadName) }
    }

    /// One block of the template.
    public struct Block: Sendable {
        public enum Kind: String, CaseIterable, Sendable { case video, image, text, audio }
        public var kind: Kind
        public var path: JSONPath
        public var start: Double
        public var duration: Double
        public var url: String?
        public var uploadName: String?
        public var text: String?
        public var fit: ObjectFit
        public var volume: Double
        public var muted: Bool
        public var trimStart: Double
        public var position: CaptionPosition
        public var fontSize: Double?
        public var color: RGBAColor
        /// Slow camera motion on a picture (images and video): none, or a gentle zoom in or out.
        public var motion: Motion = .none
        /// Seconds the sound fades in and out (audio and video).
        public var fadeIn: Double = 0
        public var fadeOut: Double = 0
    }

    /// A gentle zoom over a block's length: 100 % → 108 % (in) or 108 % → 100 % (out).
    public enum Motion: String, CaseIterable, Sendable { case none, zoomIn, zoomOut }

    /// Where a text block sits.
    public enum CaptionPosition: String, CaseIterable, Sendable { case top, center, bottom }

    /// The picture the template is drawn at (§5; the enums are Reel's, the digest lists two values each).
    public struct Output: Sendable, Equatable {
        public enum AspectRatio: String, CaseIterable, Sendable { case landscape = "16:9", portrait = "9:16", square = "1:1", feed = "4:5" }
        public enum Quality: String, CaseIterable, Sendable { case draft, web, studio }
        public var aspectRatio: AspectRatio = .landscape
        public var quality: Quality = .web

        public init(aspectRatio: AspectRatio = .landscape, quality: Quality = .web) {
            self.aspectRatio = aspectRatio
            self.quality = quality
        }

        /// The canvas: the short edge is 480 (draft), 720 (web) or 1080 (studio) pixels, the long
        /// one rounded down to even (4:2:0 needs even sizes: draft 16:9 is 852×480).
        public var size: (width: Int, height: Int) {
            let short = switch quality { case .draft: 480; case .web: 720; case .studio: 1080 }
            let long = switch aspectRatio { case .landscape, .portrait: short * 16 / 9; case .square: short; case .feed: short * 5 / 4 }
            let even = long & ~1
            return aspectRatio == .landscape ? (even, short) : (short, even)
        }
    }

    /// Reads and checks a stored `{template, output}` document, reporting every problem at once.
    public static func read(_ data: Data) throws(SchemaError) -> Document {
        let value = try JSONValue.parse(data)
        let log = DiagnosticLog(), warnings = DiagnosticLog()
        let root = Node(value: value, path: .root, log: log)
        var output = Output()
        var name: String?
        var blocks: [Block] = []
        if root.expectObject() {
            warnUnknown(root, known: ["template", "output", "webhook"], into: warnings)
            if let outputNode = root["output"], outputNode.expectObject() {
                warnUnknown(outputNode, known: ["aspectRatio", "quality"], into: warnings)
                if let ratio = outputNode["aspectRatio"]?.oneOf(Output.AspectRatio.self) { output.aspectRatio = ratio }
                if let quality = outputNode["quality"]?.oneOf(Output.Quality.self) { output.quality = quality }
            }
            if let template = root.required("template"), template.expectObject() {
                warnUnknown(template, known: ["version", "name", "blocks"], into: warnings)
                if let version = template.required("version") {
                    if case .string("1") = version.value {} else { version.fail("must be the string \"1\"") }
                }
                name = template["name"]?.string
                if let elements = template.required("blocks")?.array {
                    if elements.isEmpty { template.path.appending("blocks").record(in: log, "needs at least one block") }
                    blocks = elements.compactMap { readBlock($0, warnings: warnings) }
                }
            }
        }
        guard log.diagnostics.isEmpty else { throw SchemaError(diagnostics: log.diagnostics) }
        return Document(name: name, blocks: blocks, output: output, warnings: warnings.diagnostics)
    }

    private static let mediaFields: Set = ["type", "start", "duration", "source", "fit", "volume", "muted", "trimStart", "motion",
                                           "fadeIn", "fadeOut"]
    private static let textFields: Set = ["type", "start", "duration", "text", "position", "fontSize", "color"]

    private static func readBlock(_ node: Node, warnings: DiagnosticLog) -> Block? {
        guard node.expectObject(), let kind = node.required("type")?.oneOf(Block.Kind.self) else { return nil }
        warnUnknown(node, known: kind == .text ? textFields : mediaFields, into: warnings)
        let start = node.required("start")?.seconds
        var duration = node.required("duration")?.duration
        if let start, let end = duration.map({ start + $0 }), end > DocumentLimits.seconds {
            node.path.appending("duration").record(in: node.log, "the block would end at \(end.formatted) s; blocks must end by \(DocumentLimits.seconds.formatted) s")
            duration = nil
        }
        var url: String?, uploadName: String?, text: String?
        if kind == .text {
            text = node.required("text")?.string(maxLength: DocumentLimits.textLength)
        } else if let source = node.required("source"), source.expectObject() {
            warnUnknown(source, known: ["url", "uploadName"], into: warnings)
            url = source["url"]?.string
            uploadName = source["uploadName"]?.string
            switch (url, uploadName) {
            case (nil, nil) where !source.has("url") && !source.has("uploadName"):
                source.fail("needs exactly one of url and uploadName")
            case (.some, .some):
                source.fail("has both url and uploadName; give exactly one")
            case (let u?, nil) where !SourceResolver.isRemote(u):
                source.path.appending("url").record(in: node.log, "must be an http(s) URL; files sent with the job are named by uploadName")
            default:
                break
            }
        }
        let fit = node["fit"]?.oneOf(ObjectFit.self) ?? .contain
        let volume = node["volume"]?.number(in: 0...10) ?? 1
        let muted = node["muted"]?.bool ?? false
        let trimStart = node["trimStart"]?.seconds ?? 0
        let position = node["position"]?.oneOf(CaptionPosition.self) ?? .bottom
        let fontSize = node["fontSize"]?.positiveNumber(upTo: DocumentLimits.fontSize)
        let color = node["color"].flatMap { DocumentReader(log: node.log).readColor($0) } ?? .white
        let motion = node["motion"]?.oneOf(Motion.self) ?? .none
        let fadeIn = node["fadeIn"]?.seconds ?? 0, fadeOut = node["fadeOut"]?.seconds ?? 0
        guard let start, let duration else { return nil }
        if kind != .text, url == nil, uploadName == nil { return nil }
        if kind == .text, text == nil { return nil }
        return Block(kind: kind, path: node.path, start: start, duration: duration, url: url, uploadName: uploadName, text: text,
                     fit: fit, volume: volume, muted: muted, trimStart: trimStart, position: position, fontSize: fontSize, color: color,
                     motion: motion, fadeIn: min(fadeIn, duration), fadeOut: min(fadeOut, duration))
    }

    private static func warnUnknown(_ node: Node, known: Set<String>, into warnings: DiagnosticLog) {
        guard case .object(let members) = node.value else { return }
        for key in members.keys.sorted() where !known.contains(key) {
            warnings.record(node.path.appending(key), "is not part of AVS Template JSON v1 as Reel reads it; ignored")
        }
    }

    public static func timeline(from document: Data, sources: SourceResolver) throws(SchemaError) -> Timeline {
        try read(document).lower(sources: sources)
    }
}

extension AVSTemplateV1.Document {
    /// The timeline: one track per block, later blocks above earlier ones.
    public func lower(sources: SourceResolver) throws(SchemaError) -> Timeline {
        let (width, height) = output.size
        let canvas = Canvas(width: width, height: height, frameRate: FrameRate(numerator: 30))
        let log = DiagnosticLog()
        let w = Double(width), h = Double(height)
        let tracks = blocks.enumerated().map { index, block -> Track in
            let path = block.path
            func source() -> MediaSource {
                let src = block.uploadName.map { AVSTemplateV1.uploadPrefix + $0 } ?? block.url ?? ""
                switch sources(src) {
                case .success(let source): return source
                case .failure(let refusal):
                    log.record(path.appending("source").appending(block.uploadName == nil ? "url" : "uploadName"), refusal.reason)
                    return .file(src)
                }
            }
            let fullFrame = Transform(x: .constant(w / 2), y: .constant(h / 2), width: .constant(w), height: .constant(h))
            var sound = SoundSettings(volume: block.volume, muted: block.muted)
            sound.fadeIn = block.fadeIn
            sound.fadeOut = block.fadeOut
            let content: ClipContent
            var transform = fullFrame
            var shadow: Shadow?
            switch block.kind {
            case .video:
                content = .video(VideoContent(source: source(), trim: MediaTrim(start: block.trimStart), fit: block.fit, sound: sound))
                transform = block.motion.applied(to: fullFrame, duration: block.duration)
            case .image:
                content = .image(ImageContent(source: source(), fit: block.fit))
                transform = block.motion.applied(to: fullFrame, duration: block.duration)
            case .audio:
                content = .audio(AudioContent(source: source(), trim: MediaTrim(start: block.trimStart), sound: sound))
            case .text:
                // A caption: 6 % of the short edge, wrapped within 90 % of the width, with a soft shadow.
                let size = block.fontSize ?? (min(w, h) * 0.06).rounded()
                let y = switch block.position { case .top: h * 0.12; case .center: h / 2; case .bottom: h * 0.88 }
                content = .text(TextContent(text: block.text ?? "", fontSize: size, fontWeight: 700, fill: .solid(block.color)))
                transform = Transform(x: .constant(w / 2), y: .constant(y), width: .constant(w * 0.9))
                shadow = Shadow(color: RGBAColor(red: 0, green: 0, blue: 0, alpha: 0.6), blur: size * 0.25, offsetX: 0, offsetY: size * 0.06)
            }
            let clip = Clip(origin: path.description, start: block.start, duration: block.duration, zIndex: Double(index),
                            transform: transform, shadow: shadow, content: content)
            return Track(id: "block\(index)", clips: [clip])
        }
        guard log.diagnostics.isEmpty else { throw SchemaError(diagnostics: log.diagnostics) }
        let delivery: Delivery = switch output.quality { case .draft: .draft; case .web: .standard; case .studio: .high }
        return Timeline(canvas: canvas, tracks: tracks, delivery: delivery)
    }
}

extension AVSTemplateV1.Motion {
    /// `transform` with this motion's scale over `duration` seconds.
    func applied(to transform: Transform, duration: Double) -> Transform {
        let (from, to): (Double, Double) = switch self { case .none: (1, 1); case .zoomIn: (1, 1.08); case .zoomOut: (1.08, 1) }
        guard from != to else { return transform }
        var moved = transform
        let scale = Animatable<Double>.keyframes([Keyframe(time: 0, value: from), Keyframe(time: duration, value: to, easing: .easeInOutSine)])
        moved.scaleX = scale
        moved.scaleY = scale
        return moved
    }
}
