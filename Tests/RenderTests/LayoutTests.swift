import Compositor
import Foundation
import Media
import Render
import Testing
import Timeline

/// `layout` clips, read back from pixels: rows and columns, every justifyContent and alignItems
/// value, padding, gaps, nesting, clipping, the layout's own placement and window.
@Suite struct LayoutTests {
    static let yellow = SIMD4<UInt8>(255, 255, 0, 255)

    /// A solid `width` × `height` rect child (either may be left out) of colour `fill`.
    static func rect(_ width: Int?, _ height: Int?, _ fill: String, extra: String = "") -> String {
        let sides = [width.map { "\"width\": \($0)" }, height.map { "\"height\": \($0)" }].compactMap { $0 }
        return #"{ "type": "rect", "transform": { \#(sides.joined(separator: ", ")) }, "style": { "fill": "\#(fill)" }\#(extra) }"#
    }

    /// A layout with `fields` holding `children`, alone on a black 200×120 canvas, from 0 to 3 s.
    static func layout(_ fields: String, _ children: [String], start: Double = 0, duration: Double = 3) -> String {
        document(width: 200, height: 120, """
            { "type": "layout", "start": \(start), "duration": \(duration), \(fields),
              "children": [ \(children.joined(separator: ",\n")) ] }
            """)
    }

    /// The layout's frame at `seconds`.
    static func draw(_ fields: String, _ children: [String], at seconds: Double = 0) throws -> Raster {
        try frame(layout(fields, children), at: seconds)
    }

    /// Expects exactly the box from (x, y), `width` × `height`, in `color`: its corner pixels
    /// are that colour and the pixels just outside each edge are not.
    static func expectBox(_ image: Raster, _ color: SIMD4<UInt8>, x: Int, y: Int, width: Int, height: Int,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        let (x1, y1) = (x + width - 1, y + height - 1)
        for (px, py) in [(x, y), (x1, y), (x, y1), (x1, y1)] {
            #expect(image.pixel(x: px, y: py) == color, "inside at (\(px), \(py))", sourceLocation: sourceLocation)
        }
        for (px, py) in [(x - 1, y), (x - 1, y1), (x1 + 1, y), (x1 + 1, y1), (x, y - 1), (x1, y - 1), (x, y1 + 1), (x1, y1 + 1)]
            where (0..<image.width).contains(px) && (0..<image.height).contains(py) {
            #expect(image.pixel(x: px, y: py) != color, "outside at (\(px), \(py))", sourceLocation: sourceLocation)
        }
    }

    /// A layout box 180 wide and 100 high at (10, 10).
    static let box = #""transform": { "x": 10, "y": 10, "width": 180, "height": 100, "anchor": "top-left" }"#

    @Test func aRowLinesChildrenUpLeftToRightWithTheGap() throws {
        let image = try Self.draw(#"\#(Self.box), "gap": 10, "alignItems": "start""#,
                                  [Self.rect(40, 20, "#ff0000"), Self.rect(30, 40, "#00ff00"), Self.rect(20, 10, "#0000ff")])
        Self.expectBox(image, red, x: 10, y: 10, width: 40, height: 20)
        Self.expectBox(image, green, x: 60, y: 10, width: 30, height: 40)
        Self.expectBox(image, blue, x: 100, y: 10, width: 20, height: 10)
    }

    @Test func aColumnLinesChildrenUpTopToBottomWithTheGap() throws {
        let image = try Self.draw(#"\#(Self.box), "direction": "vertical", "gap": 6, "alignItems": "start""#,
                                  [Self.rect(40, 20, "#ff0000"), Self.rect(30, 40, "#00ff00"), Self.rect(20, 10, "#0000ff")])
        Self.expectBox(image, red, x: 10, y: 10, width: 40, height: 20)
        Self.expectBox(image, green, x: 10, y: 36, width: 30, height: 40)
        Self.expectBox(image, blue, x: 10, y: 82, width: 20, height: 10)
    }

    @Test(arguments: [
        // justifyContent, where the three children (20, 30 and 40 wide in a 180 px row, 90 px
        // left over) start, from the box's left edge at 10
        ("start", [10, 30, 60]),
        ("center", [55, 75, 105]),
        ("end", [100, 120, 150]),
        ("space-between", [10, 75, 150]),
        ("space-around", [25, 75, 135]),
    ])
    func justifyContentSharesTheRoomAlongARow(justify: String, starts: [Int]) throws {
        let image = try Self.draw(#"\#(Self.box), "justifyContent": "\#(justify)", "alignItems": "start""#,
                                  [Self.rect(20, 20, "#ff0000"), Self.rect(30, 20, "#00ff00"), Self.rect(40, 20, "#0000ff")])
        Self.expectBox(image, red, x: starts[0], y: 10, width: 20, height: 20)
        Self.expectBox(image, green, x: starts[1], y: 10, width: 30, height: 20)
        Self.expectBox(image, blue, x: starts[2], y: 10, width: 40, height: 20)
    }

    @Test(arguments: [
        // justifyContent, where the three children (10, 20 and 30 high in a 96 px column, 36 px
        // left over) start, from the box's top edge at 10
        ("start", [10, 20, 40]),
        ("center", [28, 38, 58]),
        ("end", [46, 56, 76]),
        ("space-between", [10, 38, 76]),
        ("space-around", [16, 38, 70]),
    ])
    func justifyContentSharesTheRoomDownAColumn(justify: String, starts: [Int]) throws {
        let box = #""transform": { "x": 10, "y": 10, "width": 180, "height": 96, "anchor": "top-left" }"#
        let image = try Self.draw(#"\#(box), "direction": "vertical", "justifyContent": "\#(justify)", "alignItems": "start""#,
                                  [Self.rect(20, 10, "#ff0000"), Self.rect(20, 20, "#00ff00"), Self.rect(20, 30, "#0000ff")])
        Self.expectBox(image, red, x: 10, y: starts[0], width: 20, height: 10)
        Self.expectBox(image, green, x: 10, y: starts[1], width: 20, height: 20)
        Self.expectBox(image, blue, x: 10, y: starts[2], width: 20, height: 30)
    }

    @Test(arguments: [
        // alignItems, where a 20 px and a 40 px high child of a 100 px high row start (from 10)
        ("start", 10, 10),
        ("center", 50, 40),
        ("end", 90, 70),
        ("stretch", 10, 10),
    ])
    func alignItemsPlacesChildrenAcrossARow(align: String, first: Int, second: Int) throws {
        let image = try Self.draw(#"\#(Self.box), "gap": 10, "alignItems": "\#(align)""#,
                                  [Self.rect(30, 20, "#ff0000"), Self.rect(30, 40, "#00ff00")])
        Self.expectBox(image, red, x: 10, y: first, width: 30, height: 20)
        Self.expectBox(image, green, x: 50, y: second, width: 30, height: 40)
    }

    @Test(arguments: [
        // alignItems, where a 20 px and a 40 px wide child of a 180 px wide column start (from 10)
        ("start", 10, 10),
        ("center", 90, 80),
        ("end", 170, 150),
        ("stretch", 10, 10),
    ])
    func alignItemsPlacesChildrenAcrossAColumn(align: String, first: Int, second: Int) throws {
        let image = try Self.draw(#"\#(Self.box), "direction": "vertical", "gap": 10, "alignItems": "\#(align)""#,
                                  [Self.rect(20, 30, "#ff0000"), Self.rect(40, 30, "#00ff00")])
        Self.expectBox(image, red, x: first, y: 10, width: 20, height: 30)
        Self.expectBox(image, green, x: second, y: 50, width: 40, height: 30)
    }

    @Test func stretchGivesChildrenWithoutACrossSizeTheWholeInnerSize() throws {
        // alignItems defaults to stretch: the rect without a height is as high as the row inside
        // its padding; the one with a height keeps it, at the start.
        let row = try Self.draw(#"\#(Self.box), "padding": 5, "gap": 10"#, [Self.rect(30, nil, "#ff0000"), Self.rect(30, 40, "#00ff00")])
        Self.expectBox(row, red, x: 15, y: 15, width: 30, height: 90)
        Self.expectBox(row, green, x: 55, y: 15, width: 30, height: 40)
        // Down a column, the rect without a width is as wide as the column.
        let column = try Self.draw(#"\#(Self.box), "direction": "vertical", "padding": 5"#, [Self.rect(nil, 20, "#0000ff")])
        Self.expectBox(column, blue, x: 15, y: 15, width: 170, height: 20)
    }

    @Test func paddingAsOneNumberInsetsEverySide() throws {
        let start = try Self.draw(#"\#(Self.box), "padding": 12, "alignItems": "start""#, [Self.rect(20, 20, "#ff0000")])
        Self.expectBox(start, red, x: 22, y: 22, width: 20, height: 20)
        let end = try Self.draw(#"\#(Self.box), "padding": 12, "alignItems": "end", "justifyContent": "end""#,
                                [Self.rect(20, 20, "#ff0000")])
        Self.expectBox(end, red, x: 158, y: 78, width: 20, height: 20)
    }

    @Test func paddingAsFourNumbersIsTopRightBottomLeft() throws {
        let padding = #""padding": [4, 20, 16, 30]"#
        let start = try Self.draw(#"\#(Self.box), \#(padding), "alignItems": "start""#, [Self.rect(20, 20, "#ff0000")])
        Self.expectBox(start, red, x: 40, y: 14, width: 20, height: 20)
        // The box ends at x 190 and y 110: the child ends 20 px before its right, 16 px above its bottom.
        let end = try Self.draw(#"\#(Self.box), \#(padding), "alignItems": "end", "justifyContent": "end""#,
                                [Self.rect(20, 20, "#ff0000")])
        Self.expectBox(end, red, x: 150, y: 74, width: 20, height: 20)
        // Stretched, the child fills the box inside the padding: 100 − 4 − 16 high.
        let stretched = try Self.draw(#"\#(Self.box), \#(padding)"#, [Self.rect(20, nil, "#00ff00")])
        Self.expectBox(stretched, green, x: 40, y: 14, width: 20, height: 80)
    }

    @Test func aLayoutWithoutASizeFitsItsChildrenAndIsPlacedByItsAnchor() throws {
        // Children 40 × 20 and 20 × 30, gap 10, padding 5: the box is 80 × 40, centred on (100, 60).
        let image = try Self.draw(#""gap": 10, "padding": 5, "alignItems": "end""#,
                                  [Self.rect(40, 20, "#ff0000"), Self.rect(20, 30, "#00ff00")])
        Self.expectBox(image, red, x: 65, y: 55, width: 40, height: 20)
        Self.expectBox(image, green, x: 115, y: 45, width: 20, height: 30)
    }

    @Test func layoutsNest() throws {
        // A column without a size (gap 5, padding 5) beside a 40 × 40 square in a row: the column
        // is as wide as its widest child plus padding (30 + 10) and sits after the square and the
        // gap; its children stack inside its padding.
        let column = #"""
            { "type": "layout", "direction": "vertical", "gap": 5, "padding": 5, "alignItems": "start",
              "children": [ \#(Self.rect(20, 10, "#00ff00")), \#(Self.rect(30, 10, "#0000ff")) ] }
            """#
        let image = try Self.draw(#"\#(Self.box), "gap": 10, "alignItems": "center""#,
                                  [Self.rect(40, 40, "#ff0000"), column, Self.rect(10, 10, "#ffff00")])
        Self.expectBox(image, red, x: 10, y: 40, width: 40, height: 40)
        // The column is 40 × 35, centred across the 100 px row: from y 42.5, drawn on whole pixels.
        let columnTop = 10 + Int(((100 - 35) / 2.0 + 5).rounded())
        Self.expectBox(image, green, x: 65, y: columnTop, width: 20, height: 10)
        Self.expectBox(image, blue, x: 65, y: columnTop + 15, width: 30, height: 10)
        Self.expectBox(image, Self.yellow, x: 110, y: 55, width: 10, height: 10)
    }

    @Test func aNestedLayoutStretchesAndStretchesItsOwnChildren() throws {
        // A row stretched down a column: as wide as the column; its rect without a height takes the row's height.
        let row = #"""
            { "type": "layout", "transform": { "height": 30 }, "justifyContent": "end",
              "children": [ \#(Self.rect(20, nil, "#00ff00")) ] }
            """#
        let image = try Self.draw(#"\#(Self.box), "direction": "vertical", "gap": 10"#, [Self.rect(nil, 20, "#ff0000"), row])
        Self.expectBox(image, red, x: 10, y: 10, width: 180, height: 20)
        Self.expectBox(image, green, x: 170, y: 40, width: 20, height: 30)
    }

    @Test func clipCutsChildrenAtTheBoxEdge() throws {
        // A 150 px wide child in a 100 × 50 box at (50, 35): cut at x 150 with clip, whole without.
        let box = #""transform": { "x": 50, "y": 35, "width": 100, "height": 50, "anchor": "top-left" }, "alignItems": "start""#
        let cut = try Self.draw(#"\#(box), "clip": true"#, [Self.rect(150, 30, "#ff0000")])
        Self.expectBox(cut, red, x: 50, y: 35, width: 100, height: 30)
        #expect(cut.pixel(x: 150, y: 40) == black)
        #expect(cut.pixel(x: 199, y: 40) == black)
        let whole = try Self.draw(box, [Self.rect(150, 30, "#ff0000")])
        Self.expectBox(whole, red, x: 50, y: 35, width: 150, height: 30)
        // The padding is inside the cut: a child pushed past the bottom by it is cut at the box.
        let padded = try Self.draw(#"\#(box), "clip": true, "padding": [30, 0, 0, 10]"#, [Self.rect(20, 40, "#00ff00")])
        Self.expectBox(padded, green, x: 60, y: 65, width: 20, height: 20)
        #expect(padded.pixel(x: 70, y: 85) == black)
    }

    @Test func aNestedClipCutsOnlyItsOwnChildren() throws {
        let inner = #"""
            { "type": "layout", "transform": { "width": 40, "height": 20 }, "clip": true, "alignItems": "start",
              "children": [ \#(Self.rect(60, 20, "#00ff00")) ] }
            """#
        let image = try Self.draw(#"\#(Self.box), "alignItems": "start""#, [inner, Self.rect(30, 60, "#ff0000")])
        Self.expectBox(image, green, x: 10, y: 10, width: 40, height: 20)
        Self.expectBox(image, red, x: 50, y: 10, width: 30, height: 60)
    }

    @Test func theLayoutsTransformTurnsItsChildrenAsAGroup() throws {
        // A 60 × 20 row centred on (100, 60): 20 px squares at its two ends. Turned a quarter
        // clockwise about its centre, the row runs down: the first square above, the second below.
        let fields = #""transform": { "x": 100, "y": 60, "width": 60, "height": 20, "rotation": 90 }, "justifyContent": "space-between""#
        let image = try Self.draw(fields, [Self.rect(20, 20, "#ff0000"), Self.rect(20, 20, "#00ff00")])
        #expect(image.pixel(x: 100, y: 40) == red)
        #expect(image.pixel(x: 100, y: 80) == green)
        #expect(image.pixel(x: 75, y: 60) == black)
        // Scaled 2× about its top-left anchor, a square 10 px from it lands 20 px from it, twice the size.
        let scaled = try Self.draw(#""transform": { "x": 20, "y": 20, "width": 60, "height": 20, "anchor": "top-left", "scale": 2 }, "padding": [0, 0, 0, 10]"#,
                                   [Self.rect(10, 10, "#0000ff")])
        Self.expectBox(scaled, blue, x: 40, y: 20, width: 20, height: 20)
    }

    @Test func aTurnedLayoutClipsAlongItsTurnedBox() throws {
        // A 40 × 40 box turned 90° about its centre (100, 60) still covers 80…120 × 40…80; a child
        // overflowing its right side is cut there, which is now its bottom.
        let fields = #""transform": { "x": 100, "y": 60, "width": 40, "height": 40, "rotation": 90 }, "clip": true, "alignItems": "start""#
        let image = try Self.draw(fields, [Self.rect(80, 10, "#ff0000")])
        // Unturned, the child would run along the top from x 80 to 160; turned, down the right
        // edge (x 110…120) from y 40, cut at y 80.
        #expect(image.pixel(x: 115, y: 45) == red)
        #expect(image.pixel(x: 115, y: 79) == red)
        #expect(image.pixel(x: 115, y: 80) == black)
        #expect(image.pixel(x: 115, y: 100) == black)
    }

    @Test func aChildsOwnScaleAndTurnPivotOnItsAnchorWithoutMovingItsNeighbours() throws {
        // A 20 px square scaled 2× about its centre (20, 20) covers 0…40; its neighbour stays
        // 10 px after its unscaled box. With a top-left anchor it grows from its corner.
        let scaled = #", "transform": { "width": 20, "height": 20, "scale": 2 }"#
        let centred = try Self.draw(#"\#(Self.box), "gap": 10, "alignItems": "start""#,
                                    [##"{ "type": "rect", "style": { "fill": "#ff0000" }\##(scaled) }"##, Self.rect(10, 10, "#00ff00")])
        Self.expectBox(centred, red, x: 0, y: 0, width: 40, height: 40)
        #expect(centred.pixel(x: 41, y: 25) == black)
        Self.expectBox(centred, green, x: 40, y: 10, width: 10, height: 10)
        let cornered = #", "transform": { "width": 20, "height": 20, "scale": 2, "anchor": "top-left" }"#
        let grown = try Self.draw(#"\#(Self.box), "gap": 10, "alignItems": "start""#,
                                  [##"{ "type": "rect", "style": { "fill": "#ff0000" }\##(cornered) }"##])
        Self.expectBox(grown, red, x: 10, y: 10, width: 40, height: 40)
    }

    @Test func theLayoutsOpacityMultipliesItsChildren() throws {
        let image = try Self.draw(#"\#(Self.box), "opacity": 0.5, "alignItems": "start""#, [Self.rect(20, 20, "#ffffff")])
        #expect(close(image.pixel(x: 15, y: 15), SIMD4(128, 128, 128, 255), tolerance: 1))
    }

    @Test func childrenLiveForTheLayoutsWindow() throws {
        // The child's own start and duration are not scheduled: it shows from 1 s to 2 s with the layout.
        let json = Self.layout(#"\#(Self.box), "alignItems": "start""#,
                               [Self.rect(20, 20, "#ff0000", extra: #", "start": 5, "duration": 0.1"#)], start: 1, duration: 1)
        let lowered = try timeline(json)
        #expect(lowered.duration == 2)
        let renderer = Renderer(timeline: lowered)
        #expect(try renderer.frame(at: 0.5).pixel(x: 15, y: 15) == black)
        #expect(try renderer.frame(at: 1).pixel(x: 15, y: 15) == red)
        #expect(try renderer.frame(at: 1.9).pixel(x: 15, y: 15) == red)
        #expect(try renderer.frame(at: 2).pixel(x: 15, y: 15) == black)
    }

    @Test func childAnimationsRunOnTheLayoutsClock() throws {
        // A child fading in over its first second, in a layout starting at 1 s: half way at 1.5 s.
        let fade = #", "animations": [ { "type": "fadeIn", "duration": 1 } ]"#
        let json = Self.layout(#"\#(Self.box), "alignItems": "start""#, [Self.rect(20, 20, "#ffffff", extra: fade)], start: 1, duration: 2)
        let image = try frame(json, at: 1.5)
        #expect(close(image.pixel(x: 15, y: 15), SIMD4(128, 128, 128, 255), tolerance: 1))
    }

    @Test func textChildrenTakeTheirMeasuredSize() throws {
        // A text beside a rect: the rect starts the text's measured width plus the gap after the
        // box's left edge, as the compositor measures the text.
        let text = #"{ "type": "text", "text": "Wide text", "style": { "fontSize": 20, "fontFamily": "DejaVu Sans" } }"#
        let json = Self.layout(#"\#(Self.box), "gap": 10, "alignItems": "start""#, [text, Self.rect(10, 10, "#ff0000")])
        let lowered = try timeline(json)
        guard case .text(let content)? = lowered.tracks.first?.clips.first?.content else {
            Issue.record("the first child is not text")
            return
        }
        let measured = try FrameCompositor(canvas: lowered.canvas, media: MediaLibrary()).size(of: .text(content), width: nil, height: nil)
        #expect(measured.width > 50)
        let image = try Renderer(timeline: lowered).frame(at: 0)
        let left = 10 + measured.width + 10
        #expect(image.pixel(x: Int(left.rounded()) + 1, y: 12) == red)
        #expect(image.pixel(x: Int(left.rounded()) - 2, y: 12) != red)
    }

    @Test func codeTakesItsWholeSizeWhileATypewriterRevealsIt() throws {
        // A code block typed out from 0.5 s takes the room of its whole text from the start.
        let code = #"{ "type": "code", "code": "let a = 1", "fontSize": 12, "padding": 4, "typewriter": { "delay": 0.5 } }"#
        let json = Self.layout(#"\#(Self.box), "gap": 10, "alignItems": "start""#, [code, Self.rect(10, 10, "#ff0000")])
        let lowered = try timeline(json)
        let content = try #require(lowered.tracks.first?.clips.first?.content)
        let measured = try FrameCompositor(canvas: lowered.canvas, media: MediaLibrary()).size(of: content, width: nil, height: nil)
        #expect(measured.width > 60)
        let left = Int((10 + measured.width + 10).rounded())
        let image = try Renderer(timeline: lowered).frame(at: 0)
        #expect(image.pixel(x: left + 1, y: 12) == red)
        #expect(image.pixel(x: left - 2, y: 12) != red)
    }

    @Test func theLayoutsWipeRevealsItsChildren() throws {
        // A wipe to the right over 1 s: at 0.5 s the left half of the canvas shows the row.
        let wipe = #""transition": { "type": "wipe", "duration": 1, "direction": "right" }"#
        let json = Self.layout(#"\#(Self.box), \#(wipe), "alignItems": "start""#, [Self.rect(180, 20, "#ff0000")])
        let image = try frame(json, at: 0.5)
        #expect(image.pixel(x: 90, y: 15) == red)
        #expect(image.pixel(x: 110, y: 15) == black)
    }

    @Test func picturesTakeTheirOwnSizeOrKeepTheirProportionsWhenStretched() throws {
        let folder = TemporaryFolder()
        try folder.png("wide.png", width: 40, height: 20) { _, _ in SIMD4(0, 0, 255, 255) }
        // At its own size beside a rect...
        let picture = #"{ "type": "image", "src": "wide.png" }"#
        let row = try frame(Self.layout(#"\#(Self.box), "gap": 10, "alignItems": "start""#, [picture, Self.rect(10, 10, "#ff0000")]),
                            baseDirectory: folder.path)
        Self.expectBox(row, blue, x: 10, y: 10, width: 40, height: 20)
        Self.expectBox(row, red, x: 60, y: 10, width: 10, height: 10)
        // ...and stretched across a 100 px wide column, 100 × 50.
        let column = #""transform": { "x": 10, "y": 10, "width": 100, "height": 100, "anchor": "top-left" }, "direction": "vertical""#
        let stretched = try frame(Self.layout(column, [picture, Self.rect(10, 10, "#ff0000")]), baseDirectory: folder.path)
        Self.expectBox(stretched, blue, x: 10, y: 10, width: 100, height: 50)
        Self.expectBox(stretched, red, x: 10, y: 60, width: 10, height: 10)
    }

    @Test func percentagesOfAChildAreOfTheLayoutsContentBox() throws {
        // 50% of a 180 − 2 × 10 = 160 px content box is 80 px.
        let child = ##"{ "type": "rect", "transform": { "width": "50%", "height": "25%" }, "style": { "fill": "#ff0000" } }"##
        let image = try Self.draw(#"\#(Self.box), "padding": 10, "alignItems": "start""#, [child])
        Self.expectBox(image, red, x: 20, y: 20, width: 80, height: 20)
    }
}
