import ArgumentParser
import Foundation

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a config. Exit 0 when valid; otherwise exit 1 and print each problem as `json.path: message`."
    )

    @Argument(help: "The config JSON file.")
    var config: String

    func run() throws {
        let document = try ConfigLoading.document(from: config, printTo: .standardOutput)
        _ = try ConfigLoading.lowered(document, configPath: config, printTo: .standardOutput)
        print("\(config): valid")
    }
}
