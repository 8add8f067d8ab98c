/// The looks `visual_style_preset` selects: frame rate, type, colour grade, transitions between
/// shots, letterbox, and the palette of text cards. One entry each; docs/screenplay.md lists them.
public struct VisualStyle: Sendable {
    public var name: String
    public var frameRate: Double
    public var fontFamily: String
    public var titleWeight: String
    /// Colour grade: filters on every picture, as `{type, value}`.
    public var grade: [(type: String, value: Double)]
    /// The transition into every shot after the first, and how long it lasts.
    public var transition: String?
    public var transitionSeconds: Double
    /// The picture's aspect ratio inside black bars (2.39 for scope), or nil for none.
    public var letterbox: Double?
    /// Text cards: two background colours (a slow diagonal gradient) and the text colour.
    public var cardColors: (String, String)
    public var textColor: String
    /// How much a still's slow zoom changes its scale over a shot.
    public var stillZoom: Double

    public static let all: [VisualStyle] = [
        VisualStyle(name: "realistic_cinematic", frameRate: 24, fontFamily: "DejaVu Serif", titleWeight: "normal",
                    grade: [("contrast", 1.08), ("saturate", 0.88)], transition: "fade", transitionSeconds: 0.6,
                    letterbox: 2.39, cardColors: ("#0b0f14", "#1c2430"), textColor: "#f2efe8", stillZoom: 0.06),
        VisualStyle(name: "documentary", frameRate: 30, fontFamily: "DejaVu Sans", titleWeight: "bold",
                    grade: [("contrast", 1.02)], transition: nil, transitionSeconds: 0,
                    letterbox: nil, cardColors: ("#1d1f21", "#2b2f33"), textColor: "#ffffff", stillZoom: 0.04),
        VisualStyle(name: "vibrant_social", frameRate: 30, fontFamily: "DejaVu Sans", titleWeight: "bold",
                    grade: [("saturate", 1.3), ("contrast", 1.05)], transition: "slide", transitionSeconds: 0.35,
                    letterbox: nil, cardColors: ("#ff3d7f", "#ffb13d"), textColor: "#ffffff", stillZoom: 0.1),
        VisualStyle(name: "noir", frameRate: 24, fontFamily: "DejaVu Serif", titleWeight: "bold",
                    grade: [("grayscale", 1), ("contrast", 1.25)], transition: "fade", transitionSeconds: 0.8,
                    letterbox: 1.85, cardColors: ("#000000", "#202020"), textColor: "#e8e8e8", stillZoom: 0.05),
        VisualStyle(name: "warm_vintage", frameRate: 24, fontFamily: "DejaVu Serif", titleWeight: "normal",
                    grade: [("sepia", 0.35), ("contrast", 0.95), ("saturate", 0.9)], transition: "fade", transitionSeconds: 0.5,
                    letterbox: nil, cardColors: ("#3b2a1a", "#6b4a2b"), textColor: "#fbeed6", stillZoom: 0.05),
    ]

    /// The style used when a request names none (and for a name Reel does not know, with a warning).
    public static let standard = all[0]

    public static func named(_ name: String) -> VisualStyle? {
        all.first { $0.name == name }
    }
}
