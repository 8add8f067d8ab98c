import Timeline

/// What lowering one layout tree needs besides its clips: the document's logs, the tree's index
/// in `Timeline.layouts`, and the layout clip on the track, whose window the children live for.
struct LayoutScope {
    let canvas: Canvas
    let sources: SourceResolver
    let log: DiagnosticLog
    let notices: NoticeLog
    let captions: CaptionLedger
    let layout: Int
    let window: RenderingVideoV2.Clip
}

extension RenderingVideoV2.Document {
    /// A layout (at `path` in its tree; the root's is empty) and what it holds: its box, and its
    /// children as ordinary clips in document order, nested layouts' in their place. The
    /// children live for the window of the layout on the track (their own `start`, `duration`
    /// and `zIndex` are not used), are placed when the timeline is arranged (their own `x`, `y`
    /// and position and size keyframes are not used), and take the layout's `id` when they have
    /// none. `frame` is what the layout's percentages are of: the canvas, or the content box of
    /// the layout around it.
    func lowerLayout(_ clip: RenderingVideoV2.Clip, _ layout: RenderingVideoV2.Layout, scope: LayoutScope, path: [Int],
                     frame: (width: Double, height: Double)? = nil, id: String? = nil) -> (LayoutBox, [Clip]) {
        let canvas = (width: Double(scope.canvas.width), height: Double(scope.canvas.height))
        let outer = frame ?? canvas
        let spec = clip.transform
        let content = DocumentReader.contentBox(spec, padding: layout.padding, in: outer)
        let inner = (width: content.width ?? canvas.width, height: content.height ?? canvas.height)
        let id = clip.id ?? id
        var items: [LayoutItem] = [], clips: [Clip] = []
        for (index, child) in layout.children.enumerated() {
            if case .layout(let nested) = child.body {
                let (box, nestedClips) = lowerLayout(child, nested, scope: scope, path: path + [index], frame: inner, id: id)
                items.append(.box(box))
                clips += nestedClips
                continue
            }
            var placed = child
            ignore([.x, .y, .width, .height], of: &placed, notices: scope.notices, because: "a layout places its children once")
            var lowered = lower(placed, canvas: scope.canvas, frame: inner, sources: scope.sources, log: scope.log,
                                notices: scope.notices, captions: scope.captions)
            lowered.start = scope.window.start
            lowered.duration = scope.window.duration
            lowered.zIndex = scope.window.zIndex
            lowered.id = lowered.id ?? id
            (lowered.transform.x, lowered.transform.y) = (.constant(0), .constant(0))
            if lowered.content.isVisual { lowered.layoutSlot = LayoutSlot(layout: scope.layout, path: path + [index]) }
            items.append(.clip)
            clips.append(lowered)
        }
        var own = clip
        let root = path.isEmpty
        ignore(root ? [.width, .height, .fill, .volume] : [.x, .y, .width, .height, .fill, .volume], of: &own,
               notices: scope.notices,
               because: root ? "a layout is arranged once and draws nothing of its own" : "a layout places the layouts it holds once")
        let keyframes = own.keyframes
        func animated(_ property: KeyframeProperty, _ value: Double) -> Animatable<Double> {
            keyframes[property]?.numbers ?? .constant(value)
        }
        // A nested box's position is set when its layout is arranged.
        let x = root ? animated(.x, spec.x?.resolved(against: canvas.width) ?? canvas.width / 2) : .constant(0)
        let y = root ? animated(.y, spec.y?.resolved(against: canvas.height) ?? canvas.height / 2) : .constant(0)
        let transform = Transform(x: x, y: y, anchor: spec.anchor, scaleX: animated(.scale, spec.scaleX),
                                  scaleY: animated(.scale, spec.scaleY), rotation: animated(.rotation, spec.rotation),
                                  skewX: spec.skewX, skewY: spec.skewY)
        let boxFrame = LayoutFrame(transform: transform, opacity: animated(.opacity, own.style.opacity ?? own.opacity),
                                   filters: own.keyframedFilters, animations: own.animations, transition: own.transition,
                                   clips: layout.clip)
        let box = LayoutBox(direction: layout.direction, gap: layout.gap, padding: layout.padding, alignItems: layout.alignItems,
                            justifyContent: layout.justifyContent,
                            width: spec.width?.resolved(against: outer.width), height: spec.height?.resolved(against: outer.height),
                            frame: boxFrame, items: items)
        return (box, clips)
    }

    /// Drops the `properties`' keyframes from `clip`, with a notice naming those it had.
    private func ignore(_ properties: [KeyframeProperty], of clip: inout RenderingVideoV2.Clip, notices: NoticeLog,
                        because reason: String) {
        let present = properties.filter { clip.keyframes[$0] != nil }
        guard !present.isEmpty else { return }
        for property in present { clip.keyframes[property] = nil }
        notices.add("\(clip.path).keyframes: \(present.map(\.rawValue).joined(separator: ", ")) keyframes are ignored: \(reason)")
    }
}
