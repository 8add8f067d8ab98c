public import Foundation

/// One shot of a screenplay: an optional heading, what is seen, and what is said.
public struct ScreenplayShot: Sendable, Equatable {
    /// `Shot 2: …`'s title, a scene heading (`INT. KITCHEN - NIGHT`), or nil.
    public var heading: String?
    /// What the shot shows, in the screenplay's words (dialogue lines taken out).
    public var description: String
    /// `NAME: line` lines, in order.
    public var dialogue: [Line]
    /// Set on the second and later parts of a shot split to reach `shot_count`.
    public var continued = false

    public struct Line: Sendable, Equatable {
        public var speaker: String
        public var text: String
    }

    public init(heading: String? = nil, description: String, dialogue: [Line] = [], continued: Bool = false) {
        self.heading = heading
        self.description = description
        self.dialogue = dialogue
        self.continued = continued
    }

    /// The words of the shot, description and dialogue: its weight in the running time.
    public var wordCount: Int {
        ScreenplayParser.words(description) + dialogue.reduce(0) { $0 + ScreenplayParser.words($1.text) }
    }
}

/// Splits a screenplay into shots.
///
/// In order of preference: `Shot N:` markers at the start of a line, or capitalised after a space
/// inside one (also `SHOT N -`, `Shot N.`), then scene headings
/// (lines starting `INT.`, `EXT.`, `INT./EXT.`, `I/E`), then paragraphs (blank lines). Text before
/// the first marker or heading belongs to the first shot. Inside a shot, a line `NAME: text` whose
/// name is one to three words starting with a capital (not a marker) is dialogue.
public enum ScreenplayParser {
    public static func shots(in screenplay: String) -> [ScreenplayShot] {
        let text = screenplay.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        // "Shot 1: … Shot 2: …" on one line, as the published examples write it: each capitalised
        // marker after a space starts a line of its own.
        let range = NSRange(text.startIndex..., in: text)
        let split = inlineMarker.stringByReplacingMatches(in: text, range: range, withTemplate: "\n$1")
        let lines = split.components(separatedBy: "\n")
        var blocks: [(heading: String?, lines: [String])] = []
        if lines.contains(where: { shotMarker($0) != nil }) {
            for line in lines {
                if let (title, rest) = shotMarker(line) {
                    blocks.append((title, rest.isEmpty ? [] : [rest]))
                } else if blocks.isEmpty {
                    blocks.append((nil, [line]))
                } else {
                    blocks[blocks.count - 1].lines.append(line)
                }
            }
        } else if lines.contains(where: isSceneHeading) {
            for line in lines {
                if isSceneHeading(line) {
                    blocks.append((line.trimmingCharacters(in: .whitespaces), []))
                } else if blocks.isEmpty {
                    blocks.append((nil, [line]))
                } else {
                    blocks[blocks.count - 1].lines.append(line)
                }
            }
        } else {
            var current: [String] = []
            for line in lines + [""] {
                if line.trimmingCharacters(in: .whitespaces).isEmpty {
                    if !current.isEmpty { blocks.append((nil, current)) }
                    current = []
                } else {
                    current.append(line)
                }
            }
        }
        // A preamble with nothing in it is dropped; so are empty blocks without a heading.
        return blocks.compactMap { block in
            var description: [String] = [], dialogue: [ScreenplayShot.Line] = []
            for raw in block.lines {
                let line = raw.trimmingCharacters(in: .whitespaces)
                guard !line.isEmpty else { continue }
                if let spoken = dialogueLine(line) { dialogue.append(spoken) } else { description.append(line) }
            }
            let text = description.joined(separator: " ")
            guard block.heading != nil || !text.isEmpty || !dialogue.isEmpty else { return nil }
            let heading = block.heading.flatMap { $0.isEmpty ? nil : $0 }
            return ScreenplayShot(heading: heading, description: text, dialogue: dialogue)
        }
    }

    /// A `Shot N:` marker (capitalised) after a space inside a line.
    nonisolated(unsafe) static let inlineMarker = try! NSRegularExpression(pattern: #"[ \t]+((?:Shot|SHOT)[ \t]*#?[0-9]{1,3}[ \t]*[:.)\-–—])"#)

    /// `Shot 3: text` → ("Shot 3", "text"); also `SHOT 3 -`, `Shot 3.`, `Shot #3:`.
    static func shotMarker(_ line: String) -> (String, String)? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        let scalars = Array(trimmed)
        guard scalars.count >= 5, String(scalars[0..<4]).lowercased() == "shot" else { return nil }
        var i = 4
        while i < scalars.count, scalars[i] == " " || scalars[i] == "#" { i += 1 }
        let digitsStart = i
        while i < scalars.count, scalars[i].isASCII, scalars[i].isNumber { i += 1 }
        guard i > digitsStart, i - digitsStart <= 3 else { return nil }
        let number = String(scalars[digitsStart..<i])
        // The separator: ':', '.', '-', '–', ')' or the end of the line.
        while i < scalars.count, scalars[i] == " " { i += 1 }
        if i < scalars.count {
            guard [":", ".", "-", "–", "—", ")"].contains(scalars[i]) else { return nil }
            i += 1
        }
        let rest = String(scalars[min(i, scalars.count)...]).trimmingCharacters(in: .whitespaces)
        return ("Shot \(number)", rest)
    }

    static func isSceneHeading(_ line: String) -> Bool {
        let upper = line.trimmingCharacters(in: .whitespaces).uppercased()
        return ["INT. ", "EXT. ", "INT./EXT. ", "EXT./INT. ", "INT/EXT ", "I/E "].contains { upper.hasPrefix($0) }
            || upper == "INT." || upper == "EXT."
    }

    /// `MAYA: We're late.` → ("MAYA", "We're late."). The name is one to three words, each starting
    /// with a capital letter, with no digits (so `Shot 2:` and times like `10:30` are not names).
    static func dialogueLine(_ line: String) -> ScreenplayShot.Line? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        let text = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !text.isEmpty, name.count <= 40 else { return nil }
        let words = name.split(separator: " ")
        guard (1...3).contains(words.count) else { return nil }
        for word in words {
            guard let first = word.first, first.isUppercase else { return nil }
            guard word.allSatisfy({ $0.isLetter || $0 == "." || $0 == "'" || $0 == "-" }) else { return nil }
        }
        // Parenthetical direction after the name, e.g. `MAYA (V.O.): …`, is part of a name too.
        if ["shot", "int.", "ext.", "note", "notes", "music", "sound", "sfx", "caption", "title"].contains(name.lowercased()) {
            return nil
        }
        return ScreenplayShot.Line(speaker: name, text: text)
    }

    static func words(_ text: String) -> Int {
        text.split { $0.isWhitespace }.count
    }

    /// The sentences of a text (split after `.`, `!` or `?` followed by a space).
    static func sentences(_ text: String) -> [String] {
        var result: [String] = [], current = ""
        let characters = Array(text)
        for (i, character) in characters.enumerated() {
            current.append(character)
            if ".!?".contains(character), i + 1 < characters.count, characters[i + 1] == " " {
                result.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            }
        }
        let last = current.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty { result.append(last) }
        return result
    }

    /// `shots` split or merged to exactly `count` (≥ 1). Splitting takes the shot with the most
    /// words and cuts it between sentences (or in two halves of the same shot, marked `continued`,
    /// when it has one sentence); merging joins the neighbouring pair with the fewest words.
    public static func fit(_ shots: [ScreenplayShot], to count: Int) -> [ScreenplayShot] {
        var shots = shots.isEmpty ? [ScreenplayShot(description: "")] : shots
        let count = max(1, count)
        while shots.count < count {
            guard let index = shots.indices.max(by: { shots[$0].wordCount < shots[$1].wordCount }) else { break }
            let shot = shots[index]
            let sentences = Self.sentences(shot.description)
            var first = shot, second = shot
            second.heading = shot.heading
            second.continued = true
            if sentences.count >= 2 {
                let half = sentences.count / 2
                first.description = sentences[..<half].joined(separator: " ")
                second.description = sentences[half...].joined(separator: " ")
                second.continued = false
            }
            // Dialogue stays with the part it can be said in: split it the same way.
            let lines = shot.dialogue.count / 2
            if shot.dialogue.count >= 2 {
                first.dialogue = Array(shot.dialogue[..<(shot.dialogue.count - lines)])
                second.dialogue = Array(shot.dialogue[(shot.dialogue.count - lines)...])
            } else {
                second.dialogue = []
            }
            shots.replaceSubrange(index...index, with: [first, second])
        }
        while shots.count > count {
            let pair = (0..<(shots.count - 1)).min { shots[$0].wordCount + shots[$0 + 1].wordCount < shots[$1].wordCount + shots[$1 + 1].wordCount } ?? 0
            var merged = shots[pair]
            let next = shots[pair + 1]
            merged.description = [merged.description, next.description].filter { !$0.isEmpty }.joined(separator: " ")
            merged.dialogue += next.dialogue
            if merged.heading == nil { merged.heading = next.heading }
            shots.replaceSubrange(pair...(pair + 1), with: [merged])
        }
        return shots
    }
}
