import Foundation
import ScratchDatabases
@testable import Store
import Testing

/// The store's rules, the same on every backend: the ledger, keys, the job state machine,
/// quotas, defaults, previews, the outbox and quotes.
@Suite struct StoreRulesTests {
    @Test(arguments: StoreBackend.allCases)
    func theLedgerIsAppendOnly(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let database = try scratch.open()
            let account = try database.createAccount(name: "acme", credits: 7)
            #expect(throws: (any Error).self) { try database.store.write { try $0.execute("UPDATE credit_ledger SET delta = 100", []) } }
            #expect(throws: (any Error).self) { try database.store.write { try $0.execute("DELETE FROM credit_ledger", []) } }
            #expect(try database.grant(account: "acme", credits: 3) == 10)
            #expect(try database.ledger(account: account.id).map(\.delta) == [7, 3])
        }
    }

    /// Rotating a key: the new key opens its surface, the old one stops at once; a revoked key
    /// cannot be rotated.
    @Test(arguments: StoreBackend.allCases)
    func rotatedKeysOpenAndOldSecretsStop(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let database = try scratch.open()
            let account = try database.createAccount(name: "acme")
            let surface = APISurface(name: "avs", keyFormat: KeyFormat(prefix: "avs.", separator: "."))
            let (old, record) = try database.createKey(account: "acme", api: surface, label: "ci")
            let (new, rotated) = try database.rotateKey(id: record.id)
            #expect(rotated.id == record.id && new != old && rotated.label == "ci")
            #expect(try database.authenticate(new, api: surface).id == account.id)
            #expect(throws: KeyRejection.invalid) { try database.authenticate(old, api: surface) }
            try database.revokeKey(id: record.id)
            #expect(throws: KeyRejection.inactive) { try database.authenticate(new, api: surface) }
            #expect(throws: StoreError.self) { try database.rotateKey(id: record.id) }
            #expect(throws: StoreError.self) { try database.rotateKey(id: "nope") }
            #expect(try database.keys(account: "acme").map(\.revokedAt).allSatisfy { $0 != nil })
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func jobsMoveOnlyAlongTheirStateMachine(backend: StoreBackend) async throws {
        #expect(JobState.queued.canMove(to: .running) && JobState.running.canMove(to: .completed) && JobState.running.canMove(to: .queued))
        #expect(!JobState.completed.canMove(to: .running) && !JobState.failed.canMove(to: .queued) && !JobState.queued.canMove(to: .completed))
        #expect(!JobState.cancelled.canMove(to: .failed))
        try await withScratch(backend) { scratch in
            let database = try scratch.open()
            let account = try database.createAccount(name: "acme", credits: 10)
            let (job, remaining) = try database.submit(.sample(account: account.id, cost: 5), webhookURL: nil, webhookSecret: nil, jobPrefix: "job_")
            #expect(remaining == 5 && job.status == .queued && job.phase == .queued)
            #expect(try database.enterPhase(.rendering, job: job.id) == false, "a queued job has no phase to enter")
            let claimed = try #require(try database.claimNextJob())
            #expect(claimed.status == .running && claimed.phase == .preparingAssets && claimed.attempts == 1)
            #expect(try database.enterPhase(.rendering, job: job.id))
            #expect(throws: StoreError.self) { try database.enterPhase(.generating, job: job.id) }
            try database.updateProgress(job: job.id, progress: 0.5, fps: 24, eta: 1.5)
            #expect(try database.job(id: job.id)?.fps == 24)
            #expect(try database.completeJob(id: job.id, outputPath: "/dev/null"))
            #expect(try database.failJob(id: job.id, error: "late") == false, "a finished job stays finished")
            let done = try #require(try database.job(id: job.id))
            #expect(done.phase == .completed && done.progress == 1 && done.outputPath == "/dev/null" && done.finishedAt != nil)
            #expect(try database.task(id: done.taskId)?.state == .completed)
            #expect(try database.ledger(account: account.id).map(\.kind) == ["grant", "reserve", "settle"])
        }
    }

    /// A job whose renders were cut short (crash, hang, kill) twice fails and is refunded at the
    /// next start instead of running a third time.
    @Test(arguments: StoreBackend.allCases)
    func aJobThatKeepsCrashingFailsAndIsRefunded(backend: StoreBackend) async throws {
        try await withQueuedJob(backend) { (database, job, account) async throws in
            #expect(try database.claimNextJob()?.attempts == 1)
            var recovered = try database.reclaimJobs(maximumAttempts: 2, isGone: { _ in true })  // the server died during attempt 1
            #expect(recovered.requeued.map(\.id) == [job.id] && recovered.failed.isEmpty)
            #expect(try database.claimNextJob()?.attempts == 2)
            recovered = try database.reclaimJobs(maximumAttempts: 2, isGone: { _ in true })  // and during attempt 2
            #expect(recovered.failed.map(\.id) == [job.id] && recovered.requeued.isEmpty)
            #expect(try database.claimNextJob() == nil)
            let failed = try database.task(id: job.taskId, account: account.id)
            #expect(failed.status == "failed" && failed.error?.hasPrefix("render crashed") == true)
            #expect(try database.balance(account: account.id) == 10)
            #expect(try database.ledger(account: account.id).map(\.kind) == ["grant", "reserve", "refund"])
        }
    }

    /// Cancelling and deleting refund; a task rendered once is not rendered again for the same
    /// output; a stopping server's jobs go back to the queue without counting the attempt.
    @Test(arguments: StoreBackend.allCases)
    func cancellingDeletingAndRequeueing(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let database = try scratch.open()
            let account = try database.createAccount(name: "acme", credits: 10)
            let (first, _) = try database.submit(.sample(account: account.id, cost: 2), webhookURL: nil, webhookSecret: nil, jobPrefix: "job_")
            let cancelled = try database.cancelJob(id: first.id, account: account.id, reason: "not wanted")
            #expect(cancelled.status == .cancelled && cancelled.error == "not wanted")
            #expect(throws: StoreError.self) { try database.cancelJob(id: first.id, account: "someone else", reason: "") }
            #expect(try database.task(id: first.taskId)?.state == .failed)

            let (second, _) = try database.submit(.sample(account: account.id, cost: 3), webhookURL: nil, webhookSecret: nil, jobPrefix: "job_")
            #expect(try database.claimNextJob()?.id == second.id)
            #expect(try database.requeueJobs(ids: [second.id, "gone"]) == 1)
            let requeued = try #require(try database.job(id: second.id))
            #expect(requeued.status == .queued && requeued.attempts == 0)
            let deleted = try database.deleteTask(id: second.taskId, account: account.id)
            #expect(deleted.task.id == second.taskId && deleted.outputs.isEmpty)
            #expect(try database.job(id: second.id)?.status == .cancelled)
            #expect(try database.task(id: second.taskId) == nil)
            #expect(try database.balance(account: account.id) == 10)

            let task = TaskRecord.sample(account: account.id, cost: 1)
            try database.insert(task)
            guard case .queued(let job, let remaining) = try database.startRender(taskID: task.id, account: account.id, webhookURL: nil, workers: 2)
            else { Issue.record("not queued"); return }
            #expect(remaining == 9 && job.workers == 2)
            #expect(throws: StoreError.self) { try database.startRender(taskID: task.id, account: account.id, webhookURL: nil, workers: 1) }
            _ = try database.claimNextJob()
            #expect(try database.completeJob(id: job.id, outputPath: "/tmp/out.mp4"))
            #expect(try database.startRender(taskID: task.id, account: account.id, webhookURL: nil, workers: 1) == .alreadyRendered(
                try database.task(id: task.id, account: account.id)))
            guard case .queued = try database.startRender(taskID: task.id, account: account.id, webhookURL: nil, workers: 1, outputFormat: "gif")
            else { Issue.record("another format is another render"); return }
            let figures = try database.figures()
            #expect(figures.jobs[.queued] == 1 && figures.jobs[.completed] == 1 && figures.jobs[.cancelled] == 2)
            #expect(figures.creditsReserved == 7 && figures.creditsRefunded == 5 && figures.creditsSettled == 1)
            #expect(figures.oldestQueuedSeconds >= 0)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func pagesQuotasDefaultsAndPreviews(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let database = try scratch.open()
            let account = try database.createAccount(name: "acme", credits: 0, storageQuota: 100)
            #expect(throws: StoreError.conflict("an account named \"acme\" exists already")) { try database.createAccount(name: "acme") }
            for index in 0..<5 {
                var task = TaskRecord.sample(account: account.id)
                task.category = index.isMultiple(of: 2) ? "even" : "odd"
                try database.insert(task)
            }
            let page = try database.tasks(account: account.id, api: "renderingvideo", status: nil, category: "even", page: 1, limit: 2)
            #expect(page.total == 3 && page.items.count == 2)
            let last = try database.tasks(account: account.id, api: "renderingvideo", status: "created", category: nil, page: 3, limit: 2)
            #expect(last.total == 5 && last.items.count == 1)
            #expect(try database.tasks(account: account.id, api: "renderingvideo", status: nil, category: nil, page: .max, limit: 50).items.isEmpty)

            let file = FileRecord(id: "f1", accountId: account.id, name: "a.png", storedPath: "/x/a.png", type: "image", mimeType: "image/png", size: 60)
            try database.insertFile(file, quota: 100)
            let tooBig = FileRecord(id: "f2", accountId: account.id, name: "b.png", storedPath: "/x/b.png", type: "image", mimeType: "image/png", size: 41)
            #expect(throws: StoreError.self) { try database.insertFile(tooBig, quota: 100) }
            #expect(try database.storageUsed(account: account.id) == 60)
            #expect(try database.files(account: account.id, type: "image", page: 1, limit: 10).items == [file])
            #expect(try database.deleteFile(id: "f1", account: account.id) == file)
            #expect(try database.file(id: "f1") == nil)

            try database.setAccountDefault(account: "acme", field: "shot_count", value: "3")
            try database.setAccountDefault(account: "acme", field: "shot_count", value: "5")
            try database.setAccountDefault(account: "acme", field: "style", value: #""noir""#)
            try database.setAccountDefault(account: "acme", field: "style", value: nil)
            #expect(try database.accountDefaults(account: account.id) == ["shot_count": "5"])

            let live = try database.insertPreview(account: account.id, config: "{}", lifetime: 3600)
            _ = try database.insertPreview(account: account.id, config: "{}", lifetime: -1)
            #expect(try database.purgeExpiredPreviews() == 1)
            #expect(try database.preview(id: live.id, account: nil) == live)
            try database.deletePreview(id: live.id, account: account.id)
            #expect(throws: StoreError.self) { try database.preview(id: live.id, account: account.id) }
        }
    }

    /// A finished job's announcement is stored with its outcome; deliveries are retried until
    /// their attempts run out.
    @Test(arguments: StoreBackend.allCases)
    func theOutboxKeepsAnnouncementsAndAttempts(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let database = try scratch.open()
            let account = try database.createAccount(name: "acme", credits: 5)
            let (job, _) = try database.submit(.sample(account: account.id), webhookURL: "http://hooks.test/a", webhookSecret: nil, jobPrefix: "job_")
            _ = try database.claimNextJob()
            let announce: Announcement = { job, task in
                OutboxMessage(url: job.webhookURL ?? "", body: #"{"task":"\#(task.id)"}"#, headers: ["X-Sig": "1"], maxAttempts: 2)
            }
            #expect(try database.failJob(id: job.id, error: "boom", announce: announce))
            try database.enqueueWebhook(url: "http://hooks.test/b", payload: "{}")
            // Taken without a hold (one server), so that what stays due is due again at once.
            let due = try database.dueWebhooks(hold: 0)
            #expect(due.map(\.url) == ["http://hooks.test/a", "http://hooks.test/b"])
            let first = try #require(due.first)
            #expect(first.jobId == job.id && first.headers == #"{"X-Sig":"1"}"# && first.maxAttempts == 2 && first.id != nil)
            let id = try #require(first.id)
            try database.recordWebhookAttempt(id: id, delivered: false, error: "503", retryAfter: 60)
            #expect(try database.dueWebhooks(hold: 0).map(\.url) == ["http://hooks.test/b"], "a failed delivery waits its retry")
            try database.recordWebhookAttempt(id: id, delivered: false, error: "503", retryAfter: 60)
            let hooks = try database.webhooks()
            #expect(hooks.first?.status == "failed" && hooks.first?.attempts == 2 && hooks.first?.lastError == "503")
        }
    }

    /// Paying a quote grants its credits and queues its render once, however often it is paid.
    @Test(arguments: StoreBackend.allCases)
    func aQuoteIsPaidOnce(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let database = try scratch.open()
            let account = try database.createAccount(name: "paid-quotes")
            let task = TaskRecord.sample(account: account.id, cost: 4, api: "fvs")
            let (quote, token) = try database.createQuote(task: task, api: "fvs", credits: 4, amountCents: 20, currency: "usd", lifetime: 60,
                                                          prefix: "quote_")
            #expect(try database.quote(id: quote.id, claimToken: token) == quote)
            #expect(try database.quote(id: quote.id, claimToken: token + "x") == nil)
            let paid = try database.payQuote(id: quote.id, reference: "r1", jobPrefix: "proj_")
            let again = try database.payQuote(id: quote.id, reference: "r2", jobPrefix: "proj_")
            #expect(paid.state() == .paid && again.jobId == paid.jobId && again.paymentReference == "r1")
            #expect(try database.ledger(account: account.id).map(\.kind) == ["grant", "reserve"])
            #expect(try database.balance(account: account.id) == 0)
            let late = try database.createQuote(task: .sample(account: account.id, api: "fvs"), api: "fvs", credits: 1, amountCents: 5,
                                                currency: "usd", lifetime: 60, prefix: "quote_").quote
            #expect(throws: StoreError.self) { try database.payQuote(id: late.id, reference: "r", jobPrefix: "proj_", now: Date() + 120) }
        }
    }

    @Test func databaseURLsAreReadOrRefusedWithTheReason() throws {
        guard case .postgres(let settings) = try DatabaseLocation(url: "postgresql://reel:s%40cret@db.internal:6432/reel?pool=4&sslmode=require")
        else { Issue.record("not PostgreSQL"); return }
        #expect(settings.user == "reel" && settings.password == "s@cret" && settings.host == "db.internal" && settings.port == 6432)
        #expect(settings.database == "reel" && settings.poolSize == 4 && settings.tls == .require)
        #expect(settings.redacted == "postgres://reel@db.internal:6432/reel", "no password in messages")
        let socket = try PostgresSettings(url: "postgres://reel@/reel?host=/var/run/postgresql")
        #expect(socket.socketFolder == "/var/run/postgresql" && socket.poolSize == PostgresSettings.defaultPoolSize)
        for (url, reason) in [("mysql://a@b/c", "not a postgres:// URL"), ("postgres://b/c", "names no user"), ("postgres://a@b", "names no database"),
                              ("postgres://a@b/c?pool=0", "pool must be"), ("postgres://a@b/c?sslmode=maybe", "sslmode must be"),
                              ("postgres://a@b/c?colour=red", "unknown parameter colour")] {
            #expect {
                try DatabaseLocation(url: url)
            } throws: { error in
                (error as? StoreError)?.description.contains(reason) == true
            }
        }
    }
}
