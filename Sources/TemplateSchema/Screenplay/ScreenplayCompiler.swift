public import Foundation

/// Compiles an FVS render request and its media into a RenderingVideo v2 document that a person
/// can read and edit, and that `reel render` and `reel frame` take as it is (docs/screenplay.md).
///
/// Deterministic: the same request and media facts give the same document, byte for byte. The
/// running time is `scene_target_duration_seconds` to the frame: the shots' lengths are whole
/// frames that add up to it exactly.
public enum ScreenplayCompiler {
    /// What the compiler needs to know about an uploaded file (the caller probes it).
    public struct MediaFacts: Sendable, Equatable {
        public enum Kind: String, Sendable { case video, image, audio, other }
        public var kind: Kind
        /// Seconds, for video and audio (nil when unknown).
        public var duration: Double?

        public init(kind: Kind, duration: Double? = nil) {
            self.kind = kind
            self.duration = duration
        }
    }

    /// A shot as planned: where it lies on the timeline, in frames, and what it shows.
    public struct PlannedShot: Sendable, Equatable {
        public var shot: ScreenplayShot
        public var firstFrame: Int
        public var frameCount: Int
        /// The asset shown (its filename), or nil for a text card.
        public var visual: String?
    }

    public struct Compiled: Sendable {
        public var document: JSONValue
        public var shots: [PlannedShot]
        public var frameRate: Double
        public var totalFrames: Int
        public var style: VisualStyle
        /// The asset used as the music bed, if any, where in it the bed starts and how long it
        /// plays (seconds): where its beats are to be found.
        public var music: String?
        public var musicStart: Double = 0
        public var musicLength: Double = 0
        public var warnings: [Diagnostic]

        /// The document as pretty, key-sorted JSON text.
        public var json: Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(document)) ?? Data("{}".utf8)
        }
    }

    /// Defaults for fields a request leaves out and no account default fills.
    public static let defaultSeconds = 24.0
    public static let defaultResolution = FVSRenderRequest.VideoResolution.p720

    /// Compiles `brief`. `media` describes each uploaded file by name; `source` gives the `src` a
    /// file is written with in the document (a path beside it, an upload reference). `beats`, for
    /// `project_mode: "music"`, are the music's beat times in seconds on the output timeline: the
    /// cuts move to the nearest beat where one is close enough.
    public static func compile(_ brief: FVSRenderRequest.Brief, media: [String: MediaFacts],
                               source: (String) -> String = { $0 }, beats: [Double] = []) throws(SchemaError) -> Compiled {
        let log = DiagnosticLog()
        var warnings = brief.warnings
        // Every asset names an uploaded file.
        for asset in brief.assets where media[asset.filename] == nil {
            asset.path.appending("filename").record(in: log, "names \"\(asset.filename)\", which was not uploaded")
        }
        guard log.diagnostics.isEmpty else { throw SchemaError(diagnostics: log.diagnostics) }

        var style = VisualStyle.standard
        if let name = brief.stylePreset {
            if let named = VisualStyle.named(name) {
                style = named
            } else {
                warnings.append(Diagnostic(path: JSONPath.root.appending("visual_style_preset"),
                                           message: "unknown preset \"\(name)\"; drawn as \"\(style.name)\" (Reel's presets: "
                                               + VisualStyle.all.map(\.name).joined(separator: ", ") + ")"))
            }
        }
        let fps = brief.frameRate ?? style.frameRate
        let (width, height) = (brief.videoResolution ?? defaultResolution).size
        let seconds = brief.targetSeconds ?? defaultSeconds
        let totalFrames = max(1, Int((seconds * fps).rounded()))

        // Shots: parsed, then split or merged to the count asked for (never more than one a frame).
        var shots = ScreenplayParser.shots(in: brief.screenplay)
        if shots.isEmpty { shots = [ScreenplayShot(heading: nil, description: brief.name)] }
        let count = min(brief.shotCount ?? shots.count, totalFrames, FVSRenderRequest.shotCounts.upperBound)
        shots = ScreenplayParser.fit(shots, to: count)
        var lengths = frameLengths(weights: shots.map { Double($0.wordCount) }, total: totalFrames)
        if brief.mode == .music, !beats.isEmpty {
            lengths = alignCuts(lengths, toBeats: beats.map { $0 * fps })
        }

        // Assets by purpose.
        let visuals = brief.assets.filter { asset in
            let kind = media[asset.filename]?.kind
            return (kind == .video || kind == .image) && !["logo_reference", "music_reference", "document_reference"].contains(asset.purpose ?? "")
        }
        let logo = brief.assets.first { $0.purpose == "logo_reference" && media[$0.filename]?.kind == .image }
        let audio = brief.assets.filter { media[$0.filename]?.kind == .audio }
        let music = audio.first { $0.purpose == "music_reference" }
            ?? ((brief.musicWorkflow == "uploaded_track" || brief.useFirstAudioAssetAsMusic || brief.mode == .music) ? audio.first : nil)
        let assignment = assign(visuals: visuals, to: shots)

        var planned: [PlannedShot] = []
        var frame = 0
        for (index, shot) in shots.enumerated() {
            planned.append(PlannedShot(shot: shot, firstFrame: frame, frameCount: lengths[index], visual: assignment[index]?.filename))
            frame += lengths[index]
        }

        // The document.
        func time(_ frames: Int) -> JSONValue { .number(Double(frames) / fps) }
        let captions = !suppressesCaptions(brief.instructions)
        var pictures: [JSONValue] = [], texts: [JSONValue] = [], cards: [JSONValue] = []
        var footageOffset: [String: Double] = [:]
        let transitionFrames = style.transition == nil ? 0 : Int((style.transitionSeconds * fps).rounded())
        for (index, shot) in planned.enumerated() {
            // Each picture runs on under the next shot while that one's transition plays.
            let next = index + 1 < planned.count ? min(transitionFrames, planned[index + 1].frameCount / 2) : 0
            let start = shot.firstFrame, frames = shot.frameCount + next
            let entering = index > 0 ? min(transitionFrames, shot.frameCount / 2) : 0
            var clip: [String: JSONValue]
            if let name = shot.visual, let facts = media[name] {
                clip = ["src": .string(source(name)), "style": .object(pictureStyle(style)),
                        "transform": .object(["x": "50%", "y": "50%", "width": .number(Double(width)), "height": .number(Double(height))])]
                if facts.kind == .video {
                    clip["type"] = "video"
                    let wanted = Double(frames) / fps
                    let offset = footageOffset[name] ?? 0
                    if let length = facts.duration, length > 0 {
                        // Consecutive shots of one clip continue where the last one stopped.
                        let begin = offset + wanted <= length ? offset : 0
                        let available = length - begin
                        if available < wanted {
                            clip["playbackRate"] = .number(max(0.25, (available / wanted * 1000).rounded(.down) / 1000))
                        }
                        clip["source"] = .object(["start": .number(begin)])
                        footageOffset[name] = begin + min(available, Double(shot.frameCount) / fps)
                    }
                    if music != nil { clip["volume"] = .number(0.3) }
                } else {
                    clip["type"] = "image"
                    let zoom = 1 + style.stillZoom
                    let (from, to) = index % 2 == 0 ? (1.0, zoom) : (zoom, 1.0)
                    clip["keyframes"] = .array([.object(["property": "scale", "frames": .array([
                        .object(["time": 0, "value": .number(from)]),
                        .object(["time": time(frames), "value": .number(to), "easing": "easeInOutSine"]),
                    ])])])
                }
            } else {
                let card = textCard(shot: shot.shot, index: index, style: style, width: width, height: height)
                clip = card.background
                if var words = card.text {
                    // The words appear once the card is in, and leave with it.
                    words["start"] = time(start + entering)
                    words["duration"] = time(shot.frameCount - entering)
                    words["zIndex"] = .number(Double(500 + index))
                    words["id"] = .string("shot-\(index + 1)-text")
                    cards.append(.object(words))
                }
            }
            clip["start"] = time(start)
            clip["duration"] = time(frames)
            clip["zIndex"] = .number(Double(index))
            clip["id"] = .string("shot-\(index + 1)")
            if entering > 0, let kind = style.transition {
                var transition: [String: JSONValue] = ["type": .string(kind), "duration": time(entering)]
                if kind == "slide" { transition["direction"] = "left" }
                clip["transition"] = .object(transition)
            }
            pictures.append(.object(clip))

            if captions {
                texts += captionClips(shot.shot.dialogue, firstFrame: shot.firstFrame, frames: shot.frameCount, fps: fps, style: style,
                                      width: width, height: height)
            }
        }

        var tracks: [JSONValue] = [.object(["id": "shots", "clips": .array(pictures)])]
        var overlays: [JSONValue] = []
        if let ratio = style.letterbox, Double(width) / Double(height) < ratio {
            let bar = ((Double(height) - Double(width) / ratio) / 2).rounded()
            for (id, y) in [("letterbox-top", bar / 2), ("letterbox-bottom", Double(height) - bar / 2)] {
                overlays.append(.object(["type": "rect", "id": .string(id), "start": 0, "duration": time(totalFrames), "zIndex": 1000,
                                         "transform": .object(["x": "50%", "y": .number(y), "width": .number(Double(width)),
                                                               "height": .number(bar)]),
                                         "style": .object(["fill": "#000000"])]))
            }
        }
        if let logo {
            let size = (Double(width) * 0.1).rounded()
            let margin = (Double(height) * 0.05).rounded()
            overlays.append(.object(["type": "image", "id": "logo", "src": .string(source(logo.filename)), "start": 0,
                                     "duration": time(totalFrames), "zIndex": 1100, "opacity": 0.9,
                                     "transform": .object(["x": .number(Double(width) - margin - size / 2), "y": .number(margin + size / 2),
                                                           "width": .number(size), "height": .number(size)]),
                                     "style": .object(["objectFit": "contain"])]))
        }
        if !cards.isEmpty { tracks.append(.object(["id": "cards", "clips": .array(cards)])) }
        if !overlays.isEmpty { tracks.append(.object(["id": "overlays", "clips": .array(overlays)])) }
        if !texts.isEmpty { tracks.append(.object(["id": "captions", "clips": .array(texts)])) }
        if let music {
            tracks.append(.object(["id": "music", "clips": .array([musicClip(music, brief: brief, facts: media[music.filename],
                                                                              totalFrames: totalFrames, fps: fps, source: source,
                                                                              warnings: &warnings)])]))
        }

        var record: [String: JSONValue] = [
            "name": .string(brief.name), "project_mode": .string(brief.mode.rawValue), "visual_style_preset": .string(style.name),
            "shots": .array(planned.enumerated().map { index, shot in
                var entry: [String: JSONValue] = ["shot": .number(Double(index + 1)), "start": time(shot.firstFrame),
                                                  "duration": time(shot.frameCount), "visual": shot.visual.map { .string($0) } ?? "text card"]
                if let heading = shot.shot.heading { entry["heading"] = .string(heading) }
                if !shot.shot.description.isEmpty { entry["description"] = .string(shot.shot.description) }
                return .object(entry)
            }),
        ]
        if !brief.recorded.isEmpty { record["recorded"] = .object(brief.recorded) }
        if let custom = brief.styleCustomInstructions { record["visual_style_custom_instructions"] = .string(custom) }
        let document: JSONValue = .object([
            "meta": .object(["version": "2.0.0", "title": .string(brief.name), "width": .number(Double(width)),
                             "height": .number(Double(height)), "fps": .number(fps), "background": "#000000"]),
            "tracks": .array(tracks),
            // Read by people, ignored by the renderer: what the compiler made of the request.
            "x-reel-screenplay": .object(record),
        ])
        var compiled = Compiled(document: document, shots: planned, frameRate: fps, totalFrames: totalFrames, style: style,
                                music: music?.filename, warnings: warnings)
        if let music {
            let bed = bedTiming(brief, facts: media[music.filename], total: Double(totalFrames) / fps)
            (compiled.musicStart, compiled.musicLength) = (bed.start, bed.length)
        }
        return compiled
    }

    // MARK: Timing

    /// Whole frame counts for shots of these weights that add up to `total` exactly: each shot's
    /// share of the words, held within half and twice the mean (a one-word shot still gets time,
    /// a paragraph does not take it all), at least one frame each, rounded by largest remainder.
    public static func frameLengths(weights: [Double], total: Int) -> [Int] {
        guard !weights.isEmpty else { return [] }
        let n = weights.count
        let mean = max(weights.reduce(0, +) / Double(n), 1)
        let held = weights.map { min(max($0, mean / 2), mean * 2) }
        let sum = held.reduce(0, +)
        let spare = total - n  // one frame each first
        guard spare >= 0 else { return Array(repeating: 1, count: n) }
        let exact = held.map { Double(spare) * $0 / sum }
        var lengths = exact.map { Int($0.rounded(.down)) }
        var left = spare - lengths.reduce(0, +)
        // Largest remainders first; ties to the earlier shot.
        let order = exact.indices.sorted { (exact[$0] - exact[$0].rounded(.down), -$0) > (exact[$1] - exact[$1].rounded(.down), -$1) }
        for index in order where left > 0 {
            lengths[index] += 1
            left -= 1
        }
        return lengths.map { $0 + 1 }
    }

    /// `lengths` with each cut moved to the nearest beat (beat times in frames) within a third of
    /// the shorter of its two shots, keeping every shot at least one frame and the total as it is.
    /// A cut lands on the frame nearest its beat: within half a frame of it.
    public static func alignCuts(_ lengths: [Int], toBeats beats: [Double]) -> [Int] {
        guard lengths.count > 1, !beats.isEmpty else { return lengths }
        var cuts: [Int] = []
        var position = 0
        for length in lengths.dropLast() {
            position += length
            cuts.append(position)
        }
        let total = lengths.reduce(0, +)
        let beatFrames = beats.filter { $0.isFinite && $0 >= 0 && $0 <= Double(total) }.map { Int($0.rounded()) }.sorted()
        for k in cuts.indices {
            let before = k == 0 ? 0 : cuts[k - 1]
            let after = k + 1 < cuts.count ? cuts[k + 1] : total
            let reach = max(1, min(cuts[k] - before, after - cuts[k]) / 3)
            let candidates = beatFrames.filter { abs($0 - cuts[k]) <= reach && $0 > before && $0 < after }
            if let nearest = candidates.min(by: { (abs($0 - cuts[k]), $0) < (abs($1 - cuts[k]), $1) }) { cuts[k] = nearest }
        }
        var result: [Int] = []
        var previous = 0
        for cut in cuts + [total] {
            result.append(cut - previous)
            previous = cut
        }
        return result
    }

    // MARK: Pieces

    /// Visuals for shots: the asset whose label (or file name without extension) a shot's text
    /// mentions; for the other shots, in order, the assets no shot mentions, each once, in upload
    /// order; nil (a text card) when none is left. The second half of a halved shot keeps its picture.
    static func assign(visuals: [FVSRenderRequest.Asset], to shots: [ScreenplayShot]) -> [FVSRenderRequest.Asset?] {
        let mentioned: [FVSRenderRequest.Asset?] = shots.map { shot in
            let text = ([shot.heading ?? "", shot.description] + shot.dialogue.map(\.text)).joined(separator: " ").lowercased()
            return visuals.first { asset in
                let names = [asset.label, (asset.filename as NSString).deletingPathExtension].compactMap { $0?.lowercased() }
                return names.contains { !$0.isEmpty && mentions(text, $0) }
            }
        }
        var unused = visuals.filter { asset in !mentioned.contains { $0 == asset } }
        var result: [FVSRenderRequest.Asset?] = []
        for (index, shot) in shots.enumerated() {
            if let named = mentioned[index] {
                result.append(named)
            } else if shot.continued, let previous = result.last, previous != nil {
                result.append(previous)
            } else {
                result.append(unused.isEmpty ? nil : unused.removeFirst())
            }
        }
        return result
    }

    /// Whether `text` contains `name` as whole words.
    static func mentions(_ text: String, _ name: String) -> Bool {
        var searchRange = text.startIndex..<text.endIndex
        while let found = text.range(of: name, range: searchRange) {
            let before = found.lowerBound == text.startIndex ? nil : text[text.index(before: found.lowerBound)]
            let after = found.upperBound == text.endIndex ? nil : text[found.upperBound]
            if !(before?.isLetter ?? false) && !(before?.isNumber ?? false) && !(after?.isLetter ?? false) && !(after?.isNumber ?? false) {
                return true
            }
            searchRange = found.upperBound..<text.endIndex
        }
        return false
    }

    /// Whether the instructions ask for no captions ("no subtitles", "without captions", "no text
    /// overlays", "avoid on-screen text" …).
    public static func suppressesCaptions(_ instructions: String) -> Bool {
        let text = instructions.lowercased()
        let negations = ["no ", "without ", "avoid ", "don't add ", "do not add ", "no burned-in "]
        let things = ["subtitle", "caption", "text overlay", "on-screen text", "onscreen text", "overlay text"]
        return negations.contains { negation in
            things.contains { thing in
                text.contains(negation + thing) || text.contains(negation + "burned-in " + thing)
                    || text.contains(negation + "subtitles or " + thing) || text.contains(negation + "captions or " + thing)
            }
        }
    }

    static func pictureStyle(_ style: VisualStyle) -> [String: JSONValue] {
        var result: [String: JSONValue] = ["objectFit": "cover"]
        if !style.grade.isEmpty {
            result["filters"] = .array(style.grade.map { .object(["type": .string($0.type), "value": .number($0.value)]) })
        }
        return result
    }

    /// A designed card for a shot with no picture: a two-colour gradient that zooms slowly, and
    /// the shot's heading and description over it (no words when the shot has none).
    static func textCard(shot: ScreenplayShot, index: Int, style: VisualStyle, width: Int, height: Int)
        -> (background: [String: JSONValue], text: [String: JSONValue]?) {
        let angle = Double((index * 47) % 360)
        let (first, second) = index % 2 == 0 ? style.cardColors : (style.cardColors.1, style.cardColors.0)
        let background: [String: JSONValue] = [
            "type": "rect",
            "transform": .object(["x": "50%", "y": "50%", "width": .number(Double(width)), "height": .number(Double(height))]),
            "style": .object(["fill": .object(["type": "linear", "angle": .number(angle), "stops": .array([
                .object(["offset": 0, "color": .string(first)]), .object(["offset": 1, "color": .string(second)]),
            ])])]),
        ]
        let heading = shot.heading.flatMap { $0.hasPrefix("Shot ") ? nil : $0 }
        var body = shot.description.isEmpty ? (shot.dialogue.first?.text ?? "") : shot.description
        if body.count > 220 { body = String(body.prefix(217)) + "…" }
        let lines = [heading, body.isEmpty ? nil : body].compactMap { $0 }
        guard !lines.isEmpty else { return (background, nil) }
        let text: [String: JSONValue] = [
            "type": "text", "text": .string(lines.joined(separator: "\n\n")),
            "transform": .object(["x": "50%", "y": "50%", "width": .number((Double(width) * 0.72).rounded())]),
            "style": .object([
                "fontFamily": .string(style.fontFamily), "fontSize": .number((Double(height) * 0.05).rounded()),
                "fontWeight": .string(style.titleWeight), "fill": .string(style.textColor), "textAlign": "center", "lineHeight": 1.35,
            ]),
            "animations": .array([.object(["type": "fadeIn", "duration": 0.5])]),
        ]
        return (background, text)
    }

    /// Dialogue as captions at the bottom of the picture: the shot's time shared by the lines in
    /// proportion to their length, whole frames each.
    static func captionClips(_ lines: [ScreenplayShot.Line], firstFrame: Int, frames: Int, fps: Double, style: VisualStyle,
                             width: Int, height: Int) -> [JSONValue] {
        guard !lines.isEmpty, frames >= lines.count else { return [] }
        let lengths = frameLengths(weights: lines.map { Double(max(1, $0.text.count)) }, total: frames)
        var frame = firstFrame
        return zip(lines, lengths).map { line, length in
            defer { frame += length }
            return .object([
                "type": "text", "text": .string(line.text), "start": .number(Double(frame) / fps), "duration": .number(Double(length) / fps),
                "zIndex": 1200,
                "transform": .object(["x": "50%", "y": .number((Double(height) * 0.9).rounded()), "width": .number((Double(width) * 0.8).rounded())]),
                "style": .object(["fontFamily": .string(style.fontFamily), "fontSize": .number((Double(height) * 0.045).rounded()),
                                  "fill": "#ffffff", "textAlign": "center", "shadowColor": "rgba(0,0,0,0.85)",
                                  "shadowBlur": .number((Double(height) / 240).rounded()), "shadowOffset": [0, .number((Double(height) / 360).rounded())]]),
            ])
        }
    }

    /// Where the bed starts in its track and how long it plays: `music_start_seconds` (0 when that
    /// is past the track's end), for the video's length or `music_max_duration_seconds` if shorter.
    static func bedTiming(_ brief: FVSRenderRequest.Brief, facts: MediaFacts?, total: Double) -> (start: Double, length: Double) {
        var length = total
        if let most = brief.musicMaxSeconds, most > 0 { length = min(length, most) }
        var start = brief.musicStartSeconds
        if let duration = facts?.duration, duration - start <= 0 { start = 0 }
        return (start, length)
    }

    /// The music bed: from `music_start_seconds` into the track, as long as the video (or
    /// `music_max_duration_seconds`), looped when the track is too short, faded in briefly and
    /// out at the end.
    static func musicClip(_ asset: FVSRenderRequest.Asset, brief: FVSRenderRequest.Brief, facts: MediaFacts?, totalFrames: Int, fps: Double,
                          source: (String) -> String, warnings: inout [Diagnostic]) -> JSONValue {
        let total = Double(totalFrames) / fps
        var length = total
        if let most = brief.musicMaxSeconds, most > 0 { length = min(length, most) }
        if let least = brief.musicMinSeconds, least > total {
            warnings.append(Diagnostic(path: JSONPath.root.appending("music_min_duration_seconds"),
                                       message: "is longer than the video (\(total.formatted) s); the music lasts as long as the video"))
        }
        var clip: [String: JSONValue] = [
            "type": "audio", "id": "music", "src": .string(source(asset.filename)), "start": 0, "duration": .number(length),
            "volume": 0.8, "fadeIn": .number(min(0.5, length / 4)), "fadeOut": .number(min(2, (length * 0.15 * 100).rounded() / 100)),
        ]
        if brief.musicStartSeconds > 0 { clip["source"] = .object(["start": .number(brief.musicStartSeconds)]) }
        if let duration = facts?.duration, duration - brief.musicStartSeconds < length {
            if duration - brief.musicStartSeconds <= 0 {
                warnings.append(Diagnostic(path: JSONPath.root.appending("music_start_seconds"),
                                           message: "is past the end of \(asset.filename) (\(duration.formatted) s); the music starts at 0"))
                clip["source"] = nil
            }
            clip["loop"] = .bool(true)
        }
        return .object(clip)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}
