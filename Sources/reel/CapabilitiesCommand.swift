import ArgumentParser
import Foundation
import TemplateSchema

struct CapabilitiesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capabilities",
        abstract: "List what this build renders (JSON): clip types, animations, transitions, easings, filters, keyframe properties, output formats."
    )

    @Flag(help: "Print the Markdown page docs/effects.md is generated from.")
    var markdown = false

    func run() throws {
        if markdown {
            print(Capabilities.current.markdown, terminator: "")
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(Capabilities.current), as: UTF8.self))
    }
}
