import ArgumentParser
import Foundation
import Media

@main
struct Reel: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "reel",
        abstract: "Render videos from declarative JSON.",
        discussion: """
            Reel reads a RenderingVideo v2 document (meta, assets, tracks of clips; or, with \
            --dialect avs-template-v1, an AVS Template JSON v1 request; or a screenplay brief, an FVS \
            render request, which it compiles first) and renders it to an H.264/AAC MP4 or to single \
            PNG frames. Relative src paths resolve against the config file's folder. docs/schema.md \
            lists the fields Reel reads, docs/screenplay.md the brief. `reel serve` runs the \
            RenderingVideo, AVS and FVS HTTP APIs (and MCP) on the same engine (docs/server.md, \
            docs/avs-api.md, docs/fvs-api.md).
            """,
        version: version,
        subcommands: [RenderCommand.self, FrameCommand.self, ScreenplayCommand.self, ValidateCommand.self, ProbeCommand.self, CapabilitiesCommand.self,
                      ServeCommand.self, WorkerCommand.self, AccountsCommand.self, KeysCommand.self, CreditsCommand.self, QuotesCommand.self,
                      BenchCommand.self, SegmentCommand.self]
    )
}

/// Options every command that renders accepts.
struct RenderingOptions: ParsableArguments {
    @Flag(help: "Show FFmpeg's own log messages.")
    var verbose = false

    func apply() {
        LibAVLogging.configure(verbose: verbose)
    }
}
