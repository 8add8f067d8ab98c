import Timeline

/// `comparison`: two sides, each a title, an optional picture and points, with a "VS" between.
/// Data (Reel's; the schema's text does not list them): `left` and `right` (required, each
/// `{title (required), image?, points? (up to 5 strings)}`), `vs` (default "VS", "" for none),
/// `color` **#ffffff**, `leftAccent` **#38ef7d**, `rightAccent` **#ff5e62**, `background`
/// **#101828**. Variants: `split` (the canvas in two halves, each side's accent a top band) and
/// `cards` (two rounded cards on the background).
struct ComparisonTemplate: ClipTemplate {
    let name = "comparison"
    let summary = "two sides compared: titles, pictures and points, with a VS between"
    let defaults: [String: JSONValue] = ["vs": .string("VS"), "color": .string("#ffffff"), "leftAccent": .string("#38ef7d"),
                                         "rightAccent": .string("#ff5e62"), "background": .string("#101828")]
    let variants: [(name: String, defaults: [String: JSONValue])] = [("split", [:]), ("cards", [:])]

    func clips(_ node: Node, duration: Double, canvas: (width: Double, height: Double)) -> [JSONValue]? {
        let data = TemplateData(node: node)
        guard let color = data.color("color", default: "#ffffff"), let leftAccent = data.color("leftAccent", default: "#38ef7d"),
              let rightAccent = data.color("rightAccent", default: "#ff5e62"),
              let background = data.color("background", default: "#101828") else { return nil }
        let sides = [("left", leftAccent), ("right", rightAccent)].map { key, accent -> (Node, String)? in
            guard let side = node.required(key), side.expectObject() else { return nil }
            return (side, accent)
        }
        let (w, h) = canvas
        var clips = [TemplateClips.rect(w / 2, h / 2, w, h, fill: background, duration: duration)]
        var valid = true
        for (index, side) in sides.enumerated() {
            guard let (sideNode, accent) = side, let title = TemplateData(node: sideNode).requiredText("title") else { valid = false; continue }
            let points = sideNode["points"]?.array ?? []
            if points.count > 5 { sideNode.path.appending("points").record(in: node.log, "has \(points.count) points; at most 5"); valid = false }
            let pointTexts = points.prefix(5).compactMap { $0.string(maxLength: DocumentLimits.textLength) }
            let centre = w * (index == 0 ? 0.25 : 0.75), delay = 0.2 + 0.3 * Double(index)
            if data.variant == "cards" {
                clips.append(.object(["type": .string("rect"), "start": .number(0), "duration": .number(duration),
                                      "transform": .object(["x": .number(centre), "y": .number(h * 0.52), "width": .number(w * 0.42), "height": .number(h * 0.8)]),
                                      "style": .object(["fill": .string("rgba(255,255,255,0.08)"), "borderRadius": .number(h * 0.04),
                                                        "stroke": .string(accent), "strokeWidth": .number(max(2, h * 0.006))])]))
            } else {
                clips.append(TemplateClips.rect(centre, h * 0.02, w / 2, h * 0.04, fill: accent, duration: duration))
            }
            let enter = [TemplateClips.animation("fadeIn", duration: 0.4, delay: delay),
                         TemplateClips.animation("slideIn", duration: 0.5, delay: delay,
                                                 ["direction": .string(index == 0 ? "left" : "right"), "distance": .number(w * 0.05)])]
            clips.append(TemplateClips.text(title, x: centre, y: h * 0.2, width: w * 0.4, size: (h * 0.07).rounded(), color: accent, weight: 700,
                                            duration: duration, animations: enter))
            if let image = sideNode["image"] {
                guard case .string = image.value else {
                    if case .object(let members) = image.value, members["$ref"] != nil {} else { image.fail("expected a URL or path string, or {\"$ref\": \"<asset id>\"}"); valid = false }
                    continue
                }
                clips.append(.object(["type": .string("image"), "src": image.value, "start": .number(0), "duration": .number(duration),
                                      "transform": .object(["x": .number(centre), "y": .number(h * 0.43), "width": .number(w * 0.36), "height": .number(h * 0.28)]),
                                      "style": .object(["objectFit": .string("contain")]), "animations": .array(enter)]))
            }
            for (k, point) in pointTexts.enumerated() {
                clips.append(TemplateClips.text("• " + point, x: centre, y: h * (0.64 + 0.07 * Double(k)), width: w * 0.38,
                                                size: (h * 0.04).rounded(), color: color, duration: duration,
                                                animations: [TemplateClips.animation("fadeIn", duration: 0.3, delay: delay + 0.3 + 0.15 * Double(k))]))
            }
        }
        let vs = data.text("vs")
        if !vs.isEmpty {
            clips.append(.object(["type": .string("circle"), "size": .number(h * 0.16), "start": .number(0), "duration": .number(duration),
                                  "transform": .object(["x": .number(w / 2), "y": .number(h / 2)]), "zIndex": .number(5),
                                  "style": .object(["fill": .string(background), "stroke": .string(color), "strokeWidth": .number(max(2, h * 0.006))]),
                                  "animations": .array([TemplateClips.animation("scale", duration: 0.5, delay: 0.8, easing: "easeOutBack",
                                                                                ["from": .number(0), "to": .number(1)])])]))
            clips.append(TemplateClips.text(vs, x: w / 2, y: h / 2, size: (h * 0.05).rounded(), color: color, weight: 700, duration: duration,
                                            animations: [TemplateClips.animation("fadeIn", duration: 0.3, delay: 0.9)], extra: ["zIndex": .number(6)]))
        }
        return valid ? clips : nil
    }
}

/// `news`: a headline bar with a label, an optional picture behind, and a ticker. Data (Reel's;
/// the schema's text does not list them): `headline` (required), `label` (default "BREAKING",
/// "" for none), `ticker` (a line crawling along the bottom), `image` (behind everything),
/// `accent` **#d62828**, `color` **#ffffff**, `background` **#0b132b**. Variants: `breaking`
/// (the bar low on the canvas, the label in the accent colour) and `studio` (a wider, lighter bar
/// in the lower third, the label above it).
struct NewsTemplate: ClipTemplate {
    let name = "news"
    let summary = "a headline bar with a label, a picture behind and a crawling ticker"
    let defaults: [String: JSONValue] = ["label": .string("BREAKING"), "ticker": .string(""), "accent": .string("#d62828"),
                                         "color": .string("#ffffff"), "background": .string("#0b132b")]
    let variants: [(name: String, defaults: [String: JSONValue])] = [("breaking", [:]), ("studio", [:])]

    func clips(_ node: Node, duration: Double, canvas: (width: Double, height: Double)) -> [JSONValue]? {
        let data = TemplateData(node: node)
        guard let headline = data.requiredText("headline"), let accent = data.color("accent", default: "#d62828"),
              let color = data.color("color", default: "#ffffff"), let background = data.color("background", default: "#0b132b") else { return nil }
        let (w, h) = canvas
        var clips = [TemplateClips.rect(w / 2, h / 2, w, h, fill: background, duration: duration)]
        if let image = node["image"] {
            switch image.value {
            case .string, .object:
                clips.append(.object(["type": .string("image"), "src": image.value, "start": .number(0), "duration": .number(duration),
                                      "transform": .object(["x": .number(w / 2), "y": .number(h / 2), "width": .number(w), "height": .number(h)]),
                                      "style": .object(["objectFit": .string("cover")]),
                                      "keyframes": .array([.object(["property": .string("scale"), "frames": .array([
                                          .object(["time": .number(0), "value": .number(1)]), .object(["time": .number(duration), "value": .number(1.06)])])])])]))
            default:
                image.fail("expected a URL or path string, or {\"$ref\": \"<asset id>\"}")
                return nil
            }
        }
        let studio = data.variant == "studio"
        let barY = h * (studio ? 0.72 : 0.8), barHeight = h * (studio ? 0.14 : 0.11)
        let enter = [TemplateClips.animation("slideIn", duration: 0.5, ["direction": .string("left"), "distance": .number(w)])]
        clips.append(TemplateClips.rect(w / 2, barY, w, barHeight, fill: studio ? "rgba(255,255,255,0.92)" : "rgba(11,19,43,0.92)",
                                        duration: duration, extra: ["zIndex": .number(2), "animations": .array(enter)]))
        clips.append(TemplateClips.text(headline, x: w * 0.05, y: barY, width: w * 0.9, size: (barHeight * 0.45).rounded(),
                                        color: studio ? background : color, weight: 700, align: "left", anchor: "left",
                                        start: min(0.3, duration / 2), duration: duration - min(0.3, duration / 2),
                                        animations: [TemplateClips.animation("fadeIn", duration: 0.3)], extra: ["zIndex": .number(3)]))
        let label = data.text("label")
        if !label.isEmpty {
            let labelSize = (h * 0.035).rounded()
            let labelWidth = Double(label.count) * labelSize * 0.75 + labelSize * 1.4
            let labelY = barY - barHeight / 2 - labelSize * 0.9
            clips.append(TemplateClips.rect(w * 0.05 + labelWidth / 2, labelY, labelWidth, labelSize * 1.8, fill: accent,
                                            duration: duration, extra: ["zIndex": .number(4), "animations": .array(enter)]))
            clips.append(TemplateClips.text(label, x: w * 0.05 + labelWidth / 2, y: labelY, size: labelSize, color: "#ffffff", weight: 700,
                                            duration: duration, animations: enter, extra: ["zIndex": .number(5)]))
        }
        let ticker = data.text("ticker")
        if !ticker.isEmpty {
            let tickerSize = (h * 0.035).rounded(), tickerY = h - tickerSize
            clips.append(TemplateClips.rect(w / 2, tickerY, w, tickerSize * 2, fill: accent, duration: duration, extra: ["zIndex": .number(2)]))
            // The line crawls from the right edge leftwards at a fifth of the canvas width a second,
            // for at most 50 000 px (then it has long left the canvas; positions stay in range).
            let speed = w * 0.2, travel = min(speed * duration, 50_000)
            clips.append(TemplateClips.text(ticker, x: w, y: tickerY, size: tickerSize, color: "#ffffff", align: "left", anchor: "left",
                                            duration: duration,
                                            animations: [TemplateClips.animation("move", duration: max(0.001, travel / speed), easing: "linear",
                                                                                 ["from": .object(["x": .number(w)]), "to": .object(["x": .number(w - travel)])])],
                                            extra: ["zIndex": .number(3)]))
        }
        return clips
    }
}
