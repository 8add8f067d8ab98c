import Testing
@testable import SyntaxHighlight

/// Tokens through the real source-highlight engine, with offsets in Unicode scalars.
@Suite struct SyntaxHighlighterTests {
    /// The text of each token, with its kind.
    static func spans(_ code: String, _ language: String) throws -> [(TokenKind, String)] {
        let scalars = Array(code.unicodeScalars)
        return try SyntaxHighlighter.tokens(code, language: language).map { token in
            (token.kind, String(String.UnicodeScalarView(scalars[token.range])))
        }
    }

    static func contains(_ spans: [(TokenKind, String)], _ kind: TokenKind, _ text: String) -> Bool {
        spans.contains { $0.0 == kind && $0.1 == text }
    }

    static let samples: [(language: String, code: String, keyword: String, string: String, comment: String, number: String)] = [
        ("swift", "let café = \"naïve 😀\" // ünï\n", "let", "\"naïve 😀\"", "// ünï", ""),
        ("swift", "func f() -> Int { return 42 } /* é */", "func", "", "/* é */", "42"),
        ("typescript", "const s: string = 'ü'; // c\nlet n = 0x1F / 2;", "const", "'ü'", "// c", "0x1F"),
        ("python", "def f():\n    return 'é' + 3  # c", "def", "'é'", "# c", "3"),
        ("js", "var s = \"x\"; // c\nreturn 7;", "var", "\"x\"", "// c", "7"),
        ("json", "{\"k\": \"v\", \"n\": 12.5, \"b\": true}", "true", "\"v\"", "", "12.5"),
        ("sh", "# c\nfor f in a; do echo \"x\" 42; done", "for", "\"x\"", "# c", "42"),
        ("go", "// c\nfunc main() { s := \"x\"; n := 10 }", "func", "\"x\"", "// c", "10"),
        ("rs", "// c\nfn main() { let s = \"x\"; 5 }", "fn", "\"x\"", "// c", "5"),
        ("c", "/* c */ int main(void) { return printf(\"x\") + 42; }", "return", "\"x\"", "/* c */", "42"),
    ]

    @Test(arguments: samples)
    func everyLanguageFindsKeywordsStringsCommentsAndNumbers(
        sample: (language: String, code: String, keyword: String, string: String, comment: String, number: String)
    ) throws {
        let spans = try Self.spans(sample.code, sample.language)
        for (kind, text) in [(TokenKind.keyword, sample.keyword), (.string, sample.string), (.comment, sample.comment), (.number, sample.number)]
        where !text.isEmpty {
            #expect(Self.contains(spans, kind, text), "\(sample.language): no \(kind) \(text) in \(spans)")
        }
    }

    @Test func tokensAreOrderedAndNeverCrossALine() throws {
        let code = "/* one\n   two */ let x = \"\"\"\n  é\n  \"\"\"\n"
        let tokens = try SyntaxHighlighter.tokens(code, language: "swift")
        let scalars = Array(code.unicodeScalars)
        var previousEnd = 0
        for token in tokens {
            #expect(token.range.lowerBound >= previousEnd && !token.range.isEmpty)
            #expect(!scalars[token.range].contains("\n"))
            previousEnd = token.range.upperBound
        }
        let spans = try Self.spans(code, "swift")
        #expect(Self.contains(spans, .comment, "/* one") && Self.contains(spans, .comment, "two */"))
        #expect(Self.contains(spans, .string, "é"))
    }

    @Test func namesAndAliases() {
        #expect(SyntaxHighlighter.language(named: "PY") == "python")
        #expect(SyntaxHighlighter.language(named: "c++") == "cpp")
        #expect(SyntaxHighlighter.language(named: "ts") == "typescript")
        #expect(SyntaxHighlighter.language(named: "cobol") == nil)
        #expect(SyntaxHighlighter.languages == SyntaxHighlighter.languages.sorted())
        #expect(SyntaxHighlighter.languages.contains("swift"))
    }

    @Test func unknownLanguageIsAnError() {
        #expect(throws: HighlightError.self) { try SyntaxHighlighter.tokens("x", language: "cobol") }
    }

    @Test func emptyCodeHasNoTokens() throws {
        #expect(try SyntaxHighlighter.tokens("", language: "c").isEmpty)
    }
}
