public import Foundation

/// The store's rules (ledger, job states, quotas, outbox, quotes) are written once, in portable
/// SQL, against this protocol; `SQLiteStore` (GRDB, the default) and `PostgresStore`
/// (postgres-nio, for several servers on one database) carry them out. Placeholders are `?`;
/// what differs between the two databases is spelled by the backend's `SQLDialect`.
protocol SQLStore: Sendable {
    var dialect: SQLDialect { get }
    /// Runs `body` in a transaction that may write: committed when it returns, rolled back when
    /// it throws. A backend may run `body` again after a conflict it could not have prevented
    /// (PostgreSQL's deadlocks and serialization failures), so `body` only works on the database.
    @discardableResult
    func write<T>(_ body: (any SQLTransaction) throws -> T) throws -> T
    /// Runs `body` in a transaction that sees one consistent state of the database.
    func read<T>(_ body: (any SQLTransaction) throws -> T) throws -> T
    /// The names of the migrations applied, in order.
    func appliedMigrations() throws -> [String]
}

/// One transaction's statements.
protocol SQLTransaction {
    var dialect: SQLDialect { get }
    /// Runs one statement; returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [any SQLBindable]) throws -> Int
    /// Runs one query and returns its rows.
    func rows(_ sql: String, _ arguments: [any SQLBindable]) throws -> [SQLRow]
}

/// How a backend spells the few things portable SQL cannot: column types, an auto-numbered key,
/// row locks, and the triggers that keep a table append-only.
struct SQLDialect: Sendable {
    /// 64-bit integers, floating point numbers and bytes.
    var integer: String
    var real: String
    var blob: String
    /// A 64-bit integer key that numbers new rows.
    var autoincrementKey: String
    /// Appended to a SELECT inside a write transaction: locks the rows it reads until the
    /// transaction ends (empty where writes are serialised anyway, as in SQLite).
    var lockRows: String
    /// Like `lockRows`, but rows another transaction holds are passed over instead of waited for.
    var lockRowsSkippingLocked: String
    /// The statements that make `table` refuse updates and deletes with `message`.
    var appendOnly: @Sendable (_ table: String, _ message: String) -> String
}

/// A value bound to a statement or read from a row.
enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

/// A Swift value that binds to a statement's `?`.
protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable { var sqlValue: SQLValue { .text(self) } }
extension Int: SQLBindable { var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { var sqlValue: SQLValue { .real(self) } }
extension Data: SQLBindable { var sqlValue: SQLValue { .blob(self) } }
extension SQLValue: SQLBindable { var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// One row of a result: its columns in order, by name.
struct SQLRow: Sendable {
    var columns: [(name: String, value: SQLValue)]

    subscript(name: String) -> SQLValue {
        columns.first { $0.name == name }?.value ?? .null
    }

    /// The first column, for queries of one value.
    var first: SQLValue { columns.first?.value ?? .null }
}

extension SQLValue {
    var int: Int? {
        switch self {
        case .integer(let value): Int(exactly: value)
        case .real(let value): Int(exactly: value)
        default: nil
        }
    }

    var string: String? {
        if case .text(let value) = self { value } else { nil }
    }
}

/// A record kept in one table under its key columns (`id` unless it says otherwise), read and
/// written through its `Codable` conformance: coding keys are column names.
protocol StoredRecord: Codable {
    static var table: String { get }
    static var key: [String] { get }
}

extension StoredRecord {
    static var key: [String] { ["id"] }
}

extension SQLTransaction {
    /// The rows of a query, each decoded as `R`.
    func all<R: Decodable>(_ type: R.Type, _ sql: String, _ arguments: [any SQLBindable] = []) throws -> [R] {
        try rows(sql, arguments).map { try RowDecoder.decode(R.self, from: $0) }
    }

    func one<R: Decodable>(_ type: R.Type, _ sql: String, _ arguments: [any SQLBindable] = []) throws -> R? {
        try all(type, sql, arguments).first
    }

    /// The first column of the first row (`nil` for no row).
    func value(_ sql: String, _ arguments: [any SQLBindable] = []) throws -> SQLValue? {
        try rows(sql, arguments).first?.first
    }

    /// A count or sum: the query's single integer.
    func integer(_ sql: String, _ arguments: [any SQLBindable] = []) throws -> Int {
        try value(sql, arguments)?.int ?? 0
    }

    /// The record of `R` with key `id`; `locked` keeps it locked against other writers until the
    /// transaction ends (read it so before changing it).
    func find<R: StoredRecord>(_ type: R.Type, id: some SQLBindable, locked: Bool = false) throws -> R? {
        try one(R.self, "SELECT * FROM \(R.table) WHERE id = ?" + (locked ? dialect.lockRows : ""), [id])
    }

    /// Inserts `record`; a nil `id` is left for the database to number.
    func insert<R: StoredRecord>(_ record: R) throws {
        let columns = try RowEncoder.encode(record).filter { $0.name != "id" || $0.value != .null }
        let names = columns.map(\.name).joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try execute("INSERT INTO \(R.table) (\(names)) VALUES (\(marks))", columns.map(\.value))
    }

    /// Writes every column of `record` to its row.
    func update<R: StoredRecord>(_ record: R) throws {
        let columns = try RowEncoder.encode(record)
        let key = columns.filter { R.key.contains($0.name) }, others = columns.filter { !R.key.contains($0.name) }
        try execute("UPDATE \(R.table) SET " + others.map { "\($0.name) = ?" }.joined(separator: ", ")
                        + " WHERE " + key.map { "\($0.name) = ?" }.joined(separator: " AND "),
                    others.map(\.value) + key.map(\.value))
    }

    @discardableResult
    func delete<R: StoredRecord>(_ type: R.Type, id: some SQLBindable) throws -> Int {
        try execute("DELETE FROM \(R.table) WHERE id = ?", [id])
    }
}

/// Conditions of equality joined by AND, with their arguments, for a WHERE clause.
struct SQLFilter {
    private(set) var conditions: [String] = []
    private(set) var arguments: [any SQLBindable] = []

    init(_ column: String, _ value: some SQLBindable) {
        self = SQLFilter().and(column, value)
    }

    private init() {}

    func and(_ column: String, _ value: some SQLBindable) -> SQLFilter {
        var filter = self
        filter.conditions.append("\(column) = ?")
        filter.arguments.append(value)
        return filter
    }

    var clause: String { conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ") }
}

/// A script of statements separated by semicolons, split for backends that run one at a time.
/// Semicolons inside quotes, `$$` bodies and `--` comments do not split.
enum SQLScript {
    static func statements(_ script: String) -> [String] {
        var statements: [String] = [], current = ""
        var characters = script.makeIterator()
        var previous: Character?
        var inQuote = false, inDollar = false, inComment = false
        while let character = characters.next() {
            defer { previous = character }
            if inComment {
                if character == "\n" { inComment = false }
                current.append(character)
                continue
            }
            current.append(character)
            if inDollar {
                if character == "$" && previous == "$" { inDollar = false }
                continue
            }
            if inQuote {
                if character == "'" { inQuote = false }
                continue
            }
            switch character {
            case "'": inQuote = true
            case "-" where previous == "-": inComment = true
            case "$" where previous == "$": inDollar = true
            case ";":
                current.removeLast()
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            default: break
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty, !rest.split(separator: "\n").allSatisfy({ $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }) {
            statements.append(rest)
        }
        return statements
    }

    /// `sql` with each `?` outside quotes numbered as PostgreSQL's `$1`, `$2`, ….
    static func numberedPlaceholders(_ sql: String) -> String {
        var result = "", number = 0, inQuote = false
        for character in sql {
            if character == "'" { inQuote.toggle() }
            if character == "?" && !inQuote {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}
