/// An SVG picture (the `svg` clip): inline markup, or a file read when it is drawn. Rasterised at
/// the size it is shown, so it stays sharp when scaled up.
public struct SVGContent: DrawnContent {
    public enum Markup: Hashable, Sendable {
        case inline(String)
        case file(MediaSource)
    }

    public var markup: Markup

    public init(markup: Markup) {
        self.markup = markup
    }

    public var kindName: String { "svg" }

    public var mediaSources: [MediaSource] {
        if case .file(let source) = markup { return [source] }
        return []
    }
}
