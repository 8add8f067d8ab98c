public import Hummingbird
import Foundation
import NIOHTTP1
import NIOCore
public import Store
public import TemplateSchema

/// An error a route answers with: a status, a machine-readable code, a message for people, and
/// details (the field at fault, a retry delay, …). Each surface's `ErrorEnvelope` decides how it
/// is written; routes outside every surface (links, the viewer, unknown paths) use `ServerEnvelope`.
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
        ServerEnvelope().response(for: self)
    }

    public static func invalidRequest(_ message: String, field: String? = nil) -> APIError {
        APIError(.badRequest, code: "INVALID_REQUEST", message, details: field.map { ["field": $0] })
    }

    public static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "NOT_FOUND", message) }

    /// 429 with the RenderingVideo code; the response carries `Retry-After: seconds`.
    public static func rateLimited(retryAfter seconds: Int, limit: RateLimit) -> APIError {
        APIError(.tooManyRequests, code: "RATE_LIMITED",
                 "too many requests: at most \(limit.perMinute) a minute (bursts of \(limit.burst)); retry in \(seconds) s",
                 details: ["retryAfter": seconds], retryAfter: seconds)
    }

    /// 413 for a request body over the server's limit.
    public static func tooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "PAYLOAD_TOO_LARGE", "the request body is larger than the \(limit) bytes the server accepts",
                 details: ["limit": limit])
    }

    public static let paymentRequired = HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required")
}

/// How a surface writes its errors: the body of each `APIError`, and which `APIError` stands for
/// the errors that reach it from elsewhere (the store, a document reader, Hummingbird itself).
public protocol ErrorEnvelope: Sendable {
    /// The JSON body of `error`.
    func body(for error: APIError) -> [String: Any]
    /// A store error (not found, conflict, too few credits, quota, invalid) in this surface's words.
    func apiError(for error: StoreError) -> APIError
    /// A stored document that can no longer be read.
    func apiError(for error: SchemaError) -> APIError
}

extension ErrorEnvelope {
    public func response(for error: APIError) -> Response {
        var response = JSONResponse.make(body(for: error), status: error.status)
        if let retryAfter = error.retryAfter { response.headers[.retryAfter] = "\(retryAfter)" }
        return response
    }

    public func apiError(for error: SchemaError) -> APIError {
        let problems = error.diagnostics.map(\.description)
        return APIError(.unprocessableContent, code: "INVALID_CONFIG", "the config can no longer be used: " + problems.joined(separator: "; "),
                        details: ["problems": problems])
    }
}

extension APIError {
    /// A store error with snake_case codes (`not_found`, `conflict`, `storage_quota_exceeded`,
    /// `insufficient_credits` with the amounts, `invalid_request`): how the AVS and FVS surfaces
    /// word them.
    public static func snakeCase(_ error: StoreError) -> APIError {
        switch error.kind {
        case .notFound: APIError(.notFound, code: "not_found", error.description)
        case .conflict: APIError(.conflict, code: "conflict", error.description)
        case .limitExceeded: APIError(paymentRequired, code: "storage_quota_exceeded", error.description)
        case .insufficientCredits:
            APIError(paymentRequired, code: "insufficient_credits", error.description,
                     details: ["required": error.required ?? 0, "balance": error.balance ?? 0])
        case .invalid: APIError(.badRequest, code: "invalid_request", error.description)
        }
    }
}

/// The envelope of the server's own routes (signed links, uploads, the viewer, unknown paths):
/// `{success: false, error, code, details?}`.
public struct ServerEnvelope: ErrorEnvelope {
    public init() {}

    public func body(for error: APIError) -> [String: Any] {
        var body: [String: Any] = ["success": false, "error": error.message, "code": error.code]
        if let details = error.details { body["details"] = details }
        return body
    }

    public func apiError(for error: StoreError) -> APIError {
        switch error.kind {
        case .notFound: .notFound(error.description)
        case .conflict: APIError(.conflict, code: "CONFLICT", error.description)
        case .limitExceeded: APIError(.badRequest, code: "LIMIT_EXCEEDED", error.description)
        case .insufficientCredits: APIError(APIError.paymentRequired, code: "INSUFFICIENT_CREDITS", error.description)
        case .invalid: .invalidRequest(error.description)
        }
    }
}

/// JSON bodies built from dictionaries (the API's shapes are documents, not fixed types).
public enum JSONResponse {
    public static func make(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public static func success(_ fields: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var body = fields
        body["success"] = true
        return make(body, status: status)
    }
}

/// Turns any error escaping a route into `envelope`'s body: API errors as they are, store and
/// schema errors by kind, Hummingbird's by status, anything else as a 500 that names no internals.
/// The router has one with `ServerEnvelope`; each surface's route group adds its own.
public struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    let envelope: any ErrorEnvelope

    public init(_ envelope: any ErrorEnvelope) {
        self.envelope = envelope
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return envelope.response(for: error)
        } catch let error as StoreError {
            return envelope.response(for: envelope.apiError(for: error))
        } catch let error as SchemaError {
            return envelope.response(for: envelope.apiError(for: error))
        } catch let error where error is HTTPParserError || error is ChannelError || error is IOError {
            // The connection broke or was closed mid-request (a trickling client cut off by the
            // idle timeout, a reset): nobody reads the answer, but it is the client's doing, not a 500.
            return envelope.response(for: APIError(.badRequest, code: "INVALID_REQUEST", "the request ended early or is malformed: \(error)"))
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "NOT_FOUND" : error.status == .contentTooLarge ? "FILE_TOO_LARGE" : "INVALID_REQUEST"
            return envelope.response(for: APIError(error.status, code: code, error.body ?? error.status.reasonPhrase))
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)"])
            return envelope.response(for: APIError(.internalServerError, code: "INTERNAL_ERROR", "internal error"))
        }
    }
}
