import Foundation
import ScratchDatabases
@testable import Store
import Testing

/// Workers' claims: leases on jobs and on the segments of a render split across workers, and
/// the outbox taken by one server at a time; the same on both stores.
@Suite struct LeaseStoreTests {
    /// Leases: a live worker's claim holds while it renews it; a job whose lease ran out or whose
    /// owner died goes back to the queue; a worker that lost its job records nothing for it.
    @Test(arguments: StoreBackend.allCases)
    func leasesReturnAbandonedJobsAndOnlyTheHolderFinishesAJob(backend: StoreBackend) async throws {
        try await withQueuedJob(backend, workers: 3) { (database, job, account) async throws in
            let start = Date()
            let first = LeaseOwner(host: "machine-a", pid: 100, nonce: "x").description
            let second = LeaseOwner(host: "machine-b", pid: 200, nonce: "y").description
            #expect(try database.claimNextJob(owner: first, lease: 10, now: start)?.leaseOwner == first)
            #expect(try database.claimNextJob(owner: second, lease: 10, now: start) == nil)
            // Renewed before it runs out, the lease holds past its first expiry.
            #expect(try database.renewLeases(owner: first, jobs: [job.id], lease: 10, now: start.addingTimeInterval(8)).isEmpty)
            #expect(try database.reclaimJobs(maximumAttempts: 3, now: start.addingTimeInterval(12)).requeued.isEmpty)
            #expect(try database.holds(job: job.id, owner: first) && !database.holds(job: job.id, owner: second))
            #expect(try database.leaseOwners() == [first])
            try database.updateProgress(job: job.id, progress: 0.25, fps: 30, eta: 2)
            let running = try #require(try database.job(id: job.id))
            #expect(running.progress == 0.25 && running.fps == 30 && running.eta == 2)
            // Unrenewed, it runs out: the job is queued again and taken by another worker.
            #expect(try database.reclaimJobs(maximumAttempts: 3, now: start.addingTimeInterval(19)).requeued.map(\.id) == [job.id])
            #expect(try database.claimNextJob(owner: second, lease: 10, now: start.addingTimeInterval(20))?.attempts == 2)
            // The first worker has lost it: its renewal says so, and its outcome is not recorded.
            #expect(try database.renewLeases(owner: first, jobs: [job.id], lease: 10) == [job.id])
            #expect(try database.completeJob(id: job.id, outputPath: "/nowhere", owner: first) == false)
            #expect(try database.failJob(id: job.id, error: "late", owner: first) == false)
            #expect(try database.requeueJobs(ids: [job.id], owner: first) == 0)
            // A dead owner's job goes back at once, whatever its lease says.
            #expect(try database.reclaimJobs(maximumAttempts: 3, isGone: { $0 == second }).requeued.map(\.id) == [job.id])
            #expect(try database.claimNextJob(owner: first, lease: 10)?.attempts == 3)
            #expect(try database.completeJob(id: job.id, outputPath: "/done.mp4", owner: first))
            #expect(try database.ledger(account: account.id).map(\.kind) == ["grant", "reserve", "settle"])
            #expect(try database.balance(account: account.id) == 7)
        }
        #expect(LeaseOwner("machine-a:100:x") == LeaseOwner(host: "machine-a", pid: 100, nonce: "x"))
        #expect(LeaseOwner("local") == nil)
        #expect(LeaseOwner.isDeadLocalProcess(LeaseOwner.current().description) == false)
    }

    /// With several servers on one store, a due webhook is taken by one of them: the next look
    /// finds it held until its hold runs out (its sender died) or its attempt is recorded.
    @Test(arguments: StoreBackend.allCases)
    func aDueWebhookIsTakenOnce(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let database = try scratch.open()
            try database.enqueueWebhook(url: "http://127.0.0.1:9/hook", payload: "{}")
            let now = Date().addingTimeInterval(1)
            #expect(try database.dueWebhooks(now: now, hold: 60).count == 1)
            #expect(try database.dueWebhooks(now: now).isEmpty)
            #expect(try database.dueWebhooks(now: now.addingTimeInterval(61)).count == 1)
        }
    }

    /// Servers looking for due deliveries at the same moment each take different ones.
    @Test(arguments: StoreBackend.allCases)
    func serversTakingDueWebhooksAtOnceTakeEachOnce(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let servers = [try scratch.open(), try scratch.open()]
            for index in 0..<30 { try servers[0].enqueueWebhook(url: "http://127.0.0.1:9/\(index)", payload: "{}") }
            let now = Date().addingTimeInterval(1)
            let taken = concurrently(6) { index in Result { try servers[index % 2].dueWebhooks(now: now).map(\.url) } }
            var urls: [String] = []
            for outcome in taken {
                switch outcome {
                case .success(let batch): urls += batch
                case .failure(let error): Issue.record("taking failed: \(error)")
                }
            }
            #expect(urls.count == Set(urls).count, "no delivery taken twice")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func segmentsAreClaimedOnceEachAndASplitIsKept(backend: StoreBackend) async throws {
        try await withQueuedJob(backend, workers: 3) { (database, job, _) async throws in
            #expect(try database.claimNextSegment(owner: "w:1:a", lease: 30) == nil)  // nothing split yet
            _ = try #require(try database.claimNextJob(owner: "w:1:a", lease: 30))
            let split = try database.splitJob(id: job.id, owner: "w:1:a", plan: "{\"k\":3}", frameCounts: [30, 30, 15])
            #expect(split.map(\.frameCount) == [30, 30, 15] && split.allSatisfy { $0.status == .queued })
            #expect(throws: StoreError.self) { try database.splitJob(id: job.id, owner: "w:2:b", plan: "{}", frameCounts: [1]) }
            // The coordinator takes one of its own; other workers the rest, each once.
            #expect(try database.claimNextSegment(owner: "w:1:a", lease: 30, job: job.id)?.index == 0)
            #expect(try database.claimNextSegment(owner: "w:2:b", lease: 30)?.index == 1)
            #expect(try database.claimNextSegment(owner: "w:3:c", lease: 30)?.index == 2)
            #expect(try database.claimNextSegment(owner: "w:4:d", lease: 30) == nil)
            #expect(try database.updateSegmentProgress(SegmentKey(job: job.id, index: 1), owner: "w:2:b", framesDone: 12))
            #expect(try database.updateSegmentProgress(SegmentKey(job: job.id, index: 1), owner: "w:3:c", framesDone: 12) == false)
            #expect(try database.job(id: job.id)?.progress == 12.0 / 75)  // the job's progress counts every segment's frames
            #expect(try database.completeSegment(SegmentKey(job: job.id, index: 1), owner: "w:2:b", outputPath: "/s1.mp4"))
            #expect(try database.job(id: job.id)?.progress == 30.0 / 75)
            // Split again (a new coordinator after the first died): the plan and the work done stay.
            #expect(try database.reclaimJobs(maximumAttempts: 3, isGone: { $0 == "w:1:a" }).requeued.map(\.id) == [job.id])
            _ = try #require(try database.claimNextJob(owner: "w:5:e", lease: 30))
            let again = try database.splitJob(id: job.id, owner: "w:5:e", plan: "{\"k\":9}", frameCounts: [1])
            #expect(again.map(\.status) == [.queued, .completed, .running] && again[1].outputPath == "/s1.mp4")
            #expect(try database.job(id: job.id)?.segmentPlan == "{\"k\":3}")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aFailedOrAbandonedSegmentIsRetriedAloneThenFailsItsJob(backend: StoreBackend) async throws {
        try await withQueuedJob(backend, workers: 3) { (database, job, account) async throws in
            _ = try #require(try database.claimNextJob(owner: "w:1:a", lease: 30))
            _ = try database.splitJob(id: job.id, owner: "w:1:a", plan: "{}", frameCounts: [10, 10])
            let start = Date()
            #expect(try database.claimNextSegment(owner: "w:2:b", lease: 5, now: start)?.index == 0)
            #expect(try database.claimNextSegment(owner: "w:3:c", lease: 5, now: start)?.index == 1)
            #expect(try database.completeSegment(SegmentKey(job: job.id, index: 1), owner: "w:3:c", outputPath: "/s1.mp4"))
            // Its lease runs out: queued again, alone; the other segment stays rendered.
            #expect(try database.renewSegmentLeases(owner: "w:2:b", segments: [SegmentKey(job: job.id, index: 0)], lease: 5,
                                                    now: start.addingTimeInterval(4)).isEmpty)
            #expect(try database.reclaimJobs(maximumAttempts: 2, now: start.addingTimeInterval(12)).failed.isEmpty)
            #expect(try database.segments(job: job.id).map(\.status) == [.queued, .completed])
            #expect(try database.renewSegmentLeases(owner: "w:2:b", segments: [SegmentKey(job: job.id, index: 0)], lease: 5)
                    == [SegmentKey(job: job.id, index: 0)])
            // Its second attempt fails too: the job fails and is refunded, and nothing more is claimed.
            let second = try #require(try database.claimNextSegment(owner: "w:4:d", lease: 5))
            #expect(second.index == 0 && second.attempts == 2)
            #expect(try database.failSegment(SegmentKey(job: job.id, index: 0), owner: "w:4:d", error: "render crashed: twice", maximumAttempts: 2))
            #expect(try database.job(id: job.id)?.status == .failed)
            #expect(try database.claimNextSegment(owner: "w:4:d", lease: 5) == nil)
            #expect(try database.ledger(account: account.id).map(\.kind) == ["grant", "reserve", "refund"])
            #expect(try database.balance(account: account.id) == 10)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aCancelledJobStopsItsSegments(backend: StoreBackend) async throws {
        try await withQueuedJob(backend, workers: 3) { (database, job, account) async throws in
            _ = try #require(try database.claimNextJob(owner: "w:1:a", lease: 30))
            _ = try database.splitJob(id: job.id, owner: "w:1:a", plan: "{}", frameCounts: [10, 10])
            let key = SegmentKey(job: job.id, index: 0)
            #expect(try database.claimNextSegment(owner: "w:2:b", lease: 30)?.index == 0)
            _ = try database.cancelJob(id: job.id, account: account.id, reason: "cancelled by the user")
            #expect(try database.updateSegmentProgress(key, owner: "w:2:b", framesDone: 3) == false)
            #expect(try database.renewSegmentLeases(owner: "w:2:b", segments: [key], lease: 30) == [key])
            #expect(try database.claimNextSegment(owner: "w:3:c", lease: 30) == nil)
        }
    }

    /// A worker stopping gives its segments back without counting the attempt; another's stay.
    @Test(arguments: StoreBackend.allCases)
    func aStoppingWorkerGivesItsSegmentsBack(backend: StoreBackend) async throws {
        try await withQueuedJob(backend, workers: 3) { (database, job, account) async throws in
            _ = try #require(try database.claimNextJob(owner: "w:1:a", lease: 30))
            _ = try database.splitJob(id: job.id, owner: "w:1:a", plan: "{}", frameCounts: [10, 10])
            #expect(try database.claimNextSegment(owner: "w:2:b", lease: 30)?.index == 0)
            #expect(try database.claimNextSegment(owner: "w:3:c", lease: 30)?.index == 1)
            let mine = SegmentKey(job: job.id, index: 0), theirs = SegmentKey(job: job.id, index: 1)
            #expect(try database.requeueSegments([mine, theirs], owner: "w:2:b") == 1)
            let rows = try database.segments(job: job.id)
            #expect(rows.map(\.status) == [.queued, .running] && rows.map(\.attempts) == [0, 1])
            #expect(try database.claimNextSegment(owner: "w:4:d", lease: 30)?.attempts == 1)
        }
    }

    /// Many workers claiming the segments of several split jobs at once each take a segment once.
    @Test(arguments: StoreBackend.allCases)
    func eachSegmentIsClaimedOnceUnderConcurrentClaims(backend: StoreBackend) async throws {
        try await withScratch(backend) { scratch in
            let workers = [try scratch.open(), try scratch.open()]
            let account = try workers[0].createAccount(name: "acme", credits: 100)
            var keys: Set<SegmentKey> = []
            for _ in 0..<4 {
                let (job, _) = try workers[0].submit(.sample(account: account.id), webhookURL: nil, webhookSecret: nil, jobPrefix: "job_", workers: 5)
                _ = try workers[0].claimNextJob(owner: "coordinator:1:a", lease: 60)
                let split = try workers[0].splitJob(id: job.id, owner: "coordinator:1:a", plan: "{}", frameCounts: Array(repeating: 5, count: 5))
                keys.formUnion(split.map { SegmentKey(job: $0.jobId, index: $0.index) })
            }
            let claims = concurrently(8) { worker -> Result<[SegmentKey], any Error> in
                Result {
                    var mine: [SegmentKey] = []
                    while let segment = try workers[worker % 2].claimNextSegment(owner: "w:\(worker):x", lease: 60) {
                        mine.append(SegmentKey(job: segment.jobId, index: segment.index))
                    }
                    return mine
                }
            }
            var claimed: [SegmentKey] = []
            for outcome in claims {
                switch outcome {
                case .success(let mine): claimed += mine
                case .failure(let error): Issue.record("a claim failed: \(error)")
                }
            }
            #expect(claimed.count == keys.count && Set(claimed) == keys)
        }
    }
}
