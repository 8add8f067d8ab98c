import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP server on 127.0.0.1 that answers 200 and keeps the bodies it receives.
final class LoopbackServer: @unchecked Sendable {
    private let descriptor: Int32
    let port: UInt16
    private let lock = NSLock()
    private var bodies: [Data] = []

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
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
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in serve() }.start()
    }

    func stop() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
    }

    func takeBody() -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return bodies.isEmpty ? nil : bodies.removeFirst()
    }

    private func serve() {
        while true {
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else { return }
            var received = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            var expected: Int?
            var headerLength = 0
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
            lock.lock()
            bodies.append(received.subdata(in: headerLength..<received.count))
            lock.unlock()
            let reply = Data("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            reply.withUnsafeBytes { _ = send(client, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            close(client)
        }
    }
}
