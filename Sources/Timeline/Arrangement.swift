extension Timeline {
    /// The timeline with every layout arranged: each layout child measured (`measurer` sizes the
    /// text and pictures nothing gives a size), placed once in its box, and given the frames of
    /// the boxes it is drawn in. The children are then ordinary clips; `layouts` is empty.
    ///
    /// The arrangement is CSS's flexbox on one line, without shrinking or growing: children keep
    /// their sizes, `gap` separates them, `justifyContent` shares the room left along the
    /// direction (space-between with no room, or one child, is start; space-around then is
    /// centred, or start when the children overflow), `alignItems` places them across it, and
    /// `stretch` gives the children with no size across it the box's inner size. A box without
    /// a size fits its children plus its padding.
    public func arranged(measuring measurer: some ContentMeasuring) throws(ArrangementError) -> Timeline {
        guard !layouts.isEmpty else { return self }
        var slotted: [LayoutSlot: Clip] = [:]
        for track in tracks {
            for clip in track.clips {
                if let slot = clip.layoutSlot { slotted[slot] = clip }
            }
        }
        var placements: [LayoutSlot: LayoutPlacement] = [:]
        for (index, root) in layouts.enumerated() {
            var arranger = LayoutArranger(measurer: measurer, clips: slotted, layout: index)
            let arranged = try arranger.arrange(root, path: [], width: root.width, height: root.height)
            var frame = root.frame
            frame.transform.width = .constant(arranged.width)
            frame.transform.height = .constant(arranged.height)
            (frame.contentX, frame.contentY) = (root.padding.left, root.padding.top)
            arranger.place(root, path: [], arranged: arranged, frame: frame, outer: [], into: &placements)
        }
        var result = self
        result.layouts = []
        for t in result.tracks.indices {
            for c in result.tracks[t].clips.indices {
                guard let slot = result.tracks[t].clips[c].layoutSlot else { continue }
                result.tracks[t].clips[c].layoutSlot = nil
                guard let placement = placements[slot] else { continue }
                var clip = result.tracks[t].clips[c]
                let unit = clip.transform.anchor.unitPoint
                clip.transform.x = .constant(placement.x + unit.x * placement.width)
                clip.transform.y = .constant(placement.y + unit.y * placement.height)
                clip.transform.width = placement.drawnWidth.map(Animatable.constant)
                clip.transform.height = placement.drawnHeight.map(Animatable.constant)
                clip.frames = placement.frames
                result.tracks[t].clips[c] = clip
            }
        }
        return result
    }
}

/// Measures and places the items of one layout tree (`Timeline.arranged(measuring:)`).
struct LayoutArranger<Measurer: ContentMeasuring> {
    let measurer: Measurer
    let clips: [LayoutSlot: Clip]
    let layout: Int
    /// Boxes already arranged at a size: a box without a size across its direction is arranged
    /// twice (to find that size, then to stretch its children to it), and so would its boxes be,
    /// at every level.
    private var arranged: [Key: Arranged] = [:]

    init(measurer: Measurer, clips: [LayoutSlot: Clip], layout: Int) {
        self.measurer = measurer
        self.clips = clips
        self.layout = layout
    }

    private struct Key: Hashable {
        var path: [Int]
        var width: Double?
        var height: Double?
    }

    /// A box arranged at a size: its own size and where each item goes.
    struct Arranged {
        var width: Double
        var height: Double
        /// Per item (nil: not in the flow, e.g. a missing clip).
        var items: [Item?]
    }

    /// Where an item goes, in the content-box coordinates of its box.
    struct Item {
        var x = 0.0
        var y = 0.0
        var width: Double
        var height: Double
        /// The sides a child clip is drawn with (given or stretched); nil where it takes its own.
        var drawnWidth: Double?
        var drawnHeight: Double?
        /// A box inside the box, arranged.
        var box: Arranged?
    }

    /// Arranges `box` at `width` × `height` (nil: fit the children along that side).
    mutating func arrange(_ box: LayoutBox, path: [Int], width: Double?, height: Double?) throws(ArrangementError) -> Arranged {
        let key = Key(path: path, width: width, height: height)
        if let known = arranged[key] { return known }
        let horizontal = box.direction == .horizontal
        let padding = box.padding
        let innerWidth = width.map { max(0, $0 - padding.left - padding.right) }
        let innerHeight = height.map { max(0, $0 - padding.top - padding.bottom) }
        let stretches = box.alignItems == .stretch
        var innerCross = horizontal ? innerHeight : innerWidth
        var items: [Item?] = []
        for (index, item) in box.items.enumerated() {
            items.append(try measure(item, path: path + [index], horizontal: horizontal,
                                     stretchedCross: stretches ? innerCross : nil))
        }
        func cross(_ item: Item) -> Double { horizontal ? item.height : item.width }
        func main(_ item: Item) -> Double { horizontal ? item.width : item.height }
        if innerCross == nil {
            // The box fits its children across: as wide (tall) as the widest (tallest), to which
            // the stretching children then stretch.
            let fitted = items.compactMap { $0.map(cross) }.max() ?? 0
            innerCross = fitted
            if stretches {
                for (index, item) in box.items.enumerated() where items[index].map({ cross($0) != fitted }) ?? false {
                    items[index] = try measure(item, path: path + [index], horizontal: horizontal, stretchedCross: fitted)
                }
            }
        }
        let crossSize = innerCross ?? 0
        let flow = items.indices.filter { items[$0] != nil }
        let mainContent = flow.reduce(0) { $0 + main(items[$1]!) } + box.gap * Double(max(0, flow.count - 1))
        let mainSize = (horizontal ? innerWidth : innerHeight) ?? mainContent
        // Along the direction: where the first child starts, and the space after each.
        let room = mainSize - mainContent, count = Double(flow.count)
        var position = 0.0, between = box.gap
        switch box.justifyContent {
        case .start: break
        case .center: position = room / 2
        case .end: position = room
        case .spaceBetween:
            if flow.count > 1, room > 0 { between += room / (count - 1) }
        case .spaceAround:
            if flow.count > 1, room > 0 {
                position = room / (2 * count)
                between += room / count
            } else if room > 0 {
                position = room / 2
            }
        }
        for index in flow {
            guard var item = items[index] else { continue }
            let size = cross(item)
            let across: Double = switch box.alignItems {
            case .start, .stretch: 0
            case .center: (crossSize - size) / 2
            case .end: crossSize - size
            }
            if horizontal { (item.x, item.y) = (position, across) } else { (item.x, item.y) = (across, position) }
            position += main(item) + between
            items[index] = item
        }
        let result = Arranged(width: width ?? ((horizontal ? mainSize : crossSize) + padding.left + padding.right),
                              height: height ?? ((horizontal ? crossSize : mainSize) + padding.top + padding.bottom),
                              items: items)
        arranged[key] = result
        return result
    }

    /// The size of one item, stretched across to `stretchedCross` when it has no size across.
    private mutating func measure(_ item: LayoutItem, path: [Int], horizontal: Bool,
                                  stretchedCross: Double?) throws(ArrangementError) -> Item? {
        switch item {
        case .box(let box):
            var width = box.width, height = box.height
            if let stretchedCross {
                if horizontal, height == nil { height = stretchedCross }
                if !horizontal, width == nil { width = stretchedCross }
            }
            let inner = try arrange(box, path: path, width: width, height: height)
            return Item(width: inner.width, height: inner.height, box: inner)
        case .clip:
            guard let clip = clips[LayoutSlot(layout: layout, path: path)], clip.content.isVisual else { return nil }
            var width = clip.transform.width?.value(at: 0), height = clip.transform.height?.value(at: 0)
            if let stretchedCross {
                if horizontal, height == nil { height = stretchedCross }
                if !horizontal, width == nil { width = stretchedCross }
            }
            if let width, let height {
                return Item(width: width, height: height, drawnWidth: width, drawnHeight: height)
            }
            if case .shape = clip.content {
                return Item(width: width ?? 0, height: height ?? 0, drawnWidth: width ?? 0, drawnHeight: height ?? 0)
            }
            do {
                let size = try measurer.size(of: clip.content, width: width, height: height)
                return Item(width: size.width, height: size.height, drawnWidth: width, drawnHeight: height)
            } catch {
                throw ArrangementError(origin: clip.origin, reason: "\(error)")
            }
        }
    }

    /// Records where each child clip of `box` (arranged as `arranged`, framed by `frame` inside
    /// the `outer` frames) goes.
    func place(_ box: LayoutBox, path: [Int], arranged: Arranged, frame: LayoutFrame, outer: [LayoutFrame],
               into placements: inout [LayoutSlot: LayoutPlacement]) {
        let frames = [frame] + outer
        for (index, item) in box.items.enumerated() {
            guard let placed = arranged.items[index] else { continue }
            switch item {
            case .clip:
                placements[LayoutSlot(layout: layout, path: path + [index])] = LayoutPlacement(
                    x: placed.x, y: placed.y, width: placed.width, height: placed.height,
                    drawnWidth: placed.drawnWidth, drawnHeight: placed.drawnHeight, frames: frames)
            case .box(let inner):
                guard let innerArranged = placed.box else { continue }
                var innerFrame = inner.frame
                let unit = innerFrame.transform.anchor.unitPoint
                innerFrame.transform.x = .constant(placed.x + unit.x * placed.width)
                innerFrame.transform.y = .constant(placed.y + unit.y * placed.height)
                innerFrame.transform.width = .constant(placed.width)
                innerFrame.transform.height = .constant(placed.height)
                (innerFrame.contentX, innerFrame.contentY) = (inner.padding.left, inner.padding.top)
                place(inner, path: path + [index], arranged: innerArranged, frame: innerFrame, outer: frames, into: &placements)
            }
        }
    }
}

/// Where a layout's child clip ends up: its box in the content box of its layout, the sides it
/// is drawn with, and the frames of the boxes it is in.
struct LayoutPlacement {
    var x, y, width, height: Double
    var drawnWidth, drawnHeight: Double?
    var frames: [LayoutFrame]
}
