public import Foundation
public import Hummingbird
import Metrics
public import Prometheus
import Store

/// The server's metrics, kept with swift-metrics in a Prometheus registry of this service's own
/// (so that two services in one process count apart) and served at `GET /metrics` in
/// Prometheus's text format. What the store holds (jobs by state, the queue, the ledger) is read
/// at each scrape; what happens in this process (requests, renders, deliveries) is counted as it
/// happens. docs/server.md lists every name.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    /// A fresh registry: every counter at zero.
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
        ]
        let long: [Duration] = [.seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
                                .seconds(300), .seconds(600), .seconds(1800), .seconds(3600)]
        factory.durationHistogramBuckets = ["reel_render_duration_seconds": long, "reel_job_queue_wait_seconds": [.milliseconds(100)] + long]
        factory.valueHistogramBuckets = ["reel_render_fps": [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 240]]
        self.factory = factory
    }

    // MARK: what happens in this process

    /// One answered request: by method, route pattern (never the raw path, so ids do not make
    /// series) and status, with its latency.
    func request(method: String, route: String, status: Int, seconds: Double) {
        Counter(label: "reel_http_requests_total", dimensions: [("method", method), ("route", route), ("status", "\(status)")],
                factory: factory).increment()
        Metrics.Timer(label: "reel_http_request_duration_seconds", dimensions: [("method", method), ("route", route)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// A job taken from the queue after waiting `seconds`.
    func jobClaimed(waited seconds: Double) {
        Metrics.Timer(label: "reel_job_queue_wait_seconds", factory: factory).recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    /// A render's end: `outcome` is completed, failed, hung or cancelled; completed ones record
    /// their duration and frame rate.
    func renderFinished(outcome: String, seconds: Double? = nil, frames: Int? = nil) {
        Counter(label: "reel_renders_total", dimensions: [("outcome", outcome)], factory: factory).increment()
        guard let seconds, let frames, seconds > 0 else { return }
        Metrics.Timer(label: "reel_render_duration_seconds", factory: factory).recordNanoseconds(Int64(seconds * 1e9))
        Recorder(label: "reel_render_fps", factory: factory).record(Double(frames) / seconds)
        Counter(label: "reel_render_frames_total", factory: factory).increment(by: frames)
    }

    /// One webhook delivery attempt.
    func webhookAttempt(delivered: Bool) {
        Counter(label: "reel_webhook_deliveries_total", dimensions: [("outcome", delivered ? "delivered" : "failed")], factory: factory)
            .increment()
    }

    /// How many render workers run.
    func workers(configured: Int) {
        Gauge(label: "reel_workers", factory: factory).record(configured)
    }

    /// How many render workers are rendering.
    func workerBusy(_ busy: Int) {
        Gauge(label: "reel_workers_busy", factory: factory).record(busy)
    }

    // MARK: the exposition

    /// The text a scrape reads: the store's figures refreshed, then every metric.
    func exposition(database: ReelDatabase, workers: WorkerLiveness?) -> String {
        if let figures = try? database.figures() {
            for (state, count) in figures.jobs {
                Gauge(label: "reel_jobs", dimensions: [("state", state.rawValue)], factory: factory).record(count)
            }
            Gauge(label: "reel_queue_depth", factory: factory).record(figures.jobs[.queued] ?? 0)
            Gauge(label: "reel_queue_oldest_wait_seconds", factory: factory).record(figures.oldestQueuedSeconds)
            Gauge(label: "reel_credits_reserved", factory: factory).record(figures.creditsReserved)
            Gauge(label: "reel_credits_settled", factory: factory).record(figures.creditsSettled)
            Gauge(label: "reel_credits_refunded", factory: factory).record(figures.creditsRefunded)
            Gauge(label: "reel_store_up", factory: factory).record(1)
        } else {
            Gauge(label: "reel_store_up", factory: factory).record(0)
        }
        if let workers {
            let now = ProcessInfo.processInfo.systemUptime
            for (index, seen) in workers.lastSeen.enumerated() {
                Gauge(label: "reel_worker_last_seen_seconds", dimensions: [("worker", "\(index)")], factory: factory).record(max(0, now - seen))
            }
            workerBusy(workers.busy)
        }
        return registry.emitToString()
    }
}

/// Each render worker's last sign of life (a turn of its loop, or a finished frame), on the
/// monotonic clock, and how many are rendering.
public final class WorkerLiveness: Sendable {
    private let seen: LockedBox<[Double]>
    private let rendering = LockedBox(0)

    init(count: Int) {
        seen = LockedBox(Array(repeating: ProcessInfo.processInfo.systemUptime, count: count))
    }

    func beat(_ worker: Int) {
        let now = ProcessInfo.processInfo.systemUptime
        seen.mutate { values in
            if values.indices.contains(worker) { values[worker] = now }
        }
    }

    func renderStarted() { rendering.mutate { $0 += 1 } }
    func renderEnded() { rendering.mutate { $0 -= 1 } }

    var lastSeen: [Double] { seen.value }
    var busy: Int { rendering.value }
}

/// Counts every answered request in `metrics`, by the route pattern that matched (`NotFound`, as
/// Hummingbird names it, for none).
public struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    /// Counts into `metrics`.
    public init(_ metrics: ServerMetrics) {
        self.metrics = metrics
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = request.method.rawValue
        do {
            let response = try await next(request, context)
            record(method: method, context: context, status: response.status.code, since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(method: method, context: context, status: status, since: start)
            throw error
        }
    }

    private func record(method: String, context: Context, status: Int, since start: ContinuousClock.Instant) {
        metrics.request(method: method, route: context.endpointPath ?? "NotFound", status: status, seconds: (ContinuousClock.now - start).seconds)
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
