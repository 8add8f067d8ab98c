/// What a render writes: one row per format, read by the command line (`--format`, the output
/// path's extension), the API's `output_format`, the server's download links and
/// `reel capabilities`. The encoder settings each one gets live in `Encoder` (`EncoderSettings(format:…)`).
public enum OutputFormat: String, CaseIterable, Hashable, Sendable {
    /// H.264 and AAC in an MP4 whose index comes first.
    case mp4
    /// HEVC (libx265, tagged `hvc1`) and AAC in an MP4 whose index comes first.
    case hevc
    /// VP9 and Opus in WebM; with a transparent background, VP9 with alpha.
    case webm
    /// ProRes 4444 and 24-bit PCM in a QuickTime movie; with a transparent background, with alpha.
    case mov
    /// An animated GIF: one palette for the whole video, dithered; no sound.
    case gif
    /// Every frame as a PNG: into a folder, a numbered file pattern, or a ZIP archive; no sound.
    case pngSequence = "png-sequence"
    /// One frame (the poster) as a PNG.
    case png
    /// One frame (the poster) as a JPEG.
    case jpeg

    /// The name in `--format`, `output_format` and `reel capabilities`.
    public var name: String { rawValue }

    /// The format named `name` (case-insensitive; `jpg` is `jpeg`), or nil.
    public init?(name: String) {
        let lowered = name.lowercased()
        if lowered == "jpg" {
            self = .jpeg
        } else if let format = OutputFormat(rawValue: lowered) {
            self = format
        } else {
            return nil
        }
    }

    /// One line for `reel capabilities` and docs/effects.md.
    public var summary: String {
        switch self {
        case .mp4: "H.264 (libx264, yuv420p) and AAC 48 kHz stereo in MP4, moov first; BT.709 limited range. A transparent background shows black."
        case .hevc: "HEVC (libx265, yuv420p, tagged hvc1) and AAC 48 kHz stereo in MP4, moov first; BT.709 limited range. A transparent background shows black."
        case .webm: "VP9 (libvpx-vp9, CRF 32) and Opus 48 kHz stereo in WebM; BT.709 limited range; yuva420p (alpha) when the background is transparent."
        case .mov: "ProRes 4444 (prores_ks, yuv444p10le) and 24-bit PCM 48 kHz stereo in QuickTime; BT.709 limited range; yuva444p10le (alpha) when the background is transparent."
        case .gif: "animated GIF: one palette for the whole video (libavfilter palettegen), dithered (paletteuse, sierra2_4a); 1-bit transparency when the background is transparent; no sound; at most 50 frames a second."
        case .pngSequence: "every frame as an 8-bit RGBA PNG (sRGB chunk), alpha kept: into a folder, a numbered pattern or a ZIP; no sound."
        case .png: "one frame (the poster) as an 8-bit RGBA PNG (sRGB chunk), alpha kept."
        case .jpeg: "one frame (the poster) as a JPEG (JFIF: BT.601 full range, 4:2:0), over black."
        }
    }

    /// The extension of the single file it makes (a PNG sequence's is its ZIP archive's).
    public var fileExtension: String {
        switch self {
        case .mp4, .hevc: "mp4"
        case .webm: "webm"
        case .mov: "mov"
        case .gif: "gif"
        case .pngSequence: "zip"
        case .png: "png"
        case .jpeg: "jpg"
        }
    }

    /// The MIME type of that file.
    public var mimeType: String {
        switch self {
        case .mp4, .hevc: "video/mp4"
        case .webm: "video/webm"
        case .mov: "video/quicktime"
        case .gif: "image/gif"
        case .pngSequence: "application/zip"
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        }
    }

    /// The MIME type of a file with `fileExtension` that some format makes, or nil.
    public static func mimeType(forExtension fileExtension: String) -> String? {
        allCases.first { $0.fileExtension == fileExtension.lowercased() }?.mimeType
    }

    /// Whether it is a movie (mp4, hevc, webm, mov): encoded pictures and the render's sound.
    public var isMovie: Bool { [.mp4, .hevc, .webm, .mov].contains(self) }

    /// Whether the file carries the render's sound (the movies do).
    public var hasSound: Bool { isMovie }

    /// Whether the file is one frame (the poster) rather than the whole timeline.
    public var isStill: Bool { self == .png || self == .jpeg }

    /// Whether a transparent background stays transparent in it (as alpha; GIF: 1-bit).
    public var keepsTransparency: Bool { [.webm, .mov, .gif, .pngSequence, .png].contains(self) }

    /// The format an output path names by its extension, or nil when the extension is none of
    /// them. `.png` is a poster unless the name holds a frame-number pattern (`frame-%05d.png`);
    /// `.zip` is a PNG sequence archive. (A folder, which names a PNG sequence, is for the caller
    /// to recognise: it needs the file system.)
    public static func forPath(_ path: String) -> OutputFormat? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "mp4", "m4v": return .mp4
        case "webm": return .webm
        case "mov": return .mov
        case "gif": return .gif
        case "zip": return .pngSequence
        case "png": return FramePattern(name) != nil ? .pngSequence : .png
        case "jpg", "jpeg": return .jpeg
        default: return nil
        }
    }
}

/// A file name with one printf-style frame number in it, `%d` or `%0Nd` (N from 1 to 9), as
/// FFmpeg's image sequences spell it: `frame-%05d.png` names `frame-00000.png`, `frame-00001.png`…
public struct FramePattern: Hashable, Sendable {
    public let prefix: Substring
    public let suffix: Substring
    public let digits: Int

    /// `prefix`, the frame number zero-padded to `digits` (1 to 9), `suffix`.
    public init(prefix: String, digits: Int, suffix: String) {
        self.prefix = Substring(prefix)
        self.digits = min(9, max(1, digits))
        self.suffix = Substring(suffix)
    }

    /// The pattern in `text`, or nil when it has no frame number or more than one `%`.
    public init?(_ text: String) {
        guard text.filter({ $0 == "%" }).count == 1, let percent = text.firstIndex(of: "%") else { return nil }
        var index = text.index(after: percent)
        var width = ""
        while index < text.endIndex, text[index].isASCII, text[index].isNumber {
            width.append(text[index])
            index = text.index(after: index)
        }
        guard index < text.endIndex, text[index] == "d" else { return nil }
        if width.isEmpty {
            digits = 1
        } else {
            guard width.hasPrefix("0"), width.count >= 2, let count = Int(width.dropFirst()), (1...9).contains(count) else { return nil }
            digits = count
        }
        prefix = text[..<percent]
        suffix = text[text.index(after: index)...]
    }

    /// The name of frame `number`: zero-padded to the pattern's digits.
    public func name(_ number: Int) -> String {
        let digitsText = String(number)
        return String(prefix) + String(repeating: "0", count: max(0, digits - digitsText.count)) + digitsText + String(suffix)
    }
}
