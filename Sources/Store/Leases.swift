public import Foundation

/// Who holds a running job: a worker process, named `host:pid:nonce`, so that a process on the
/// same machine can tell a dead owner from a live one without waiting for its lease to run out.
public struct LeaseOwner: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let pid: Int32
    public let nonce: String

    /// This process, with a fresh nonce (a worker restarted under a reused pid is another owner).
    public static func current() -> LeaseOwner {
        LeaseOwner(host: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier,
                   nonce: Identifier.make(8))
    }

    public init(host: String, pid: Int32, nonce: String) {
        self.host = host
        self.pid = pid
        self.nonce = nonce
    }

    /// Reads an owner's text; nil for text no worker wrote.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]) else { return nil }
        host = parts.dropLast(2).joined(separator: ":")
        self.pid = pid
        nonce = String(parts[parts.count - 1])
    }

    public var description: String { "\(host):\(pid):\(nonce)" }

    /// Whether `text` names an owner that was a process of this machine and runs no more (an
    /// owner elsewhere is gone only when its lease runs out).
    public static func isDeadLocalProcess(_ text: String) -> Bool {
        guard let owner = LeaseOwner(text), owner.host == ProcessInfo.processInfo.hostName, owner.pid > 0 else { return false }
        if kill(owner.pid, 0) != 0 { return errno == ESRCH }
        // A process that has exited but not been reaped yet is dead too.
        guard let stat = try? String(contentsOfFile: "/proc/\(owner.pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
        return state == "Z" || state == "X"
    }
}

extension ReelDatabase {
    /// Takes the oldest queued job for `owner`, which holds it for `lease` seconds unless it
    /// renews the lease (`renewLeases`): the job is marked running and its attempt counted
    /// before anything is rendered, so a render that kills its worker every time ends.
    public func claimNextJob(owner: String = "local", lease: TimeInterval = 3600, now: Date = Date()) throws -> JobRecord? {
        try store.write { tx in
            // Several workers may claim at once: each takes the oldest job no other claim holds.
            guard var job = try tx.one(JobRecord.self, "SELECT * FROM jobs WHERE status = ? ORDER BY created_at, id LIMIT 1"
                                           + tx.dialect.lockRowsSkippingLocked, [JobState.queued.rawValue]) else { return nil }
            try job.move(to: .running, phase: .preparingAssets)
            job.attempts += 1
            job.startedAt = Timestamp.string(now)
            job.leaseOwner = owner
            job.leaseExpiresAt = Timestamp.string(now.addingTimeInterval(lease))
            try tx.update(job)
            return job
        }
    }

    /// Extends `owner`'s leases on the jobs `ids` to `lease` seconds from now. Returns the ids it
    /// no longer holds (cancelled, finished, or reclaimed after its lease ran out): their renders
    /// should stop.
    public func renewLeases(owner: String, jobs ids: [String], lease: TimeInterval, now: Date = Date()) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try store.write { tx in
            var lost = Set<String>()
            let expires = Timestamp.string(now.addingTimeInterval(lease))
            for id in ids {
                let renewed = try tx.execute("UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?",
                                             [expires, id, owner])
                if renewed == 0 { lost.insert(id) }
            }
            return lost
        }
    }

    /// Whether `owner` still holds the running job `id`.
    public func holds(job id: String, owner: String) throws -> Bool {
        try store.read { tx in
            try tx.value("SELECT 1 FROM jobs WHERE id = ? AND status = 'running' AND lease_owner = ?", [id, owner]) != nil
        }
    }

    /// The owners of the running jobs.
    public func leaseOwners() throws -> Set<String> {
        try store.read { tx in
            Set(try tx.rows("SELECT DISTINCT lease_owner FROM jobs WHERE status = 'running' AND lease_owner IS NOT NULL", [])
                .compactMap(\.first.string))
        }
    }

    /// What became of running jobs whose worker is gone.
    public struct Interrupted: Sendable {
        /// Jobs put back in the queue for another attempt.
        public var requeued: [JobRecord] = []
        /// Jobs that had used up their attempts: failed, their credits refunded.
        public var failed: [JobRecord] = []
    }

    /// Deals with running jobs whose worker is gone: their lease ran out, they have none, or
    /// `isGone` says their owner is gone (a process known to have died). Each claim counted an
    /// attempt before rendering began, so a job that has had `maximumAttempts` fails with a
    /// "render crashed" error and its credits are refunded instead of crashing another worker;
    /// the others go back in the queue. Any process may call this at any time: a job is dealt
    /// with once, in the transaction that finds it.
    @discardableResult
    public func reclaimJobs(maximumAttempts: Int, now: Date = Date(), isGone: (String) -> Bool = { _ in false },
                            announce: Announcement? = nil) throws -> Interrupted {
        let stamp = Timestamp.string(now)
        return try store.write { tx in
            var outcome = Interrupted()
            // Jobs another transaction holds (a renewal, an outcome, another server reclaiming)
            // are passed over: they are looked at again next time.
            for var job in try tx.all(JobRecord.self, "SELECT * FROM jobs WHERE status = ?" + tx.dialect.lockRowsSkippingLocked,
                                      [JobState.running.rawValue]) {
                let expired = job.leaseExpiresAt.map { $0 < stamp } ?? true
                guard expired || job.leaseOwner.map(isGone) == true else { continue }
                if job.attempts >= maximumAttempts {
                    let error = "render crashed: its worker died during each of its \(job.attempts) attempts at this render "
                        + "(a crash, a hang or a restart), so it is not tried again; the credits were refunded"
                    try Self.fail(tx, job: &job, error: error, announce: announce)
                    outcome.failed.append(job)
                } else {
                    try job.move(to: .queued)
                    job.progress = 0
                    job.fps = nil
                    job.eta = nil
                    try tx.update(job)
                    outcome.requeued.append(job)
                }
            }
            outcome.failed += try Self.reclaimSegments(tx, stamp: stamp, maximumAttempts: maximumAttempts, isGone: isGone, announce: announce)
            return outcome
        }
    }

    /// Puts running jobs back in the queue because their worker is stopping: their attempt does
    /// not count. With `owner`, only the jobs it still holds. Returns how many were put back.
    @discardableResult
    public func requeueJobs(ids: [String], owner: String? = nil) throws -> Int {
        try store.write { tx in
            var count = 0
            for id in ids {
                guard var job = try tx.find(JobRecord.self, id: id, locked: true), job.status == .running,
                      owner == nil || job.leaseOwner == owner else { continue }
                try job.move(to: .queued)
                job.progress = 0
                job.fps = nil
                job.eta = nil
                job.attempts = max(0, job.attempts - 1)
                try tx.update(job)
                count += 1
            }
            return count
        }
    }
}
