import Crypto
public import Foundation

/// An account: the owner of keys, credits, tasks and files.
public struct Account: Codable, Sendable, Equatable, StoredRecord {
    static let table = "accounts"
    public var id: String
    public var name: String
    /// Bytes of uploads the account may keep.
    public var storageQuota: Int64
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, name
        case storageQuota = "storage_quota"
        case createdAt = "created_at"
    }
}

/// How a surface spells its keys: `prefix`, a 16-character id, `separator`, a 32-character secret
/// (`sk-<id><secret>`, `avs.<id>.<secret>`). The store keeps each key's format with it, so it can
/// check and rotate keys without knowing which surface wrote them.
public struct KeyFormat: Hashable, Sendable {
    public var prefix: String
    public var separator: String

    public init(prefix: String, separator: String) {
        self.prefix = prefix
        self.separator = separator
    }

    static let idLength = 16, secretLength = 32

    public func key(id: String, secret: String) -> String { prefix + id + separator + secret }

    /// The id inside a presented key, or why it has none.
    func id(in presented: String) throws(KeyRejection) -> Substring {
        guard presented.hasPrefix(prefix) else { throw .badFormat }
        let body = presented.dropFirst(prefix.count)
        if separator.isEmpty {
            guard body.count == Self.idLength + Self.secretLength else { throw .invalid }
            return body.prefix(Self.idLength)
        }
        let parts = body.components(separatedBy: separator)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw .badFormat }
        return body.prefix(parts[0].count)
    }
}

/// An API surface as the store sees it: the name its keys and jobs are tagged with, and how its
/// keys are spelled. Each surface's target defines its own (`APISurface.renderingvideo`, …).
public struct APISurface: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let keyFormat: KeyFormat

    public init(name: String, keyFormat: KeyFormat) {
        self.name = name
        self.keyFormat = keyFormat
    }

    public var description: String { name }
}

/// A stored credential: only a hash of its secret is kept.
public struct APIKey: Codable, Sendable, Equatable, StoredRecord {
    static let table = "api_keys"
    public var id: String
    public var accountId: String
    /// The name of the surface the key opens.
    public var api: String
    public var keyPrefix: String
    public var keySeparator: String
    public var secretHash: Data
    public var label: String?
    public var createdAt: String
    public var revokedAt: String?

    var format: KeyFormat { KeyFormat(prefix: keyPrefix, separator: keySeparator) }

    enum CodingKeys: String, CodingKey {
        case id, api, label
        case accountId = "account_id"
        case keyPrefix = "key_prefix"
        case keySeparator = "key_separator"
        case secretHash = "secret_hash"
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }
}

/// Why a credential was refused; each surface words it in its own envelope.
public enum KeyRejection: Error, Sendable, Equatable {
    case missing, badFormat, invalid, inactive, noAccount
}

/// A problem with a store operation that a caller can act on.
public struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case notFound, conflict, insufficientCredits, limitExceeded, invalid
    }

    public let kind: Kind
    public let description: String
    /// For `insufficientCredits`: what the work needs and what the account has.
    public var required: Int?
    public var balance: Int?

    public init(kind: Kind, description: String, required: Int? = nil, balance: Int? = nil) {
        self.kind = kind
        self.description = description
        self.required = required
        self.balance = balance
    }

    public static func notFound(_ what: String) -> StoreError { StoreError(kind: .notFound, description: what) }
    public static func conflict(_ what: String) -> StoreError { StoreError(kind: .conflict, description: what) }
    public static func invalid(_ what: String) -> StoreError { StoreError(kind: .invalid, description: what) }
}

extension ReelDatabase {
    /// The default upload quota: 5 GiB.
    public static let defaultStorageQuota: Int64 = 5 << 30

    @discardableResult
    public func createAccount(name: String, credits: Int = 0, storageQuota: Int64 = defaultStorageQuota) throws -> Account {
        guard !name.isEmpty, name.count <= 100 else { throw StoreError.invalid("an account name has 1 to 100 characters") }
        return try store.write { tx in
            if try Self.account(tx, named: name) != nil {
                throw StoreError.conflict("an account named \"\(name)\" exists already")
            }
            let account = Account(id: Identifier.make(16, prefix: "acct_"), name: name, storageQuota: storageQuota,
                                  createdAt: Timestamp.now)
            try tx.insert(account)
            if credits > 0 { try Self.append(tx, account: account.id, delta: credits, kind: "grant", note: "initial credits") }
            return account
        }
    }

    public func account(named name: String) throws -> Account {
        guard let account = try store.read({ try Self.account($0, named: name) }) else {
            throw StoreError.notFound("no account named \"\(name)\"")
        }
        return account
    }

    static func account(_ tx: any SQLTransaction, named name: String) throws -> Account? {
        try tx.one(Account.self, "SELECT * FROM accounts WHERE name = ?", [name])
    }

    public func account(id: String) throws -> Account? {
        try store.read { try $0.find(Account.self, id: id) }
    }

    // MARK: keys

    /// Creates a key for `api` and returns it in full: the only time the secret is seen.
    public func createKey(account name: String, api: APISurface, label: String? = nil) throws -> (key: String, record: APIKey) {
        let account = try account(named: name)
        let id = Identifier.make(KeyFormat.idLength)
        let key = api.keyFormat.key(id: id, secret: Identifier.make(KeyFormat.secretLength))
        let record = APIKey(id: id, accountId: account.id, api: api.name, keyPrefix: api.keyFormat.prefix,
                            keySeparator: api.keyFormat.separator, secretHash: Self.hash(key), label: label,
                            createdAt: Timestamp.now, revokedAt: nil)
        try store.write { try $0.insert(record) }
        return (key, record)
    }

    /// Gives the key `id` a new secret and returns the new key in full; the old one stops working
    /// at once (its hash is replaced in the same write). A revoked key cannot be rotated.
    public func rotateKey(id: String) throws -> (key: String, record: APIKey) {
        try store.write { tx in
            guard var record = try tx.find(APIKey.self, id: id, locked: true) else { throw StoreError.notFound("no key with id \(id)") }
            guard record.revokedAt == nil else { throw StoreError.conflict("key \(id) is revoked; create a new one") }
            let key = record.format.key(id: record.id, secret: Identifier.make(KeyFormat.secretLength))
            record.secretHash = Self.hash(key)
            try tx.update(record)
            return (key, record)
        }
    }

    public func keys(account name: String) throws -> [APIKey] {
        let account = try account(named: name)
        return try store.read { try $0.all(APIKey.self, "SELECT * FROM api_keys WHERE account_id = ? ORDER BY created_at", [account.id]) }
    }

    public func revokeKey(id: String) throws {
        try store.write { tx in
            guard var key = try tx.find(APIKey.self, id: id, locked: true) else { throw StoreError.notFound("no key with id \(id)") }
            guard key.revokedAt == nil else { return }
            key.revokedAt = Timestamp.now
            try tx.update(key)
        }
    }

    /// The account a presented key opens on `api`, or why it does not.
    public func authenticate(_ presented: String?, api: APISurface) throws -> Account {
        try authenticateKey(presented, api: api).account
    }

    /// The account behind a presented key and the key's id (what rate limits count against).
    public func authenticateKey(_ presented: String?, api: APISurface) throws -> (account: Account, keyID: String) {
        guard let presented, !presented.isEmpty else { throw KeyRejection.missing }
        let id = try api.keyFormat.id(in: presented)
        let presentedHash = Self.hash(presented)
        return try store.read { tx in
            guard let key = try tx.find(APIKey.self, id: String(id)), key.api == api.name,
                  Self.constantTimeEqual(key.secretHash, presentedHash) else { throw KeyRejection.invalid }
            guard key.revokedAt == nil else { throw KeyRejection.inactive }
            guard let account = try tx.find(Account.self, id: key.accountId) else { throw KeyRejection.noAccount }
            return (account, key.id)
        }
    }

    static func hash(_ key: String) -> Data { Data(SHA256.hash(data: Data(key.utf8))) }

    /// Compares without stopping at the first difference, so timing reveals nothing about secrets.
    public static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    // MARK: credits

    /// The account's balance: the sum of its ledger.
    public func balance(account id: String) throws -> Int {
        try store.read { try Self.balance($0, account: id) }
    }

    static func balance(_ tx: any SQLTransaction, account id: String) throws -> Int {
        try tx.integer("SELECT COALESCE(SUM(delta), 0) FROM credit_ledger WHERE account_id = ?", [id])
    }

    public func grant(account name: String, credits: Int, note: String? = nil) throws -> Int {
        guard credits > 0 else { throw StoreError.invalid("a grant must be a positive number of credits") }
        let account = try account(named: name)
        return try store.write { tx in
            try Self.append(tx, account: account.id, delta: credits, kind: "grant", note: note)
            return try Self.balance(tx, account: account.id)
        }
    }

    static func append(_ tx: any SQLTransaction, account: String, delta: Int, kind: String, job: String? = nil, note: String? = nil) throws {
        try tx.execute("""
            INSERT INTO credit_ledger (account_id, delta, kind, job_id, note, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """, [account, delta, kind, job, note, Timestamp.now])
    }

    /// Locks the account's row until the transaction ends, so that reservations against one
    /// account happen one at a time and each sees the balance the one before it left.
    static func lockAccount(_ tx: any SQLTransaction, id: String) throws {
        _ = try tx.rows("SELECT id FROM accounts WHERE id = ?" + tx.dialect.lockRows, [id])
    }

    /// One row of the ledger, for reports and tests.
    public struct LedgerEntry: Codable, Sendable {
        public var id: Int64
        public var delta: Int
        public var kind: String
        public var job_id: String?
    }

    public func ledger(account id: String) throws -> [LedgerEntry] {
        try store.read { try $0.all(LedgerEntry.self, "SELECT id, delta, kind, job_id FROM credit_ledger WHERE account_id = ? ORDER BY id", [id]) }
    }
}

// MARK: defaults

extension ReelDatabase {
    /// The values `account`'s requests take where they leave a field out: field name → JSON text.
    public func accountDefaults(account id: String) throws -> [String: String] {
        try store.read { tx in
            let rows = try tx.rows("SELECT name, value FROM account_defaults WHERE account_id = ?", [id])
            return Dictionary(rows.compactMap { row in row["name"].string.flatMap { name in row["value"].string.map { (name, $0) } } },
                              uniquingKeysWith: { first, _ in first })
        }
    }

    /// Sets (a JSON text) or removes (nil) the default of `name` for the account named `account`.
    public func setAccountDefault(account name: String, field: String, value: String?) throws {
        let account = try account(named: name)
        guard !field.isEmpty, field.count <= 100 else { throw StoreError.invalid("a default's name has 1 to 100 characters") }
        try store.write { tx in
            if let value {
                try tx.execute("""
                    INSERT INTO account_defaults (account_id, name, value) VALUES (?, ?, ?)
                    ON CONFLICT (account_id, name) DO UPDATE SET value = excluded.value
                    """, [account.id, field, value])
            } else {
                try tx.execute("DELETE FROM account_defaults WHERE account_id = ? AND name = ?", [account.id, field])
            }
        }
    }
}
