public import Timeline

/// Reading `animations`, `keyframes`, `transition` and `style.filters`, checked against the
/// motion registry in `Timeline` (names, parameters, defaults and ranges).
extension DocumentReader {
    typealias Canvas = (width: Double, height: Double)

    func readAnimations(_ node: Node, canvas: Canvas) -> [Animation] {
        guard let elements = node.array else { return [] }
        return elements.compactMap { readAnimation($0, canvas: canvas) }
    }

    private func readAnimation(_ node: Node, canvas: Canvas) -> Animation? {
        guard node.expectObject(), let kind = node.required("type")?.oneOf(AnimationKind.self) else { return nil }
        let spec = kind.spec
        let duration = node.required("duration").flatMap { number($0, spec.parameter("duration")!) }
        let delay = node["delay"].flatMap { number($0, spec.parameter("delay")!) } ?? 0
        let easing = node["easing"]?.oneOf(Easing.self) ?? .linear
        var cycles: Int? = 1
        if let loop = node["loop"] {
            switch loop.value {
            case .bool(let repeats): cycles = repeats ? nil : 1
            case .number(let count) where count == count.rounded() && spec.parameter("loop")!.range!.contains(count): cycles = Int(count)
            default: loop.fail("expected true, false or a whole number of cycles from 1 to 100000")
            }
        }
        func numeric(_ name: String) -> Double? {
            let parameter = spec.parameter(name)!
            return node[name].flatMap { number($0, parameter) } ?? parameter.numericDefault
        }
        func direction() -> Direction {
            node["direction"]?.oneOf(Direction.self) ?? Direction(rawValue: spec.parameter("direction")!.defaultValue)!
        }
        let effect: Animation.Effect?
        switch kind {
        case .fadeIn: effect = .fadeIn
        case .fadeOut: effect = .fadeOut
        case .zoomIn: effect = .zoomIn
        case .zoomOut: effect = .zoomOut
        case .move:
            let from = node["from"].map { point($0, canvas: canvas) }, to = node["to"].map { point($0, canvas: canvas) }
            effect = .move(fromX: from?.x, fromY: from?.y, toX: to?.x, toY: to?.y)
        case .scale:
            let range = spec.parameter("from")!.range!
            let from = node["from"].flatMap { scalePair($0, range: range) } ?? SIMD2(repeating: 1)
            let to = node["to"].flatMap { scalePair($0, range: range) } ?? SIMD2(repeating: 1)
            effect = .scale(from: from, to: to)
        case .rotate:
            effect = .rotate(from: numeric("from") ?? 0, to: numeric("to") ?? 360)
        case .slideIn:
            effect = .slideIn(direction(), distance: numeric("distance")!)
        case .slideOut:
            effect = .slideOut(direction(), distance: numeric("distance")!)
        case .filter:
            if let filter = node.required("filter")?.oneOf(FilterKind.self) {
                let range = ParameterSpec("value", .number, "", default: "", range: filter.range)
                let from = node["from"].flatMap { number($0, range) } ?? filter.neutralValue
                let to = node["to"].flatMap { number($0, range) } ?? filter.defaultValue
                effect = .filter(filter, from: from, to: to)
            } else {
                effect = nil
            }
        }
        guard let effect, let duration else { return nil }
        return Animation(effect: effect, delay: delay, duration: duration, easing: easing, cycles: cycles)
    }

    func readTransition(_ node: Node) -> Transition? {
        guard node.expectObject(), let kind = node.required("type")?.oneOf(TransitionKind.self) else { return nil }
        let spec = kind.spec
        func numeric(_ name: String, fallback: Double) -> Double {
            guard let parameter = spec.parameter(name) else { return fallback }
            return node[name].flatMap { number($0, parameter) } ?? parameter.numericDefault ?? fallback
        }
        guard let duration = node.required("duration").flatMap({ number($0, spec.parameter("duration")!) }) else { return nil }
        let defaults = Transition(kind: kind, duration: duration)
        let direction = spec.parameter("direction").map { parameter in
            node["direction"]?.oneOf(Direction.self) ?? Direction(rawValue: parameter.defaultValue)!
        } ?? defaults.direction
        return Transition(kind: kind, duration: duration, easing: node["easing"]?.oneOf(Easing.self) ?? .linear,
                          direction: direction, scale: numeric("scale", fallback: defaults.scale),
                          blur: numeric("blur", fallback: defaults.blur), rotation: numeric("rotation", fallback: defaults.rotation),
                          intensity: numeric("intensity", fallback: defaults.intensity))
    }

    func readFilters(_ node: Node) -> [ClipFilter] {
        guard let elements = node.array else { return [] }
        return elements.compactMap { element in
            guard element.expectObject(), let kind = element.required("type")?.oneOf(FilterKind.self) else { return nil }
            let value = element["value"].flatMap { number($0, kind.spec.parameter("value")!) } ?? kind.defaultValue
            return ClipFilter(kind: kind, value: .constant(value))
        }
    }

    /// Keyframe tracks by property, values resolved to pixels, degrees and colours.
    func readKeyframes(_ node: Node, canvas: Canvas) -> [KeyframeProperty: KeyframeTrack] {
        guard let elements = node.array else { return [:] }
        var tracks: [KeyframeProperty: KeyframeTrack] = [:]
        for element in elements where element.expectObject() {
            guard let propertyNode = element.required("property"), let property = propertyNode.oneOf(KeyframeProperty.self) else { continue }
            if tracks[property] != nil {
                propertyNode.fail("keyframes for \"\(property.rawValue)\" are given twice")
                continue
            }
            guard let framesNode = element.required("frames"), let frames = framesNode.array else { continue }
            if frames.isEmpty {
                framesNode.fail("needs at least one keyframe")
                continue
            }
            var numbers: [Keyframe<Double>] = [], colors: [Keyframe<RGBAColor>] = []
            for frame in frames where frame.expectObject() {
                let time = frame.required("time")?.seconds
                let easing = frame["easing"]?.oneOf(Easing.self) ?? .linear
                guard let valueNode = frame.required("value") else { continue }
                if property == .fill {
                    if let color = readColor(valueNode), let time { colors.append(Keyframe(time: time, value: color, easing: easing)) }
                } else if let value = keyframeNumber(valueNode, property: property, canvas: canvas), let time {
                    numbers.append(Keyframe(time: time, value: value, easing: easing))
                }
            }
            guard numbers.count + colors.count == frames.count else { continue }
            tracks[property] = property == .fill
                ? .colors(colors.sorted { $0.time < $1.time })
                : .numbers(numbers.sorted { $0.time < $1.time })
        }
        return tracks
    }

    private func keyframeNumber(_ node: Node, property: KeyframeProperty, canvas: Canvas) -> Double? {
        switch property {
        case .x: return readLength(node, allowNegative: true)?.resolved(against: canvas.width)
        case .y: return readLength(node, allowNegative: true)?.resolved(against: canvas.height)
        case .width: return readLength(node, allowNegative: false)?.resolved(against: canvas.width)
        case .height: return readLength(node, allowNegative: false)?.resolved(against: canvas.height)
        case .opacity: return node.number(in: 0...1)
        case .volume: return node.number(in: 0...10)
        case .scale: return node.number(in: DocumentLimits.scale)
        case .rotation: return node.number(in: DocumentLimits.degrees)
        case .drawStart, .drawEnd: return node.number(in: 0...1)
        case .fill: return nil
        default: return property.filter.flatMap { node.number(in: $0.range) }
        }
    }

    /// A number within a parameter's range.
    private func number(_ node: Node, _ parameter: ParameterSpec) -> Double? {
        guard let range = parameter.range else { return node.number }
        return node.number(in: range)
    }

    /// `{x, y}` in pixels or percentages of the canvas; a missing axis stays nil.
    private func point(_ node: Node, canvas: Canvas) -> (x: Double?, y: Double?) {
        guard node.expectObject() else { return (nil, nil) }
        return (node["x"].flatMap { readLength($0, allowNegative: true)?.resolved(against: canvas.width) },
                node["y"].flatMap { readLength($0, allowNegative: true)?.resolved(against: canvas.height) })
    }

    private func scalePair(_ node: Node, range: ClosedRange<Double>) -> SIMD2<Double>? {
        if case .array = node.value { return readNumberPair(node, in: range).map { SIMD2($0.0, $0.1) } }
        return node.number(in: range).map { SIMD2(repeating: $0) }
    }
}

/// The keyframes of one property.
public enum KeyframeTrack: Sendable {
    case numbers([Keyframe<Double>])
    case colors([Keyframe<RGBAColor>])

    var numbers: Animatable<Double>? {
        if case .numbers(let frames) = self { return .keyframes(frames) }
        return nil
    }

    var colors: Animatable<RGBAColor>? {
        if case .colors(let frames) = self { return .keyframes(frames) }
        return nil
    }
}
