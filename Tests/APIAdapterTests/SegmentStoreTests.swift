import Foundation
import Store
import Testing

/// The store's side of a render split across workers: segments claimed under leases by any
/// worker, retried alone, and the job failed and refunded once a segment has used its attempts.
struct SegmentStoreTests {
    let harness: Harness
    let database: ReelDatabase
    let job: JobRecord

    init() throws {
        harness = try Harness(credits: 10)
        database = harness.service.database
        let task = TaskRecord(accountId: harness.account.id, api: "renderingvideo", dialect: "renderingvideo-v2", config: "{}", metadata: nil,
                              title: nil, category: "api", width: 64, height: 36, duration: 3, cost: 3)
        try database.insert(task)
        guard case .queued(let job, _) = try database.startRender(taskID: task.id, account: harness.account.id, webhookURL: nil, workers: 3) else {
            throw StoreError.invalid("not queued")
        }
        self.job = job
    }

    @Test func segmentsAreClaimedOnceEachAndASplitIsKept() throws {
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

    @Test func aFailedOrAbandonedSegmentIsRetriedAloneThenFailsItsJob() throws {
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
        #expect(try database.ledger(account: harness.account.id).map(\.kind) == ["grant", "reserve", "refund"])
        #expect(try database.balance(account: harness.account.id) == 10)
    }

    @Test func aCancelledJobStopsItsSegments() throws {
        _ = try #require(try database.claimNextJob(owner: "w:1:a", lease: 30))
        _ = try database.splitJob(id: job.id, owner: "w:1:a", plan: "{}", frameCounts: [10, 10])
        let key = SegmentKey(job: job.id, index: 0)
        #expect(try database.claimNextSegment(owner: "w:2:b", lease: 30)?.index == 0)
        _ = try database.cancelJob(id: job.id, account: harness.account.id, reason: "cancelled by the user")
        #expect(try database.updateSegmentProgress(key, owner: "w:2:b", framesDone: 3) == false)
        #expect(try database.renewSegmentLeases(owner: "w:2:b", segments: [key], lease: 30) == [key])
        #expect(try database.claimNextSegment(owner: "w:3:c", lease: 30) == nil)
    }
}
