import Foundation
import Hummingbird
import NIOCore
import ServerKit
import Store
import TemplateSchema
import Timeline

/// The RenderingVideo API (`/api/v1/…`), as its published SDKs call it.
struct RenderingVideoRoutes: Sendable {
    let service: ReelService
    var database: ReelDatabase { service.database }

    func register(on router: Router<ReelRequestContext>) {
        let api = router.group("api/v1").add(middleware: ErrorEnvelopeMiddleware(RenderingVideoEnvelope()))
            .add(middleware: KeyAuthentication(database: database, api: .renderingvideo, limiter: service.requestLimiter))
        api.get("capabilities") { _, _ in capabilities() }
        api.post("video") { request, context in try await createTask(request, context) }
        api.get("video") { request, context in try listTasks(request, context) }
        api.get("video/:taskId") { request, context in try taskDetail(request, context) }
        api.get("video/:taskId/events") { request, context in try events(request, context) }
        api.delete("video/:taskId") { request, context in try deleteTask(request, context) }
        api.post("video/:taskId/render") { request, context in try await render(request, context) }
        api.post("upload") { request, context in try await upload(request, context) }
        api.get("files") { request, context in try listFiles(request, context) }
        api.delete("files/:fileId") { request, context in try deleteFile(request, context) }
        api.get("credits") { _, context in
            JSONResponse.success(["credits": try database.balance(account: try context.requireAccount().id), "currency": "credits"])
        }
        api.post("preview") { request, context in try await createPreview(request, context) }
        api.get("preview/:tempId") { request, context in try readPreview(request, context) }
        api.delete("preview/:tempId") { request, context in try deletePreview(request, context) }
        api.post("preview/:tempId/convert") { request, context in try await convertPreview(request, context, render: false) }
        api.post("preview/:tempId/render") { request, context in try await convertPreview(request, context, render: true) }
    }

    // MARK: capabilities

    func capabilities() -> Response {
        let capabilities = Capabilities.current
        let qualities: [[String: Any]] = [("720p", 720, 1.0), ("1080p", 1080, 1.5), ("2K", 1440, 2.0)].map {
            ["quality": $0.0, "label": $0.0, "shortEdge": $0.1, "creditMultiplier": $0.2]
        }
        return JSONResponse.success([
            "apiVersion": "v1",
            "schema": ["version": "2.0.0", "clipTypes": capabilities.clipTypes,
                       "animationTypes": capabilities.animationTypes.map(\.name),
                       "easingFunctions": capabilities.easings,
                       "transitionTypes": capabilities.transitionTypes.map(\.name),
                       "keyframeProperties": capabilities.keyframeProperties.map(\.name),
                       "filters": capabilities.filters.map(\.name)],
            "render": ["qualitySelection": "automatic", "qualities": qualities,
                       "outputFormats": OutputFormat.allCases.map(\.name), "defaultOutputFormat": OutputFormat.mp4.name],
            "features": ["previews": true, "webhooks": true, "uploads": true, "selfHosted": true],
            "docs": ["openapi": "/openapi.json"],
        ])
    }

    // MARK: tasks

    /// Checks a submitted config and describes it: 400 INVALID_CONFIG lists every problem.
    func checkedConfig(_ value: Any?, account: Account) throws -> (json: String, timeline: Timeline) {
        guard let object = value as? [String: Any] else {
            throw APIError(.badRequest, code: "INVALID_CONFIG", "config must be a JSON object with meta and tracks", details: ["field": "config"])
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        do {
            let timeline = try service.timeline(for: String(decoding: data, as: UTF8.self), dialect: RenderingVideoV2.name, account: account.id)
            return (String(decoding: data, as: UTF8.self), timeline)
        } catch {
            let problems = error.diagnostics.map(\.description)
            throw APIError(.badRequest, code: "INVALID_CONFIG", "the config is not valid: " + problems.joined(separator: "; "),
                           details: ["problems": problems, "fields": error.diagnostics.map { "config." + $0.path.description }])
        }
    }

    func createTask(_ request: Request, _ context: ReelRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let body = try await service.jsonBody(request)
        guard body["config"] != nil else { throw APIError(.badRequest, code: "INVALID_CONFIG", "config is required", details: ["field": "config"]) }
        let task = try makeTask(account: account, config: body["config"], metadata: body["metadata"],
                                title: body["title"], category: body["category"])
        try database.insert(task)
        var fields = taskJSON(task, origin: service.origin(for: request))
        fields["message"] = "task created; POST /api/v1/video/\(task.id)/render to render it"
        return JSONResponse.success(fields)
    }

    func makeTask(account: Account, config: Any?, metadata: Any?, title: Any?, category: Any?) throws -> TaskRecord {
        let (json, timeline) = try checkedConfig(config, account: account)
        if let metadata, !(metadata is [String: Any]) && !(metadata is NSNull) {
            throw APIError.invalidRequest("metadata must be an object", field: "metadata")
        }
        if let title, !(title is String) && !(title is NSNull) { throw APIError.invalidRequest("title must be a string", field: "title") }
        if let category, !(category is String) && !(category is NSNull) { throw APIError.invalidRequest("category must be a string", field: "category") }
        let metadataJSON = try (metadata as? [String: Any]).map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let canvas = timeline.canvas
        return TaskRecord(accountId: account.id, api: APISurface.renderingvideo.name, dialect: RenderingVideoV2.name, config: json, metadata: metadataJSON,
                          title: title as? String, category: (category as? String) ?? "api", width: canvas.width,
                          height: canvas.height, duration: timeline.duration,
                          cost: Pricing.cost(width: canvas.width, height: canvas.height, duration: timeline.duration))
    }

    func taskJSON(_ task: TaskRecord, origin: String) -> [String: Any] {
        var fields: [String: Any] = [
            "taskId": task.id, "videoTaskId": task.id, "status": task.status, "category": task.category,
            "title": task.title ?? NSNull(), "width": task.width, "height": task.height, "duration": task.duration,
            "quality": Pricing.quality(width: task.width, height: task.height).label, "costCredits": task.cost,
            "createdAt": task.createdAt, "completedAt": task.completedAt ?? NSNull(),
            "previewUrl": origin + "/t/\(task.id)", "viewerUrl": origin + "/preview/\(task.id)",
            "configUrl": origin + "/preview/\(task.id)/config.json",
        ]
        if let jobID = task.jobId { fields["renderTaskId"] = jobID }
        if let metadata = task.metadata, let object = try? JSONSerialization.jsonObject(with: Data(metadata.utf8)) { fields["metadata"] = object }
        if task.jobId != nil {
            // What the latest render writes (or wrote): its format, and the link's extension.
            let format = outputFormat(of: task)
            fields["outputFormat"] = format.name
            fields["mimeType"] = format.mimeType
            if task.status == "completed" {
                fields["videoUrl"] = service.videoURL(taskID: task.id, origin: origin, fileExtension: format.fileExtension).url
            }
        }
        if task.status == "failed" { fields["error"] = task.error ?? "render failed" }
        if task.status == "rendering", let jobID = task.jobId, let job = try? database.job(id: jobID) {
            fields["progress"] = job.progress
        }
        return fields
    }

    /// The output format of `task`'s latest render (an MP4 when it names none).
    func outputFormat(of task: TaskRecord) -> OutputFormat {
        guard let jobID = task.jobId, let job = try? database.job(id: jobID), let name = job.outputFormat else { return .mp4 }
        return OutputFormat(name: name) ?? .mp4
    }

    func listTasks(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let account = try context.requireAccount()
        let (page, limit) = try service.pagination(request)
        let status = request.uri.queryParameters.get("status")
        if let status, !["created", "rendering", "completed", "failed"].contains(status) {
            throw APIError.invalidRequest("status must be created, rendering, completed or failed", field: "status")
        }
        var category = request.uri.queryParameters.get("category") ?? "api"
        if category == "all" { category = "" }
        let result = try database.tasks(account: account.id, api: APISurface.renderingvideo.name, status: status,
                                        category: category.isEmpty ? nil : category, page: page, limit: limit)
        let origin = service.origin(for: request)
        return JSONResponse.success(["tasks": result.items.map { taskJSON($0, origin: origin) },
                                     "pagination": ["page": page, "limit": limit, "total": result.total]])
    }

    func taskDetail(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let task = try database.task(id: try service.parameter("taskId", context), account: try context.requireAccount().id,
                                     api: APISurface.renderingvideo.name)
        return JSONResponse.success(taskJSON(task, origin: service.origin(for: request)))
    }

    /// The task's current render as server-sent events (`ReelService.progressEvents`).
    func events(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let (id, account) = (try service.parameter("taskId", context), try context.requireAccount().id)
        let database = self.database
        let task = try database.task(id: id, account: account, api: APISurface.renderingvideo.name)
        guard task.jobId != nil else {
            throw APIError(.notFound, code: "NOT_FOUND", "task \(id) has not been rendered; start a render first")
        }
        return try service.progressEvents {
            guard let jobID = try database.task(id: id, account: account, api: APISurface.renderingvideo.name).jobId else { return nil }
            return try database.job(id: jobID)
        }
    }

    func deleteTask(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let (task, outputs) = try database.deleteTask(id: try service.parameter("taskId", context), account: try context.requireAccount().id,
                                                      api: APISurface.renderingvideo.name)
        for path in outputs + [service.paths.videos + "/\(task.id).mp4"] { try? FileManager.default.removeItem(atPath: path) }
        return JSONResponse.success(["taskId": task.id, "videoTaskId": task.id, "deleted": true, "remoteDeleted": true,
                                     "message": "task, render history and video deleted"])
    }

    func render(_ request: Request, _ context: ReelRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let body = try await service.jsonBody(request, allowEmpty: true)
        let fields = try startRender(taskID: try service.parameter("taskId", context), account: account, body: body,
                                     origin: service.origin(for: request))
        return JSONResponse.success(fields)
    }

    /// Reserves credits and queues a render; the response fields of the render endpoints.
    func startRender(taskID: String, account: Account, body: [String: Any], origin: String) throws -> [String: Any] {
        var webhook: String?
        if let value = body["webhook_url"], !(value is NSNull) {
            guard let text = value as? String, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                  ["http", "https"].contains(scheme), url.host != nil else {
                throw APIError.invalidRequest("webhook_url must be an http(s) URL", field: "webhook_url")
            }
            webhook = text
        }
        var workers = 5
        if let value = body["num_workers"], !(value is NSNull) {
            guard !isJSONBool(value), let number = value as? Int, number >= 1, number <= 64 else {
                throw APIError.invalidRequest("num_workers must be a whole number from 1 to 64", field: "num_workers")
            }
            workers = number
        }
        let (format, posterAt) = try renderOutput(body, taskID: taskID, account: account)
        let start: RenderStart
        do {
            // The default format is stored as none, so a task rendered before formats existed
            // counts as rendered in it.
            start = try database.startRender(taskID: taskID, account: account.id, api: APISurface.renderingvideo.name, webhookURL: webhook,
                                             workers: workers, jobPrefix: "rt_", outputFormat: format == .mp4 ? nil : format.name,
                                             posterAt: posterAt)
        } catch let error as StoreError where error.kind == .conflict {
            throw APIError(.badRequest, code: "ALREADY_RENDERING", "task \(taskID) is already rendering")
        }
        switch start {
        case .alreadyRendered(let task):
            var fields = taskJSON(task, origin: origin)
            fields["alreadyRendered"] = true
            fields["cost"] = 0
            fields["remainingCredits"] = try database.balance(account: account.id)
            fields["message"] = "the task was rendered already"
            return fields
        case .queued(let job, let remaining):
            service.jobQueued()
            var fields = taskJSON(try database.task(id: taskID, account: account.id), origin: origin)
            fields["renderTaskId"] = job.id
            fields["cost"] = job.cost
            fields["remainingCredits"] = remaining
            fields["message"] = "rendering started"
            return fields
        }
    }

    /// The render body's output: `output_format` (a name of `OutputFormat`, default mp4) and,
    /// for the png and jpeg posters, `poster_at` (seconds within the task's video; default its
    /// middle frame). 400 INVALID_REQUEST naming the field otherwise.
    func renderOutput(_ body: [String: Any], taskID: String, account: Account) throws -> (OutputFormat, Double?) {
        var format = OutputFormat.mp4
        if let value = body["output_format"], !(value is NSNull) {
            let names = OutputFormat.allCases.map(\.name).joined(separator: ", ")
            guard let text = value as? String, let named = OutputFormat(name: text) else {
                throw APIError.invalidRequest("output_format must be one of \(names)", field: "output_format")
            }
            format = named
        }
        guard let value = body["poster_at"], !(value is NSNull) else { return (format, nil) }
        guard format.isStill else {
            throw APIError.invalidRequest("poster_at applies to the png and jpeg output formats (a poster)", field: "poster_at")
        }
        let duration = try database.task(id: taskID, account: account.id, api: APISurface.renderingvideo.name).duration
        guard !isJSONBool(value), let seconds = (value as? NSNumber)?.doubleValue, seconds.isFinite, seconds >= 0, seconds < duration else {
            throw APIError.invalidRequest("poster_at must be a number of seconds from 0 to less than the video's \(duration) s", field: "poster_at")
        }
        return (format, seconds)
    }

    // MARK: files

    func upload(_ request: Request, _ context: ReelRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        let limit = service.configuration.maximumUploadBytes
        let parts = try await service.multipartParts(request)
        let files = parts.filter { ($0.name == "file" || $0.name == "files") && $0.filename != nil }
        guard !files.isEmpty else { throw APIError(.badRequest, code: "NO_FILES", "send the file in a multipart field named file or files") }
        var assets: [[String: Any]] = []
        // What this request has written, undone if any file of it fails: all or nothing.
        var storedPaths: [String] = [], insertedIDs: [String] = []
        let origin = service.origin(for: request)
        do {
            for part in files {
                let name = sanitizedFileName(part.filename)
                guard part.size <= limit else {
                    throw APIError(.contentTooLarge, code: "FILE_TOO_LARGE", "\(name) is larger than \(limit) bytes", details: ["file": name])
                }
                guard let detected = DetectedType.detect(part.head) else {
                    throw APIError(.badRequest, code: "UNSUPPORTED_FILE_TYPE",
                                   "\(name) is not an image, video, audio or caption (SRT, WebVTT) format the API accepts", details: ["file": name])
                }
                let id = Identifier.make(20)
                let path = service.paths.uploads + "/\(id).\(detected.fileExtension)"
                try part.store(at: path)
                storedPaths.append(path)
                let record = FileRecord(id: id, accountId: account.id, name: name, storedPath: path, type: detected.type,
                                        mimeType: detected.mimeType, size: Int64(part.size))
                try database.insertFile(record, quota: account.storageQuota)
                insertedIDs.append(id)
                assets.append(fileJSON(record, origin: origin))
            }
        } catch {
            for path in storedPaths { try? FileManager.default.removeItem(atPath: path) }
            for id in insertedIDs { _ = try? database.deleteFile(id: id, account: account.id) }
            throw error
        }
        return JSONResponse.success(["message": "\(assets.count) file\(assets.count == 1 ? "" : "s") uploaded", "count": assets.count,
                                     "assets": assets])
    }

    func fileJSON(_ file: FileRecord, origin: String) -> [String: Any] {
        let escaped = file.name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? "file"
        return ["id": file.id, "name": file.name, "url": origin + "/uploads/\(file.id)/\(escaped)", "type": file.type,
                "mimeType": file.mimeType, "size": file.size, "createdAt": file.createdAt]
    }

    func listFiles(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let account = try context.requireAccount()
        let (page, limit) = try service.pagination(request)
        let type = request.uri.queryParameters.get("type")
        if let type, !["image", "video", "audio", "subtitle", "model"].contains(type) {
            throw APIError.invalidRequest("type must be image, video, audio, subtitle or model", field: "type")
        }
        let result = try database.files(account: account.id, type: type, page: page, limit: limit)
        let origin = service.origin(for: request)
        return JSONResponse.success(["files": result.items.map { fileJSON($0, origin: origin) },
                                     "pagination": ["page": page, "limit": limit, "total": result.total]])
    }

    func deleteFile(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let file = try database.deleteFile(id: try service.parameter("fileId", context), account: try context.requireAccount().id)
        try? FileManager.default.removeItem(atPath: file.storedPath)
        return JSONResponse.success(["fileId": file.id, "deleted": true, "message": "file deleted"])
    }

    // MARK: previews

    func createPreview(_ request: Request, _ context: ReelRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        var body = try await service.jsonBody(request)
        // Early SDKs wrapped the schema as {config: …}: accept both.
        if body.count == 1, let wrapped = body["config"] as? [String: Any] { body = wrapped }
        let (json, _) = try checkedConfig(body, account: account)
        let preview = try database.insertPreview(account: account.id, config: json, lifetime: service.configuration.previewLifetime)
        let origin = service.origin(for: request)
        return JSONResponse.success(["tempId": preview.id, "previewUrl": origin + "/t/\(preview.id)",
                                     "viewerUrl": origin + "/preview/\(preview.id)", "url": "/t/\(preview.id)",
                                     "expiresIn": "\(Int(service.configuration.previewLifetime)) seconds (\(Int(service.configuration.previewLifetime / 86400)) days)",
                                     "expiresAt": preview.expiresAt])
    }

    func readPreview(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let preview = try database.preview(id: try service.parameter("tempId", context), account: try context.requireAccount().id)
        let config = try JSONSerialization.jsonObject(with: Data(preview.config.utf8))
        let origin = service.origin(for: request)
        return JSONResponse.success(["tempId": preview.id, "config": config, "previewUrl": origin + "/t/\(preview.id)",
                                     "viewerUrl": origin + "/preview/\(preview.id)", "expiresAt": preview.expiresAt])
    }

    func deletePreview(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let id = try service.parameter("tempId", context)
        try database.deletePreview(id: id, account: try context.requireAccount().id)
        return JSONResponse.success(["tempId": id, "deleted": true, "message": "preview deleted"])
    }

    func convertPreview(_ request: Request, _ context: ReelRequestContext, render: Bool) async throws -> Response {
        let account = try context.requireAccount()
        let preview = try database.preview(id: try service.parameter("tempId", context), account: account.id)
        let body = try await service.jsonBody(request, allowEmpty: true)
        let config = try JSONSerialization.jsonObject(with: Data(preview.config.utf8))
        let task = try makeTask(account: account, config: config, metadata: body["metadata"], title: body["title"],
                                category: body["category"])
        try database.insert(task)
        let origin = service.origin(for: request)
        var fields = taskJSON(task, origin: origin)
        fields["tempId"] = preview.id
        fields["converted"] = true
        fields["message"] = "preview converted to task \(task.id)"
        if render {
            fields = try startRender(taskID: task.id, account: account, body: body, origin: origin)
            fields["tempId"] = preview.id
            fields["converted"] = true
            fields["convertMessage"] = "preview converted to task \(task.id)"
        }
        return JSONResponse.success(fields)
    }
}
