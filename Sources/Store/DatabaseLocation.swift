import Foundation

/// Where the store lives: the embedded SQLite file (the default, in the data folder), or a
/// PostgreSQL database that several servers and workers share.
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(PostgresSettings)

    /// Reads a `postgres://` (or `postgresql://`) URL; throws `invalid` with what is wrong.
    public init(url: String) throws {
        self = .postgres(try PostgresSettings(url: url))
    }
}

/// How Reel reaches a PostgreSQL database, from a URL in libpq's form:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?pool=8&connect_timeout=10&statement_timeout=60&sslmode=disable]`.
/// A unix socket folder goes in `host=` (`postgres://reel@/reel?host=/var/run/postgresql`); a URL
/// without a password takes `PGPASSWORD`'s.
public struct PostgresSettings: Sendable, Equatable {
    /// How the connection is encrypted: `disable` (the default), `require` (encrypted, the
    /// server's certificate not checked) or `verify-full` (encrypted and checked against the
    /// system's certificate authorities and the host name).
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    /// A folder holding the server's socket (`.s.PGSQL.PORT`); when set, `host` is not used.
    public var socketFolder: String?
    public var user: String
    public var password: String?
    public var database: String
    /// Connections each process keeps open at most.
    public var poolSize: Int
    /// Seconds to open a connection; seconds a statement may run before the server stops it.
    public var connectTimeout: Int
    public var statementTimeout: Int
    public var tls: TLSMode

    public static let defaultPoolSize = 8

    /// Reads `text`; throws `StoreError` of kind `invalid` saying what is wrong with it.
    public init(url text: String) throws {
        func invalid(_ why: String) -> StoreError {
            StoreError.invalid("\(why); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?pool=N]")
        }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql" else {
            throw invalid("not a postgres:// URL")
        }
        guard let user = url.user, !user.isEmpty else { throw invalid("the URL names no user") }
        self.user = user
        // Like libpq: a URL without a password takes PGPASSWORD's, which `ps` does not show.
        password = url.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        guard !database.isEmpty, !database.contains("/") else { throw invalid("the URL names no database") }
        self.database = database
        host = url.host ?? ""
        port = url.port ?? 5432
        guard (1...65535).contains(port) else { throw invalid("the port must be 1 to 65535") }
        poolSize = Self.defaultPoolSize
        connectTimeout = 10
        statementTimeout = 60
        tls = .disable
        for item in url.queryItems ?? [] {
            let value = item.value ?? ""
            func number(_ range: ClosedRange<Int>) throws -> Int {
                guard let number = Int(value), range.contains(number) else {
                    throw invalid("\(item.name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                }
                return number
            }
            switch item.name {
            case "pool", "pool_size": poolSize = try number(1...1000)
            case "connect_timeout": connectTimeout = try number(1...3600)
            case "statement_timeout": statementTimeout = try number(1...86_400)
            case "host": socketFolder = value
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw invalid("sslmode must be one of " + TLSMode.allCases.map(\.rawValue).joined(separator: ", "))
                }
                tls = mode
            default: throw invalid("unknown parameter \(item.name) (known: pool, connect_timeout, statement_timeout, host, sslmode)")
            }
        }
        guard !host.isEmpty || socketFolder != nil else { throw invalid("the URL names no host") }
    }

    /// The URL without its password, for logs and messages.
    public var redacted: String {
        "postgres://\(user)@\(socketFolder ?? "\(host):\(port)")/\(database)"
    }
}
