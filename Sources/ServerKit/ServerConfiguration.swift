import Crypto
import Timeline
public import Foundation
public import Store

/// How `reel serve` runs.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Everything persistent lives here: the database, uploads, rendered videos, the media cache.
    /// With a shared store (`databaseLocation`), every server mounts the same folder.
    public var dataDirectory: String
    /// Where the store lives; nil for the SQLite database in the data folder.
    public var databaseLocation: DatabaseLocation?
    /// Renders that run at once: worker processes, or workers inside this process (`workerMode`).
    public var workers: Int
    /// Where renders run: in worker processes this server starts and watches (`reel serve`), or
    /// inside this process (in-process use: tests, an embedding program).
    public var workerMode: WorkerMode = .inProcess
    /// How long a worker's claim on a job holds without a renewal (it renews every third of it):
    /// a job whose worker vanished without a trace (its machine went away) is queued again after this.
    public var leaseDuration: TimeInterval = 30
    /// Lets remote media and webhooks reach loopback and private addresses.
    public var allowsPrivateNetwork: Bool
    /// The largest single upload, in bytes.
    public var maximumUploadBytes: Int
    /// The origin links are built on (e.g. https://video.example.com); by default the request's Host.
    public var publicURL: String?
    /// How long previews and signed video links live.
    public var previewLifetime: TimeInterval
    public var videoLinkLifetime: TimeInterval
    /// The largest JSON request body, in bytes (uploads have `maximumUploadBytes`).
    public var maximumRequestBytes: Int = 16 << 20
    /// Requests per API key; nil for no limit.
    public var rateLimit: RateLimit? = RateLimit(perMinute: 600, burst: 60)
    /// Preview frames (rendered on demand, without a key) per composition owner; nil for no limit.
    public var previewFrameRateLimit: RateLimit? = RateLimit(perMinute: 600, burst: 30)
    /// The clock the rate limits count on (seconds, monotonic); tests hold it still.
    public var rateLimitClock: @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }
    /// Preview frames drawn at once (one per processor); more are answered 429 at once.
    public var previewFrameConcurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    /// How long a client may take to send a request's head, and how long an idle connection stays open.
    public var idleTimeout: TimeInterval = 60
    /// How long an upload's body may take to arrive.
    public var uploadTimeout: TimeInterval = 600
    /// Render attempts (each started render that crashed or hung counts) before a job fails.
    public var maximumRenderAttempts: Int = 2
    /// Seconds a render may go without finishing a frame (opening and downloading its media
    /// count) before it is stopped as hung and its job fails.
    public var renderStallTimeout: TimeInterval = 600
    /// The wait before a failed webhook delivery's first retry; each later one waits twice as long.
    public var webhookRetryDelay: TimeInterval = 2
    /// An OpenAI-compatible chat completions endpoint that plans prompt jobs (nil: the built-in
    /// planner), the model to ask for, and the bearer key to send (from the environment).
    public var plannerURL: String?
    public var plannerModel: String = "gpt-4o-mini"
    public var plannerKey: String?
    /// Seconds the planner endpoint has to answer.
    public var plannerTimeout: TimeInterval = 120

    /// What a credit costs a payer of a quote (renders offered for payment before any account
    /// pays: FVS `/render-quotes`), in cents of `quoteCurrency`.
    public var creditPriceCents: Int = 5
    public var quoteCurrency: String = "usd"
    /// How long a quote can be paid.
    public var quoteLifetime: TimeInterval = 86400
    /// The account paid quotes are credited to and render under (made when first needed).
    public var quoteAccount: String = "paid-quotes"

    public init(host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String, workers: Int = 1,
                allowsPrivateNetwork: Bool = false, maximumUploadBytes: Int = 512 << 20, publicURL: String? = nil,
                previewLifetime: TimeInterval = 7 * 86400, videoLinkLifetime: TimeInterval = 86400) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.workers = workers
        self.allowsPrivateNetwork = allowsPrivateNetwork
        self.maximumUploadBytes = maximumUploadBytes
        self.publicURL = publicURL
        self.previewLifetime = previewLifetime
        self.videoLinkLifetime = videoLinkLifetime
    }
}

/// Where renders run.
public enum WorkerMode: Sendable, Equatable {
    /// Inside the server's own process.
    case inProcess
    /// In `workers` processes started with `command` (the executable's path, then its arguments;
    /// `reel worker …`), each restarted when it dies.
    case processes(command: [String])
    /// Nowhere in this server: workers started elsewhere on the same store take the jobs.
    case none
}

/// Where the data folder keeps each kind of file.
public struct DataPaths: Sendable {
    public let root: String
    public var database: String { root + "/reel.sqlite" }
    public var uploads: String { root + "/uploads" }
    /// Uploads as they arrive, before they are checked and stored (emptied at each start).
    public var incoming: String { root + "/incoming" }
    public var videos: String { root + "/videos" }
    public var cache: String { root + "/cache" }
    var secret: String { root + "/secret.key" }

    public init(root: String) throws {
        self.root = URL(fileURLWithPath: root).standardized.path
        for folder in [self.root, self.root + "/uploads", self.root + "/incoming", self.root + "/videos", self.root + "/cache"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
    }

    /// Opens the store at `location`, by default the SQLite database in the data folder.
    public func openDatabase(_ location: DatabaseLocation? = nil) throws -> ReelDatabase {
        try ReelDatabase(location: location ?? .sqlite(path: database))
    }

    /// The server's signing key, made on first use and kept in the data folder.
    /// Several processes starting at once on a new (shared) folder agree on one key: each writes
    /// its own under a name of its own and links it into place, which only the first does; the
    /// others read that one.
    func signingKey() throws -> SymmetricKey {
        if let data = FileManager.default.contents(atPath: secret), data.count == 32 { return SymmetricKey(data: data) }
        let key = SymmetricKey(size: .bits256)
        let data = key.withUnsafeBytes { Data($0) }
        let own = secret + ".\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: own) }
        guard FileManager.default.createFile(atPath: own, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteNoPermission)
        }
        if link(own, secret) == 0 { return key }
        guard errno == EEXIST, let existing = FileManager.default.contents(atPath: secret), existing.count == 32 else {
            throw CocoaError(.fileWriteNoPermission)
        }
        return SymmetricKey(data: existing)
    }
}

/// Signs links that expire: `path?expires=UNIX&sig=HEX` with HMAC-SHA256.
struct URLSigner: Sendable {
    let key: SymmetricKey

    func query(for path: String, expires: Date) -> String {
        let stamp = Int(expires.timeIntervalSince1970)
        return "expires=\(stamp)&sig=\(signature(path: path, expires: stamp))"
    }

    func isValid(path: String, expires: String?, signature presented: String?, now: Date = Date()) -> Bool {
        guard let expires, let stamp = Int(expires), let presented, Double(stamp) > now.timeIntervalSince1970 else { return false }
        return ReelDatabase.constantTimeEqual(Data(signature(path: path, expires: stamp).utf8), Data(presented.utf8))
    }

    private func signature(path: String, expires: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(path)\n\(expires)".utf8), using: key)
        return mac.map { String(format: "%02x", $0) }.joined()
    }
}
