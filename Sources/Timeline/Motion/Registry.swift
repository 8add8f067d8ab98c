/// One parameter of an effect: its JSON name, what it means, its default and its allowed range.
public struct ParameterSpec: Hashable, Sendable {
    /// What values a parameter takes.
    public enum Kind: String, Hashable, Sendable {
        case number, direction, easing, boolOrCount, point, scale, filterType
    }

    public let name: String
    public let kind: Kind
    public let summary: String
    /// The default as written in the docs ("200", "linear", "own position").
    public let defaultValue: String
    /// Inclusive numeric range, when the parameter is a number.
    public let range: ClosedRange<Double>?

    /// The default as a number, for numeric parameters with one.
    public var numericDefault: Double? { Double(defaultValue) }

    public init(_ name: String, _ kind: Kind, _ summary: String, default defaultValue: String, range: ClosedRange<Double>? = nil) {
        self.name = name
        self.kind = kind
        self.summary = summary
        self.defaultValue = defaultValue
        self.range = range
    }
}

/// One named effect (animation, transition or filter) as the registry declares it.
public struct EffectSpec: Hashable, Sendable {
    public let name: String
    public let summary: String
    public let parameters: [ParameterSpec]

    public func parameter(_ name: String) -> ParameterSpec? { parameters.first { $0.name == name } }
}

/// A direction of travel.
public enum Direction: String, CaseIterable, Hashable, Sendable {
    case left, right, up, down

    /// The unit vector of travel on a y-down canvas.
    public var vector: (x: Double, y: Double) {
        switch self {
        case .left: (-1, 0)
        case .right: (1, 0)
        case .up: (0, -1)
        case .down: (0, 1)
        }
    }
}

/// The parameters every animation shares.
private let timing: [ParameterSpec] = [
    ParameterSpec("duration", .number, "Seconds one cycle takes.", default: "required", range: 0.001...3600),
    ParameterSpec("delay", .number, "Seconds after the clip's start before the first cycle.", default: "0", range: 0...3600),
    ParameterSpec("easing", .easing, "How progress is shaped within a cycle.", default: "linear"),
    ParameterSpec("loop", .boolOrCount, "true: cycles until the clip ends; N: N cycles.", default: "1 cycle", range: 1...100_000),
]

/// The animation types: declared once, read by validation, docs and `reel capabilities`.
public enum AnimationKind: String, CaseIterable, Hashable, Sendable {
    case fadeIn, fadeOut, move, scale, rotate, slideIn, slideOut, zoomIn, zoomOut, filter

    public var spec: EffectSpec {
        switch self {
        case .fadeIn: EffectSpec(name: rawValue, summary: "Opacity from 0 to the clip's own.", parameters: timing)
        case .fadeOut: EffectSpec(name: rawValue, summary: "Opacity from the clip's own to 0.", parameters: timing)
        case .move:
            EffectSpec(name: rawValue, summary: "Position from `from` to `to` ({x, y}, pixels or percentages of the canvas).",
                       parameters: timing + [ParameterSpec("from", .point, "Start position.", default: "own position"),
                                             ParameterSpec("to", .point, "End position.", default: "own position")])
        case .scale:
            EffectSpec(name: rawValue, summary: "Scale factor (times the clip's own) from `from` to `to`; a number or [sx, sy].",
                       parameters: timing + [ParameterSpec("from", .scale, "Start factor.", default: "1", range: -100...100),
                                             ParameterSpec("to", .scale, "End factor.", default: "1", range: -100...100)])
        case .rotate:
            EffectSpec(name: rawValue, summary: "Degrees added to the clip's rotation, from `from` to `to` (clockwise).",
                       parameters: timing + [ParameterSpec("from", .number, "Start angle.", default: "0", range: -36_000...36_000),
                                             ParameterSpec("to", .number, "End angle.", default: "360", range: -36_000...36_000)])
        case .slideIn:
            EffectSpec(name: rawValue, summary: "Starts `distance` px back from its rest position and travels in `direction` to it.",
                       parameters: timing + slide(defaultDirection: "up"))
        case .slideOut:
            EffectSpec(name: rawValue, summary: "Travels `distance` px in `direction` away from its rest position.",
                       parameters: timing + slide(defaultDirection: "up"))
        case .zoomIn: EffectSpec(name: rawValue, summary: "Scale from 0 to the clip's own.", parameters: timing)
        case .zoomOut: EffectSpec(name: rawValue, summary: "Scale from the clip's own to 0.", parameters: timing)
        case .filter:
            EffectSpec(name: rawValue, summary: "A filter's value from `from` to `to` (see Filters).",
                       parameters: timing + [ParameterSpec("filter", .filterType, "Which filter.", default: "required"),
                                             ParameterSpec("from", .number, "Start value.", default: "the filter's neutral value"),
                                             ParameterSpec("to", .number, "End value.", default: "the filter's default")])
        }
    }

    private func slide(defaultDirection: String) -> [ParameterSpec] {
        [ParameterSpec("direction", .direction, "Direction of travel: left, right, up or down.", default: defaultDirection),
         ParameterSpec("distance", .number, "Pixels travelled.", default: "200", range: 0...100_000)]
    }
}

/// The transition types: how a clip enters (and, for push, how the clip before it leaves).
public enum TransitionKind: String, CaseIterable, Hashable, Sendable {
    case fade, slide, zoom, wipe, blur, push, iris, spin, lightSweep

    private static let common: [ParameterSpec] = [
        ParameterSpec("duration", .number, "Seconds, from the clip's start.", default: "required", range: 0.001...3600),
        ParameterSpec("easing", .easing, "How progress is shaped.", default: "linear"),
    ]
    private static let direction = ParameterSpec("direction", .direction, "Direction of travel.", default: "left")

    public var spec: EffectSpec {
        let common = Self.common
        return switch self {
        case .fade: EffectSpec(name: rawValue, summary: "Opacity from 0 to 1: over the clip before, a dissolve.", parameters: common)
        case .slide: EffectSpec(name: rawValue, summary: "Slides in from the canvas edge, travelling in `direction`, over what is below.",
                                parameters: common + [Self.direction])
        case .zoom: EffectSpec(name: rawValue, summary: "Grows from `scale` to full size while fading in.",
                               parameters: common + [ParameterSpec("scale", .number, "Starting scale.", default: "0.5", range: 0...100)])
        case .wipe: EffectSpec(name: rawValue, summary: "A straight edge travelling in `direction` reveals the clip.",
                               parameters: common + [Self.direction])
        case .blur: EffectSpec(name: rawValue, summary: "Fades in while its blur falls from `blur` px to 0.",
                               parameters: common + [ParameterSpec("blur", .number, "Starting blur radius in px.", default: "20", range: 0...500)])
        case .push: EffectSpec(name: rawValue, summary: "Slides in travelling in `direction` and pushes the overlapping clip before it on the track out ahead of it.",
                               parameters: common + [Self.direction])
        case .iris: EffectSpec(name: rawValue, summary: "A circle growing from the canvas centre reveals the clip.", parameters: common)
        case .spin: EffectSpec(name: rawValue, summary: "Turns from `rotation` degrees to rest while growing from 0 and fading in.",
                               parameters: common + [ParameterSpec("rotation", .number, "Starting angle.", default: "180", range: -36_000...36_000)])
        case .lightSweep: EffectSpec(name: rawValue, summary: "Fades in while a band of light sweeps across it.",
                                     parameters: common + [ParameterSpec("intensity", .number, "Brightness of the band, 0–1.", default: "0.6", range: 0...1)])
        }
    }
}

/// The filters of `style.filters`, applied to a clip's pixels in order.
public enum FilterKind: String, CaseIterable, Hashable, Sendable {
    case blur, brightness, contrast, saturate, hue, grayscale, sepia, invert

    /// The value that leaves the picture unchanged.
    public var neutralValue: Double {
        switch self {
        case .blur, .hue, .grayscale, .sepia, .invert: 0
        case .brightness, .contrast, .saturate: 1
        }
    }

    /// The value used when a filter is given without one.
    public var defaultValue: Double {
        switch self {
        case .blur: 4
        case .hue: 90
        case .brightness, .contrast, .saturate, .grayscale, .sepia, .invert: 1
        }
    }

    public var range: ClosedRange<Double> {
        switch self {
        case .blur: 0...500
        case .brightness, .contrast, .saturate: 0...10
        case .hue: -36_000...36_000
        case .grayscale, .sepia, .invert: 0...1
        }
    }

    public var spec: EffectSpec {
        let summary = switch self {
        case .blur: "Gaussian blur; `value` is the radius in px (the standard deviation, as CSS blur())."
        case .brightness: "Multiplies the colour: 0 black, 1 unchanged, 2 twice as bright."
        case .contrast: "Scales the distance from mid-grey: 0 flat grey, 1 unchanged."
        case .saturate: "Colour saturation: 0 grey, 1 unchanged, above 1 more vivid."
        case .hue: "Rotates hues by `value` degrees."
        case .grayscale: "Mixes towards grey: 0 unchanged, 1 fully grey."
        case .sepia: "Mixes towards sepia tones: 0 unchanged, 1 fully sepia."
        case .invert: "Mixes towards the inverted colour: 0 unchanged, 1 fully inverted."
        }
        return EffectSpec(name: rawValue, summary: summary, parameters: [
            ParameterSpec("value", .number, "Strength.", default: defaultValue.formattedForDocs, range: range),
        ])
    }
}

/// The clip properties keyframes can drive.
public enum KeyframeProperty: String, CaseIterable, Hashable, Sendable {
    case opacity, x, y, width, height, scale, rotation, fill, volume
    /// The visible part of a line or path's stroke (0–1 of its length).
    case drawStart, drawEnd
    case blur, brightness, contrast, saturate, hue, grayscale, sepia, invert

    /// The filter a filter-value property drives.
    public var filter: FilterKind? { FilterKind(rawValue: rawValue) }

    public var summary: String {
        switch self {
        case .opacity: "0–1, replaces the clip's opacity"
        case .x, .y: "pixels or \"N%\" of the canvas, replaces transform.x / transform.y"
        case .width, .height: "pixels or \"N%\" of the canvas, replaces transform.width / transform.height"
        case .scale: "a number, replaces transform.scale (both axes)"
        case .rotation: "degrees, replaces transform.rotation"
        case .fill: "a colour, replaces style.fill of text and shapes (interpolated in linear light, premultiplied)"
        case .volume: "0–10, multiplies the volume of audio and video clips"
        case .drawStart, .drawEnd: "0–1, replaces \(rawValue) of a line or path (a draw-on: drawEnd from 0 to 1)"
        default: "the value of the \(rawValue) filter (added if style.filters lacks it)"
        }
    }
}

extension Double {
    var formattedForDocs: String { self == rounded() ? String(Int(self)) : String(self) }
}
