import Foundation
import Media
import ServerKit
import Store
public import TemplateSchema
import Timeline
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A prompt job as stored until it is planned (dialect `avs-prompt-v1`): the prompt, the remote
/// files to import, the output the client chose (each field optional: the prompt may say), and
/// the names of the files sent with the job.
public struct AVSPromptRequest: Codable, Sendable, Equatable {
    public static let dialect = "avs-prompt-v1"
    static let maximumPromptLength = 4000
    static let maximumAssetURLs = 20

    public var prompt: String
    public var assetUrls: [String]
    public var output: OutputChoice
    public var uploads: [String]

    public struct OutputChoice: Codable, Sendable, Equatable {
        public var aspectRatio: AVSTemplateV1.Output.AspectRatio?
        public var quality: AVSTemplateV1.Output.Quality?

        public init(aspectRatio: AVSTemplateV1.Output.AspectRatio? = nil, quality: AVSTemplateV1.Output.Quality? = nil) {
            self.aspectRatio = aspectRatio
            self.quality = quality
        }
    }

    public init(prompt: String, assetUrls: [String] = [], output: OutputChoice = OutputChoice(), uploads: [String] = []) {
        self.prompt = prompt
        self.assetUrls = assetUrls
        self.output = output
        self.uploads = uploads
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func read(_ text: String) throws -> AVSPromptRequest {
        try JSONDecoder().decode(AVSPromptRequest.self, from: Data(text.utf8))
    }

    /// The output: what the client chose, else what the prompt says, else 16:9 at web quality.
    public func plannedOutput(prompt: String) -> AVSTemplateV1.Output {
        let said = PromptPlanner.outputStated(in: prompt)
        return AVSTemplateV1.Output(aspectRatio: output.aspectRatio ?? said.aspectRatio ?? .landscape, quality: output.quality ?? said.quality ?? .web)
    }
}

extension AVSTemplateV1.Output.AspectRatio: Codable {}
extension AVSTemplateV1.Output.Quality: Codable {}

/// A file a prompt job may use, as the planner sees it.
public struct PlannerMedia: Sendable, Equatable {
    /// Exactly one of these names it in the template: a file sent with the job, or a URL.
    public var uploadName: String?
    public var url: String?
    public var kind: RCredits.AssetKind
    /// Seconds of footage or sound; nil for stills (and files whose length is unknown).
    public var duration: Double?

    public init(uploadName: String? = nil, url: String? = nil, kind: RCredits.AssetKind, duration: Double? = nil) {
        self.uploadName = uploadName
        self.url = url
        self.kind = kind
        self.duration = duration
    }

    var source: [String: Any] { uploadName.map { ["uploadName": $0] } ?? ["url": url ?? ""] }
}

/// The built-in planner: a prompt and the job's files into a Template JSON v1 document, with no
/// hosted AI. Deterministic: the same prompt and files give the same template.
///
/// - Length: stated in the prompt ("20 second", "1 minute", "45s"), else the footage's length plus
///   4 s a still (5–60 s), else 10 s; always whole frames at 30 fps.
/// - Shape: `output` when given, else the prompt's words ("vertical", "9:16", "square", "4:5", …).
/// - Pictures: footage and stills in the order they were sent, each an equal share of the length;
///   footage is cut to its share (a short clip gives its whole length and the next file fills on),
///   stills get a gentle zoom, alternately in and out; the list repeats until the length is full.
/// - Words: quoted phrases in the prompt are the title and captions; without quotes the first
///   sentence, cleared of the instruction ("Create a 20 second …"), is the title, and the other
///   sentences are captions across the rest of the video.
/// - Sound: the first audio file is the bed for the whole video, fading out over the last 2 s;
///   footage plays under it at 30 %.
public enum PromptPlanner {
    static let frameRate = 30.0

    public static func plan(prompt: String, media: [PlannerMedia], output: AVSTemplateV1.Output) -> [String: Any] {
        let visuals = media.filter { $0.kind != .audio }
        let bed = media.first { $0.kind == .audio }
        let length = frames(length(stated: statedLength(in: prompt), visuals: visuals))
        var blocks: [[String: Any]] = []

        // Pictures, in turn, until the length is full.
        if !visuals.isEmpty {
            let share = length / Double(visuals.count)
            var used = [Double](repeating: 0, count: visuals.count)
            var time = 0.0, index = 0, stills = 0
            while length - time > 0.5 / frameRate, blocks.count < 256 {
                let item = visuals[index % visuals.count], slot = index % visuals.count
                var span = min(max(share, 1), length - time)
                var block: [String: Any] = ["type": item.kind == .video ? "video" : "image", "source": item.source, "fit": "cover"]
                if item.kind == .video, let duration = item.duration {
                    if duration - used[slot] < 0.5 { used[slot] = 0 }
                    span = min(span, duration - used[slot])
                    block["trimStart"] = frames(used[slot])
                    if bed != nil { block["volume"] = 0.3 }
                    used[slot] += span
                } else if item.kind == .image {
                    block["motion"] = stills % 2 == 0 ? "zoomIn" : "zoomOut"
                    stills += 1
                }
                let end = frames(time + span)
                guard end > time else { break }
                block["start"] = time
                block["duration"] = frames(end - time)
                blocks.append(block)
                time = end
                index += 1
            }
        }

        // Words: a title, then captions.
        let (title, captions) = words(in: prompt)
        let short = Double(min(output.size.width, output.size.height))
        var captionStart = 0.0
        if let title {
            let titleLength = frames(min(3, length * (captions.isEmpty ? 1 : 0.3)))
            blocks.append(["type": "text", "start": 0, "duration": titleLength, "text": title, "position": "center",
                           "fontSize": (short * 0.09).rounded()])
            captionStart = titleLength
        }
        if !captions.isEmpty, length - captionStart > 0.5 {
            let each = (length - captionStart) / Double(captions.count)
            for (index, caption) in captions.enumerated() {
                let start = frames(captionStart + Double(index) * each)
                let end = index == captions.count - 1 ? length : frames(captionStart + Double(index + 1) * each)
                guard end > start else { continue }
                blocks.append(["type": "text", "start": start, "duration": frames(end - start), "text": caption, "position": "bottom"])
            }
        }

        if let bed {
            blocks.append(["type": "audio", "start": 0, "duration": length, "source": bed.source, "fadeOut": frames(min(2, length / 4))])
        }
        if blocks.isEmpty {
            // Nothing to show and nothing to say: the prompt itself, as a card.
            blocks.append(["type": "text", "start": 0, "duration": length, "text": String(prompt.prefix(120)), "position": "center"])
        }
        return ["template": ["version": "1", "name": title ?? "Prompt video", "blocks": blocks],
                "output": ["aspectRatio": output.aspectRatio.rawValue, "quality": output.quality.rawValue]]
    }

    /// `seconds` rounded to whole frames.
    static func frames(_ seconds: Double) -> Double { (seconds * frameRate).rounded() / frameRate }

    static func length(stated: Double?, visuals: [PlannerMedia]) -> Double {
        if let stated { return stated }
        guard !visuals.isEmpty else { return 10 }
        let natural = visuals.map { $0.kind == .video ? ($0.duration ?? 4) : 4 }.reduce(0, +)
        return min(max(natural, 5), 60)
    }

    /// The length the prompt asks for, in seconds (2 s to 5 minutes), if it says one.
    public static func statedLength(in prompt: String) -> Double? {
        let text = prompt.lowercased()
        let patterns: [(String, Double)] = [
            (#"(\d+(?:\.\d+)?)\s*-?\s*(?:minutes?|mins?)\b"#, 60),
            (#"(\d+(?:\.\d+)?)\s*-?\s*(?:seconds?|secs?|s)\b"#, 1),
        ]
        for (pattern, unit) in patterns {
            guard let expression = try? NSRegularExpression(pattern: pattern),
                  let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                  let range = Range(match.range(at: 1), in: text), let value = Double(text[range]) else { continue }
            return min(max(value * unit, 2), 300)
        }
        return nil
    }

    /// The shape and quality the prompt's words ask for.
    public static func outputStated(in prompt: String) -> (aspectRatio: AVSTemplateV1.Output.AspectRatio?, quality: AVSTemplateV1.Output.Quality?) {
        let text = " " + prompt.lowercased().replacingOccurrences(of: "-", with: " ") + " "
        func says(_ words: [String]) -> Bool { words.contains { text.contains($0) } }
        let ratio: AVSTemplateV1.Output.AspectRatio? =
            says(["9:16", "vertical", "portrait", " tiktok", " reel ", " reels", " story", " stories", " shorts"]) ? .portrait
            : says(["4:5"]) ? .feed
            : says(["1:1", "square"]) ? .square
            : says(["16:9", "landscape", "widescreen", "horizontal"]) ? .landscape : nil
        let quality: AVSTemplateV1.Output.Quality? = says(["1080p", "full hd", "studio quality", "high quality", " 4k "]) ? .studio
            : says(["draft", "low quality", "quick preview"]) ? .draft : nil
        return (ratio, quality)
    }

    /// The title and captions: quoted phrases if the prompt has them, else its sentences.
    public static func words(in prompt: String) -> (title: String?, captions: [String]) {
        if let expression = try? NSRegularExpression(pattern: #"["“”]([^"“”]{2,160})["“”]"#) {
            let quoted = expression.matches(in: prompt, range: NSRange(prompt.startIndex..., in: prompt)).compactMap {
                Range($0.range(at: 1), in: prompt).map { String(prompt[$0]).trimmingCharacters(in: .whitespaces) }
            }.filter { !$0.isEmpty }
            if let first = quoted.first { return (first, Array(quoted.dropFirst().prefix(12))) }
        }
        let sentences = Self.sentences(in: prompt)
        guard let first = sentences.first else { return (nil, []) }
        let captions = sentences.dropFirst().map { clipped(trimmedPunctuation($0), to: 120) }.filter { !$0.isEmpty }
        let title = titleText(from: first)
        return (title.isEmpty ? nil : title, Array(captions.prefix(12)))
    }

    /// The sentences of `text`: split after `.`, `!`, `?` or a line break followed by white space.
    static func sentences(in text: String) -> [String] {
        var sentences: [String] = [], current = ""
        var previous: Character?
        for character in text {
            if let end = previous, ".!?".contains(end), character.isWhitespace || character.isNewline {
                sentences.append(current)
                current = ""
            } else if character.isNewline {
                sentences.append(current)
                current = ""
                previous = character
                continue
            }
            current.append(character)
            previous = character
        }
        sentences.append(current)
        return sentences.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// A sentence of instructions as a title: "Create a 20 second product teaser using the
    /// uploaded footage." reads "Product teaser".
    static func titleText(from sentence: String) -> String {
        var text = trimmedPunctuation(sentence)
        let cuts = [#"^(please\s+)?(create|make|generate|produce|build|render|edit|cut|put together|design)\s+(me\s+|us\s+)?"#,
                    #"^(a|an|the)\s+"#,
                    #"^\d+(\.\d+)?\s*-?\s*(seconds?|secs?|s|minutes?|mins?)\s+(long\s+)?"#,
                    #"^(vertical|horizontal|square|landscape|portrait|short|quick|long)\s+"#,
                    #"\s+(using|with|from|for|out of|based on|that|which|in|on)\s+.*$"#,
                    #"\s+(video|clip|mp4)$"#]
        for _ in 0..<2 {
            for cut in cuts {
                text = text.replacingOccurrences(of: cut, with: "", options: [.regularExpression, .caseInsensitive])
            }
        }
        text = clipped(text.trimmingCharacters(in: .whitespaces), to: 48)
        guard let first = text.first else { return "" }
        return first.uppercased() + text.dropFirst()
    }

    static func trimmedPunctuation(_ text: String) -> String {
        text.trimmingCharacters(in: CharacterSet(charactersIn: ".!?;:,").union(.whitespacesAndNewlines))
    }

    /// `text` cut at a word boundary to at most `limit` characters.
    static func clipped(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        let prefix = text.prefix(limit)
        let cut = prefix.lastIndex(of: " ").map { prefix[..<$0] } ?? prefix
        return String(cut).trimmingCharacters(in: .whitespaces) + "…"
    }
}

/// Plans prompt jobs: imports their files, then asks the built-in planner, or the configured
/// OpenAI-compatible endpoint, for a Template JSON v1 document, checked by the same reader as
/// `from-json` before anything renders.
struct PromptGenerator: DocumentGenerator {
    let configuration: ServerConfiguration

    func media(of task: TaskRecord, sources: SourceResolver) throws -> [MediaSource] {
        let request = try AVSPromptRequest.read(task.sourceDocument ?? task.config)
        return try request.uploads.map { AVSTemplateV1.uploadPrefix + $0 }.enumerated().map { index, name in
            try Self.resolve(name, sources, what: "files[\(index)]")
        } + request.assetUrls.enumerated().map { index, url in try Self.resolve(url, sources, what: "assetUrls[\(index)]") }
    }

    static func resolve(_ src: String, _ sources: SourceResolver, what: String) throws -> MediaSource {
        switch sources(src) {
        case .success(let source): return source
        case .failure(let refusal): throw PlanningError("\(what): \(refusal.reason)")
        }
    }

    func generate(task: TaskRecord, imported: [ImportedMedia]) async throws -> GeneratedDocument {
        let request = try AVSPromptRequest.read(task.sourceDocument ?? task.config)
        let named = request.uploads.map { (uploadName: Optional($0), url: String?.none) }
            + request.assetUrls.map { (uploadName: String?.none, url: Optional($0)) }
        guard named.count == imported.count else { throw PlanningError("the job's files were not all imported") }
        // Reading the files (their type, their length) blocks: off the cooperative threads, and
        // given up like a render when it stalls.
        let heartbeat = LockedBox(Date())
        let read = await runOnThread(stallingAfter: configuration.renderStallTimeout, heartbeat: heartbeat) { () throws -> [PlannerMedia] in
            try zip(named, imported).enumerated().map { index, pair in
                heartbeat.value = Date()
                let (entry, file) = pair
                let what = entry.uploadName.map { "the file \"\($0)\"" } ?? "assetUrls[\(index - request.uploads.count)]"
                let head = try FileHandle(forReadingFrom: URL(fileURLWithPath: file.path)).read(upToCount: 1024) ?? Data()
                guard let detected = DetectedType.detect(head), let kind = RCredits.AssetKind(rawValue: detected.type) else {
                    throw PlanningError("\(what) is not an image, video or audio file")
                }
                let duration = kind == .image ? nil : (try? MediaProbe.probe(path: file.path))?.duration
                return PlannerMedia(uploadName: entry.uploadName, url: entry.url, kind: kind, duration: duration)
            }
        }
        guard let read else { throw PlanningError("reading the job's files stalled for \(Int(saturating: configuration.renderStallTimeout)) s") }
        let media = try read.get()
        let output = request.plannedOutput(prompt: request.prompt)
        var document: Data
        if let url = configuration.plannerURL {
            document = try await RemotePlanner(url: url, model: configuration.plannerModel, key: configuration.plannerKey,
                                               timeout: configuration.plannerTimeout).plan(prompt: request.prompt, media: media, output: output)
        } else {
            document = try JSONSerialization.data(withJSONObject: PromptPlanner.plan(prompt: request.prompt, media: media, output: output),
                                                  options: [.sortedKeys, .withoutEscapingSlashes])
        }
        document = try Self.holdingTheRequest(document, request: request)
        return GeneratedDocument(dialect: AVSTemplateV1.name, document: String(decoding: document, as: UTF8.self))
    }

    /// A planned template as the job may render it: it reads like a from-json template, names only
    /// the job's own files and URLs (anything else was neither imported nor paid for), and keeps
    /// the output the client chose (a planner may fill in only what the client left open).
    static func holdingTheRequest(_ document: Data, request: AVSPromptRequest) throws -> Data {
        let checked: AVSTemplateV1.Document
        do {
            checked = try AVSTemplateV1.read(document)
        } catch {
            throw PlanningError("the planned template is not valid: " + error.diagnostics.map(\.description).joined(separator: "; "))
        }
        for block in checked.blocks {
            if let name = block.uploadName, !request.uploads.contains(name) {
                throw PlanningError("the planned template is not valid: \(block.path.appending("source").appending("uploadName")): "
                                    + "names no file sent with this job")
            }
            if let url = block.url, !request.assetUrls.contains(url) {
                throw PlanningError("the planned template is not valid: \(block.path.appending("source").appending("url")): "
                                    + "is not one of the job's assetUrls")
            }
        }
        guard request.output.aspectRatio != nil || request.output.quality != nil,
              var object = try JSONSerialization.jsonObject(with: document) as? [String: Any] else { return document }
        var output = object["output"] as? [String: Any] ?? [:]
        if let ratio = request.output.aspectRatio { output["aspectRatio"] = ratio.rawValue }
        if let quality = request.output.quality { output["quality"] = quality.rawValue }
        object["output"] = output
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}

struct PlanningError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An OpenAI-compatible chat completions endpoint asked for the template.
struct RemotePlanner {
    var url: String
    var model: String
    var key: String?
    var timeout: TimeInterval

    static let instructions = """
        You plan short videos. Answer with one JSON object and nothing else: {"template": {"version": "1", "name": string, \
        "blocks": [...]}, "output": {"aspectRatio": "16:9"|"9:16"|"1:1"|"4:5", "quality": "draft"|"web"|"studio"}}. \
        Each block has "type" ("video", "image", "text" or "audio"), "start" and "duration" in seconds. Media blocks have \
        "source": {"uploadName": name} for a file sent with the job or {"url": url} for a remote file, exactly as listed, \
        and may have "trimStart", "fit" ("cover"|"contain"|"fill"), "volume" (0-10), "motion" ("none"|"zoomIn"|"zoomOut"), \
        "fadeIn", "fadeOut". Text blocks have "text" and may have "position" ("top"|"center"|"bottom"), "fontSize", "color". \
        Later blocks draw above earlier ones. The video lasts until the last block ends.
        """

    func plan(prompt: String, media: [PlannerMedia], output: AVSTemplateV1.Output) async throws -> Data {
        guard let endpoint = URL(string: url) else { throw PlanningError("the planner URL is not a URL") }
        let files: [[String: Any]] = media.map { item in
            var entry = item.source
            entry["kind"] = item.kind.rawValue
            if let duration = item.duration { entry["durationSeconds"] = duration }
            return entry
        }
        let user: [String: Any] = ["prompt": prompt, "files": files,
                                   "output": ["aspectRatio": output.aspectRatio.rawValue, "quality": output.quality.rawValue]]
        let userText = String(decoding: try JSONSerialization.data(withJSONObject: user, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        let body: [String: Any] = ["model": model, "temperature": 0, "response_format": ["type": "json_object"],
                                   "messages": [["role": "system", "content": Self.instructions], ["role": "user", "content": userText]]]
        var request = URLRequest(url: endpoint, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        // The request's own timeout is not kept by every URLSession (a server that takes the
        // connection and never answers can hold it for minutes): the wait is bounded here.
        let answer = await withDeadline(timeout) { [request] in try? await URLSession.shared.data(for: request) } ?? nil
        guard let (data, response) = answer else {
            throw PlanningError("the planner did not answer within \(Int(saturating: timeout)) s, or could not be reached")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else { throw PlanningError("the planner answered HTTP \(status)") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let choices = object["choices"] as? [[String: Any]], let message = choices.first?["message"] as? [String: Any],
              let content = message["content"] as? String else {
            throw PlanningError("the planner's answer is not a chat completion with a message")
        }
        return try Self.template(in: content, output: output)
    }

    /// The template in a message: the JSON object (fenced in ``` or not), as `{template, output}`
    /// whether the planner wrapped it or sent the bare template.
    static func template(in content: String, output: AVSTemplateV1.Output) throws -> Data {
        var text = content.trimmingCharacters(in: .whitespacesAndNewlines)
        if let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close { text = String(text[open...close]) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw PlanningError("the planner's message holds no JSON object")
        }
        let wrapped: [String: Any] = object["template"] != nil ? object
            : ["template": object, "output": ["aspectRatio": output.aspectRatio.rawValue, "quality": output.quality.rawValue]]
        return try JSONSerialization.data(withJSONObject: wrapped, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
