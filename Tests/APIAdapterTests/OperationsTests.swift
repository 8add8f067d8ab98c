@testable import APIAdapter
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import ServerKit
import Store
import Testing

/// Operating the server: metrics, readiness, request ids, redacted logs, the streaming multipart
/// reader, and an OpenAPI document that lists every route the router has.
@Suite struct OperationsTests {
    // MARK: metrics and readiness

    @Test func metricsCountRequestsByRouteAndStatusAndReadTheStore() async throws {
        let harness = try Harness()
        try await harness.run(background: true) { client in
            let created = try await client.send(.post, "/api/v1/video", json: ["config": Harness.config()])
            let task = try #require(created["taskId"] as? String)
            #expect(try await client.send(.post, "/api/v1/video/\(task)/render", json: [String: Any]()).status == 200)
            #expect(try await client.waitForRender(task)["status"] as? String == "completed")
            #expect(try await client.send(.get, "/api/v1/video/nosuchtask").status == 404)
            let scrape = try await client.send(.get, "/metrics", key: .some(nil))
            #expect(scrape.status == 200)
            #expect(scrape.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: scrape.body)
            let values = Self.samples(text)
            #expect(values[#"reel_http_requests_total{method="POST",route="/api/v1/video/{taskId}/render",status="200"}"#] == 1)
            #expect(values[#"reel_http_requests_total{method="GET",route="/api/v1/video/{taskId}",status="404"}"#] == 1)
            #expect(values[#"reel_http_request_duration_seconds_count{method="POST",route="/api/v1/video",status="200"}"#] == nil)
            #expect(values[#"reel_http_request_duration_seconds_count{method="POST",route="/api/v1/video"}"#] == 1)
            #expect(values[#"reel_renders_total{outcome="completed"}"#] == 1)
            #expect(values["reel_render_duration_seconds_count"] == 1)
            #expect(values["reel_render_fps_count"] == 1)
            #expect(values["reel_render_frames_total"] == 10)
            #expect(values["reel_job_queue_wait_seconds_count"] == 1)
            #expect(values[#"reel_jobs{state="completed"}"#] == 1)
            #expect(values[#"reel_jobs{state="queued"}"#] == 0)
            #expect(values["reel_queue_depth"] == 0)
            // The 1 s config costs 1 credit, reserved then kept.
            #expect(values["reel_credits_reserved"] == 1)
            #expect(values["reel_credits_settled"] == 1)
            #expect(values["reel_credits_refunded"] == 0)
            #expect(values["reel_workers"] == 1)
            #expect(values["reel_workers_busy"] == 0)
            #expect((values[#"reel_worker_last_seen_seconds{worker="0"}"#] ?? 99) < 5)
            #expect(values["reel_store_up"] == 1)
        }
    }

    @Test func readinessAnswers503WhileShuttingDownOrBeforeTheWorkersRun() async throws {
        let harness = try Harness()
        try await harness.run { client in
            let early = try await client.send(.get, "/readyz", key: .some(nil))
            #expect(early.status == 503)
            #expect((early["checks"] as? [String: String])?["workers"] == "not started")
        }
        try await harness.run(background: true) { client in
            let ready = try await client.send(.get, "/readyz", key: .some(nil))
            #expect(ready.status == 200 && ready["status"] as? String == "ready")
            harness.service.draining.value = true
            let draining = try await client.send(.get, "/readyz", key: .some(nil))
            #expect(draining.status == 503)
            #expect((draining["checks"] as? [String: String])?["lifecycle"] == "shutting down")
            // Liveness is not readiness.
            #expect(try await client.send(.get, "/healthz", key: .some(nil)).status == 200)
        }
    }

    /// A scrape's samples by series (name and labels as written).
    static func samples(_ text: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        return values
    }

    // MARK: request ids and logs

    @Test func requestsGetAnIdTheirJobsKeep() async throws {
        let harness = try Harness()
        try await harness.run { client in
            let created = try await client.send(.post, "/api/v1/video", json: ["config": Harness.config()])
            let generated = try #require(created.headers[HTTPField.Name("X-Request-Id")!])
            #expect(generated.hasPrefix("req_") && generated.count == 20)
            let task = try #require(created["taskId"] as? String)
            let started = try await client.send(.post, "/api/v1/video/\(task)/render", json: [String: Any](),
                                                headers: [HTTPField.Name("X-Request-Id")!: "client-chose-this"])
            #expect(started.headers[HTTPField.Name("X-Request-Id")!] == "client-chose-this")
            let job = try #require(try harness.service.database.task(id: task)?.jobId)
            #expect(try harness.service.database.job(id: job)?.requestId == "client-chose-this")
            // An id that is not a plain token is replaced, never echoed.
            let odd = try await client.send(.get, "/api/v1/credits", headers: [HTTPField.Name("X-Request-Id")!: "a b\"<c>"])
            #expect(odd.headers[HTTPField.Name("X-Request-Id")!]?.hasPrefix("req_") == true)
        }
    }

    @Test func secretsAreTakenOutOfLogLines() {
        let cases: [(String, String)] = [
            ("/videos/abc.mp4?expires=1764547200&sig=0f3a9c", "/videos/abc.mp4?expires=1764547200&sig=[redacted]"),
            ("GET /q/1?claim_token=ct_secret&x=1", "GET /q/1?claim_token=[redacted]&x=1"),
            ("https://bucket.s3/x.mp4?X-Amz-Signature=abcd&X-Amz-Credential=AKIA", "https://bucket.s3/x.mp4?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]"),
            ("Authorization: Bearer sk-0123456789abcdef", "Authorization: Bearer [redacted]"),
            ("key sk-abcdefghijklmnop0123456789abcdef0123456789abcdef leaked", "key sk-[redacted] leaked"),
            ("avs.ABCDEFGH12345678.s3cr3ts3cr3ts3cr3t in a message", "avs.[redacted] in a message"),
            ("fvs_ABCDEFGH12345678_s3cr3ts3cr3ts3cr3t", "fvs_[redacted]"),
            ("render started job=rt_1 task=abc", "render started job=rt_1 task=abc"),
            ("https://example.com/hook?token=whsec&keep=yes", "https://example.com/hook?token=[redacted]&keep=yes"),
            ("http://hookuser:PASSWORD99@127.0.0.1:9/h", "http://[redacted]@127.0.0.1:9/h"),
            ("/videos/a.mp4?expires=1&%73ig=abc&Claim%5FToken=ct", "/videos/a.mp4?expires=1&%73ig=[redacted]&Claim%5FToken=[redacted]"),
        ]
        for (input, expected) in cases { #expect(Redaction.scrub(input) == expected, "\(input)") }
    }

    @Test func jsonLogLinesAreOneObjectEachWithTheirMetadata() throws {
        let line = ReelLogHandler.line(format: .json, label: "reel", level: .warning, message: "webhook delivery failed",
                                       metadata: ["url": "https://hooks.example/x?sig=abc", "request_id": "req_1"],
                                       date: Date(timeIntervalSince1970: 0))
        #expect(line.hasSuffix("\n") && line.dropLast().contains("\n") == false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object == ["time": "1970-01-01T00:00:00.000Z", "level": "warning", "logger": "reel", "message": "webhook delivery failed",
                           "url": "https://hooks.example/x?sig=[redacted]", "request_id": "req_1"])
        let text = ReelLogHandler.line(format: .text, label: "reel", level: .info, message: "render started",
                                       metadata: ["job": "rt_1"], date: Date(timeIntervalSince1970: 0))
        #expect(text == "1970-01-01T00:00:00.000Z INFO reel: render started job=rt_1\n")
    }

    // MARK: the streaming multipart reader

    static let boundary = "XyZ-boundary-123"

    static func body(_ parts: [(name: String, filename: String?, bytes: Data)], preamble: String = "") -> Data {
        var data = Data(preamble.utf8)
        for part in parts {
            let filename = part.filename.map { "; filename=\"\($0)\"" } ?? ""
            data.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\"\(filename)\r\n\r\n".utf8))
            data.append(part.bytes)
            data.append(Data("\r\n".utf8))
        }
        data.append(Data("--\(boundary)--\r\n".utf8))
        return data
    }

    func read(_ body: Data, chunk: Int, fileLimit: Int = 1 << 20, fieldLimit: Int = 1 << 20, folder: String) throws -> [MultipartPart] {
        let reader = try MultipartReader(contentType: "multipart/form-data; boundary=\"\(Self.boundary)\"", spoolFolder: folder,
                                         fileLimit: fileLimit, fieldLimit: fieldLimit, totalLimit: 1 << 30) { name in
            APIError(.contentTooLarge, code: "FILE_TOO_LARGE", "\(name) is too large")
        }
        var offset = 0
        while offset < body.count {
            let end = min(body.count, offset + chunk)
            try reader.feed(ByteBuffer(bytes: body[offset..<end]))
            offset = end
        }
        return try reader.finish()
    }

    func spool() throws -> String {
        let folder = NSTemporaryDirectory() + "reel-spool-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func multipartPartsReadTheSameHoweverTheBodyIsCut() throws {
        let folder = try spool()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A file full of near-delimiters: line breaks, dashes, the boundary without its dashes.
        var file = Data()
        for index in 0..<3000 { file.append(Data("\r\n-\(index % 7 == 0 ? Self.boundary : "x")\r\n--\r".utf8)) }
        file.append(contentsOf: (0..<2048).map { UInt8($0 % 256) })
        let body = Self.body([("request", nil, Data(#"{"a": 1}"#.utf8)), ("files", "clip.bin", file), ("files", "empty.bin", Data())],
                             preamble: "ignored preamble\r\n")
        for chunk in [1, 2, 3, 7, 64, 1000, 65536, body.count] {
            let parts = try read(body, chunk: chunk, folder: folder)
            #expect(parts.map(\.name) == ["request", "files", "files"], "chunk \(chunk)")
            #expect(parts[0].body == Data(#"{"a": 1}"#.utf8) && parts[0].file == nil)
            #expect(parts[1].filename == "clip.bin" && parts[1].size == file.count && parts[1].head == file.prefix(4096))
            #expect(try parts[1].contents(limit: 1 << 20) == file, "chunk \(chunk)")
            #expect(try parts[2].size == 0 && parts[2].contents(limit: 10).isEmpty)
        }
        // Each request's spool folder went with its parts.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test func multipartLimitsAndDamageAreClearErrors() throws {
        let folder = try spool()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let big = Data(repeating: 7, count: 5000)
        // A file past its limit is refused at once, with the caller's words.
        let tooLarge = try #require(throws: APIError.self) {
            try read(Self.body([("file", "dir/big.bin", big)]), chunk: 999, fileLimit: 4096, folder: folder)
        }
        #expect(tooLarge.status == .contentTooLarge && tooLarge.message == "big.bin is too large")
        // Fields past their limit, all together, are a 413 at once.
        #expect(throws: APIError.self) { try read(Self.body([("request", nil, big)]), chunk: 100, fieldLimit: 4096, folder: folder) }
        #expect(throws: APIError.self) {
            try read(Self.body([("a", nil, big.prefix(3000)), ("b", nil, big.prefix(3000))]), chunk: 100, fieldLimit: 4096, folder: folder)
        }
        // Padding after a delimiter is bounded, not scanned again with every piece.
        let padded = Data("--\(Self.boundary)".utf8) + Data(repeating: 0x20, count: 1 << 20)
        let padding = try #require(throws: APIError.self) { try read(padded, chunk: 4096, folder: folder) }
        #expect(padding.message == "the multipart body is malformed after a boundary")
        let truncated = Self.body([("file", "a.bin", big)]).prefix(3000)
        let error = try #require(throws: APIError.self) { try read(Data(truncated), chunk: 100, folder: folder) }
        #expect(error.message == "the multipart body is truncated")
        let none = try #require(throws: APIError.self) { try read(Data("no delimiter at all".utf8), chunk: 4, folder: folder) }
        #expect(none.message == "the multipart body has no parts")
        let endless = Data("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"x\"".utf8) + Data(repeating: 65, count: 20000)
        let header = try #require(throws: APIError.self) { try read(endless, chunk: 512, folder: folder) }
        #expect(header.message == "a multipart part's headers are too long")
        #expect(throws: APIError.self) {
            _ = try MultipartReader(contentType: "multipart/form-data; boundary=", spoolFolder: folder, fileLimit: 1, fieldLimit: 1,
                                    totalLimit: 1) { _ in APIError.tooLarge(limit: 1) }
        }
        // Nothing of the refused bodies stays on disk.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    /// Damaged bodies (bytes flipped, cut, repeated, in random pieces) end in parts or a clear
    /// error, never a crash or another kind of error, and leave nothing on disk.
    @Test func damagedMultipartBodiesGetPartsOrAClearError() throws {
        let folder = try spool()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let valid = Self.body([("request", nil, Data(#"{"a": 1}"#.utf8)), ("files", "a.png", Harness.png),
                               ("files", "b.bin", Data(repeating: 0x0D, count: 300))])
        var state: UInt64 = 0x2026_1130
        func next(_ bound: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(max(1, bound)))
        }
        var outcomes = [0, 0]
        for _ in 0..<1500 {
            var body = valid
            for _ in 0...next(4) {
                switch next(4) {
                case 0: body[next(body.count)] = UInt8(next(256))
                case 1: body = body.prefix(next(body.count + 1))
                case 2:
                    let start = next(body.count), length = next(64)
                    body.insert(contentsOf: body[start..<min(body.count, start + length)], at: next(body.count))
                default:
                    let start = next(body.count)
                    body.removeSubrange(start..<min(body.count, start + next(40)))
                }
                if body.isEmpty { break }
            }
            do {
                _ = try read(body, chunk: 1 + next(700), fileLimit: 1000, fieldLimit: 1000, folder: folder)
                outcomes[0] += 1
            } catch is APIError {
                outcomes[1] += 1
            }
        }
        #expect(outcomes[0] > 100 && outcomes[1] > 100, "\(outcomes)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test func contentDispositionParametersAreReadAsBrowsersAndCurlWriteThem() {
        let cases: [(String, String?, String?)] = [
            (#" form-data; name="file"; filename="clip.mp4""#, "file", "clip.mp4"),
            (#" form-data; NAME="file"; FILENAME="Clip.MP4""#, "file", "Clip.MP4"),
            (" form-data; name=file; filename=plain.png", "file", "plain.png"),
            (#" form-data; name="file"; filename="a\"b;c.png""#, "file", #"a"b;c.png"#),
            (#" form-data; name="file"; filename="fallback.png"; filename*=UTF-8''%C3%A9t%C3%A9.png"#, "file", "été.png"),
            (" form-data; name=\"request\"", "request", nil),
        ]
        for (header, name, filename) in cases {
            let values = HeaderParameters(header).values
            #expect(values["name"] == name, "\(header)")
            #expect((values["filename*"] ?? values["filename"]) == filename, "\(header)")
        }
        #expect(HeaderParameters(#"multipart/form-data; boundary="a;b""#).values["boundary"] == "a;b")
    }

    // MARK: the OpenAPI document

    /// Every route the router has is in `/openapi.json` with its method, and every operation the
    /// document lists is a route: the document cannot drift from the router.
    @Test func theOpenAPIDocumentListsEveryRouteTheRouterHas() async throws {
        let harness = try Harness()
        let router = harness.service.makeRouter(surfaces: Surfaces.modules(on: harness.service))
        let routes = Set(router.routes.map { "\($0.method.rawValue.lowercased()) \(Self.openAPIPath($0.path.description))" })
        #expect(routes.count > 30)
        try await harness.run { client in
            let reply = try await client.send(.get, "/openapi.json", key: .some(nil))
            let paths = try #require(reply["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, operations) in paths {
                for (method, operation) in operations {
                    documented.insert("\(method) \(path)")
                    let responses = (operation as? [String: Any])?["responses"] as? [String: Any] ?? [:]
                    #expect(!responses.isEmpty, "\(method) \(path) documents no response")
                }
            }
            #expect(routes.subtracting(documented).sorted() == [], "routes missing from /openapi.json")
            #expect(documented.subtracting(routes).sorted() == [], "operations in /openapi.json with no route")
        }
    }

    /// `/api/v1/video/:taskId` as OpenAPI spells it.
    static func openAPIPath(_ path: String) -> String {
        let segments = path.split(separator: "/").map { segment -> String in
            if segment.hasPrefix(":") { return "{\(segment.dropFirst())}" }
            return String(segment)
        }
        return "/" + segments.joined(separator: "/")
    }

    /// Processes starting at once on a new shared folder agree on one link-signing key.
    @Test func processesStartingTogetherShareOneSigningKey() throws {
        let folder = NSTemporaryDirectory() + "reel-key-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let paths = try DataPaths(root: folder)
        let keys = LockedBox<[Data]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            if let key = try? paths.signingKey() { keys.mutate { $0.append(key.withUnsafeBytes { Data($0) }) } }
        }
        #expect(keys.value.count == 16 && Set(keys.value).count == 1)
        #expect(FileManager.default.contents(atPath: folder + "/secret.key") == keys.value.first)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("secret.key.") }.isEmpty)
    }
}
