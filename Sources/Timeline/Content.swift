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

    public init(text: String, fontFamily: String? = nil, fontSize: Double = 48, fontWeight: Int = 400,
                italic: Bool = false, fill: Paint = .solid(.white), stroke: Paint? = nil, strokeWidth: Double = 0,
                alignment: TextAlignment = .center, lineHeight: Double = 1.2, letterSpacing: Double = 0,
                wraps: Bool = true) {
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

/// What a clip draws.
public enum ClipContent: Hashable, Sendable {
    case text(TextContent)
    case image(ImageContent)
    case shape(ShapeContent)
}
