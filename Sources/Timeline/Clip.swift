/// One clip of the timeline: content placed on the canvas for a window of time.
public struct Clip: Hashable, Sendable {
    /// The clip's own id from the input document, if it had one.
    public var id: String?
    /// Where the clip came from in its input document (a JSON path), for messages.
    public var origin: String
    /// Start on the timeline, in seconds.
    public var start: Double
    /// How long the clip lasts, in seconds; it is shown on [start, start + duration).
    public var duration: Double
    /// Stacking: higher draws on top. Ties break by start, then by order in the document.
    public var zIndex: Double
    public var opacity: Animatable<Double>
    public var transform: Transform
    public var shadow: Shadow?
    public var content: ClipContent
    /// Pixel filters in order (`style.filters` and filter keyframes).
    public var filters: [ClipFilter]
    /// Keyframed fill colour of text and shapes, replacing the content's own.
    public var fill: Animatable<RGBAColor>?
    public var animations: [Animation]
    /// How the clip enters.
    public var transition: Transition?
    /// The layout boxes the clip is drawn in, innermost first: each maps the coordinates of the
    /// one inside it (for the first, the clip's own `x`/`y`) into those of what holds it, the
    /// last onto the canvas. Empty for a clip outside any layout.
    public var frames: [LayoutFrame] = []
    /// The clip's place in `Timeline.layouts`, until the timeline is arranged.
    public var layoutSlot: LayoutSlot?

    public init(id: String? = nil, origin: String, start: Double, duration: Double, zIndex: Double = 0,
                opacity: Animatable<Double> = .constant(1), transform: Transform, shadow: Shadow? = nil,
                content: ClipContent, filters: [ClipFilter] = [], fill: Animatable<RGBAColor>? = nil,
                animations: [Animation] = [], transition: Transition? = nil) {
        self.filters = filters
        self.fill = fill
        self.animations = animations
        self.transition = transition
        self.id = id
        self.origin = origin
        self.start = start
        self.duration = duration
        self.zIndex = zIndex
        self.opacity = opacity
        self.transform = transform
        self.shadow = shadow
        self.content = content
    }

    /// The time the clip stops: `start + duration`, or earlier when a media clip's `source.end`
    /// runs out first (`start + min(duration, (source.end − source.start) / playbackRate)`).
    public var end: Double {
        switch content {
        case .video(let video): start + min(duration, video.trim.playableDuration ?? duration)
        case .audio(let audio) where !audio.sound.loops: start + min(duration, audio.trim.playableDuration ?? duration)
        default: start + duration
        }
    }

    /// The push that brings the clip in and moves the clips before it out: its own entrance, or
    /// that of a layout it is drawn in.
    public var push: Transition? {
        if let transition, transition.kind == .push { return transition }
        return frames.lazy.compactMap(\.transition).first { $0.kind == .push }
    }

    /// Whether the clip is on screen at timeline time `t`.
    public func isActive(at t: Double) -> Bool {
        let tolerance = FrameRate.boundaryTolerance
        return t >= start - tolerance && t < end - tolerance
    }
}

/// A group of clips. Tracks only group: stacking follows zIndex, not track order.
public struct Track: Hashable, Sendable {
    public var id: String?
    public var clips: [Clip]

    public init(id: String? = nil, clips: [Clip]) {
        self.id = id
        self.clips = clips
    }
}

/// The output frame: its size in pixels, rate and background.
public struct Canvas: Hashable, Sendable {
    public var width: Int
    public var height: Int
    public var frameRate: FrameRate
    public var background: Background

    public init(width: Int, height: Int, frameRate: FrameRate, background: Background = .paint(.solid(.black))) {
        self.width = width
        self.height = height
        self.frameRate = frameRate
        self.background = background
    }
}
