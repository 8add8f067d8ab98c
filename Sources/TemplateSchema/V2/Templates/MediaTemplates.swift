import Timeline

/// A media source in template data: a string or `{"$ref": id}`, passed on as it is to the clip
/// that shows it (whose reader resolves and checks it).
private func mediaSource(_ node: Node?, _ path: String, required: Bool, in data: Node) -> JSONValue? {
    guard let node else {
        if required { data.path.appending(path).record(in: data.log, "is required") }
        return nil
    }
    switch node.value {
    case .string(let text) where !text.isEmpty: return node.value
    case .object(let members) where members["$ref"] != nil: return node.value
    default:
        node.fail("expected a URL or path string, or {\"$ref\": \"<asset id>\"}")
        return nil
    }
}

private func fullCanvas(_ w: Double, _ h: Double) -> JSONValue {
    .object(["x": .number(w / 2), "y": .number(h / 2), "width": .number(w), "height": .number(h)])
}

/// `slideshow`: pictures one after another. Data (documented): `images` (required, 1–50 of
/// `{image, caption?}`), `durationPerSlide` (default: the clip's duration shared equally),
/// `showCaptions` (captions drawn unless false); Reel adds `color` (captions, default white).
/// Variants: `fade` (cross-fades, each picture zooming slowly) and `slide` (each pushes the last
/// out to the left).
struct SlideshowTemplate: ClipTemplate {
    let name = "slideshow"
    let summary = "pictures one after another with captions"
    let defaults: [String: JSONValue] = ["showCaptions": .bool(true), "color": .string("#ffffff")]
    let variants: [(name: String, defaults: [String: JSONValue])] = [("fade", [:]), ("slide", [:])]

    func clips(_ node: Node, duration: Double, canvas: (width: Double, height: Double)) -> [JSONValue]? {
        let data = TemplateData(node: node)
        guard let imagesNode = node.required("images"), let images = imagesNode.array else { return nil }
        guard (1...50).contains(images.count) else {
            imagesNode.fail("needs 1 to 50 images, found \(images.count)")
            return nil
        }
        let slides = images.map { image -> (JSONValue?, String)? in
            guard image.expectObject() else { return nil }
            return (mediaSource(image["image"], "image", required: true, in: image), image["caption"]?.string(maxLength: DocumentLimits.textLength) ?? "")
        }
        guard let per = data.number("durationPerSlide", in: 0.1...3600, default: duration / Double(images.count)),
              let color = data.color("color", default: "#ffffff") else { return nil }
        let showCaptions = data.bool("showCaptions", default: true)
        let (w, h) = canvas
        let fade = min(0.5, per / 3)
        var clips: [JSONValue] = []
        for (index, slide) in slides.enumerated() {
            guard let slide, let source = slide.0 else { return nil }
            let start = Double(index) * per
            var image: [String: JSONValue] = ["type": .string("image"), "src": source, "start": .number(start),
                                              "duration": .number(per + (index == slides.count - 1 ? 0 : fade)),
                                              "transform": fullCanvas(w, h), "style": .object(["objectFit": .string("cover")]),
                                              "zIndex": .number(Double(index))]
            if data.variant == "slide" {
                if index > 0 { image["transition"] = .object(["type": .string("push"), "direction": .string("left"), "duration": .number(fade)]) }
            } else {
                if index > 0 { image["transition"] = .object(["type": .string("fade"), "duration": .number(fade)]) }
                image["keyframes"] = .array([.object(["property": .string("scale"), "frames": .array([
                    .object(["time": .number(0), "value": .number(1)]), .object(["time": .number(per + fade), "value": .number(1.08)])])])])
            }
            clips.append(.object(image))
            if showCaptions, !slide.1.isEmpty {
                clips.append(TemplateClips.text(slide.1, x: w / 2, y: h * 0.88, width: w * 0.84, size: (h * 0.05).rounded(), color: color,
                                                weight: 700, start: start + fade, duration: max(0.001, per - fade),
                                                animations: [TemplateClips.animation("fadeIn", duration: 0.4)],
                                                extra: ["zIndex": .number(100), "style": .object([
                                                    "fontSize": .number((h * 0.05).rounded()), "fill": .string(color), "fontWeight": .number(700),
                                                    "textAlign": .string("center"), "shadowColor": .string("rgba(0,0,0,0.7)"), "shadowBlur": .number(8)])]))
            }
        }
        return clips
    }
}

/// `product-intro`: a product's name, tagline, features, price and a call to action. Data
/// (documented): `name` (required), `tagline`, `features` (up to 6 strings), `price`, `image`,
/// `cta`; Reel adds `color`, `accent`, `background`. Variants: `split` (the picture on the left
/// half, the words on the right) and `centered` (the picture above, the words under it).
struct ProductIntroTemplate: ClipTemplate {
    let name = "product-intro"
    let summary = "a product's picture, name, tagline, features, price and call to action"
    let defaults: [String: JSONValue] = ["tagline": .string(""), "price": .string(""), "cta": .string(""),
                                         "color": .string("#ffffff"), "accent": .string("#38ef7d"), "background": .string("#111827")]
    let variants: [(name: String, defaults: [String: JSONValue])] = [("split", [:]), ("centered", [:])]

    func clips(_ node: Node, duration: Double, canvas: (width: Double, height: Double)) -> [JSONValue]? {
        let data = TemplateData(node: node)
        let name = data.requiredText("name")
        let features = node["features"]?.array ?? []
        if features.count > 6 { node.path.appending("features").record(in: node.log, "has \(features.count) features; at most 6") }
        let featureTexts = features.compactMap { $0.string(maxLength: DocumentLimits.textLength) }
        let image = node["image"].flatMap { mediaSource($0, "image", required: false, in: node) }
        guard let name, features.count <= 6, featureTexts.count == features.count,
              let color = data.color("color", default: "#ffffff"), let accent = data.color("accent", default: "#38ef7d"),
              let background = data.color("background", default: "#111827") else { return nil }
        let (w, h) = canvas
        let centered = data.variant == "centered"
        let x = centered ? w / 2 : w * 0.55, width = centered ? w * 0.8 : w * 0.4
        let align = centered ? "center" : "left", anchor = centered ? "center" : "left"
        var y = centered ? h * 0.52 : h * 0.22
        var clips = [TemplateClips.rect(w / 2, h / 2, w, h, fill: background, duration: duration)]
        if let image {
            let box: JSONValue = centered
                ? .object(["x": .number(w / 2), "y": .number(h * 0.26), "width": .number(w * 0.5), "height": .number(h * 0.4)])
                : .object(["x": .number(w * 0.26), "y": .number(h / 2), "width": .number(w * 0.44), "height": .number(h * 0.7)])
            clips.append(.object(["type": .string("image"), "src": image, "start": .number(0), "duration": .number(duration),
                                  "transform": box, "style": .object(["objectFit": .string("contain")]),
                                  "animations": .array([TemplateClips.animation("fadeIn", duration: 0.6)])]))
        }
        let size = (h * 0.08).rounded()
        func add(_ text: String, size: Double, color: String, weight: Int = 400, at start: Double) {
            guard !text.isEmpty, start < duration else { return }
            clips.append(TemplateClips.text(text, x: x, y: y, width: width, size: size, color: color, weight: weight, align: align,
                                            anchor: anchor, start: start, duration: duration - start,
                                            animations: [TemplateClips.animation("fadeIn", duration: 0.4),
                                                         TemplateClips.animation("slideIn", duration: 0.5, ["direction": .string("up"), "distance": .number(h * 0.03)])]))
            y += size * 1.5
        }
        add(name, size: size, color: color, weight: 700, at: 0.2)
        add(data.text("tagline"), size: size * 0.5, color: accent, at: 0.5)
        for (index, feature) in featureTexts.enumerated() { add("• " + feature, size: size * 0.42, color: color, at: 0.8 + 0.25 * Double(index)) }
        add(data.text("price"), size: size * 0.6, color: color, weight: 700, at: 0.9 + 0.25 * Double(featureTexts.count))
        let cta = data.text("cta"), ctaStart = 1.1 + 0.25 * Double(featureTexts.count)
        if !cta.isEmpty, ctaStart < duration {
            let ctaSize = size * 0.45
            let buttonWidth = min(width, Double(cta.count) * ctaSize * 0.7 + ctaSize * 2)
            let buttonX = centered ? w / 2 : x + buttonWidth / 2
            clips.append(.object(["type": .string("rect"), "start": .number(ctaStart), "duration": .number(duration - ctaStart),
                                  "transform": .object(["x": .number(buttonX), "y": .number(y + ctaSize * 0.5), "width": .number(buttonWidth),
                                                        "height": .number(ctaSize * 2.2)]),
                                  "style": .object(["fill": .string(accent), "borderRadius": .number(ctaSize * 1.1)]),
                                  "animations": .array([TemplateClips.animation("scale", duration: 0.4, easing: "easeOutBack", ["from": .number(0.6), "to": .number(1)])])]))
            clips.append(TemplateClips.text(cta, x: buttonX, y: y + ctaSize * 0.5, size: ctaSize, color: background, weight: 700,
                                            start: ctaStart, duration: duration - ctaStart))
        }
        return clips
    }
}

/// `subtitle-video`: footage with word-timed captions. Data (documented): `src` (required),
/// `words` (required: words, or `{"$ref"}` to `assets.subtitles`), `config` (the subtitle
/// clip's), `source`, `volume`, `muted`, `playbackRate` (the video clip's). Variants: `bottom`
/// (captions at the bottom, the subtitle's defaults) and `center` (large captions in the middle).
struct SubtitleVideoTemplate: ClipTemplate {
    let name = "subtitle-video"
    let summary = "full-screen footage with word-timed captions"
    let defaults: [String: JSONValue] = [:]
    let variants: [(name: String, defaults: [String: JSONValue])] = [
        ("bottom", ["config": .object(["position": .string("bottom")])]),
        ("center", ["config": .object(["position": .string("center"), "fontSize": .number(64)])]),
    ]

    func clips(_ node: Node, duration: Double, canvas: (width: Double, height: Double)) -> [JSONValue]? {
        guard let src = mediaSource(node["src"], "src", required: true, in: node) else { return nil }
        guard let words = node.required("words")?.value else { return nil }
        var video: [String: JSONValue] = ["type": .string("video"), "src": src, "start": .number(0), "duration": .number(duration),
                                          "transform": fullCanvas(canvas.width, canvas.height), "style": .object(["objectFit": .string("cover")])]
        for key in ["source", "volume", "muted", "playbackRate"] { if let value = node[key]?.value { video[key] = value } }
        var subtitle: [String: JSONValue] = ["type": .string("subtitle"), "words": words, "start": .number(0), "duration": .number(duration),
                                             "zIndex": .number(10)]
        if let config = node["config"]?.value { subtitle["config"] = config }
        return [.object(video), .object(subtitle)]
    }
}

/// `talking-head`: a speaker's footage with a lower third and captions. Data (documented): `src`
/// (required), `words` (optional captions), `title`, `speaker`, `role`, `showLowerThird` (default
/// true); Reel adds `accent`. Variants: `full` (the footage fills the canvas) and `framed` (the
/// footage in a rounded frame under the title).
struct TalkingHeadTemplate: ClipTemplate {
    let name = "talking-head"
    let summary = "a speaker's footage with a lower third, a title and captions"
    let defaults: [String: JSONValue] = ["showLowerThird": .bool(true), "accent": .string("#ffd200"), "title": .string(""),
                                         "speaker": .string(""), "role": .string("")]
    let variants: [(name: String, defaults: [String: JSONValue])] = [("full", [:]), ("framed", [:])]

    func clips(_ node: Node, duration: Double, canvas: (width: Double, height: Double)) -> [JSONValue]? {
        let data = TemplateData(node: node)
        guard let src = mediaSource(node["src"], "src", required: true, in: node),
              let accent = data.color("accent", default: "#ffd200") else { return nil }
        let (w, h) = canvas
        let framed = data.variant == "framed"
        var clips: [JSONValue] = []
        if framed {
            clips.append(TemplateClips.rect(w / 2, h / 2, w, h, fill: "#101828", duration: duration))
            clips.append(.object(["type": .string("video"), "src": src, "start": .number(0), "duration": .number(duration),
                                  "transform": .object(["x": .number(w / 2), "y": .number(h * 0.55), "width": .number(w * 0.7), "height": .number(h * 0.7)]),
                                  "style": .object(["objectFit": .string("cover"), "borderRadius": .number(h * 0.03)])]))
        } else {
            clips.append(.object(["type": .string("video"), "src": src, "start": .number(0), "duration": .number(duration),
                                  "transform": fullCanvas(w, h), "style": .object(["objectFit": .string("cover")])]))
        }
        let title = data.text("title")
        if !title.isEmpty {
            clips.append(TemplateClips.text(title, x: w / 2, y: h * (framed ? 0.1 : 0.08), width: w * 0.9, size: (h * 0.06).rounded(),
                                            color: "#ffffff", weight: 700, duration: duration,
                                            animations: [TemplateClips.animation("fadeIn", duration: 0.5)], extra: ["zIndex": .number(5)]))
        }
        let speaker = data.text("speaker"), role = data.text("role")
        if data.bool("showLowerThird", default: true), !(speaker.isEmpty && role.isEmpty), duration > 0.5 {
            let end = min(duration, 5.5)
            let enter = [TemplateClips.animation("slideIn", duration: 0.5, ["direction": .string("left"), "distance": .number(w * 0.3)])]
            clips.append(TemplateClips.rect(w * 0.2, h * 0.8, w * 0.34, h * 0.13, fill: "rgba(16,24,40,0.85)", start: 0.5,
                                            duration: end - 0.5, extra: ["zIndex": .number(6), "animations": .array(enter)]))
            clips.append(TemplateClips.rect(w * 0.035, h * 0.8, w * 0.008, h * 0.13, fill: accent, start: 0.5, duration: end - 0.5,
                                            extra: ["zIndex": .number(7), "animations": .array(enter)]))
            if !speaker.isEmpty {
                clips.append(TemplateClips.text(speaker, x: w * 0.055, y: h * 0.775, width: w * 0.3, size: (h * 0.045).rounded(), color: "#ffffff",
                                                weight: 700, align: "left", anchor: "left", start: 0.5, duration: end - 0.5,
                                                animations: enter, extra: ["zIndex": .number(7)]))
            }
            if !role.isEmpty {
                clips.append(TemplateClips.text(role, x: w * 0.055, y: h * 0.83, width: w * 0.3, size: (h * 0.03).rounded(), color: accent,
                                                align: "left", anchor: "left", start: 0.5, duration: end - 0.5,
                                                animations: enter, extra: ["zIndex": .number(7)]))
            }
        }
        if let words = node["words"]?.value {
            // Captions under the speaker, smaller than a subtitle clip's default.
            clips.append(.object(["type": .string("subtitle"), "words": words, "start": .number(0), "duration": .number(duration),
                                  "zIndex": .number(10),
                                  "config": .object(["position": .string("bottom"), "fontSize": .number((h * 0.055).rounded()),
                                                     "paddingBottom": .number((h * 0.04).rounded())])]))
        }
        return clips
    }
}
