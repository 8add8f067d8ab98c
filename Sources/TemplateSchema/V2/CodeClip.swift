public import Timeline
public import SyntaxHighlight
import Foundation

// The `code` clip (schema §11.7): a block of code coloured by GNU source-highlight, in a theme,
// with optional line numbers, a selection and a typewriter reveal. Lowered to text with spans (and
// to timed text for the typewriter).

extension RenderingVideoV2 {
    /// A selected range of code: whole lines, or from one line and column to another.
    public enum CodeSelection: Sendable {
        /// Lines `first...last`, counted from 1.
        case lines(ClosedRange<Int>)
        /// From (line, column) up to, not including, (line, column); all counted from 1.
        case range(start: (line: Int, column: Int), end: (line: Int, column: Int))
    }

    /// A typewriter reveal: characters per second, after a delay.
    public struct Typewriter: Sendable {
        public var charactersPerSecond = 30.0
        public var delay = 0.0
    }

    public struct Code: Sendable {
        public var code: String
        public var language: String?
        public var languagePath: JSONPath
        public var fontFamily: String
        public var fontSize: Double
        public var lineHeight: Double
        public var theme: CodeTheme
        public var lineNumbers: Bool
        public var tabSize: Int
        public var selection: CodeSelection?
        public var typewriter: Typewriter?
        public var background: Bool
        public var padding: Double
    }
}

/// The colours of a code theme.
public struct CodeTheme: Sendable {
    public var name: String
    public var background: RGBAColor
    public var text: RGBAColor
    public var lineNumber: RGBAColor
    public var selection: RGBAColor
    public var kinds: [TokenKind: RGBAColor]

    /// The themes a code clip may name; the first is the default.
    public static let all: [CodeTheme] = [
        theme("dark", background: "1e1e1e", text: "d4d4d4", lineNumber: "858585", selection: "264f78d9",
              keyword: "569cd6", type: "4ec9b0", string: "ce9178", comment: "6a9955", number: "b5cea8",
              preprocessor: "c586c0", function: "dcdcaa", symbol: "d4d4d4", variable: "9cdcfe"),
        theme("light", background: "ffffff", text: "24292e", lineNumber: "959da5", selection: "c8e1ffd9",
              keyword: "d73a49", type: "6f42c1", string: "032f62", comment: "6a737d", number: "005cc5",
              preprocessor: "d73a49", function: "6f42c1", symbol: "24292e", variable: "e36209"),
        theme("monokai", background: "272822", text: "f8f8f2", lineNumber: "90908a", selection: "49483ed9",
              keyword: "f92672", type: "66d9ef", string: "e6db74", comment: "75715e", number: "ae81ff",
              preprocessor: "f92672", function: "a6e22e", symbol: "f8f8f2", variable: "fd971f"),
    ]

    public static func named(_ name: String) -> CodeTheme? { all.first { $0.name == name.lowercased() } }

    private static func theme(_ name: String, background: String, text: String, lineNumber: String, selection: String,
                              keyword: String, type: String, string: String, comment: String, number: String,
                              preprocessor: String, function: String, symbol: String, variable: String) -> CodeTheme {
        // The document's own colour syntax; the constants above are all valid.
        func color(_ hex: String) -> RGBAColor { ColorSyntax.parse("#" + hex) ?? RGBAColor(red: 0, green: 0, blue: 0) }
        return CodeTheme(name: name, background: color(background), text: color(text), lineNumber: color(lineNumber),
                         selection: color(selection),
                         kinds: [.keyword: color(keyword), .type: color(type), .string: color(string), .comment: color(comment),
                                 .number: color(number), .preprocessor: color(preprocessor), .function: color(function),
                                 .symbol: color(symbol), .variable: color(variable)])
    }
}

/// The longest code block, in characters.
let codeLength = 50_000

extension DocumentReader {
    func readCode(_ node: Node, style: V2.Style) -> V2.Code? {
        guard let code = node.required("code")?.string(maxLength: codeLength) else { return nil }
        var language: String?
        if let languageNode = node["language"] { language = languageNode.string }
        var theme = CodeTheme.all[0]
        if let themeNode = node["theme"], let name = themeNode.string {
            if let named = CodeTheme.named(name) { theme = named } else {
                themeNode.fail("unknown theme \"\(name)\"; expected one of " + CodeTheme.all.map { "\"\($0.name)\"" }.joined(separator: ", "))
            }
        }
        var tabSize = 4
        if let tab = node["tabSize"], let value = tab.number(in: 1...16) {
            if value == value.rounded() { tabSize = Int(value) } else { tab.fail("must be a whole number") }
        }
        var typewriter: V2.Typewriter?
        if let node = node["typewriter"] {
            switch node.value {
            case .bool(let on): typewriter = on ? V2.Typewriter() : nil
            case .object:
                var reveal = V2.Typewriter()
                if let cps = node["charactersPerSecond"]?.positiveNumber(upTo: 10_000) { reveal.charactersPerSecond = cps }
                if let delay = node["delay"]?.seconds { reveal.delay = delay }
                typewriter = reveal
            default: node.fail("expected true, false or {\"charactersPerSecond\": n, \"delay\": seconds}")
            }
        }
        let selection = node["selection"].flatMap(readSelection)
        return V2.Code(code: code, language: language, languagePath: node.path.appending("language"),
                       fontFamily: node["fontFamily"]?.string ?? style.fontFamily ?? "DejaVu Sans Mono",
                       fontSize: node["fontSize"]?.positiveNumber(upTo: DocumentLimits.fontSize) ?? style.fontSize ?? 32,
                       lineHeight: node["lineHeight"]?.positiveNumber(upTo: DocumentLimits.lineHeight) ?? style.lineHeight ?? 1.4,
                       theme: theme, lineNumbers: node["lineNumbers"]?.bool ?? false, tabSize: tabSize,
                       selection: selection, typewriter: typewriter, background: node["background"]?.bool ?? true,
                       padding: node["padding"]?.nonNegativeNumber(upTo: DocumentLimits.pixels) ?? 24)
    }

    /// `{"lines": [first, last]}` or `{"lines": n}`, or `{"start": {"line", "column"}, "end": {…}}`.
    private func readSelection(_ node: Node) -> V2.CodeSelection? {
        guard node.expectObject() else { return nil }
        func whole(_ node: Node?) -> Int? {
            guard let node, let value = node.number(in: 1...1_000_000) else { return nil }
            guard value == value.rounded() else { node.fail("must be a whole number"); return nil }
            return Int(value)
        }
        if let lines = node["lines"] {
            if case .array = lines.value, let pair = lines.array, pair.count == 2, let first = whole(pair[0]), let last = whole(pair[1]) {
                guard first <= last else { lines.fail("the first line must not be after the last"); return nil }
                return .lines(first...last)
            }
            if case .number = lines.value, let line = whole(lines) { return .lines(line...line) }
            lines.fail("expected a line number or [first, last] (counted from 1)")
            return nil
        }
        guard let start = node.required("start"), let end = node.required("end"),
              start.expectObject(), end.expectObject() else { return nil }
        guard let startLine = whole(start.required("line")), let startColumn = whole(start.required("column")),
              let endLine = whole(end.required("line")), let endColumn = whole(end.required("column")) else { return nil }
        guard (startLine, startColumn) <= (endLine, endColumn) else { end.fail("must not be before start"); return nil }
        return .range(start: (startLine, startColumn), end: (endLine, endColumn))
    }
}

extension RenderingVideoV2.Document {
    /// The text of a code clip: tabs expanded, line numbers added, tokens coloured, the selection
    /// marked; with a typewriter, timed text revealing it character by character. An unknown
    /// language is drawn plain and noted.
    func codeContent(_ code: RenderingVideoV2.Code, notices: NoticeLog) -> ClipContent {
        var lines = code.code.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { line -> String in
                var expanded = ""
                var column = 0
                for character in line {
                    if character == "\t" {
                        let spaces = code.tabSize - column % code.tabSize
                        expanded += String(repeating: " ", count: spaces)
                        column += spaces
                    } else {
                        expanded.append(character)
                        column += 1
                    }
                }
                return expanded
            }
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        let source = lines.joined(separator: "\n")
        let theme = code.theme
        // Tokens in the source, by scalar offsets.
        var tokens: [Token] = []
        if let name = code.language, !name.isEmpty, name.lowercased() != "text", name.lowercased() != "plain" {
            if let language = SyntaxHighlighter.language(named: name) {
                do { tokens = try SyntaxHighlighter.tokens(source, language: language) } catch {
                    notices.add("\(code.languagePath): highlighting failed (\(error)); the code is drawn plain")
                }
            } else {
                notices.add("\(code.languagePath): unknown language \"\(name)\"; the code is drawn plain "
                            + "(languages: \(SyntaxHighlighter.languages.joined(separator: ", ")))")
            }
        }
        // Line starts in the source, and where each lands in the drawn text (after line numbers).
        var sourceLineStarts: [Int] = []
        var offset = 0
        for line in lines {
            sourceLineStarts.append(offset)
            offset += line.unicodeScalars.count + 1
        }
        let digits = String(lines.count).count
        let gutter = code.lineNumbers ? digits + 2 : 0
        var text = ""
        var spans: [TextSpan] = []
        for (index, line) in lines.enumerated() {
            if index > 0 { text += "\n" }
            if code.lineNumbers {
                let number = String(index + 1)
                let start = text.unicodeScalars.count
                text += String(repeating: " ", count: digits - number.count) + number + "  "
                spans.append(TextSpan(range: start..<start + digits, fill: .solid(theme.lineNumber)))
            }
            text += line
        }
        // A source offset's place in the drawn text.
        func drawn(_ sourceOffset: Int) -> Int {
            guard gutter > 0 else { return sourceOffset }
            var low = 0, high = sourceLineStarts.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if sourceLineStarts[middle] <= sourceOffset { low = middle } else { high = middle - 1 }
            }
            return sourceOffset + gutter * (low + 1)
        }
        for token in tokens {
            guard let color = theme.kinds[token.kind] else { continue }
            spans.append(TextSpan(range: drawn(token.range.lowerBound)..<drawn(token.range.upperBound), fill: .solid(color)))
        }
        if let selection = code.selection {
            func place(_ line: Int, _ column: Int) -> Int? {
                guard line >= 1, line <= lines.count else { return nil }
                let length = lines[line - 1].unicodeScalars.count
                return drawn(sourceLineStarts[line - 1] + min(max(column - 1, 0), length))
            }
            switch selection {
            case .lines(let range):
                for line in range where line <= lines.count {
                    if let start = place(line, 1), let end = place(line, Int.max / 2), start < end {
                        spans.insert(TextSpan(range: start..<end, background: theme.selection), at: 0)
                    }
                }
            case .range(let start, let end):
                let last = min(end.line, lines.count)
                if start.line <= last {
                    for line in start.line...last {
                        let from = line == start.line ? start.column : 1
                        let to = line == end.line ? end.column : Int.max / 2
                        if let a = place(line, from), let b = place(line, to), a < b {
                            spans.insert(TextSpan(range: a..<b, background: theme.selection), at: 0)
                        }
                    }
                }
            }
        }
        let content = TextContent(text: text, fontFamily: code.fontFamily, fontSize: code.fontSize,
                                  fill: .solid(theme.text), alignment: .left, lineHeight: code.lineHeight, wraps: false,
                                  spans: spans,
                                  backdrop: code.background
                                      ? TextBackdrop(color: theme.background, padding: code.padding, cornerRadius: 12, fillsBox: true) : nil)
        guard let typewriter = code.typewriter else { return .text(content) }
        return .timedText(TimedText(reveal: TimedText.Reveal(text: content, delay: typewriter.delay,
                                                             perSecond: typewriter.charactersPerSecond)))
    }
}

/// Notes made while lowering that do not stop a render (an unknown code language).
public final class NoticeLog: @unchecked Sendable {
    private(set) var notices: [String] = []
    func add(_ notice: String) { if !notices.contains(notice) { notices.append(notice) } }
}
