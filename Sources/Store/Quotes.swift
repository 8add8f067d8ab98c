public import Foundation

/// A render offered for payment before any account pays for it: its task is stored (not
/// rendering), its price held until `expiresAt`, and its result readable by whoever holds the
/// claim token (only its SHA-256 is kept). Paying grants the quoted credits to the quote's account
/// and queues the render, in one transaction.
public struct QuoteRecord: Codable, Sendable, Equatable, StoredRecord {
    static let table = "quotes"

    public enum Status: String, Codable, Sendable, CaseIterable {
        case paymentRequired = "payment_required", paid, expired
    }

    public var id: String
    public var api: String
    public var accountId: String
    public var taskId: String
    public var credits: Int
    public var amountCents: Int
    public var currency: String
    public var claimHash: Data
    public var status: String
    public var expiresAt: String
    public var createdAt: String
    public var paidAt: String?
    public var paymentReference: String?
    public var jobId: String?

    enum CodingKeys: String, CodingKey {
        case id, api, status, credits, currency
        case accountId = "account_id", taskId = "task_id", amountCents = "amount_cents", claimHash = "claim_hash"
        case expiresAt = "expires_at", createdAt = "created_at", paidAt = "paid_at", paymentReference = "payment_reference", jobId = "job_id"
    }

    /// The status now: a quote still unpaid after `expiresAt` reads as expired.
    public func state(now: Date = Date()) -> Status {
        let stored = Status(rawValue: status) ?? .expired
        guard stored == .paymentRequired, let expiry = Timestamp.date(expiresAt), expiry <= now else { return stored }
        return .expired
    }
}

extension ReelDatabase {
    /// Stores `task` (not rendering) and a quote for it; returns the quote and its claim token,
    /// which is shown once.
    public func createQuote(task: TaskRecord, api: String, credits: Int, amountCents: Int, currency: String, lifetime: TimeInterval,
                            prefix: String) throws -> (quote: QuoteRecord, claimToken: String) {
        let token = Identifier.make(40, prefix: "claim_")
        let now = Date()
        let quote = QuoteRecord(id: Identifier.make(16, prefix: prefix), api: api, accountId: task.accountId, taskId: task.id, credits: credits,
                                amountCents: amountCents, currency: currency, claimHash: Self.hash(token),
                                status: QuoteRecord.Status.paymentRequired.rawValue, expiresAt: Timestamp.string(now.addingTimeInterval(lifetime)),
                                createdAt: Timestamp.string(now), paidAt: nil, paymentReference: nil, jobId: nil)
        try store.write { tx in
            // Quotes left unpaid a day past their expiry go, with their renders' documents.
            let stale = Timestamp.string(now.addingTimeInterval(-86400))
            let unpaid = QuoteRecord.Status.paymentRequired.rawValue
            try tx.execute("DELETE FROM tasks WHERE id IN (SELECT task_id FROM quotes WHERE status = ? AND expires_at < ?)", [unpaid, stale])
            try tx.execute("DELETE FROM quotes WHERE status = ? AND expires_at < ?", [unpaid, stale])
            try tx.insert(task)
            try tx.insert(quote)
        }
        return (quote, token)
    }

    public func quote(id: String) throws -> QuoteRecord? {
        try store.read { try $0.find(QuoteRecord.self, id: id) }
    }

    /// The quote `id` when `claimToken` is its claim token (compared in constant time); nil for an
    /// unknown quote and for a wrong token alike.
    public func quote(id: String, claimToken: String) throws -> QuoteRecord? {
        guard let quote = try quote(id: id) else { return nil }
        return Self.constantTimeEqual(quote.claimHash, Self.hash(claimToken)) ? quote : nil
    }

    /// Records the payment of `id` and starts its render: the quoted credits are granted to the
    /// quote's account and reserved by a queued job, all in one transaction. Paying a paid quote
    /// again changes nothing; an expired one cannot be paid (`conflict`), unless the payment was
    /// confirmed while it was open (`confirmedBeforeExpiry`: a provider took the money).
    public func payQuote(id: String, reference: String, jobPrefix: String, now: Date = Date(),
                         confirmedBeforeExpiry: Bool = false) throws -> QuoteRecord {
        try store.write { tx in
            guard var quote = try tx.find(QuoteRecord.self, id: id, locked: true) else { throw StoreError.notFound("no quote with id \(id)") }
            switch quote.state(now: now) {
            case .paid: return quote
            case .expired where !confirmedBeforeExpiry:
                throw StoreError.conflict("quote \(id) expired at \(quote.expiresAt) and can no longer be paid")
            case .expired, .paymentRequired: break
            }
            guard var task = try tx.find(TaskRecord.self, id: quote.taskId, locked: true) else { throw StoreError.notFound("the render of quote \(id) is gone") }
            try Self.append(tx, account: quote.accountId, delta: quote.credits, kind: "grant", note: "paid quote \(id): \(reference)")
            let (job, _) = try Self.queue(tx, task: &task, webhookURL: nil, webhookSecret: nil, workers: 1, jobPrefix: jobPrefix)
            quote.status = QuoteRecord.Status.paid.rawValue
            quote.paidAt = Timestamp.now
            quote.paymentReference = reference
            quote.jobId = job.id
            try tx.update(quote)
            return quote
        }
    }
}
