import Foundation
import Testing
@testable import TemplateSchema

/// The fast JSON parser gives exactly what JSONSerialization gives, or nothing (and the slow path
/// then answers): on the fuzz corpus, on tricky texts, and on thousands of damaged documents.
@Suite struct JSONParserTests {
    static let corpus: [Data] = {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../fuzz/corpus").standardized
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.sorted().compactMap { try? Data(contentsOf: folder.appendingPathComponent($0)) }
    }()

    static let tricky: [String] = [
        #"{"a": "\u00e9\ud83d\ude00\n\t\"\\\/", "b": -0, "c": 1E5, "d": 1.5e-7, "e": 12345678901234567890, "f": [true, false, null]}"#,
        #"{"dup": 1, "dup": 2}"#, #"  [ ]  "#, #"{}"#, #""just a string""#, "42", "-0.0", #"{"é✓😀": "ünï\u0000x"}"#,
        #"[[[[[]]]]]"#, #"{"a":{"b":{"c":[1,2,{"d":"e"}]}}}"#,
    ]

    static let rejected: [String] = [
        "{", "[1,]", #"{"a" 1}"#, "01", "1.", ".5", "+1", "1e", #""\x""#, "\"a\u{01}b\"", "[1 2]", "tru", "nul", #"{"a":1,}"#,
        #""\ud800""#, "\u{FEFF}{}", "{} x",
    ]

    func check(_ data: Data, _ label: String) {
        let fast = JSONBytesParser.parse(data)
        let slow: JSONValue?
        do { slow = try JSONValue.parseWithFoundation(data) } catch { slow = nil }
        if let fast { #expect(slow.map { Self.same(fast, $0) } == true, "\(label): the fast parser read something JSONSerialization reads otherwise") }
    }

    /// Equal values; numbers may differ in their last bit (integers past 2^53: Swift's `Double`
    /// parsing rounds correctly, JSONSerialization's sometimes one unit in the last place away).
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x == y || abs(x - y) <= max(abs(x), abs(y)) * 4e-16
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        default: return a == b
        }
    }

    @Test func agreesOnTheCorpus() throws {
        #expect(Self.corpus.count > 50)
        for (index, data) in Self.corpus.enumerated() {
            #expect(JSONBytesParser.parse(data) != nil, "corpus document \(index)")
            check(data, "corpus \(index)")
        }
    }

    @Test func agreesOnTrickyTexts() {
        for text in Self.tricky {
            #expect(JSONBytesParser.parse(Data(text.utf8)) != nil, "\(text)")
            check(Data(text.utf8), text)
        }
        for text in Self.rejected {
            #expect(JSONBytesParser.parse(Data(text.utf8)) == nil, "\(text)")
        }
        // A byte-order mark is JSONSerialization's to read.
        #expect((try? JSONValue.parse(Data("\u{FEFF}{}".utf8))) == .object([:]))
    }

    /// Damaged documents: bytes flipped, cut, duplicated; whatever the fast parser accepts, the
    /// slow one reads the same.
    @Test func agreesOnDamagedDocuments() {
        var seed: UInt64 = 0x5EED
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
        let alphabet = Array(#"{}[]",:0123456789-+.eEtrufalsn \"\\u"#.utf8) + [0x00, 0x1F, 0xC3, 0xA9, 0xFF]
        for round in 0..<3000 {
            guard !Self.corpus.isEmpty else { return }
            var bytes = [UInt8](Self.corpus[Int(next() % UInt64(Self.corpus.count))].prefix(4000))
            for _ in 0..<(1 + Int(next() % 3)) where !bytes.isEmpty {
                let position = Int(next() % UInt64(bytes.count))
                switch next() % 3 {
                case 0: bytes[position] = alphabet[Int(next() % UInt64(alphabet.count))]
                case 1: bytes.removeSubrange(position..<min(bytes.count, position + 1 + Int(next() % 8)))
                default: bytes.insert(alphabet[Int(next() % UInt64(alphabet.count))], at: position)
                }
            }
            check(Data(bytes), "damaged \(round)")
        }
    }
}
