import APIAdapter
import ArgumentParser
import Foundation
import Logging
import CProcessors
import ServerKit
import Media
import Store
import TemplateSchema

/// `--data DIR` and `--database URL`, shared by the server and the administration commands.
struct DataOption: ParsableArguments {
    @Option(name: .long, help: "The data folder: database, uploads, rendered videos, media cache.")
    var data: String = "reel-data"

    @Option(name: .customLong("database"), help: ArgumentHelp(
        "Keep the store in PostgreSQL instead of the data folder's SQLite: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.",
        discussion: "Several servers can share one database; each then mounts the same --data folder (uploads, videos). "
            + "URL parameters: pool (connections, default 8), connect_timeout, statement_timeout (seconds), "
            + "sslmode (disable, require, verify-full), host (a unix socket folder).",
        valueName: "url"))
    var databaseURL: String?

    /// The store `--database` names; nil for the data folder's SQLite.
    func location() throws -> DatabaseLocation? {
        guard let databaseURL else { return nil }
        do {
            return try DatabaseLocation(url: databaseURL)
        } catch {
            throw fail("--database: \(error)")
        }
    }

    /// Why a server or worker could not start, naming the database when it is PostgreSQL.
    func cannotStart(_ error: any Error) -> ExitCode {
        if case .postgres(let settings)? = try? location() { return fail("cannot start with the database \(settings.redacted): \(error)") }
        return fail("cannot start: \(error)")
    }

    /// The same options, as arguments for `reel worker` (the data folder as an absolute path).
    var arguments: [String] {
        ["--data", URL(fileURLWithPath: data).standardized.path] + (databaseURL.map { ["--database", $0] } ?? [])
    }

    /// The store the administration commands work on (the data folder is made if missing, as
    /// for a server, whichever store is used).
    func database() throws -> ReelDatabase {
        let location = try location()
        do {
            return try DataPaths(root: data).openDatabase(location)
        } catch {
            if case .postgres(let settings)? = location { throw fail("cannot open the database \(settings.redacted): \(error)") }
            throw fail("cannot open the data folder \(data): \(error)")
        }
    }
}

/// What a render worker needs to know, shared by `reel serve` (which hands them to the worker
/// processes it starts) and `reel worker`.
struct RenderJobOptions: ParsableArguments {
    @Flag(help: "Let remote media and webhooks reach loopback and private addresses.") var allowPrivateNetwork = false
    @Option(help: "Render attempts cut short by a crash, hang or restart before a job fails and is refunded.") var maxRenderAttempts = 2
    @Option(help: "Seconds a render may go without finishing a frame before it is stopped as hung.") var renderStallTimeout = 600
    @Option(help: ArgumentHelp("Seconds a worker's claim on a job holds without renewal (renewed every third of it).",
                               discussion: "A job whose worker vanished (its machine went away) is queued again after this; "
                                   + "one whose worker process died on this machine at once."))
    var leaseSeconds = 30
    @Option(help: ArgumentHelp("An OpenAI-compatible chat completions URL that plans AVS prompt jobs; default: the built-in planner.",
                               discussion: "The bearer key is read from REEL_PLANNER_API_KEY."))
    var plannerURL: String?
    @Option(help: "The model named in requests to --planner-url.") var plannerModel = "gpt-4o-mini"
    @Option(help: "The log's lines: json (one object a line) or text.") var logFormat = "text"
    @Option(help: "Seconds running renders get to finish after SIGTERM or SIGINT before they go back in the queue.")
    var shutdownGrace = 25

    /// Checks the values and starts the log in the chosen format.
    func validateAndStartLogging() throws {
        guard let format = LogFormat(rawValue: logFormat) else { throw fail("--log-format must be json or text") }
        LoggingSystem.bootstrap { label in ReelLogHandler(label: label, format: format) }
        guard (0...86_400).contains(shutdownGrace) else { throw fail("--shutdown-grace must be 0 to 86400 s") }
        guard (1...100).contains(maxRenderAttempts) else { throw fail("--max-render-attempts must be 1 to 100") }
        guard (1...86_400).contains(renderStallTimeout) else { throw fail("--render-stall-timeout must be 1 to 86400 s") }
        guard (1...86_400).contains(leaseSeconds) else { throw fail("--lease-seconds must be 1 to 86400 s") }
        if let plannerURL {
            guard let url = URL(string: plannerURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw fail("--planner-url must be an http(s) URL")
            }
        }
    }

    func apply(to configuration: inout ServerConfiguration) {
        configuration.allowsPrivateNetwork = allowPrivateNetwork
        configuration.maximumRenderAttempts = maxRenderAttempts
        configuration.renderStallTimeout = TimeInterval(renderStallTimeout)
        configuration.leaseDuration = TimeInterval(leaseSeconds)
        if let plannerURL {
            configuration.plannerURL = plannerURL
            configuration.plannerModel = plannerModel
            configuration.plannerKey = ProcessInfo.processInfo.environment["REEL_PLANNER_API_KEY"]
        }
    }

    /// The same options, as arguments for `reel worker`.
    var arguments: [String] {
        var arguments = ["--max-render-attempts", "\(maxRenderAttempts)", "--render-stall-timeout", "\(renderStallTimeout)",
                         "--lease-seconds", "\(leaseSeconds)", "--planner-model", plannerModel, "--log-format", logFormat,
                         "--shutdown-grace", "\(shutdownGrace)"]
        if allowPrivateNetwork { arguments.append("--allow-private-network") }
        if let plannerURL { arguments += ["--planner-url", plannerURL] }
        return arguments
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server (the RenderingVideo, AVS and FVS APIs, MCP at /mcp) and its render worker processes.",
        discussion: """
            Everything persistent lives in the --data folder; no other service is needed. Renders run in \
            --workers worker processes (`reel worker`) that the server starts and restarts when one dies, so \
            a render that crashes costs its job an attempt and never the server; with --workers 0 the server \
            renders nothing and workers started elsewhere on the same data take the jobs. With --database \
            postgres://…, the store lives in PostgreSQL instead, and several servers and workers can share it \
            (docs/scale-out.md, "PostgreSQL store").
            """
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @OptionGroup var data: DataOption
    @Option(help: "Worker processes started, each rendering one job at a time; 0 for none.") var workers = 1
    @Option(help: "Largest upload accepted per file, in MiB.") var maxUploadMB = 512
    @Option(help: "Origin used in links (e.g. https://video.example.com); default: the request's Host.") var publicURL: String?
    @Option(help: "Largest JSON request body, in MiB.") var maxRequestMB = 16
    @Option(help: "Requests a minute per API key (bursts of a tenth of it, at least 1); 0 for no limit.") var rateLimit = 600
    @Option(help: "Preview frames a minute per composition owner (bursts of 30); 0 for no limit.") var previewRateLimit = 600
    @Option(help: "Seconds a connection may stay idle or take to send a request.") var idleTimeout = 60
    @OptionGroup var jobs: RenderJobOptions
    @Option(help: "Seconds before a failed webhook delivery's first retry (each later retry waits twice as long).")
    var webhookRetryDelay: Double = 2
    @Option(help: "What one credit costs the payer of a quote (FVS /render-quotes), in US cents.") var creditPriceCents = 5
    @Option(help: "Seconds a quote can be paid.") var quoteLifetime = 86400

    func run() async throws {
        LibAVLogging.configure(verbose: false)
        try jobs.validateAndStartLogging()
        guard (1...4096).contains(maxRequestMB), (1...1_000_000).contains(maxUploadMB) else {
            throw fail("--max-request-mb must be from 1 to 4096 and --max-upload-mb from 1 to 1000000")
        }
        guard rateLimit >= 0, previewRateLimit >= 0, (1...86_400).contains(idleTimeout) else {
            throw fail("--rate-limit and --preview-rate-limit must not be negative and --idle-timeout must be 1 to 86400 s")
        }
        guard (0...256).contains(workers) else { throw fail("--workers must be 0 to 256") }
        var configuration = ServerConfiguration(host: host, port: port, dataDirectory: data.data, workers: workers,
                                                maximumUploadBytes: maxUploadMB << 20, publicURL: publicURL)
        configuration.databaseLocation = try data.location()
        jobs.apply(to: &configuration)
        guard (1...1_000_000).contains(creditPriceCents), (60...30 * 86400).contains(quoteLifetime) else {
            throw fail("--credit-price-cents must be from 1 to 1000000 and --quote-lifetime from 60 to 2592000 s")
        }
        configuration.creditPriceCents = creditPriceCents
        configuration.quoteLifetime = TimeInterval(quoteLifetime)
        configuration.maximumRequestBytes = maxRequestMB << 20
        configuration.rateLimit = rateLimit == 0 ? nil : RateLimit(perMinute: rateLimit, burst: max(1, rateLimit / 10))
        configuration.previewFrameRateLimit = previewRateLimit == 0 ? nil : RateLimit(perMinute: previewRateLimit, burst: 30)
        configuration.idleTimeout = TimeInterval(idleTimeout)
        guard webhookRetryDelay > 0, webhookRetryDelay <= 3600 else { throw fail("--webhook-retry-delay must be more than 0 and at most 3600 s") }
        configuration.webhookRetryDelay = webhookRetryDelay
        // Each worker: this same program, on the same data, told who started it.
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        configuration.workerMode = workers == 0 ? .none : .processes(command: [executable, "worker"] + data.arguments + ["--report-events",
            "--supervised-by", "\(ProcessInfo.processInfo.processIdentifier)"] + jobs.arguments)
        // A worker that died leaves a closed pipe behind: a write to it must fail, not end the server.
        signal(SIGPIPE, SIG_IGN)
        let service: ReelService
        do {
            service = try ReelService(configuration: configuration)
        } catch {
            throw data.cannotStart(error)
        }
        try await service.run(shutdownGrace: TimeInterval(jobs.shutdownGrace))
    }
}

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Render queued jobs: a render worker process.",
        discussion: """
            Claims jobs from the store (the --data folder's, or --database's) under a lease it renews while \
            rendering, renders them and records the outcome; the server that queued them sends their webhooks. \
            `reel serve` starts its own workers; run more with this command, on this machine or on others that \
            share the data folder (and the database). SIGTERM or SIGINT: no new jobs, running renders get --shutdown-grace seconds, then \
            go back in the queue.
            """
    )

    @OptionGroup var data: DataOption
    @Option(help: "Renders this process runs at once.") var renders = 1
    @OptionGroup var jobs: RenderJobOptions
    @Flag(help: .hidden) var reportEvents = false
    @Option(help: .hidden) var supervisedBy: Int32?

    func run() async throws {
        LibAVLogging.configure(verbose: false)
        if let supervisedBy, reel_die_with_parent(supervisedBy) != 0 { throw fail("the server that started this worker is gone") }
        try jobs.validateAndStartLogging()
        guard (1...64).contains(renders) else { throw fail("--renders must be 1 to 64") }
        var configuration = ServerConfiguration(dataDirectory: data.data, workers: renders)
        configuration.databaseLocation = try data.location()
        jobs.apply(to: &configuration)
        signal(SIGPIPE, SIG_IGN)
        let service: ReelService
        do {
            service = try ReelService(configuration: configuration, logger: Logger(label: "reel-worker"))
        } catch {
            throw data.cannotStart(error)
        }
        let reports: any WorkerReports = reportEvents ? EventLineReports() : service.localReports
        try await service.runWorker(surfaces: Surfaces.modules(on: service), renders: renders, reports: reports,
                                    wakeOnInput: supervisedBy != nil, shutdownGrace: TimeInterval(jobs.shutdownGrace))
    }
}

struct AccountsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "accounts", abstract: "Manage accounts.",
                                                    subcommands: [Create.self, Defaults.self])

    struct Defaults: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set the values an account's FVS render requests take where they leave a field out.",
            discussion: "Values are JSON (1080p is taken as the string \"1080p\"): --set video_resolution=1080p --set shot_count=5. "
                + "Fields: " + FVSRenderRequest.defaultableFields.sorted().joined(separator: ", ") + ".")
        @Argument(help: "The account's name.") var name: String
        @Option(help: "field=value, repeatable.") var set: [String] = []
        @Option(help: "A field whose default goes, repeatable.") var unset: [String] = []
        @OptionGroup var data: DataOption

        func run() throws {
            let database = try data.database()
            // Every value checked before any is written.
            var settings: [(field: String, value: String)] = []
            for assignment in set {
                guard let equals = assignment.firstIndex(of: "=") else { throw fail("--set takes field=value, found \(assignment)") }
                let field = String(assignment[..<equals]), text = String(assignment[assignment.index(after: equals)...])
                let value = (try? JSONValue.parse(Data(text.utf8))) ?? .string(text)
                do {
                    try FVSRenderRequest.checkDefault(field: field, value: value)
                } catch {
                    throw fail(error.description)
                }
                settings.append((field, String(decoding: try JSONEncoder().encode(value), as: UTF8.self)))
            }
            do {
                for field in unset { try database.setAccountDefault(account: name, field: field, value: nil) }
                for (field, value) in settings { try database.setAccountDefault(account: name, field: field, value: value) }
                let defaults = try database.accountDefaults(account: database.account(named: name).id)
                if defaults.isEmpty { print("\(name) has no defaults") }
                for (field, value) in defaults.sorted(by: { $0.key < $1.key }) { print("\(field) = \(value)") }
            } catch let error as StoreError {
                throw fail(error.description)
            }
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account.")
        @Argument(help: "The account's name.") var name: String
        @Option(help: "Credits to start with.") var credits = 0
        @OptionGroup var data: DataOption

        func run() throws {
            do {
                let account = try data.database().createAccount(name: name, credits: credits)
                print("created account \(account.name) (\(account.id)) with \(credits) credits")
            } catch let error as StoreError {
                throw fail(error.description)
            }
        }
    }
}

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Manage API keys.",
                                                    subcommands: [Create.self, List.self, Rotate.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key. The key is printed once, alone on the last line; only its hash is stored.")
        @Option(help: "The account it opens.") var account: String
        @Option(help: "The API surface: renderingvideo, avs or fvs.") var api: String = "renderingvideo"
        @Option(help: "A note to tell keys apart.") var label: String?
        @OptionGroup var data: DataOption

        func run() throws {
            guard let surface = Surfaces.keySurface(named: api) else {
                throw fail("--api must be one of " + Surfaces.keySurfaces.map(\.name).joined(separator: ", "))
            }
            do {
                let (key, record) = try data.database().createKey(account: account, api: surface, label: label)
                print("created \(surface.name) key \(record.id) for \(account); it is shown only now:")
                print(key)
            } catch let error as StoreError {
                throw fail(error.description)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an account's keys (ids only; secrets are never shown again).")
        @Option(help: "The account.") var account: String
        @OptionGroup var data: DataOption

        func run() throws {
            do {
                for key in try data.database().keys(account: account) {
                    let state = key.revokedAt.map { "revoked \($0)" } ?? "active"
                    print("\(key.id)  \(key.api)  \(state)  created \(key.createdAt)\(key.label.map { "  \($0)" } ?? "")")
                }
            } catch let error as StoreError {
                throw fail(error.description)
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a key a new secret: the new key is printed alone on the last line, and the old one stops working at once.")
        @Argument(help: "The key id (from keys list; for an AVS token avs.<tokenId>.<secret>, the tokenId).") var id: String
        @OptionGroup var data: DataOption

        func run() throws {
            do {
                let (key, record) = try data.database().rotateKey(id: id)
                print("rotated \(record.api) key \(record.id); the new key is shown only now:")
                print(key)
            } catch let error as StoreError {
                throw fail(error.description)
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id.")
        @Argument(help: "The key id (from keys list).") var id: String
        @OptionGroup var data: DataOption

        func run() throws {
            do {
                try data.database().revokeKey(id: id)
                print("revoked key \(id)")
            } catch let error as StoreError {
                throw fail(error.description)
            }
        }
    }
}

struct QuotesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "quotes", abstract: "Paid quotes (renders offered for payment).",
                                                    subcommands: [Pay.self, Show.self])

    struct Pay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark a quote paid (the built-in payment provider) and start its render.",
            discussion: "The quoted credits go to the quotes account and the render is queued; a running server picks it up within a second.")
        @Argument(help: "The quote id (quote_…).") var id: String
        @Option(help: "What to record as the payment's reference.") var reference = "marked paid by the operator"
        @OptionGroup var data: DataOption

        func run() throws {
            do {
                let database = try data.database()
                if let quote = try database.quote(id: id), quote.state() == .paid {
                    print("quote \(quote.id) was paid already (\(quote.paidAt ?? "")); render \(quote.jobId ?? "-")")
                    return
                }
                let quote = try database.payQuote(id: id, reference: reference, jobPrefix: FVSSurface.projectPrefix)
                print("quote \(quote.id) paid (\(quote.amountCents) cents, \(quote.credits) credits); render \(quote.jobId ?? "-") queued")
            } catch let error as StoreError {
                throw fail(error.description)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a quote.")
        @Argument(help: "The quote id (quote_…).") var id: String
        @OptionGroup var data: DataOption

        func run() throws {
            guard let quote = try data.database().quote(id: id) else { throw fail("no quote with id \(id)") }
            print("\(quote.id): \(quote.state().rawValue), \(quote.amountCents) \(quote.currency) cents for \(quote.credits) credits, "
                  + "expires \(quote.expiresAt)" + (quote.jobId.map { ", render \($0)" } ?? ""))
        }
    }
}

struct CreditsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "credits", abstract: "Manage credits.", subcommands: [Grant.self])

    struct Grant: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add credits to an account.")
        @Option(help: "The account.") var account: String
        @Argument(help: "How many credits.") var amount: Int
        @OptionGroup var data: DataOption

        func run() throws {
            do {
                let balance = try data.database().grant(account: account, credits: amount)
                print("granted \(amount) credits to \(account); balance \(balance)")
            } catch let error as StoreError {
                throw fail(error.description)
            }
        }
    }
}
