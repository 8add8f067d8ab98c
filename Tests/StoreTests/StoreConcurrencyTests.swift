import Foundation
import ScratchDatabases
@testable import Store
import Testing

/// Several processes on one database (each a `ReelDatabase` of its own: its own connections or
/// file handles), with many threads each: claims, reservations and outcomes stay exact.
@Suite struct StoreConcurrencyTests {
    /// Every queued job is claimed exactly once, however many claim at the same moment
    /// (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer at a time).
    @Test(arguments: StoreBackend.allCases)
    func eachJobIsClaimedExactlyOnce(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let processes = [try scratch.open(), try scratch.open(), try scratch.open()]
            let account = try processes[0].createAccount(name: "acme", credits: 1000)
            var queued: [String] = []
            for _ in 0..<60 {
                queued.append(try processes[0].submit(.sample(account: account.id), webhookURL: nil, webhookSecret: nil, jobPrefix: "job_").job.id)
            }
            let claims = concurrently(12) { worker -> Result<[String], any Error> in
                Result {
                    var mine: [String] = []
                    while let job = try processes[worker % processes.count].claimNextJob() { mine.append(job.id) }
                    return mine
                }
            }
            var claimed: [String] = []
            for outcome in claims {
                switch outcome {
                case .success(let ids): claimed += ids
                case .failure(let error): Issue.record("a claim failed: \(error)")
                }
            }
            #expect(claimed.count == queued.count, "no job claimed twice")
            #expect(Set(claimed) == Set(queued), "every job claimed")
            for id in queued {
                let job = try #require(try processes[1].job(id: id))
                #expect(job.status == .running && job.attempts == 1)
            }
        }
    }

    /// One name taken by many at once: one account is made, every other maker hears it exists.
    @Test(arguments: StoreBackend.allCases)
    func anAccountNameIsTakenOnce(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let processes = [try scratch.open(), try scratch.open()]
            let outcomes = concurrently(16) { index in Result { try processes[index % 2].createAccount(name: "acme", credits: 5) } }
            var made = 0
            for outcome in outcomes {
                switch outcome {
                case .success: made += 1
                case .failure(let error as StoreError) where error.kind == .conflict: break
                case .failure(let error): Issue.record("unexpected failure: \(error)")
                }
            }
            #expect(made == 1)
            #expect(try processes[1].balance(account: try processes[0].account(named: "acme").id) == 5)
        }
    }

    /// 50 renders submitted at once from two processes against an account that can pay for 20:
    /// exactly 20 are queued, the balance ends at 0, never below, and the ledger sums exactly.
    @Test(arguments: StoreBackend.allCases)
    func concurrentReservationsNeverOverdraw(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let processes = [try scratch.open(), try scratch.open()]
            let account = try processes[0].createAccount(name: "acme", credits: 20)
            let outcomes = concurrently(50) { index in
                Result { try processes[index % 2].submit(.sample(account: account.id), webhookURL: nil, webhookSecret: nil, jobPrefix: "job_") }
            }
            var queued = 0, refused = 0
            for outcome in outcomes {
                switch outcome {
                case .success(let (_, remaining)):
                    queued += 1
                    #expect(remaining >= 0)
                case .failure(let error as StoreError) where error.kind == .insufficientCredits: refused += 1
                case .failure(let error): Issue.record("unexpected failure: \(error)")
                }
            }
            #expect(queued == 20 && refused == 30)
            #expect(try processes[1].balance(account: account.id) == 0)
            let ledger = try processes[1].ledger(account: account.id)
            #expect(ledger.reduce(0) { $0 + $1.delta } == 0)
            #expect(ledger.filter { $0.kind == "reserve" }.count == 20 && ledger.filter { $0.kind == "grant" }.count == 1)
            #expect(try processes[0].figures().jobs[.queued] == 20)
        }
    }

    /// A job completed and cancelled at the same moment by two processes ends one way: it is
    /// either settled or refunded, never both.
    @Test(arguments: StoreBackend.allCases)
    func aJobEndsOnceWhenTwoProcessesRace(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let processes = [try scratch.open(), try scratch.open()]
            let account = try processes[0].createAccount(name: "acme", credits: 100)
            let jobs = try (0..<20).map { _ in
                try processes[0].submit(.sample(account: account.id), webhookURL: nil, webhookSecret: nil, jobPrefix: "job_").job.id
            }
            while try processes[0].claimNextJob() != nil {}
            let outcomes = concurrently(jobs.count * 2) { index in
                Result {
                    let id = jobs[index / 2]
                    if index.isMultiple(of: 2) { return try processes[0].completeJob(id: id, outputPath: "/dev/null") }
                    return try processes[1].cancelJob(id: id, account: account.id, reason: "race").status == .cancelled
                }
            }
            for outcome in outcomes {
                if case .failure(let error) = outcome { Issue.record("unexpected failure: \(error)") }
            }
            let ledger = try processes[1].ledger(account: account.id)
            for id in jobs {
                let endings = ledger.filter { $0.job_id == id && ($0.kind == "settle" || $0.kind == "refund") }
                #expect(endings.count == 1, "job \(id): \(endings.map(\.kind))")
                let job = try #require(try processes[1].job(id: id))
                #expect(job.status == (endings.first?.kind == "settle" ? .completed : .cancelled))
            }
            let settled = ledger.filter { $0.kind == "settle" }.count
            #expect(try processes[0].balance(account: account.id) == 100 - settled)
        }
    }
}

/// What the PostgreSQL store does when its server drops connections or a statement runs long.
@Suite struct PostgresConnectionTests {
    /// The server ends every connection (a restart, a failover): the next calls open new ones.
    @Test func droppedConnectionsAreReplaced() async throws {
        try await withScratch(.postgres) { scratch in
            guard case .postgres(let settings) = scratch.location, let server = StoreBackend.postgresServer else { return }
            let database = try scratch.open()
            let account = try database.createAccount(name: "acme", credits: 4)
            // Several connections open at once, then all of them ended by the server.
            _ = concurrently(4) { _ in try? database.balance(account: account.id) }
            try PostgresStore.administer(PostgresSettings(url: server), """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(settings.database)' AND pid <> pg_backend_pid()
                """)
            #expect(try database.balance(account: account.id) == 4)
            #expect(try database.grant(account: "acme", credits: 1) == 5)
            #expect(try database.ledger(account: account.id).count == 2)
        }
    }

    /// A statement that outlasts `statement_timeout` is stopped by the server, and the error says so.
    @Test func aStatementPastItsTimeoutIsStopped() async throws {
        try await withScratch(.postgres) { scratch in
            guard case .postgres(var settings) = scratch.location else { return }
            settings.statementTimeout = 1
            let database = try ReelDatabase(location: .postgres(settings))
            #expect {
                try database.store.read { try $0.execute("SELECT pg_sleep(5)", []) }
            } throws: { error in
                (error as? PostgresStoreError)?.sqlState == "57014"
            }
            #expect(database.isReachable(), "the connection is usable afterwards")
        }
    }
}
