/// The one representation every input dialect lowers to and the renderer consumes.
public struct Timeline: Hashable, Sendable {
    public var canvas: Canvas
    public var tracks: [Track]
    /// Fonts the document supplies, preferred over installed fonts of the same family.
    public var fonts: [FontFace]

    public init(canvas: Canvas, tracks: [Track], fonts: [FontFace] = []) {
        self.canvas = canvas
        self.tracks = tracks
        self.fonts = fonts
    }

    /// The length of the timeline: the latest end of any clip.
    public var duration: Double {
        tracks.lazy.flatMap(\.clips).map(\.end).max() ?? 0
    }

    /// How many frames a render of the whole timeline has.
    public var frameCount: Int { canvas.frameRate.frameCount(forDuration: duration) }

    /// Every clip in drawing order, bottom first: by zIndex, then start, then document order.
    public var clipsInDrawingOrder: [Clip] {
        let ordered = tracks.flatMap(\.clips).enumerated().sorted { a, b in
            if a.element.zIndex != b.element.zIndex { return a.element.zIndex < b.element.zIndex }
            if a.element.start != b.element.start { return a.element.start < b.element.start }
            return a.offset < b.offset
        }
        return ordered.map(\.element)
    }

    /// Every clip that plays sound (audio clips, and video clips that are not muted).
    public var soundClips: [Clip] {
        tracks.flatMap(\.clips).filter { clip in
            guard let sound = clip.content.sound else { return false }
            return !sound.settings.isSilent
        }
    }

    /// What to draw at frame `index`, bottom first.
    public func drawList(atFrame index: Int) -> [DrawItem] {
        drawList(at: canvas.frameRate.time(ofFrame: index))
    }

    /// What to draw at timeline time `t` seconds, bottom first.
    public func drawList(at t: Double) -> [DrawItem] {
        clipsInDrawingOrder.compactMap { clip in
            guard clip.content.isVisual, clip.isActive(at: t) else { return nil }
            let item = DrawItem(clip: clip, localTime: t - clip.start)
            return item.opacity > 0 ? item : nil
        }
    }
}

/// One clip evaluated at one instant: everything the compositor needs, nothing animatable left.
public struct DrawItem: Hashable, Sendable {
    public var content: ClipContent
    /// Where the anchor sits on the canvas, in pixels.
    public var x: Double
    public var y: Double
    /// The box size before scaling, or nil for the content's own size.
    public var width: Double?
    public var height: Double?
    public var anchor: Anchor
    public var scaleX: Double
    public var scaleY: Double
    /// Degrees clockwise about the anchor.
    public var rotation: Double
    /// For footage: the time in the media file whose frame is shown.
    public var mediaTime: Double?
    /// 0...1.
    public var opacity: Double
    public var shadow: Shadow?
    /// The clip's origin in its document, for messages.
    public var origin: String

    /// Evaluates `clip` at `localTime` seconds after its start.
    public init(clip: Clip, localTime: Double) {
        let transform = clip.transform
        content = clip.content
        x = transform.x.value(at: localTime)
        y = transform.y.value(at: localTime)
        width = transform.width?.value(at: localTime)
        height = transform.height?.value(at: localTime)
        anchor = transform.anchor
        scaleX = transform.scaleX.value(at: localTime)
        scaleY = transform.scaleY.value(at: localTime)
        rotation = transform.rotation.value(at: localTime)
        opacity = min(max(clip.opacity.value(at: localTime), 0), 1)
        shadow = clip.shadow
        origin = clip.origin
        if case .video(let video) = clip.content {
            mediaTime = video.trim.mediaTime(atLocalTime: localTime)
        }
    }
}
