import Foundation
import Hummingbird
import NIOCore
import ServerKit
import Store
import TemplateSchema
import Timeline

/// `POST /api/v1/videos/from-json`, `POST /api/v1/videos/from-prompt` (JSON, or multipart with a
/// `request` JSON part and repeated `files` parts) and `GET /api/v1/jobs/:jobId`.
struct AVSRoutes: Sendable {
    let service: ReelService
    var database: ReelDatabase { service.database }

    /// Job ids read `job_<16 letters and digits>`.
    static let jobPrefix = "job_"

    func register(on router: Router<ReelRequestContext>) {
        let api = router.group("api/v1").add(middleware: ErrorEnvelopeMiddleware(AVSEnvelope()))
            .add(middleware: AVSAuthentication(database: database, limiter: service.requestLimiter))
        api.post("videos/from-json") { request, context in try await fromJSON(request, context) }
        api.post("videos/from-prompt") { request, context in try await fromPrompt(request, context) }
        api.get("jobs/:jobId") { request, context in try job(request, context) }
        api.get("jobs/:jobId/events") { request, context in try events(request, context) }
    }

    // MARK: submitting

    func fromJSON(_ request: Request, _ context: ReelRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let submission = try await Submission.read(request, service: service)
        var problems = ProblemList()
        problems.unknown(in: submission.body, known: ["template", "output", "webhook", "numWorkers"], at: "")
        let workers = try Self.workers(submission.body["numWorkers"])
        guard let template = submission.body["template"] else {
            throw APIError(.badRequest, code: "invalid_request", "template is required", details: ["field": "template"])
        }
        var stored: [String: Any] = ["template": template]
        if let output = submission.body["output"], !(output is NSNull) { stored["output"] = output }
        let webhook = try Self.webhook(submission.body["webhook"], warnings: &problems)
        let json = try Self.json(stored)

        // Everything about the template, at its JSON path, before any file is stored.
        let document: AVSTemplateV1.Document
        do {
            document = try AVSTemplateV1.read(Data(json.utf8))
        } catch {
            throw Self.invalidTemplate(error.diagnostics)
        }
        let sent = try submission.checkedFiles(limit: service.configuration.maximumUploadBytes)
        let missing = document.blocks.filter { block in block.uploadName.map { name in !sent.contains { $0.name == name } } ?? false }
        if !missing.isEmpty {
            let names = sent.map(\.name)
            throw Self.invalidTemplate(missing.map { block in
                Diagnostic(path: block.path.appending("source").appending("uploadName"),
                           message: "names no file sent with this job" + (names.isEmpty ? " (none was sent: use multipart files parts)"
                                                                         : "; the files are " + names.map { "\"\($0)\"" }.joined(separator: ", ")))
            })
        }
        let assets = sent.map(\.kind) + Self.distinctURLs(document.blocks).map { url -> RCredits.AssetKind in
            switch document.blocks.first(where: { $0.url == url })?.kind {
            case .image: .image
            case .audio: .audio
            default: .video
            }
        }
        let cost = RCredits.cost(assets: assets, prompt: false)
        try checkBalance(account: account, cost: cost)

        let uploads = try store(sent, account: account)
        do {
            let timeline: Timeline
            do {
                timeline = try service.timeline(for: json, dialect: AVSTemplateV1.name, account: account.id, inputs: uploads.inputs)
            } catch {
                throw Self.invalidTemplate(error.diagnostics)
            }
            let warnings = problems.warnings + document.warnings.map { ["path": $0.path.description, "message": $0.message] }
            let task = TaskRecord(accountId: account.id, api: APISurface.avs.name, dialect: AVSTemplateV1.name, config: json,
                                  metadata: try Self.json(["warnings": warnings]), title: document.name, category: AVSJobView.Mode.json.rawValue,
                                  width: timeline.canvas.width, height: timeline.canvas.height, duration: timeline.duration, cost: cost,
                                  inputs: try Self.json(uploads.inputs))
            return try submit(task, webhook: webhook, workers: workers, origin: service.origin(for: request))
        } catch {
            uploads.remove(from: database)
            throw error
        }
    }

    func fromPrompt(_ request: Request, _ context: ReelRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let submission = try await Submission.read(request, service: service)
        var problems = ProblemList()
        problems.unknown(in: submission.body, known: ["prompt", "assetUrls", "output", "webhook", "numWorkers"], at: "")
        let workers = try Self.workers(submission.body["numWorkers"])
        let prompt = (submission.body["prompt"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !prompt.isEmpty else {
            throw APIError(.badRequest, code: "invalid_request", "prompt is required: a non-empty string", details: ["field": "prompt"])
        }
        guard prompt.count <= AVSPromptRequest.maximumPromptLength else {
            throw APIError(.badRequest, code: "invalid_request", "prompt has more than \(AVSPromptRequest.maximumPromptLength) characters",
                           details: ["field": "prompt"])
        }
        var urls: [String] = []
        if let value = submission.body["assetUrls"], !(value is NSNull) {
            guard let list = value as? [Any], list.count <= AVSPromptRequest.maximumAssetURLs else {
                throw APIError(.badRequest, code: "invalid_request", "assetUrls must be an array of at most \(AVSPromptRequest.maximumAssetURLs) URLs",
                               details: ["field": "assetUrls"])
            }
            for (index, item) in list.enumerated() {
                guard let text = item as? String, text.utf8.count <= 4096, SourceResolver.isRemote(text), URL(string: text)?.host != nil else {
                    throw APIError(.badRequest, code: "invalid_request", "assetUrls[\(index)] must be an http(s) URL", details: ["field": "assetUrls[\(index)]"])
                }
                urls.append(text)
            }
        }
        var output = AVSPromptRequest.OutputChoice()
        if let value = submission.body["output"], !(value is NSNull) {
            guard let object = value as? [String: Any] else {
                throw APIError(.badRequest, code: "invalid_request", "output must be an object", details: ["field": "output"])
            }
            problems.unknown(in: object, known: ["aspectRatio", "quality"], at: "output")
            output.aspectRatio = try Self.choice(object["aspectRatio"], field: "output.aspectRatio")
            output.quality = try Self.choice(object["quality"], field: "output.quality")
        }
        let webhook = try Self.webhook(submission.body["webhook"], warnings: &problems)
        let sent = try submission.checkedFiles(limit: service.configuration.maximumUploadBytes)
        let cost = RCredits.cost(assets: sent.map(\.kind) + urls.map(RCredits.kind(ofURL:)), prompt: true)
        try checkBalance(account: account, cost: cost)

        let uploads = try store(sent, account: account)
        do {
            let stored = AVSPromptRequest(prompt: prompt, assetUrls: urls, output: output, uploads: sent.map(\.name))
            let planned = stored.plannedOutput(prompt: prompt).size
            let task = TaskRecord(accountId: account.id, api: APISurface.avs.name, dialect: AVSPromptRequest.dialect, config: try stored.json(),
                                  metadata: try Self.json(["warnings": problems.warnings]), title: nil, category: AVSJobView.Mode.prompt.rawValue,
                                  width: planned.width, height: planned.height, duration: 0, cost: cost, inputs: try Self.json(uploads.inputs))
            return try submit(task, webhook: webhook, workers: workers, origin: service.origin(for: request))
        } catch {
            uploads.remove(from: database)
            throw error
        }
    }

    /// Refuses a job the account cannot pay for before any file is stored (the reservation itself
    /// is checked again in the transaction that queues the job).
    private func checkBalance(account: Account, cost: Int) throws {
        let balance = try database.balance(account: account.id)
        if balance < cost {
            throw StoreError(kind: .insufficientCredits, description: "this job costs \(cost) R-Credits and the account has \(balance)",
                             required: cost, balance: balance)
        }
    }

    private func submit(_ task: TaskRecord, webhook: (url: String, secret: String)?, workers: Int, origin: String) throws -> Response {
        let (job, _) = try database.submit(task, webhookURL: webhook?.url, webhookSecret: webhook?.secret, jobPrefix: Self.jobPrefix,
                                           workers: workers)
        service.jobQueued()
        let stored = try database.task(id: task.id, account: task.accountId)
        return JSONResponse.make(AVSJobView(job: job, task: stored).json(service: service, origin: origin), status: .accepted)
    }

    // MARK: polling

    func job(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let account = try context.requireAccount()
        let id = try service.parameter("jobId", context)
        guard let job = try database.job(id: id), job.accountId == account.id, let task = try database.task(id: job.taskId),
              task.api == APISurface.avs.name else {
            throw APIError(.notFound, code: "not_found", "no job with id \(id)")
        }
        return JSONResponse.make(AVSJobView(job: job, task: task).json(service: service, origin: service.origin(for: request)))
    }

    /// The job's progress as server-sent events (`ReelService.progressEvents`).
    func events(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let account = try context.requireAccount().id
        let id = try service.parameter("jobId", context)
        let database = self.database
        do {
            return try service.progressEvents {
                guard let job = try database.job(id: id), job.accountId == account, try database.task(id: job.taskId)?.api == APISurface.avs.name
                else { return nil }
                return job
            }
        } catch let error as APIError where error.status == .notFound {
            throw APIError(.notFound, code: "not_found", "no job with id \(id)")
        }
    }

    // MARK: reading requests

    /// `webhook: {url, secret}`: an http(s) URL and the secret deliveries are signed with.
    static func webhook(_ value: Any?, warnings: inout ProblemList) throws -> (url: String, secret: String)? {
        guard let value, !(value is NSNull) else { return nil }
        guard let object = value as? [String: Any] else {
            throw APIError(.badRequest, code: "invalid_request", "webhook must be an object {url, secret}", details: ["field": "webhook"])
        }
        warnings.unknown(in: object, known: ["url", "secret"], at: "webhook")
        guard let text = object["url"] as? String, text.utf8.count <= 4096, let url = URL(string: text),
              ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw APIError(.badRequest, code: "invalid_request", "webhook.url must be an http(s) URL", details: ["field": "webhook.url"])
        }
        guard let secret = object["secret"] as? String, (1...512).contains(secret.utf8.count) else {
            throw APIError(.badRequest, code: "invalid_request", "webhook.secret must be a string of 1 to 512 bytes: deliveries are signed with it",
                           details: ["field": "webhook.secret"])
        }
        return (text, secret)
    }

    /// One of `Choice`'s values named by the string `value` (nil when absent), or a 400 at `field`.
    static func choice<Choice: RawRepresentable & CaseIterable>(_ value: Any?, field: String) throws -> Choice? where Choice.RawValue == String {
        guard let value else { return nil }
        guard let text = value as? String, let parsed = Choice(rawValue: text) else {
            throw APIError(.badRequest, code: "invalid_request", "\(field) must be one of "
                           + Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "), details: ["field": field])
        }
        return parsed
    }

    /// `numWorkers` (Reel's own field): how many workers the render may be split across, 1 to 64
    /// (default 1).
    static func workers(_ value: Any?) throws -> Int {
        guard let value, !(value is NSNull) else { return 1 }
        guard !isJSONBool(value), let number = value as? Int, (1...64).contains(number) else {
            throw APIError(.badRequest, code: "invalid_request", "numWorkers must be a whole number from 1 to 64", details: ["field": "numWorkers"])
        }
        return number
    }

    static func invalidTemplate(_ diagnostics: [Diagnostic]) -> APIError {
        let problems = diagnostics.map { ["path": $0.path.description, "message": $0.message] }
        return APIError(.badRequest, code: "invalid_template",
                        "the template is not valid: " + diagnostics.map(\.description).joined(separator: "; "),
                        details: ["field": diagnostics.first?.path.description ?? "template", "problems": problems])
    }

    static func distinctURLs(_ blocks: [AVSTemplateV1.Block]) -> [String] {
        var seen = Set<String>()
        return blocks.compactMap(\.url).filter { seen.insert($0).inserted }
    }

    static func json(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// Stores the checked files as the account's uploads, named for the job.
    private func store(_ files: [Submission.File], account: Account) throws -> JobUploads {
        try service.storeJobFiles(files.map { ($0.name, $0.part, $0.detected) }, account: account, prefix: AVSTemplateV1.uploadPrefix)
    }
}

/// A create request: its JSON body (the whole body, or multipart's `request` part) and the file
/// parts sent with it.
struct Submission {
    var body: [String: Any]
    var files: [MultipartPart]

    struct File {
        var name: String
        var part: MultipartPart
        var detected: DetectedType
        var kind: RCredits.AssetKind
    }

    /// Files one job may bring.
    static let maximumFiles = 20

    static func read(_ request: Request, service: ReelService) async throws -> Submission {
        let type = request.headers[.contentType] ?? ""
        guard type.lowercased().hasPrefix("multipart/") else {
            return Submission(body: try await service.jsonBody(request), files: [])
        }
        let limit = service.configuration.maximumUploadBytes
        let parts = try await service.multipartParts(request) { name in
            APIError(.contentTooLarge, code: "file_too_large", "\(name) is larger than \(limit) bytes", details: ["field": "files"])
        }
        guard let request = parts.first(where: { $0.name == "request" }) else {
            throw APIError(.badRequest, code: "invalid_request", "a multipart request needs a part named request holding the JSON body",
                           details: ["field": "request"])
        }
        let json = try request.contents(limit: service.configuration.maximumRequestBytes)
        let files = parts.filter { $0.name == "files" }
        guard files.count <= maximumFiles else {
            throw APIError(.badRequest, code: "too_many_files", "a job takes at most \(maximumFiles) files; this request has \(files.count)",
                           details: ["field": "files"])
        }
        let body = try await service.jsonObject(ByteBuffer(bytes: json))
        return Submission(body: body, files: files)
    }

    /// The file parts, each named (by its filename), of a type the API takes, within the size limit.
    func checkedFiles(limit: Int) throws -> [File] {
        var checked: [File] = []
        for (index, part) in files.enumerated() {
            guard part.filename != nil else {
                throw APIError(.badRequest, code: "invalid_request", "files part \(index + 1) has no filename; blocks name files by it",
                               details: ["field": "files[\(index)]"])
            }
            let name = sanitizedFileName(part.filename)
            guard !checked.contains(where: { $0.name == name }) else {
                throw APIError(.badRequest, code: "duplicate_file_name", "two files are named \"\(name)\"; each file sent with a job needs its own name",
                               details: ["field": "files[\(index)]"])
            }
            guard part.size <= limit else {
                throw APIError(.contentTooLarge, code: "file_too_large", "\(name) is larger than \(limit) bytes", details: ["field": "files[\(index)]"])
            }
            guard let detected = DetectedType.detect(part.head), let kind = RCredits.AssetKind(rawValue: detected.type) else {
                throw APIError(.unsupportedMediaType, code: "unsupported_file_type", "\(name) is not an image, video or audio format Reel reads",
                               details: ["field": "files[\(index)]"])
            }
            checked.append(File(name: name, part: part, detected: detected, kind: kind))
        }
        return checked
    }
}

/// Fields a request has that the API does not read: reported as warnings, never refused.
struct ProblemList {
    var warnings: [[String: String]] = []

    mutating func unknown(in object: [String: Any], known: Set<String>, at path: String) {
        for key in object.keys.sorted() where !known.contains(key) {
            warnings.append(["path": path.isEmpty ? key : path + "." + key, "message": "is not part of the AVS public API v1 as Reel reads it; ignored"])
        }
    }
}
