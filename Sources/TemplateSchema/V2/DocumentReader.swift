import Timeline

/// Reads a v2 document from its JSON tree, recording every problem with its path.
struct DocumentReader {
    typealias V2 = RenderingVideoV2
    let log: DiagnosticLog
    /// Warnings that do not stop the document (a template's unknown variant), passed to the timeline.
    let notices = NoticeLog()
    /// Clips templates have made so far: with the clips written, within `DocumentLimits.clips`.
    let generatedClips = ClipCounter()

    func read(_ root: Node) -> V2.Document? {
        guard root.expectObject() else { return nil }
        for legacy in ["video", "audio"] where root.has(legacy) {
            log.record(JSONPath.root.appending(legacy),
                       "the top-level \"\(legacy)\" object is from the legacy schema and is not part of v2; "
                       + "put width, height and fps in \"meta\" and sound in audio clips")
        }
        let meta = root.required("meta").flatMap(readMeta)
        let assets = root["assets"].map(readAssets) ?? V2.Assets()
        var tracks: [V2.Track] = []
        if let tracksNode = root.required("tracks"), let elements = tracksNode.array {
            if elements.isEmpty { tracksNode.fail("needs at least one track") }
            let canvas = (Double(meta?.width ?? 0), Double(meta?.height ?? 0))
            let clipCount = elements.reduce(0) { count, track in
                guard case .array(let clips) = track["clips"]?.value else { return count }
                return count + clips.reduce(0) { $0 + Self.clipCount($1) }
            }
            guard clipCount <= DocumentLimits.clips else {
                tracksNode.fail("has \(clipCount) clips; a document may have at most \(DocumentLimits.clips)")
                return nil
            }
            tracks = elements.compactMap { readTrack($0, assets: assets, canvas: canvas) }
            // Judged on the JSON as written: a clip that failed to read still counts as a clip.
            let writtenClipCounts = elements.map { track -> Int? in
                guard case .array(let clips) = track["clips"]?.value else { return nil }
                return clips.count
            }
            if !elements.isEmpty, writtenClipCounts.allSatisfy({ $0 == 0 }) {
                tracksNode.fail("has no clips, so the video would be empty")
            }
        }
        guard let meta else { return nil }
        return V2.Document(meta: meta, assets: assets, tracks: tracks, notices: notices.notices)
    }

    // MARK: meta

    private func readMeta(_ node: Node) -> V2.Meta? {
        guard node.expectObject() else { return nil }
        let version = node["version"]?.string ?? "2.0.0"
        if let versionNode = node["version"], !version.hasPrefix("2") {
            versionNode.fail("unsupported schema version \"\(version)\"; Reel reads version 2.x")
        }
        var width = node.required("width").flatMap { canvasSide($0) }
        var height = node.required("height").flatMap { canvasSide($0) }
        if let w = width, let h = height, w * h > DocumentLimits.canvasArea {
            node.fail("a \(w)×\(h) canvas has \(w * h) pixels; H.264 (level 6.2) takes at most \(DocumentLimits.canvasArea), e.g. 8192×4352")
            (width, height) = (nil, nil)
        }
        var fps = 30.0
        if let fpsNode = node["fps"], let value = fpsNode.number(in: DocumentLimits.frameRate) { fps = value }
        let background = node["background"].flatMap(readBackground) ?? .paint(.solid(.black))
        guard let width, let height else { return nil }
        return V2.Meta(version: version, width: width, height: height, fps: fps, background: background)
    }

    private func canvasSide(_ node: Node) -> Int? {
        guard let value = node.number else { return nil }
        guard value == value.rounded(), value > 0 else {
            node.fail("must be a positive whole number of pixels, found \(value.formatted)")
            return nil
        }
        guard value <= Double(DocumentLimits.canvasSide) else {
            node.fail("must be at most \(DocumentLimits.canvasSide) pixels, found \(value.formatted)")
            return nil
        }
        guard Int(value) % 2 == 0 else {
            node.fail("must be even: H.264 with 4:2:0 chroma needs even frame sizes (found \(value.formatted))")
            return nil
        }
        return Int(value)
    }

    private func readBackground(_ node: Node) -> Background? {
        if case .string(let text) = node.value, text.lowercased() == "transparent" { return .transparent }
        return readPaint(node).map(Background.paint)
    }

    // MARK: assets

    private func readAssets(_ node: Node) -> V2.Assets {
        var assets = V2.Assets()
        guard node.expectObject() else { return assets }
        if let fonts = node["fonts"]?.array {
            assets.fonts = fonts.compactMap(readFontAsset)
        }
        assets.images = readMediaPool(node["images"])
        assets.videos = readMediaPool(node["videos"])
        assets.audios = readMediaPool(node["audios"])
        assets.subtitles = readSubtitlePool(node["subtitles"])
        assets.svgs = readSVGPool(node["svgs"])
        assets.models = readMediaPool(node["models"])
        return assets
    }

    private func readMediaPool(_ node: Node?) -> [String: String] {
        guard let entries = node?.array else { return [:] }
        var pool: [String: String] = [:]
        for entry in entries where entry.expectObject() {
            guard let idNode = entry.required("id"), let id = idNode.string,
                  let src = entry.required("src")?.string else { continue }
            if pool[id] != nil { idNode.fail("duplicate asset id \"\(id)\"") }
            pool[id] = src
        }
        return pool
    }

    private func readFontAsset(_ node: Node) -> V2.FontAsset? {
        guard node.expectObject() else { return nil }
        let src = node.required("src")?.string
        let family = node.required("family")?.string
        let weight = node["weight"].flatMap(readFontWeight) ?? 400
        let italic = node["style"].flatMap(readFontStyle) ?? false
        guard let src, let family else { return nil }
        return V2.FontAsset(id: node["id"]?.string, src: src, family: family, weight: weight, italic: italic)
    }

    /// `assets.svgs`: `{id, svg}` or `{id, src}`.
    private func readSVGPool(_ node: Node?) -> [String: V2.SVGSource] {
        guard let entries = node?.array else { return [:] }
        var pool: [String: V2.SVGSource] = [:]
        for entry in entries where entry.expectObject() {
            guard let idNode = entry.required("id"), let id = idNode.string else { continue }
            if pool[id] != nil { idNode.fail("duplicate asset id \"\(id)\"") }
            if let markupNode = entry["svg"], let markup = markupNode.string(maxLength: DocumentLimits.svgMarkupLength) {
                if markup.contains("<svg") { pool[id] = .markup(markup) } else { markupNode.fail("is not SVG markup (no <svg> element)") }
            } else if let src = entry["src"]?.string {
                pool[id] = .src(src)
            } else if !entry.has("svg") && !entry.has("src") {
                entry.path.appending("svg").record(in: log, "is required (inline markup), or give src")
            }
        }
        return pool
    }

    /// An `svg` clip's picture: `svg` (markup, or `{"$ref"}` to `assets.svgs`) or `src` (a URL or
    /// path, or `{"$ref"}`), exactly one of them.
    private func readSVG(_ node: Node, pool: [String: V2.SVGSource]) -> V2.SVGSource? {
        func reference(_ node: Node) -> V2.SVGSource? {
            guard let refNode = node["$ref"], let id = refNode.string else {
                node.fail("expected a string, or {\"$ref\": \"<asset id>\"}, found \(node.value.typeName)")
                return nil
            }
            guard let source = pool[id] else {
                refNode.fail("no asset with id \"\(id)\" in assets.svgs")
                return nil
            }
            return source
        }
        switch (node["svg"], node["src"]) {
        case (let markup?, nil):
            if case .string = markup.value {
                guard let text = markup.string(maxLength: DocumentLimits.svgMarkupLength) else { return nil }
                guard text.contains("<svg") else {
                    markup.fail("is not SVG markup (no <svg> element); give a file or URL as src instead")
                    return nil
                }
                return .markup(text)
            }
            return reference(markup)
        case (nil, let src?):
            if case .string(let text) = src.value {
                if text.isEmpty { src.fail("must not be empty") }
                return text.isEmpty ? nil : .src(text)
            }
            return reference(src)
        case (nil, nil):
            node.path.appending("svg").record(in: log, "is required (inline markup or {\"$ref\"}), or give src")
            return nil
        case (_?, _?):
            node.path.appending("src").record(in: log, "give svg or src, not both")
            return nil
        }
    }

    /// A source: a string, or `{"$ref": id}` naming an entry of `pool`.
    func readSource(_ node: Node, pool: [String: String], poolName: String) -> String? {
        if case .string(let src) = node.value {
            if src.isEmpty { node.fail("must not be empty") }
            return src.isEmpty ? nil : src
        }
        guard case .object = node.value, let refNode = node["$ref"] else {
            node.fail("expected a URL or path string, or {\"$ref\": \"<asset id>\"}, found \(node.value.typeName)")
            return nil
        }
        guard let id = refNode.string else { return nil }
        guard let src = pool[id] else {
            refNode.fail("no asset with id \"\(id)\" in assets.\(poolName)")
            return nil
        }
        return src
    }

    // MARK: tracks and clips

    private func readTrack(_ node: Node, assets: V2.Assets, canvas: Canvas) -> V2.Track? {
        guard node.expectObject() else { return nil }
        let id = node["id"]?.string
        guard let clips = node.required("clips")?.array else { return nil }
        return V2.Track(id: id, clips: clips.flatMap { clip -> [V2.Clip] in
            if case .string("template")? = clip["type"]?.value { return expandTemplate(clip, assets: assets, canvas: canvas) }
            return readClip(clip, assets: assets, canvas: canvas).map { [$0] } ?? []
        })
    }

    /// A clip of a track, or (with `parent`) a child of a layout: `canvas` is what its
    /// percentages are of (the canvas, or the layout's content box).
    func readClip(_ node: Node, assets: V2.Assets, canvas: Canvas, parent: LayoutParent? = nil) -> V2.Clip? {
        guard node.expectObject() else { return nil }
        guard let typeNode = node.required("type"), let type = typeNode.string else { return nil }
        guard let known = V2.clipTypes.first(where: { $0.name == type }) else {
            typeNode.fail("unknown clip type \"\(type)\"; expected one of "
                          + V2.clipTypes.map { "\"\($0.name)\"" }.joined(separator: ", "))
            return nil
        }
        guard known.supported else {
            typeNode.fail("clip type \"\(type)\" is not supported yet; supported: "
                          + V2.clipTypes.filter(\.supported).map { "\"\($0.name)\"" }.joined(separator: ", "))
            return nil
        }
        if parent != nil, !V2.layoutChildTypes.contains(type) {
            typeNode.fail("a \"\(type)\" clip cannot be a layout child; a layout holds "
                          + V2.layoutChildTypes.map { "\"\($0)\"" }.joined(separator: ", ")
                          + (type == "subtitle" ? " (put captions on a track of their own)" : ""))
            return nil
        }
        // A layout's children live for the layout's window: their own times are checked, not used.
        let start = parent == nil ? node.required("start")?.seconds : node["start"].map { $0.seconds ?? 0 } ?? 0
        var duration = parent == nil ? node.required("duration")?.duration : node["duration"].map { $0.duration ?? 1 } ?? 1
        if parent == nil, let start, let end = duration.map({ start + $0 }), end > DocumentLimits.seconds {
            node.path.appending("duration").record(in: log, "the clip would end at \(end.formatted) s; clips must end by \(DocumentLimits.seconds.formatted) s")
            duration = nil
        }
        let zIndex = node["zIndex"]?.number(in: DocumentLimits.zIndex) ?? 0
        let opacity = node["opacity"]?.number(in: 0...1) ?? 1
        let transform = node["transform"].map(readTransform) ?? V2.Transform()
        if let parent { parent.checkSizes(of: transform, at: node.path.appending("transform"), log: log) }
        let style = node["style"].map(readStyle) ?? V2.Style()
        let body = readBody(type: type, node: node, transform: transform, style: style, assets: assets, canvas: canvas, parent: parent)
        let animations = node["animations"].map { readAnimations($0, canvas: canvas) } ?? []
        let keyframes = node["keyframes"].map { readKeyframes($0, canvas: canvas) } ?? [:]
        if type != "line", type != "path", keyframes[.drawStart] != nil || keyframes[.drawEnd] != nil {
            node.path.appending("keyframes").record(in: log, "drawStart and drawEnd keyframes apply to line and path clips only")
        }
        let transition = node["transition"].flatMap(readTransition)
        let filters = node["style"]?["filters"].map(readFilters) ?? []
        guard let start, let duration, let body else { return nil }
        return V2.Clip(path: node.path, id: node["id"]?.string, start: start, duration: duration, zIndex: zIndex,
                       opacity: opacity, transform: transform, style: style, body: body, animations: animations,
                       keyframes: keyframes, transition: transition, filters: filters)
    }

    private func readBody(type: String, node: Node, transform: V2.Transform, style: V2.Style, assets: V2.Assets,
                          canvas: Canvas, parent: LayoutParent?) -> V2.Body? {
        switch type {
        case "text":
            return node.required("text")?.string(maxLength: DocumentLimits.textLength).map(V2.Body.text)
        case "image":
            return node.required("src")
                .flatMap { readSource($0, pool: assets.images, poolName: "images") }
                .map { V2.Body.image(src: $0) }
        case "rect":
            for side in ["width", "height"] where transform.dimension(side) == nil {
                // A layout that stretches gives the side across its direction.
                if let parent, parent.stretches(side) { continue }
                node.path.appending("transform").appending(side).record(in: log, "is required for a rect")
            }
            return .rect
        case "circle":
            let size = node["size"]?.positivePixels
            if size == nil, !node.has("size"), transform.width == nil || transform.height == nil {
                log.record(node.path.appending("size"), "is required for a circle (or give transform.width and transform.height)")
            }
            let startAngle = node["startAngle"]?.number(in: DocumentLimits.degrees)
            let endAngle = node["endAngle"]?.number(in: DocumentLimits.degrees)
            return .circle(size: size, startAngle: startAngle, endAngle: endAngle)
        case "polygon":
            let sidesNode = node.required("sides")
            var sides: Int?
            if let sidesNode, let value = sidesNode.number {
                if value == value.rounded(), (3...1000).contains(value) { sides = Int(value) }
                else { sidesNode.fail("must be a whole number from 3 to 1000, found \(value.formatted)") }
            }
            let size = node["size"]?.positivePixels
            if size == nil, !node.has("size"), transform.width == nil || transform.height == nil {
                log.record(node.path.appending("size"), "is required for a polygon (or give transform.width and transform.height)")
            }
            return sides.map { V2.Body.polygon(sides: $0, size: size) }
        case "video":
            let src = node.required("src").flatMap { readSource($0, pool: assets.videos, poolName: "videos") }
            let media = readMediaFields(node, audioOnly: false)
            guard let src, let media else { return nil }
            return .video(src: src, media: media)
        case "audio":
            let src = node.required("src").flatMap { readSource($0, pool: assets.audios, poolName: "audios") }
            let media = readMediaFields(node, audioOnly: true)
            guard let src, let media else { return nil }
            return .audio(src: src, media: media)
        case "subtitle":
            return readSubtitle(node, assets: assets).map(V2.Body.subtitle)
        case "code":
            return readCode(node, style: style).map(V2.Body.code)
        case "line", "path":
            return readCurve(node, type: type).map(V2.Body.curve)
        case "svg":
            return readSVG(node, pool: assets.svgs).map(V2.Body.svg)
        case "icon":
            return readIcon(node).map(V2.Body.icon)
        case "three":
            return readThree(node, models: assets.models).map(V2.Body.three)
        case "layout":
            return readLayout(node, transform: transform, assets: assets, canvas: canvas, parent: parent).map(V2.Body.layout)
        case "template":
            node.path.appending("type").record(in: log, "a template expands into clips of the whole canvas: put it on a track, not in a layout")
            return nil
        default:
            preconditionFailure("supported clip type \(type) has no reader")
        }
    }

    /// The playback range and rate of the source footage or sound.
    static let playbackRates = 0.25...4.0
    /// An audio clip's pitch shift in cents: two octaves either way.
    static let detuneCents = -2400.0...2400.0

    /// `source`, `playbackRate`, `volume`, `muted` and, for audio, `loop`, `fadeIn`, `fadeOut`, `pan`,
    /// `gainEnvelope` and `ducking`.
    private func readMediaFields(_ node: Node, audioOnly: Bool) -> V2.MediaFields? {
        var fields = V2.MediaFields()
        var valid = true
        if let source = node["source"], source.expectObject() {
            fields.sourceStart = source["start"]?.seconds ?? 0
            if let endNode = source["end"], let end = endNode.duration {
                if end <= fields.sourceStart {
                    endNode.fail("must be after source.start (\(fields.sourceStart.formatted))")
                    valid = false
                } else {
                    fields.sourceEnd = end
                }
            }
        }
        if let rate = node["playbackRate"] {
            if let value = rate.number(in: Self.playbackRates) { fields.playbackRate = value } else { valid = false }
        }
        if let volume = node["volume"] { fields.volume = volume.number(in: 0...10) ?? 1 }
        if let muted = node["muted"] { fields.muted = muted.bool ?? false }
        if let preserves = node["preservesPitch"] { fields.preservesPitch = preserves.bool ?? true }
        guard audioOnly else { return valid ? fields : nil }
        if let detune = node["detune"] {
            if let value = detune.number(in: Self.detuneCents) { fields.detune = value } else { valid = false }
        }
        if let loop = node["loop"] { fields.loop = loop.bool ?? false }
        fields.fadeIn = node["fadeIn"]?.seconds ?? 0
        fields.fadeOut = node["fadeOut"]?.seconds ?? 0
        fields.pan = node["pan"]?.number(in: -1...1) ?? 0
        if let envelope = node["gainEnvelope"]?.array {
            for point in envelope where point.expectObject() {
                let time = point.required("time")?.seconds
                let volume = point.required("volume")?.number(in: 0...10)
                let easing = point["easing"].flatMap { $0.oneOf(Easing.self) } ?? .linear
                if let time, let volume { fields.gainEnvelope.append((time, volume, easing)) }
            }
            fields.gainEnvelope.sort { $0.time < $1.time }
        }
        if let ducking = node["ducking"], ducking.expectObject() {
            let targets = ducking.required("targets")?.array?.compactMap(\.string) ?? []
            if let targetsNode = ducking["targets"], targets.isEmpty, targetsNode.value.isArray {
                targetsNode.fail("needs at least one clip id")
            }
            fields.ducking = Ducking(targets: targets, amount: ducking["amount"]?.number(in: 0...1) ?? 0.7,
                                     attack: ducking["attack"]?.seconds ?? 0.1,
                                     release: ducking["release"]?.seconds ?? 0.3)
        }
        return valid ? fields : nil
    }

    // MARK: transform and style

    private func readTransform(_ node: Node) -> V2.Transform {
        var transform = V2.Transform()
        guard node.expectObject() else { return transform }
        transform.x = node["x"].flatMap { readLength($0, allowNegative: true) }
        transform.y = node["y"].flatMap { readLength($0, allowNegative: true) }
        transform.width = node["width"].flatMap { readLength($0, allowNegative: false) }
        transform.height = node["height"].flatMap { readLength($0, allowNegative: false) }
        transform.anchor = node["anchor"]?.oneOf(Anchor.self) ?? .center
        if let scale = node["scale"] {
            if case .array = scale.value, let pair = readNumberPair(scale, in: DocumentLimits.scale) {
                (transform.scaleX, transform.scaleY) = pair
            } else if case .number = scale.value, let value = scale.number(in: DocumentLimits.scale) {
                (transform.scaleX, transform.scaleY) = (value, value)
            } else if !(scale.value.isArray) {
                scale.fail("expected a number or [sx, sy], found \(scale.value.typeName)")
            }
        }
        transform.rotation = node["rotation"]?.number(in: DocumentLimits.degrees) ?? 0
        if let skew = node["skew"] {
            let limit = DocumentLimits.skew
            if case .array = skew.value, let pair = readNumberPair(skew, in: limit) {
                (transform.skewX, transform.skewY) = pair
            } else if case .number = skew.value, let value = skew.number(in: limit) {
                transform.skewX = value
            } else if !(skew.value.isArray) {
                skew.fail("expected [x, y] in degrees or a number, found \(skew.value.typeName)")
            }
        }
        return transform
    }

    /// A number of pixels, or a string `"N%"` (of the canvas) or `"Npx"`.
    func readLength(_ node: Node, allowNegative: Bool) -> V2.Length? {
        var length: V2.Length?
        switch node.value {
        case .number(let value):
            length = .pixels(value)
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix("%"), let value = DecimalSyntax.parse(trimmed.dropLast()) {
                length = .percent(value)
            } else if trimmed.hasSuffix("px"), let value = DecimalSyntax.parse(trimmed.dropLast(2)) {
                length = .pixels(value)
            } else if let value = DecimalSyntax.parse(trimmed) {
                length = .pixels(value)
            } else {
                node.fail("expected a number or a percentage string such as \"50%\", found \"\(text)\"")
            }
        default:
            node.fail("expected a number or a percentage string, found \(node.value.typeName)")
        }
        guard let length else { return nil }
        let (value, limit, unit) = switch length {
        case .pixels(let v): (v, DocumentLimits.pixels, " px")
        case .percent(let v): (v, DocumentLimits.percent, "%")
        }
        if !allowNegative, value <= 0 {
            node.fail("must be greater than 0")
            return nil
        }
        guard abs(value) <= limit else {
            node.fail("must be within ±\(limit.formatted)\(unit), found \(value.formatted)\(unit)")
            return nil
        }
        return length
    }

    func readNumberPair(_ node: Node, in range: ClosedRange<Double>) -> (Double, Double)? {
        guard let elements = node.array else { return nil }
        guard elements.count == 2 else {
            node.fail("expected two numbers, found \(elements.count)")
            return nil
        }
        guard let a = elements[0].number(in: range), let b = elements[1].number(in: range) else { return nil }
        return (a, b)
    }

    func readStyle(_ node: Node) -> V2.Style {
        var style = V2.Style()
        guard node.expectObject() else { return style }
        style.opacity = node["opacity"]?.number(in: 0...1)
        style.objectFit = node["objectFit"]?.oneOf(ObjectFit.self)
        style.fill = node["fill"].flatMap(readPaint)
        style.stroke = node["stroke"].flatMap(readPaint)
        style.strokeWidth = node["strokeWidth"]?.nonNegativeNumber(upTo: DocumentLimits.strokeWidth)
        style.fontFamily = node["fontFamily"]?.string
        style.fontSize = node["fontSize"]?.positiveNumber(upTo: DocumentLimits.fontSize)
        style.fontWeight = node["fontWeight"].flatMap(readFontWeight)
        style.italic = node["fontStyle"].flatMap(readFontStyle)
        style.lineHeight = node["lineHeight"]?.positiveNumber(upTo: DocumentLimits.lineHeight)
        style.letterSpacing = node["letterSpacing"]?.number(in: -DocumentLimits.letterSpacing...DocumentLimits.letterSpacing)
        style.textAlign = node["textAlign"]?.oneOf(TextAlignment.self)
        style.textWrap = node["textWrap"]?.bool
        style.shadowColor = node["shadowColor"].flatMap(readColor)
        style.shadowBlur = node["shadowBlur"]?.nonNegativeNumber(upTo: DocumentLimits.shadowBlur)
        style.shadowOffset = node["shadowOffset"].flatMap { readNumberPair($0, in: -DocumentLimits.pixels...DocumentLimits.pixels) }.map { (x: $0.0, y: $0.1) }
        if let radius = node["borderRadius"] {
            if case .array = radius.value, let corners = radius.array {
                if corners.count == 4 {
                    let values = corners.compactMap(\.nonNegativePixels)
                    if values.count == 4 {
                        style.borderRadius = CornerRadii(topLeft: values[0], topRight: values[1],
                                                         bottomRight: values[2], bottomLeft: values[3])
                    }
                } else {
                    radius.fail("expected one number or four [topLeft, topRight, bottomRight, bottomLeft]")
                }
            } else if let value = radius.nonNegativePixels {
                style.borderRadius = CornerRadii(all: value)
            }
        }
        return style
    }

    func readFontWeight(_ node: Node) -> Int? {
        switch node.value {
        case .number(let value) where (1...1000).contains(value):
            return Int(value)
        case .string(let text):
            switch text.lowercased() {
            case "normal", "regular": return 400
            case "bold": return 700
            case "bolder": return 800
            case "lighter", "light": return 300
            default:
                if let value = Int(text), (1...1000).contains(value) { return value }
            }
        default:
            break
        }
        node.fail("expected a weight from 1 to 1000, \"normal\" or \"bold\"")
        return nil
    }

    private func readFontStyle(_ node: Node) -> Bool? {
        guard let text = node.string else { return nil }
        switch text {
        case "normal": return false
        case "italic", "oblique": return true
        default:
            node.fail("unknown value \"\(text)\"; expected \"normal\" or \"italic\"")
            return nil
        }
    }

    // MARK: colours and paints

    func readColor(_ node: Node) -> RGBAColor? {
        guard let text = node.string else { return nil }
        if let color = ColorSyntax.parse(text) { return color }
        node.fail("\"\(text)\" is not a colour; expected e.g. \"#ff0000\", \"rgba(255,0,0,0.5)\" or a CSS colour name")
        return nil
    }

    /// A colour string or a gradient object.
    func readPaint(_ node: Node) -> Paint? {
        if case .object = node.value { return readGradient(node).map(Paint.gradient) }
        if case .string = node.value { return readColor(node).map(Paint.solid) }
        node.fail("expected a colour string or a gradient object, found \(node.value.typeName)")
        return nil
    }

    private func readGradient(_ node: Node) -> Gradient? {
        let angleNode = node["angle"]
        let angle = angleNode?.number(in: DocumentLimits.degrees)
        var kind: Gradient.Kind?
        if let typeNode = node.required("type"), let type = typeNode.string {
            switch type {
            case "linear": kind = .linear(angle: angle ?? 180)
            case "radial": kind = .radial
            case "conic": kind = .conic(angle: angle ?? 0)
            default: typeNode.fail("unknown gradient type \"\(type)\"; expected \"linear\", \"radial\" or \"conic\"")
            }
        }
        var stops: [GradientStop] = []
        if let stopsNode = node.required("stops"), let elements = stopsNode.array {
            if elements.count < 2 { stopsNode.fail("needs at least two stops") }
            for element in elements where element.expectObject() {
                let offset = element.required("offset")?.number(in: 0...1)
                let color = element.required("color").flatMap(readColor)
                if let offset, let color { stops.append(GradientStop(offset: offset, color: color)) }
            }
            if stops.count != elements.count || elements.count < 2 { return nil }
        }
        guard let kind, !stops.isEmpty else { return nil }
        return Gradient(kind: kind, stops: stops)
    }
}

extension JSONValue {
    var isArray: Bool {
        if case .array = self { return true }
        return false
    }
}

extension RenderingVideoV2.Transform {
    func dimension(_ name: String) -> RenderingVideoV2.Length? { name == "width" ? width : height }
}

extension JSONPath {
    func record(in log: DiagnosticLog, _ message: String) { log.record(self, message) }
}

import Foundation
