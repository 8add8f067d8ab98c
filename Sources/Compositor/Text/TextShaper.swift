internal import CFreeType
internal import CHarfBuzz
internal import CFriBidi
internal import CUnibreak
internal import CFontconfig
import Foundation

/// One glyph placed on a line: its face, its index in the face, and where its pen sits relative
/// to the line's start and baseline (y down), with the text character it came from.
struct PlacedGlyph {
    var face: FontFaceHandle
    var glyph: UInt32
    var x: Double
    var y: Double
    var advance: Double
    /// The Unicode scalar (index in the whole text) that starts the glyph's cluster.
    var cluster: Int
}

/// A paragraph of text prepared for shaping: directions (FriBiDi, the paragraph's direction from
/// its first strong character), a face for every character (the chosen face when it has the
/// character, else the first fallback that has the whole grapheme, colour fonts first for emoji),
/// scripts (HarfBuzz's, common characters joining their neighbours) and line-break opportunities
/// (UAX #14 by libunibreak). Use under the font library's lock.
final class ShapedParagraph {
    let scalars: [UInt32]
    /// The index of the paragraph's first scalar in the whole text.
    let offset: Int
    private(set) var levels: [Int8]
    private(set) var baseIsRTL = false
    private var faceOfScalar: [Int]
    private var scriptOfScalar: [hb_script_t]
    /// Whether a line may end after each scalar (the last always may), and whether it must.
    private(set) var breakAfter: [Bool]
    private(set) var mustBreakAfter: [Bool]
    /// Whether each scalar starts a grapheme cluster.
    private(set) var graphemeStart: [Bool]
    private var faces: [FontFaceHandle] = []
    private let style: ShapingStyle

    /// Sizes and options that shape the glyphs.
    struct ShapingStyle {
        var sizeX: Double
        var sizeY: Double
        var letterSpacing: Double
        /// Synthetic bold strength in 26.6 pixels for faces lighter than the requested weight.
        var emboldenStrength: (FontFaceHandle) -> Int
    }

    init(_ text: Substring, offset: Int, primary: FontFaceHandle, library: FontLibrary, weight: Int, italic: Bool,
         style: ShapingStyle) throws {
        scalars = text.unicodeScalars.map(\.value)
        self.offset = offset
        self.style = style
        let count = scalars.count
        levels = Array(repeating: 0, count: count)
        faceOfScalar = Array(repeating: 0, count: count)
        scriptOfScalar = Array(repeating: HB_SCRIPT_COMMON, count: count)
        breakAfter = Array(repeating: false, count: count)
        mustBreakAfter = Array(repeating: false, count: count)
        graphemeStart = Array(repeating: false, count: count)
        var faces = [primary]
        guard count > 0 else { self.faces = faces; return }

        // Directions.
        var types = [FriBidiCharType](repeating: FriBidiCharType(rawValue: 0), count: count)
        var brackets = [FriBidiBracketType](repeating: 0, count: count)
        var base = reel_fribidi_auto()
        let resolved = scalars.withUnsafeBufferPointer { text -> Int32 in
            fribidi_get_bidi_types(text.baseAddress, Int32(count), &types)
            fribidi_get_bracket_types(text.baseAddress, Int32(count), types, &brackets)
            return Int32(fribidi_get_par_embedding_levels_ex(types, brackets, Int32(count), &base, &levels))
        }
        if resolved == 0 { levels = Array(repeating: 0, count: count) }
        baseIsRTL = (base.rawValue & 1) != 0

        // Line breaks.
        Self.initialiseLineBreaking
        var breaks = [CChar](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { text in
            set_linebreaks_utf32(text.baseAddress, count, nil, &breaks)
        }
        breakAfter = breaks.map { $0 == CChar(LINEBREAK_MUSTBREAK) || $0 == CChar(LINEBREAK_ALLOWBREAK) }
        mustBreakAfter = breaks.map { $0 == CChar(LINEBREAK_MUSTBREAK) }
        breakAfter[count - 1] = true

        // Faces, grapheme by grapheme.
        var fallbackFaces: [FontLibrary.FallbackFace]?
        var colorFaces: [FontLibrary.FallbackFace]?
        var position = 0
        var previousFace = 0
        for character in text {
            let clusterScalars = character.unicodeScalars.map(\.value)
            graphemeStart[position] = true
            let choice: Int
            let first = character.unicodeScalars.first
            let isSpacing = first.map { $0.properties.isWhitespace || $0.properties.generalCategory == .control } ?? true
            // Spaces stay with the face before them (one run through a fallback script), but
            // not with a colour face, whose spaces are emoji-wide.
            if isSpacing, !faces[previousFace].hasColor, faces[previousFace].covers(clusterScalars) {
                choice = previousFace
            } else if Self.wantsEmojiPresentation(character) {
                colorFaces = colorFaces ?? library.colorFallbacks()
                if let color = try Self.firstCovering(clusterScalars, in: colorFaces ?? [], faces: &faces, library: library) {
                    choice = color
                } else {
                    choice = try Self.plainChoice(clusterScalars, faces: &faces, fallbacks: &fallbackFaces, library: library,
                                                  weight: weight, italic: italic)
                }
            } else {
                choice = try Self.plainChoice(clusterScalars, faces: &faces, fallbacks: &fallbackFaces, library: library,
                                              weight: weight, italic: italic)
            }
            for offset in 0..<clusterScalars.count where position + offset < count { faceOfScalar[position + offset] = choice }
            previousFace = choice
            position += clusterScalars.count
        }
        self.faces = faces

        // Scripts: common and inherited characters take their neighbours' script.
        let unicode = hb_unicode_funcs_get_default()
        var lastReal: hb_script_t?
        for index in 0..<count {
            let script = hb_unicode_script(unicode, scalars[index])
            if script == HB_SCRIPT_COMMON || script == HB_SCRIPT_INHERITED || script == HB_SCRIPT_UNKNOWN {
                scriptOfScalar[index] = lastReal ?? HB_SCRIPT_COMMON
            } else {
                if lastReal == nil { for earlier in 0..<index { scriptOfScalar[earlier] = script } }
                scriptOfScalar[index] = script
                lastReal = script
            }
        }
    }

    private static let initialiseLineBreaking: Void = { init_linebreak() }()

    /// Emoji shown in colour: emoji presentation by default or by U+FE0F, keycaps, flags and ZWJ
    /// sequences — unless U+FE0E asks for text.
    private static func wantsEmojiPresentation(_ character: Character) -> Bool {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return false }
        if scalars.contains(where: { $0.value == 0xFE0E }) { return false }
        if scalars.contains(where: { $0.value == 0xFE0F || $0.value == 0x20E3 }) { return true }
        if first.properties.isEmojiPresentation { return true }
        if (0x1F1E6...0x1F1FF).contains(first.value) { return true }
        return scalars.count > 1 && scalars.contains(where: { $0.value == 0x200D }) && first.properties.isEmoji
    }

    /// The chosen face when it has the grapheme, else the first fallback that has it, else the
    /// first that has its base character, else the chosen face (which draws .notdef).
    private static func plainChoice(_ cluster: [UInt32], faces: inout [FontFaceHandle],
                                    fallbacks: inout [FontLibrary.FallbackFace]?, library: FontLibrary,
                                    weight: Int, italic: Bool) throws -> Int {
        if faces[0].covers(cluster) { return 0 }
        fallbacks = fallbacks ?? library.fallbacks(weight: weight, italic: italic)
        let candidates = fallbacks ?? []
        if let found = try firstCovering(cluster, in: candidates, faces: &faces, library: library) { return found }
        if let base = cluster.first,
           let found = try firstCovering([base], in: candidates, faces: &faces, library: library) { return found }
        return 0
    }

    private static func firstCovering(_ cluster: [UInt32], in candidates: [FontLibrary.FallbackFace],
                                      faces: inout [FontFaceHandle], library: FontLibrary) throws -> Int? {
        for candidate in candidates where cluster.allSatisfy({ isIgnorable($0) || FcCharSetHasChar(candidate.charset, $0) != 0 }) {
            if let known = faces.firstIndex(where: { $0.record == candidate.record }) { return known }
            guard let handle = try? library.load(candidate.record) else { continue }
            faces.append(handle)
            return faces.count - 1
        }
        return nil
    }

    /// Characters a face need not have for a grapheme to count as covered (joiners, selectors).
    static func isIgnorable(_ scalar: UInt32) -> Bool {
        scalar == 0x200D || scalar == 0x200C || (0xFE00...0xFE0F).contains(scalar) || (0xE0020...0xE007F).contains(scalar)
            || (0xE0100...0xE01EF).contains(scalar)
    }

    // MARK: shaping

    /// A run of glyphs shaped in one direction, script and face, in visual order.
    struct Run {
        var level: Int8
        var glyphs: [PlacedGlyph]
    }

    /// Shapes `range` (scalar indices in the paragraph) into runs in logical order; within each
    /// run the glyphs are in visual order, with pen positions relative to the run's start.
    func shape(_ range: Range<Int>) -> [Run] {
        var runs: [Run] = []
        var start = range.lowerBound
        while start < range.upperBound {
            var end = start + 1
            while end < range.upperBound, levels[end] == levels[start], faceOfScalar[end] == faceOfScalar[start],
                  scriptOfScalar[end] == scriptOfScalar[start] {
                end += 1
            }
            runs.append(shapeRun(start..<end))
            start = end
        }
        return runs
    }

    private func shapeRun(_ range: Range<Int>) -> Run {
        let face = faces[faceOfScalar[range.lowerBound]]
        let level = levels[range.lowerBound]
        guard let buffer = hb_buffer_create() else { return Run(level: level, glyphs: []) }
        defer { hb_buffer_destroy(buffer) }
        scalars.withUnsafeBufferPointer { text in
            hb_buffer_add_utf32(buffer, text.baseAddress, Int32(text.count), UInt32(range.lowerBound), Int32(range.count))
        }
        hb_buffer_set_direction(buffer, (level & 1) != 0 ? HB_DIRECTION_RTL : HB_DIRECTION_LTR)
        hb_buffer_set_script(buffer, scriptOfScalar[range.lowerBound])
        hb_buffer_set_language(buffer, hb_language_get_default())
        let scaleX = Int32(clamping: clampedInt(style.sizeX * 64)), scaleY = Int32(clamping: clampedInt(style.sizeY * 64))
        hb_font_set_scale(face.hbFont, scaleX, scaleY)
        // Letter spacing turns off optional ligatures, as CSS does.
        var features: [hb_feature_t] = []
        if style.letterSpacing != 0 {
            for tag in ["liga", "clig", "dlig", "calt"] {
                var feature = hb_feature_t()
                if hb_feature_from_string("-" + tag, -1, &feature) != 0 { features.append(feature) }
            }
        }
        hb_shape(face.hbFont, buffer, features, UInt32(features.count))
        var length: UInt32 = 0
        guard let infos = hb_buffer_get_glyph_infos(buffer, &length),
              let positions = hb_buffer_get_glyph_positions(buffer, &length) else { return Run(level: level, glyphs: []) }
        let embolden = Double(style.emboldenStrength(face)) / 64
        var glyphs: [PlacedGlyph] = []
        glyphs.reserveCapacity(Int(length))
        var pen = 0.0
        for index in 0..<Int(length) {
            let info = infos[index], position = positions[index]
            let advance = Double(position.x_advance) / 64 + (position.x_advance != 0 ? embolden : 0)
            glyphs.append(PlacedGlyph(face: face, glyph: info.codepoint, x: pen + Double(position.x_offset) / 64,
                                      y: -Double(position.y_offset) / 64, advance: advance,
                                      cluster: offset + Int(info.cluster)))
            pen += advance
        }
        return Run(level: level, glyphs: glyphs)
    }

    /// The advance of every scalar when the whole paragraph is shaped: a cluster's advance counts
    /// at its first scalar, letter spacing after every grapheme.
    func logicalAdvances() -> [Double] {
        var advances = [Double](repeating: 0, count: scalars.count)
        for run in shape(0..<scalars.count) {
            for glyph in run.glyphs { advances[glyph.cluster - offset] += glyph.advance }
        }
        if style.letterSpacing != 0 {
            for index in advances.indices where graphemeStart[index] { advances[index] += style.letterSpacing }
        }
        return advances
    }

    /// Whether the scalar at `index` is white space (trailing spaces do not count in a line's width).
    func isSpace(_ index: Int) -> Bool {
        Unicode.Scalar(scalars[index]).map { $0.properties.isWhitespace } ?? false
    }

    /// The paragraph broken into lines no wider than `maxWidth` (nil: one line): greedy at UAX #14
    /// opportunities; a piece wider than the box is broken between graphemes.
    func lineRanges(maxWidth: Double?) -> [Range<Int>] {
        let count = scalars.count
        guard count > 0 else { return [0..<0] }
        guard let maxWidth else {
            // No box to fill: lines end only where they must (U+2028, a lone CR…).
            var lines: [Range<Int>] = [], start = 0
            for index in 0..<count - 1 where mustBreakAfter[index] {
                lines.append(start..<index + 1)
                start = index + 1
            }
            lines.append(start..<count)
            return lines
        }
        let advances = logicalAdvances()
        let limit = maxWidth + 1e-6
        var lines: [Range<Int>] = []
        var start = 0
        while start < count {
            var width = 0.0, inkWidth = 0.0
            var best: Int?
            var index = start
            while index < count {
                width += advances[index]
                if !isSpace(index) { inkWidth = width }
                // Past the box: end at the last opportunity (or break between graphemes below).
                if inkWidth - style.letterSpacing > limit { break }
                if breakAfter[index] {
                    best = index + 1
                    if mustBreakAfter[index] { break }
                }
                index += 1
            }
            if let end = best {
                lines.append(start..<end)
                start = end
                continue
            }
            // Nothing fits: break between graphemes, at least one per line.
            var end = start
            var used = 0.0
            var cursor = start
            while cursor < count {
                var next = cursor + 1
                while next < count, !graphemeStart[next] { next += 1 }
                let piece = advances[cursor..<next].reduce(0, +)
                if end > start, used + piece - style.letterSpacing > limit { break }
                used += piece
                end = next
                cursor = next
            }
            lines.append(start..<end)
            start = end
        }
        return lines
    }

    /// A line's glyphs in visual order with pen positions from the line's start, trailing white
    /// space left out, and the line's width. Runs are reordered by UAX #9 rule L2.
    func visualLine(_ range: Range<Int>) -> (glyphs: [PlacedGlyph], width: Double) {
        var end = range.upperBound
        while end > range.lowerBound, isSpace(end - 1) { end -= 1 }
        var runs = shape(range.lowerBound..<end)
        guard !runs.isEmpty else { return ([], 0) }
        // L2: from the highest level down to the lowest odd one, reverse every sequence of runs
        // at that level or above.
        let highest = runs.map(\.level).max() ?? 0
        let lowestOdd = runs.map(\.level).filter { ($0 & 1) != 0 }.min() ?? (highest + 1)
        var level = highest
        while level >= lowestOdd, level > 0 {
            var index = 0
            while index < runs.count {
                guard runs[index].level >= level else { index += 1; continue }
                var stop = index
                while stop < runs.count, runs[stop].level >= level { stop += 1 }
                runs[index..<stop].reverse()
                index = stop
            }
            level -= 1
        }
        var placed: [PlacedGlyph] = []
        var pen = 0.0
        var previousCluster: Int?
        for run in runs {
            var runPen = 0.0
            for var glyph in run.glyphs {
                if let previousCluster, glyph.cluster != previousCluster, style.letterSpacing != 0,
                   graphemeStart[glyph.cluster - offset] {
                    pen += style.letterSpacing
                }
                glyph.x = pen + (glyph.x - runPen)
                runPen += glyph.advance
                pen += glyph.advance
                placed.append(glyph)
                previousCluster = glyph.cluster
            }
        }
        return (placed, pen)
    }
}

extension FontFaceHandle {
    /// Whether the face has every character of a grapheme that matters.
    func covers(_ cluster: [UInt32]) -> Bool {
        cluster.allSatisfy { ShapedParagraph.isIgnorable($0) || glyph(for: $0) != 0 }
    }
}
