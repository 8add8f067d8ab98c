public import Foundation
public import Store
import Testing

/// The store backends the store's tests run against.
public enum StoreBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres

    public var description: String { rawValue }

    /// The PostgreSQL server the tests make their databases on: `REEL_TEST_POSTGRES_URL`
    /// (scripts/test starts a throw-away one and sets it), e.g. postgres://postgres@127.0.0.1:5433/postgres.
    public static var postgresServer: String? {
        ProcessInfo.processInfo.environment["REEL_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Why the PostgreSQL cases do not run here, or nil when they do.
    public static var postgresSkipReason: String? {
        postgresServer == nil
            ? "REEL_TEST_POSTGRES_URL is not set: the PostgreSQL cases need a server (scripts/test starts a throw-away one)"
            : nil
    }
}

/// A fresh, empty database of one backend for one test: an SQLite file in a temporary folder, or
/// a PostgreSQL database with a random name on the test server. Tests running in parallel each
/// have their own.
public struct ScratchDatabase: Sendable {
    public let backend: StoreBackend
    public let location: DatabaseLocation
    /// For SQLite, the folder the file is in (a data folder for a server).
    public let folder: String
    /// For PostgreSQL, the database's URL, as `--database` takes it.
    public var url: String?

    /// Opens the database, as a process of its own would (its own connections, its own
    /// migration check).
    public func open() throws -> ReelDatabase { try ReelDatabase(location: location) }

    /// Runs `body` with a fresh database of `backend`, removed afterwards. Throws
    /// `ScratchDatabaseUnavailable` for PostgreSQL when no test server is configured.
    public static func with<T>(_ backend: StoreBackend, _ body: (ScratchDatabase) async throws -> T) async throws -> T {
        let folder = NSTemporaryDirectory() + "reel-store-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        switch backend {
        case .sqlite:
            return try await body(ScratchDatabase(backend: backend, location: .sqlite(path: folder + "/reel.sqlite"), folder: folder))
        case .postgres:
            guard let server = StoreBackend.postgresServer else { throw ScratchDatabaseUnavailable() }
            let name = "reel_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            let settings = try PostgresSettings(url: server)
            try PostgresStore.administer(settings, "CREATE DATABASE \(name)")
            do {
                var scratch = settings
                scratch.database = String(name)
                // Tests run side by side, several "processes" each: a few connections apiece.
                scratch.poolSize = 4
                var components = URLComponents(string: server)
                components?.path = "/\(name)"
                components?.query = "pool=\(scratch.poolSize)"
                let value = try await body(ScratchDatabase(backend: backend, location: .postgres(scratch), folder: folder,
                                                           url: components?.string))
                try PostgresStore.administer(settings, "DROP DATABASE \(name) WITH (FORCE)")
                return value
            } catch {
                try? PostgresStore.administer(settings, "DROP DATABASE \(name) WITH (FORCE)")
                throw error
            }
        }
    }

}

/// Runs `body` with a fresh database of `backend`. Where no PostgreSQL test server is configured
/// (`swift test` run directly), the PostgreSQL case records a warning with the reason and checks
/// nothing; scripts/test always configures one.
public func withScratch(_ backend: StoreBackend, _ body: (ScratchDatabase) async throws -> Void) async throws {
    do {
        try await ScratchDatabase.with(backend, body)
    } catch let unavailable as ScratchDatabaseUnavailable {
        Issue.record(Comment(rawValue: "skipped: \(unavailable.description)"), severity: .warning)
    }
}

/// The PostgreSQL test server is not configured (`StoreBackend.postgresSkipReason`).
public struct ScratchDatabaseUnavailable: Error, CustomStringConvertible {
    public var description: String { StoreBackend.postgresSkipReason ?? "no PostgreSQL test server" }
}
