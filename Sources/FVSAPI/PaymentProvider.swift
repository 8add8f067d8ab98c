public import Foundation
public import Hummingbird
public import Store

/// Takes payment for quotes: what `GET|POST /api/agent/render-quotes/{quote_id}/pay` does.
///
/// A provider either confirms the payment carried by the request (a verified credential, e.g.
/// an `Authorization: Payment …` header of Stripe's machine payments, checked with the provider's
/// API) and returns `.paid` with a reference to record, or returns `.challenge`: what to tell the
/// payer (a page, a 402 with `WWW-Authenticate`). The built-in `OperatorPayments` confirms nothing:
/// the operator marks a quote paid with `reel quotes pay ID`. A real provider is a type
/// conforming to this protocol, set as `FVSSurface.paymentProvider` (docs/fvs-api.md).
public protocol PaymentProvider: Sendable {
    /// The payment method named in `WWW-Authenticate: Payment id="…", method="…"`.
    var method: String { get }

    func pay(quote: QuoteRecord, request: Request) async throws -> PaymentOutcome
}

public enum PaymentOutcome: Sendable {
    /// The payment is confirmed; `reference` is recorded with it (a charge id).
    case paid(reference: String)
    /// Not paid (yet): answer the payer with this status and body (JSON) and the challenge header.
    case challenge(status: HTTPResponse.Status, body: [String: String])
}

/// The built-in provider: payments are taken outside Reel and recorded by the operator
/// (`reel quotes pay ID`); the pay route says so, with HTTP 402.
public struct OperatorPayments: PaymentProvider {
    public init() {}

    public var method: String { "operator" }

    public func pay(quote: QuoteRecord, request: Request) async throws -> PaymentOutcome {
        .challenge(status: .init(code: 402, reasonPhrase: "Payment Required"), body: [
            "detail": "this server takes payment through its operator: pay \(quote.amountCents) \(quote.currency) cents as agreed with them, "
                + "and they mark the quote paid (reel quotes pay \(quote.id))",
        ])
    }
}
