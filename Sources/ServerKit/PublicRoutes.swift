import Encoder
import Foundation
public import Hummingbird
import NIOCore
import Render
import Store
import TemplateSchema
import Timeline

/// Routes reached by link rather than by key: signed video links (with HTTP Range, so players
/// can seek), uploaded files (their ids are unguessable), and the preview viewer.
public struct PublicRoutes: Sendable {
    let service: ReelService
    /// The surfaces whose tasks have pages by task id.
    let taskPages: Set<String>

    public init(service: ReelService, taskPages: Set<String>) {
        self.service = service
        self.taskPages = taskPages
    }

    public func register(on router: Router<ReelRequestContext>) {
        router.get("videos/:file") { request, context in try await video(request, context) }
        router.get("uploads/:fileId/:name") { request, context in try await uploaded(request, context) }
        router.get("t/:id") { request, context in try viewer(request, context) }
        router.get("preview/:id") { request, context in try viewer(request, context) }
        router.get("preview/:id/config.json") { request, context in
            let config = try composition(try parameter("id", context)).config
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: config)))
        }
        router.get("preview/:id/frame.png") { request, context in try await frame(request, context) }
    }

    func parameter(_ name: String, _ context: ReelRequestContext) throws -> String {
        guard let value = context.parameters.get(name) else { throw APIError.notFound("not found") }
        return value
    }

    // MARK: files

    func video(_ request: Request, _ context: ReelRequestContext) async throws -> Response {
        let file = try parameter("file", context)
        let query = request.uri.queryParameters
        guard service.signer.isValid(path: "/videos/\(file)", expires: query.get("expires"), signature: query.get("sig")) else {
            throw APIError(.forbidden, code: "INVALID_SIGNATURE", "this video link is invalid or has expired; fetch the task again for a fresh one")
        }
        // `<task id>.<extension>`, the extension one an output format writes (mp4, webm, mov, gif,
        // png, jpg, zip), served as that format's type.
        let parts = file.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let type = OutputFormat.mimeType(forExtension: String(parts[1])), parts[1] == parts[1].lowercased(),
              !parts[0].isEmpty, parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw APIError.notFound("no such video")
        }
        // An archive downloads rather than opens.
        let headers: HTTPFields = parts[1] == "zip" ? [.contentDisposition: "attachment; filename=\"\(file)\""] : [:]
        return try await serve(path: service.paths.videos + "/\(file)", type: type, request: request, context: context, headers: headers)
    }

    func uploaded(_ request: Request, _ context: ReelRequestContext) async throws -> Response {
        guard let file = try service.database.file(id: try parameter("fileId", context)) else { throw APIError.notFound("no such file") }
        return try await serve(path: file.storedPath, type: file.mimeType, request: request, context: context, headers: Self.inertHeaders(for: file))
    }

    /// Headers that keep an uploaded file from acting on Reel's origin: browsers may not sniff
    /// another type, the file can run no script and load nothing, and formats that can carry
    /// script when opened as a document (SVG) download instead of opening.
    static func inertHeaders(for file: FileRecord) -> HTTPFields {
        var headers: HTTPFields = [.xContentTypeOptions: "nosniff",
                                   .contentSecurityPolicy: "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"]
        let type = file.mimeType.lowercased()
        if !(type.hasPrefix("video/") || type.hasPrefix("audio/")) && type != "image/jpeg" && type != "image/png"
            && type != "image/gif" && type != "image/webp" {
            let name = file.name.unicodeScalars.filter { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 }
            headers[.contentDisposition] = "attachment; filename=\"\(String(String.UnicodeScalarView(name)))\""
        }
        return headers
    }

    /// A file, whole or the byte range asked for (`Range: bytes=a-b`, `a-`, `-n`), streamed from
    /// disk in 128 KiB chunks (Hummingbird's file I/O): a download of any size takes the same memory.
    func serve(path: String, type: String, request: Request, context: ReelRequestContext, headers extra: HTTPFields = [:]) async throws -> Response {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let size = attributes[.size] as? Int,
              (attributes[.type] as? FileAttributeType) == .typeRegular else { throw APIError.notFound("no such file") }
        var headers: HTTPFields = [.contentType: type, .acceptRanges: "bytes"]
        headers.append(contentsOf: extra)
        let files = FileIO()
        guard let range = request.headers[.range] else {
            headers[.contentLength] = "\(size)"
            let body = size == 0 ? ResponseBody() : try await files.loadFile(path: path, range: 0...(size - 1), context: context)
            return Response(status: .ok, headers: headers, body: body)
        }
        guard let (start, end) = Self.byteRange(range, size: size) else {
            headers[.contentRange] = "bytes */\(size)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        }
        headers[.contentRange] = "bytes \(start)-\(end)/\(size)"
        headers[.contentLength] = "\(end - start + 1)"
        return Response(status: .partialContent, headers: headers, body: try await files.loadFile(path: path, range: start...end, context: context))
    }

    /// The inclusive byte range a single-range `Range` header asks for, or nil if unsatisfiable.
    public static func byteRange(_ header: String, size: Int) -> (Int, Int)? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6).split(separator: ",").first.map(String.init) ?? ""
        let pieces = spec.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.count == 2 else { return nil }
        if pieces[0].isEmpty {
            guard let suffix = Int(pieces[1]), suffix > 0 else { return nil }
            return (max(0, size - suffix), size - 1)
        }
        guard let start = Int(pieces[0]), start < size else { return nil }
        // An end past the file (however many digits) means the file's end (RFC 9110 §14.1.2).
        let digitsOnly = !pieces[1].isEmpty && pieces[1].utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        let end = pieces[1].isEmpty ? size - 1 : min(Int(pieces[1]) ?? (digitsOnly ? size - 1 : -1), size - 1)
        return end >= start ? (start, end) : nil
    }

    // MARK: previews

    /// The document behind a preview id or a task id, its dialect, title and owner. (Previews are
    /// RenderingVideo's, and always v2.)
    func composition(_ id: String) throws -> (config: String, dialect: String, title: String, account: String) {
        if let preview = try? service.database.preview(id: id, account: nil) {
            return (preview.config, RenderingVideoV2.name, "Preview", preview.accountId)
        }
        if let task = try service.database.task(id: id), taskPages.contains(task.api) {
            return (task.config, task.dialect, task.title ?? "Task \(task.id)", task.accountId)
        }
        throw APIError.notFound("no preview or task with id \(id), or it has expired")
    }

    func frame(_ request: Request, _ context: ReelRequestContext) async throws -> Response {
        let id = try parameter("id", context)
        let (config, dialect, _, account) = try composition(id)
        let text = request.uri.queryParameters.get("t") ?? "0"
        guard let seconds = DecimalSyntax.parse(text), seconds >= 0, seconds <= DocumentLimits.seconds else {
            throw APIError.invalidRequest("t must be a time in seconds from 0 to \(Int(DocumentLimits.seconds))", field: "t")
        }
        if let limiter = service.previewFrameLimiter, let wait = limiter.admit("frames:" + account) {
            throw APIError.rateLimited(retryAfter: wait, limit: limiter.limit)
        }
        // Frames are drawn on demand and some documents take long: at most one per processor at a
        // time, so that links shared around cannot take the machine.
        guard service.previewFrameSlots.take() else {
            throw APIError(.tooManyRequests, code: "RATE_LIMITED", "the server is drawing as many preview frames as it can; retry in 1 s",
                           details: ["retryAfter": 1], retryAfter: 1)
        }
        defer { service.previewFrameSlots.give() }
        let renderer = try service.previewRenderer(for: config, dialect: dialect, account: account)
        let result = await runOnThread { try renderer.pngFrame(at: seconds) }
        switch result {
        case .success(let png):
            return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "private, max-age=300"],
                            body: .init(byteBuffer: ByteBuffer(bytes: png)))
        case .failure(let error):
            throw APIError(.unprocessableContent, code: "RENDER_FAILED", service.clientMessage(error))
        }
    }

    func viewer(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let id = try parameter("id", context)
        let (config, dialect, title, account) = try composition(id)
        let timeline = try service.timeline(for: config, dialect: dialect, account: account)
        let html = ViewerPage.html(id: id, title: title, timeline: timeline, config: config, frameLimit: service.previewFrameLimiter?.limit)
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
