/// Content drawn by a plug-in painter: vector strokes and paths, and the other clip types that
/// bring their own renderer. The timeline carries the value; the compositor finds the painter by
/// the value's type (`ContentPainters`, one list), so a new kind adds a type and a painter and
/// edits no switch.
public protocol DrawnContent: Hashable, Sendable {
    /// A short name for labels and messages ("line", "path", …).
    var kindName: String { get }
    /// The media files it reads (fetched and checked before rendering, like footage).
    var mediaSources: [MediaSource] { get }
    /// The content at `localTime` seconds into its clip with everything keyframed fixed, or nil
    /// when nothing in it changes over time (the item then keeps the clip's value as it is).
    func evaluated(at localTime: Double) -> Self?
    /// The content with its fill replaced by a keyframed fill, or nil when it has none to replace.
    func withFill(_ fill: Paint) -> Self?
}

extension DrawnContent {
    public var mediaSources: [MediaSource] { [] }
    public func evaluated(at localTime: Double) -> Self? { nil }
    public func withFill(_ fill: Paint) -> Self? { nil }

    fileprivate func isEqual(to other: any DrawnContent) -> Bool {
        (other as? Self) == self
    }
}

/// A `DrawnContent` of any kind, as the timeline's `ClipContent.drawn` holds it.
public struct Drawn: Hashable, Sendable {
    public let content: any DrawnContent

    public init(_ content: some DrawnContent) {
        self.content = content
    }

    public static func == (a: Drawn, b: Drawn) -> Bool {
        a.content.isEqual(to: b.content)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(type(of: content)))
        content.hash(into: &hasher)
    }

    /// The content at `localTime` (see `DrawnContent.evaluated(at:)`), or nil when it does not change.
    func evaluated(at localTime: Double) -> Drawn? {
        func evaluate<C: DrawnContent>(_ content: C) -> Drawn? { content.evaluated(at: localTime).map(Drawn.init) }
        return evaluate(content)
    }

    func withFill(_ fill: Paint) -> Drawn? {
        func replace<C: DrawnContent>(_ content: C) -> Drawn? { content.withFill(fill).map(Drawn.init) }
        return replace(content)
    }
}
