public import Foundation
public import Hummingbird
import HTTPTypes
public import ServerKit
public import Store
import TemplateSchema

extension APISurface {
    /// Future Video Studio agent keys: `fvs_<id>_<secret>`, sent as `X-FVS-Agent-Key`.
    public static let fvs = APISurface(name: "fvs", keyFormat: KeyFormat(prefix: "fvs_", separator: "_"))
}

/// The Future Video Studio agent API (`shared/specs/fvs-agent-api.md`; docs/fvs-api.md): screenplay
/// renders submitted as multipart (`request_json` + `files`), polled and cancelled by project id,
/// compiled into a timeline by `ScreenplayCompiler` and paid in the shared credits.
public struct FVSSurface: SurfaceModule {
    let service: ReelService
    /// Takes payment for quotes: the operator by default (`reel quotes pay ID`); a real provider
    /// conforms to `PaymentProvider` and goes here.
    public var paymentProvider: any PaymentProvider = OperatorPayments()

    public init(service: ReelService) { self.service = service }

    public static var keySurface: APISurface { .fvs }

    /// Project (render) ids read `proj_api_<16 letters and digits>`.
    public static let projectPrefix = "proj_api_"

    public func register(on router: Router<ReelRequestContext>) {
        FVSRoutes(service: service).register(on: router)
        let quotes = FVSQuotes(service: service, provider: paymentProvider)
        quotes.register(on: router)
        FVSMCP(service: service, quotes: quotes).register(on: router)
    }

    public var openAPI: OpenAPIContribution { FVSOpenAPI.contribution }

    public func generator(forDialect dialect: String) -> (any DocumentGenerator)? {
        dialect == FVSRenderRequest.name ? ScreenplayGenerator(configuration: service.configuration) : nil
    }

    /// The agent API announces nothing: clients poll `status_url`.
    public func webhook(for job: JobRecord, task: TaskRecord) -> WebhookDelivery? { nil }
}

/// FVS errors: FastAPI's `{"detail": "<message>"}` (the published client reads `detail`), with
/// Reel's `code` beside it.
public struct FVSEnvelope: ErrorEnvelope {
    public init() {}

    public func body(for error: APIError) -> [String: Any] {
        var fields: [String: Any] = ["detail": error.message, "code": error.code.lowercased()]
        if let field = error.details?["field"] { fields["field"] = field }
        if let problems = error.details?["problems"] { fields["problems"] = problems }
        if let files = error.details?["files"] { fields["files"] = files }
        return fields
    }

    public func apiError(for error: StoreError) -> APIError { .snakeCase(error) }
}

/// `X-FVS-Agent-Key: fvs_<id>_<secret>` on every account route, and nothing else.
struct FVSAuthentication: RouterMiddleware {
    typealias Context = ReelRequestContext
    let database: ReelDatabase
    var limiter: RateLimiter?

    static let header = HTTPField.Name("X-FVS-Agent-Key")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        do {
            let (account, keyID) = try database.authenticateKey(request.headers[Self.header], api: .fvs)
            context.account = account
            if let limiter, let wait = limiter.admit("key:" + keyID) { throw APIError.rateLimited(retryAfter: wait, limit: limiter.limit) }
        } catch let rejection as KeyRejection {
            let message = switch rejection {
            case .missing: "send your agent key as X-FVS-Agent-Key"
            case .badFormat: "agent keys read fvs_<id>_<secret> (reel keys create --api fvs); other keys do not open /api/agent"
            case .invalid: "the agent key is not valid (or was rotated)"
            case .inactive: "the agent key has been revoked"
            case .noAccount: "the account of this agent key no longer exists"
            }
            throw APIError(.unauthorized, code: "unauthenticated", message)
        }
        return try await next(request, context)
    }
}
