public import Timeline
import Foundation

// The `subtitle` clip (schema §11.13): word-timed captions, shown a batch of words at a time with
// the spoken word highlighted, or revealed word by word. Lowered to timed text: one state of the
// text per word, each beginning on the frame whose interval holds the word's start.

extension RenderingVideoV2 {
    /// Where a subtitle's words come from.
    public enum SubtitleWords: Sendable {
        case inline([CaptionWord])
        /// A file or URL: JSON (`[words]` or `{"words": [...]}`), SRT or WebVTT.
        case source(String)
    }

    public enum SubtitleMode: String, CaseIterable, Sendable {
        case batch, stream
    }

    public enum SubtitlePosition: String, CaseIterable, Sendable {
        case bottom, top, center
    }

    /// `config`, with the defaults of §11.13.
    public struct SubtitleConfig: Sendable {
        public var mode: SubtitleMode = .batch
        public var wordsPerBatch = 4
        public var fontSize = 80.0
        public var fontFamily = "Arial"
        public var fontWeight = 800
        public var textAlign: TextAlignment = .center
        public var textBoxWidth: Length = .percent(70)
        public var textColor = RGBAColor(red: 1, green: 1, blue: 1)
        public var highlightColor = RGBAColor(red: 0, green: 1, blue: 1)
        public var backgroundColor: RGBAColor?
        public var shadowColor: RGBAColor? = RGBAColor(red: 0, green: 0, blue: 0)
        public var shadowBlur = 30.0
        public var borderColor: RGBAColor?
        public var borderWidth = 0.0
        public var fadeInAnimation = true
        public var position: SubtitlePosition = .bottom
        public var paddingBottom = 150.0
    }

    public struct Subtitle: Sendable {
        public var words: SubtitleWords
        /// Where the words were given, for messages about a file.
        public var wordsPath: JSONPath
        public var config: SubtitleConfig
    }
}

/// The most subtitle words one document may show, over all its subtitle clips (each word is a
/// state of a clip's text): 100,000 is over ten hours of speech.
let subtitleWordLimit = 100_000

/// What the subtitle clips of one document have used while lowering: caption files read (each
/// once, however many clips name it) and words shown.
final class CaptionLedger: @unchecked Sendable {
    var files: [String: Result<[CaptionWord], CaptionFileReading.Failure>] = [:]
    var words = 0
}

extension DocumentReader {
    /// `words` (inline, `{"$ref"}` or `{"src"}`) and `config`.
    func readSubtitle(_ node: Node, assets: V2.Assets) -> V2.Subtitle? {
        guard let wordsNode = node.required("words") else { return nil }
        let config = node["config"].map(readSubtitleConfig) ?? V2.SubtitleConfig()
        guard let words = readSubtitleWords(wordsNode, pool: assets.subtitles) else { return nil }
        return V2.Subtitle(words: words, wordsPath: wordsNode.path, config: config)
    }

    /// Words as an array, `{"$ref": id}` into `assets.subtitles`, or `{"src": url}`.
    func readSubtitleWords(_ node: Node, pool: [String: V2.SubtitleWords]?) -> V2.SubtitleWords? {
        switch node.value {
        case .array:
            return readWordArray(node).map(V2.SubtitleWords.inline)
        case .object:
            if let ref = node["$ref"], let pool {
                guard let id = ref.string else { return nil }
                guard let words = pool[id] else {
                    ref.fail("no asset with id \"\(id)\" in assets.subtitles")
                    return nil
                }
                return words
            }
            if let src = node["src"] {
                guard let text = src.string, !text.isEmpty else {
                    src.fail("expected a URL or path of a JSON, SRT or WebVTT file")
                    return nil
                }
                return .source(text)
            }
            if let inline = node["words"] { return readWordArray(inline).map(V2.SubtitleWords.inline) }
            node.fail(pool == nil ? "expected {\"src\": \"<url>\"} or {\"words\": [...]}"
                                  : "expected an array of words, {\"$ref\": \"<assets.subtitles id>\"} or {\"src\": \"<url>\"}")
            return nil
        default:
            node.fail("expected an array of words, {\"$ref\": \"<assets.subtitles id>\"} or {\"src\": \"<url>\"}, found \(node.value.typeName)")
            return nil
        }
    }

    /// SubtitleWord objects: `word`, `punctuated_word`, `start`, `end` (seconds), `confidence`.
    private func readWordArray(_ node: Node) -> [CaptionWord]? {
        guard let elements = node.array else { return nil }
        if elements.count > subtitleWordLimit {
            node.fail("has \(elements.count) words; at most \(subtitleWordLimit) are allowed")
            return nil
        }
        var words: [CaptionWord] = []
        var valid = true
        for element in elements {
            guard element.expectObject() else { valid = false; continue }
            let word = element.required("word")?.string
            let punctuated = element["punctuated_word"]?.string
            let start = element.required("start")?.seconds
            let end = element.required("end")?.seconds
            _ = element["confidence"]?.number(in: 0...1)
            guard let word, let start, let end else { valid = false; continue }
            if end < start {
                element.path.appending("end").record(in: log, "must not be before start (\(start.formatted))")
                valid = false
                continue
            }
            words.append(CaptionWord(word: word, punctuated: punctuated ?? word, start: start, end: end))
        }
        return valid ? words : nil
    }

    private func readSubtitleConfig(_ node: Node) -> V2.SubtitleConfig {
        var config = V2.SubtitleConfig()
        guard node.expectObject() else { return config }
        if let mode = node["mode"]?.oneOf(V2.SubtitleMode.self) { config.mode = mode }
        if let batch = node["wordsPerBatch"] {
            if let value = batch.number(in: 1...100) {
                if value == value.rounded() { config.wordsPerBatch = Int(value) } else { batch.fail("must be a whole number") }
            }
        }
        if let size = node["fontSize"]?.positiveNumber(upTo: DocumentLimits.fontSize) { config.fontSize = size }
        if let family = node["fontFamily"]?.string { config.fontFamily = family }
        if let weight = node["fontWeight"].flatMap(readFontWeight) { config.fontWeight = weight }
        if let align = node["textAlign"]?.oneOf(TextAlignment.self) { config.textAlign = align }
        if let width = node["textBoxWidth"].flatMap({ readLength($0, allowNegative: false) }) { config.textBoxWidth = width }
        if let color = node["textColor"].flatMap(readColor) { config.textColor = color }
        if let color = node["highlightColor"].flatMap(readColor) { config.highlightColor = color }
        if let color = node["backgroundColor"].flatMap(readColor) { config.backgroundColor = color }
        if let shadow = node["shadowColor"] { config.shadowColor = readColor(shadow) ?? config.shadowColor }
        if let blur = node["shadowBlur"]?.nonNegativeNumber(upTo: DocumentLimits.shadowBlur) { config.shadowBlur = blur }
        if let color = node["borderColor"].flatMap(readColor) { config.borderColor = color }
        if let width = node["borderWidth"]?.nonNegativeNumber(upTo: DocumentLimits.strokeWidth) { config.borderWidth = width }
        if let fade = node["fadeInAnimation"]?.bool { config.fadeInAnimation = fade }
        if let position = node["position"]?.oneOf(V2.SubtitlePosition.self) { config.position = position }
        if let padding = node["paddingBottom"]?.nonNegativeNumber(upTo: DocumentLimits.pixels) { config.paddingBottom = padding }
        return config
    }

    /// `assets.subtitles`: `[{id, words: [...]}]` or `[{id, src}]`.
    func readSubtitlePool(_ node: Node?) -> [String: V2.SubtitleWords] {
        guard let entries = node?.array else { return [:] }
        var pool: [String: V2.SubtitleWords] = [:]
        for entry in entries where entry.expectObject() {
            guard let idNode = entry.required("id"), let id = idNode.string else { continue }
            if pool[id] != nil { idNode.fail("duplicate asset id \"\(id)\"") }
            if let words = readSubtitleWords(entry, pool: nil) { pool[id] = words }
        }
        return pool
    }
}

extension RenderingVideoV2.Document {
    /// A subtitle clip's words: read from its file when it names one, through `sources` (so the
    /// server's outbound policy and upload rules apply), parsed by extension or content.
    func subtitleWords(_ subtitle: RenderingVideoV2.Subtitle, sources: SourceResolver, log: DiagnosticLog,
                       ledger: CaptionLedger) -> [CaptionWord] {
        let words = readWords(subtitle, sources: sources, log: log, ledger: ledger)
        ledger.words += words.count
        guard ledger.words <= subtitleWordLimit else {
            log.record(subtitle.wordsPath, "the document's subtitle clips show \(ledger.words) words so far; at most \(subtitleWordLimit) are allowed")
            return []
        }
        return words
    }

    private func readWords(_ subtitle: RenderingVideoV2.Subtitle, sources: SourceResolver, log: DiagnosticLog,
                           ledger: CaptionLedger) -> [CaptionWord] {
        switch subtitle.words {
        case .inline(let words):
            return words
        case .source(let src):
            if let known = ledger.files[src] {
                switch known {
                case .success(let words): return words
                case .failure(let failure):
                    log.record(subtitle.wordsPath.appending("src"), failure.description)
                    return []
                }
            }
            let path = subtitle.wordsPath.appending("src")
            let source: MediaSource
            switch sources(src) {
            case .success(let resolved): source = resolved
            case .failure(let refusal):
                log.record(path, refusal.reason)
                return []
            }
            do {
                let data = try sources.read(source)
                let words = try CaptionFileReading.words(data, name: src)
                ledger.files[src] = .success(words)
                return words
            } catch {
                ledger.files[src] = .failure(CaptionFileReading.Failure(description: "\(error)"))
                log.record(path, "\(error)")
                return []
            }
        }
    }

    /// The timed text of a subtitle clip lasting `duration` from `clipStart` on `canvas`.
    func subtitleText(_ words: [CaptionWord], config: RenderingVideoV2.SubtitleConfig, clipStart: Double,
                      duration: Double, canvas: Canvas) -> TimedText {
        let spoken = words.filter { $0.start < duration }.sorted { $0.start < $1.start }
        let rate = canvas.frameRate
        // The clip time of the first frame that shows a moment: the frame whose interval holds it.
        func onFrame(_ time: Double) -> Double {
            let absolute = clipStart + time
            var frame = rate.firstFrame(atOrAfter: absolute)
            if rate.time(ofFrame: frame) > absolute + FrameRate.boundaryTolerance { frame -= 1 }
            return max(0, rate.time(ofFrame: frame) - clipStart)
        }
        let base = TextContent(text: "", fontFamily: config.fontFamily, fontSize: config.fontSize, fontWeight: config.fontWeight,
                               fill: .solid(config.textColor), stroke: config.borderColor.map(Paint.solid),
                               strokeWidth: config.borderColor == nil ? 0 : config.borderWidth,
                               alignment: config.textAlign, lineHeight: 1.2)
        var states: [TimedText.State] = []
        let size = max(1, config.wordsPerBatch)
        for batchStart in stride(from: 0, to: spoken.count, by: size) {
            let batch = Array(spoken[batchStart..<min(batchStart + size, spoken.count)])
            var text = base
            var ranges: [Range<Int>] = []
            var scalars = 0
            var joined = ""
            for (index, word) in batch.enumerated() {
                if index > 0 { joined += " "; scalars += 1 }
                let count = word.punctuated.unicodeScalars.count
                ranges.append(scalars..<scalars + count)
                joined += word.punctuated
                scalars += count
            }
            text.text = joined
            // The fade starts a frame early, so that the batch's first frame already shows it.
            let batchBegins = onFrame(batch[0].start) - 1 / rate.framesPerSecond
            let fade = config.fadeInAnimation ? min(0.2, max(0, (batch.last?.end ?? 0) - batch[0].start)) : 0
            for (index, word) in batch.enumerated() {
                var state = text
                var spans = [TextSpan(range: ranges[index], fill: .solid(config.highlightColor), background: config.backgroundColor)]
                if config.mode == .stream, index + 1 < batch.count {
                    spans.append(TextSpan(range: ranges[index + 1].lowerBound..<scalars, hidden: true))
                }
                state.spans = spans
                states.append(TimedText.State(start: onFrame(word.start), text: state, fadeFrom: batchBegins, fadeDuration: fade))
            }
            // Nothing shows between the batch's last word and a later next batch: from the first
            // frame at or after the end, and never on the last word's own first frame.
            let finished = batch.map(\.end).max() ?? 0
            let next = batchStart + size < spoken.count ? spoken[batchStart + size].start : duration
            if finished < next {
                let lastShown = onFrame(batch[batch.count - 1].start)
                let gap = max(0, rate.time(ofFrame: rate.firstFrame(atOrAfter: clipStart + finished)) - clipStart)
                if gap > lastShown + FrameRate.boundaryTolerance { states.append(TimedText.State(start: gap, text: nil)) }
            }
        }
        // Two states on one frame: the later word wins, as it is the one spoken by the frame's end.
        var kept: [TimedText.State] = []
        for state in states {
            if let last = kept.last, abs(last.start - state.start) < 1e-9 { kept[kept.count - 1] = state } else { kept.append(state) }
        }
        return TimedText(states: kept)
    }
}

/// Reading a caption file: JSON words, SRT or WebVTT.
enum CaptionFileReading {
    struct Failure: Error, CustomStringConvertible, Sendable {
        var description: String
    }

    static func words(_ data: Data, name: String) throws -> [CaptionWord] {
        guard data.count <= CaptionFile.maximumBytes else {
            throw Failure(description: "the caption file is \(data.count) bytes; at most \(CaptionFile.maximumBytes) are read")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw Failure(description: "the caption file is not UTF-8 text") }
        if let format = CaptionFile.format(ofName: name) ?? CaptionFile.sniff(text) {
            do {
                return try CaptionFile.words(text, format: format)
            } catch {
                throw Failure(description: "\(format == .srt ? "SRT" : "WebVTT") \(error)")
            }
        }
        // JSON: a bare array of words or {"words": [...]}.
        let value: JSONValue
        do { value = try JSONValue.parse(data) } catch {
            throw Failure(description: "the caption file is neither JSON words, SRT nor WebVTT: \(error)")
        }
        let log = DiagnosticLog()
        let reader = DocumentReader(log: log)
        let words = reader.readSubtitleWords(Node(value: value, path: .root, log: log), pool: nil)
        if let first = log.diagnostics.first { throw Failure(description: "in the caption file, \(first)") }
        guard case .inline(let list)? = words else { throw Failure(description: "the caption file has no words") }
        return list
    }
}
