public import Foundation

/// One segment of a render split across workers: a range of the video's frames that any worker
/// renders into a file of its own, claimed under a lease like a job. The job keeps its state and
/// its credits; its segments only say who renders which part and how far they are.
public struct SegmentRecord: Codable, Sendable, Equatable, StoredRecord {
    static let table = "job_segments"
    static let key = ["job_id", "idx"]
    public enum State: String, Codable, Sendable { case queued, running, completed }

    public var jobId: String
    public var index: Int
    public var status: State
    public var attempts: Int
    public var frameCount: Int
    public var framesDone: Int
    public var leaseOwner: String?
    public var leaseExpiresAt: String?
    public var outputPath: String?
    public var error: String?
    public var createdAt: String
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case status, attempts, error
        case jobId = "job_id"
        case index = "idx"
        case frameCount = "frame_count"
        case framesDone = "frames_done"
        case leaseOwner = "lease_owner"
        case leaseExpiresAt = "lease_expires_at"
        case outputPath = "output_path"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

extension ReelDatabase {
    /// Splits the running job `id`, which `owner` holds, into segments of `frameCounts` frames
    /// under `plan` (the renderer's, as JSON). A job split before (its worker died after
    /// splitting it) keeps its plan and its segments, rendered ones included: they are returned.
    public func splitJob(id: String, owner: String, plan: String, frameCounts: [Int]) throws -> [SegmentRecord] {
        try store.write { tx in
            guard var job = try tx.find(JobRecord.self, id: id, locked: true), job.status == .running, job.leaseOwner == owner else {
                throw StoreError.conflict("job \(id) is no longer held by this worker")
            }
            if job.segmentPlan != nil { return try Self.segments(tx, job: id) }
            job.segmentPlan = plan
            job.updatedAt = Timestamp.now
            try tx.update(job)
            return try frameCounts.enumerated().map { index, count in
                let segment = SegmentRecord(jobId: id, index: index, status: .queued, attempts: 0, frameCount: count, framesDone: 0,
                                            createdAt: job.createdAt, updatedAt: job.updatedAt)
                try tx.insert(segment)
                return segment
            }
        }
    }

    public func segments(job id: String) throws -> [SegmentRecord] {
        try store.read { try Self.segments($0, job: id) }
    }

    static func segments(_ tx: any SQLTransaction, job id: String) throws -> [SegmentRecord] {
        try tx.all(SegmentRecord.self, "SELECT * FROM job_segments WHERE job_id = ? ORDER BY idx", [id])
    }

    /// The segment `key`; `locked` as in `SQLTransaction.find`.
    static func segment(_ tx: any SQLTransaction, _ key: SegmentKey, locked: Bool = false) throws -> SegmentRecord? {
        try tx.one(SegmentRecord.self, "SELECT * FROM job_segments WHERE job_id = ? AND idx = ?" + (locked ? tx.dialect.lockRows : ""),
                   [key.job, key.index])
    }

    /// Takes the oldest queued segment of a running job (of `job` alone, when given) for `owner`,
    /// holding it for `lease` seconds; its attempt is counted before it is rendered.
    public func claimNextSegment(owner: String, lease: TimeInterval, job: String? = nil, now: Date = Date()) throws -> SegmentRecord? {
        try store.write { tx in
            // Workers claiming at once each take a segment no other claim holds (the job's row is
            // only read, in a subquery, so that claims of one job's segments do not queue on it).
            var sql = """
                SELECT * FROM job_segments s
                WHERE s.status = 'queued' AND EXISTS (SELECT 1 FROM jobs j WHERE j.id = s.job_id AND j.status = 'running')
                """
            var arguments: [any SQLBindable] = []
            if let job {
                sql += " AND s.job_id = ?"
                arguments.append(job)
            }
            sql += " ORDER BY s.created_at, s.job_id, s.idx LIMIT 1" + tx.dialect.lockRowsSkippingLocked
            guard var segment = try tx.one(SegmentRecord.self, sql, arguments) else { return nil }
            segment.status = .running
            segment.attempts += 1
            segment.framesDone = 0
            segment.leaseOwner = owner
            segment.leaseExpiresAt = Timestamp.string(now.addingTimeInterval(lease))
            segment.updatedAt = Timestamp.string(now)
            try tx.update(segment)
            return segment
        }
    }

    /// Extends `owner`'s leases on its running segments `keys` (job id, index). Returns those it no
    /// longer holds (reclaimed, or their job finished or was cancelled): their renders should stop.
    public func renewSegmentLeases(owner: String, segments keys: [SegmentKey], lease: TimeInterval, now: Date = Date()) throws -> Set<SegmentKey> {
        guard !keys.isEmpty else { return [] }
        return try store.write { tx in
            let expires = Timestamp.string(now.addingTimeInterval(lease))
            var lost = Set<SegmentKey>()
            for key in keys {
                let renewed = try tx.execute("""
                    UPDATE job_segments SET lease_expires_at = ?
                    WHERE job_id = ? AND idx = ? AND status = 'running' AND lease_owner = ?
                      AND EXISTS (SELECT 1 FROM jobs WHERE id = job_id AND status = 'running')
                    """, [expires, key.job, key.index, owner])
                if renewed == 0 { lost.insert(key) }
            }
            return lost
        }
    }

    /// Records how far `owner`'s segment has come; false when it no longer holds it or its job
    /// is no longer running (the render should stop).
    public func updateSegmentProgress(_ key: SegmentKey, owner: String, framesDone: Int) throws -> Bool {
        try store.write { tx in
            let updated = try tx.execute("""
                UPDATE job_segments SET frames_done = ?, updated_at = ?
                WHERE job_id = ? AND idx = ? AND status = 'running' AND lease_owner = ?
                  AND EXISTS (SELECT 1 FROM jobs WHERE id = job_id AND status = 'running')
                """, [framesDone, Timestamp.now, key.job, key.index, owner]) > 0
            if updated { try Self.updateJobProgress(tx, job: key.job) }
            return updated
        }
    }

    /// A split job's progress: the frames of all its segments done, over all its frames, and the
    /// pace since the job started (frames a second, seconds left).
    static func updateJobProgress(_ tx: any SQLTransaction, job id: String, now: Date = Date()) throws {
        guard var job = try tx.find(JobRecord.self, id: id, locked: true), job.status == .running else { return }
        let segments = try Self.segments(tx, job: id)
        let done = segments.reduce(0) { $0 + $1.framesDone }, total = max(1, segments.reduce(0) { $0 + $1.frameCount })
        job.progress = Double(done) / Double(total)
        let elapsed = job.startedAt.flatMap(Timestamp.date).map { now.timeIntervalSince($0) } ?? 0
        job.fps = elapsed > 0 && done > 0 ? Double(done) / elapsed : nil
        job.eta = job.fps.map { Double(total - done) / $0 }
        job.updatedAt = Timestamp.string(now)
        try tx.update(job)
    }

    /// Records `owner`'s segment as rendered to `outputPath`; false when it no longer held it.
    public func completeSegment(_ key: SegmentKey, owner: String, outputPath: String) throws -> Bool {
        try store.write { tx in
            let updated = try tx.execute("""
                UPDATE job_segments SET status = 'completed', frames_done = frame_count, output_path = ?, lease_expires_at = NULL,
                    updated_at = ?
                WHERE job_id = ? AND idx = ? AND status = 'running' AND lease_owner = ?
                """, [outputPath, Timestamp.now, key.job, key.index, owner]) > 0
            if updated { try Self.updateJobProgress(tx, job: key.job) }
            return updated
        }
    }

    /// Records that `owner`'s segment failed with `error`: it is queued again while it has
    /// attempts left (a segment is retried alone), else its job fails and is refunded. False when
    /// it no longer held the segment.
    @discardableResult
    public func failSegment(_ key: SegmentKey, owner: String, error: String, maximumAttempts: Int,
                            announce: Announcement? = nil) throws -> Bool {
        try store.write { tx in
            guard var segment = try Self.segment(tx, key, locked: true), segment.status == .running,
                  segment.leaseOwner == owner else { return false }
            try Self.abandon(tx, segment: &segment, error: error, maximumAttempts: maximumAttempts, announce: announce)
            return true
        }
    }

    /// Puts a segment whose render stopped back in the queue, or fails its job once the segment
    /// has used its attempts; inside the caller's transaction.
    static func abandon(_ tx: any SQLTransaction, segment: inout SegmentRecord, error: String, maximumAttempts: Int,
                        announce: Announcement?) throws {
        if segment.attempts >= maximumAttempts, var job = try tx.find(JobRecord.self, id: segment.jobId, locked: true),
           job.status.canMove(to: .failed) {
            try fail(tx, job: &job, error: error, announce: announce)
        }
        segment.status = .queued
        segment.framesDone = 0
        segment.leaseOwner = nil
        segment.leaseExpiresAt = nil
        segment.error = error
        segment.updatedAt = Timestamp.now
        try tx.update(segment)
    }

    /// Puts `owner`'s running segments `keys` back in the queue because their worker is stopping:
    /// their attempt does not count. Returns how many were put back.
    @discardableResult
    public func requeueSegments(_ keys: [SegmentKey], owner: String) throws -> Int {
        try store.write { tx in
            var count = 0
            for key in keys {
                guard var segment = try Self.segment(tx, key, locked: true), segment.status == .running, segment.leaseOwner == owner else {
                    continue
                }
                segment.status = .queued
                segment.attempts = max(0, segment.attempts - 1)
                segment.framesDone = 0
                segment.leaseOwner = nil
                segment.leaseExpiresAt = nil
                segment.updatedAt = Timestamp.now
                try tx.update(segment)
                count += 1
            }
            return count
        }
    }

    /// Running segments whose worker is gone, as `reclaimJobs` finds jobs: queued again, or their
    /// job failed once a segment has used its attempts. Returns the jobs that failed.
    static func reclaimSegments(_ tx: any SQLTransaction, stamp: String, maximumAttempts: Int, isGone: (String) -> Bool,
                                announce: Announcement?) throws -> [JobRecord] {
        var failed: [JobRecord] = []
        for var segment in try tx.all(SegmentRecord.self, "SELECT * FROM job_segments WHERE status = ?" + tx.dialect.lockRowsSkippingLocked,
                                      [SegmentRecord.State.running.rawValue]) {
            let expired = segment.leaseExpiresAt.map { $0 < stamp } ?? true
            guard expired || segment.leaseOwner.map(isGone) == true else { continue }
            let error = "render crashed: the worker of segment \(segment.index + 1) died during each of its \(segment.attempts) attempts, "
                + "so it is not tried again; the credits were refunded"
            let wasRunning = try tx.find(JobRecord.self, id: segment.jobId, locked: true)?.status == .running
            try abandon(tx, segment: &segment, error: error, maximumAttempts: maximumAttempts, announce: announce)
            if wasRunning, let job = try tx.find(JobRecord.self, id: segment.jobId), job.status == .failed { failed.append(job) }
        }
        return failed
    }
}

/// A segment's key: its job and its index.
public struct SegmentKey: Hashable, Sendable {
    public let job: String
    public let index: Int

    public init(job: String, index: Int) {
        self.job = job
        self.index = index
    }
}
