public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 server on 127.0.0.1 for tests: GET serves fixed bodies by path (404 for a nil
/// or unknown one), POST answers from `postAnswers` in turn (then 200); every request's head and
/// body are kept. One connection at a time, on a background thread.
public final class LoopbackHTTPServer: @unchecked Sendable {
    private let descriptor: Int32
    public let port: UInt16
    private let routes: [String: Data?]
    private let lock = NSLock()
    private var requests = 0
    private var bodies: [Data] = []
    private var heads: [String] = []
    private var postAnswers: [(status: Int, body: Data)]

    /// A request as it arrived: its head (request line and headers) and body.
    public struct Received: Sendable {
        public var head: String
        public var body: Data

        /// The value of header `name` (any case).
        public func header(_ name: String) -> String? {
            for line in head.components(separatedBy: "\r\n").dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                if line[..<colon].lowercased() == name.lowercased() {
                    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    public var base: String { "http://127.0.0.1:\(port)" }
    public var requestCount: Int { lock.lock(); defer { lock.unlock() }; return requests }

    /// When set, every POST is answered `302 Found` with this `Location`.
    private let redirectPostsTo: String?

    public init(routes: [String: Data?] = [:], postAnswers: [(status: Int, body: Data)] = [], redirectPostsTo: String? = nil) throws {
        self.routes = routes
        self.postAnswers = postAnswers
        self.redirectPostsTo = redirectPostsTo
        (descriptor, port) = try listeningSocket()
        Thread { [self] in serve() }.start()
    }

    public func stop() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
    }

    /// The oldest request body not taken yet.
    public func takeBody() -> Data? {
        lock.lock()
        defer { lock.unlock() }
        guard !bodies.isEmpty else { return nil }
        heads.removeFirst()
        return bodies.removeFirst()
    }

    /// The oldest request not taken yet, head and body.
    public func takeRequest() -> Received? {
        lock.lock()
        defer { lock.unlock() }
        guard !bodies.isEmpty else { return nil }
        return Received(head: heads.removeFirst(), body: bodies.removeFirst())
    }

    private func serve() {
        while true {
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else { return }
            let (head, body) = read(client)
            let requestLine = head.components(separatedBy: "\r\n").first ?? ""
            let words = requestLine.split(separator: " ")
            let method = words.first.map(String.init) ?? "GET", path = words.count > 1 ? String(words[1]) : "/"
            lock.lock()
            requests += 1
            bodies.append(body)
            heads.append(head)
            let answer = method == "POST" && !postAnswers.isEmpty ? postAnswers.removeFirst() : nil
            lock.unlock()
            let response: Data
            if method == "POST", let location = redirectPostsTo {
                response = Data("HTTP/1.1 302 Found\r\nLocation: \(location)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            } else if let answer {
                response = Data("HTTP/1.1 \(answer.status) Scripted\r\nContent-Length: \(answer.body.count)\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".utf8)
                    + answer.body
            } else if method == "POST" {
                response = Data("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            } else if let found = routes[path], let content = found {
                response = Data("HTTP/1.1 200 OK\r\nContent-Length: \(content.count)\r\nContent-Type: video/mp4\r\nConnection: close\r\n\r\n".utf8) + content
            } else {
                response = Data("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            }
            response.withUnsafeBytes { raw in
                var sent = 0
                while sent < raw.count {
                    let n = send(client, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                    if n <= 0 { break }
                    sent += n
                }
            }
            close(client)
        }
    }

    /// The head (request line and headers) and body of one request (the body by Content-Length).
    private func read(_ client: Int32) -> (String, Data) {
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var expected: Int?, headerLength = 0
        while true {
            let count = recv(client, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received.append(contentsOf: buffer[0..<count])
            if expected == nil, let end = received.range(of: Data("\r\n\r\n".utf8)) {
                headerLength = end.upperBound
                let headers = String(decoding: received[..<end.lowerBound], as: UTF8.self).lowercased()
                let line = headers.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                expected = Int(line?.dropFirst(15).trimmingCharacters(in: .whitespaces) ?? "0") ?? 0
            }
            if let expected, received.count >= headerLength + expected { break }
        }
        let head = String(decoding: received.prefix(max(0, headerLength - 4)), as: UTF8.self)
        return (headerLength > 0 ? head : String(decoding: received.prefix { $0 != 13 }, as: UTF8.self),
                headerLength > 0 ? received.subdata(in: headerLength..<received.count) : Data())
    }
}

/// A TCP port on loopback that takes connections (the kernel completes them) and never answers:
/// a remote file that hangs.
public final class SilentListener: Sendable {
    private let descriptor: Int32
    public let port: UInt16

    public init() throws { (descriptor, port) = try listeningSocket() }

    public func close() { _ = Glibc.close(descriptor) }
}

/// A socket listening on a free port of 127.0.0.1, and the port.
func listeningSocket() throws -> (Int32, UInt16) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, listen(descriptor, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    return (descriptor, UInt16(bigEndian: address.sin_port))
}
