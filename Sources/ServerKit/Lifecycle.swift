public import Foundation
import Logging
public import ServiceLifecycle

/// The render workers and the webhook sender as one service of the server's service group. On a
/// graceful shutdown (SIGTERM, SIGINT) the workers take no more jobs, the running renders get
/// `grace` seconds to finish and are then put back in the queue, and the outbox is delivered once
/// more before the service returns.
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
        let rendering = Task { await jobs.run(workers: workers) }
        let delivering = Task { await webhooks.run() }
        do {
            try await gracefulShutdown()
        } catch {
            rendering.cancel()
            delivering.cancel()
            return
        }
        service.draining.value = true
        service.logger.info("shutting down: no new jobs are taken; running renders have \(Int(grace)) s to finish")
        jobs.stopClaiming()
        let requeued = await jobs.finishRunning(grace: grace)
        webhooks.stop()
        await delivering.value
        await webhooks.flush(within: 10)
        service.logger.info("stopped", metadata: ["requeued": "\(requeued)"])
    }
}

/// Marks the server as shutting down as soon as a graceful shutdown begins (it is the service
/// told first): `/readyz` turns 503 and event streams end, so that the HTTP server's own
/// shutdown does not wait on them.
public struct ShutdownNotice: Service {
    let service: ReelService

    public init(service: ReelService) {
        self.service = service
    }

    public func run() async throws {
        try? await gracefulShutdown()
        service.draining.value = true
    }
}
