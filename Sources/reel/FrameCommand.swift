import ArgumentParser
import Encoder
import Foundation
import Render

struct FrameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frame",
        abstract: "Render the frame at one instant to a PNG (keeps transparency)."
    )

    @Argument(help: "The config JSON file.")
    var config: String

    @Option(help: "The time on the timeline, in seconds.")
    var at: Double

    @Option(name: .shortAndLong, help: "Where to write the PNG.")
    var output: String

    func validate() throws {
        guard at >= 0, at.isFinite else { throw ValidationError("--at must be a time of 0 seconds or more") }
    }

    @OptionGroup var options: RenderingOptions
    @OptionGroup var dialect: DialectOption

    func run() throws {
        options.apply()
        let timeline = try ConfigLoading.timeline(from: config, dialect: dialect.dialect, printTo: .standardError)
        let renderer = Renderer(timeline: timeline)
        do {
            try PNGWriter.write(try renderer.frame(at: at), to: output)
        } catch {
            throw fail("\(error)")
        }
        for warning in renderer.warnings { ConfigLoading.OutputStream.standardError.write("warning: \(warning)") }
        print(URL(fileURLWithPath: output).standardized.path)
    }
}
