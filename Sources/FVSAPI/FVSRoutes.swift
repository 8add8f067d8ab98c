import Foundation
import Hummingbird
import NIOCore
import ServerKit
import Store
import TemplateSchema

/// `POST /api/agent/renders` (multipart: a `request_json` part and repeated `files` parts),
/// `GET /api/agent/renders/:project_id`, `POST /api/agent/renders/:project_id/cancel`.
struct FVSRoutes: Sendable {
    let service: ReelService
    var database: ReelDatabase { service.database }

    static let projectPrefix = FVSSurface.projectPrefix
    /// Files one render may bring.
    static let maximumFiles = 32
    /// The longest a submit may be held by `wait_for_completion_seconds`.
    static let longestWait = 300.0

    func register(on router: Router<ReelRequestContext>) {
        let api = router.group("api/agent").add(middleware: ErrorEnvelopeMiddleware(FVSEnvelope()))
            .add(middleware: FVSAuthentication(database: database, limiter: service.requestLimiter))
        api.post("renders") { request, context in try await submit(request, context) }
        api.get("renders/:projectId") { request, context in try project(request, context) }
        api.get("renders/:projectId/events") { request, context in try events(request, context) }
        api.post("renders/:projectId/cancel") { request, context in try cancel(request, context) }
    }

    // MARK: submitting

    func submit(_ request: Request, _ context: ReelRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let (submitted, parts) = try await Self.read(request, service: service)
        let files = try Self.checkedFiles(parts, limit: service.configuration.maximumUploadBytes)
        let fields = try await submit(submitted, files: files, urls: [], account: account, origin: service.origin(for: request))
        return JSONResponse.make(fields)
    }

    /// Accepts a render for `account`: the request (JSON) with the account's defaults filled in,
    /// its uploaded `files` and the files it names by URL (`urls`, fetched when it renders);
    /// answers the status object, after `wait_for_completion_seconds` when the request asks.
    func submit(_ submitted: Data, files: [File], urls: [(name: String, url: String)], account: Account,
                origin: String) async throws -> [String: Any] {
        // The account's defaults fill the fields the request leaves out.
        let json = FVSRenderRequest.applying(defaults: try database.accountDefaults(account: account.id), to: submitted)
        let brief: FVSRenderRequest.Brief
        do {
            brief = try FVSRenderRequest.read(json)
        } catch {
            throw Self.invalid(error.diagnostics)
        }
        // Every asset names an uploaded file, by its base name.
        let names = files.map(\.name) + urls.map(\.name)
        let unmatched = brief.assets.filter { !names.contains($0.filename) }
        if !unmatched.isEmpty {
            throw Self.invalid(unmatched.map { asset in
                Diagnostic(path: asset.path.appending("filename"),
                           message: "must match an uploaded file basename" + (names.isEmpty ? " (no files were uploaded)" : ""))
            }, files: names)
        }
        let resolution = brief.videoResolution ?? ScreenplayCompiler.defaultResolution
        let seconds = brief.targetSeconds ?? ScreenplayCompiler.defaultSeconds
        let cost = FVSPricing.cost(seconds: seconds, resolution: resolution)
        let balance = try database.balance(account: account.id)
        if balance < cost {
            throw StoreError(kind: .insufficientCredits, description: "this render costs \(cost) credits and the account has \(balance)",
                             required: cost, balance: balance)
        }
        let uploads = try store(files, account: account)
        let accepted: JobRecord, taskRecord: TaskRecord
        do {
            let warnings = brief.warnings.map { ["path": $0.path.description, "message": $0.message] }
            var metadata: [String: Any] = ["warnings": warnings]
            if !urls.isEmpty { metadata["upload_urls"] = Dictionary(urls.map { ($0.name, $0.url) }, uniquingKeysWith: { first, _ in first }) }
            let size = resolution.size
            let task = TaskRecord(accountId: account.id, api: APISurface.fvs.name, dialect: FVSRenderRequest.name,
                                  config: String(decoding: json, as: UTF8.self), metadata: try Self.json(metadata),
                                  title: brief.name, category: brief.mode.rawValue, width: size.width, height: size.height,
                                  duration: seconds, cost: cost, inputs: try Self.json(uploads.inputs))
            let (job, _) = try database.submit(task, webhookURL: nil, webhookSecret: nil, jobPrefix: Self.projectPrefix,
                                               workers: brief.numWorkers)
            service.jobQueued()
            accepted = job
            taskRecord = task
        } catch {
            uploads.remove(from: database)
            throw error
        }
        // Queued: from here on the files belong to the render, whatever happens to this request.
        // Without a wait the answer is the render as accepted (queued, at its input stage), even
        // when a worker has claimed it in the meantime: a client polls for what follows.
        let waitSeconds = min(brief.waitForCompletionSeconds ?? 0, Self.longestWait)
        let finished = waitSeconds > 0 ? try await wait(for: accepted.id, seconds: waitSeconds) : accepted
        return FVSProjectView(job: finished, task: try database.task(id: taskRecord.id) ?? taskRecord).json(service: service, origin: origin)
    }

    /// The job once it is finished, or as it is after `seconds` (0: at once).
    func wait(for id: String, seconds: Double) async throws -> JobRecord {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            guard let job = try database.job(id: id) else { throw StoreError.notFound("no render with id \(id)") }
            if job.status.isFinished || Date() >= deadline { return job }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    // MARK: polling and cancelling

    func project(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let fields = try status(of: service.parameter("projectId", context), account: context.requireAccount(), origin: service.origin(for: request))
        return JSONResponse.make(fields)
    }

    /// The render's progress as server-sent events (`ReelService.progressEvents`).
    func events(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let account = try context.requireAccount()
        let id = try service.parameter("projectId", context)
        _ = try owned(id, account: account)
        return try service.progressEvents { [self] in try? owned(id, account: account).job }
    }

    func cancel(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let fields = try cancel(service.parameter("projectId", context), account: context.requireAccount(), origin: service.origin(for: request))
        return JSONResponse.make(fields)
    }

    func status(of id: String, account: Account, origin: String) throws -> [String: Any] {
        let (job, task) = try owned(id, account: account)
        return FVSProjectView(job: job, task: task).json(service: service, origin: origin)
    }

    func cancel(_ id: String, account: Account, origin: String) throws -> [String: Any] {
        let (job, task) = try owned(id, account: account)
        let cancelled = try database.cancelJob(id: job.id, account: job.accountId, reason: "cancelled by request")
        return FVSProjectView(job: cancelled, task: try database.task(id: cancelled.taskId) ?? task).json(service: service, origin: origin)
    }

    /// The account's render `id`, or 404 (another account's render is not found either).
    private func owned(_ id: String, account: Account) throws -> (job: JobRecord, task: TaskRecord) {
        guard let job = try database.job(id: id), job.accountId == account.id, let task = try database.task(id: job.taskId),
              task.api == APISurface.fvs.name else {
            throw APIError(.notFound, code: "not_found", "no render with project_id \(id)")
        }
        return (job, task)
    }

    // MARK: reading requests

    /// The request's JSON: multipart's `request_json` part (a JSON string, as the published
    /// client sends it) with its `files` parts, or a JSON body with no files.
    static func read(_ request: Request, service: ReelService) async throws -> (json: Data, files: [MultipartPart]) {
        let type = request.headers[.contentType] ?? ""
        guard type.lowercased().hasPrefix("multipart/") else {
            let object = try await service.jsonBody(request)
            return (try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), [])
        }
        let limit = service.configuration.maximumUploadBytes
        let parts = try await service.multipartParts(request) { name in
            APIError(.contentTooLarge, code: "file_too_large", "\(name) is larger than \(limit) bytes", details: ["field": "files"])
        }
        guard let part = parts.first(where: { $0.name == "request_json" }) else {
            throw APIError(.unprocessableContent, code: "invalid_request", "the multipart body needs a request_json part holding the render request as JSON",
                           details: ["field": "request_json"])
        }
        let json = try part.contents(limit: service.configuration.maximumRequestBytes)
        let files = parts.filter { $0.name == "files" }
        guard files.count <= maximumFiles else {
            throw APIError(.badRequest, code: "too_many_files", "a render takes at most \(maximumFiles) files; this request has \(files.count)",
                           details: ["field": "files"])
        }
        return (json, files)
    }

    struct File {
        var name: String
        var part: MultipartPart
        var detected: DetectedType
    }

    /// The uploaded files, named by their base names (the names `assets[].filename` use), each a
    /// picture, video or sound Reel reads, within the size limit.
    static func checkedFiles(_ parts: [MultipartPart], limit: Int) throws -> [File] {
        var checked: [File] = []
        for (index, part) in parts.enumerated() {
            guard let filename = part.filename else {
                throw APIError(.badRequest, code: "invalid_request", "files part \(index + 1) has no filename; assets name files by it",
                               details: ["field": "files[\(index)]"])
            }
            let name = (filename.replacingOccurrences(of: "\\", with: "/") as NSString).lastPathComponent
            guard FVSRenderRequest.isBasename(name), name.utf8.count <= 255 else {
                throw APIError(.badRequest, code: "invalid_request", "files part \(index + 1) has no usable file name", details: ["field": "files[\(index)]"])
            }
            guard !checked.contains(where: { $0.name == name }) else {
                throw APIError(.badRequest, code: "duplicate_file_name", "two files are named \"\(name)\"", details: ["field": "files[\(index)]"])
            }
            guard part.size <= limit else {
                throw APIError(.contentTooLarge, code: "file_too_large", "\(name) is larger than \(limit) bytes", details: ["field": "files[\(index)]"])
            }
            guard let detected = DetectedType.detect(part.head), ["image", "video", "audio"].contains(detected.type) else {
                throw APIError(.unsupportedMediaType, code: "unsupported_file_type", "\(name) is not an image, video or audio format Reel reads",
                               details: ["field": "files[\(index)]"])
            }
            checked.append(File(name: name, part: part, detected: detected))
        }
        return checked
    }

    /// A 422 listing every problem; `files`, when given, are the file names there are (once).
    static func invalid(_ diagnostics: [Diagnostic], files: [String]? = nil) -> APIError {
        let problems = diagnostics.map { ["path": $0.path.description, "message": $0.message] }
        var details: [String: any Sendable] = ["field": diagnostics.first?.path.description ?? "request_json", "problems": problems]
        var message = diagnostics.map(\.description).joined(separator: "; ")
        if let files, !files.isEmpty {
            details["files"] = files
            message += "; the files are " + files.map { "\"\($0)\"" }.joined(separator: ", ")
        }
        return APIError(.unprocessableContent, code: "invalid_request", message, details: details)
    }

    static func json(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// Stores the checked files as the account's uploads, named for the render's document.
    private func store(_ files: [File], account: Account) throws -> JobUploads {
        try service.storeJobFiles(files.map { ($0.name, $0.part, $0.detected) }, account: account, prefix: ScreenplayGenerator.uploadPrefix)
    }
}
