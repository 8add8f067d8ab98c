import Foundation
import Hummingbird
import HTTPTypes
import MCP
import NIOCore
import ServerKit
import Store
import TemplateSchema

/// Reel's own MCP server at `/mcp` (streamable HTTP, stateless, JSON responses), built with the
/// official MCP Swift SDK: the eight tools of the published `future-video-studio-mcp` package with
/// its names, argument shapes and annotations, tool errors as data (`{"ok": false, "error": …}`),
/// and the `fvs://agent-api/reference` resource. Tools act on this server's renders directly.
///
/// Account tools take the agent key from, in order: the `X-FVS-Agent-Key` header, `X-Agent-Api-Key`,
/// then `Authorization: Bearer <key>`, and count against the key's rate limit like the REST routes.
/// (The package's last resort, a key in the server's environment, would hand that account to any
/// caller of a network server; the marketplace mapping is not offered either.)
struct FVSMCP: Sendable {
    let service: ReelService
    let routes: FVSRoutes
    let quotes: FVSQuotes
    let endpoint: MCPEndpoint

    /// The headers the route passes the request's origin and client address in (a client's own are dropped).
    static let originHeader = "x-reel-origin"
    static let clientHeader = "x-reel-client"
    static let referenceURI = "fvs://agent-api/reference"

    init(service: ReelService, quotes: FVSQuotes) {
        self.service = service
        routes = FVSRoutes(service: service)
        self.quotes = quotes
        endpoint = MCPEndpoint()
    }

    func register(on router: Router<ReelRequestContext>) {
        let group = router.group("mcp")
        group.post { request, context in try await handle(request, context) }
        group.get { _, _ in Self.methodNotAllowed() }
        group.delete { _, _ in Self.methodNotAllowed() }
    }

    static func methodNotAllowed() -> Response {
        var response = JSONResponse.make(["jsonrpc": "2.0", "error": ["code": -32000, "message": "this MCP server is stateless: POST only"],
                                          "id": NSNull()], status: .methodNotAllowed)
        response.headers[.allow] = "POST"
        return response
    }

    func handle(_ request: Request, _ context: ReelRequestContext) async throws -> Response {
        let body = try await service.collectBody(of: request, upTo: service.configuration.maximumRequestBytes)
        var headers: [String: String] = [:]
        for field in request.headers where ![Self.originHeader, Self.clientHeader].contains(field.name.canonicalName) {
            headers[field.name.canonicalName] = field.value
        }
        headers[Self.originHeader] = service.origin(for: request)
        headers[Self.clientHeader] = context.remoteAddress ?? "unknown"
        let answer = try await endpoint.handle(MCP.HTTPRequest(method: "POST", headers: headers, body: Data(buffer: body), path: "/mcp"),
                                               makeServer: makeServer)
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        let status = HTTPResponse.Status(code: answer.statusCode)
        guard let data = answer.bodyData else { return Response(status: status, headers: fields) }
        if fields[.contentType] == nil { fields[.contentType] = "application/json" }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: the server

    func makeServer() async -> MCP.Server {
        let server = MCP.Server(name: "future-video-studio", version: "reel", title: "Future Video Studio (Reel)",
                                instructions: "Renders screenplays into videos with Reel. Submit with fvs_submit_render, poll with fvs_get_render_status.",
                                capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: FVSMCPTools.all) }
        await server.withMethodHandler(CallTool.self) { parameters in
            let context = MCP.Server.currentHandlerContext?.httpContext
            let value = await call(parameters.name, arguments: parameters.arguments ?? [:], headers: context?.headers ?? [:])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let text = String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
            return CallTool.Result(content: [.text(text)], structuredContent: Optional(value), isError: false)
        }
        await server.withMethodHandler(ListResources.self) { _ in
            ListResources.Result(resources: [Resource(name: "FVS agent API reference", uri: Self.referenceURI,
                                                      description: "The agent API as Reel serves it", mimeType: "text/markdown")])
        }
        await server.withMethodHandler(ReadResource.self) { parameters in
            guard parameters.uri == Self.referenceURI else { throw MCPError.invalidParams("no resource \(parameters.uri)") }
            return ReadResource.Result(contents: [.text(FVSMCPTools.reference, uri: Self.referenceURI, mimeType: "text/markdown")])
        }
        return server
    }

    // MARK: tools

    /// One tool call: its result, or `{"ok": false, "error": …}` (errors are data, not MCP errors).
    func call(_ name: String, arguments: [String: Value], headers: [String: String]) async -> Value {
        let origin = headers[Self.originHeader] ?? service.configuredOrigin
        do {
            let result: Any
            switch name {
            case "fvs_example_render_request":
                result = FVSMCPTools.exampleRequest
            case "fvs_open_chatgpt_app":
                var snapshot: [String: Any] = ["app": "future-video-studio", "status": "ready", "default_request": FVSMCPTools.exampleRequest,
                                               "message": "Future Video Studio renders, served by Reel."]
                for key in ["project_id", "status_url", "quote_id", "claim_token", "final_video_url"] {
                    snapshot[key] = arguments[key]?.stringValue ?? NSNull()
                }
                result = snapshot
            case "fvs_submit_render":
                let account = try authenticate(headers)
                let request = try requestData(arguments["request"])
                let urls = try FVSQuotes.uploadURLs(Self.plain(arguments["upload_urls"]))
                var fields = try await routes.submit(request, files: [], urls: urls, account: account, origin: origin)
                if arguments["poll_until_complete"]?.boolValue == true, let id = fields["project_id"] as? String {
                    _ = try await routes.wait(for: id, seconds: FVSRoutes.longestWait)
                    fields = try routes.status(of: id, account: account, origin: origin)
                }
                result = fields
            case "fvs_get_render_status":
                result = try routes.status(of: try projectID(arguments, urlKey: "status_url", suffix: ""), account: try authenticate(headers), origin: origin)
            case "fvs_cancel_render":
                result = try routes.cancel(try projectID(arguments, urlKey: "cancel_url", suffix: "/cancel"), account: try authenticate(headers), origin: origin)
            case "fvs_create_paid_render_quote":
                let (fields, challenge) = try quotes.create(request: Self.plain(arguments["request"]), uploadURLs: Self.plain(arguments["upload_urls"]),
                                                            origin: origin, client: headers[Self.clientHeader] ?? "unknown")
                var answer = fields
                answer["ok"] = false
                answer["payment_required"] = true
                answer["www_authenticate"] = challenge
                result = answer
            case "fvs_get_paid_render_status":
                let (id, token) = try quoteClaim(arguments)
                result = try quotes.status(of: id, claimToken: token, origin: origin)
            case "fvs_download_final_video":
                // "The MCP host's filesystem" is this server's: a remote client may not write files on it.
                throw APIError(.badRequest, code: "unsupported", "this MCP server runs inside Reel and writes no files on its host: "
                               + "download final_video_url with any HTTP client (it is a signed link)")
            default:
                throw APIError(.badRequest, code: "unknown_tool", "no tool named \(name)")
            }
            return try Self.value(result)
        } catch let error as APIError {
            return .object(["ok": .bool(false), "error": .string(error.message)])
        } catch let error as StoreError {
            return .object(["ok": .bool(false), "error": .string(error.description)])
        } catch {
            return .object(["ok": .bool(false), "error": .string(service.clientMessage(error))])
        }
    }

    /// The account of the agent key: `X-FVS-Agent-Key`, `X-Agent-Api-Key`, then `Authorization: Bearer`.
    func authenticate(_ headers: [String: String]) throws -> Account {
        var key = headers["x-fvs-agent-key"] ?? headers["x-agent-api-key"]
        if key == nil, let authorization = headers["authorization"], authorization.lowercased().hasPrefix("bearer ") {
            key = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        guard let key, !key.isEmpty else {
            throw APIError(.unauthorized, code: "unauthenticated", "no agent key: send X-FVS-Agent-Key (or X-Agent-Api-Key, or Authorization: Bearer)")
        }
        let account: Account, keyID: String
        do {
            (account, keyID) = try service.database.authenticateKey(key, api: .fvs)
        } catch is KeyRejection {
            throw APIError(.unauthorized, code: "unauthenticated", "the agent key is not valid")
        }
        if let limiter = service.requestLimiter, let wait = limiter.admit("key:" + keyID) {
            throw APIError.rateLimited(retryAfter: wait, limit: limiter.limit)
        }
        return account
    }

    func requestData(_ value: Value?) throws -> Data {
        guard let object = Self.plain(value) as? [String: Any] else {
            throw APIError(.badRequest, code: "invalid_request", "request: the render request is required (an object)")
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// `project_id`, or the id at the end of `status_url` / `cancel_url`.
    func projectID(_ arguments: [String: Value], urlKey: String, suffix: String) throws -> String {
        if let id = arguments["project_id"]?.stringValue?.trimmingCharacters(in: .whitespaces), !id.isEmpty { return id }
        if let url = arguments[urlKey]?.stringValue, let path = URLComponents(string: url)?.path {
            let trimmed = suffix.isEmpty ? path : (path.hasSuffix(suffix) ? String(path.dropLast(suffix.count)) : path)
            if let id = trimmed.split(separator: "/").last, trimmed.contains("/api/agent/renders/") { return String(id) }
        }
        throw APIError(.badRequest, code: "invalid_request", "give project_id or \(urlKey)")
    }

    /// The quote id and claim token from `status_url`, or from `quote_id` and `claim_token`.
    func quoteClaim(_ arguments: [String: Value]) throws -> (String, String) {
        if let url = arguments["status_url"]?.stringValue, let parts = URLComponents(string: url),
           let id = parts.path.split(separator: "/").last, let token = parts.queryItems?.first(where: { $0.name == "claim_token" })?.value {
            return (String(id), token)
        }
        if let id = arguments["quote_id"]?.stringValue, let token = arguments["claim_token"]?.stringValue { return (id, token) }
        throw APIError(.badRequest, code: "invalid_request", "give status_url, or quote_id and claim_token")
    }

    /// An MCP value as Foundation JSON objects.
    static func plain(_ value: Value?) -> Any? {
        guard let value else { return nil }
        switch value {
        case .null: return NSNull()
        case .bool(let bool): return bool
        case .int(let int): return int
        case .double(let double): return double
        case .string(let string): return string
        case .data(_, let data): return data.base64EncodedString()
        case .array(let array): return array.map { plain($0) ?? NSNull() }
        case .object(let object): return object.mapValues { plain($0) ?? NSNull() }
        }
    }

    /// Foundation JSON objects as an MCP value.
    static func value(_ object: Any) throws -> Value {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        return try JSONDecoder().decode(Value.self, from: data)
    }
}

/// Stateless MCP: every request gets a server and transport of its own (a client may initialize
/// as often as it likes, and no request depends on another's).
struct MCPEndpoint: Sendable {
    func handle(_ request: MCP.HTTPRequest, makeServer: @Sendable () async -> MCP.Server) async throws -> MCP.HTTPResponse {
        // Any origin may call (keys authenticate account tools); JSON responses only.
        let transport = StatelessHTTPServerTransport(validationPipeline: StandardValidationPipeline(validators: [
            AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator(),
        ]))
        let server = await makeServer()
        try await server.start(transport: transport)
        let response = await transport.handleRequest(request)
        await server.stop()
        return response
    }
}
