public import Timeline

/// Draws one kind of `DrawnContent`.
public protocol ContentPainter: Sendable {
    /// Where `content` can have pixels when its box of boxWidth × boxHeight canvas pixels is drawn
    /// at scale (sx, sy): pixels of the scaled box, its top-left corner at (0, 0).
    func extent(of content: any DrawnContent, boxWidth: Double, boxHeight: Double, sx: Double, sy: Double) -> PixelRect
    /// `content` drawn over `extent(of:…)`: a premultiplied raster of its size, whose top-left
    /// pixel is the extent's.
    func render(_ content: any DrawnContent, boxWidth: Double, boxHeight: Double, sx: Double, sy: Double,
                extent: PixelRect) throws -> Raster
}

/// Every drawn kind's painter: the one list a new kind is added to.
public enum ContentPainters {
    static let all: [ObjectIdentifier: any ContentPainter] = [
        ObjectIdentifier(VectorShape.self): VectorPainter(),
    ]

    /// The painter of `content`'s kind.
    static func painter(for content: any DrawnContent) throws -> any ContentPainter {
        guard let painter = all[ObjectIdentifier(type(of: content))] else {
            throw CompositingError(origin: content.kindName, reason: "no painter draws \(content.kindName) clips")
        }
        return painter
    }

    /// The box of a drawn clip whose transform gives none: `VectorShape`s are centred on their origin.
    static func naturalBox(of content: any DrawnContent) -> (width: Double, height: Double)? {
        guard let shape = content as? VectorShape else { return nil }
        let half = shape.halfExtent
        return (2 * half.x, 2 * half.y)
    }
}
