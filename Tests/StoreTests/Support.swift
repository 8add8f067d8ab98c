import Foundation
import ScratchDatabases
@testable import Store
import Testing

/// Runs `work(i)` for i in 0..<count, each on a thread of its own (outside Swift's cooperative
/// pool), all started together, and returns each outcome in order.
func concurrently<T: Sendable>(_ count: Int, _ work: @Sendable @escaping (Int) -> T) -> [T] {
    let outcomes = Outcomes<T>(count)
    let start = DispatchSemaphore(value: 0), finished = DispatchGroup()
    for index in 0..<count {
        finished.enter()
        Thread.detachNewThread {
            start.wait()
            outcomes.set(index, work(index))
            finished.leave()
        }
    }
    for _ in 0..<count { start.signal() }
    finished.wait()
    return outcomes.values
}

private final class Outcomes<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [T?]

    init(_ count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: T) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var values: [T] {
        lock.lock()
        defer { lock.unlock() }
        return slots.compactMap { $0 }
    }
}

extension TaskRecord {
    /// A task of `account` that costs `cost` credits.
    static func sample(account: String, cost: Int = 1, api: String = "renderingvideo") -> TaskRecord {
        TaskRecord(accountId: account, api: api, dialect: "renderingvideo-v2", config: "{}", metadata: nil, title: nil,
                   category: "api", width: 64, height: 36, duration: 1, cost: cost)
    }
}

/// Runs `body` with a fresh database of `backend` holding an account with 10 credits and a job of
/// cost 3, queued by `startRender` (which may split it across `workers`).
func withQueuedJob(_ backend: StoreBackend, workers: Int = 1,
                   _ body: (ReelDatabase, JobRecord, Account) async throws -> Void) async throws {
    try await withScratch(backend) { scratch in
        let database = try scratch.open()
        let account = try database.createAccount(name: "acme", credits: 10)
        let task = TaskRecord.sample(account: account.id, cost: 3)
        try database.insert(task)
        guard case .queued(let job, _) = try database.startRender(taskID: task.id, account: account.id, webhookURL: nil, workers: workers)
        else {
            Issue.record("not queued")
            return
        }
        try await body(database, job, account)
    }
}
