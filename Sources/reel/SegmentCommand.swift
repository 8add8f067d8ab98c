import ArgumentParser
import Encoder
import Foundation
import Render
import Timeline

/// A segmented render's steps, each its own process (hidden: for bench/segments.py, which times
/// them as separate workers would run them; `reel render --segments` does all of them at once).
struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "A segmented render's steps one by one: plan, render one segment, the sound, join.",
        discussion: """
            The same --format, --crf, --preset and --gop must be given to every step: the plan records the \
            encoder's settings and each step refuses others. For benchmarks; `reel render --segments k` does it all.
            """,
        shouldDisplay: false,
        subcommands: [Plan.self, Render.self, Sound.self, Join.self]
    )

    /// The encoder's settings, as `reel render` takes them.
    struct EncodingOptions: ParsableArguments {
        @Option(help: "mp4 or hevc.")
        var format: String = "mp4"
        @Option(help: "Constant rate factor.")
        var crf: Double?
        @Option(help: "x264/x265 preset.")
        var preset: String?
        @Option(help: ArgumentHelp("Frames between keyframes.", valueName: "frames"))
        var gop: Int?

        func settings(transparent: Bool) throws -> EncoderSettings {
            guard let format = OutputFormat(name: format), Renderer.isSegmentable(format: format) else {
                throw ValidationError("--format must be mp4 or hevc")
            }
            var settings = try EncoderSettings(format: format, transparent: transparent, crf: crf, preset: preset)
            settings.keyframeInterval = gop
            return settings
        }
    }

    /// Reads a plan written by `reel segment plan`.
    static func readPlan(_ path: String) throws -> SegmentPlan {
        do {
            return try JSONDecoder().decode(SegmentPlan.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw fail("cannot read the plan \(path): \(error)")
        }
    }

    /// Runs one step and prints how long it took, in seconds, as `{"seconds": …}` on standard
    /// output; an error of the step is the command's message.
    static func timed(_ body: () throws -> Void) throws {
        let start = Date()
        do {
            try body()
        } catch let error as ValidationError {
            throw error
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail("\(error)")
        }
        ProgressReporter.printJSON(["seconds": ProgressReporter.rounded(Date().timeIntervalSince(start))])
    }

    /// Runs one step on the renderer of `config` with the encoder's settings for it.
    static func timed(config: String, dialect: DialectOption, encoding: EncodingOptions,
                      _ body: (Renderer, EncoderSettings) throws -> Void) throws {
        try timed {
            let renderer = Renderer(timeline: try ConfigLoading.timeline(from: config, dialect: dialect.dialect, printTo: .standardError))
            try body(renderer, try encoding.settings(transparent: renderer.isTransparent))
        }
    }

    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the plan of k segments as JSON.")
        @Argument var config: String
        @Option(name: .shortAndLong) var output: String
        @Option var segments: Int
        @OptionGroup var encoding: EncodingOptions
        @OptionGroup var dialect: DialectOption
        @OptionGroup var options: RenderingOptions

        func run() throws {
            options.apply()
            try SegmentCommand.timed(config: config, dialect: dialect, encoding: encoding) { renderer, settings in
                try renderer.checkMedia()
                let plan = try renderer.segmentPlan(count: segments, settings: settings)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(plan).write(to: URL(fileURLWithPath: output))
            }
        }
    }

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Render one segment of a plan.")
        @Argument var config: String
        @Option var plan: String
        @Option(help: "The segment, from 0.") var index: Int
        @Option(name: .shortAndLong) var output: String
        @OptionGroup var encoding: EncodingOptions
        @OptionGroup var dialect: DialectOption
        @OptionGroup var options: RenderingOptions

        func run() throws {
            options.apply()
            let plan = try SegmentCommand.readPlan(self.plan)
            try SegmentCommand.timed(config: config, dialect: dialect, encoding: encoding) { renderer, settings in
                try renderer.renderSegment(index, of: plan, to: output, settings: settings)
            }
        }
    }

    struct Sound: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mix and encode the whole timeline's sound.")
        @Argument var config: String
        @Option var plan: String
        @Option(name: .shortAndLong) var output: String
        @OptionGroup var encoding: EncodingOptions
        @OptionGroup var dialect: DialectOption
        @OptionGroup var options: RenderingOptions

        func run() throws {
            options.apply()
            let plan = try SegmentCommand.readPlan(self.plan)
            try SegmentCommand.timed(config: config, dialect: dialect, encoding: encoding) { renderer, settings in
                try renderer.renderSoundTrack(of: plan, to: output, settings: settings)
            }
        }
    }

    struct Join: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Join the segments and the sound into one MP4.")
        @Argument(help: "The segment files, in order.") var segments: [String]
        @Option var plan: String
        @Option var sound: String?
        @Option(name: .shortAndLong) var output: String
        @OptionGroup var encoding: EncodingOptions
        @OptionGroup var options: RenderingOptions

        func run() throws {
            options.apply()
            let plan = try SegmentCommand.readPlan(self.plan)
            try SegmentCommand.timed {
                try Renderer.join(segments: segments, sound: sound, plan: plan, settings: try encoding.settings(transparent: false), to: output)
            }
        }
    }
}
