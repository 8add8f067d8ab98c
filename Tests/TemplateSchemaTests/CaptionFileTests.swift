import Testing
@testable import TemplateSchema

/// SRT and WebVTT caption files read into word-timed captions.
@Suite struct CaptionFileTests {
    /// The words' (punctuated, word, start, end), times rounded to microseconds.
    static func summary(_ words: [CaptionWord]) -> [String] {
        words.map { "\($0.punctuated)|\($0.word)|\(rounded($0.start))|\(rounded($0.end))" }
    }

    static func rounded(_ seconds: Double) -> Double { (seconds * 1_000_000).rounded() / 1_000_000 }

    static let srt = "\u{FEFF}1\r\n00:00:01,000 --> 00:00:03,000\r\n<i>Hello, world!</i>\r\n \t\r\n"
        + "2\r\n00:00:03,500 --> 00:00:05,500 X1:10 X2:20 Y1:5 Y2:5\r\n{\\an8}It's a <b>well-known</b>\r\n"
        + "<font color=\"#ff0000\">fact.</font>\r\n\r\n\r\n3\r\n0:00:06.5 --> 00:00:07,25\r\nGood <bye\r\n"

    static let webVTT = """
        WEBVTT - Some title
        Kind: captions

        STYLE
        ::cue { color: yellow }

        NOTE This is a note
        spanning lines

        REGION
        id:fred

        intro
        00:01.000 --> 00:04.000 align:start position:10%
        <v Roger Bingham>We are in New York &amp; it&#39;s &lt;hot&gt;

        00:00:00.500 --> 00:00:01.000
        <c.yellow>Early</c>

        karaoke-1
        00:00:05.000 --> 00:00:07.000 line:0
        <00:00:05.000>Never <00:00:05.500>gonna <00:00:06.000>give&nbsp;you up

        01:00:00.000 --> 01:00:01.000
        <ruby>漢<rt>kan</rt>字</ruby>は難しい &lrm;

        NOTE trailing
        """

    @Test func readsSRT() throws {
        let words = try CaptionFile.words(Self.srt, format: .srt)
        #expect(Self.summary(words) == [
            "Hello,|Hello|1.0|2.0", "world!|world|2.0|3.0",
            "It's|It's|3.5|4.0", "a|a|4.0|4.5", "well-known|well-known|4.5|5.0", "fact.|fact|5.0|5.5",
            "Good|Good|6.5|6.875", "<bye|<bye|6.875|7.25",
        ])
    }

    @Test func readsWebVTT() throws {
        let words = try CaptionFile.words(Self.webVTT, format: .webVTT)
        #expect(Self.summary(words) == [
            "Early|Early|0.5|1.0",
            "We|We|1.0|\(Self.rounded(1 + 3.0 / 8))", "are|are|\(Self.rounded(1 + 3.0 / 8))|1.75",
            "in|in|1.75|\(Self.rounded(1 + 9.0 / 8))", "New|New|\(Self.rounded(1 + 9.0 / 8))|2.5",
            "York|York|2.5|\(Self.rounded(1 + 15.0 / 8))", "&|&|\(Self.rounded(1 + 15.0 / 8))|3.25",
            "it's|it's|3.25|\(Self.rounded(1 + 21.0 / 8))", "<hot>|<hot>|\(Self.rounded(1 + 21.0 / 8))|4.0",
            "Never|Never|5.0|5.5", "gonna|gonna|5.5|6.0", "give\u{A0}you|give\u{A0}you|6.0|6.5", "up|up|6.5|7.0",
            "漢字は難しい|漢字は難しい|3600.0|3601.0",
        ])
    }

    @Test func lineEndingsDoNotMatter() throws {
        let lf = try CaptionFile.words(Self.webVTT, format: .webVTT)
        let cr = try CaptionFile.words(String(Self.webVTT.map { $0 == "\n" ? "\r" : $0 }), format: .webVTT)
        let crlf = try CaptionFile.words(Self.webVTT.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n"), format: .webVTT)
        #expect(lf == cr)
        #expect(lf == crlf)
    }

    @Test func sharesACueEvenlyByWordCount() throws {
        let words = try CaptionFile.words("1\n00:00:02,000 --> 00:00:05,000\none two\nthree\n", format: .srt)
        #expect(words == [
            CaptionWord(word: "one", punctuated: "one", start: 2, end: 3),
            CaptionWord(word: "two", punctuated: "two", start: 3, end: 4),
            CaptionWord(word: "three", punctuated: "three", start: 4, end: 5),
        ])
    }

    /// Inline times start the word they precede; those outside the cue or out of order are ignored,
    /// and one inside a word (a syllable) does not split it.
    @Test func usesInlineTimestamps() throws {
        let text = "WEBVTT\n\n00:10.000 --> 00:14.000\n<00:09.000>a <00:12.000>b <00:11.000>c d<00:13.000><c> e</c> f<00:13.500>g\n"
        let words = try CaptionFile.words(text, format: .webVTT)
        #expect(Self.summary(words) == [
            "a|a|10.0|12.0", "b|b|12.0|\(Self.rounded(12 + 1.0 / 3))", "c|c|\(Self.rounded(12 + 1.0 / 3))|\(Self.rounded(12 + 2.0 / 3))",
            "d|d|\(Self.rounded(12 + 2.0 / 3))|13.0", "e|e|13.0|13.5", "fg|fg|13.5|14.0",
        ])
    }

    @Test func toleratesLooseSRT() throws {
        // A blank line left out: the cue number and timing line still start the next cue.
        let joined = "1\n00:00:01,000 --> 00:00:02,000\nHi\n2\n00:00:03,000 --> 00:00:04,000\nThere\n"
        #expect(try CaptionFile.words(joined, format: .srt).map(\.word) == ["Hi", "There"])
        // No cue numbers, overlapping cues out of order (kept in file order when they start together),
        // a cue with no text, a timing line at the very end.
        let loose = "00:00:05,000 --> 00:00:06,000\nlate\n\n00:00:01,000 --> 00:00:09,000\nfirst\n\n"
            + "00:00:01,000 --> 00:00:02,000\nsecond\n\n00:00:00,000 --> 00:00:00,500\n\n00:00:10.5 --> 00:00:11.5"
        #expect(Self.summary(try CaptionFile.words(loose, format: .srt)) == ["first|first|1.0|9.0", "second|second|1.0|2.0", "late|late|5.0|6.0"])
    }

    @Test func stripsPunctuationFromWords() throws {
        let text = "WEBVTT\n\n00:00.000 --> 00:08.000\n¡Hola! 100% ... “quoted” — #1 (aside) rock'n'roll\n"
        let words = try CaptionFile.words(text, format: .webVTT)
        #expect(words.map(\.word) == ["Hola", "100%", "...", "quoted", "—", "#1", "aside", "rock'n'roll"])
        #expect(words.map(\.punctuated) == ["¡Hola!", "100%", "...", "“quoted”", "—", "#1", "(aside)", "rock'n'roll"])
    }

    @Test func cueWithoutSpacesIsOneWord() throws {
        let words = try CaptionFile.words("1\n00:00:00,000 --> 00:00:02,000\n今日は　いい天気\n", format: .srt)
        #expect(words.map(\.word) == ["今日は", "いい天気"])
        let one = try CaptionFile.words("1\n00:00:00,000 --> 00:00:02,000\n今日はいい天気ですね。\n", format: .srt)
        #expect(one.map(\.word) == ["今日はいい天気ですね"])
    }

    @Test(arguments: [
        ("1\n00:00:01,000 -> 00:00:02,000\nHi\n", CaptionFile.Format.srt,
         "line 2: expected a timing line like `00:00:01,000 --> 00:00:02,000`, found `00:00:01,000 -> 00:00:02,000`"),
        ("1\n00:61:00,000 --> 00:62:00,000\nHi\n", .srt, "line 2: minutes must be below 60 in `00:61:00,000`"),
        ("WEBVTT\n\nid\n00:01.000 --> 00:00:61.000\n", .webVTT, "line 4: seconds must be below 60 in `00:00:61.000`"),
        ("1\n-00:00:01,000 --> 00:00:02,000\n", .srt, "line 2: a time cannot be negative, found `-00:00:01,000 --> 00:00:02,000`"),
        ("1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:05,000 --> 00:00:04,000\nB\n", .srt,
         "line 6: the cue ends at `00:00:04,000`, before it starts at `00:00:05,000`"),
        ("00:01.000 --> 00:02.000\nHi\n", .webVTT, "line 1: a WebVTT file starts with `WEBVTT`, found `00:01.000 --> 00:02.000`"),
        ("WEBVTTX\n\n00:01.000 --> 00:02.000\nHi\n", .webVTT, "line 1: a WebVTT file starts with `WEBVTT`, found `WEBVTTX`"),
        // As in the WebVTT parsing rules, a `-->` line ends the cue text and must be the next timing line.
        ("WEBVTT\n\n00:01.000 --> 00:02.000\nA --> B\n", .webVTT, "line 4: expected a timing line like `00:00:01.000 --> 00:00:02.000`, found `A --> B`"),
        ("1\n00:00:01,000 --> 00:00:02,000\nHi\n\nHello there\n", .srt,
         "line 5: expected a cue number or a timing line like `00:00:01,000 --> 00:00:02,000`, found `Hello there`"),
        ("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\nHello there\n", .srt,
         "line 6: expected a timing line like `00:00:01,000 --> 00:00:02,000`, found `Hello there`"),
        ("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n", .srt, "line 5: the file ends after cue number `2`, before its timing line"),
        ("1\n00:00:01,0000 --> 00:00:02,000\n", .srt, "line 2: expected a timing line like `00:00:01,000 --> 00:00:02,000`, found `00:00:01,0000 --> 00:00:02,000`"),
        ("", .srt, "the file is empty"),
        ("\u{FEFF} \r\n\t\n", .webVTT, "the file is empty"),
        ("WEBVTT\n\nNOTE only a note\n", .webVTT, "no cues found"),
    ])
    func refusesMalformedFiles(text: String, format: CaptionFile.Format, expected: String) {
        #expect { try CaptionFile.words(text, format: format) } throws: { ($0 as? CaptionFileError)?.description == expected }
    }

    @Test func errorsCarryTheirLine() {
        #expect(throws: CaptionFileError(line: 2, message: "minutes must be below 60 in `00:61:00,000`")) {
            try CaptionFile.words("1\r\n00:61:00,000 --> 00:62:00,000\r\n", format: .srt)
        }
    }

    @Test func refusesFilesPastTheLimits() {
        #expect(throws: CaptionFileError(line: 0, message: "the file is larger than 10 MiB")) {
            try CaptionFile.words(String(repeating: " ", count: CaptionFile.maximumBytes + 1), format: .srt)
        }
        let cues = "WEBVTT\n\n" + String(repeating: "00:01.000 --> 00:02.000\n\n", count: CaptionFile.maximumCues + 1)
        #expect(throws: CaptionFileError(line: 3 + 2 * CaptionFile.maximumCues, message: "more than 100000 cues; that is the most a file may hold")) {
            try CaptionFile.words(cues, format: .webVTT)
        }
        let words = "00:00:00,000 --> 00:00:01,000\n" + String(repeating: "a ", count: CaptionFile.maximumWords + 1)
        #expect(throws: CaptionFileError(line: 1, message: "more than 1000000 words; that is the most a file may hold")) {
            try CaptionFile.words(words, format: .srt)
        }
    }

    @Test(arguments: [
        ("Movie.SRT", CaptionFile.Format?.some(.srt)), ("captions.vtt", .webVTT),
        ("https://cdn.example.com/a/b.vtt?sig=x.srt&t=1#frag", .webVTT), ("subs #1.srt", .srt), ("file.srt#t=3", .srt),
        ("https://example.com/srt", nil), (".vtt", nil), ("notes.txt", nil), ("", nil),
    ])
    func formatOfName(name: String, format: CaptionFile.Format?) {
        #expect(CaptionFile.format(ofName: name) == format)
    }

    @Test func sniffsTheFormat() {
        #expect(CaptionFile.sniff(Self.webVTT) == .webVTT)
        #expect(CaptionFile.sniff("\u{FEFF}WEBVTT\r\n") == .webVTT)
        #expect(CaptionFile.sniff(Self.srt) == .srt)
        #expect(CaptionFile.sniff("\n\n00:00:01,000 --> 00:00:02,000\nx") == .srt)
        #expect(CaptionFile.sniff("WEBVTTX") == nil)
        #expect(CaptionFile.sniff("1\nhello") == nil)
        #expect(CaptionFile.sniff("") == nil)
    }

    /// Mutated and truncated files are read or refused, never crash, and what is read is well formed.
    @Test func survivesMutatedFiles() {
        var state: UInt64 = 42
        func random(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(max(bound, 1)))
        }
        let pieces = ["-->", "<", ">", "&", ";", ":", ",", ".", "\r", "\n", "\n\n", "{\\", "}", "0", "60", "-", "&#xD800;",
                      "&#99999999;", "<00:00:01.000>", "<rt>", "WEBVTT", "1\n", " ", "\u{FEFF}", "\u{A0}", "漢", "👍🏽", "\u{301}"]
            .map { Array($0.utf8) }
        let seeds = [Array(Self.srt.utf8), Array(Self.webVTT.utf8)]
        for iteration in 0..<2_000 {
            var bytes = seeds[iteration % 2]
            for _ in 0...random(8) {
                let at = random(bytes.count + 1)
                switch random(5) {
                case 0: if at < bytes.count { bytes[at] = UInt8(random(256)) }
                case 1: bytes.insert(contentsOf: pieces[random(pieces.count)], at: at)
                case 2: bytes.removeSubrange(at..<min(bytes.count, at + 1 + random(20)))
                case 3: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + random(40))], at: random(bytes.count + 1))
                default: bytes.removeSubrange(at...)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            _ = CaptionFile.sniff(text)
            for format in CaptionFile.Format.allCases {
                do {
                    for word in try CaptionFile.words(text, format: format) {
                        #expect(word.start.isFinite && word.end.isFinite && 0 <= word.start && word.start <= word.end)
                        #expect(!word.word.isEmpty && !word.punctuated.contains(where: \.isNewline))
                    }
                } catch {
                    #expect(error.line >= 0 && !error.message.isEmpty)
                }
            }
        }
    }
}
