import Foundation
import Timeline

/// What the viewer page knows of a timeline: its frame grid, and each track's clips as bars with a
/// kind and a short label. The page reads it as JSON from a script element.
struct ViewerTimeline: Encodable {
    /// One clip as a bar: where it sits on the timeline and what to write on it.
    struct Bar: Encodable {
        /// image, video, audio, text, timed text or shape.
        var kind: String
        /// The start of a text, a media file's name, a shape's outline.
        var label: String
        var start: Double
        var end: Double
        /// Where the clip came from in its document (a JSON path), for the bar's tooltip.
        var origin: String
    }

    /// One track: its id from the document, if it had one, and its clips in document order.
    struct Row: Encodable {
        var id: String?
        var clips: [Bar]
    }

    var width: Int
    var height: Int
    /// The exact rate as [numerator, denominator], so the page puts frames on the renderer's grid.
    var frameRate: [Int]
    var frameCount: Int
    var duration: Double
    var tracks: [Row]

    /// The longest label, in characters; longer ones are cut with an ellipsis.
    static let labelLength = 40

    init(_ timeline: Timeline) {
        width = timeline.canvas.width
        height = timeline.canvas.height
        frameRate = [timeline.canvas.frameRate.numerator, timeline.canvas.frameRate.denominator]
        frameCount = timeline.frameCount
        duration = timeline.duration
        tracks = timeline.tracks.map { track in
            Row(id: track.id, clips: track.clips.map { clip in
                let (kind, label) = Self.describe(clip.content)
                return Bar(kind: kind, label: label, start: clip.start, end: clip.end, origin: clip.origin)
            })
        }
    }

    /// The JSON for a `<script type="application/json">` element: every `<` written as `\u003c`,
    /// so no text from the document can close the element or open a comment.
    var scriptJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Clip times are finite once validated, so encoding cannot fail; an empty timeline if it does.
        let json = (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"tracks":[]}"#
        return json.replacingOccurrences(of: "<", with: "\\u003c")
    }

    /// A clip's kind and the short label its bar shows.
    static func describe(_ content: ClipContent) -> (kind: String, label: String) {
        switch content {
        case .text(let text): ("text", short(text.text))
        case .timedText(let timed):
            ("timed text", short(timed.reveal?.text.text ?? timed.states.lazy.compactMap(\.text?.text).first ?? ""))
        case .image(let image): ("image", fileName(image.source))
        case .video(let video): ("video", fileName(video.source))
        case .audio(let audio): ("audio", fileName(audio.source))
        case .drawn(let drawn): (drawn.content.kindName, drawn.content.kindName)
        case .shape(let shape):
            switch shape.geometry {
            case .rectangle(let radii): ("shape", radii.isZero ? "rectangle" : "rounded rectangle")
            case .ellipse: ("shape", "ellipse")
            case .arc(let start, let end, _): ("shape", "arc \(Int(start.rounded()))°–\(Int(end.rounded()))°")
            case .regularPolygon(let sides): ("shape", "\(sides)-sided polygon")
            }
        }
    }

    /// `text` on one line, cut to `labelLength` characters.
    static func short(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return line.count <= labelLength ? line : String(line.prefix(labelLength - 1)) + "…"
    }

    /// The last component of a media file's path or URL (its host when the path has none).
    static func fileName(_ source: MediaSource) -> String {
        switch source {
        case .file(let path):
            return short((path as NSString).lastPathComponent)
        case .url(let text):
            guard let url = URL(string: text) else { return short(text) }
            let name = url.lastPathComponent
            return short(name.isEmpty || name == "/" ? url.host ?? text : name)
        }
    }
}
