import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.0 server on 127.0.0.1 for download tests: serves fixed bodies by path,
/// 404 for a nil body, one connection at a time, on a background thread.
final class LoopbackHTTPServer: @unchecked Sendable {
    private let socketDescriptor: Int32
    let port: UInt16
    private let routes: [String: Data?]
    private let lock = NSLock()
    private var requests = 0
    private var running = true

    var base: String { "http://127.0.0.1:\(port)" }
    var requestCount: Int { lock.lock(); defer { lock.unlock() }; return requests }

    init(routes: [String: Data?]) throws {
        self.routes = routes
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        socketDescriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in serve() }.start()
    }

    func stop() {
        lock.lock()
        running = false
        lock.unlock()
        shutdown(socketDescriptor, Int32(SHUT_RDWR))
        close(socketDescriptor)
    }

    private func serve() {
        while true {
            let client = accept(socketDescriptor, nil, nil)
            guard client >= 0 else { return }
            var request = [UInt8](repeating: 0, count: 4096)
            let count = recv(client, &request, request.count, 0)
            let line = String(decoding: request.prefix(max(count, 0)), as: UTF8.self).split(separator: " ")
            let path = line.count > 1 ? String(line[1]) : "/"
            lock.lock()
            requests += 1
            lock.unlock()
            var response: Data
            if let found = routes[path], let body = found {
                response = Data("HTTP/1.0 200 OK\r\nContent-Length: \(body.count)\r\nContent-Type: video/mp4\r\n\r\n".utf8) + body
            } else {
                response = Data("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n".utf8)
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
}
