import FuzzKit
import Foundation
import Media
import TemplateSchema

/// reel-fuzz: runs mutated documents through decode → validate → lower → price → draw → mix.
///
///     reel-fuzz run [--seconds S] [--iterations N] [--seed N] [--corpus DIR] [--grow] [--work DIR]
///                   (--grow: inputs with a new outcome join the corpus folder, at most 100 a run, none over 64 KiB)
///     reel-fuzz replay FILE_OR_FOLDER...
///
/// Before each input runs, it is written to WORK/current.json: when the process dies (a trap)
/// or the watchdog stops a hang, that file is the reproducer. `scripts/fuzz` keeps going after
/// a crash and saves each reproducer under fuzz/crashes/.
struct Options {
    var mode = "run"
    var seconds = 60.0
    var iterations = Int.max
    var seed: UInt64 = 1
    var corpus = "fuzz/corpus"
    var grow = false
    var work = ".build/fuzz"
    var hangSeconds = 30.0
    var paths: [String] = []
}

func parse(_ arguments: [String]) -> Options? {
    var options = Options()
    var rest = arguments[...]
    guard let mode = rest.popFirst(), ["run", "replay"].contains(mode) else { return nil }
    options.mode = mode
    while let argument = rest.popFirst() {
        func value() -> String? { rest.popFirst() }
        switch argument {
        case "--seconds": guard let v = value().flatMap(Double.init), v > 0 else { return nil }; options.seconds = v
        case "--iterations": guard let v = value().flatMap(Int.init), v > 0 else { return nil }; options.iterations = v
        case "--seed": guard let v = value().flatMap(UInt64.init) else { return nil }; options.seed = v
        case "--corpus": guard let v = value() else { return nil }; options.corpus = v
        case "--work": guard let v = value() else { return nil }; options.work = v
        case "--hang-seconds": guard let v = value().flatMap(Double.init), v > 0 else { return nil }; options.hangSeconds = v
        case "--grow": options.grow = true
        default:
            if argument.hasPrefix("--") { return nil }
            options.paths.append(argument)
        }
    }
    return options
}

/// JSON files directly in `path` (or `path` itself), sorted.
func inputFiles(_ path: String) -> [String] {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return [] }
    guard isFolder.boolValue else { return [path] }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.filter { $0.hasSuffix(".json") }.sorted().map { path + "/" + $0 }
}

/// Stops the process when one input runs longer than the limit: a hang is a bug like a trap.
final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var started: Date?

    init(limit: TimeInterval) {
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.5)
                lock.lock()
                let began = started
                lock.unlock()
                if let began, Date().timeIntervalSince(began) > limit {
                    FileHandle.standardError.write(Data("reel-fuzz: an input ran longer than \(Int(limit)) s; stopping (a hang)\n".utf8))
                    abort()
                }
            }
        }
        thread.start()
    }

    func begin() { lock.lock(); started = Date(); lock.unlock() }
    func end() { lock.lock(); started = nil; lock.unlock() }
}

guard let options = parse(Array(CommandLine.arguments.dropFirst())) else {
    FileHandle.standardError.write(Data("""
        usage: reel-fuzz run [--seconds S] [--iterations N] [--seed N] [--corpus DIR] [--grow] [--work DIR] [--hang-seconds S]
               reel-fuzz replay FILE_OR_FOLDER...

        """.utf8))
    exit(2)
}

LibAVLogging.configure(verbose: false)
let fixtures = FileManager.default.currentDirectoryPath + "/fixtures/images"
do {
    try FileManager.default.createDirectory(atPath: options.work, withIntermediateDirectories: true)
    try FuzzMedia.prepare(in: options.work, imageFixtures: fixtures)
} catch {
    FileHandle.standardError.write(Data("reel-fuzz: cannot prepare \(options.work): \(error)\n".utf8))
    exit(2)
}
let pipeline = Pipeline(mediaDirectory: options.work)
let watchdog = Watchdog(limit: options.hangSeconds)
let current = options.work + "/current.json"

@MainActor func runOne(_ data: Data) -> Set<String> {
    _ = FileManager.default.createFile(atPath: current, contents: data)
    watchdog.begin()
    defer { watchdog.end() }
    return pipeline.run(data)
}

if options.mode == "replay" {
    let files = options.paths.flatMap(inputFiles)
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        print("\(file): \(runOne(data).sorted().prefix(3).joined(separator: "; "))")
    }
    try? FileManager.default.removeItem(atPath: current)
    print("replayed \(files.count) inputs without a crash or hang")
    exit(0)
}

let seeds = inputFiles(options.corpus).compactMap { file -> (String, JSONValue)? in
    guard let data = FileManager.default.contents(atPath: file), let value = try? JSONValue.parse(data) else { return nil }
    return (file, value)
}
guard !seeds.isEmpty else {
    FileHandle.standardError.write(Data("reel-fuzz: no JSON documents in \(options.corpus)\n".utf8))
    exit(2)
}
var mutator = Mutator(seed: options.seed, donors: seeds.map(\.1))
var choices = SeededGenerator(seed: options.seed ^ 0x5EED)
var seen = Set<String>()
for (_, value) in seeds { seen.formUnion(runOne((try? JSONEncoder().encode(value)) ?? Data())) }
let deadline = Date() + options.seconds
var iterations = 0, added = 0
var pool = seeds.map(\.1)
while iterations < options.iterations, Date() < deadline {
    let data = mutator.mutate(choices.pick(pool))
    let features = runOne(data)
    iterations += 1
    let fresh = features.subtracting(seen)
    guard !fresh.isEmpty else { continue }
    seen.formUnion(fresh)
    // Only documents that parse can seed mutations (the text damage is redone from them).
    guard let value = try? JSONValue.parse(data) else { continue }
    if pool.count < 5_000 { pool.append(value) }
    if options.grow, added < 100, data.count <= 64 << 10 {
        let name = String(fnv1a(data), radix: 16)
        _ = FileManager.default.createFile(atPath: options.corpus + "/grown-\(name).json", contents: data)
        added += 1
    }
}
try? FileManager.default.removeItem(atPath: current)
print("reel-fuzz: \(iterations) inputs in \(String(format: "%.0f", options.seconds)) s from \(seeds.count) seeds, "
      + "\(seen.count) distinct outcomes, \(added) added to the corpus; no crash or hang")
