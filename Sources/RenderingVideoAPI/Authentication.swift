import HTTPTypes
import Hummingbird
import ServerKit
import Store

/// Authenticates RenderingVideo requests in all four styles the API accepts:
/// `Authorization: Bearer sk-…`, `Authorization: Token sk-…`, `X-API-Key: sk-…` and `?api_key=sk-…`.
struct KeyAuthentication: RouterMiddleware {
    typealias Context = ReelRequestContext
    let database: ReelDatabase
    let api: APISurface
    /// Requests per key, when limited.
    var limiter: RateLimiter?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        do {
            let (account, keyID) = try database.authenticateKey(Self.presentedKey(request), api: api)
            context.account = account
            if let limiter, let wait = limiter.admit("key:" + keyID) { throw APIError.rateLimited(retryAfter: wait, limit: limiter.limit) }
        } catch let rejection as KeyRejection {
            let (code, message) = switch rejection {
            case .missing: ("MISSING_API_KEY", "an API key is required: send Authorization: Bearer sk-…")
            case .badFormat: ("INVALID_API_KEY_FORMAT", "API keys start with sk-")
            case .invalid: ("INVALID_API_KEY", "the API key is not valid")
            case .inactive: ("API_KEY_INACTIVE", "the API key has been revoked")
            case .noAccount: ("USER_NOT_FOUND", "the account of this API key no longer exists")
            }
            throw APIError(.unauthorized, code: code, message)
        }
        return try await next(request, context)
    }

    static func presentedKey(_ request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1).map(String.init)
            if parts.count == 2, ["bearer", "token"].contains(parts[0].lowercased()) {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
            return authorization
        }
        if let header = HTTPField.Name("X-API-Key"), let key = request.headers[header] { return key }
        return request.uri.queryParameters.get("api_key")
    }
}

import Foundation
