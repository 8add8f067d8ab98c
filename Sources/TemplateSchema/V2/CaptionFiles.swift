/// One word of a caption, with its times in seconds.
public struct CaptionWord: Hashable, Sendable {
    /// The word without leading and trailing punctuation (`"Hello"` for `"Hello,"`); inner
    /// apostrophes and hyphens stay. A token that is all punctuation (`"..."`, `"♪"`) is kept whole.
    public var word: String
    /// The word as written in the cue, punctuation included.
    public var punctuated: String
    /// When the word starts, in seconds on the caption file's clock.
    public var start: Double
    /// When the word ends, in seconds: the next word's start within its cue, or the cue's end.
    public var end: Double

    public init(word: String, punctuated: String, start: Double, end: Double) {
        self.word = word
        self.punctuated = punctuated
        self.start = start
        self.end = end
    }
}

/// A problem in a caption file, at a 1-based line; line 0 means the file as a whole.
public struct CaptionFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The 1-based line the problem is on, or 0 when it concerns the whole file.
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    /// `line 3: message`, or the message alone for the whole file.
    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}

/// Reading SRT and WebVTT caption files into word-timed captions for a `subtitle` clip.
///
/// Text is split into words at whitespace (the lines of a cue are joined with spaces), so a cue in a
/// script written without spaces (Chinese, Japanese, Thai) is one word. No-break spaces (`&nbsp;`)
/// join rather than split. A cue's duration is shared evenly among its words by word count, except
/// that WebVTT inline timestamps (`<00:00:01.500>word`, as karaoke files carry) start the word they
/// precede and the words between two such times share that span evenly.
///
/// Both formats: UTF-8 with or without a byte order mark, CR, LF or CRLF line endings, blank lines
/// holding spaces or tabs; times `[hours:]minutes:seconds` with `,` or `.` before a fraction of 1
/// to 3 digits. SRT: the cue number may be missing; text after the end time is ignored; `<i>`,
/// `<font …>` and `{\an8}` markup is removed. WebVTT: NOTE, STYLE and REGION blocks and cue settings
/// are skipped; tags (`<v Name>`, `<c.class>`, ruby text) are removed and character references
/// (`&amp;`, `&lt;`, `&gt;`, `&nbsp;`, `&lrm;`, `&rlm;`, `&quot;`, `&apos;`, `&#39;`) decoded.
public enum CaptionFile {
    /// A caption file format.
    public enum Format: String, CaseIterable, Sendable {
        case srt
        case webVTT = "vtt"
    }

    /// The largest file read, in UTF-8 bytes (10 MiB; a feature film's captions are about 100 KiB).
    public static let maximumBytes = 10 * 1024 * 1024
    /// The most cues in one file.
    public static let maximumCues = 100_000
    /// The most words in one file.
    public static let maximumWords = 1_000_000

    /// The format a file name, path or URL names by its extension (`.srt`, `.vtt`, in any case),
    /// ignoring a URL's query string and fragment; nil for any other name.
    public static func format(ofName name: String) -> Format? {
        func named(_ candidate: Substring) -> Format? {
            let file = candidate.split(omittingEmptySubsequences: false) { $0 == "/" || $0 == "\\" }.last ?? candidate
            guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return nil }
            switch file[file.index(after: dot)...].lowercased() {
            case "srt": return .srt
            case "vtt": return .webVTT
            default: return nil
            }
        }
        if let format = named(name[...]) { return format }
        guard let cut = name.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return nil }
        return named(name[..<cut])
    }

    /// The format `text` looks like: `webVTT` when it starts with the `WEBVTT` header, `srt` when
    /// its first cue starts with a timing line (`00:00:01,000 --> 00:00:02,000`), after a cue
    /// number or not; otherwise nil. Only the first 64 KiB are looked at.
    public static func sniff(_ text: String) -> Format? {
        let source = CaptionSource(text, limit: 64 * 1024)
        if source.hasWebVTTHeader { return .webVTT }
        var cursor = source.firstLine
        while let line = cursor, source.isBlank(line) { cursor = source.line(after: line) }
        guard let first = cursor else { return nil }
        if source.isTiming(first) { return .srt }
        if source.isCueNumber(first), let next = source.line(after: first), source.isTiming(next) { return .srt }
        return nil
    }

    /// The words of every cue in `text`, cues in order of their start times (cues that start
    /// together keep the file's order; overlapping cues are allowed). A cue with no text has no words.
    public static func words(_ text: String, format: Format) throws(CaptionFileError) -> [CaptionWord] {
        guard text.utf8.count <= maximumBytes else {
            throw CaptionFileError(line: 0, message: "the file is larger than \(maximumBytes / 1024 / 1024) MiB")
        }
        let source = CaptionSource(text, limit: maximumBytes)
        var cursor = source.firstLine
        while let line = cursor, source.isBlank(line) { cursor = source.line(after: line) }
        guard cursor != nil else { throw CaptionFileError(line: 0, message: "the file is empty") }
        var cues = switch format {
        case .srt: try source.srtCues()
        case .webVTT: try source.webVTTCues()
        }
        guard !cues.isEmpty else { throw CaptionFileError(line: 0, message: "no cues found") }
        cues.sort { ($0.start, $0.line) < ($1.start, $1.line) }
        var words: [CaptionWord] = []
        for cue in cues {
            let tokens = CueText.tokens(source.text(of: cue), format: format, limit: maximumWords - words.count)
            guard words.count + tokens.count <= maximumWords else {
                throw CaptionFileError(line: cue.line, message: "more than \(maximumWords) words; that is the most a file may hold")
            }
            words += timed(tokens, from: cue.start, to: cue.end)
        }
        return words
    }

    /// The tokens' words over `start...end`: inline times that fall inside the cue and after the
    /// previous one start their word; the words between two known times share that span evenly.
    static func timed(_ tokens: [CueText.Token], from start: Double, to end: Double) -> [CaptionWord] {
        guard !tokens.isEmpty else { return [] }
        var anchors: [(index: Int, time: Double)] = []
        var latest = start
        for (index, token) in tokens.enumerated() {
            if let time = token.start, time >= latest, time <= end {
                anchors.append((index, time))
                latest = time
            } else if index == 0 {
                anchors.append((0, start))
            }
        }
        anchors.append((tokens.count, end))
        var bounds = [Double](repeating: end, count: tokens.count + 1)
        for (from, to) in zip(anchors, anchors.dropFirst()) {
            let span = to.time - from.time, count = Double(to.index - from.index)
            for index in from.index..<to.index {
                bounds[index] = from.time + span * Double(index - from.index) / count
            }
        }
        return tokens.indices.map { index in
            let punctuated = String(tokens[index].text)
            return CaptionWord(word: CueText.bare(punctuated), punctuated: punctuated, start: bounds[index], end: bounds[index + 1])
        }
    }
}

/// One cue as found: its times, the bytes of its text lines and the line of its timing.
struct CaptionCue {
    var start: Double
    var end: Double
    var text: Range<Int>
    var line: Int
}

/// The UTF-8 bytes of a caption file (without a byte order mark), read a line at a time; lines end
/// at CR, LF or CRLF.
struct CaptionSource {
    /// A line: its 1-based number, its bytes without the line ending, and where the next one starts.
    struct Line {
        var number: Int
        var range: Range<Int>
        var next: Int
    }

    let bytes: [UInt8]

    init(_ text: String, limit: Int) {
        var bytes = Array(text.utf8.prefix(limit))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        self.bytes = bytes
    }

    /// The first line, or nil for an empty file.
    var firstLine: Line? { line(at: 0, number: 1) }

    func line(after line: Line) -> Line? { self.line(at: line.next, number: line.number + 1) }

    private func line(at start: Int, number: Int) -> Line? {
        guard start < bytes.count else { return nil }
        var end = start
        while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
        var next = end
        if next < bytes.count { next += bytes[next] == 0x0D && next + 1 < bytes.count && bytes[next + 1] == 0x0A ? 2 : 1 }
        return Line(number: number, range: start..<end, next: next)
    }

    var hasWebVTTHeader: Bool {
        let header = Array("WEBVTT".utf8)
        guard bytes.starts(with: header) else { return false }
        return bytes.count == header.count || [0x20, 0x09, 0x0A, 0x0D].contains(bytes[header.count])
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0B || byte == 0x0C }
    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    /// The line without its leading and trailing spaces and tabs.
    func trimmed(_ line: Line) -> ArraySlice<UInt8> {
        var slice = bytes[line.range]
        while let first = slice.first, Self.isSpace(first) { slice.removeFirst() }
        while let last = slice.last, Self.isSpace(last) { slice.removeLast() }
        return slice
    }

    func isBlank(_ line: Line) -> Bool { trimmed(line).isEmpty }

    func isCueNumber(_ line: Line) -> Bool {
        let text = trimmed(line)
        return !text.isEmpty && text.allSatisfy(Self.isDigit)
    }

    func hasArrow(_ line: Line) -> Bool {
        let range = line.range
        guard range.count >= 3 else { return false }
        return (range.lowerBound...(range.upperBound - 3)).contains { bytes[$0] == 0x2D && bytes[$0 + 1] == 0x2D && bytes[$0 + 2] == 0x3E }
    }

    func isTiming(_ line: Line) -> Bool {
        guard let first = trimmed(line).first, Self.isDigit(first), hasArrow(line) else { return false }
        return (try? timing(line, format: .srt)) != nil
    }

    /// The line for a message: trimmed, at most 60 characters, in backticks.
    func quoted(_ line: Line) -> String {
        let text = trimmed(line)
        let shown = String(decoding: text.prefix(256), as: UTF8.self)
        return shown.count > 60 || text.count > 256 ? "`\(shown.prefix(60))…`" : "`\(shown)`"
    }

    func text(of cue: CaptionCue) -> String { String(decoding: bytes[cue.text], as: UTF8.self) }

    // MARK: Timing lines

    static func example(_ format: CaptionFile.Format) -> String {
        format == .srt ? "`00:00:01,000 --> 00:00:02,000`" : "`00:00:01.000 --> 00:00:02.000`"
    }

    /// The start and end of a timing line: two times around `-->`, then nothing, or whitespace and
    /// anything (SRT position text, WebVTT cue settings).
    func timing(_ line: Line, format: CaptionFile.Format) throws(CaptionFileError) -> (start: Double, end: Double) {
        let malformed = { CaptionFileError(line: line.number, message: "expected a timing line like \(Self.example(format)), found \(quoted(line))") }
        var index = line.range.lowerBound
        let end = line.range.upperBound
        func skipSpaces() { while index < end, Self.isSpace(bytes[index]) { index += 1 } }
        skipSpaces()
        let startText = index
        let start = try time(&index, end: end, line: line, malformed: malformed)
        let startRange = startText..<index
        skipSpaces()
        guard index + 3 <= end, bytes[index] == 0x2D, bytes[index + 1] == 0x2D, bytes[index + 2] == 0x3E else { throw malformed() }
        index += 3
        skipSpaces()
        let endText = index
        let finish = try time(&index, end: end, line: line, malformed: malformed)
        guard index == end || Self.isSpace(bytes[index]) else { throw malformed() }
        guard finish >= start else {
            let written = { (range: Range<Int>) in "`" + String(decoding: bytes[range], as: UTF8.self) + "`" }
            throw CaptionFileError(line: line.number, message: "the cue ends at \(written(endText..<index)), before it starts at \(written(startRange))")
        }
        return (start, finish)
    }

    /// The time `[hours:]minutes:seconds(,|.)fraction` at `index`, in seconds: hours of any width,
    /// minutes and seconds below 60, a fraction of 1 to 3 digits.
    func time(_ index: inout Int, end: Int, line: Line, malformed: () -> CaptionFileError) throws(CaptionFileError) -> Double {
        let first = index
        if index + 1 < end, bytes[index] == 0x2D, Self.isDigit(bytes[index + 1]) {
            throw CaptionFileError(line: line.number, message: "a time cannot be negative, found \(quoted(line))")
        }
        func number() -> (value: Int, digits: Int) {
            var value = 0, digits = 0
            while index < end, Self.isDigit(bytes[index]) {
                value = min(value * 10 + Int(bytes[index] - 0x30), 1_000_000_000)
                digits += 1
                index += 1
            }
            return (value, digits)
        }
        var fields: [Int] = []
        while true {
            let field = number()
            guard field.digits > 0 else { throw malformed() }
            fields.append(field.value)
            guard fields.count < 3, index < end, bytes[index] == 0x3A else { break }
            index += 1
        }
        guard fields.count >= 2, index < end, bytes[index] == 0x2C || bytes[index] == 0x2E else { throw malformed() }
        index += 1
        let fraction = number()
        guard (1...3).contains(fraction.digits) else { throw malformed() }
        let hours = fields.count == 3 ? fields[0] : 0
        let minutes = fields[fields.count - 2], seconds = fields[fields.count - 1]
        let written = "`" + String(decoding: bytes[first..<index], as: UTF8.self) + "`"
        guard minutes < 60 else { throw CaptionFileError(line: line.number, message: "minutes must be below 60 in \(written)") }
        guard seconds < 60 else { throw CaptionFileError(line: line.number, message: "seconds must be below 60 in \(written)") }
        guard hours < 1_000_000 else { throw CaptionFileError(line: line.number, message: "hours must be below 1000000 in \(written)") }
        let scale = [1.0, 10, 100, 1000][fraction.digits]
        return Double(hours * 3600 + minutes * 60 + seconds) + Double(fraction.value) / scale
    }

    // MARK: Cues

    func checkCount(_ cues: [CaptionCue], adding line: Line) throws(CaptionFileError) {
        guard cues.count < CaptionFile.maximumCues else {
            throw CaptionFileError(line: line.number, message: "more than \(CaptionFile.maximumCues) cues; that is the most a file may hold")
        }
    }

    /// The bytes from the first to the last of the text lines, line endings included.
    static func span(_ first: Line?, _ last: Line?) -> Range<Int> {
        guard let first, let last else { return 0..<0 }
        return first.range.lowerBound..<last.range.upperBound
    }

    /// SRT: blocks of a cue number (which may be missing), a timing line and text lines up to a
    /// blank line. A timing line in the text (a blank line left out) starts the next cue, with the
    /// cue number on the line before it, if any.
    func srtCues() throws(CaptionFileError) -> [CaptionCue] {
        var cues: [CaptionCue] = []
        var cursor = firstLine
        func startsCue(_ line: Line) -> Bool {
            isTiming(line) || isCueNumber(line) && self.line(after: line).map(isTiming) == true
        }
        while let line = cursor {
            if isBlank(line) {
                cursor = self.line(after: line)
                continue
            }
            let timingLine: Line
            if hasArrow(line) {
                timingLine = line
            } else if isCueNumber(line) {
                guard let next = self.line(after: line) else {
                    throw CaptionFileError(line: line.number, message: "the file ends after cue number \(quoted(line)), before its timing line")
                }
                guard !isBlank(next) else {
                    throw CaptionFileError(line: next.number, message: "expected a timing line like \(Self.example(.srt)) after cue number \(quoted(line)), found a blank line")
                }
                timingLine = next
            } else {
                throw CaptionFileError(line: line.number, message: "expected a cue number or a timing line like \(Self.example(.srt)), found \(quoted(line))")
            }
            let (start, end) = try timing(timingLine, format: .srt)
            try checkCount(cues, adding: timingLine)
            let text: Range<Int>
            (text, cursor) = cueText(after: timingLine, endingAt: startsCue)
            cues.append(CaptionCue(start: start, end: end, text: text, line: timingLine.number))
        }
        return cues
    }

    /// A cue's text: the lines after its timing line up to a blank line or one that `ends` (the
    /// next cue), and the line where reading goes on.
    private func cueText(after timingLine: Line, endingAt ends: (Line) -> Bool) -> (Range<Int>, Line?) {
        var first: Line?, last: Line?
        var cursor = line(after: timingLine)
        while let text = cursor, !isBlank(text), !ends(text) {
            first = first ?? text
            last = text
            cursor = line(after: text)
        }
        return (Self.span(first, last), cursor)
    }

    /// WebVTT: the `WEBVTT` line and header, then blocks separated by blank lines. A block whose
    /// first or second line holds `-->` is a cue (with an identifier on the first line in the second
    /// case); any other block (NOTE, STYLE, REGION) is skipped. As in the WebVTT parsing rules, a
    /// later `-->` line ends a block and starts the next one.
    func webVTTCues() throws(CaptionFileError) -> [CaptionCue] {
        guard hasWebVTTHeader, let header = firstLine else {
            let found = firstLine.map { isBlank($0) ? "a blank line" : quoted($0) } ?? "nothing"
            throw CaptionFileError(line: 1, message: "a WebVTT file starts with `WEBVTT`, found \(found)")
        }
        var cues: [CaptionCue] = []
        var cursor = line(after: header)
        while let line = cursor, !isBlank(line), !hasArrow(line) { cursor = self.line(after: line) }
        while let line = cursor {
            if isBlank(line) {
                cursor = self.line(after: line)
                continue
            }
            let second = self.line(after: line)
            let timingLine: Line
            if hasArrow(line) {
                timingLine = line
            } else if let second, hasArrow(second) {
                timingLine = second
            } else {
                cursor = second
                while let skipped = cursor, !isBlank(skipped), !hasArrow(skipped) { cursor = self.line(after: skipped) }
                continue
            }
            let (start, end) = try timing(timingLine, format: .webVTT)
            try checkCount(cues, adding: timingLine)
            let text: Range<Int>
            (text, cursor) = cueText(after: timingLine, endingAt: hasArrow)
            cues.append(CaptionCue(start: start, end: end, text: text, line: timingLine.number))
        }
        return cues
    }
}

/// Cue text turned into words: markup removed, entities decoded, split at whitespace.
enum CueText {
    /// A word as written, with the inline time that starts it, if any.
    struct Token {
        var text: String.UnicodeScalarView
        var start: Double?
    }

    /// Whether `scalar` separates words: whitespace other than the no-break spaces, which join.
    static func separates(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar == " " || (0x09...0x0D).contains(scalar.value) }
        return scalar.properties.isWhitespace && !["\u{00A0}", "\u{2007}", "\u{202F}"].contains(scalar)
    }

    /// Punctuation that belongs to the word it is on (`100%`, `#1`, `@name`, `5′11″`).
    static let wordPunctuation: Set<Unicode.Scalar> = ["%", "‰", "‱", "#", "@", "&", "′", "″"]

    /// The words of a cue's text, stopping once there are more than `limit`.
    static func tokens(_ text: String, format: CaptionFile.Format, limit: Int) -> [Token] {
        var reader = TokenReader()
        let scalars = Array(text.unicodeScalars)
        var tagStop = -1, overrideStop = -1
        var index = 0
        while index < scalars.count, reader.tokens.count <= limit {
            let scalar = scalars[index]
            switch (scalar, format) {
            case ("<", .webVTT):
                let close = scalars[(index + 1)...].firstIndex(of: ">") ?? scalars.count
                // Only the start of a tag matters: its name, or a timestamp (which is never this long).
                reader.tag(String(String.UnicodeScalarView(scalars[(index + 1)..<min(close, index + 66)])))
                index = close + 1
            case ("<", .srt):
                if let close = srtMarkupEnd(scalars, from: index, closing: ">", stop: &tagStop) {
                    index = close + 1
                } else {
                    reader.append(scalar)
                    index += 1
                }
            case ("{", .srt):
                if let close = srtMarkupEnd(scalars, from: index, closing: "}", stop: &overrideStop) {
                    index = close + 1
                } else {
                    reader.append(scalar)
                    index += 1
                }
            case ("&", .webVTT):
                if let (decoded, length) = entity(scalars, at: index) {
                    reader.append(decoded)
                    index += length
                } else {
                    reader.append(scalar)
                    index += 1
                }
            default:
                reader.append(scalar)
                index += 1
            }
        }
        reader.finish()
        return reader.tokens
    }

    /// The end of SRT markup opening at `from` (`<i>`, `</font>`, `{\an8}`): the next `closing`
    /// on the same line, when a letter (after `<` or `</`) or a `\` (after `{`) follows the opening.
    /// `stop` keeps the last place a search stopped, so that a line full of openings is read once.
    static func srtMarkupEnd(_ scalars: [Unicode.Scalar], from: Int, closing: Unicode.Scalar, stop: inout Int) -> Int? {
        var index = from + 1
        if closing == ">", index < scalars.count, scalars[index] == "/" { index += 1 }
        guard index < scalars.count else { return nil }
        let opens = closing == ">" ? scalars[index].isASCII && scalars[index].properties.isAlphabetic : scalars[index] == "\\"
        guard opens else { return nil }
        if stop < index {
            stop = index
            while stop < scalars.count, scalars[stop] != closing, scalars[stop] != "\n", scalars[stop] != "\r" { stop += 1 }
        }
        return stop < scalars.count && scalars[stop] == closing ? stop : nil
    }

    /// The character a WebVTT character reference at `index` stands for (`&amp;`, `&#39;`), and
    /// its length in scalars; nil when there is none.
    static func entity(_ scalars: [Unicode.Scalar], at index: Int) -> (Unicode.Scalar, Int)? {
        let limit = min(scalars.count, index + 12)
        guard let semicolon = scalars[(index + 1)..<limit].firstIndex(of: ";") else { return nil }
        let name = String(String.UnicodeScalarView(scalars[(index + 1)..<semicolon]))
        let length = semicolon - index + 1
        let named: [String: Unicode.Scalar] = [
            "amp": "&", "lt": "<", "gt": ">", "nbsp": "\u{00A0}", "lrm": "\u{200E}", "rlm": "\u{200F}",
            "quot": "\"", "apos": "'",
        ]
        if let scalar = named[name] { return (scalar, length) }
        guard name.hasPrefix("#") else { return nil }
        let digits = name.dropFirst()
        let hex = digits.first == "x" || digits.first == "X"
        let number = hex ? digits.dropFirst() : digits
        guard !number.isEmpty, number.count <= 7, let value = UInt32(number, radix: hex ? 16 : 10),
              value != 0, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }

    /// `token` without leading and trailing punctuation, invisible characters and spaces; the token
    /// itself when nothing else is left.
    static func bare(_ token: String) -> String {
        func isEdge(_ character: Character) -> Bool {
            guard let scalar = character.unicodeScalars.first else { return false }
            if wordPunctuation.contains(scalar) { return false }
            return character.isPunctuation || scalar.properties.isWhitespace || scalar.properties.generalCategory == .format
        }
        guard let first = token.firstIndex(where: { !isEdge($0) }), let last = token.lastIndex(where: { !isEdge($0) }) else { return token }
        return String(token[first...last])
    }

    /// Collects words from the text and inline times of one cue.
    struct TokenReader {
        var tokens: [Token] = []
        var current = String.UnicodeScalarView()
        var currentStart: Double?
        /// An inline time waiting for the next word to start.
        var pending: Double?
        /// Inside `<rt>`: ruby text annotates the base text and is not read as words.
        var rubyTextDepth = 0

        mutating func append(_ scalar: Unicode.Scalar) {
            guard rubyTextDepth == 0 else { return }
            if CueText.separates(scalar) {
                finish()
                return
            }
            if current.isEmpty { currentStart = pending }
            // A time inside a word times a syllable; only one before a word starts it.
            pending = nil
            current.append(scalar)
        }

        mutating func finish() {
            guard !current.isEmpty else { return }
            let invisible = current.allSatisfy { $0.properties.isWhitespace || $0.properties.generalCategory == .format }
            if invisible {
                pending = pending ?? currentStart
            } else {
                tokens.append(Token(text: current, start: currentStart))
            }
            current = String.UnicodeScalarView()
            currentStart = nil
        }

        /// A WebVTT tag's contents, between `<` and `>`.
        mutating func tag(_ contents: String) {
            if let first = contents.unicodeScalars.first, ("0"..."9").contains(first) {
                if rubyTextDepth == 0, let time = CueText.inlineTime(contents) { pending = time }
                return
            }
            let closing = contents.hasPrefix("/")
            let name = contents.dropFirst(closing ? 1 : 0).prefix { !$0.isWhitespace && $0 != "." }
            switch (name, closing) {
            case ("rt", false): rubyTextDepth += 1
            case ("rt", true): rubyTextDepth = max(0, rubyTextDepth - 1)
            case ("ruby", true): rubyTextDepth = 0
            default: break
            }
        }
    }

    /// The time of an inline timestamp's contents (`00:00:01.500` or `00:01.500`), or nil.
    static func inlineTime(_ contents: String) -> Double? {
        guard contents.utf8.count <= 64 else { return nil }
        let source = CaptionSource(contents, limit: 64)
        let line = CaptionSource.Line(number: 0, range: 0..<source.bytes.count, next: source.bytes.count)
        var index = 0
        guard let time = try? source.time(&index, end: source.bytes.count, line: line, malformed: { CaptionFileError(line: 0, message: "") }),
              index == source.bytes.count else { return nil }
        return time
    }
}
