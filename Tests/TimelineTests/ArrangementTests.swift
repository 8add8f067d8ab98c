import Testing
@testable import Timeline

/// `Timeline.arranged(measuring:)`: what it asks the measurer, and where the children go.
@Suite struct ArrangementTests {
    /// Text 30 wide and 12 high on one line; given a width, 24 high per 30 px less than 60.
    final class TextMeasurer: ContentMeasuring {
        var asked: [(width: Double?, height: Double?)] = []

        func size(of content: ClipContent, width: Double?, height: Double?) -> (width: Double, height: Double) {
            asked.append((width, height))
            guard let width else { return (30, height ?? 12) }
            return (width, height ?? (width < 30 ? 24 : 12))
        }
    }

    var canvas: Canvas { Canvas(width: 200, height: 100, frameRate: FrameRate(numerator: 10)) }

    func text(_ slot: [Int]) -> Clip {
        var clip = Clip(origin: "text \(slot)", start: 0, duration: 1, transform: Transform(x: .constant(0), y: .constant(0)),
                        content: .text(TextContent(text: "hi", fontSize: 10)))
        clip.layoutSlot = LayoutSlot(layout: 0, path: slot)
        return clip
    }

    func square(_ slot: [Int], side: Double = 10) -> Clip {
        var clip = Clip(origin: "square \(slot)", start: 0, duration: 1,
                        transform: Transform(x: .constant(0), y: .constant(0), width: .constant(side), height: .constant(side)),
                        content: .shape(ShapeContent(geometry: .rectangle(.zero), fill: .solid(.white))))
        clip.layoutSlot = LayoutSlot(layout: 0, path: slot)
        return clip
    }

    func timeline(_ box: LayoutBox, _ clips: [Clip]) -> Timeline {
        var timeline = Timeline(canvas: canvas, tracks: [Track(clips: clips)])
        timeline.layouts = [box]
        return timeline
    }

    func frame(x: Double = 0, y: Double = 0) -> LayoutFrame {
        LayoutFrame(transform: Transform(x: .constant(x), y: .constant(y), anchor: .topLeft))
    }

    @Test func stretchedTextIsMeasuredAtTheColumnsWidth() throws {
        let box = LayoutBox(direction: .vertical, gap: 4, width: 20, height: 100, frame: frame(), items: [.clip, .clip])
        let measurer = TextMeasurer()
        let arranged = try timeline(box, [text([0]), square([1])]).arranged(measuring: measurer)
        #expect(measurer.asked.count == 1 && measurer.asked[0].width == 20 && measurer.asked[0].height == nil)
        let (label, square) = (arranged.tracks[0].clips[0], arranged.tracks[0].clips[1])
        // The text is drawn at the stretched width and its own height, centred on its box.
        #expect(label.transform.width == .constant(20) && label.transform.height == nil)
        #expect(label.transform.x == .constant(10) && label.transform.y == .constant(12))
        #expect(square.transform.x == .constant(5) && square.transform.y == .constant(33))
        #expect(label.frames.count == 1 && label.layoutSlot == nil && arranged.layouts.isEmpty)
    }

    @Test func aBoxWithoutASizeFitsItsChildrenAndStretchesThemToTheTallest() throws {
        // A row of text (30 × 12) and a 10 px square, no size, padding 2: 44 + 4 wide, 12 + 4 high;
        // the text is not stretched (it is already the tallest), the square has its size.
        let box = LayoutBox(gap: 4, padding: EdgeInsets(all: 2), frame: frame(x: 50, y: 20), items: [.clip, .clip])
        let arranged = try timeline(box, [text([0]), square([1])]).arranged(measuring: TextMeasurer())
        let frame = try #require(arranged.tracks[0].clips[0].frames.first)
        #expect(frame.transform.width == .constant(48) && frame.transform.height == .constant(16))
        #expect(arranged.tracks[0].clips[0].transform.x == .constant(15) && arranged.tracks[0].clips[0].transform.y == .constant(6))
        #expect(arranged.tracks[0].clips[1].transform.x == .constant(39))
        // Drawn: the content box starts at the box's corner (50, 20) plus the padding.
        let items = arranged.drawList(at: 0)
        #expect(items.map(\.x) == [67, 91] && items.map(\.y) == [28, 27], "\(items.map { ($0.x, $0.y) })")
    }

    @Test func aTimelineDrawnWithoutArrangingIsArrangedWithTheSizesItGives() {
        let box = LayoutBox(gap: 5, frame: frame(), items: [.clip, .clip])
        let unarranged = timeline(box, [square([0]), square([1], side: 20)])
        #expect(unarranged.drawList(at: 0).map(\.x) == [5, 25])
    }

    @Test func aMeasuringFailureNamesTheClip() {
        struct Failing: ContentMeasuring {
            struct Broken: Error, CustomStringConvertible { var description: String { "no font" } }
            func size(of content: ClipContent, width: Double?, height: Double?) throws -> (width: Double, height: Double) {
                throw Broken()
            }
        }
        let box = LayoutBox(frame: frame(), items: [.clip])
        #expect(throws: ArrangementError.self) { try timeline(box, [text([0])]).arranged(measuring: Failing()) }
        do {
            _ = try timeline(box, [text([0])]).arranged(measuring: Failing())
        } catch {
            #expect(error.description == "text [0]: no font")
        }
    }
}
