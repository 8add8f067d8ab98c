public import Hummingbird
public import Foundation
public import Logging
public import Media
import Render
import Encoder
public import Store
public import TemplateSchema
public import Timeline
public import NIOCore

/// The server's shared parts: the database, the data folder, the workers and the webhook sender,
/// the shared routes, and the helpers every API surface builds its routes on.
public final class ReelService: Sendable {
    public static let version = "0.1.0"

    public let configuration: ServerConfiguration
    public let paths: DataPaths
    public let database: ReelDatabase
    public let logger: Logger
    let signer: URLSigner
    public let networkPolicy: NetworkPolicy
    public let mediaLocator: MediaLocator
    public let mediaAccess: MediaAccess
    /// Requests per API key, and preview frames per composition owner, when limited.
    public let requestLimiter: RateLimiter?
    public let previewFrameLimiter: RateLimiter?
    /// Preview frames being drawn at once.
    public let previewFrameSlots: Slots
    private let runner = LockedBox<(any RenderWorkers)?>(nil)
    /// Counters, gauges and histograms for `GET /metrics`.
    public let metrics = ServerMetrics()
    let workerLiveness = LockedBox<WorkerLiveness?>(nil)
    /// Set when a graceful shutdown begins: `/readyz` answers 503 and event streams end.
    public let draining = LockedBox(false)
    /// The render workers' drain, once a shutdown has started it.
    let renderDrain = LockedBox<Task<Int, Never>?>(nil)
    /// Event streams open at once.
    let eventStreams = Slots(256)
    var renderWorkers: (any RenderWorkers)? { runner.value }

    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "reel")) throws {
        self.configuration = configuration
        self.logger = logger
        paths = try DataPaths(root: configuration.dataDirectory)
        // Uploads cut off by an earlier stop. Only old ones: a younger one may be arriving at
        // another process that shares the folder (this server's when a worker starts, another
        // node's), and an upload has `uploadTimeout` to arrive.
        let abandoned = Date().addingTimeInterval(-max(3600, 2 * configuration.uploadTimeout))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: paths.incoming)) ?? [] {
            let path = paths.incoming + "/" + name
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                  modified < abandoned else { continue }
            try? FileManager.default.removeItem(atPath: path)
        }
        database = try paths.openDatabase(configuration.databaseLocation)
        signer = URLSigner(key: try paths.signingKey())
        networkPolicy = NetworkPolicy(allowsPrivateNetwork: configuration.allowsPrivateNetwork)
        // Links to our own uploads are resolved to the stored file (for their owner only) by
        // `MediaAccess` before anything is fetched.
        mediaLocator = MediaLocator(cacheDirectory: paths.cache, policy: networkPolicy)
        mediaAccess = MediaAccess(database: database, locator: mediaLocator)
        requestLimiter = configuration.rateLimit.map { RateLimiter(limit: $0, clock: configuration.rateLimitClock) }
        previewFrameLimiter = configuration.previewFrameRateLimit.map { RateLimiter(limit: $0, clock: configuration.rateLimitClock) }
        previewFrameSlots = Slots(configuration.previewFrameConcurrency)
    }

    /// The router every surface adds its routes to, with the server's own routes: health, the
    /// OpenAPI document (`openAPI`, composed by the caller from the surfaces) and the links;
    /// `taskPages` names the surfaces whose tasks have the preview pages by task id.
    public func router(openAPI: String, taskPages: Set<String>) -> Router<ReelRequestContext> {
        let router = Router(context: ReelRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics))
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: ErrorEnvelopeMiddleware(ServerEnvelope()))
        // Liveness: the process answers. Readiness: it should be sent work (its store answers,
        // its workers run, it is not shutting down).
        router.get("healthz") { _, _ in JSONResponse.make(["status": "ok", "version": Self.version]) }
        router.get("readyz") { _, _ in
            let (ready, checks) = self.readiness()
            return JSONResponse.make(["status": ready ? "ready" : "not ready", "checks": checks],
                                     status: ready ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            let text = self.metrics.exposition(database: self.database, workers: self.workerLiveness.value)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: .init(string: text)))
        }
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: openAPI)))
        }
        PublicRoutes(service: self, taskPages: taskPages).register(on: router)
        return router
    }

    /// The Hummingbird application serving `router`.
    public func application(router: Router<ReelRequestContext>) -> some ApplicationProtocol {
        // A connection idle (or still sending its request head) for `idleTimeout` is closed;
        // bodies have the same deadline in `collectBody(of:upTo:)`.
        let idle = TimeAmount.milliseconds(Int64(Int(saturating: configuration.idleTimeout * 1000)))
        return Application(router: router, server: .http1(configuration: .init(idleTimeout: idle)),
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                                serverName: "Reel/\(Self.version)"),
                           logger: logger)
    }

    /// Starts the workers and the webhook sender for jobs of `surfaces` (for in-process use;
    /// `reel serve` runs them as `BackgroundWork` in its service group).
    public func startBackgroundWork(surfaces: [any SurfaceModule]) -> Task<Void, Never> {
        let (jobs, webhooks) = makeBackgroundWorkers(surfaces: surfaces)
        return Task {
            await withTaskGroup(of: Void.self) { group in
                if let jobs { group.addTask { await jobs.run(workers: self.configuration.workers) } }
                group.addTask { await webhooks.run() }
            }
        }
    }

    /// The render workers (in this process or in worker processes, as configured) and the
    /// webhook sender.
    func makeBackgroundWorkers(surfaces: [any SurfaceModule]) -> ((any RenderWorkers)?, WebhookSender) {
        let jobs: (any RenderWorkers)?
        switch configuration.workerMode {
        case .inProcess:
            jobs = JobRunner(service: self, surfaces: surfaces, reports: localReports)
        case .processes(let command):
            jobs = WorkerProcesses(service: self, command: command, reports: localReports,
                                   announcement: JobRunner.announcement(surfaces: surfaces))
        case .none:
            jobs = nil
        }
        runner.value = jobs
        return (jobs, WebhookSender(service: self))
    }

    public func jobQueued() { runner.value?.notify() }

    /// Returns to the queue, or fails once their attempts are used, the running jobs whose worker
    /// is gone (its lease ran out, or it was a process of this machine that no longer runs).
    public func reclaimAbandonedJobs(surfaces: [any SurfaceModule]) {
        reclaimAbandonedJobs(announce: JobRunner.announcement(surfaces: surfaces))
    }

    /// The same, with `gone` telling which owners are gone besides those whose lease ran out;
    /// true when some job went back in the queue.
    @discardableResult
    func reclaimAbandonedJobs(announce: @escaping Announcement, gone: (String) -> Bool = LeaseOwner.isDeadLocalProcess) -> Bool {
        guard let reclaimed = try? database.reclaimJobs(maximumAttempts: configuration.maximumRenderAttempts, isGone: gone,
                                                        announce: announce) else { return false }
        if !reclaimed.requeued.isEmpty {
            logger.info("requeued renders whose worker is gone",
                        metadata: ["count": "\(reclaimed.requeued.count)", "jobs": "\(reclaimed.requeued.map(\.id).joined(separator: ","))"])
        }
        for job in reclaimed.failed {
            logger.error("render crashed on every attempt; failed", metadata: ["job": "\(job.id)", "attempts": "\(job.attempts)"])
        }
        return !reclaimed.requeued.isEmpty
    }

    /// Reports of workers into this service's metrics.
    public var localReports: any WorkerReports { LocalReports(metrics: metrics, liveness: workerLiveness) }

    /// Whether the server should be sent work, and each check by name.
    public func readiness() -> (Bool, [String: String]) {
        let checks = [
            "store": database.isReachable() ? "ok" : "unreachable",
            // Started: their loops run until shutdown. A server without workers of its own is ready.
            "workers": runner.value == nil && configuration.workerMode != .none ? "not started" : "ok",
            "lifecycle": draining.value ? "shutting down" : "ok",
        ]
        return (checks.values.allSatisfy { $0 == "ok" }, checks)
    }

    /// A request's body, at most `limit` bytes, which must arrive within `deadline` seconds (the
    /// idle timeout by default): a client that sends too much gets a 413, one that trickles it is
    /// cut off with a 408.
    public func collectBody(of request: Request, upTo limit: Int, within deadline: TimeInterval? = nil) async throws -> ByteBuffer {
        let deadline = deadline ?? configuration.idleTimeout
        let outcome = await withDeadline(deadline) { [request] () -> Result<ByteBuffer, any Error> in
            var request = request
            do { return .success(try await request.collectBody(upTo: limit)) } catch { return .failure(error) }
        }
        switch outcome {
        case .success(let buffer)?: return buffer
        case .failure(let error)?:
            if error is NIOTooManyBytesError { throw APIError.tooLarge(limit: limit) }
            if let http = error as? HTTPError, http.status == .contentTooLarge { throw APIError.tooLarge(limit: limit) }
            throw error
        case nil: throw APIError(.requestTimeout, code: "REQUEST_TIMEOUT", "the request body did not arrive within \(Int(saturating: deadline)) s")
        }
    }

    private let previewRenderers = LockedBox<[String: PreviewRenderer]>([:])

    /// A renderer kept per composition, so scrubbing reuses decoded media and drawn layers.
    func previewRenderer(for config: String, dialect: String, account: String) throws -> PreviewRenderer {
        let key = account + "\n" + dialect + "\n" + config
        if let cached = previewRenderers.value[key] { return cached }
        let renderer = PreviewRenderer(Renderer(timeline: try timeline(for: config, dialect: dialect, account: account), locator: mediaLocator))
        var renderers = previewRenderers.value
        if renderers.count >= 8 { renderers.removeAll() }
        renderers[key] = renderer
        previewRenderers.value = renderers
        return renderer
    }

    // MARK: helpers shared by the routes and the workers

    /// Reads, checks and lowers a stored or submitted document of `account` (whose media it may
    /// read), written in the dialect named `dialect`.
    public func timeline(for config: String, dialect: String, account: String, inputs: [String: String] = [:]) throws(SchemaError) -> Timeline {
        try Dialects.timeline(dialect: dialect, document: Data(config.utf8), sources: mediaAccess.sources(for: account, inputs: inputs))
    }

    /// A stored task's timeline, reading the files sent with it by their names.
    public func timeline(for task: TaskRecord) throws(SchemaError) -> Timeline {
        try timeline(for: task.config, dialect: task.dialect, account: task.accountId, inputs: Self.inputs(of: task))
    }

    /// The files sent with a task: name → file id.
    public static func inputs(of task: TaskRecord) -> [String: String] {
        guard let text = task.inputs, let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String] else { return [:] }
        return object
    }

    /// The origin of links in messages sent outside a request (webhooks).
    public var configuredOrigin: String {
        guard let publicURL = configuration.publicURL else { return "http://\(configuration.host):\(configuration.port)" }
        return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
    }

    /// An error as a client may read it: the server's data folder is not named (a stored upload
    /// reads `uploads/<id>.png`, a download `cache/…`); the log keeps the whole message.
    public func clientMessage(_ error: any Error) -> String {
        "\(error)".replacingOccurrences(of: paths.root.hasSuffix("/") ? paths.root : paths.root + "/", with: "")
    }

    /// The origin links are built on: the configured public URL, or the request's Host.
    public func origin(for request: Request) -> String {
        if configuration.publicURL != nil { return configuredOrigin }
        let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        return "http://\(host)"
    }

    /// A signed link to a task's video (or other output: `fileExtension` is its format's) that
    /// expires after `lifetime` seconds (the configured video link lifetime by default).
    public func videoURL(taskID: String, origin: String, lifetime: TimeInterval? = nil,
                         fileExtension: String = "mp4") -> (url: String, expires: Date) {
        let path = "/videos/\(taskID).\(fileExtension)"
        // Whole seconds: the link's expiry and the one a surface reports are the same instant.
        let expires = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + (lifetime ?? configuration.videoLinkLifetime)).rounded(.down))
        return (origin + path + "?" + signer.query(for: path, expires: expires), expires)
    }

}

/// A renderer used by one request at a time.
final class PreviewRenderer: @unchecked Sendable {
    private let renderer: Renderer
    private let lock = NSLock()

    init(_ renderer: Renderer) { self.renderer = renderer }

    func pngFrame(at seconds: Double) throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        return try PNGWriter.encode(renderer.frame(at: seconds))
    }
}

/// A count of things that may happen at once; `take` fails rather than waits when none is free.
public final class Slots: @unchecked Sendable {
    private let lock = NSLock()
    private var free: Int

    public init(_ count: Int) { free = max(1, count) }

    public func take() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard free > 0 else { return false }
        free -= 1
        return true
    }

    public func give() {
        lock.lock()
        free += 1
        lock.unlock()
    }
}

/// A value behind a lock.
public final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    public init(_ value: Value) { stored = value }

    public var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }

    /// Changes the value in place, in one step.
    @discardableResult
    public func mutate<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&stored)
    }

    /// Stores `newValue` and returns the value it replaced, in one step.
    public func exchange(_ newValue: Value) -> Value {
        lock.lock()
        defer { lock.unlock() }
        let old = stored
        stored = newValue
        return old
    }
}
