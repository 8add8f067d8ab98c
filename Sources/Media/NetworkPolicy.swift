public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which hosts outbound requests (remote media, webhooks) may reach. By default only public
/// addresses: a host is resolved first, and loopback, private, link-local, CGNAT, multicast and
/// unspecified addresses are refused, on the first request and on every redirect.
public struct NetworkPolicy: Sendable {
    /// Allow private and loopback addresses (for local fixtures and intranet setups).
    public var allowsPrivateNetwork: Bool

    public init(allowsPrivateNetwork: Bool = false) {
        self.allowsPrivateNetwork = allowsPrivateNetwork
    }

    /// Throws when `url` is not http(s) or its host resolves to an address the policy refuses.
    public func check(_ url: URL) throws {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw MediaError("only http and https URLs are allowed: \(url.absoluteString)")
        }
        guard let host = url.host, !host.isEmpty else { throw MediaError("the URL has no host: \(url.absoluteString)") }
        guard !allowsPrivateNetwork else { return }
        let addresses = try Self.resolve(host)
        guard !addresses.isEmpty else { throw MediaError("cannot resolve \(host)") }
        if let refused = addresses.first(where: Self.isPrivate) {
            throw MediaError("refusing to connect to \(host) (\(refused)): a private, loopback or link-local address")
        }
    }

    /// Every address `host` resolves to, as text.
    static func resolve(_ host: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard getaddrinfo(bare, nil, &hints, &result) == 0 else { throw MediaError("cannot resolve \(host)") }
        defer { freeaddrinfo(result) }
        var addresses: [String] = []
        var cursor = result
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }

    /// Whether a numeric address is loopback, private, link-local, shared (CGNAT), multicast,
    /// unspecified, or an IPv4-mapped form of one.
    public static func isPrivate(_ address: String) -> Bool {
        var text = address.lowercased()
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        if text.hasPrefix("::ffff:"), text.contains(".") { text = String(text.dropFirst(7)) }
        let octets = text.split(separator: ".").compactMap { Int($0) }
        if octets.count == 4 {
            let (a, b) = (octets[0], octets[1])
            return a == 0 || a == 10 || a == 127 || (a == 169 && b == 254) || (a == 172 && (16...31).contains(b))
                || (a == 192 && b == 168) || (a == 100 && (64...127).contains(b)) || a >= 224
        }
        return text == "::" || text == "::1" || text.hasPrefix("fe8") || text.hasPrefix("fe9") || text.hasPrefix("fea")
            || text.hasPrefix("feb") || text.hasPrefix("fc") || text.hasPrefix("fd") || text.hasPrefix("ff")
    }
}
