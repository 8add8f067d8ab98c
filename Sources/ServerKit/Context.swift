public import Hummingbird
public import Store
import NIOCore

/// The request context of every route: the authenticated account, once auth has run.
public struct ReelRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var account: Account?
    /// The client's IP address (for limits on routes that take no key).
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies are collected explicitly per route with their own limits.
    public var maxUploadSize: Int { 64 << 20 }

    /// The authenticated account; routes behind the auth middleware always have one.
    public func requireAccount() throws -> Account {
        guard let account else { throw APIError(.unauthorized, code: "MISSING_API_KEY", "an API key is required") }
        return account
    }
}
