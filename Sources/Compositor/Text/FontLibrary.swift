internal import CFreeType
import Timeline
import Foundation

/// Finds and loads fonts: the document's own font files first, then fonts installed on the
/// machine, then the fallback family. One FreeType library behind a lock; faces are cached.
public final class FontLibrary: @unchecked Sendable {
    /// The family used when the requested one is not found, and for text with no family.
    public static let fallbackFamily = "DejaVu Sans"
    /// Folders searched for installed fonts.
    public static let searchDirectories = ["/usr/share/fonts", "/usr/local/share/fonts",
                                           NSHomeDirectory() + "/.fonts", NSHomeDirectory() + "/.local/share/fonts"]

    /// One face of an installed or supplied font file.
    struct FaceRecord: Sendable {
        var path: String
        var index: Int
        var family: String
        var weight: Int
        var italic: Bool
    }

    private let lock = NSLock()
    private var library: FT_Library?
    private var installed: [FaceRecord]?
    private var faces: [String: FontFaceHandle] = [:]

    /// The process-wide library.
    public static let shared = FontLibrary()

    private init() {
        var library: FT_Library?
        guard FT_Init_FreeType(&library) == 0 else { fatalError("FreeType failed to initialise") }
        self.library = library
    }

    /// Runs `body` with exclusive use of FreeType.
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
            if candidates.isEmpty { candidates = installedFaces().filter { Self.normalise($0.family) == family } }
            let matched = !candidates.isEmpty
            if candidates.isEmpty {
                candidates = installedFaces().filter { Self.normalise($0.family) == Self.normalise(Self.fallbackFamily) }
            }
            if candidates.isEmpty { candidates = installedFaces() }
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
        case "monospace", "courier", "courier new", "menlo": return "dejavu sans mono"
        default: return lowered
        }
    }

    private func load(_ record: FaceRecord) throws -> FontFaceHandle {
        let key = "\(record.path)#\(record.index)"
        if let face = faces[key] { return face }
        var face: FT_Face?
        guard FileManager.default.fileExists(atPath: record.path) else { throw TextError.missingFontFile(record.path) }
        guard FT_New_Face(library, record.path, record.index, &face) == 0, let face else {
            throw TextError.unreadableFontFile(record.path)
        }
        let handle = FontFaceHandle(face: face, weight: record.weight, italic: record.italic)
        faces[key] = handle
        return handle
    }

    /// Every face of every font file in the search folders (read once).
    private func installedFaces() -> [FaceRecord] {
        if let installed { return installed }
        var records: [FaceRecord] = []
        let extensions: Set<String> = ["ttf", "otf", "ttc", "otc"]
        for directory in Self.searchDirectories {
            guard let walker = FileManager.default.enumerator(atPath: directory) else { continue }
            for case let relative as String in walker where extensions.contains((relative as NSString).pathExtension.lowercased()) {
                let path = directory + "/" + relative
                var faceCount = 1
                var index = 0
                while index < faceCount {
                    var face: FT_Face?
                    guard FT_New_Face(library, path, index, &face) == 0, let face else { break }
                    faceCount = Int(face.pointee.num_faces)
                    if let family = face.pointee.family_name.map({ String(cString: $0) }) {
                        let styleName = face.pointee.style_name.map { String(cString: $0) } ?? ""
                        let flags = face.pointee.style_flags
                        var weight = Int(reel_ft_weight_class(face))
                        if weight == 0 { weight = (flags & Int(FT_STYLE_FLAG_BOLD)) != 0 ? 700 : 400 }
                        let italic = (flags & Int(FT_STYLE_FLAG_ITALIC)) != 0 || styleName.lowercased().contains("oblique")
                        records.append(FaceRecord(path: path, index: index, family: family, weight: weight, italic: italic))
                    }
                    FT_Done_Face(face)
                    index += 1
                }
            }
        }
        installed = records.sorted { $0.path < $1.path }
        return installed!
    }
}

/// A loaded FreeType face and the weight and style it was registered with.
final class FontFaceHandle: @unchecked Sendable {
    let face: FT_Face
    let weight: Int
    let italic: Bool

    init(face: FT_Face, weight: Int, italic: Bool) {
        self.face = face
        self.weight = weight
        self.italic = italic
    }

    deinit { FT_Done_Face(face) }
}

/// Problems setting text.
public struct TextError: Error, CustomStringConvertible, Sendable {
    public let description: String

    static let noFonts = TextError(description: "no fonts are installed (install fonts-dejavu-core)")
    static func missingFontFile(_ path: String) -> TextError { TextError(description: "font file not found: \(path)") }
    static func unreadableFontFile(_ path: String) -> TextError { TextError(description: "not a font FreeType can read: \(path)") }
    static func unsupportedFontSource(_ source: String) -> TextError {
        TextError(description: "remote font files are not supported yet: \(source)")
    }
}
