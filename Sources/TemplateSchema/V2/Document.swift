public import Timeline

/// The RenderingVideo JSON schema v2 (see `docs/schema.md`): the document as written, checked but
/// not yet placed on a canvas. `lower(baseDirectory:)` turns it into a `Timeline`.
public enum RenderingVideoV2: Sendable {
    /// A whole v2 document.
    public struct Document: Sendable {
        public var meta: Meta
        public var assets: Assets
        public var tracks: [Track]
        /// Warnings from reading (a template's unknown variant), passed on to the timeline's notices.
        public var notices: [String] = []
    }

    /// `meta`: the canvas.
    public struct Meta: Sendable {
        public var version: String
        public var width: Int
        public var height: Int
        public var fps: Double
        public var background: Background
    }

    /// `assets`: pools of named media, referenced as `{"$ref": id}`.
    public struct Assets: Sendable {
        public var fonts: [FontAsset] = []
        /// `images`, `videos` and `audios` pools: asset id → src.
        public var images: [String: String] = [:]
        public var videos: [String: String] = [:]
        public var audios: [String: String] = [:]
        /// `subtitles`: asset id → words, inline or from a file.
        public var subtitles: [String: SubtitleWords] = [:]
        /// `svgs`: asset id → inline markup or a file.
        public var svgs: [String: SVGSource] = [:]
        /// `models`: asset id → a glTF model's src.
        public var models: [String: String] = [:]
    }

    /// An SVG picture: inline markup, or a file or URL.
    public enum SVGSource: Sendable {
        case markup(String)
        case src(String)
    }

    /// An entry of `assets.fonts`.
    public struct FontAsset: Sendable {
        public var id: String?
        public var src: String
        public var family: String
        public var weight: Int
        public var italic: Bool
    }

    public struct Track: Sendable {
        public var id: String?
        public var clips: [Clip]
    }

    /// A length in pixels or as a percentage of a canvas dimension.
    public enum Length: Hashable, Sendable {
        case pixels(Double)
        case percent(Double)

        /// The length in pixels, percentages taken of `whole`.
        public func resolved(against whole: Double) -> Double {
            switch self {
            case .pixels(let value): value
            case .percent(let value): value / 100 * whole
            }
        }
    }

    /// `transform`.
    public struct Transform: Sendable {
        public var x: Length?
        public var y: Length?
        public var width: Length?
        public var height: Length?
        public var anchor: Anchor = .center
        public var scaleX: Double = 1
        public var scaleY: Double = 1
        public var rotation: Double = 0
        /// `skew: [x, y]` (or one number, along x), degrees.
        public var skewX: Double = 0
        public var skewY: Double = 0
    }

    /// `style`: the fields the supported clip types read.
    public struct Style: Sendable {
        public var opacity: Double?
        public var objectFit: ObjectFit?
        public var fill: Paint?
        public var stroke: Paint?
        public var strokeWidth: Double?
        public var fontFamily: String?
        public var fontSize: Double?
        public var fontWeight: Int?
        public var italic: Bool?
        public var lineHeight: Double?
        public var letterSpacing: Double?
        public var textAlign: TextAlignment?
        public var textWrap: Bool?
        public var shadowColor: RGBAColor?
        public var shadowBlur: Double?
        public var shadowOffset: (x: Double, y: Double)?
        public var borderRadius: CornerRadii?
    }

    /// What a clip of each supported type carries beyond the shared fields.
    public enum Body: Sendable {
        case text(String)
        /// An image, its `src` with any `$ref` already resolved.
        case image(src: String)
        case rect
        /// `startAngle`/`endAngle` (degrees) make it an arc; both nil for the whole circle.
        case circle(size: Double?, startAngle: Double? = nil, endAngle: Double? = nil)
        case polygon(sides: Int, size: Double?)
        /// A `line` (points) or `path` (SVG path data).
        case curve(Curve)
        case svg(SVGSource)
        case icon(Icon)
        /// Footage, its `src` with any `$ref` resolved.
        case video(src: String, media: MediaFields)
        case audio(src: String, media: MediaFields)
        /// Word-timed captions (`V2/SubtitleClip.swift`).
        case subtitle(Subtitle)
        /// A block of syntax-coloured code (`V2/CodeClip.swift`).
        case code(Code)
        /// Clips lined up in a row or a column (`V2/LayoutClip.swift`).
        case layout(Layout)
        /// A 3-D scene (`V2/ThreeClip.swift`).
        case three(Three)
    }

    /// The fields video and audio clips share (audio-only ones stay at their defaults for video).
    public struct MediaFields: Sendable {
        public var sourceStart: Double = 0
        public var sourceEnd: Double?
        public var playbackRate: Double = 1
        public var volume: Double = 1
        public var muted = false
        public var loop = false
        public var fadeIn: Double = 0
        public var fadeOut: Double = 0
        public var pan: Double = 0
        public var detune: Double = 0
        public var preservesPitch = true
        public var gainEnvelope: [(time: Double, volume: Double, easing: Easing)] = []
        public var ducking: Ducking?
    }

    /// One clip with the BaseClip fields.
    public struct Clip: Sendable {
        /// Where the clip is in the document, e.g. `tracks[0].clips[2]`.
        public var path: JSONPath
        public var id: String?
        public var start: Double
        public var duration: Double
        public var zIndex: Double
        public var opacity: Double
        public var transform: Transform
        public var style: Style
        public var body: Body
        public var animations: [Animation] = []
        public var keyframes: [KeyframeProperty: KeyframeTrack] = [:]
        public var transition: Transition?
        public var filters: [ClipFilter] = []
    }

    /// Every clip type the v2 schema names, with whether Reel renders it yet.
    public static let clipTypes: [(name: String, supported: Bool)] = [
        ("text", true), ("image", true), ("rect", true), ("circle", true), ("polygon", true),
        ("video", true), ("audio", true), ("subtitle", true), ("layout", true), ("template", true),
        ("code", true), ("svg", true), ("icon", true), ("line", true), ("path", true), ("three", true),
    ]

    /// Reads and checks a v2 document, reporting every problem at once.
    public static func decode(_ data: Data) throws(SchemaError) -> Document {
        let value = try JSONValue.parse(data)
        let log = DiagnosticLog()
        let document = DocumentReader(log: log).read(Node(value: value, path: .root, log: log))
        guard log.diagnostics.isEmpty, let document else {
            throw SchemaError(diagnostics: log.diagnostics)
        }
        return document
    }
}

public import struct Foundation.Data
