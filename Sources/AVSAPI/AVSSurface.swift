import Crypto
public import Foundation
public import Hummingbird
public import ServerKit
public import Store
import TemplateSchema

extension APISurface {
    /// AVS public API tokens: `avs.<tokenId>.<secret>`.
    public static let avs = APISurface(name: "avs", keyFormat: KeyFormat(prefix: "avs.", separator: "."))
}

/// The AVS public API v1 (`shared/specs/avs-public-api.md`; docs/avs-api.md): JSON-template and
/// prompt jobs, polled by id or announced by signed webhooks, paid in R-Credits.
public struct AVSSurface: SurfaceModule {
    let service: ReelService

    public init(service: ReelService) { self.service = service }

    public static var keySurface: APISurface { .avs }

    public func register(on router: Router<ReelRequestContext>) {
        AVSRoutes(service: service).register(on: router)
    }

    public var openAPI: OpenAPIContribution { AVSOpenAPI.contribution }

    public func generator(forDialect dialect: String) -> (any DocumentGenerator)? {
        dialect == AVSPromptRequest.dialect ? PromptGenerator(configuration: service.configuration) : nil
    }

    /// The job object of a finished job, signed with the job's webhook secret
    /// (`X-AVS-Signature: sha256=<hex HMAC-SHA256 of the body>`), tried once and retried up to 3
    /// times.
    public func webhook(for job: JobRecord, task: TaskRecord) -> WebhookDelivery? {
        guard let url = job.webhookURL, let secret = job.webhookSecret else { return nil }
        let object = AVSJobView(job: job, task: task).json(service: service, origin: service.configuredOrigin)
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return nil }
        let event = job.status == .completed ? "job.completed" : "job.failed"
        return WebhookDelivery(url: url, body: String(decoding: data, as: UTF8.self),
                               headers: AVSWebhookSignature.headers(body: data, secret: secret, event: event, date: Date()),
                               maxAttempts: AVSWebhookSignature.attempts)
    }
}

/// How AVS webhook deliveries are signed.
public enum AVSWebhookSignature {
    /// The first attempt and three retries.
    public static let attempts = 4

    /// `X-AVS-Event`, `X-AVS-Timestamp` (Unix seconds) and `X-AVS-Signature: sha256=<hex>`, the
    /// HMAC-SHA256 of exactly `body` keyed with `secret`.
    public static func headers(body: Data, secret: String, event: String, date: Date) -> [String: String] {
        ["X-AVS-Event": event, "X-AVS-Timestamp": "\(Int(date.timeIntervalSince1970))",
         "X-AVS-Signature": "sha256=" + signature(body: body, secret: secret)]
    }

    public static func signature(body: Data, secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }.joined()
    }
}

/// The AVS error envelope: `{"error": {"code", "message", "field"?, "details"?}}`, codes in
/// snake_case.
public struct AVSEnvelope: ErrorEnvelope {
    public init() {}

    public func body(for error: APIError) -> [String: Any] {
        var fields: [String: Any] = ["code": error.code.lowercased(), "message": error.message]
        if var details = error.details {
            if let field = details.removeValue(forKey: "field") { fields["field"] = field }
            if !details.isEmpty { fields["details"] = details }
        }
        return ["error": fields]
    }

    public func apiError(for error: StoreError) -> APIError { .snakeCase(error) }
}

/// `Authorization: Bearer avs.<tokenId>.<secret>`, and nothing else: no other header, no query
/// key, no other surface's keys.
struct AVSAuthentication: RouterMiddleware {
    typealias Context = ReelRequestContext
    let database: ReelDatabase
    var limiter: RateLimiter?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        do {
            let (account, keyID) = try database.authenticateKey(Self.bearer(request), api: .avs)
            context.account = account
            if let limiter, let wait = limiter.admit("key:" + keyID) { throw APIError.rateLimited(retryAfter: wait, limit: limiter.limit) }
        } catch let rejection as KeyRejection {
            let (code, message) = switch rejection {
            case .missing: ("missing_token", "send the token as Authorization: Bearer avs.<tokenId>.<secret>")
            case .badFormat: ("invalid_token_format", "public API tokens read avs.<tokenId>.<secret>; other keys do not open /api/v1/videos or /api/v1/jobs")
            case .invalid: ("invalid_token", "the token is not valid (or was rotated)")
            case .inactive: ("token_revoked", "the token has been revoked")
            case .noAccount: ("account_not_found", "the account of this token no longer exists")
            }
            throw APIError(.unauthorized, code: code, message)
        }
        return try await next(request, context)
    }

    static func bearer(_ request: Request) -> String? {
        guard let authorization = request.headers[.authorization] else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return "" }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
