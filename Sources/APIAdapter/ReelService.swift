public import Hummingbird
import Foundation
public import Logging
import Media
import Render
import Encoder
public import Store
import TemplateSchema
import Timeline
import NIOCore

/// The server: the database, the data folder, the workers and the webhook sender, and the
/// routes of every API surface built on them.
public final class ReelService: Sendable {
    public static let version = "0.1.0"

    public let configuration: ServerConfiguration
    public let paths: DataPaths
    public let database: ReelDatabase
    public let logger: Logger
    let signer: URLSigner
    let networkPolicy: NetworkPolicy
    let mediaLocator: MediaLocator
    let mediaAccess: MediaAccess
    /// Requests per API key, and preview frames per composition owner, when limited.
    let requestLimiter: RateLimiter?
    let previewFrameLimiter: RateLimiter?
    /// Preview frames being drawn at once.
    let previewFrameSlots: Slots
    private let runner = LockedBox<JobRunner?>(nil)

    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "reel")) throws {
        self.configuration = configuration
        self.logger = logger
        paths = try DataPaths(root: configuration.dataDirectory)
        database = try paths.openDatabase()
        signer = URLSigner(key: try paths.signingKey())
        networkPolicy = NetworkPolicy(allowsPrivateNetwork: configuration.allowsPrivateNetwork)
        // Links to our own uploads are resolved to the stored file (for their owner only) by
        // `MediaAccess` before anything is fetched.
        mediaLocator = MediaLocator(cacheDirectory: paths.cache, policy: networkPolicy)
        mediaAccess = MediaAccess(database: database)
        requestLimiter = configuration.rateLimit.map { RateLimiter(limit: $0, clock: configuration.rateLimitClock) }
        previewFrameLimiter = configuration.previewFrameRateLimit.map { RateLimiter(limit: $0, clock: configuration.rateLimitClock) }
        previewFrameSlots = Slots(configuration.previewFrameConcurrency)
    }

    /// The Hummingbird application serving every route.
    public func application() -> some ApplicationProtocol {
        let router = Router(context: ReelRequestContext.self)
        router.add(middleware: ErrorEnvelopeMiddleware())
        router.add(middleware: LogRequestsMiddleware(.info))
        router.get("healthz") { _, _ in JSONResponse.make(["status": "ok", "version": Self.version]) }
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: OpenAPIDocument.json)))
        }
        RenderingVideoRoutes(service: self).register(on: router)
        PublicRoutes(service: self).register(on: router)
        // A connection idle (or still sending its request head) for `idleTimeout` is closed;
        // bodies have the same deadline in `collectBody(of:upTo:)`.
        let idle = TimeAmount.milliseconds(Int64(Int(saturating: configuration.idleTimeout * 1000)))
        return Application(router: router, server: .http1(configuration: .init(idleTimeout: idle)),
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                                serverName: "Reel/\(Self.version)"),
                           logger: logger)
    }

    /// Serves until cancelled, with the render workers and the webhook sender alongside.
    public func run() async throws {
        let work = startBackgroundWork()
        defer { work.cancel() }
        try await application().runService()
    }

    /// Starts the workers and the webhook sender (without the HTTP listener, for in-process tests).
    public func startBackgroundWork() -> Task<Void, Never> {
        let jobs = JobRunner(service: self)
        jobs.recoverInterruptedJobs()
        runner.value = jobs
        let webhooks = WebhookSender(service: self)
        return Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await jobs.run(workers: self.configuration.workers) }
                group.addTask { await webhooks.run() }
            }
        }
    }

    func jobQueued() { runner.value?.notify() }

    /// A request's body, at most `limit` bytes, which must arrive within `deadline` seconds (the
    /// idle timeout by default): a client that sends too much gets a 413, one that trickles it is
    /// cut off with a 408.
    func collectBody(of request: Request, upTo limit: Int, within deadline: TimeInterval? = nil) async throws -> ByteBuffer {
        let deadline = deadline ?? configuration.idleTimeout
        let outcome: Result<ByteBuffer, any Error>? = await withTaskGroup(of: Result<ByteBuffer, any Error>?.self) { group in
            group.addTask { [request] in
                var request = request
                do { return .success(try await request.collectBody(upTo: limit)) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int(saturating: deadline * 1000)))
                return nil
            }
            let first: Result<ByteBuffer, any Error>?? = await group.next()
            group.cancelAll()
            return first ?? nil
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
    func timeline(for config: String, dialect: String, account: String) throws(SchemaError) -> Timeline {
        try Dialects.timeline(dialect: dialect, document: Data(config.utf8), sources: mediaAccess.sources(for: account))
    }

    /// An error as a client may read it: the server's data folder is not named (a stored upload
    /// reads `uploads/<id>.png`, a download `cache/…`); the log keeps the whole message.
    func clientMessage(_ error: any Error) -> String {
        "\(error)".replacingOccurrences(of: paths.root.hasSuffix("/") ? paths.root : paths.root + "/", with: "")
    }

    /// The origin links are built on: the configured public URL, or the request's Host.
    func origin(for request: Request) -> String {
        if let publicURL = configuration.publicURL { return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL }
        let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        return "http://\(host)"
    }

    /// A signed, expiring link to a task's video.
    func videoURL(taskID: String, origin: String) -> String {
        let path = "/videos/\(taskID).mp4"
        return origin + path + "?" + signer.query(for: path, expires: Date() + configuration.videoLinkLifetime)
    }

    func sendWebhook(for job: JobRecord, status: String, error: String?) {
        guard let url = job.webhookURL else { return }
        var payload: [String: Any] = ["taskId": job.taskId, "renderTaskId": job.id, "status": status,
                                      "error": error ?? NSNull(), "timestamp": Timestamp.now]
        if status == "completed" {
            let origin = configuration.publicURL ?? "http://\(configuration.host):\(configuration.port)"
            payload["videoUrl"] = videoURL(taskID: job.taskId, origin: origin)
        }
        guard let data = try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        try? database.enqueueWebhook(url: url, payload: String(decoding: data, as: UTF8.self))
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
final class Slots: @unchecked Sendable {
    private let lock = NSLock()
    private var free: Int

    init(_ count: Int) { free = max(1, count) }

    func take() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard free > 0 else { return false }
        free -= 1
        return true
    }

    func give() {
        lock.lock()
        free += 1
        lock.unlock()
    }
}

/// A value behind a lock.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }

    /// Stores `newValue` and returns the value it replaced, in one step.
    func exchange(_ newValue: Value) -> Value {
        lock.lock()
        defer { lock.unlock() }
        let old = stored
        stored = newValue
        return old
    }
}
