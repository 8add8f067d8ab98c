import ArgumentParser
import Foundation
import Media

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Show what Reel sees in a media file: container, duration, and each stream."
    )

    @Argument(help: "The media file.")
    var file: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        LibAVLogging.configure(verbose: false)
        let info: MediaInfo
        do {
            guard FileManager.default.fileExists(atPath: file) else { throw MediaError("file not found: \(file)") }
            info = try MediaProbe.probe(path: file)
        } catch {
            throw fail("\(error)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(info), as: UTF8.self))
            return
        }
        print("\(file): \(info.formatName), \(info.duration.map { String(format: "%.3f s", $0) } ?? "unknown duration")")
        for stream in info.streams {
            var parts = ["#\(stream.index) \(stream.kind.rawValue): \(stream.codecName)"]
            switch stream.kind {
            case .video:
                parts.append("\(stream.width)×\(stream.height)")
                if stream.frameRateDenominator > 0 {
                    parts.append(String(format: "%.3f fps (%d/%d)", stream.frameRate, stream.frameRateNumerator, stream.frameRateDenominator))
                }
                parts.append(stream.pixelFormat)
                if stream.hasAlpha { parts.append("with alpha") }
                if stream.colorSpace != "unknown" { parts.append("\(stream.colorPrimaries)/\(stream.colorTransfer)/\(stream.colorSpace) \(stream.colorRange)") }
                if stream.rotation != 0 { parts.append("rotated \(stream.rotation)° clockwise for display") }
                if stream.frameCount > 0 { parts.append("\(stream.frameCount) frames") }
            case .audio:
                parts.append("\(stream.sampleRate) Hz")
                parts.append("\(stream.channels) channel\(stream.channels == 1 ? "" : "s")")
                parts.append(stream.sampleFormat)
            default:
                break
            }
            if let duration = stream.duration { parts.append(String(format: "%.3f s", duration)) }
            if stream.bitRate > 0 { parts.append("\(stream.bitRate / 1000) kb/s") }
            print("  " + parts.joined(separator: ", "))
        }
    }
}
