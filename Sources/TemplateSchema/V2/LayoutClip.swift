public import Timeline

extension RenderingVideoV2 {
    /// A `layout` clip: a box that lines its children up in a row or a column, once, for its own
    /// window (§11.14).
    public struct Layout: Sendable {
        public var direction: LayoutDirection
        public var gap: Double
        public var padding: EdgeInsets
        public var alignItems: LayoutAlignment
        public var justifyContent: LayoutJustification
        /// Whether children are cut at the box's edges.
        public var clip: Bool
        public var children: [Clip]
    }

    /// The clip types a layout may hold: RenderingVideo's list (no `subtitle`), `code` (sized
    /// like text), and the drawn types, each sized as on its own (`svg` by its document, `icon`
    /// a square, `line` and `path` by their points).
    public static let layoutChildTypes = ["video", "image", "text", "rect", "circle", "polygon", "audio", "layout", "template",
                                          "code", "svg", "icon", "line", "path"]
}

/// What a layout tells the children it holds while they are read.
struct LayoutParent {
    var direction: LayoutDirection
    var alignItems: LayoutAlignment
    /// The layout's content box (inside its padding), where the layout gives a size: children's
    /// percentages are of it.
    var contentWidth: Double?
    var contentHeight: Double?
    /// How many layouts hold the children (1 for a layout on a track).
    var depth: Int

    /// Whether the layout gives its children `side` ("width" or "height") when they have none.
    func stretches(_ side: String) -> Bool {
        alignItems == .stretch && side == (direction == .horizontal ? "height" : "width")
    }

    /// Reports a child's percentage size along a side the layout gives no size to.
    func checkSizes(of transform: RenderingVideoV2.Transform, at path: JSONPath, log: DiagnosticLog) {
        for (side, length, known) in [("width", transform.width, contentWidth), ("height", transform.height, contentHeight)] {
            guard case .percent = length, known == nil else { continue }
            log.record(path.appending(side), "a percentage of the layout's \(side) needs a layout with a \(side): "
                       + "give the layout transform.\(side), or this clip a \(side) in pixels")
        }
    }
}

extension DocumentReader {
    /// The clips a clip's JSON stands for: itself and, for a layout, its children's, written or not.
    static func clipCount(_ value: JSONValue) -> Int {
        guard case .object(let members) = value, case .array(let children)? = members["children"] else { return 1 }
        return children.reduce(1) { $0 + clipCount($1) }
    }

    func readLayout(_ node: Node, transform: RenderingVideoV2.Transform, assets: RenderingVideoV2.Assets, canvas: Canvas,
                    parent: LayoutParent?) -> RenderingVideoV2.Layout? {
        let depth = (parent?.depth ?? 0) + 1
        guard depth <= DocumentLimits.layoutDepth else {
            node.path.appending("type").record(in: log, "layouts may be nested at most \(DocumentLimits.layoutDepth) deep")
            return nil
        }
        let direction = node["direction"]?.oneOf(LayoutDirection.self) ?? .horizontal
        let gap = node["gap"]?.nonNegativePixels ?? 0
        let padding = node["padding"].flatMap(readPadding) ?? .zero
        let alignItems = node["alignItems"]?.oneOf(LayoutAlignment.self) ?? .stretch
        let justifyContent = node["justifyContent"]?.oneOf(LayoutJustification.self) ?? .start
        let clip = node["clip"]?.bool ?? false
        let content = Self.contentBox(transform, padding: padding, in: canvas)
        let context = LayoutParent(direction: direction, alignItems: alignItems, contentWidth: content.width,
                                   contentHeight: content.height, depth: depth)
        guard let childrenNode = node.required("children"), let elements = childrenNode.array else { return nil }
        if elements.isEmpty { childrenNode.fail("needs at least one child") }
        let frame = (width: content.width ?? canvas.width, height: content.height ?? canvas.height)
        let children = elements.compactMap { readClip($0, assets: assets, canvas: frame, parent: context) }
        guard !elements.isEmpty, children.count == elements.count else { return nil }
        return RenderingVideoV2.Layout(direction: direction, gap: gap, padding: padding, alignItems: alignItems,
                                       justifyContent: justifyContent, clip: clip, children: children)
    }

    /// The content box of a layout whose transform is `transform` in `frame` (the canvas, or the
    /// content box of the layout around it): its size less the padding, where it has one.
    static func contentBox(_ transform: RenderingVideoV2.Transform, padding: EdgeInsets,
                           in frame: Canvas) -> (width: Double?, height: Double?) {
        (transform.width.map { max(0, $0.resolved(against: frame.width) - padding.left - padding.right) },
         transform.height.map { max(0, $0.resolved(against: frame.height) - padding.top - padding.bottom) })
    }

    /// `padding`: one number for every side, or `[top, right, bottom, left]` (CSS's order; as in
    /// CSS, `[vertical, horizontal]` and `[top, horizontal, bottom]` too).
    private func readPadding(_ node: Node) -> EdgeInsets? {
        if case .number = node.value { return node.nonNegativePixels.map(EdgeInsets.init(all:)) }
        guard case .array = node.value, let elements = node.array else {
            node.fail("expected a number or [top, right, bottom, left], found \(node.value.typeName)")
            return nil
        }
        guard (1...4).contains(elements.count) else {
            node.fail("expected one to four numbers ([top, right, bottom, left]), found \(elements.count)")
            return nil
        }
        let values = elements.compactMap(\.nonNegativePixels)
        guard values.count == elements.count else { return nil }
        return switch values.count {
        case 1: EdgeInsets(all: values[0])
        case 2: EdgeInsets(top: values[0], right: values[1], bottom: values[0], left: values[1])
        case 3: EdgeInsets(top: values[0], right: values[1], bottom: values[2], left: values[1])
        default: EdgeInsets(top: values[0], right: values[1], bottom: values[2], left: values[3])
        }
    }
}
