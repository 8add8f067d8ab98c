@testable import APIAdapter
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Store
import Testing

/// A server on a temporary data folder with one account and one RenderingVideo key, exercised
/// in process through Hummingbird's test client.
final class Harness: @unchecked Sendable {
    let folder: String
    let service: ReelService
    let account: Account
    let key: String

    /// `database`: the store's location; nil for SQLite in the data folder.
    init(credits: Int = 100, database: DatabaseLocation? = nil, configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        folder = NSTemporaryDirectory() + "reel-api-" + UUID().uuidString
        var configuration = ServerConfiguration(dataDirectory: folder, allowsPrivateNetwork: true)
        configuration.databaseLocation = database
        configure(&configuration)
        service = try ReelService(configuration: configuration)
        account = try service.database.createAccount(name: "acme", credits: credits)
        key = try service.database.createKey(account: "acme", api: .renderingvideo).key
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    struct Reply {
        var status: Int
        var json: [String: Any]
        var headers: HTTPFields
        var body: ByteBuffer

        subscript(key: String) -> Any? { json[key] }
        var code: String? { json["code"] as? String }
    }

    /// Runs `body` with a client of a fresh application; `background` also runs the workers.
    func run(background: Bool = false, _ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        let work = background ? service.startBackgroundWork() : nil
        defer { work?.cancel() }
        try await service.application().test(.router) { client in
            try await body(Client(client: client, key: self.key))
        }
    }

    struct Client: Sendable {
        let client: any TestClientProtocol
        let key: String

        /// Sends a request authenticated with the harness key (or `key`), with a JSON body.
        @discardableResult
        func send(_ method: HTTPRequest.Method, _ uri: String, json: Any? = nil, key: String?? = .none,
                  headers extra: HTTPFields = [:], body raw: ByteBuffer? = nil) async throws -> Reply {
            var headers = extra
            switch key {
            case .none: headers[.authorization] = "Bearer \(self.key)"
            case .some(let value?): headers[.authorization] = "Bearer \(value)"
            case .some(nil): break
            }
            var body = raw
            if let json {
                headers[.contentType] = "application/json"
                body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
            }
            let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
            return Reply(status: Int(response.status.code), json: object, headers: response.headers, body: response.body)
        }

        /// Uploads the given (field, filename, bytes) parts as multipart/form-data.
        func upload(_ parts: [(String, String, Data)], key: String?? = .none) async throws -> Reply {
            let (body, type) = Harness.multipart(parts)
            return try await send(.post, "/api/v1/upload", key: key, headers: [.contentType: type], body: body)
        }

        /// Polls a task until it leaves `rendering` (or 30 s pass).
        func waitForRender(_ taskID: String) async throws -> Reply {
            for _ in 0..<300 {
                let reply = try await send(.get, "/api/v1/video/\(taskID)")
                if reply["status"] as? String != "rendering" { return reply }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("task \(taskID) did not finish rendering")
            return try await send(.get, "/api/v1/video/\(taskID)")
        }
    }

    /// A small valid config: `seconds` long at `width` × `height`.
    static func config(seconds: Double = 1, width: Int = 64, height: Int = 36, clips: String? = nil) -> [String: Any] {
        let clipJSON = clips ?? #"{ "type": "rect", "start": 0, "duration": \#(seconds), "transform": { "width": 10, "height": 10 } }"#
        let text = #"{ "meta": { "width": \#(width), "height": \#(height), "fps": 10 }, "tracks": [ { "clips": [ \#(clipJSON) ] } ] }"#
        return try! JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    /// A multipart body with the given (field, filename, bytes) parts.
    static func multipart(_ parts: [(String, String, Data)]) -> (body: ByteBuffer, contentType: String) {
        let boundary = "----ReelTest\(UUID().uuidString.prefix(8))"
        var data = Data()
        for (field, name, bytes) in parts {
            data.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
            data.append(bytes)
            data.append(Data("\r\n".utf8))
        }
        data.append(Data("--\(boundary)--\r\n".utf8))
        return (ByteBuffer(bytes: data), "multipart/form-data; boundary=\(boundary)")
    }

    /// A tiny valid PNG (8×8 red).
    static let png: Data = {
        let raster = Compositor.Raster(width: 8, height: 8)
        raster.fill(SIMD4(255, 0, 0, 255))
        return try! PNGWriter.encode(raster)
    }()
}

import Compositor
import Encoder
