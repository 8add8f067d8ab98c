import CHighlight
import Foundation

/// What a token of code is, for choosing its colour: source-highlight's many element names
/// folded onto a small set (see `init(element:)` for the folding).
public enum TokenKind: String, Sendable, CaseIterable {
    /// Reserved words, and literals such as `true` and `nil` in most languages.
    case keyword
    /// Built-in and user types, class names.
    case type
    /// String and character literals with their escapes, regular expression literals.
    case string
    /// Comments, with the TODO marks and URLs inside them.
    case comment
    /// Numeric literals.
    case number
    /// Preprocessor directives, imports in some languages, attributes and decorators.
    case preprocessor
    /// Names of functions where they are called or declared.
    case function
    /// Operators, punctuation and braces.
    case symbol
    /// Variables where the language marks them (`$x` in shell), JSON keys, CSS properties.
    case variable
    /// Everything else: the text between tokens. `SyntaxHighlighter.tokens` returns no tokens
    /// of this kind; it names the colour of uncovered text.
    case plain

    /// The kind of a source-highlight element name; `.plain` for names not listed here.
    init(element: String) {
        switch element {
        case "keyword": self = .keyword
        case "type", "usertype", "classname": self = .type
        case "string", "specialchar", "regexp", "valquote": self = .string
        case "comment", "todo", "url": self = .comment
        case "number": self = .number
        case "preproc": self = .preprocessor
        case "function", "predef_func": self = .function
        case "symbol", "cbracket", "colon": self = .symbol
        case "variable", "predef_var", "key", "keyquote", "attribute", "property": self = .variable
        default: self = .plain
        }
    }
}

/// A run of code of one kind.
public struct Token: Sendable, Hashable {
    /// Where the run lies, in Unicode scalars of the highlighted code (not bytes, not
    /// characters). Never empty, never across a line break.
    public var range: Range<Int>
    /// What the run is.
    public var kind: TokenKind

    /// A token covering `range` (in scalars).
    public init(range: Range<Int>, kind: TokenKind) {
        self.range = range
        self.kind = kind
    }
}

/// Why code could not be highlighted.
public struct HighlightError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    static func unknownLanguage(_ name: String) -> HighlightError {
        HighlightError(description: "unknown code language \"\(name)\" (known: \(SyntaxHighlighter.languages.joined(separator: ", ")))")
    }
    static func engine(_ message: String, language: String) -> HighlightError {
        HighlightError(description: "highlighting \(language) failed: \(message)")
    }
    static func unwritableDefinitions(_ path: String, _ reason: String) -> HighlightError {
        HighlightError(description: "cannot write language definitions to \(path): \(reason)")
    }
}

/// Syntax highlighting through GNU source-highlight (libsource-highlight): splits code into
/// tokens of a few kinds. Safe to use from any thread; each language's definition is read once
/// per process.
public enum SyntaxHighlighter {
    /// The canonical names of the languages that can be highlighted, sorted.
    public static let languages: [String] = LanguageDefinition.available.map(\.name).sorted()

    /// The canonical name for `name` (any letter case; an alias such as "py", "js", "sh" or
    /// "c++" is accepted), or nil when no such language can be highlighted.
    public static func language(named name: String) -> String? {
        LanguageDefinition.named(name)?.name
    }

    /// The tokens of `code` in `language` (a name or alias), in order and not overlapping.
    /// Text outside every token is plain. Lines end at "\n" ("\r\n" works too); a string or
    /// comment left open runs on as the language's rules say.
    public static func tokens(_ code: String, language: String) throws -> [Token] {
        guard let definition = LanguageDefinition.named(language) else { throw HighlightError.unknownLanguage(language) }
        let directory = try definition.directory()
        var code = code
        return try code.withUTF8 { bytes in
            var result = reel_hl_result()
            let status = bytes.withMemoryRebound(to: CChar.self) { chars in
                reel_hl_highlight(directory, definition.file, chars.baseAddress, chars.count, &result)
            }
            defer { reel_hl_free(&result) }
            guard status == 0 else {
                throw HighlightError.engine(withUnsafeBytes(of: &result.error, string(fromNulTerminated:)), language: definition.name)
            }
            let found = UnsafeBufferPointer(start: result.tokens, count: result.count)
            return scalarTokens(found, in: bytes)
        }
    }

    /// Moves the byte ranges of `found` onto scalar offsets in `bytes`, names their kinds, drops
    /// plain ones, trims blanks off their ends and joins touching runs of one kind. A range that
    /// starts or ends inside a scalar (a regular expression matched part of one) takes in the
    /// whole scalar.
    static func scalarTokens(_ found: UnsafeBufferPointer<reel_hl_token>, in bytes: UnsafeBufferPointer<UInt8>) -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity(found.count)
        var byte = 0
        // Scalars that start before `byte`.
        var scalar = 0
        func isContinuation(_ offset: Int) -> Bool { offset < bytes.count && bytes[offset] & 0xC0 == 0x80 }
        func isBlank(_ offset: Int) -> Bool { bytes[offset] == UInt8(ascii: " ") || bytes[offset] == UInt8(ascii: "\t") }
        func advance(to offset: Int) {
            while byte < offset {
                if !isContinuation(byte) { scalar += 1 }
                byte += 1
            }
        }

        for run in found {
            var element = run.element
            let kind = TokenKind(element: withUnsafeBytes(of: &element, string(fromNulTerminated:)))
            var startByte = min(run.start, bytes.count)
            var endByte = min(run.start + run.length, bytes.count)
            // Some rules take in the blanks around what they match (a Python docstring's
            // indentation, the space before a JSON value).
            while startByte < endByte, isBlank(startByte) { startByte += 1 }
            while endByte > startByte, isBlank(endByte - 1) { endByte -= 1 }
            guard kind != .plain, startByte < endByte, startByte >= byte else { continue }
            advance(to: startByte)
            var start = isContinuation(startByte) ? scalar - 1 : scalar
            advance(to: endByte)
            let end = scalar

            if let last = tokens.last {
                start = max(start, last.range.upperBound)
                if last.kind == kind && last.range.upperBound == start {
                    tokens[tokens.count - 1].range = last.range.lowerBound..<end
                    continue
                }
            }
            if start < end { tokens.append(Token(range: start..<end, kind: kind)) }
        }
        return tokens
    }

    /// The UTF-8 text of a fixed-size C string.
    private static func string(fromNulTerminated bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
