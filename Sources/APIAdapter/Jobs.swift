import Encoder
import Foundation
import Logging
import Media
import Render
import Store
import TemplateSchema

/// The render workers inside the server: each takes the oldest queued job, renders it, and
/// records the outcome; a restart puts interrupted jobs back in the queue.
final class JobRunner: Sendable {
    let service: ReelService
    private let gate = WorkGate()

    init(service: ReelService) {
        self.service = service
    }

    /// Tells the workers a job was queued.
    func notify() {
        Task { await gate.open() }
    }

    /// Deals with the renders that were running when the server last stopped: requeued, or failed
    /// and refunded once they have used their attempts. Runs before the server takes requests.
    func recoverInterruptedJobs() {
        if let interrupted = try? service.database.recoverInterruptedJobs(maximumAttempts: service.configuration.maximumRenderAttempts) {
            if !interrupted.requeued.isEmpty {
                service.logger.info("requeued interrupted renders", metadata: ["count": "\(interrupted.requeued.count)"])
            }
            for job in interrupted.failed {
                service.logger.error("render crashed on every attempt; failed", metadata: ["job": "\(job.id)", "attempts": "\(job.attempts)"])
                service.sendWebhook(for: job, status: "failed", error: job.error)
            }
        }
    }

    /// Runs `count` workers until the surrounding task is cancelled.
    func run(workers count: Int) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, count) {
                group.addTask { [self] in
                    while !Task.isCancelled {
                        if let job = try? service.database.claimNextJob() {
                            await render(job)
                        } else {
                            // Wait for a job to be queued here, or look again in a second (jobs queued by
                            // another process, such as the previous run of the server).
                            await gate.wait(timeout: .seconds(1))
                        }
                    }
                }
            }
        }
    }

    private func render(_ job: JobRecord) async {
        let logger = service.logger
        logger.info("render started", metadata: ["job": "\(job.id)", "task": "\(job.taskId)"])
        let output = service.paths.videos + "/\(job.taskId).mp4"
        let heartbeat = LockedBox(Date())
        let outcome: Result<Void, any Error>? = await runOnThread(stallingAfter: service.configuration.renderStallTimeout,
                                                                  heartbeat: heartbeat) { [service] in
            guard let task = try service.database.task(id: job.taskId) else { throw RenderError.cancelled }
            let timeline = try service.timeline(for: task.config, dialect: task.dialect, account: task.accountId)
            let renderer = Renderer(timeline: timeline, locator: service.mediaLocator)
            // num_workers is accepted for compatibility; the encoder's threads follow the picture
            // size so that the same task renders to the same bytes on any machine.
            let settings = EncoderSettings()
            var lastUpdate = Date.distantPast
            try renderer.renderVideo(to: output, settings: settings) { progress in
                heartbeat.value = Date()
                guard Date().timeIntervalSince(lastUpdate) > 0.5 else { return }
                lastUpdate = Date()
                // A deleted task stops its render.
                guard let current = try service.database.job(id: job.id), current.status == "running" else { throw RenderError.cancelled }
                try service.database.updateProgress(job: job.id, progress: Double(progress.framesDone) / Double(progress.frameCount))
            }
        }
        switch outcome {
        case nil:
            // The render's thread cannot be stopped; it stops itself at its next frame, seeing the
            // job is no longer running, and a worker is free for the next job now.
            let error = "render hung: no progress for \(Int(saturating: service.configuration.renderStallTimeout)) s, so it was stopped; "
                + "the credits were refunded"
            logger.error("render hung", metadata: ["job": "\(job.id)"])
            if (try? service.database.failJob(id: job.id, error: error)) == true {
                service.sendWebhook(for: job, status: "failed", error: error)
            }
        case .success:
            if (try? service.database.completeJob(id: job.id, outputPath: output)) == true {
                logger.info("render completed", metadata: ["job": "\(job.id)"])
                service.sendWebhook(for: job, status: "completed", error: nil)
            } else {
                try? FileManager.default.removeItem(atPath: output)
            }
        case .failure(let error):
            if case .cancelled = error as? RenderError { return }
            logger.warning("render failed", metadata: ["job": "\(job.id)", "error": "\(error)"])
            let message = service.clientMessage(error)
            if (try? service.database.failJob(id: job.id, error: message)) == true {
                service.sendWebhook(for: job, status: "failed", error: message)
            }
        }
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
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Runs blocking work on its own thread, off Swift's cooperative pool.
func runOnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async -> Result<T, any Error> {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: Result(catching: body)) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// Runs blocking work on its own thread, like `runOnThread`, but gives up waiting when `heartbeat`
/// (which the work updates as it goes) is older than `stall` seconds: nil then. The work's thread
/// goes on until it returns; its result is dropped.
func runOnThread<T: Sendable>(stallingAfter stall: TimeInterval, heartbeat: LockedBox<Date>,
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

/// Delivers webhooks from the outbox: POST with a 10 s timeout, retried with exponential
/// backoff (2, 4, 8 … s) up to eight attempts, never on the render path.
final class WebhookSender: Sendable {
    let service: ReelService
    static let maximumAttempts = 8

    init(service: ReelService) {
        self.service = service
    }

    func run() async {
        while !Task.isCancelled {
            let due = (try? service.database.dueWebhooks()) ?? []
            for hook in due { await deliver(hook) }
            try? await Task.sleep(for: .milliseconds(due.isEmpty ? 500 : 50))
        }
    }

    private func deliver(_ hook: WebhookRecord) async {
        guard let id = hook.id else { return }
        var failure: String?
        if let url = URL(string: hook.url) {
            do {
                try service.networkPolicy.check(url)
                var request = URLRequest(url: url, timeoutInterval: 10)
                request.httpMethod = "POST"
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.setValue("Reel-Webhook/\(ReelService.version)", forHTTPHeaderField: "User-Agent")
                request.httpBody = Data(hook.payload.utf8)
                let (_, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if !(200..<300).contains(status) { failure = "HTTP \(status)" }
            } catch {
                failure = "\(error)"
            }
        } else {
            failure = "not a URL"
        }
        let attempts = hook.attempts + 1
        let retry: TimeInterval? = failure != nil && attempts < Self.maximumAttempts ? pow(2, Double(attempts)) : nil
        try? service.database.recordWebhookAttempt(id: id, delivered: failure == nil, error: failure, retryAfter: retry)
        if let failure {
            service.logger.warning("webhook delivery failed", metadata: ["url": "\(hook.url)", "attempt": "\(attempts)", "error": "\(failure)"])
        }
    }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
