import Encoder
public import Foundation
import Logging
import Media
import Render
import Store
import TemplateSchema
import Timeline

/// Render workers: each takes the oldest queued job under a lease (`LeaseOwner`) and takes it
/// through its phases (importing its media, generating its document when its dialect is
/// generated, rendering), then records the outcome and queues the job's surface's webhook. A
/// heartbeat renews the leases of the renders in hand and returns to the queue the jobs of
/// workers that are gone (their lease ran out, or their process on this machine died), so a
/// crash costs one attempt and never takes other jobs with it. Runs inside a worker process
/// (`reel worker`, started by `reel serve` or on other machines), or inside the server for
/// in-process use (tests, `ServerConfiguration.workerMode`).
final class JobRunner: Sendable {
    let service: ReelService
    /// The surfaces by name: whose jobs these are, who words their webhooks and generates documents.
    let surfaces: [String: any SurfaceModule]
    let reports: any WorkerReports
    /// This runner's name on the jobs it holds.
    let owner = LeaseOwner.current().description
    private let gate = WorkGate()

    init(service: ReelService, surfaces: [any SurfaceModule], reports: any WorkerReports) {
        self.service = service
        self.surfaces = Dictionary(surfaces.map { ($0.surface.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.reports = reports
    }

    /// Tells the workers a job was queued.
    func notify() {
        Task { await gate.open() }
    }

    /// Returns to the queue (or fails) the running jobs whose worker is gone, and wakes a worker
    /// when some were queued again.
    func reclaimAbandonedJobs() {
        if service.reclaimAbandonedJobs(announce: announcement) { notify() }
    }

    /// Runs `count` workers until the surrounding task is cancelled or `stopClaiming()` is called
    /// (each then finishes the render it has), with the lease heartbeat.
    func run(workers count: Int) async {
        let count = max(1, count)
        reports.configured(count)
        reclaimAbandonedJobs()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in await heartbeat() }
            for worker in 0..<count {
                group.addTask { [self] in
                    while !Task.isCancelled && !stopping.value {
                        reports.beat(worker)
                        if let segment = claimSegment() {
                            // A part of a render split across workers comes before a new job.
                            reports.renderStarted()
                            await renderClaimedSegment(segment, worker: worker)
                            reports.renderEnded()
                        } else if let job = claim() {
                            reports.renderStarted()
                            await render(job, worker: worker)
                            running.mutate { _ = $0.remove(job.id) }
                            reports.renderEnded()
                            Task { await renderEnded.open() }
                        } else {
                            // Wait for a job to be queued here, or look again in a second (jobs queued by
                            // another process).
                            await gate.wait(timeout: .seconds(1))
                        }
                    }
                }
            }
        }
    }

    /// Every third of a lease: renews the leases of the renders in hand (a render whose lease was
    /// lost, because it was cancelled or reclaimed, stops at its next frame) and reclaims the
    /// jobs of workers that are gone.
    private func heartbeat() async {
        let lease = service.configuration.leaseDuration
        while !Task.isCancelled && !(stopping.value && running.value.isEmpty && runningSegments.value.isEmpty) {
            let held = Array(running.value)
            if let lost = try? service.database.renewLeases(owner: owner, jobs: held, lease: lease), !lost.isEmpty {
                self.lost.mutate { $0.formUnion(lost) }
            }
            let segments = Array(runningSegments.value)
            if let lost = try? service.database.renewSegmentLeases(owner: owner, segments: segments, lease: lease), !lost.isEmpty {
                lostSegments.mutate { $0.formUnion(lost) }
            }
            if !stopping.value { reclaimAbandonedJobs() }
            try? await Task.sleep(for: .milliseconds(Int(saturating: max(0.1, lease / 3) * 1000)))
        }
    }

    private let stopping = LockedBox(false)
    /// The jobs being rendered; claims and `stopClaiming()` take its lock, so that once workers
    /// are stopped every claimed job is in it.
    private let running = LockedBox<Set<String>>([])
    /// Jobs in hand whose lease the heartbeat found lost.
    private let lost = LockedBox<Set<String>>([])
    /// Segments being rendered here, and those whose lease the heartbeat found lost.
    let runningSegments = LockedBox<Set<SegmentKey>>([])
    let lostSegments = LockedBox<Set<SegmentKey>>([])
    private let renderEnded = WorkGate()

    /// The oldest queued job, claimed and noted as running; nil when none is queued or workers
    /// are stopped.
    private func claim() -> JobRecord? {
        running.mutate { running in
            guard !stopping.value,
                  let job = try? service.database.claimNextJob(owner: owner, lease: service.configuration.leaseDuration) else { return nil }
            running.insert(job.id)
            return job
        }
    }

    /// The oldest queued segment of a running job, claimed; nil when none is queued or workers
    /// are stopped.
    private func claimSegment() -> SegmentRecord? {
        guard !stopping.value else { return nil }
        return try? service.database.claimNextSegment(owner: owner, lease: service.configuration.leaseDuration)
    }

    /// Workers take no more jobs; the renders they have go on.
    func stopClaiming() {
        running.mutate { _ in stopping.value = true }
        notify()
    }

    /// Waits up to `grace` seconds for the running renders to finish, then puts those still
    /// running back in the queue (the attempt does not count: the worker was stopped, the render
    /// did not fail) for the next start of any worker. Returns how many were put back.
    func finishRunning(grace: TimeInterval) async -> Int {
        let deadline = ContinuousClock.now + .milliseconds(Int(saturating: grace * 1000))
        while !(running.value.isEmpty && runningSegments.value.isEmpty) && ContinuousClock.now < deadline {
            await renderEnded.wait(timeout: min(.seconds(1), deadline - ContinuousClock.now))
        }
        // Segments of split renders in hand go back too, their attempt not counted.
        let segments = Array(runningSegments.value)
        if !segments.isEmpty, let requeued = try? service.database.requeueSegments(segments, owner: owner), requeued > 0 {
            service.logger.warning("segments still rendering at the end of the grace period were put back in the queue",
                                   metadata: ["count": "\(requeued)"])
        }
        let left = running.value
        guard !left.isEmpty else { return 0 }
        let requeued = (try? service.database.requeueJobs(ids: Array(left), owner: owner)) ?? 0
        service.logger.warning("renders still running at the end of the grace period were put back in the queue",
                               metadata: ["count": "\(requeued)", "jobs": "\(left.sorted().joined(separator: ","))"])
        return requeued
    }

    /// The webhook of a finished job, as its surface words it: stored in the transaction that
    /// finishes the job.
    var announcement: Announcement {
        let surfaces = self.surfaces
        return { job, task in surfaces[task.api]?.webhook(for: job, task: task) }
    }

    /// The same, for `surfaces`.
    static func announcement(surfaces: [any SurfaceModule]) -> Announcement {
        let surfaces = Dictionary(surfaces.map { ($0.surface.name, $0) }, uniquingKeysWith: { first, _ in first })
        return { job, task in surfaces[task.api]?.webhook(for: job, task: task) }
    }

    private func render(_ job: JobRecord, worker: Int) async {
        var logger = service.logger
        logger[metadataKey: "job"] = "\(job.id)"
        if let request = job.requestId { logger[metadataKey: "request_id"] = "\(request)" }
        logger[metadataKey: "worker"] = "\(owner)"
        let reports = self.reports, owner = self.owner, lost = self.lost
        if let queued = Timestamp.date(job.createdAt) { reports.claimed(waited: Date().timeIntervalSince(queued)) }
        logger.info("render started", metadata: ["task": "\(job.taskId)", "attempt": "\(job.attempts)"])
        let started = ContinuousClock.now
        let frames = LockedBox(0)
        // No format is the default, an MP4; a name this build does not know fails the job.
        let format: OutputFormat? = job.outputFormat.map { OutputFormat(name: $0) } ?? .mp4
        let output = service.paths.videos + "/\(job.taskId).\((format ?? .mp4).fileExtension)"
        // Written under a name of this attempt's own and moved into place once the job is still
        // ours, so that a worker whose lease ran out never overwrites the next attempt's file.
        let partial = service.paths.videos + "/.\(job.taskId).\(job.attempts)-\(Identifier.make(6)).part.\((format ?? .mp4).fileExtension)"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let heartbeat = LockedBox(Date())
        let database = service.database
        let stall = service.configuration.renderStallTimeout
        var outcome: Result<Void, any Error>?
        do {
            guard let task = try database.task(id: job.taskId) else { throw RenderError.cancelled }
            guard let format else { throw Unrendered("the job asks for an unknown output format \"\(job.outputFormat ?? "")\"") }
            let generator = surfaces[task.api]?.generator(forDialect: task.dialect)
            // Importing: every remote file the document names is fetched (and each upload found)
            // before anything is generated or drawn, so a poll shows `preparing_assets` meanwhile.
            guard let prepared = try await prepare(task, generator: generator, heartbeat: heartbeat) else { throw Stalled() }
            var timeline = prepared.timeline
            if let generator {
                guard try database.enterPhase(.generating, job: job.id) else { throw RenderError.cancelled }
                let generated = try await generator.generate(task: task, imported: prepared.media)
                // What was generated must read in its dialect before it replaces the submitted document.
                let read = await runOnThread { [service] in
                    try service.timeline(for: generated.document, dialect: generated.dialect, account: task.accountId,
                                         inputs: ReelService.inputs(of: task))
                }
                let planned = try read.get()
                try database.replaceDocument(task: task.id, dialect: generated.dialect, config: generated.document,
                                             width: planned.canvas.width, height: planned.canvas.height, duration: planned.duration)
                timeline = planned
            }
            guard let timeline else { throw RenderError.cancelled }
            guard try database.enterPhase(.rendering, job: job.id) else { throw RenderError.cancelled }
            heartbeat.value = Date()
            outcome = await runOnThread(stallingAfter: stall, heartbeat: heartbeat) { [service, self] in
                let renderer = Renderer(timeline: timeline, locator: service.mediaLocator)
                // The document's delivery sets the encoder's quality (`render(to:format:)` picks
                // each format's settings from it); num_workers is accepted for compatibility, and the
                // encoder's threads follow the picture size so that the same task renders to the
                // same bytes on any machine.
                var lastUpdate = Date.distantPast
                let renderStart = Date()
                if try self.renderSplit(job, renderer: renderer, format: format, to: partial, heartbeat: heartbeat, worker: worker) {
                    frames.value = renderer.timeline.frameCount
                    return
                }
                try renderer.render(to: partial, format: format, posterTime: job.posterAt) { progress in
                    heartbeat.value = Date()
                    reports.beat(worker)
                    if let frame = Self.crashFrame, progress.framesDone >= frame {
                        fatalError("REEL_TEST_CRASH_AT_FRAME: render stopped at frame \(progress.framesDone) on purpose")
                    }
                    if lost.value.contains(job.id) { throw RenderError.cancelled }
                    frames.value = progress.framesDone
                    guard Date().timeIntervalSince(lastUpdate) > 0.5 else { return }
                    lastUpdate = Date()
                    // A deleted task stops its render, and so does a job put back in the queue or
                    // taken by another worker.
                    guard try service.database.holds(job: job.id, owner: owner) else { throw RenderError.cancelled }
                    let elapsed = Date().timeIntervalSince(renderStart)
                    let fps = elapsed > 0 ? Double(progress.framesDone) / elapsed : 0
                    let eta = fps > 0 ? Double(progress.frameCount - progress.framesDone) / fps : nil
                    try service.database.updateProgress(job: job.id, progress: Double(progress.framesDone) / Double(progress.frameCount),
                                                        fps: fps > 0 ? fps : nil, eta: eta)
                }
            }
        } catch is Stalled {
            outcome = nil
        } catch {
            outcome = .failure(error)
        }
        // A split job that ended (failed, cancelled) leaves no segments behind; one still running
        // (taken over by another coordinator) keeps them for it.
        defer {
            if job.workers > 1, (try? database.job(id: job.id))?.status.isFinished == true {
                try? FileManager.default.removeItem(atPath: segmentFolder(job.id))
            }
        }
        switch outcome {
        case nil:
            // The render's thread cannot be stopped; it stops itself at its next frame, seeing the
            // job is no longer running, and a worker is free for the next job now.
            let error = "render hung: no progress for \(Int(saturating: stall)) s, so it was stopped; the credits were refunded"
            logger.error("render hung")
            reports.finished(outcome: "hung", seconds: nil, frames: nil)
            _ = try? database.failJob(id: job.id, error: error, owner: owner, announce: announcement)
        case .success:
            if (try? database.holds(job: job.id, owner: owner)) == true, (try? Self.moveIntoPlace(partial, output)) != nil,
               (try? database.completeJob(id: job.id, outputPath: output, owner: owner, announce: announcement)) == true {
                let seconds = (ContinuousClock.now - started).seconds
                reports.finished(outcome: "completed", seconds: seconds, frames: frames.value)
                logger.info("render completed", metadata: ["seconds": "\(String(format: "%.2f", seconds))", "frames": "\(frames.value)"])
            } else {
                reports.finished(outcome: "cancelled", seconds: nil, frames: nil)
            }
        case .failure(let error):
            if case .cancelled = error as? RenderError {
                reports.finished(outcome: "cancelled", seconds: nil, frames: nil)
                return
            }
            logger.warning("render failed", metadata: ["error": "\(error)"])
            reports.finished(outcome: "failed", seconds: nil, frames: nil)
            _ = try? database.failJob(id: job.id, error: service.clientMessage(error), owner: owner, announce: announcement)
        }
    }

    /// Reads `task`'s document and imports its media (a generated dialect says which; others name
    /// them in their timeline, which is kept for the render), off the cooperative threads: nil
    /// when the import stalls.
    private func prepare(_ task: TaskRecord, generator: (any DocumentGenerator)?,
                         heartbeat: LockedBox<Date>) async throws -> (media: [ImportedMedia], timeline: Timeline?)? {
        let result = await runOnThread(stallingAfter: service.configuration.renderStallTimeout,
                                       heartbeat: heartbeat) { [service] () throws -> ([ImportedMedia], Timeline?) in
            let sources = service.mediaAccess.sources(for: task.accountId, inputs: ReelService.inputs(of: task))
            let timeline = generator == nil ? try service.timeline(for: task) : nil
            let media = try generator?.media(of: task, sources: sources) ?? timeline?.mediaSources ?? []
            let imported = try media.map { source in
                heartbeat.value = Date()
                return ImportedMedia(source: source, path: try service.mediaLocator.localPath(for: source))
            }
            return (imported, timeline)
        }
        return try result?.get()
    }

    /// Replaces `destination` with `source` (one rename on the same file system).
    static func moveIntoPlace(_ source: String, _ destination: String) throws {
        guard rename(source, destination) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// For the tests of crash handling only: a worker started with REEL_TEST_CRASH_AT_FRAME=N in
    /// its environment traps (as a bug would) when any render of it reaches frame N.
    static let crashFrame: Int? = ProcessInfo.processInfo.environment["REEL_TEST_CRASH_AT_FRAME"].flatMap { Int($0) }

    struct Stalled: Error {}

    /// A job that cannot be rendered as it was queued.
    struct Unrendered: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    enum RenderError: Error { case cancelled }
}

/// Wakes waiting workers; a wake-up before anyone waits is kept for the next waiter.
actor WorkGate {
    private var pending = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func open() {
        if waiters.isEmpty { pending = true }
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }

    func wait(timeout: Duration) async {
        if pending {
            pending = false
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.suspend() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            self.releaseAll()
        }
    }

    private func suspend() async {
        await withCheckedContinuation { waiters.append($0) }
    }

    private func releaseAll() {
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}

/// A value handed between threads that the compiler cannot check (a JSON object tree, once built,
/// is only read).
public struct Unchecked<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

/// What `operation` returns, or nil when it takes longer than `seconds`: it is then cancelled,
/// and the answer comes when it has stopped (an operation that ignores cancellation holds it back).
public func withDeadline<T: Sendable>(_ seconds: TimeInterval, _ operation: @escaping @Sendable () async -> T) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await operation() }
        group.addTask {
            try? await Task.sleep(for: .milliseconds(Int(saturating: seconds * 1000)))
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// Runs blocking work on its own thread, off Swift's cooperative pool.
public func runOnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async -> Result<T, any Error> {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: Result(catching: body)) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// Runs blocking work on its own thread, like `runOnThread`, but gives up waiting when `heartbeat`
/// (which the work updates as it goes) is older than `stall` seconds: nil then. The work's thread
/// goes on until it returns; its result is dropped.
public func runOnThread<T: Sendable>(stallingAfter stall: TimeInterval, heartbeat: LockedBox<Date>,
                              _ body: @escaping @Sendable () throws -> T) async -> Result<T, any Error>? {
    await withCheckedContinuation { continuation in
        let answered = LockedBox(false)
        let answer = { @Sendable (result: Result<T, any Error>?) in
            let first = answered.exchange(true) == false
            if first { continuation.resume(returning: result) }
        }
        let thread = Thread { answer(Result(catching: body)) }
        thread.stackSize = 8 << 20
        thread.start()
        Task {
            let tick = max(0.05, min(1, stall / 4))
            while !answered.value {
                try? await Task.sleep(for: .milliseconds(Int(saturating: tick * 1000)))
                if Date().timeIntervalSince(heartbeat.value) > stall { answer(nil) }
            }
        }
    }
}

/// Delivers webhooks from the outbox: POST with a 10 s timeout and the delivery's headers,
/// retried with exponential backoff (`webhookRetryDelay` × 1, 2, 4 …) until its attempts run out,
/// never on the render path.
final class WebhookSender: Sendable {
    let service: ReelService
    init(service: ReelService) {
        self.service = service
    }

    private let stopping = LockedBox(false)

    /// Delivers what is due until cancelled, or, once `stop()` is called, until nothing is due.
    func run() async {
        while !Task.isCancelled {
            let due = (try? service.database.dueWebhooks()) ?? []
            for hook in due {
                if Task.isCancelled { return }
                await deliver(hook)
            }
            if stopping.value && due.isEmpty { return }
            if !stopping.value { try? await Task.sleep(for: .milliseconds(due.isEmpty ? 500 : 50)) }
        }
    }

    /// Makes `run()` return once nothing is due (failed deliveries wait for their retry, after
    /// the next start).
    func stop() { stopping.value = true }

    private func deliver(_ hook: WebhookRecord) async {
        guard let id = hook.id else { return }
        var failure: String?, reason = ""
        if let url = URL(string: hook.url) {
            do {
                try service.networkPolicy.check(url)
                var request = URLRequest(url: url, timeoutInterval: 10)
                request.httpMethod = "POST"
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.setValue("Reel-Webhook/\(ReelService.version)", forHTTPHeaderField: "User-Agent")
                for (name, value) in Self.headers(of: hook) { request.setValue(value, forHTTPHeaderField: name) }
                request.httpBody = Data(hook.payload.utf8)
                // Redirects are not followed: the policy checked this URL, not where it might send us.
                let (_, response) = try await Self.session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if !(200..<300).contains(status) { failure = "HTTP \(status)" }
                reason = failure ?? ""
            } catch {
                // Cut off by a shutdown's deadline: not an attempt; it goes out after the next start.
                if Task.isCancelled { return }
                failure = "\(error)"
                reason = (error as? URLError).map { "URL error \($0.code.rawValue)" } ?? "\(type(of: error))"
            }
        } else {
            failure = "not a URL"
            reason = "not a URL"
        }
        let attempts = hook.attempts + 1
        let retry: TimeInterval? = failure != nil && attempts < hook.maxAttempts
            ? service.configuration.webhookRetryDelay * pow(2, Double(attempts - 1)) : nil
        try? service.database.recordWebhookAttempt(id: id, delivered: failure == nil, error: failure, retryAfter: retry)
        service.metrics.webhookAttempt(delivered: failure == nil)
        if failure != nil {
            // The host only: a webhook URL's path, query or user part may hold its secret.
            let host = URL(string: hook.url)?.host ?? "?"
            var metadata: Logger.Metadata = ["host": "\(host)", "attempt": "\(attempts)", "error": "\(reason)"]
            if let job = hook.jobId { metadata["job"] = "\(job)" }
            if let request = hook.requestId { metadata["request_id"] = "\(request)" }
            service.logger.warning("webhook delivery failed", metadata: metadata)
        }
    }

    static let session = URLSession(configuration: .ephemeral, delegate: RefusingRedirects(), delegateQueue: nil)

    static func headers(of hook: WebhookRecord) -> [String: String] {
        guard let text = hook.headers, let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String] else { return [:] }
        return object
    }
}

/// Answers every redirect with "do not follow": the 3xx is the response.
final class RefusingRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
