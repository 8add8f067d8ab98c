public import Timeline
import Foundation

extension RenderingVideoV2.Document {
    /// The timeline this document describes, reading local files: relative `src` paths resolve
    /// against `baseDirectory` (the config file's folder). Percentages become canvas pixels,
    /// defaults are filled in.
    public func lower(baseDirectory: String) -> Timeline {
        let log = DiagnosticLog()
        return lower(sources: .localFiles(relativeTo: baseDirectory), log: log)
    }

    /// The timeline this document describes, with every `src` resolved by `sources`; a refused
    /// source is reported with its JSON path.
    public func lower(sources: SourceResolver) throws(SchemaError) -> Timeline {
        let log = DiagnosticLog()
        let timeline = lower(sources: sources, log: log)
        guard log.diagnostics.isEmpty else { throw SchemaError(diagnostics: log.diagnostics) }
        return timeline
    }

    private func lower(sources: SourceResolver, log: DiagnosticLog) -> Timeline {
        let canvas = Canvas(width: meta.width, height: meta.height,
                            frameRate: FrameRate(framesPerSecond: meta.fps), background: meta.background)
        let fonts = assets.fonts.enumerated().map { index, font in
            let path = JSONPath.root.appending("assets").appending("fonts").appending(index).appending("src")
            let source = resolve(font.src, sources, at: path, log)
            return FontFace(family: font.family, weight: font.weight, italic: font.italic, source: source)
        }
        let notices = NoticeLog(), captions = CaptionLedger()
        for notice in self.notices { notices.add(notice) }
        var layouts: [LayoutBox] = []
        let lowered = tracks.map { track in
            Track(id: track.id, clips: track.clips.flatMap { clip -> [Clip] in
                guard case .layout(let layout) = clip.body else {
                    return [lower(clip, canvas: canvas, sources: sources, log: log, notices: notices, captions: captions)]
                }
                let scope = LayoutScope(canvas: canvas, sources: sources, log: log, notices: notices, captions: captions,
                                        layout: layouts.count, window: clip)
                let (box, children) = lowerLayout(clip, layout, scope: scope, path: [])
                layouts.append(box)
                return children
            })
        }
        var timeline = Timeline(canvas: canvas, tracks: lowered, fonts: fonts)
        timeline.layouts = layouts
        timeline.notices = notices.notices
        return timeline
    }

    /// A source through the resolver; a refused one is logged and stands in as its own path.
    func resolve(_ src: String, _ sources: SourceResolver, at path: JSONPath, _ log: DiagnosticLog) -> MediaSource {
        switch sources(src) {
        case .success(let source): return source
        case .failure(let refusal):
            log.record(path, refusal.reason)
            return .file(src)
        }
    }

    /// One clip; `frame` is what its percentage sizes are of (the canvas, unless it is a
    /// layout's child: the layout's content box).
    func lower(_ clip: RenderingVideoV2.Clip, canvas: Canvas, frame: (width: Double, height: Double)? = nil,
               sources: SourceResolver, log: DiagnosticLog, notices: NoticeLog, captions: CaptionLedger) -> Clip {
        let source = { (text: String) in resolve(text, sources, at: clip.path.appending("src"), log) }
        let width = Double(canvas.width), height = Double(canvas.height)
        let spec = clip.transform
        var boxWidth = spec.width?.resolved(against: frame?.width ?? width)
        var boxHeight = spec.height?.resolved(against: frame?.height ?? height)
        let style = clip.style
        var content: ClipContent
        var placement: (y: Double, anchor: Anchor)?
        var subtitleShadow: Shadow?
        switch clip.body {
        case .text(let text):
            content = .text(TextContent(
                text: text, fontFamily: style.fontFamily, fontSize: style.fontSize ?? 48,
                fontWeight: style.fontWeight ?? 400, italic: style.italic ?? false,
                fill: style.fill ?? .solid(.white), stroke: style.stroke,
                strokeWidth: style.stroke == nil ? 0 : (style.strokeWidth ?? 1),
                alignment: style.textAlign ?? .center, lineHeight: style.lineHeight ?? 1.2,
                letterSpacing: style.letterSpacing ?? 0, wraps: style.textWrap ?? true))
        case .image(let src):
            content = .image(ImageContent(source: source(src),
                                          fit: style.objectFit ?? .cover, cornerRadii: style.borderRadius ?? .zero))
        case .rect:
            content = .shape(shape(.rectangle(style.borderRadius ?? .zero), style: style))
        case .circle(let size, let startAngle, let endAngle):
            if let size, spec.width == nil, spec.height == nil { (boxWidth, boxHeight) = (size, size) }
            var geometry = ShapeContent.Geometry.ellipse
            if startAngle != nil || endAngle != nil {
                // A slice when it is filled, the curve alone when only stroked (a progress ring).
                let start = startAngle ?? 0, end = endAngle ?? 360
                if abs(end - start) < 360 {
                    geometry = .arc(start: start, end: end, closed: style.fill != nil || style.stroke == nil)
                }
            }
            content = .shape(shape(geometry, style: style))
        case .video(let src, let media):
            content = .video(VideoContent(source: source(src),
                                          trim: media.trim, fit: style.objectFit ?? .cover,
                                          cornerRadii: style.borderRadius ?? .zero, sound: media.sound))
        case .audio(let src, let media):
            content = .audio(AudioContent(source: source(src),
                                          trim: media.trim, sound: media.sound))
        case .polygon(let sides, let size):
            if let size, spec.width == nil, spec.height == nil { (boxWidth, boxHeight) = (size, size) }
            content = .shape(shape(.regularPolygon(sides: sides), style: style))
        case .subtitle(let subtitle):
            let config = subtitle.config
            boxWidth = boxWidth ?? config.textBoxWidth.resolved(against: width)
            let words = subtitleWords(subtitle, sources: sources, log: log, ledger: captions)
            content = .timedText(subtitleText(words, config: config, clipStart: clip.start, duration: clip.duration,
                                              canvas: canvas))
            if spec.y == nil {
                placement = switch config.position {
                case .bottom: (height - config.paddingBottom, .bottom)
                case .top: (config.paddingBottom, .top)
                case .center: (height / 2, .center)
                }
            }
            subtitleShadow = config.shadowColor.map { Shadow(color: $0, blur: config.shadowBlur, offsetX: 0, offsetY: 0) }
        case .code(let code):
            content = codeContent(code, notices: notices)
        case .icon(let icon):
            // At most the largest font size: the glyph is set as text.
            let size = min(boxWidth ?? boxHeight ?? 48, boxHeight ?? boxWidth ?? 48, DocumentLimits.fontSize)
            (boxWidth, boxHeight) = (size, size)
            content = iconContent(icon, style: style, size: size)
        case .svg(let svg):
            switch svg {
            case .markup(let markup): content = .drawn(Drawn(SVGContent(markup: .inline(markup))))
            case .src(let src): content = .drawn(Drawn(SVGContent(markup: .file(source(src)))))
            }
        case .curve(let curve):
            // The box is centred on the points' origin (see `VectorShape`), unless the transform sizes it.
            let half = VectorShape(kindName: curve.kind, segments: curve.segments, stroke: nil, lineWidth: 0).halfExtent
            if spec.width == nil { boxWidth = 2 * half.x }
            if spec.height == nil { boxHeight = 2 * half.y }
            content = curveContent(curve, style: style, keyframes: clip.keyframes)
        case .three(let three):
            // The scene's canvas is the clip's box: the whole canvas unless the transform sizes it.
            boxWidth = boxWidth ?? width
            boxHeight = boxHeight ?? height
            content = threeContent(three, clip: clip, sources: sources, log: log)
        case .layout:
            preconditionFailure("layouts are lowered by lowerLayout")
        }
        let keyframes = clip.keyframes
        func animated(_ property: KeyframeProperty, _ value: Double) -> Animatable<Double> {
            keyframes[property]?.numbers ?? .constant(value)
        }
        let transform = Transform(
            x: animated(.x, spec.x?.resolved(against: width) ?? width / 2),
            y: animated(.y, spec.y?.resolved(against: height) ?? placement?.y ?? height / 2),
            width: keyframes[.width]?.numbers ?? boxWidth.map(Animatable.constant),
            height: keyframes[.height]?.numbers ?? boxHeight.map(Animatable.constant),
            anchor: placement?.anchor ?? spec.anchor, scaleX: animated(.scale, spec.scaleX), scaleY: animated(.scale, spec.scaleY),
            rotation: animated(.rotation, spec.rotation), skewX: spec.skewX, skewY: spec.skewY)
        let filters = clip.keyframedFilters
        if case .audio(var audio) = content {
            audio.sound.volumeKeyframes = keyframes[.volume]?.numbers
            content = .audio(audio)
        } else if case .video(var video) = content {
            video.sound.volumeKeyframes = keyframes[.volume]?.numbers
            content = .video(video)
        }
        let shadow = style.shadowColor.map {
            Shadow(color: $0, blur: style.shadowBlur ?? 0,
                   offsetX: style.shadowOffset?.x ?? 0, offsetY: style.shadowOffset?.y ?? 0)
        } ?? subtitleShadow
        return Clip(id: clip.id, origin: clip.path.description, start: clip.start, duration: clip.duration,
                    zIndex: clip.zIndex, opacity: animated(.opacity, style.opacity ?? clip.opacity), transform: transform,
                    shadow: shadow, content: content, filters: filters, fill: keyframes[.fill]?.colors,
                    animations: clip.animations, transition: content.isVisual ? clip.transition : nil)
    }

    private func shape(_ geometry: ShapeContent.Geometry, style: RenderingVideoV2.Style) -> ShapeContent {
        let stroke = style.stroke
        return ShapeContent(geometry: geometry, fill: style.fill ?? (stroke == nil ? .solid(.white) : nil),
                            stroke: stroke, strokeWidth: stroke == nil ? 0 : (style.strokeWidth ?? 1))
    }
}

extension RenderingVideoV2.MediaFields {
    var trim: MediaTrim { MediaTrim(start: sourceStart, end: sourceEnd, playbackRate: playbackRate) }

    var sound: SoundSettings {
        let envelope: Animatable<Double>? = gainEnvelope.isEmpty ? nil
            : .keyframes(gainEnvelope.map { Keyframe(time: $0.time, value: $0.volume, easing: $0.easing) })
        var settings = SoundSettings(volume: volume, muted: muted, loops: loop, fadeIn: fadeIn, fadeOut: fadeOut, pan: pan,
                                     gainEnvelope: envelope, ducking: ducking)
        settings.detune = detune
        settings.preservesPitch = preservesPitch
        return settings
    }
}

extension RenderingVideoV2.Clip {
    /// `style.filters` with the filter keyframes: each drives the filter of its type, added at
    /// the end when style lacks it.
    var keyframedFilters: [ClipFilter] {
        var filters = self.filters
        for property in KeyframeProperty.allCases {
            guard let kind = property.filter, let values = keyframes[property]?.numbers else { continue }
            if let index = filters.firstIndex(where: { $0.kind == kind }) {
                filters[index].value = values
            } else {
                filters.append(ClipFilter(kind: kind, value: values))
            }
        }
        return filters
    }
}
