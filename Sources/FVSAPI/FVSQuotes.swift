import Foundation
import Hummingbird
import Media
import HTTPTypes
import NIOCore
import ServerKit
import Store
import TemplateSchema

/// Paid quotes, with no account (digest §6): `POST /api/agent/render-quotes` answers 402 with the
/// price and a claim token, `GET|POST /api/agent/render-quotes/:quote_id/pay` goes to the payment
/// provider, `GET /api/agent/paid-renders/:quote_id` (claim token in `claim_token` or
/// `X-FVS-Claim-Token`) answers the quote and then the render.
struct FVSQuotes: Sendable {
    let service: ReelService
    let provider: any PaymentProvider
    var database: ReelDatabase { service.database }

    static let quotePrefix = "quote_"
    static let claimHeader = HTTPField.Name("X-FVS-Claim-Token")!
    /// URLs one quote may name.
    static let maximumURLs = 32

    func register(on router: Router<ReelRequestContext>) {
        let quotes = router.group("api/agent/render-quotes").add(middleware: ErrorEnvelopeMiddleware(FVSEnvelope()))
        quotes.post { request, context in try await create(request, context) }
        quotes.get(":quoteId/pay") { request, context in try await pay(request, context) }
        quotes.post(":quoteId/pay") { request, context in try await pay(request, context) }
        let paid = router.group("api/agent/paid-renders").add(middleware: ErrorEnvelopeMiddleware(FVSEnvelope()))
        paid.get(":quoteId") { request, context in try status(request, context) }
    }

    // MARK: quoting

    /// The largest quote request: quotes need no key, so what one stores is kept small.
    static let maximumBody = 256 << 10

    func create(_ request: Request, _ context: ReelRequestContext) async throws -> Response {
        let body = try await service.jsonObject(try await service.collectBody(of: request, upTo: Self.maximumBody))
        let (fields, challenge) = try create(request: body["request"], uploadURLs: body["upload_urls"], origin: service.origin(for: request),
                                             client: context.remoteAddress ?? "unknown")
        var response = JSONResponse.make(fields, status: APIError.paymentRequired)
        response.headers[.wwwAuthenticate] = challenge
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// A quote for `request` (the render request object) and the files named by `uploadURLs`:
    /// the 402 body, with its claim token, and the `WWW-Authenticate` challenge.
    func create(request value: Any?, uploadURLs: Any?, origin: String, client: String) throws -> (fields: [String: Any], challenge: String) {
        // Quotes need no key: each client address has its own bucket of the request rate limit.
        if let limiter = service.requestLimiter, let wait = limiter.admit("quotes:" + client) {
            throw APIError.rateLimited(retryAfter: wait, limit: limiter.limit)
        }
        guard let payload = value as? [String: Any] else {
            throw APIError(.unprocessableContent, code: "invalid_request", "request: the render request is required (an object)", details: ["field": "request"])
        }
        let json = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .withoutEscapingSlashes])
        let brief: FVSRenderRequest.Brief
        do {
            brief = try FVSRenderRequest.read(json)
        } catch {
            throw FVSRoutes.invalid(error.diagnostics.map { Diagnostic(path: JSONPath.root.appending("request").appending(path: $0.path), message: $0.message) })
        }
        let urls = try Self.uploadURLs(uploadURLs)
        try Self.checkReachable(urls, policy: service.mediaLocator.policy)
        let names = urls.map(\.name)
        let unmatched = brief.assets.filter { !names.contains($0.filename) }
        if !unmatched.isEmpty {
            throw FVSRoutes.invalid(unmatched.map { asset in
                Diagnostic(path: JSONPath.root.appending("request").appending(path: asset.path.appending("filename")),
                           message: "must match the file name of one of upload_urls" + (names.isEmpty ? " (there are none)" : ""))
            }, files: names)
        }
        let resolution = brief.videoResolution ?? ScreenplayCompiler.defaultResolution
        let seconds = brief.targetSeconds ?? ScreenplayCompiler.defaultSeconds
        let credits = FVSPricing.cost(seconds: seconds, resolution: resolution)
        let configuration = service.configuration
        let account = try quoteAccount()
        let size = resolution.size
        let metadata = try FVSRoutes.json(["warnings": brief.warnings.map { ["path": $0.path.description, "message": $0.message] },
                                           "upload_urls": Dictionary(uniqueKeysWithValues: urls.map { ($0.name, $0.url) })])
        let task = TaskRecord(accountId: account.id, api: APISurface.fvs.name, dialect: FVSRenderRequest.name,
                              config: String(decoding: json, as: UTF8.self), metadata: metadata, title: brief.name, category: brief.mode.rawValue,
                              width: size.width, height: size.height, duration: seconds, cost: credits, inputs: nil)
        let (quote, token) = try database.createQuote(task: task, api: APISurface.fvs.name, credits: credits,
                                                      amountCents: credits * configuration.creditPriceCents, currency: configuration.quoteCurrency,
                                                      lifetime: configuration.quoteLifetime, prefix: Self.quotePrefix)
        var fields = quoteFields(quote, origin: origin, token: token)
        fields["claim_token"] = token
        return (fields, challenge(quote))
    }

    /// The account paid quotes render under, made with no credits when first needed.
    private func quoteAccount() throws -> Account {
        let name = service.configuration.quoteAccount
        if let account = try? database.account(named: name) { return account }
        do {
            return try database.createAccount(name: name)
        } catch let error as StoreError where error.kind == .conflict {
            return try database.account(named: name)
        }
    }

    func challenge(_ quote: QuoteRecord) -> String {
        #"Payment id="\#(quote.id)", method="\#(provider.method)", amount="\#(quote.amountCents)", currency="\#(quote.currency)""#
    }

    /// `upload_urls`: http(s) URLs, or `{url, filename?}`; each file's name is `filename` or the
    /// URL's last path segment, cleaned as the published client cleans it.
    static func uploadURLs(_ value: Any?) throws -> [(name: String, url: String)] {
        guard let value, !(value is NSNull) else { return [] }
        guard let list = value as? [Any], list.count <= maximumURLs else {
            throw APIError(.unprocessableContent, code: "invalid_request", "upload_urls must be an array of at most \(maximumURLs) URLs",
                           details: ["field": "upload_urls"])
        }
        var result: [(name: String, url: String)] = []
        for (index, item) in list.enumerated() {
            let field = "upload_urls[\(index)]"
            let url: String?, given: String?
            if let text = item as? String {
                (url, given) = (text, nil)
            } else if let object = item as? [String: Any] {
                (url, given) = (object["url"] as? String, object["filename"] as? String)
            } else {
                (url, given) = (nil, nil)
            }
            guard let url, url.utf8.count <= 4096, SourceResolver.isRemote(url), let parsed = URL(string: url), parsed.host != nil else {
                throw APIError(.unprocessableContent, code: "invalid_request", "\(field) must be an http(s) URL (or {url, filename})", details: ["field": field])
            }
            let name = sanitized(given ?? parsed.lastPathComponent, fallback: "upload-\(index + 1).bin")
            guard !result.contains(where: { $0.name == name }) else {
                throw APIError(.unprocessableContent, code: "duplicate_file_name", "\(field): two upload_urls are named \"\(name)\"", details: ["field": field])
            }
            result.append((name, url))
        }
        return result
    }

    /// Refuses, before anything is stored or paid, URLs the server's outbound policy would refuse
    /// when the render fetches them (a private or loopback address, another scheme).
    static func checkReachable(_ urls: [(name: String, url: String)], policy: NetworkPolicy) throws {
        for (index, entry) in urls.enumerated() {
            guard let url = URL(string: entry.url) else { continue }
            do {
                try policy.check(url)
            } catch {
                throw APIError(.unprocessableContent, code: "invalid_request", "upload_urls[\(index)]: \(error)",
                               details: ["field": "upload_urls[\(index)]"])
            }
        }
    }

    /// Characters outside `[A-Za-z0-9._-]` become `_`; an empty or dot-only name takes `fallback`.
    static func sanitized(_ name: String, fallback: String) -> String {
        let cleaned = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" }).prefix(200)
        return cleaned.isEmpty || cleaned.allSatisfy({ $0 == "." }) ? fallback : String(cleaned)
    }

    // MARK: paying

    func pay(_ request: Request, _ context: ReelRequestContext) async throws -> Response {
        let id = try service.parameter("quoteId", context)
        guard let quote = try database.quote(id: id), quote.api == APISurface.fvs.name else {
            throw APIError(.notFound, code: "not_found", "no quote with id \(id)")
        }
        let origin = service.origin(for: request)
        switch quote.state() {
        case .paid:
            return JSONResponse.make(quoteFields(quote, origin: origin, token: nil))
        case .expired:
            throw APIError(.gone, code: "quote_expired", "quote \(id) expired at \(quote.expiresAt); ask for a new one")
        case .paymentRequired:
            break
        }
        // One payment at a time per quote, so that a payer is never charged twice.
        guard Self.paying.begin(id) else {
            throw APIError(.conflict, code: "payment_in_progress", "a payment of quote \(id) is in progress")
        }
        defer { Self.paying.end(id) }
        switch try await provider.pay(quote: quote, request: request) {
        case .paid(let reference):
            // The provider took the money while the quote was open: the render starts even if it
            // expired meanwhile.
            let paid = try database.payQuote(id: id, reference: reference, jobPrefix: FVSSurface.projectPrefix, confirmedBeforeExpiry: true)
            service.jobQueued()
            return JSONResponse.make(quoteFields(paid, origin: origin, token: nil))
        case .challenge(let status, let body):
            var fields = quoteFields(quote, origin: origin, token: nil)
            for (key, value) in body { fields[key] = value }
            var response = JSONResponse.make(fields, status: status)
            response.headers[.wwwAuthenticate] = challenge(quote)
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }

    /// The quotes being paid now.
    static let paying = InFlight()

    final class InFlight: @unchecked Sendable {
        private let lock = NSLock()
        private var ids: Set<String> = []

        func begin(_ id: String) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            return ids.insert(id).inserted
        }

        func end(_ id: String) {
            lock.lock()
            defer { lock.unlock() }
            ids.remove(id)
        }
    }

    // MARK: status

    func status(_ request: Request, _ context: ReelRequestContext) throws -> Response {
        let id = try service.parameter("quoteId", context)
        let token = request.headers[Self.claimHeader] ?? request.uri.queryParameters.get("claim_token") ?? ""
        var response = JSONResponse.make(try status(of: id, claimToken: token, origin: service.origin(for: request)))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// The quote `id` for the holder of `claimToken`, with its render's fields once paid.
    func status(of id: String, claimToken token: String, origin: String) throws -> [String: Any] {
        guard !token.isEmpty, let quote = try database.quote(id: id, claimToken: token), quote.api == APISurface.fvs.name else {
            throw APIError(.notFound, code: "not_found", "no quote \(id) with this claim token")
        }
        var fields = quoteFields(quote, origin: origin, token: nil)
        if let jobID = quote.jobId, let job = try database.job(id: jobID), let task = try database.task(id: job.taskId) {
            // Once paid: the render's fields, its status in place of the quote's.
            for (key, value) in FVSProjectView(job: job, task: task).json(service: service, origin: origin) { fields[key] = value }
            // The render is the quote's, not an account's: its own routes are not the way to it.
            fields["status_url"] = fields["quote_status_url"]
            fields["cancel_url"] = NSNull()
            // A paid render that failed owes the payer: the operator refunds through the provider.
            fields["refund_due"] = job.status == .failed || job.status == .cancelled
        }
        return fields
    }

    /// The quote's own fields (§6.1): the claim token appears in `status_url` only when `token` is given.
    func quoteFields(_ quote: QuoteRecord, origin: String, token: String?) -> [String: Any] {
        let statusURL = origin + "/api/agent/paid-renders/" + quote.id + (token.map { "?claim_token=" + $0 } ?? "")
        return [
            "quote_id": quote.id, "status": quote.state().rawValue, "quote_status": quote.state().rawValue,
            "amount_cents": quote.amountCents, "currency": quote.currency, "credits_quoted": quote.credits,
            "expires_at": quote.expiresAt, "payment_url": origin + "/api/agent/render-quotes/" + quote.id + "/pay",
            "status_url": statusURL, "quote_status_url": statusURL, "payment_method": provider.method,
        ]
    }
}
