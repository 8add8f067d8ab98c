/// Where a media file comes from.
public enum MediaSource: Hashable, Sendable, CustomStringConvertible {
    /// An absolute path on this machine.
    case file(String)
    /// A remote http(s) URL.
    case url(String)

    public var description: String {
        switch self {
        case .file(let path): path
        case .url(let url): url
        }
    }
}

/// How an image fills its box.
public enum ObjectFit: String, CaseIterable, Hashable, Sendable {
    /// Stretch to the box, ignoring the aspect ratio.
    case fill
    /// Keep the aspect ratio and cover the whole box, cropping the overflow.
    case cover
    /// Keep the aspect ratio and fit inside the box, leaving the rest transparent.
    case contain
}

/// Horizontal alignment of text lines inside their box.
public enum TextAlignment: String, CaseIterable, Hashable, Sendable {
    case left, center, right
}

/// A drop shadow cast by a clip's pixels.
public struct Shadow: Hashable, Sendable {
    public var color: RGBAColor
    /// The blur radius in pixels (the Gaussian's standard deviation is half of it, as in HTML canvas).
    public var blur: Double
    public var offsetX: Double
    public var offsetY: Double

    public init(color: RGBAColor, blur: Double, offsetX: Double, offsetY: Double) {
        self.color = color
        self.blur = blur
        self.offsetX = offsetX
        self.offsetY = offsetY
    }
}

/// A font file offered by the document, matched by family, weight and style before installed fonts.
public struct FontFace: Hashable, Sendable {
    public var family: String
    public var weight: Int
    public var italic: Bool
    public var source: MediaSource

    public init(family: String, weight: Int, italic: Bool, source: MediaSource) {
        self.family = family
        self.weight = weight
        self.italic = italic
        self.source = source
    }
}

/// Text set in a font and painted.
public struct TextContent: Hashable, Sendable {
    public var text: String
    /// The requested family; nil means the default sans-serif.
    public var fontFamily: String?
    public var fontSize: Double
    /// CSS weight, 100...900.
    public var fontWeight: Int
    public var italic: Bool
    public var fill: Paint
    public var stroke: Paint?
    public var strokeWidth: Double
    public var alignment: TextAlignment
    /// Line advance as a multiple of the font size.
    public var lineHeight: Double
    /// Extra pixels after every character.
    public var letterSpacing: Double
    /// Whether lines break to fit the box width (when the box has one).
    public var wraps: Bool
    /// Parts of the text painted differently (a highlighted word, a coloured keyword, a word not
    /// revealed yet); later spans win where they overlap.
    public var spans: [TextSpan]
    /// A box behind the whole text block (captions' and code's background), with its padding.
    public var backdrop: TextBackdrop?
    /// Only the first `revealed` Unicode scalars are drawn (a typewriter); nil draws them all.
    /// The text keeps its layout while it is revealed.
    public var revealed: Int?

    public init(text: String, fontFamily: String? = nil, fontSize: Double = 48, fontWeight: Int = 400,
                italic: Bool = false, fill: Paint = .solid(.white), stroke: Paint? = nil, strokeWidth: Double = 0,
                alignment: TextAlignment = .center, lineHeight: Double = 1.2, letterSpacing: Double = 0,
                wraps: Bool = true, spans: [TextSpan] = [], backdrop: TextBackdrop? = nil) {
        self.spans = spans
        self.backdrop = backdrop
        self.text = text
        self.fontFamily = fontFamily
        self.fontSize = fontSize
        self.fontWeight = fontWeight
        self.italic = italic
        self.fill = fill
        self.stroke = stroke
        self.strokeWidth = strokeWidth
        self.alignment = alignment
        self.lineHeight = lineHeight
        self.letterSpacing = letterSpacing
        self.wraps = wraps
    }
}

/// A range of a text's characters painted its own way. Ranges count Unicode scalars
/// (`text.unicodeScalars`), so they mean the same in every language.
public struct TextSpan: Hashable, Sendable {
    public var range: Range<Int>
    /// The glyphs' paint; nil keeps the text's fill.
    public var fill: Paint?
    /// A rounded box behind the span's glyphs on each line it covers.
    public var background: RGBAColor?
    /// Laid out but not drawn: the text keeps its shape while words are revealed.
    public var hidden: Bool

    public init(range: Range<Int>, fill: Paint? = nil, background: RGBAColor? = nil, hidden: Bool = false) {
        self.range = range
        self.fill = fill
        self.background = background
        self.hidden = hidden
    }
}

/// A filled box behind a text block: the lines' extent grown by `padding`, corners rounded.
public struct TextBackdrop: Hashable, Sendable {
    public var color: RGBAColor
    public var padding: Double
    public var cornerRadius: Double
    /// Whether it spans the whole text box (code) rather than only the lines' ink (captions).
    public var fillsBox: Bool

    public init(color: RGBAColor, padding: Double, cornerRadius: Double, fillsBox: Bool) {
        self.color = color
        self.padding = padding
        self.cornerRadius = cornerRadius
        self.fillsBox = fillsBox
    }
}

/// Text whose content changes at given moments: captions word by word, a typewriter reveal.
/// The renderer never sees it: a clip's draw item carries the state of the moment.
public struct TimedText: Hashable, Sendable {
    /// One state of the text and when it begins, in seconds from the clip's start.
    public struct State: Hashable, Sendable {
        public var start: Double
        /// Nil: nothing is drawn from `start` (a pause between captions).
        public var text: TextContent?
        /// When set, the text fades in over this many seconds from `fadeFrom` (clip seconds).
        public var fadeFrom: Double
        public var fadeDuration: Double

        public init(start: Double, text: TextContent?, fadeFrom: Double = 0, fadeDuration: Double = 0) {
            self.start = start
            self.text = text
            self.fadeFrom = fadeFrom
            self.fadeDuration = fadeDuration
        }
    }

    /// A typewriter: the text's characters (Unicode scalars) appear one by one, `perSecond` a
    /// second from `delay` (clip seconds), the k-th at `delay + k / perSecond`.
    public struct Reveal: Hashable, Sendable {
        public var text: TextContent
        public var delay: Double
        public var perSecond: Double
        /// The text's length in scalars.
        public var count: Int

        public init(text: TextContent, delay: Double, perSecond: Double) {
            self.text = text
            self.delay = delay
            self.perSecond = perSecond
            count = text.text.unicodeScalars.count
        }

        /// How many characters a frame of `duration` seconds from `localTime` shows: those whose
        /// time falls before the frame ends (the frame whose interval holds a time shows it).
        public func revealed(at localTime: Double, frameDuration: Double) -> Int {
            let due = ((localTime + frameDuration - delay) * perSecond - 1e-9).rounded(.up) - 1
            return min(count, max(0, Int(saturating: due)))
        }
    }

    /// In time order; before the first nothing is drawn.
    public var states: [State]
    /// When set, the text of every moment, revealed by the typewriter (`states` is empty).
    public var reveal: Reveal?

    public init(states: [State]) {
        self.states = states.sorted { $0.start < $1.start }
    }

    public init(reveal: Reveal) {
        states = []
        self.reveal = reveal
    }

    /// The state shown at `localTime` seconds into the clip: the last to begin at or before it
    /// (with the frame-boundary tolerance), by binary search.
    public func state(at localTime: Double) -> State? {
        var low = 0, high = states.count
        while low < high {
            let middle = (low + high) / 2
            if states[middle].start <= localTime + FrameRate.boundaryTolerance { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : states[low - 1]
    }
}

/// A still image fitted into the clip's box.
public struct ImageContent: Hashable, Sendable {
    public var source: MediaSource
    public var fit: ObjectFit
    public var cornerRadii: CornerRadii

    public init(source: MediaSource, fit: ObjectFit = .cover, cornerRadii: CornerRadii = .zero) {
        self.source = source
        self.fit = fit
        self.cornerRadii = cornerRadii
    }
}

/// A vector shape filling the clip's box.
public struct ShapeContent: Hashable, Sendable {
    /// The outline of a shape, relative to its box.
    public enum Geometry: Hashable, Sendable {
        case rectangle(CornerRadii)
        /// The ellipse inscribed in the box (a circle in a square box).
        case ellipse
        /// A regular polygon inscribed in the box's ellipse, first vertex at the top.
        case regularPolygon(sides: Int)
        /// Part of the box's ellipse from `start` to `end` degrees, clockwise from 3 o'clock (as
        /// the canvas `arc()` counts): a pie slice (its outline runs along both radii) when
        /// `closed`, else the curve alone, which only a stroke draws.
        case arc(start: Double, end: Double, closed: Bool)
    }

    public var geometry: Geometry
    public var fill: Paint?
    public var stroke: Paint?
    /// Stroke width in pixels, centred on the outline.
    public var strokeWidth: Double

    public init(geometry: Geometry, fill: Paint?, stroke: Paint? = nil, strokeWidth: Double = 0) {
        self.geometry = geometry
        self.fill = fill
        self.stroke = stroke
        self.strokeWidth = strokeWidth
    }
}

/// A span of a media file: where playback starts in it, where it must stop, and how fast it runs.
public struct MediaTrim: Hashable, Sendable {
    /// Seconds into the media where the clip starts (`source.start`).
    public var start: Double
    /// Seconds into the media where playback stops (`source.end`), if limited.
    public var end: Double?
    /// Media seconds per timeline second, 0.25...4.
    public var playbackRate: Double

    public init(start: Double = 0, end: Double? = nil, playbackRate: Double = 1) {
        self.start = start
        self.end = end
        self.playbackRate = playbackRate
    }

    /// How long the trimmed media plays on the timeline, if `end` limits it.
    public var playableDuration: Double? { end.map { ($0 - start) / playbackRate } }

    /// The media time shown `localTime` timeline seconds after the clip starts.
    public func mediaTime(atLocalTime localTime: Double) -> Double { start + localTime * playbackRate }
}

/// How a clip's sound is mixed.
public struct SoundSettings: Hashable, Sendable {
    /// Linear gain, 1 = as recorded.
    public var volume: Double
    public var muted: Bool
    /// Repeat the trimmed span for as long as the clip lasts.
    public var loops: Bool
    /// Seconds of linear fade at the clip's start and end.
    public var fadeIn: Double
    public var fadeOut: Double
    /// Stereo position, −1 (left) ... 1 (right), equal-power.
    public var pan: Double
    /// Volume automation over clip-local time, multiplied with `volume`.
    public var gainEnvelope: Animatable<Double>?
    /// Lowering this clip while others play.
    public var ducking: Ducking?
    /// Keyframed volume over clip-local time, multiplied with everything else.
    public var volumeKeyframes: Animatable<Double>?
    /// Cents the pitch is shifted by, without changing the speed (100 a semitone).
    public var detune = 0.0
    /// Whether a playback rate other than 1 keeps the pitch (time-stretched, as browsers play
    /// media by default) or, false, moves it with the speed (resampled, as on tape).
    public var preservesPitch = true

    public init(volume: Double = 1, muted: Bool = false, loops: Bool = false, fadeIn: Double = 0, fadeOut: Double = 0,
                pan: Double = 0, gainEnvelope: Animatable<Double>? = nil, ducking: Ducking? = nil) {
        self.volume = volume
        self.muted = muted
        self.loops = loops
        self.fadeIn = fadeIn
        self.fadeOut = fadeOut
        self.pan = pan
        self.gainEnvelope = gainEnvelope
        self.ducking = ducking
    }

    /// Whether the clip contributes nothing to the mix.
    public var isSilent: Bool { muted || volume == 0 }
}

/// Lowers a clip's volume while any of the target clips is playing.
public struct Ducking: Hashable, Sendable {
    /// Ids of the clips that trigger the ducking.
    public var targets: [String]
    /// How much to lower the gain: 0 = not at all, 1 = to silence.
    public var amount: Double
    /// Seconds to ramp down after a target starts, and back up after it ends.
    public var attack: Double
    public var release: Double

    public init(targets: [String], amount: Double = 0.7, attack: Double = 0.1, release: Double = 0.3) {
        self.targets = targets
        self.amount = amount
        self.attack = attack
        self.release = release
    }
}

/// Footage: the frames of a video file, fitted into the clip's box, and its sound.
public struct VideoContent: Hashable, Sendable {
    public var source: MediaSource
    public var trim: MediaTrim
    public var fit: ObjectFit
    public var cornerRadii: CornerRadii
    public var sound: SoundSettings

    public init(source: MediaSource, trim: MediaTrim = MediaTrim(), fit: ObjectFit = .cover,
                cornerRadii: CornerRadii = .zero, sound: SoundSettings = SoundSettings()) {
        self.source = source
        self.trim = trim
        self.fit = fit
        self.cornerRadii = cornerRadii
        self.sound = sound
    }
}

/// Sound only.
public struct AudioContent: Hashable, Sendable {
    public var source: MediaSource
    public var trim: MediaTrim
    public var sound: SoundSettings

    public init(source: MediaSource, trim: MediaTrim = MediaTrim(), sound: SoundSettings = SoundSettings()) {
        self.source = source
        self.trim = trim
        self.sound = sound
    }
}

/// What a clip draws or plays.
public enum ClipContent: Hashable, Sendable {
    case text(TextContent)
    case image(ImageContent)
    case shape(ShapeContent)
    case video(VideoContent)
    case audio(AudioContent)
    /// Text that changes over the clip; draw items carry it as `.text` of the moment.
    case timedText(TimedText)
    /// Content a plug-in painter draws (vector strokes and paths, …): see `DrawnContent`.
    case drawn(Drawn)

    /// The same content with its fill replaced (text and shapes; others are unchanged).
    public func withFill(_ fill: Paint) -> ClipContent {
        switch self {
        case .text(var text):
            text.fill = fill
            return .text(text)
        case .timedText(var timed):
            for index in timed.states.indices { timed.states[index].text?.fill = fill }
            timed.reveal?.text.fill = fill
            return .timedText(timed)
        case .shape(var shape):
            shape.fill = fill
            return .shape(shape)
        case .drawn(let drawn):
            return drawn.withFill(fill).map(ClipContent.drawn) ?? self
        default:
            return self
        }
    }

    /// Whether the clip draws anything.
    public var isVisual: Bool {
        if case .audio = self { return false }
        return true
    }

    /// The media span and sound of a clip that plays sound.
    public var sound: (source: MediaSource, trim: MediaTrim, settings: SoundSettings)? {
        switch self {
        case .video(let video): (video.source, video.trim, video.sound)
        case .audio(let audio): (audio.source, audio.trim, audio.sound)
        default: nil
        }
    }
}
