public import Foundation

/// A composition submitted for rendering.
public struct TaskRecord: Codable, Sendable, Equatable, StoredRecord {
    static let table = "tasks"
    public var id: String
    public var accountId: String
    public var api: String
    /// The input dialect `config` is written in (`InputDialect.name`).
    public var dialect: String
    public var config: String
    public var metadata: String?
    public var title: String?
    public var category: String
    public var status: String
    public var width: Int
    public var height: Int
    public var duration: Double
    public var cost: Int
    public var jobId: String?
    public var error: String?
    public var createdAt: String
    public var completedAt: String?
    /// Files sent with the task, by the name its document uses for them (a JSON object of name →
    /// file id), for surfaces whose uploads belong to one job.
    public var inputs: String?
    /// The document the task was submitted as, when `config` was generated from it (a prompt
    /// request planned into a template): kept so the job can show both.
    public var sourceDocument: String?

    /// The task's state, typed (`status` is its stored spelling).
    public var state: TaskState { TaskState(rawValue: status) ?? .created }

    enum CodingKeys: String, CodingKey {
        case id, api, dialect, config, metadata, title, category, status, width, height, duration, cost, error, inputs
        case sourceDocument = "source_document"
        case accountId = "account_id"
        case jobId = "job_id"
        case createdAt = "created_at"
        case completedAt = "completed_at"
    }

    public init(id: String = Identifier.make(20), accountId: String, api: String, dialect: String,
                config: String, metadata: String?, title: String?, category: String, width: Int, height: Int,
                duration: Double, cost: Int, inputs: String? = nil) {
        self.id = id
        self.accountId = accountId
        self.api = api
        self.dialect = dialect
        self.config = config
        self.metadata = metadata
        self.title = title
        self.category = category
        status = TaskState.created.rawValue
        self.width = width
        self.height = height
        self.duration = duration
        self.cost = cost
        self.inputs = inputs
        createdAt = Timestamp.now
    }
}

/// A task's state: written, being rendered, rendered, or its last render failed.
public enum TaskState: String, Sendable, CaseIterable {
    case created, rendering, completed, failed
}

/// Where a job is in its life. Every change goes through `canMove(to:)`: a finished job never
/// runs again, and a job is only claimed from the queue.
public enum JobState: String, Codable, Sendable, CaseIterable {
    case queued, running, completed, failed, cancelled

    public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }

    public func canMove(to next: JobState) -> Bool {
        switch (self, next) {
        case (.queued, .running), (.queued, .failed), (.queued, .cancelled): true
        // Back to the queue: the server stopped during the attempt.
        case (.running, .queued), (.running, .completed), (.running, .failed), (.running, .cancelled): true
        default: false
        }
    }
}

/// What a job is doing, finer than its state: importing its media, generating its document
/// (when its dialect is generated, e.g. from a prompt), rendering. Phases only move forward.
public enum JobPhase: String, Codable, Sendable, CaseIterable {
    case queued
    case preparingAssets = "preparing_assets"
    case generating, rendering, completed, failed, cancelled

    var order: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

/// One render of a task, queued and run by the server's workers.
public struct JobRecord: Codable, Sendable, Equatable, StoredRecord {
    static let table = "jobs"
    public var id: String
    public var taskId: String
    public var accountId: String
    public var status: JobState
    public var phase: JobPhase = .queued
    public var cost: Int
    public var progress: Double
    public var webhookURL: String?
    /// The secret a surface signs this job's webhook deliveries with, if it signs them.
    public var webhookSecret: String?
    public var workers: Int
    public var attempts: Int
    public var error: String?
    public var outputPath: String?
    public var createdAt: String
    public var updatedAt: String
    public var startedAt: String?
    public var finishedAt: String?
    /// The id of the request that created the job (its log lines carry it too).
    public var requestId: String?
    /// While rendering: frames a second, and the seconds left at that pace.
    public var fps: Double?
    public var eta: Double?
    /// The output format's name, as the surface that queued the job spells it; nil for the
    /// surface's default (an MP4).
    public var outputFormat: String?
    /// For a poster (a one-frame format): its time in seconds; nil for the default.
    public var posterAt: Double?
    /// While running: the worker that holds the job (`LeaseOwner`) and until when.
    public var leaseOwner: String?
    public var leaseExpiresAt: String?
    /// For a render split across workers: the plan of its segments (the renderer's JSON).
    public var segmentPlan: String?

    enum CodingKeys: String, CodingKey {
        case id, status, phase, cost, progress, workers, attempts, error, fps, eta
        case outputFormat = "output_format"
        case posterAt = "poster_at"
        case leaseOwner = "lease_owner"
        case leaseExpiresAt = "lease_expires_at"
        case segmentPlan = "segment_plan"
        case requestId = "request_id"
        case taskId = "task_id"
        case accountId = "account_id"
        case webhookURL = "webhook_url"
        case webhookSecret = "webhook_secret"
        case outputPath = "output_path"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    init(id: String, taskId: String, accountId: String, cost: Int, webhookURL: String?, webhookSecret: String?, workers: Int,
         outputFormat: String? = nil, posterAt: Double? = nil) {
        self.outputFormat = outputFormat
        self.posterAt = posterAt
        self.id = id
        self.taskId = taskId
        self.accountId = accountId
        status = .queued
        self.cost = cost
        progress = 0
        self.webhookURL = webhookURL
        self.webhookSecret = webhookSecret
        self.workers = workers
        attempts = 0
        createdAt = Timestamp.now
        updatedAt = createdAt
        requestId = RequestTrace.requestID
    }

    /// Moves to `next` (and its phase), or refuses a move the state machine does not allow.
    mutating func move(to next: JobState, phase: JobPhase? = nil) throws {
        guard status.canMove(to: next) else { throw StoreError.conflict("job \(id) cannot go from \(status.rawValue) to \(next.rawValue)") }
        status = next
        self.phase = phase ?? JobPhase(rawValue: next.rawValue) ?? self.phase
        updatedAt = Timestamp.now
        if next.isFinished { finishedAt = updatedAt }
        // A lease holds only while the job runs; the owner stays on record as who rendered it.
        if next != .running { leaseExpiresAt = nil }
        if next == .queued { leaseOwner = nil }
    }
}

/// An uploaded file.
public struct FileRecord: Codable, Sendable, Equatable, StoredRecord {
    static let table = "files"
    public var id: String
    public var accountId: String
    public var name: String
    public var storedPath: String
    public var type: String
    public var mimeType: String
    public var size: Int64
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, name, type, size
        case accountId = "account_id"
        case storedPath = "stored_path"
        case mimeType = "mime_type"
        case createdAt = "created_at"
    }

    public init(id: String, accountId: String, name: String, storedPath: String, type: String, mimeType: String, size: Int64) {
        self.id = id
        self.accountId = accountId
        self.name = name
        self.storedPath = storedPath
        self.type = type
        self.mimeType = mimeType
        self.size = size
        createdAt = Timestamp.now
    }
}

/// A temporary preview of a composition.
public struct PreviewRecord: Codable, Sendable, Equatable, StoredRecord {
    static let table = "previews"
    public var id: String
    public var accountId: String
    public var config: String
    public var createdAt: String
    public var expiresAt: String

    enum CodingKeys: String, CodingKey {
        case id, config
        case accountId = "account_id"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
    }
}

/// A webhook delivery waiting in the outbox.
public struct WebhookRecord: Codable, Sendable, Equatable, StoredRecord {
    static let table = "webhooks"
    public var id: Int64?
    public var url: String
    public var payload: String
    public var status: String
    public var attempts: Int
    public var nextAttemptAt: String
    public var lastError: String?
    public var createdAt: String
    /// Extra request headers (a JSON object), e.g. a signature over `payload`.
    public var headers: String?
    /// Attempts before the delivery is given up as failed.
    public var maxAttempts: Int = 8
    /// The job it announces, and the request that created that job (for logs).
    public var jobId: String?
    public var requestId: String?

    enum CodingKeys: String, CodingKey {
        case id, url, payload, status, attempts, headers
        case jobId = "job_id"
        case requestId = "request_id"
        case maxAttempts = "max_attempts"
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
        case createdAt = "created_at"
    }
}

/// A message for the outbox: where it goes, the raw body and extra headers (a signature is made
/// over exactly these bytes), and how many attempts it gets before it is given up.
public struct OutboxMessage: Sendable, Equatable {
    public var url: String
    public var body: String
    public var headers: [String: String]
    public var maxAttempts: Int

    public init(url: String, body: String, headers: [String: String] = [:], maxAttempts: Int) {
        self.url = url
        self.body = body
        self.headers = headers
        self.maxAttempts = maxAttempts
    }
}

/// Words the message announcing a finished job, inside the transaction that finishes it, so the
/// outcome and its message are stored together or not at all. Must not use the database.
public typealias Announcement = @Sendable (JobRecord, TaskRecord) -> OutboxMessage?

/// A page of results and the total they were taken from.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int
}

/// What starting a render did.
public enum RenderStart: Sendable, Equatable {
    case queued(JobRecord, remainingCredits: Int)
    case alreadyRendered(TaskRecord)
}

extension ReelDatabase {
    // MARK: tasks

    public func insert(_ task: TaskRecord) throws {
        try store.write { try $0.insert(task) }
    }

    /// The task `id` of `account`; with `api`, only a task of that surface (each surface sees its own).
    public func task(id: String, account: String, api: String? = nil) throws -> TaskRecord {
        guard let task = try store.read({ try $0.find(TaskRecord.self, id: id) }), task.accountId == account,
              api == nil || task.api == api else {
            throw StoreError.notFound("no task with id \(id)")
        }
        return task
    }

    /// Any account's task, for the server's own pages and workers.
    public func task(id: String) throws -> TaskRecord? {
        try store.read { try $0.find(TaskRecord.self, id: id) }
    }

    public func tasks(account: String, api: String, status: String?, category: String?, page: Int, limit: Int) throws -> Page<TaskRecord> {
        var filter = SQLFilter("account_id", account).and("api", api)
        if let status { filter = filter.and("status", status) }
        if let category { filter = filter.and("category", category) }
        return try store.read { try Self.page(TaskRecord.self, $0, filter, page: page, limit: limit) }
    }

    /// Deletes a task; a render in progress is cancelled and its credits refunded. Returns the
    /// task and the files that belonged to it.
    public func deleteTask(id: String, account: String, api: String? = nil) throws -> (task: TaskRecord, outputs: [String]) {
        try store.write { tx in
            guard let task = try tx.find(TaskRecord.self, id: id, locked: true), task.accountId == account, api == nil || task.api == api else {
                throw StoreError.notFound("no task with id \(id)")
            }
            let jobs = try tx.all(JobRecord.self, "SELECT * FROM jobs WHERE task_id = ?" + tx.dialect.lockRows, [id])
            for var job in jobs where job.status.canMove(to: .cancelled) {
                try job.move(to: .cancelled)
                try tx.update(job)
                try Self.append(tx, account: job.accountId, delta: job.cost, kind: "refund", job: job.id, note: "task deleted")
            }
            try tx.delete(TaskRecord.self, id: id)
            return (task, jobs.compactMap(\.outputPath))
        }
    }

    /// The rows before `page` (from 1) of `limit` rows; past the end of any table rather than
    /// overflowing when the page number is absurd.
    static func offset(page: Int, limit: Int) -> Int {
        let (offset, overflow) = max(page - 1, 0).multipliedReportingOverflow(by: max(limit, 0))
        return overflow ? Int.max : offset
    }

    /// Page `page` of `limit` rows of `R` that match `filter`, newest first, and how many match.
    static func page<R: StoredRecord & Sendable>(_ type: R.Type, _ tx: any SQLTransaction, _ filter: SQLFilter, page: Int,
                                                 limit: Int) throws -> Page<R> {
        let total = try tx.integer("SELECT COUNT(*) FROM \(R.table)" + filter.clause, filter.arguments)
        let items = try tx.all(R.self, "SELECT * FROM \(R.table)" + filter.clause + " ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                               filter.arguments + [max(limit, 0), Self.offset(page: page, limit: limit)])
        return Page(items: items, total: total)
    }

    // MARK: rendering

    /// Starts a render of `taskID`: reserves its cost and queues a job, all in one transaction, so
    /// the balance can never go negative however many renders start at once. `jobPrefix` starts
    /// the new job's id (each surface spells its job ids its own way). A completed task is not
    /// rendered again unless another output (`outputFormat`, `posterAt`) is asked for.
    public func startRender(taskID: String, account: String, api: String? = nil, webhookURL: String?, webhookSecret: String? = nil,
                            workers: Int, jobPrefix: String = "job_", outputFormat: String? = nil,
                            posterAt: Double? = nil) throws -> RenderStart {
        try store.write { tx in
            guard var task = try tx.find(TaskRecord.self, id: taskID, locked: true), task.accountId == account, api == nil || task.api == api else {
                throw StoreError.notFound("no task with id \(taskID)")
            }
            if task.state == .rendering { throw StoreError.conflict("task \(taskID) is already rendering") }
            if task.state == .completed {
                let last = try task.jobId.flatMap { try tx.find(JobRecord.self, id: $0) }
                if last == nil || (last?.outputFormat == outputFormat && last?.posterAt == posterAt) { return .alreadyRendered(task) }
            }
            let (job, remaining) = try Self.queue(tx, task: &task, webhookURL: webhookURL, webhookSecret: webhookSecret,
                                                  workers: workers, jobPrefix: jobPrefix, outputFormat: outputFormat, posterAt: posterAt)
            return .queued(job, remainingCredits: remaining)
        }
    }

    /// Stores `task` and queues its render in one transaction: nothing is stored, and nothing
    /// charged, when the account cannot pay for it (`StoreError` of kind `insufficientCredits`).
    /// `workers`: how many workers the render may be split across.
    public func submit(_ task: TaskRecord, webhookURL: String?, webhookSecret: String?, jobPrefix: String,
                       workers: Int = 1) throws -> (job: JobRecord, remainingCredits: Int) {
        try store.write { tx in
            var task = task
            try tx.insert(task)
            return try Self.queue(tx, task: &task, webhookURL: webhookURL, webhookSecret: webhookSecret, workers: workers, jobPrefix: jobPrefix)
        }
    }

    static func queue(_ tx: any SQLTransaction, task: inout TaskRecord, webhookURL: String?, webhookSecret: String?, workers: Int,
                      jobPrefix: String, outputFormat: String? = nil, posterAt: Double? = nil) throws -> (JobRecord, Int) {
        try lockAccount(tx, id: task.accountId)
        let balance = try balance(tx, account: task.accountId)
        guard balance >= task.cost else {
            throw StoreError(kind: .insufficientCredits, description: "rendering needs \(task.cost) credits and the account has \(balance)",
                             required: task.cost, balance: balance)
        }
        let job = JobRecord(id: Identifier.make(16, prefix: jobPrefix), taskId: task.id, accountId: task.accountId, cost: task.cost,
                            webhookURL: webhookURL, webhookSecret: webhookSecret, workers: workers, outputFormat: outputFormat,
                            posterAt: posterAt)
        try tx.insert(job)
        try append(tx, account: task.accountId, delta: -task.cost, kind: "reserve", job: job.id)
        task.status = TaskState.rendering.rawValue
        task.jobId = job.id
        task.error = nil
        task.completedAt = nil
        try tx.update(task)
        return (job, balance - task.cost)
    }

    public func job(id: String) throws -> JobRecord? {
        try store.read { try $0.find(JobRecord.self, id: id) }
    }

    /// Whether the database answers (for readiness checks).
    public func isReachable() -> Bool {
        (try? store.read { try $0.integer("SELECT 1") }) == 1
    }

    public func updateProgress(job id: String, progress: Double, fps: Double? = nil, eta: Double? = nil) throws {
        try store.write {
            try $0.execute("UPDATE jobs SET progress = ?, fps = ?, eta = ?, updated_at = ? WHERE id = ? AND status = 'running'",
                           [progress, fps, eta, Timestamp.now, id])
        }
    }

    /// Moves a running job to its next phase (phases only go forward). Returns false when the job
    /// is no longer running (it was cancelled meanwhile).
    @discardableResult
    public func enterPhase(_ phase: JobPhase, job id: String) throws -> Bool {
        try store.write { tx in
            guard var job = try tx.find(JobRecord.self, id: id, locked: true), job.status == .running else { return false }
            guard phase.order >= job.phase.order else {
                throw StoreError.conflict("job \(id) cannot go back from \(job.phase.rawValue) to \(phase.rawValue)")
            }
            job.phase = phase
            job.updatedAt = Timestamp.now
            try tx.update(job)
            return true
        }
    }

    /// Replaces a task's document with one generated from it (its dialect too), keeping the
    /// submitted one as `sourceDocument`.
    public func replaceDocument(task id: String, dialect: String, config: String, width: Int, height: Int, duration: Double) throws {
        try store.write { tx in
            guard var task = try tx.find(TaskRecord.self, id: id, locked: true) else { throw StoreError.notFound("no task with id \(id)") }
            if task.sourceDocument == nil { task.sourceDocument = task.config }
            task.dialect = dialect
            task.config = config
            task.width = width
            task.height = height
            task.duration = duration
            try tx.update(task)
        }
    }

    /// Records a finished render: the task completes and the reserved credits are settled.
    /// Returns false when the job was cancelled meanwhile.
    /// With `owner`, only while that worker still holds the job (a worker whose lease ran out and
    /// whose job went to another records nothing).
    public func completeJob(id: String, outputPath: String, owner: String? = nil, announce: Announcement? = nil) throws -> Bool {
        try store.write { tx in
            guard var job = try tx.find(JobRecord.self, id: id, locked: true), job.status.canMove(to: .completed),
                  owner == nil || job.leaseOwner == owner else { return false }
            try job.move(to: .completed)
            job.progress = 1
            job.outputPath = outputPath
            try tx.update(job)
            try Self.append(tx, account: job.accountId, delta: 0, kind: "settle", job: id)
            if var task = try tx.find(TaskRecord.self, id: job.taskId, locked: true), task.jobId == id {
                task.status = TaskState.completed.rawValue
                task.completedAt = job.finishedAt
                try tx.update(task)
                try Self.enqueue(tx, announce?(job, task), for: job)
            }
            return true
        }
    }

    /// Cancels `id` for its owner: a queued or running job stops (a running render notices at its
    /// next progress check), its reserved credits are refunded and its task fails with `reason`.
    /// A finished job is returned as it is. Throws `notFound` for another account's job.
    public func cancelJob(id: String, account: String, reason: String) throws -> JobRecord {
        try store.write { tx in
            guard var job = try tx.find(JobRecord.self, id: id, locked: true), job.accountId == account else {
                throw StoreError.notFound("no job with id \(id)")
            }
            guard job.status.canMove(to: .cancelled) else { return job }
            try job.move(to: .cancelled)
            job.error = reason
            try tx.update(job)
            try Self.append(tx, account: job.accountId, delta: job.cost, kind: "refund", job: job.id, note: "cancelled")
            if var task = try tx.find(TaskRecord.self, id: job.taskId, locked: true), task.jobId == job.id {
                task.status = TaskState.failed.rawValue
                task.error = reason
                task.completedAt = job.finishedAt
                try tx.update(task)
            }
            return job
        }
    }

    /// Records a failed render: the task fails with `error` and the credits are refunded.
    /// With `owner`, only while that worker still holds the job.
    public func failJob(id: String, error: String, owner: String? = nil, announce: Announcement? = nil) throws -> Bool {
        try store.write { tx in
            guard var job = try tx.find(JobRecord.self, id: id, locked: true), job.status.canMove(to: .failed),
                  owner == nil || job.leaseOwner == owner else { return false }
            try Self.fail(tx, job: &job, error: error, announce: announce)
            return true
        }
    }

    /// Fails `job` and its task with `error` and refunds its credits, inside the caller's transaction.
    static func fail(_ tx: any SQLTransaction, job: inout JobRecord, error: String, announce: Announcement?) throws {
        try job.move(to: .failed)
        job.error = error
        try tx.update(job)
        try append(tx, account: job.accountId, delta: job.cost, kind: "refund", job: job.id, note: "render failed")
        if var task = try tx.find(TaskRecord.self, id: job.taskId, locked: true), task.jobId == job.id {
            task.status = TaskState.failed.rawValue
            task.error = error
            task.completedAt = job.finishedAt
            try tx.update(task)
            try enqueue(tx, announce?(job, task), for: job)
        }
    }

    // MARK: files

    /// Stores a file record if the account's quota allows it.
    public func insertFile(_ file: FileRecord, quota: Int64) throws {
        try store.write { tx in
            // Uploads to one account are counted one at a time, so two cannot both fit the same room.
            try Self.lockAccount(tx, id: file.accountId)
            let used = Int64(try tx.integer("SELECT COALESCE(SUM(size), 0) FROM files WHERE account_id = ?", [file.accountId]))
            guard used + file.size <= quota else {
                throw StoreError(kind: .limitExceeded, description: "storage quota of \(quota) bytes exceeded (\(used) used)")
            }
            try tx.insert(file)
        }
    }

    public func storageUsed(account: String) throws -> Int64 {
        Int64(try store.read { try $0.integer("SELECT COALESCE(SUM(size), 0) FROM files WHERE account_id = ?", [account]) })
    }

    public func files(account: String, type: String?, page: Int, limit: Int) throws -> Page<FileRecord> {
        var filter = SQLFilter("account_id", account)
        if let type { filter = filter.and("type", type) }
        return try store.read { try Self.page(FileRecord.self, $0, filter, page: page, limit: limit) }
    }

    public func file(id: String) throws -> FileRecord? {
        try store.read { try $0.find(FileRecord.self, id: id) }
    }

    public func deleteFile(id: String, account: String) throws -> FileRecord {
        try store.write { tx in
            guard let file = try tx.find(FileRecord.self, id: id, locked: true), file.accountId == account else {
                throw StoreError.notFound("no file with id \(id)")
            }
            try tx.delete(FileRecord.self, id: id)
            return file
        }
    }

    // MARK: previews

    public func insertPreview(account: String, config: String, lifetime: TimeInterval) throws -> PreviewRecord {
        let now = Date()
        let preview = PreviewRecord(id: UUID().uuidString.lowercased(), accountId: account, config: config,
                                    createdAt: Timestamp.string(now), expiresAt: Timestamp.string(now + lifetime))
        try store.write { try $0.insert(preview) }
        return preview
    }

    /// A preview that has not expired; `account` nil skips the owner check (public pages).
    public func preview(id: String, account: String?, now: Date = Date()) throws -> PreviewRecord {
        guard let preview = try store.read({ try $0.find(PreviewRecord.self, id: id) }),
              account == nil || preview.accountId == account,
              let expires = Timestamp.date(preview.expiresAt), expires > now else {
            throw StoreError.notFound("no preview with id \(id), or it has expired")
        }
        return preview
    }

    public func deletePreview(id: String, account: String) throws {
        try store.write { tx in
            guard let preview = try tx.find(PreviewRecord.self, id: id, locked: true), preview.accountId == account else {
                throw StoreError.notFound("no preview with id \(id)")
            }
            try tx.delete(PreviewRecord.self, id: id)
        }
    }

    /// Removes expired previews; returns how many.
    @discardableResult
    public func purgeExpiredPreviews(now: Date = Date()) throws -> Int {
        try store.write { tx in
            try tx.execute("DELETE FROM previews WHERE expires_at <= ?", [Timestamp.string(now)])
        }
    }

    // MARK: webhooks

    /// Puts a delivery in the outbox: `headers` are sent with it, and it is given up after
    /// `maxAttempts` failed attempts.
    public func enqueueWebhook(url: String, payload: String, headers: [String: String] = [:], maxAttempts: Int = 8) throws {
        try store.write { try Self.enqueue($0, OutboxMessage(url: url, body: payload, headers: headers, maxAttempts: maxAttempts)) }
    }

    static func enqueue(_ tx: any SQLTransaction, _ message: OutboxMessage?, for job: JobRecord? = nil) throws {
        guard let message else { return }
        let headerJSON = message.headers.isEmpty ? nil : (try? JSONSerialization.data(withJSONObject: message.headers, options: [.sortedKeys]))
            .map { String(decoding: $0, as: UTF8.self) }
        let record = WebhookRecord(url: message.url, payload: message.body, status: "pending", attempts: 0, nextAttemptAt: Timestamp.now,
                                   createdAt: Timestamp.now, headers: headerJSON, maxAttempts: max(1, message.maxAttempts),
                                   jobId: job?.id, requestId: job?.requestId)
        try tx.insert(record)
    }

    /// Takes the deliveries that are due, holding them for `hold` seconds (their next attempt is
    /// moved past it in the same transaction), so that when several servers share the store each
    /// delivery goes out from one of them; one whose sender died is due again after the hold.
    public func dueWebhooks(now: Date = Date(), hold: TimeInterval = 120) throws -> [WebhookRecord] {
        try store.write { tx in
            // Servers taking at once each take other deliveries (PostgreSQL: rows another holds are passed over).
            let due = try tx.all(WebhookRecord.self, "SELECT * FROM webhooks WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT 20"
                                    + tx.dialect.lockRowsSkippingLocked, [Timestamp.string(now)])
            for hook in due {
                try tx.execute("UPDATE webhooks SET next_attempt_at = ? WHERE id = ?", [Timestamp.string(now.addingTimeInterval(hold)), hook.id])
            }
            return due
        }
    }

    /// Records one delivery attempt; a failed one is tried again after `retryAfter` seconds until
    /// the delivery's attempts run out.
    public func recordWebhookAttempt(id: Int64, delivered: Bool, error: String?, retryAfter: TimeInterval?) throws {
        try store.write { tx in
            guard var hook = try tx.find(WebhookRecord.self, id: id, locked: true) else { return }
            hook.attempts += 1
            hook.lastError = error
            if delivered {
                hook.status = "delivered"
            } else if let retryAfter, hook.attempts < hook.maxAttempts {
                hook.nextAttemptAt = Timestamp.string(Date() + retryAfter)
            } else {
                hook.status = "failed"
            }
            try tx.update(hook)
        }
    }

    public func webhooks() throws -> [WebhookRecord] {
        try store.read { try $0.all(WebhookRecord.self, "SELECT * FROM webhooks ORDER BY id") }
    }
}

// MARK: figures for metrics

extension ReelDatabase {
    /// What the store holds that an operator watches: jobs by state, the queue, the credit ledger.
    public struct Figures: Sendable {
        /// Jobs by state (every state named, 0 when none).
        public var jobs: [JobState: Int] = [:]
        /// Seconds the oldest queued job has waited; 0 when none waits.
        public var oldestQueuedSeconds: Double = 0
        /// Credits taken from balances for renders, the part of those kept for finished renders,
        /// and the part given back (failed, cancelled or deleted renders).
        public var creditsReserved = 0
        public var creditsSettled = 0
        public var creditsRefunded = 0
    }

    /// The figures as the store holds them now (one read transaction).
    public func figures(now: Date = Date()) throws -> Figures {
        try store.read { tx in
            var figures = Figures()
            for state in JobState.allCases { figures.jobs[state] = 0 }
            for row in try tx.rows("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status", []) {
                if let state = row["status"].string.flatMap(JobState.init(rawValue:)) { figures.jobs[state] = row["n"].int ?? 0 }
            }
            if let oldest = try tx.value("SELECT MIN(created_at) FROM jobs WHERE status = 'queued'")?.string,
               let date = Timestamp.date(oldest) {
                figures.oldestQueuedSeconds = max(0, now.timeIntervalSince(date))
            }
            figures.creditsReserved = try tx.integer("SELECT COALESCE(-SUM(delta), 0) FROM credit_ledger WHERE kind = 'reserve'")
            figures.creditsRefunded = try tx.integer("SELECT COALESCE(SUM(delta), 0) FROM credit_ledger WHERE kind = 'refund'")
            // A settled render keeps what was reserved for it.
            figures.creditsSettled = try tx.integer("""
                SELECT COALESCE(-SUM(r.delta), 0) FROM credit_ledger r
                WHERE r.kind = 'reserve' AND r.job_id IN (SELECT job_id FROM credit_ledger WHERE kind = 'settle')
                """)
            return figures
        }
    }
}
