public import Timeline

/// Draws one kind of `DrawnContent`.
public protocol ContentPainter: Sendable {
    /// The box (canvas pixels) of a clip whose transform gives no size, or nil when the content
    /// has none of its own.
    func naturalBox(of content: any DrawnContent, media: any MediaProvider) throws -> (width: Double, height: Double)?
    /// Where `content` can have pixels when its box of boxWidth × boxHeight canvas pixels is drawn
    /// at scale (sx, sy): pixels of the scaled box, its top-left corner at (0, 0).
    func extent(of content: any DrawnContent, boxWidth: Double, boxHeight: Double, sx: Double, sy: Double) -> PixelRect
    /// The pixels `area` (of the scaled box, as `extent`) of `content` drawn: a premultiplied
    /// raster of the area's size. The area may be a window of the extent, for layers far larger
    /// than the canvas.
    func render(_ content: any DrawnContent, boxWidth: Double, boxHeight: Double, sx: Double, sy: Double,
                area: PixelRect, media: any MediaProvider) throws -> Raster
    /// Opens the media `content` reads (`DrawnContent.mediaSources`) as drawing would, so that a
    /// corrupt file fails before any frame is drawn. By default nothing beyond the files' existence.
    func checkMedia(of content: any DrawnContent, media: any MediaProvider) throws
}

extension ContentPainter {
    public func checkMedia(of content: any DrawnContent, media: any MediaProvider) throws {}
}

/// Every drawn kind's painter: the one list a new kind is added to.
public enum ContentPainters {
    static let all: [ObjectIdentifier: any ContentPainter] = [
        ObjectIdentifier(VectorShape.self): VectorPainter(),
        ObjectIdentifier(SVGContent.self): SVGPainter(),
        ObjectIdentifier(ThreeScene.self): ThreePainter(),
    ]

    /// The painter of `content`'s kind.
    static func painter(for content: any DrawnContent) throws -> any ContentPainter {
        guard let painter = all[ObjectIdentifier(type(of: content))] else {
            throw CompositingError(origin: content.kindName, reason: "no painter draws \(content.kindName) clips")
        }
        return painter
    }

}
