public import Hummingbird
import Foundation
import NIOCore
import Store
import TemplateSchema

/// An error answered as the RenderingVideo envelope `{success: false, error, code, details?}`.
/// Every route throws these; this is the one place they become HTTP responses.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let details: [String: any Sendable]?

    /// Seconds for a `Retry-After` header.
    public let retryAfter: Int?

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, details: [String: any Sendable]? = nil,
                retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: Any] = ["success": false, "error": message, "code": code]
        if let details { body["details"] = details }
        var response = JSONResponse.make(body, status: status)
        if let retryAfter { response.headers[.retryAfter] = "\(retryAfter)" }
        return response
    }

    static func invalidRequest(_ message: String, field: String? = nil) -> APIError {
        APIError(.badRequest, code: "INVALID_REQUEST", message, details: field.map { ["field": $0] })
    }

    static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "NOT_FOUND", message) }

    /// 429 with the RenderingVideo code; the response carries `Retry-After: seconds`.
    static func rateLimited(retryAfter seconds: Int, limit: RateLimit) -> APIError {
        APIError(.tooManyRequests, code: "RATE_LIMITED",
                 "too many requests: at most \(limit.perMinute) a minute (bursts of \(limit.burst)); retry in \(seconds) s",
                 details: ["retryAfter": seconds], retryAfter: seconds)
    }

    /// 413 for a request body over the server's limit.
    static func tooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "PAYLOAD_TOO_LARGE", "the request body is larger than the \(limit) bytes the server accepts",
                 details: ["limit": limit])
    }

    /// The API error for a store error.
    static func from(_ error: StoreError) -> APIError {
        switch error.kind {
        case .notFound: notFound(error.description)
        case .conflict: APIError(.badRequest, code: "ALREADY_RENDERING", error.description)
        case .limitExceeded: APIError(.badRequest, code: "STORAGE_LIMIT_EXCEEDED", error.description)
        case .insufficientCredits: APIError(.init(code: 402, reasonPhrase: "Payment Required"), code: "INSUFFICIENT_CREDITS", error.description)
        case .invalid: invalidRequest(error.description)
        }
    }
}

/// JSON bodies built from dictionaries (the API's shapes are documents, not fixed types).
enum JSONResponse {
    static func make(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func success(_ fields: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var body = fields
        body["success"] = true
        return make(body, status: status)
    }
}

/// Turns any error escaping a route into the envelope: store errors by kind, anything else as
/// a 500 that names no internals.
struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as StoreError {
            return try APIError.from(error).response(from: request, context: context)
        } catch let error as SchemaError {
            let problems = error.diagnostics.map(\.description)
            return try APIError(.unprocessableContent, code: "INVALID_CONFIG", "the config can no longer be used: " + problems.joined(separator: "; "),
                                details: ["problems": problems]).response(from: request, context: context)
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "NOT_FOUND" : error.status == .contentTooLarge ? "FILE_TOO_LARGE" : "INVALID_REQUEST"
            return try APIError(error.status, code: code, error.body ?? error.status.reasonPhrase).response(from: request, context: context)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)"])
            return try APIError(.internalServerError, code: "INTERNAL_ERROR", "internal error").response(from: request, context: context)
        }
    }
}
