import Foundation
import ScratchDatabases
import Testing

/// The administration commands on either store: `--data DIR` (SQLite) or `--database URL`.
@Suite struct DatabaseCLITests {
    let cli = CLITests()

    @Test(arguments: StoreBackend.allCases)
    func accountsKeysAndCreditsOnEitherStore(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let store = scratch.url.map { ["--database", $0, "--data", scratch.folder] } ?? ["--data", scratch.folder]
            #expect(try cli.reel(["accounts", "create", "acme", "--credits", "5"] + store).status == 0)
            let twice = try cli.reel(["accounts", "create", "acme"] + store)
            #expect(twice.status != 0 && twice.stderr.contains("exists already"))
            let created = try cli.reel(["keys", "create", "--account", "acme", "--api", "avs"] + store)
            #expect(created.status == 0)
            let key = try #require(created.stdout.split(separator: "\n").last.map(String.init))
            let id = try #require(key.split(separator: ".").dropFirst().first.map(String.init))
            #expect(try cli.reel(["keys", "list", "--account", "acme"] + store).stdout.contains("\(id)  avs  active"))
            let rotated = try cli.reel(["keys", "rotate", id] + store)
            #expect(rotated.status == 0 && rotated.stdout.split(separator: "\n").last.map(String.init) != key)
            #expect(try cli.reel(["keys", "revoke", id] + store).status == 0)
            #expect(try cli.reel(["keys", "list", "--account", "acme"] + store).stdout.contains("\(id)  avs  revoked"))
            #expect(try cli.reel(["credits", "grant", "--account", "acme", "7"] + store).stdout.contains("balance 12"))
            if backend == .postgres {
                #expect(!FileManager.default.fileExists(atPath: scratch.folder + "/reel.sqlite"), "the store is not in the data folder")
            }
        }
    }

    @Test func aBadDatabaseURLIsRefusedNamingTheOption() throws {
        for (url, reason) in [("mysql://reel@db/reel", "not a postgres:// URL"), ("postgres://db/reel", "names no user"),
                              ("postgres://reel@db/reel?pool=none", "pool must be")] {
            let outcome = try cli.reel("credits", "grant", "--account", "acme", "1", "--database", url)
            #expect(outcome.status != 0)
            #expect(outcome.stderr.contains("--database: ") && outcome.stderr.contains(reason), "\(outcome.stderr)")
        }
        let unreachable = try cli.reel("accounts", "create", "acme", "--database", "postgres://reel@127.0.0.1:1/reel?connect_timeout=2")
        #expect(unreachable.status != 0 && unreachable.stderr.contains("cannot open the database postgres://reel@127.0.0.1:1/reel"),
                "\(unreachable.stderr)")
    }
}
