import ArgumentParser
import Foundation

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a config. Exit 0 when valid; otherwise exit 1 and print each problem as `json.path: message`."
    )

    @Argument(help: "The config JSON file.")
    var config: String

    @OptionGroup var dialect: DialectOption

    func run() throws {
        _ = try ConfigLoading.timeline(from: config, dialect: dialect.dialect, printTo: .standardOutput)
        print("\(config): valid")
    }
}
