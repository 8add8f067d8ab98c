internal import CFreeType
internal import CFontconfig
internal import CHarfBuzz
import Timeline
import Foundation

/// Finds and loads fonts: the document's own font files first, then fonts installed on the
/// machine (through fontconfig), then the fallback family; and, for characters the chosen face
/// lacks, the installed faces fontconfig ranks next, colour emoji first for emoji. One FreeType
/// library behind a lock; faces are loaded once per process and kept.
public final class FontLibrary: @unchecked Sendable {
    /// The family used when the requested one is not found, and for text with no family.
    public static let fallbackFamily = "DejaVu Sans"

    /// One face of an installed or supplied font file.
    struct FaceRecord: Hashable, Sendable {
        var path: String
        var index: Int
        var family: String
        var weight: Int
        var italic: Bool
    }

    /// A face offered for characters the chosen one lacks, with the characters it has.
    struct FallbackFace {
        var record: FaceRecord
        /// fontconfig's character set of the face (owned by the library, never freed).
        var charset: OpaquePointer
        var color: Bool
    }

    private let lock = NSLock()
    private var library: FT_Library?
    private var config: OpaquePointer?
    private var families: [String: [FaceRecord]] = [:]
    private var allFaces: [FaceRecord]?
    private var chains: [String: [FallbackFace]] = [:]
    private var colorFaces: [FallbackFace]?
    private var faces: [FaceRecord: FontFaceHandle] = [:]
    private var nextFaceID = 0

    /// The process-wide library.
    public static let shared = FontLibrary()

    private init() {
        var library: FT_Library?
        guard FT_Init_FreeType(&library) == 0 else { fatalError("FreeType failed to initialise") }
        self.library = library
        config = FcInitLoadConfigAndFonts()
    }

    /// Runs `body` with exclusive use of FreeType, fontconfig and the caches.
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The face that best matches `family`, `weight` and `italic`, looking first in `supplied`
    /// (the document's fonts). Returns the face and whether the family was found.
    func face(family requested: String?, weight: Int, italic: Bool, supplied: [FontFace]) throws -> (FontFaceHandle, matchedFamily: Bool) {
        try withLock {
            let family = requested.map(Self.normalise) ?? Self.normalise(Self.fallbackFamily)
            let suppliedRecords = try supplied.compactMap { face -> FaceRecord? in
                guard Self.normalise(face.family) == family else { return nil }
                guard case .file(let path) = face.source else {
                    throw TextError.unsupportedFontSource(face.source.description)
                }
                return FaceRecord(path: path, index: 0, family: face.family, weight: face.weight, italic: face.italic)
            }
            var candidates = suppliedRecords
            if candidates.isEmpty { candidates = installedFaces(family: family) }
            let matched = !candidates.isEmpty
            if candidates.isEmpty { candidates = installedFaces(family: Self.normalise(Self.fallbackFamily)) }
            if candidates.isEmpty { candidates = installedFaces(family: nil) }
            guard let best = candidates.min(by: { Self.distance($0, weight, italic) < Self.distance($1, weight, italic) }) else {
                throw TextError.noFonts
            }
            return (try load(best), matched)
        }
    }

    /// How far a face is from the requested weight and style (CSS font matching, simplified).
    private static func distance(_ record: FaceRecord, _ weight: Int, _ italic: Bool) -> Int {
        abs(record.weight - weight) + (record.italic == italic ? 0 : 1000)
    }

    private static func normalise(_ family: String) -> String {
        let lowered = family.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
        switch lowered {
        case "sans-serif", "sans", "system-ui", "arial", "helvetica", "inter", "roboto": return "dejavu sans"
        case "serif", "times", "times new roman", "georgia": return "dejavu serif"
        case "monospace", "courier", "courier new", "menlo", "consolas", "monaco": return "dejavu sans mono"
        default: return lowered
        }
    }

    /// Loads a face once; later calls return the same handle. Use under the lock.
    func load(_ record: FaceRecord) throws -> FontFaceHandle {
        if let face = faces[record] { return face }
        var face: FT_Face?
        guard FileManager.default.fileExists(atPath: record.path) else { throw TextError.missingFontFile(record.path) }
        guard FT_New_Face(library, record.path, record.index, &face) == 0, let face else {
            throw TextError.unreadableFontFile(record.path)
        }
        nextFaceID += 1
        let handle = FontFaceHandle(face: face, record: record, id: nextFaceID)
        faces[record] = handle
        return handle
    }

    // MARK: fontconfig

    /// Installed faces of a family (every face when nil), sorted by file for a stable choice.
    private func installedFaces(family: String?) -> [FaceRecord] {
        if let family, let known = families[family] { return known }
        if family == nil, let allFaces { return allFaces }
        guard let pattern = FcPatternCreate() else { return [] }
        defer { FcPatternDestroy(pattern) }
        if let family { family.withCString { _ = FcPatternAddString(pattern, reel_fc_family(), UnsafeRawPointer($0).assumingMemoryBound(to: FcChar8.self)) } }
        let records = list(pattern).map(\.record).sorted { ($0.path, $0.index) < ($1.path, $1.index) }
        // Families asked for are remembered, found or not; a server asked for endless names forgets.
        if families.count >= 1024 { families.removeAll() }
        if let family { families[family] = records } else { allFaces = records }
        return records
    }

    /// The faces fontconfig lists for `pattern`, with their character sets.
    private func list(_ pattern: OpaquePointer) -> [FallbackFace] {
        guard let objects = FcObjectSetCreate() else { return [] }
        defer { FcObjectSetDestroy(objects) }
        for name in [reel_fc_family(), reel_fc_file(), reel_fc_index(), reel_fc_weight(), reel_fc_slant(),
                     reel_fc_charset(), reel_fc_color(), reel_fc_fontformat()] {
            _ = FcObjectSetAdd(objects, name)
        }
        guard let set = FcFontList(config, pattern, objects) else { return [] }
        defer { FcFontSetDestroy(set) }
        return fallbackFaces(set)
    }

    private func fallbackFaces(_ set: UnsafeMutablePointer<FcFontSet>) -> [FallbackFace] {
        var result: [FallbackFace] = []
        for index in 0..<Int(set.pointee.nfont) {
            guard let pattern = set.pointee.fonts[index], let face = Self.fallbackFace(pattern) else { continue }
            result.append(face)
        }
        return result
    }

    private static func fallbackFace(_ pattern: OpaquePointer) -> FallbackFace? {
        var file: UnsafeMutablePointer<FcChar8>?
        guard FcPatternGetString(pattern, reel_fc_file(), 0, &file) == FcResultMatch, let file else { return nil }
        let path = String(cString: file)
        // Fonts FreeType reads as outlines or colour bitmaps; not Type 1 or PCF bitmap fonts.
        guard [".ttf", ".otf", ".ttc", ".otc"].contains(where: { path.lowercased().hasSuffix($0) }) else { return nil }
        var family: UnsafeMutablePointer<FcChar8>?
        let familyName = FcPatternGetString(pattern, reel_fc_family(), 0, &family) == FcResultMatch ? family.map { String(cString: $0) } ?? "" : ""
        var index: Int32 = 0
        _ = FcPatternGetInteger(pattern, reel_fc_index(), 0, &index)
        var weight = 80.0
        _ = FcPatternGetDouble(pattern, reel_fc_weight(), 0, &weight)
        var slant: Int32 = 0
        _ = FcPatternGetInteger(pattern, reel_fc_slant(), 0, &slant)
        var color: FcBool = 0
        _ = FcPatternGetBool(pattern, reel_fc_color(), 0, &color)
        var charset: OpaquePointer?
        guard FcPatternGetCharSet(pattern, reel_fc_charset(), 0, &charset) == FcResultMatch, let charset,
              let owned = FcCharSetCopy(charset) else { return nil }
        let record = FaceRecord(path: path, index: Int(index), family: familyName,
                                weight: Int(FcWeightToOpenTypeDouble(weight).rounded()), italic: slant != 0)
        return FallbackFace(record: record, charset: owned, color: color != 0)
    }

    /// The faces to try, in order, for characters a face of `weight` and `italic` lacks: what
    /// fontconfig ranks after sans-serif of that weight and style, each face adding characters.
    func fallbacks(weight: Int, italic: Bool) -> [FallbackFace] {
        let key = "\(weight)/\(italic)"
        if let chain = chains[key] { return chain }
        var chain: [FallbackFace] = []
        if let pattern = FcPatternCreate() {
            defer { FcPatternDestroy(pattern) }
            "sans-serif".withCString { _ = FcPatternAddString(pattern, reel_fc_family(), UnsafeRawPointer($0).assumingMemoryBound(to: FcChar8.self)) }
            _ = FcPatternAddDouble(pattern, reel_fc_weight(), FcWeightFromOpenTypeDouble(Double(weight)))
            _ = FcPatternAddInteger(pattern, reel_fc_slant(), italic ? 100 : 0)
            _ = FcConfigSubstitute(config, pattern, FcMatchPattern)
            FcDefaultSubstitute(pattern)
            var result = FcResultMatch
            if let set = FcFontSort(config, pattern, 1, nil, &result) {
                chain = fallbackFaces(set)
                FcFontSetDestroy(set)
            }
        }
        chains[key] = chain
        return chain
    }

    /// Installed colour fonts (emoji), tried first for characters shown as emoji.
    func colorFallbacks() -> [FallbackFace] {
        if let colorFaces { return colorFaces }
        var found: [FallbackFace] = []
        if let pattern = FcPatternCreate() {
            defer { FcPatternDestroy(pattern) }
            _ = FcPatternAddBool(pattern, reel_fc_color(), 1)
            found = list(pattern).sorted { ($0.record.path, $0.record.index) < ($1.record.path, $1.record.index) }
        }
        colorFaces = found
        return found
    }
}

/// A loaded FreeType face, its HarfBuzz font, and the weight and style it was registered with.
/// Use under the library's lock.
final class FontFaceHandle: @unchecked Sendable {
    let face: FT_Face
    let record: FaceRecord
    /// Unique in the process: the glyph cache's key.
    let id: Int
    let hbFont: OpaquePointer?
    /// Colour glyphs (CBDT/sbix bitmaps, COLR layers) drawn as they are, not painted.
    let hasColor: Bool
    /// Only fixed bitmap sizes (a colour emoji font): glyphs are scaled from the nearest strike.
    let isBitmapOnly: Bool
    /// The character size last set with FT_Set_Char_Size (26.6), to skip setting it again.
    var currentSize: (Int, Int) = (0, 0)

    typealias FaceRecord = FontLibrary.FaceRecord

    var weight: Int { record.weight }
    var italic: Bool { record.italic }

    init(face: FT_Face, record: FaceRecord, id: Int) {
        self.face = face
        self.record = record
        self.id = id
        let blob = hb_blob_create_from_file(record.path)
        let hbFace = hb_face_create(blob, UInt32(record.index))
        hb_blob_destroy(blob)
        hbFont = hb_font_create(hbFace)
        hb_face_destroy(hbFace)
        let flags = face.pointee.face_flags
        hasColor = (flags & Int(FT_FACE_FLAG_COLOR)) != 0
        isBitmapOnly = (flags & Int(FT_FACE_FLAG_SCALABLE)) == 0 && face.pointee.num_fixed_sizes > 0
    }

    /// The glyph for `scalar`, or 0 (.notdef).
    func glyph(for scalar: UInt32) -> UInt32 { UInt32(FT_Get_Char_Index(face, FT_ULong(scalar))) }

    /// Font units per em (bitmap-only faces without one count 2048).
    var unitsPerEm: Double { face.pointee.units_per_EM > 0 ? Double(face.pointee.units_per_EM) : 2048 }

    deinit {
        hb_font_destroy(hbFont)
        FT_Done_Face(face)
    }
}

/// Problems setting text.
public struct TextError: Error, CustomStringConvertible, Sendable {
    public let description: String

    static let noFonts = TextError(description: "no fonts are installed (install fonts-dejavu-core)")
    static func missingFontFile(_ path: String) -> TextError { TextError(description: "font file not found: \(path)") }
    static func unreadableFontFile(_ path: String) -> TextError { TextError(description: "not a font FreeType can read: \(path)") }
    static func unsupportedFontSource(_ source: String) -> TextError {
        TextError(description: "the font file could not be fetched: \(source)")
    }
}
