public import Foundation
import Logging
import Timeline
public import ServiceLifecycle

/// The render workers and the webhook sender as one service of the server's service group. It is
/// the last service told of a graceful shutdown (SIGTERM, SIGINT); by then `ShutdownNotice` has
/// stopped the workers taking jobs and given the running renders their grace period, which this
/// waits for before delivering the outbox once more (10 s at most) and returning.
public struct BackgroundWork: Service {
    let service: ReelService
    let surfaces: [any SurfaceModule]
    let grace: TimeInterval

    public init(service: ReelService, surfaces: [any SurfaceModule], grace: TimeInterval) {
        self.service = service
        self.surfaces = surfaces
        self.grace = grace
    }

    public func run() async throws {
        let (jobs, webhooks) = service.makeBackgroundWorkers(surfaces: surfaces)
        let workers = service.configuration.workers
        let rendering = Task { await jobs?.run(workers: workers) }
        let delivering = Task { await webhooks.run() }
        defer { rendering.cancel() }
        do {
            try await gracefulShutdown()
        } catch {
            delivering.cancel()
            return
        }
        let requeued = await service.drainRenders(grace: grace)
        // What is due now goes out (the webhooks of renders that finished during the shutdown);
        // a delivery cut off by the deadline is not counted as an attempt.
        webhooks.stop()
        let deadline = Task {
            try? await Task.sleep(for: .seconds(10))
            delivering.cancel()
        }
        await delivering.value
        deadline.cancel()
        service.logger.info("stopped", metadata: ["requeued": "\(requeued)"])
    }
}

/// The first service told of a graceful shutdown: it marks the server as shutting down
/// (`/readyz` turns 503, event streams end, so that the HTTP server's own shutdown does not wait
/// on them) and starts the render workers' drain (`ReelService.drainRenders`) at once, while the
/// HTTP server finishes the requests in flight.
public struct ShutdownNotice: Service {
    let service: ReelService
    let grace: TimeInterval

    public init(service: ReelService, grace: TimeInterval) {
        self.service = service
        self.grace = grace
    }

    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return
        }
        service.draining.value = true
        service.logger.info("shutting down: no new jobs are taken; running renders have \(Int(saturating: grace)) s to finish")
        Task { _ = await service.drainRenders(grace: grace) }
    }
}

extension ReelService {
    /// Stops the workers taking jobs and waits up to `grace` seconds for the running renders; the
    /// ones still running then go back in the queue. The first call does it; later calls wait
    /// for the same outcome. Returns how many were put back.
    func drainRenders(grace: TimeInterval) async -> Int {
        let drain = renderDrain.mutate { drain -> Task<Int, Never> in
            if let drain { return drain }
            let runner = self.renderWorkers
            let started = Task { () -> Int in
                guard let runner else { return 0 }
                runner.stopClaiming()
                return await runner.finishRunning(grace: grace)
            }
            drain = started
            return started
        }
        return await drain.value
    }
}

extension ReelService {
    /// Runs `renders` render workers in this process until SIGTERM or SIGINT (`reel worker`):
    /// they then take no more jobs, and the renders still running after `shutdownGrace` seconds
    /// go back in the queue. With `wakeOnInput`, each line on standard input says a job was
    /// queued (the server that started this worker writes them).
    public func runWorker(surfaces: [any SurfaceModule], renders: Int, reports: any WorkerReports, wakeOnInput: Bool,
                          shutdownGrace: TimeInterval) async throws {
        let jobs = JobRunner(service: self, surfaces: surfaces, reports: reports)
        if wakeOnInput {
            let reader = Thread {
                forEachLine(of: STDIN_FILENO) { _ in jobs.notify() }
            }
            reader.start()
        }
        let worker = WorkerService(jobs: jobs, renders: renders, grace: shutdownGrace, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// A worker process's one service: renders until told to stop, then drains.
struct WorkerService: Service {
    let jobs: JobRunner
    let renders: Int
    let grace: TimeInterval
    let logger: Logger

    func run() async throws {
        let rendering = Task { await jobs.run(workers: renders) }
        defer { rendering.cancel() }
        do {
            try await gracefulShutdown()
        } catch {
            return
        }
        jobs.stopClaiming()
        let requeued = await jobs.finishRunning(grace: grace)
        logger.info("worker stopped", metadata: ["requeued": "\(requeued)"])
    }
}
