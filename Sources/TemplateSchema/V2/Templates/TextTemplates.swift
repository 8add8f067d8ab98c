import Timeline

/// `quote`: a quotation with its author. Data: `text` (required), `author`, `role`, `color`
/// (text, default white), `accent` (quote mark, bar and author, default #ffd200), `background`
/// (default #101828). Variants: `classic` (centred, a large opening quote mark above) and
/// `minimal` (left-aligned beside an accent bar).
struct QuoteTemplate: ClipTemplate {
    let name = "quote"
    let summary = "a quotation and its author over a background"
    let defaults: [String: JSONValue] = ["author": .string(""), "role": .string("")]
    let variants: [(name: String, defaults: [String: JSONValue])] = [
        ("classic", ["color": .string("#ffffff"), "accent": .string("#ffd200"), "background": .string("#101828")]),
        ("minimal", ["color": .string("#101828"), "accent": .string("#e4572e"), "background": .string("#f4f1ea")]),
    ]

    func clips(_ node: Node, duration: Double, canvas: (width: Double, height: Double)) -> [JSONValue]? {
        let data = TemplateData(node: node)
        let text = data.requiredText("text"), author = data.text("author"), role = data.text("role")
        guard let text, let color = data.color("color", default: "#ffffff"), let accent = data.color("accent", default: "#ffd200"),
              let background = data.color("background", default: "#101828") else { return nil }
        let (w, h) = canvas
        let size = (h * 0.065).rounded()
        let signature = ["— " + author, role].filter { !$0.isEmpty && $0 != "— " }.joined(separator: ", ")
        var clips = [TemplateClips.rect(w / 2, h / 2, w, h, fill: background, duration: duration)]
        let enter = [TemplateClips.animation("fadeIn", duration: 0.6), TemplateClips.animation("slideIn", duration: 0.8, ["direction": .string("up"), "distance": .number(h * 0.05)])]
        if data.variant == "minimal" {
            clips.append(TemplateClips.rect(w * 0.1, h / 2, max(4, w * 0.008), h * 0.4, fill: accent, duration: duration,
                                            extra: ["animations": .array([TemplateClips.animation("fadeIn", duration: 0.4)])]))
            clips.append(TemplateClips.text(text, x: w * 0.14, y: h * 0.45, width: w * 0.74, size: size, color: color, align: "left",
                                            anchor: "left", duration: duration, animations: enter))
            if !signature.isEmpty {
                clips.append(TemplateClips.text(signature, x: w * 0.14, y: h * 0.66, width: w * 0.74, size: size * 0.55, color: accent,
                                                weight: 700, align: "left", anchor: "left", start: 0.6, duration: max(0.001, duration - 0.6),
                                                animations: [TemplateClips.animation("fadeIn", duration: 0.5)]))
            }
        } else {
            clips.append(TemplateClips.text("\u{201C}", x: w / 2, y: h * 0.24, size: h * 0.25, color: accent, weight: 700, duration: duration,
                                            animations: [TemplateClips.animation("fadeIn", duration: 0.5)]))
            clips.append(TemplateClips.text(text, x: w / 2, y: h * 0.5, width: w * 0.8, size: size, color: color, duration: duration,
                                            animations: enter))
            if !signature.isEmpty {
                clips.append(TemplateClips.text(signature, x: w / 2, y: h * 0.76, width: w * 0.8, size: size * 0.55, color: accent,
                                                weight: 700, start: 0.6, duration: max(0.001, duration - 0.6),
                                                animations: [TemplateClips.animation("fadeIn", duration: 0.5)]))
            }
        }
        return clips
    }
}

/// `text-reveal`: a headline revealed, with an optional line under it. Data: `text` (required),
/// `subtitle`, `color` (default white), `accent` (the subtitle and underline, default #38ef7d),
/// `background` (default #0f1722). Variants: `wipe` (wiped in from the left, an underline drawn
/// after it) and `rise` (rising and fading in).
struct TextRevealTemplate: ClipTemplate {
    let name = "text-reveal"
    let summary = "a headline wiped or raised in, with an optional subtitle"
    let defaults: [String: JSONValue] = ["subtitle": .string(""), "color": .string("#ffffff"), "accent": .string("#38ef7d"),
                                         "background": .string("#0f1722")]
    let variants: [(name: String, defaults: [String: JSONValue])] = [("wipe", [:]), ("rise", [:])]

    func clips(_ node: Node, duration: Double, canvas: (width: Double, height: Double)) -> [JSONValue]? {
        let data = TemplateData(node: node)
        let text = data.requiredText("text"), subtitle = data.text("subtitle")
        guard let text, let color = data.color("color", default: "#ffffff"), let accent = data.color("accent", default: "#38ef7d"),
              let background = data.color("background", default: "#0f1722") else { return nil }
        let (w, h) = canvas
        let size = (h * 0.11).rounded()
        var clips = [TemplateClips.rect(w / 2, h / 2, w, h, fill: background, duration: duration)]
        if data.variant == "rise" {
            clips.append(TemplateClips.text(text, x: w / 2, y: h * 0.45, width: w * 0.86, size: size, color: color, weight: 700,
                                            duration: duration,
                                            animations: [TemplateClips.animation("fadeIn", duration: 0.7),
                                                         TemplateClips.animation("slideIn", duration: 0.9, ["direction": .string("up"), "distance": .number(h * 0.12)])]))
        } else {
            clips.append(TemplateClips.text(text, x: w / 2, y: h * 0.45, width: w * 0.86, size: size, color: color, weight: 700,
                                            duration: duration,
                                            extra: ["transition": .object(["type": .string("wipe"), "duration": .number(min(0.9, duration / 2)),
                                                                           "direction": .string("right")])]))
            clips.append(.object(["type": .string("line"), "start": .number(0.5), "duration": .number(max(0.001, duration - 0.5)),
                                  "transform": .object(["x": .number(w / 2), "y": .number(h * 0.45 + size * 0.8)]),
                                  "points": .array([.array([.number(-w * 0.2), .number(0)]), .array([.number(w * 0.2), .number(0)])]),
                                  "lineWidth": .number(max(2, h * 0.008)), "style": .object(["stroke": .string(accent)]),
                                  "keyframes": .array([.object(["property": .string("drawEnd"), "frames": .array([
                                      .object(["time": .number(0), "value": .number(0)]),
                                      .object(["time": .number(min(0.6, max(0.001, duration - 0.5))), "value": .number(1), "easing": .string("easeOutCubic")]),
                                  ])])])]))
        }
        if !subtitle.isEmpty {
            clips.append(TemplateClips.text(subtitle, x: w / 2, y: h * 0.68, width: w * 0.8, size: size * 0.4, color: accent,
                                            start: 0.7, duration: max(0.001, duration - 0.7),
                                            animations: [TemplateClips.animation("fadeIn", duration: 0.5)]))
        }
        return clips
    }
}

/// `countdown`: numbers from `from` down to `to`, then an optional `go` word, each an equal share
/// of the clip. Data: `from` (1–60, default 3), `to` (0–60, default 1, at most `from`), `go`
/// (default "Go!", "" for none), `color` (default white), `accent` (ring, default #ff5e62),
/// `background` (default #101828). Variants: `pop` (each number pops in, scaling down from 1.6×)
/// and `ring` (each number inside a ring that turns a full circle).
struct CountdownTemplate: ClipTemplate {
    let name = "countdown"
    let summary = "numbers counting down, one equal share of the clip each, and a closing word"
    let defaults: [String: JSONValue] = ["from": .number(3), "to": .number(1), "go": .string("Go!"), "color": .string("#ffffff"),
                                         "accent": .string("#ff5e62"), "background": .string("#101828")]
    let variants: [(name: String, defaults: [String: JSONValue])] = [("pop", [:]), ("ring", [:])]

    func clips(_ node: Node, duration: Double, canvas: (width: Double, height: Double)) -> [JSONValue]? {
        let data = TemplateData(node: node)
        guard let from = data.whole("from", in: 1...60, default: 3), let to = data.whole("to", in: 0...60, default: 1),
              let color = data.color("color", default: "#ffffff"), let accent = data.color("accent", default: "#ff5e62"),
              let background = data.color("background", default: "#101828") else { return nil }
        guard to <= from else {
            node.path.appending("to").record(in: node.log, "must be at most from (\(from))")
            return nil
        }
        let go = data.text("go")
        let labels = stride(from: from, through: to, by: -1).map(String.init) + (go.isEmpty ? [] : [go])
        let (w, h) = canvas
        let slot = duration / Double(labels.count)
        var clips = [TemplateClips.rect(w / 2, h / 2, w, h, fill: background, duration: duration)]
        for (index, label) in labels.enumerated() {
            let start = Double(index) * slot
            let isNumber = Int(label) != nil
            let size = (h * (isNumber ? 0.42 : 0.22)).rounded()
            if data.variant == "ring" {
                clips.append(.object(["type": .string("circle"), "size": .number(h * 0.6), "start": .number(start), "duration": .number(slot),
                                      "transform": .object(["x": .number(w / 2), "y": .number(h / 2)]),
                                      "style": .object(["stroke": .string(accent), "strokeWidth": .number(max(3, h * 0.02))]),
                                      "animations": .array([TemplateClips.animation("rotate", duration: slot, easing: "linear",
                                                                                     ["from": .number(0), "to": .number(360)])])]))
                clips.append(TemplateClips.text(label, x: w / 2, y: h / 2, size: size, color: color, weight: 700, start: start,
                                                duration: slot, animations: [TemplateClips.animation("fadeIn", duration: min(0.2, slot / 3))]))
            } else {
                clips.append(TemplateClips.text(label, x: w / 2, y: h / 2, size: size, color: color, weight: 700, start: start,
                                                duration: slot,
                                                animations: [TemplateClips.animation("scale", duration: min(0.35, slot / 2), easing: "easeOutBack",
                                                                                     ["from": .number(1.6), "to": .number(1)]),
                                                             TemplateClips.animation("fadeIn", duration: min(0.15, slot / 3))]))
            }
        }
        return clips
    }
}

/// `list`: a title and items appearing one after another. Data: `items` (required, 1–12
/// strings), `title`, `stagger` (seconds between items, default 0.3), `color` (default white),
/// `accent` (bullets or numbers, default #ffd200), `background` (default #101828). Variants:
/// `bullets` (a dot before each item) and `numbered` ("1." before each).
struct ListTemplate: ClipTemplate {
    let name = "list"
    let summary = "a title and up to 12 items appearing one after another"
    let defaults: [String: JSONValue] = ["title": .string(""), "stagger": .number(0.3), "color": .string("#ffffff"),
                                         "accent": .string("#ffd200"), "background": .string("#101828")]
    let variants: [(name: String, defaults: [String: JSONValue])] = [("bullets", [:]), ("numbered", [:])]

    func clips(_ node: Node, duration: Double, canvas: (width: Double, height: Double)) -> [JSONValue]? {
        let data = TemplateData(node: node)
        guard let itemsNode = node.required("items"), let itemNodes = itemsNode.array else { return nil }
        guard (1...12).contains(itemNodes.count) else {
            itemsNode.fail("needs 1 to 12 items, found \(itemNodes.count)")
            return nil
        }
        let items = itemNodes.compactMap { $0.string(maxLength: DocumentLimits.textLength) }
        guard items.count == itemNodes.count, let stagger = data.number("stagger", in: 0...10, default: 0.3),
              let color = data.color("color", default: "#ffffff"), let accent = data.color("accent", default: "#ffd200"),
              let background = data.color("background", default: "#101828") else { return nil }
        let (w, h) = canvas
        let title = data.text("title")
        var clips = [TemplateClips.rect(w / 2, h / 2, w, h, fill: background, duration: duration)]
        let top = title.isEmpty ? h * 0.18 : h * 0.32
        if !title.isEmpty {
            clips.append(TemplateClips.text(title, x: w * 0.1, y: h * 0.16, width: w * 0.8, size: (h * 0.08).rounded(), color: color,
                                            weight: 700, align: "left", anchor: "left", duration: duration,
                                            animations: [TemplateClips.animation("fadeIn", duration: 0.4)]))
        }
        let step = min(h * 0.1, (h * 0.9 - top) / Double(items.count))
        let size = (step * 0.55).rounded()
        for (index, item) in items.enumerated() {
            let start = min(Double(index + 1) * stagger, duration * 0.9)
            let y = top + step * Double(index)
            let enter = [TemplateClips.animation("fadeIn", duration: 0.35),
                         TemplateClips.animation("slideIn", duration: 0.45, ["direction": .string("left"), "distance": .number(w * 0.04)])]
            if data.variant == "numbered" {
                clips.append(TemplateClips.text("\(index + 1).", x: w * 0.13, y: y, size: size, color: accent, weight: 700, align: "right",
                                                anchor: "right", start: start, duration: duration - start, animations: enter))
            } else {
                clips.append(.object(["type": .string("circle"), "size": .number(size * 0.4), "start": .number(start),
                                      "duration": .number(duration - start),
                                      "transform": .object(["x": .number(w * 0.12), "y": .number(y)]),
                                      "style": .object(["fill": .string(accent)]), "animations": .array(enter)]))
            }
            clips.append(TemplateClips.text(item, x: w * 0.15, y: y, width: w * 0.75, size: size, color: color, align: "left",
                                            anchor: "left", start: start, duration: duration - start, animations: enter))
        }
        return clips
    }
}
