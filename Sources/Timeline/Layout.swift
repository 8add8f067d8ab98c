/// Which way a layout lines up its children.
public enum LayoutDirection: String, CaseIterable, Hashable, Sendable {
    /// In a row, left to right.
    case horizontal
    /// In a column, top to bottom.
    case vertical
}

/// Where a layout's children sit across its direction (CSS `align-items`).
public enum LayoutAlignment: String, CaseIterable, Hashable, Sendable {
    case start, center, end
    /// Children without a size across the direction take the layout's whole inner size; the
    /// others sit at the start.
    case stretch
}

/// How a layout shares the room its children leave along its direction (CSS `justify-content`).
public enum LayoutJustification: String, CaseIterable, Hashable, Sendable {
    case start, center, end
    /// The first child at the start, the last at the end, the room shared between them.
    case spaceBetween = "space-between"
    /// The room shared around each child: half a share before the first and after the last.
    case spaceAround = "space-around"
}

/// Space inside a box's edges, in pixels.
public struct EdgeInsets: Hashable, Sendable {
    public var top: Double
    public var right: Double
    public var bottom: Double
    public var left: Double

    public init(top: Double, right: Double, bottom: Double, left: Double) {
        (self.top, self.right, self.bottom, self.left) = (top, right, bottom, left)
    }

    public init(all inset: Double) {
        self.init(top: inset, right: inset, bottom: inset, left: inset)
    }

    public static let zero = EdgeInsets(all: 0)
}

/// A box that lines clips up in a row or a column (a v2 `layout` clip): its children are
/// measured and placed once, before rendering (`Timeline.arranged(measuring:)`), and drawn as
/// ordinary clips inside the box's frame.
public struct LayoutBox: Hashable, Sendable {
    public var direction: LayoutDirection
    /// Pixels between neighbouring children.
    public var gap: Double
    public var padding: EdgeInsets
    public var alignItems: LayoutAlignment
    public var justifyContent: LayoutJustification
    /// The box's size, padding included; nil fits the children along that side.
    public var width: Double?
    public var height: Double?
    /// How the box is placed and moves. Its `transform.x`/`y` are where the box's anchor sits in
    /// what holds it (the canvas; for a box inside another, set when that one is arranged); its
    /// `width`/`height` and content offset are set when the box is arranged.
    public var frame: LayoutFrame
    public var items: [LayoutItem]

    public init(direction: LayoutDirection = .horizontal, gap: Double = 0, padding: EdgeInsets = .zero,
                alignItems: LayoutAlignment = .stretch, justifyContent: LayoutJustification = .start,
                width: Double? = nil, height: Double? = nil, frame: LayoutFrame, items: [LayoutItem]) {
        self.direction = direction
        self.gap = gap
        self.padding = padding
        self.alignItems = alignItems
        self.justifyContent = justifyContent
        self.width = width
        self.height = height
        self.frame = frame
        self.items = items
    }
}

/// One place in a layout box, in order.
public enum LayoutItem: Hashable, Sendable {
    /// The place of the clip whose `layoutSlot` names it (the clip itself is on a track).
    case clip
    /// A layout inside the layout.
    case box(LayoutBox)
}

/// Where a clip goes in a layout: the box tree `Timeline.layouts[layout]`, and the indices of
/// the items from its root down to the clip's place.
public struct LayoutSlot: Hashable, Sendable {
    public var layout: Int
    public var path: [Int]

    public init(layout: Int, path: [Int]) {
        self.layout = layout
        self.path = path
    }
}

/// A layout box a clip is drawn in: where the box is, how it moves, and whether it cuts what is
/// drawn in it at its edges. Its placement and motion apply to the clip as to a group: the
/// box's scale, rotation and skew turn the clip about the box's anchor, its opacity and
/// filters multiply and follow the clip's own, its animations and entrance play on the clip.
public struct LayoutFrame: Hashable, Sendable {
    /// The box: `x`, `y` where its anchor sits in what holds it (the canvas, or the content box
    /// of the box around it), `width`, `height` its size, padding included.
    public var transform: Transform
    public var opacity: Animatable<Double>
    public var filters: [ClipFilter]
    public var animations: [Animation]
    public var transition: Transition?
    /// Where the content box (inside the padding) starts in the box: the left and top padding,
    /// set when the box is arranged. Children are placed in content-box coordinates.
    public var contentX: Double
    public var contentY: Double
    /// Whether what is drawn in the box is cut at its edges (`clip: true`).
    public var clips: Bool

    public init(transform: Transform, opacity: Animatable<Double> = .constant(1), filters: [ClipFilter] = [],
                animations: [Animation] = [], transition: Transition? = nil, contentX: Double = 0, contentY: Double = 0,
                clips: Bool = false) {
        self.transform = transform
        self.opacity = opacity
        self.filters = filters
        self.animations = animations
        self.transition = transition
        self.contentX = contentX
        self.contentY = contentY
        self.clips = clips
    }
}

/// A box that cuts what is drawn: the `width` × `height` box (from (0, 0)), mapped onto the
/// canvas by (x, y) ↦ (a·x + c·y + tx, b·x + d·y + ty). Pixels outside it are not drawn; its edges
/// are anti-aliased, and a box whose edges lie on whole pixels cuts exactly between them.
public struct ClipRegion: Hashable, Sendable {
    public var a, b, c, d, tx, ty: Double
    public var width: Double
    public var height: Double

    public init(a: Double, b: Double, c: Double, d: Double, tx: Double, ty: Double, width: Double, height: Double) {
        (self.a, self.b, self.c, self.d, self.tx, self.ty) = (a, b, c, d, tx, ty)
        self.width = width
        self.height = height
    }
}

/// Measures content whose size nothing gives (text, pictures), for arranging layouts. The
/// renderer supplies one that knows the fonts and the media.
public protocol ContentMeasuring {
    /// The box `content` takes at scale 1 with the given sides (nil: its own), in pixels.
    func size(of content: ClipContent, width: Double?, height: Double?) throws -> (width: Double, height: Double)
}

/// A measurer that knows only the sizes a document gives: what has none takes no room. For
/// drawing a timeline without its media (a renderer arranges with the real sizes).
public struct DeclaredSizes: ContentMeasuring {
    public init() {}

    public func size(of content: ClipContent, width: Double?, height: Double?) -> (width: Double, height: Double) {
        (width ?? 0, height ?? 0)
    }
}

/// A layout child that could not be measured, naming the clip.
public struct ArrangementError: Error, CustomStringConvertible, Sendable {
    public let origin: String
    public let reason: String

    public init(origin: String, reason: String) {
        self.origin = origin
        self.reason = reason
    }

    public var description: String { "\(origin): \(reason)" }
}
