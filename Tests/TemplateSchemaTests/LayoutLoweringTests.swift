import Foundation
import Testing
import Timeline
@testable import TemplateSchema

/// How `layout` clips become timeline clips: the layout's window, ids, slots in the box tree,
/// ignored keyframes, and the layout's placement applied to its children as a group.
@Suite struct LayoutLoweringTests {
    func lower(_ json: String) throws -> Timeline {
        try RenderingVideoV2.decode(Data(json.utf8)).lower(baseDirectory: "/work/configs")
    }

    /// A 200×100 document whose first track holds `clips`.
    func document(_ clips: String) -> String {
        #"{ "meta": { "width": 200, "height": 100, "fps": 10 }, "tracks": [ { "clips": [ \#(clips) ] } ] }"#
    }

    @Test func childrenBecomeClipsLivingForTheLayoutsWindow() throws {
        let timeline = try lower(document(#"""
            { "type": "layout", "id": "card", "start": 2, "duration": 3, "zIndex": 4, "children": [
                { "type": "rect", "id": "left", "start": 9, "duration": 0.5, "zIndex": -7, "transform": { "width": 10, "height": 10 } },
                { "type": "layout", "children": [ { "type": "circle", "size": 8 } ] },
                { "type": "audio", "src": "music.wav" } ] },
            { "type": "rect", "start": 0, "duration": 1, "transform": { "width": 5, "height": 5 } }
            """#))
        let clips = timeline.tracks[0].clips
        #expect(clips.count == 4)
        #expect(clips.map(\.origin) == ["tracks[0].clips[0].children[0]", "tracks[0].clips[0].children[1].children[0]",
                                        "tracks[0].clips[0].children[2]", "tracks[0].clips[1]"])
        for child in clips.prefix(3) {
            #expect(child.start == 2 && child.duration == 3 && child.zIndex == 4)
        }
        // A child's own id stays; the others take the layout's (so ducking can name the layout).
        #expect(clips.prefix(3).map(\.id) == ["left", "card", "card"])
        #expect(clips[0].layoutSlot == LayoutSlot(layout: 0, path: [0]))
        #expect(clips[1].layoutSlot == LayoutSlot(layout: 0, path: [1, 0]))
        #expect(clips[2].layoutSlot == nil, "sound takes no place in the row")
        #expect(timeline.soundClips.map(\.origin) == ["tracks[0].clips[0].children[2]"])
        #expect(timeline.layouts.count == 1)
        let items = timeline.layouts[0].items
        #expect(items.count == 3 && items[0] == .clip && items[2] == .clip)
        #expect(try nestedBox(timeline).items == [.clip])
        #expect(timeline.duration == 5)
    }

    /// The box of the layout nested second in the first layout.
    func nestedBox(_ timeline: Timeline) throws -> LayoutBox {
        guard case .box(let box)? = timeline.layouts.first?.items.dropFirst().first else {
            throw LayoutMissing()
        }
        return box
    }

    struct LayoutMissing: Error {}

    @Test func layoutFieldsAndDefaults() throws {
        let timeline = try lower(document(#"""
            { "type": "layout", "start": 0, "duration": 1, "direction": "vertical", "gap": 6, "padding": [1, 2],
              "alignItems": "end", "justifyContent": "space-around", "clip": true, "transform": { "width": "50%", "height": 40 },
              "children": [ { "type": "rect", "transform": { "width": 4, "height": 4 } },
                            { "type": "layout", "transform": { "width": "50%" },
                              "children": [ { "type": "rect", "transform": { "width": "25%", "height": 4 } } ] } ] }
            """#))
        let box = timeline.layouts[0]
        #expect(box.direction == .vertical && box.gap == 6 && box.alignItems == .end && box.justifyContent == .spaceAround)
        #expect(box.padding == EdgeInsets(top: 1, right: 2, bottom: 1, left: 2))
        #expect(box.width == 100 && box.height == 40 && box.frame.clips)
        let nested = try nestedBox(timeline)
        #expect(nested.direction == .horizontal && nested.gap == 0 && nested.padding == .zero)
        #expect(nested.alignItems == .stretch && nested.justifyContent == .start && !nested.frame.clips)
        // Percentages of the outer content box, 100 − 2 × 2 = 96 wide, and of the nested one.
        #expect(nested.width == 48 && nested.height == nil)
        #expect(timeline.tracks[0].clips[1].transform.width == .constant(12))
    }

    @Test(arguments: [
        ("3", EdgeInsets(all: 3)),
        ("[3]", EdgeInsets(all: 3)),
        ("[1, 2]", EdgeInsets(top: 1, right: 2, bottom: 1, left: 2)),
        ("[1, 2, 3]", EdgeInsets(top: 1, right: 2, bottom: 3, left: 2)),
        ("[1, 2, 3, 4]", EdgeInsets(top: 1, right: 2, bottom: 3, left: 4)),
    ])
    func paddingTakesCSSsForms(written: String, padding: EdgeInsets) throws {
        let timeline = try lower(document(#"""
            { "type": "layout", "start": 0, "duration": 1, "padding": \#(written),
              "children": [ { "type": "rect", "transform": { "width": 4, "height": 4 } } ] }
            """#))
        #expect(timeline.layouts.first?.padding == padding)
    }

    @Test func positionAndSizeKeyframesOfChildrenAreIgnoredWithANotice() throws {
        let timeline = try lower(document(#"""
            { "type": "layout", "start": 0, "duration": 1, "children": [
                { "type": "rect", "transform": { "width": 10, "height": 10 },
                  "keyframes": [ { "property": "x", "frames": [ { "time": 0, "value": 5 }, { "time": 1, "value": 50 } ] },
                                 { "property": "opacity", "frames": [ { "time": 0, "value": 0 }, { "time": 1, "value": 1 } ] } ] } ] }
            """#))
        #expect(timeline.notices == ["tracks[0].clips[0].children[0].keyframes: x keyframes are ignored: a layout places its children once"])
        let child = timeline.tracks[0].clips[0]
        #expect(child.transform.x == .constant(0))
        #expect(!child.opacity.isConstant, "other keyframes play on the layout's clock")
    }

    @Test func theLayoutsPlacementCarriesItsChildren() throws {
        // A 40 × 20 row at (100, 50) scaled [2, 1] and a child square turned 90°: the child's
        // anchor moves with the box's scale, and the product of the box's scale and the child's
        // turn is a turn and a scale of [1, 2].
        let timeline = try lower(document(#"""
            { "type": "layout", "start": 0, "duration": 1, "alignItems": "start",
              "transform": { "x": 100, "y": 50, "width": 40, "height": 20, "anchor": "top-left", "scale": [2, 1] },
              "children": [ { "type": "rect", "transform": { "width": 10, "height": 10, "rotation": 90 } } ] }
            """#))
        let item = try #require(timeline.drawList(at: 0).first)
        #expect(item.x == 110 && item.y == 55)
        #expect(abs(item.rotation - 90) < 1e-9 && abs(item.scaleX - 1) < 1e-9 && abs(item.scaleY - 2) < 1e-9)
        #expect(abs(item.skewX) < 1e-9 && item.skewY == 0)
        #expect(item.clipRegions.isEmpty)
    }

    @Test func theLayoutsMotionPlaysOnItsChildren() throws {
        // A layout fading in over 1 s with a child already at half opacity; the layout's move
        // animation carries the child with it.
        let timeline = try lower(document(#"""
            { "type": "layout", "start": 0, "duration": 2, "alignItems": "start",
              "transform": { "x": 0, "y": 0, "width": 40, "height": 20, "anchor": "top-left" },
              "animations": [ { "type": "fadeIn", "duration": 1 }, { "type": "move", "duration": 1, "from": { "x": 100, "y": 0 }, "to": { "x": 0, "y": 0 } } ],
              "children": [ { "type": "rect", "opacity": 0.5, "transform": { "width": 10, "height": 10 } } ] }
            """#))
        let item = try #require(timeline.drawList(at: 0.5).first)
        #expect(abs(item.opacity - 0.25) < 1e-9)
        #expect(item.x == 55 && item.y == 5)
    }

    @Test func aLayoutPushingInPushesTheClipBeforeIt() throws {
        // A rect on 0–2 s, and a layout on the same track pushing in from 1 s over 1 s: half way,
        // the rect has travelled half the canvas's width to the left.
        let timeline = try lower(document(#"""
            { "type": "rect", "start": 0, "duration": 2, "transform": { "x": 100, "y": 50, "width": 10, "height": 10 } },
            { "type": "layout", "start": 1, "duration": 2, "transition": { "type": "push", "duration": 1 },
              "children": [ { "type": "rect", "transform": { "width": 10, "height": 10 } } ] }
            """#))
        let items = timeline.drawList(at: 1.5)
        #expect(items.map(\.origin) == ["tracks[0].clips[0]", "tracks[0].clips[1].children[0]"])
        #expect(items[0].x == 0)
        #expect(items[1].x == 200)
    }

    @Test func clippingLayoutsGiveTheirChildrenARegion() throws {
        let timeline = try lower(document(#"""
            { "type": "layout", "start": 0, "duration": 1, "clip": true,
              "transform": { "x": 100, "y": 50, "width": 40, "height": 20 },
              "children": [ { "type": "layout", "clip": true, "transform": { "width": 10, "height": 10 },
                              "children": [ { "type": "rect", "transform": { "width": 30, "height": 30 } } ] } ] }
            """#))
        let item = try #require(timeline.drawList(at: 0).first)
        #expect(item.clipRegions == [
            ClipRegion(a: 1, b: 0, c: 0, d: 1, tx: 80, ty: 40, width: 10, height: 10),
            ClipRegion(a: 1, b: 0, c: 0, d: 1, tx: 80, ty: 40, width: 40, height: 20),
        ])
    }
}
