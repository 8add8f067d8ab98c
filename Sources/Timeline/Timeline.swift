/// How much encoding effort a document asks for; `Render` maps it to encoder settings.
public enum Delivery: String, CaseIterable, Hashable, Sendable {
    case draft, standard, high
}

/// The one representation every input dialect lowers to and the renderer consumes.
public struct Timeline: Hashable, Sendable {
    public var canvas: Canvas
    public var tracks: [Track]
    /// Fonts the document supplies, preferred over installed fonts of the same family.
    public var fonts: [FontFace]
    /// Notes from lowering that do not stop a render (an unknown code language), shown as warnings.
    public var notices: [String] = []
    /// What the document asks of the encoder: a quick draft, the standard trade-off, or high quality.
    public var delivery: Delivery
    /// Layout boxes whose clips are not placed yet (`arranged(measuring:)` places them).
    public var layouts: [LayoutBox] = []

    public init(canvas: Canvas, tracks: [Track], fonts: [FontFace] = [], delivery: Delivery = .standard) {
        self.canvas = canvas
        self.tracks = tracks
        self.fonts = fonts
        self.delivery = delivery
    }

    /// The length of the timeline: the latest end of any clip.
    public var duration: Double {
        tracks.lazy.flatMap(\.clips).map(\.end).max() ?? 0
    }

    /// How many frames a render of the whole timeline has.
    public var frameCount: Int { canvas.frameRate.frameCount(forDuration: duration) }

    /// Every clip in drawing order, bottom first: by zIndex, then start, then document order.
    public var clipsInDrawingOrder: [Clip] { schedule().clipsInDrawingOrder }

    /// The drawing order and pushes worked out once, for evaluating many frames. Layouts not yet
    /// arranged are arranged with the sizes the document gives (`DeclaredSizes`): a renderer
    /// arranges them with its fonts and media first.
    public func schedule() -> Schedule {
        guard !layouts.isEmpty, let arranged = try? arranged(measuring: DeclaredSizes()) else { return Schedule(self) }
        return Schedule(arranged)
    }

    /// Every clip that plays sound (audio clips, and video clips that are not muted).
    public var soundClips: [Clip] {
        tracks.flatMap(\.clips).filter { clip in
            guard let sound = clip.content.sound else { return false }
            return !sound.settings.isSilent
        }
    }

    /// What to draw at frame `index`, bottom first.
    public func drawList(atFrame index: Int) -> [DrawItem] { schedule().drawList(atFrame: index) }

    /// What to draw at timeline time `t` seconds, bottom first. To evaluate many frames, make a
    /// `schedule()` once and ask it instead.
    public func drawList(at t: Double) -> [DrawItem] { schedule().drawList(at: t) }
}

/// A timeline's clips sorted into drawing order, each with the push that moves it out: the part
/// of evaluating a frame that does not depend on the frame, done once.
public struct Schedule: Sendable {
    private struct Entry: Sendable {
        var clip: Clip
        var exit: (transition: Transition, start: Double)?
    }

    public let canvas: Canvas
    private let entries: [Entry]

    init(_ timeline: Timeline) {
        canvas = timeline.canvas
        var entries: [Entry] = []
        for track in timeline.tracks {
            let byStart = track.clips.sorted { $0.start < $1.start }
            for clip in track.clips {
                // A later clip on the same track that overlaps this one with a push moves it out.
                let pusher = byStart.lazy.compactMap { next -> (transition: Transition, start: Double)? in
                    guard next.start > clip.start, next.start < clip.end, next.content.isVisual, let push = next.push else { return nil }
                    return (push, next.start)
                }.first
                entries.append(Entry(clip: clip, exit: pusher))
            }
        }
        self.entries = entries.enumerated().sorted { a, b in
            if a.element.clip.zIndex != b.element.clip.zIndex { return a.element.clip.zIndex < b.element.clip.zIndex }
            if a.element.clip.start != b.element.clip.start { return a.element.clip.start < b.element.clip.start }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Every clip in drawing order, bottom first.
    public var clipsInDrawingOrder: [Clip] { entries.map(\.clip) }

    /// What to draw at frame `index`, bottom first.
    public func drawList(atFrame index: Int) -> [DrawItem] {
        drawList(at: canvas.frameRate.time(ofFrame: index))
    }

    /// What to draw at timeline time `t` seconds, bottom first.
    public func drawList(at t: Double) -> [DrawItem] {
        var items: [DrawItem] = []
        drawList(at: t, into: &items)
        return items
    }

    /// `drawList(atFrame:)` written over `items`, reusing the storage of its array and of its
    /// items' filter lists: from frame to frame of a render, the same clips usually land in the
    /// same places, so a frame's list allocates nothing.
    public func drawList(atFrame index: Int, into items: inout [DrawItem]) {
        drawList(at: canvas.frameRate.time(ofFrame: index), into: &items)
    }

    /// `drawList(at:)` written over `items` (see `drawList(atFrame:into:)`).
    public func drawList(at t: Double, into items: inout [DrawItem]) {
        var count = 0
        for entry in entries {
            let clip = entry.clip
            guard clip.content.isVisual, clip.isActive(at: t) else { continue }
            if count == items.count {
                items.append(DrawItem(clip: clip, localTime: t - clip.start, canvas: canvas))
            } else {
                items[count].evaluate(clip, localTime: t - clip.start, canvas: canvas)
            }
            if let exit = entry.exit, t >= exit.start - FrameRate.boundaryTolerance,
               let progress = exit.transition.progress(at: t - exit.start) {
                items[count].leave(exit.transition, progress: progress, canvas: canvas)
            }
            if items[count].opacity > 0 { count += 1 }
        }
        items.removeLast(items.count - count)
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
    /// Degrees of shear along x and y about the anchor (`Transform.skewX`, `skewY`).
    public var skewX = 0.0
    public var skewY = 0.0
    /// For footage: the time in the media file whose frame is shown.
    public var mediaTime: Double?
    /// Pixel filters in order.
    public var filters: [AppliedFilter] = []
    /// A canvas-space reveal of a wipe or iris transition.
    public var reveal: RevealMask?
    /// Boxes that cut the item: the layouts with `clip: true` it is drawn in. Nothing is drawn
    /// outside any of them.
    public var clipRegions: [ClipRegion] = []
    /// A light-sweep transition in progress: how far the band has crossed (0–1) and its brightness.
    public var lightSweep: (progress: Double, intensity: Double)? {
        get { lightSweepState.map { ($0.x, $0.y) } }
        set { lightSweepState = newValue.map { SIMD2($0.progress, $0.intensity) } }
    }
    private var lightSweepState: SIMD2<Double>?
    /// 0...1.
    public var opacity: Double
    public var shadow: Shadow?
    /// The clip's origin in its document, for messages.
    public var origin: String
    /// Whether the clip's scale changes over its life (scale keyframes or a scaling animation):
    /// the compositor then draws it from a few prepared sizes instead of preparing every size.
    public var scaleChanges = false

    /// Evaluates `clip` at `localTime` seconds after its start on `canvas`: its keyframed
    /// properties, then its animations, then its entrance transition.
    public init(clip: Clip, localTime: Double, canvas: Canvas) {
        content = clip.content
        (x, y, scaleX, scaleY, rotation, opacity) = (0, 0, 1, 1, 0, 0)
        anchor = clip.transform.anchor
        origin = clip.origin
        evaluate(clip, localTime: localTime, canvas: canvas)
    }

    /// Makes this item `clip` evaluated at `localTime` (as `init(clip:localTime:canvas:)` does),
    /// keeping the filter list's storage: a render that evaluates its clips into the items of the
    /// frame before allocates nothing for them.
    public mutating func evaluate(_ clip: Clip, localTime: Double, canvas: Canvas) {
        let transform = clip.transform
        filters.removeAll(keepingCapacity: true)
        content = clip.content
        place(transform, at: localTime)
        opacity = min(max(clip.opacity.value(at: localTime), 0), 1)
        shadow = clip.shadow
        origin = clip.origin
        reveal = nil
        lightSweepState = nil
        mediaTime = nil
        if case .video(let video) = clip.content {
            mediaTime = video.trim.mediaTime(atLocalTime: localTime)
        }
        if case .timedText(let timed) = clip.content {
            // The state of the moment; between states with no text the item draws nothing.
            if let reveal = timed.reveal {
                var text = reveal.text
                text.revealed = reveal.revealed(at: localTime, frameDuration: 1 / canvas.frameRate.framesPerSecond)
                content = .text(text)
            } else if let state = timed.state(at: localTime), let text = state.text {
                content = .text(text)
                if state.fadeDuration > 0 {
                    opacity *= min(max((localTime - state.fadeFrom) / state.fadeDuration, 0), 1)
                }
            } else {
                opacity = 0
            }
        }
        if case .drawn(let drawn) = content, let evaluated = drawn.evaluated(at: localTime) { content = .drawn(evaluated) }
        if let fill = clip.fill { content = content.withFill(.solid(fill.value(at: localTime))) }
        applyMotion(filters: clip.filters, animations: clip.animations, transition: clip.transition, localTime: localTime,
                    canvas: canvas)
        clipRegions.removeAll(keepingCapacity: true)
        if !clip.frames.isEmpty { place(in: clip.frames, localTime: localTime, canvas: canvas) }
        // (Only when there is one to remove: `removeAll(where:)` copies an array it does not own
        // alone, such as the shared empty one.)
        if filters.contains(where: \.isNeutral) { filters.removeAll(where: \.isNeutral) }
    }

    /// The placement `transform` gives at `localTime`: position, box, anchor, scale (and whether it
    /// changes), rotation and skew.
    mutating func place(_ transform: Transform, at localTime: Double) {
        x = transform.x.value(at: localTime)
        y = transform.y.value(at: localTime)
        width = transform.width?.value(at: localTime)
        height = transform.height?.value(at: localTime)
        anchor = transform.anchor
        scaleX = transform.scaleX.value(at: localTime)
        scaleY = transform.scaleY.value(at: localTime)
        scaleChanges = false
        if case .keyframes = transform.scaleX { scaleChanges = true }
        if case .keyframes = transform.scaleY { scaleChanges = true }
        rotation = transform.rotation.value(at: localTime)
        skewX = transform.skewX
        skewY = transform.skewY
    }

    /// Filters at `localTime`, then the animations, then the entrance: what a clip's (or a layout
    /// box's) motion does to its state.
    mutating func applyMotion(filters clipFilters: [ClipFilter], animations: [Animation], transition: Transition?,
                              localTime: Double, canvas: Canvas) {
        for filter in clipFilters { filters.append(AppliedFilter(kind: filter.kind, value: filter.value.value(at: localTime))) }
        for animation in animations {
            apply(animation.effect, progress: animation.progress(atLocalTime: localTime))
            switch animation.effect {
            case .scale, .zoomIn, .zoomOut: scaleChanges = true
            default: break
            }
        }
        if let transition, let progress = transition.progress(at: localTime) {
            enter(transition, progress: progress, canvas: canvas)
        }
    }

    mutating func apply(_ effect: Animation.Effect, progress p: Double) {
        func mix(_ a: Double, _ b: Double) -> Double { a + (b - a) * p }
        switch effect {
        case .fadeIn: opacity *= min(max(p, 0), 1)
        case .fadeOut: opacity *= min(max(1 - p, 0), 1)
        case .move(let fromX, let fromY, let toX, let toY):
            let (baseX, baseY) = (x, y)
            x = mix(fromX ?? baseX, toX ?? baseX)
            y = mix(fromY ?? baseY, toY ?? baseY)
        case .scale(let from, let to):
            scaleX *= mix(from.x, to.x)
            scaleY *= mix(from.y, to.y)
        case .rotate(let from, let to):
            rotation += mix(from, to)
        case .slideIn(let direction, let distance):
            x -= direction.vector.x * distance * (1 - p)
            y -= direction.vector.y * distance * (1 - p)
        case .slideOut(let direction, let distance):
            x += direction.vector.x * distance * p
            y += direction.vector.y * distance * p
        case .zoomIn:
            scaleX *= p
            scaleY *= p
        case .zoomOut:
            scaleX *= 1 - p
            scaleY *= 1 - p
        case .filter(let kind, let from, let to):
            filters.append(AppliedFilter(kind: kind, value: min(max(mix(from, to), kind.range.lowerBound), kind.range.upperBound)))
        }
        opacity = min(max(opacity, 0), 1)
    }

    /// How far a slide or push travels: the canvas's extent along its direction.
    private static func extent(_ direction: Direction, _ canvas: Canvas) -> Double {
        direction == .left || direction == .right ? Double(canvas.width) : Double(canvas.height)
    }

    /// Applies the incoming side of `transition` at eased progress `p`.
    mutating func enter(_ transition: Transition, progress p: Double, canvas: Canvas) {
        switch transition.kind {
        case .fade:
            opacity *= p
        case .slide, .push:
            let travel = Self.extent(transition.direction, canvas) * (1 - p)
            x -= transition.direction.vector.x * travel
            y -= transition.direction.vector.y * travel
        case .zoom:
            let factor = transition.scale + (1 - transition.scale) * p
            scaleX *= factor
            scaleY *= factor
            opacity *= p
        case .wipe:
            reveal = .wipe(transition.direction, progress: p)
        case .blur:
            filters.append(AppliedFilter(kind: .blur, value: transition.blur * (1 - p)))
            opacity *= p
        case .iris:
            reveal = .iris(progress: p)
        case .spin:
            rotation += transition.rotation * (1 - p)
            scaleX *= p
            scaleY *= p
            opacity *= p
        case .lightSweep:
            opacity *= p
            lightSweep = (p, transition.intensity)
        }
        opacity = min(max(opacity, 0), 1)
    }

    /// Applies the outgoing side of a push made by the next clip on the track.
    mutating func leave(_ transition: Transition, progress p: Double, canvas: Canvas) {
        guard transition.kind == .push else { return }
        let travel = Self.extent(transition.direction, canvas) * p
        x += transition.direction.vector.x * travel
        y += transition.direction.vector.y * travel
    }
}
