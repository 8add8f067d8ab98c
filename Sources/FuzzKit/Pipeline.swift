import APIAdapter
public import Foundation
import Render
import TemplateSchema
import Timeline

/// What the fuzzer runs on each input: decode and validate, lower to the timeline, price, draw
/// one frame and mix a tenth of a second of sound at a time chosen by the input itself (so a
/// saved input replays exactly). Anything but a trap or a hang is a pass; what happened is
/// returned as feature strings, and an input with a new feature joins the corpus.
public struct Pipeline {
    /// The folder relative `src` paths resolve against (the fuzzer's media, `FuzzMedia`).
    public let mediaDirectory: String

    public init(mediaDirectory: String) {
        self.mediaDirectory = mediaDirectory
    }

    /// Runs one input through every stage.
    public func run(_ data: Data) -> Set<String> {
        var features = Set<String>()
        let document: RenderingVideoV2.Document
        do {
            document = try RenderingVideoV2.decode(data)
        } catch {
            for diagnostic in error.diagnostics { features.insert("invalid " + Self.shape(of: diagnostic.description)) }
            return features
        }
        let timeline: Timeline
        do {
            timeline = try document.lower(sources: sources)
        } catch {
            for diagnostic in error.diagnostics { features.insert("refused " + Self.shape(of: diagnostic.description)) }
            return features
        }
        let canvas = timeline.canvas
        let cost = Pricing.cost(width: canvas.width, height: canvas.height, duration: timeline.duration)
        features.insert("cost \(String(cost).count) digits")
        for clip in timeline.tracks.flatMap(\.clips) {
            features.insert("clip \(Self.kind(of: clip.content))")
            for animation in clip.animations { features.insert("animation \(Self.shape(of: "\(animation.effect)"))") }
            if let transition = clip.transition { features.insert("transition \(transition.kind.rawValue)") }
            for filter in clip.filters { features.insert("filter \(filter.kind.rawValue)") }
        }
        let renderer = Renderer(timeline: timeline)
        let hash = fnv1a(data)
        let duration = max(timeline.duration, 0)
        let time = switch hash % 4 {
        case 0: 0.0
        case 1: duration / 2
        case 2: max(0, duration - 1 / canvas.frameRate.framesPerSecond)
        default: duration * Double(hash >> 11 & 0xFFFF) / 65535
        }
        do {
            _ = try renderer.frame(at: time)
            features.insert("drawn")
        } catch {
            features.insert("draw failed " + Self.shape(of: "\(error)"))
        }
        do {
            _ = try renderer.sound(from: time, duration: 0.1)
            features.insert("mixed")
        } catch {
            features.insert("mix failed " + Self.shape(of: "\(error)"))
        }
        return features
    }

    /// Local files under the media folder; no network (a remote URL is refused, as the server
    /// refuses local paths).
    private var sources: SourceResolver {
        let local = SourceResolver.localFiles(relativeTo: mediaDirectory)
        return SourceResolver { src in
            SourceResolver.isRemote(src) ? .failure(SourceRefusal("the fuzzer reads no network")) : local(src)
        }
    }

    private static func kind(of content: ClipContent) -> String {
        switch content {
        case .text: "text"
        case .timedText: "timed text"
        case .image: "image"
        case .video: "video"
        case .audio: "audio"
        case .shape(let shape): "shape \(shape.geometry)".prefix(24).description
        case .drawn(let drawn): drawn.content.kindName
        }
    }

    /// A message with its numbers and quoted parts blanked, so that messages of one kind count once.
    static func shape(of message: String) -> String {
        var result = "", quoted = false
        for character in message.prefix(200) {
            if character == "\"" { quoted.toggle(); result.append("\""); continue }
            if quoted { continue }
            if character.isNumber { if result.last != "#" { result.append("#") } } else { result.append(character) }
        }
        return result
    }
}
