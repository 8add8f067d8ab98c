@testable import APIAdapter
import Foundation
import HTTPTypes
import LoopbackHTTP
import NIOCore
import Store
import Testing

/// Hostile and absurd input: every answer is a 4xx naming the problem, the server stays up,
/// accounts cannot reach each other's data, and limits hold.
@Suite struct HardeningTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Each former crash document (fuzz/regressions) is refused with a 4xx naming its field, or
    /// accepted; accepted ones draw a preview frame; the server answers throughout.
    @Test func formerCrashDocumentsGetAnAnswer() async throws {
        let harness = try Harness(credits: 20)
        let folder = Self.repository + "/fuzz/regressions"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count >= 30)
        try await harness.run { client in
            var accepted: [String] = []
            for name in files {
                let data = try #require(FileManager.default.contents(atPath: folder + "/" + name))
                var body = Data(#"{"config": "#.utf8)
                body.append(data)
                body.append(Data("}".utf8))
                let reply = try await client.send(.post, "/api/v1/video", headers: [.contentType: "application/json"],
                                                  body: ByteBuffer(bytes: body))
                #expect(reply.status == 200 || (400..<500).contains(reply.status), "\(name): \(reply.status) \(reply.json)")
                if reply.status == 400 {
                    let fields = (reply["details"] as? [String: Any])?["fields"] as? [String] ?? []
                    let field = (reply["details"] as? [String: Any])?["field"] as? String
                    #expect(!fields.isEmpty || field != nil, "\(name): \(reply.json)")
                }
                if let id = reply["taskId"] as? String { accepted.append(id) }
            }
            #expect(accepted.count >= 5)
            for id in accepted {
                let frame = try await client.send(.get, "/preview/\(id)/frame.png?t=0", key: .some(nil))
                #expect(frame.status == 200 || (400..<500).contains(frame.status), "\(id): \(frame.status)")
            }
            #expect(try await client.send(.get, "/healthz", key: .some(nil)).status == 200)
        }
    }

    @Test func absurdPagesAndTimesAreRefused() async throws {
        let harness = try Harness()
        try await harness.run { client in
            let huge = try await client.send(.get, "/api/v1/video?page=9223372036854775807")
            #expect(huge.status == 400 && huge.code == "INVALID_REQUEST")
            #expect((huge["details"] as? [String: Any])?["field"] as? String == "page")
            let last = try await client.send(.get, "/api/v1/video?page=1000000&limit=100")
            #expect(last.status == 200 && (last["tasks"] as? [Any])?.isEmpty == true)
            #expect(try await client.send(.get, "/api/v1/files?page=%EF%BC%91").status == 400)  // a fullwidth 1
            let id = try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config()])["taskId"] as? String)
            for t in ["1e300", "nan", "inf", "-1", "0x10", "１"] {
                let reply = try await client.send(.get, "/preview/\(id)/frame.png?t=\(t)", key: .some(nil))
                #expect(reply.status == 400, "t=\(t)")
            }
            #expect(try await client.send(.get, "/preview/\(id)/frame.png?t=0.5", key: .some(nil)).status == 200)
            for workers in [true, 1.5, "2", 65] as [Any] {
                let reply = try await client.send(.post, "/api/v1/video/\(id)/render", json: ["num_workers": workers])
                #expect(reply.status == 400 && (reply["details"] as? [String: Any])?["field"] as? String == "num_workers", "\(workers)")
            }
            let unusable = try await client.send(.post, "/api/v1/video", headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(string: #"{"config": {"meta": {"width": 1e400}}}"#))
            #expect(unusable.status == 400 && (unusable["details"] as? [String: Any])?["field"] as? String == "config.meta.width", "\(unusable.json)")
            let broken = try await client.send(.post, "/api/v1/video", headers: [.contentType: "application/json"],
                                               body: ByteBuffer(bytes: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]))
            #expect(broken.status == 400 && (broken["error"] as? String)?.contains("not valid JSON") == true, "\(broken.json)")
        }
    }

    @Test func bodiesPastTheLimitsAre413And400() async throws {
        let harness = try Harness { $0.maximumRequestBytes = 1 << 20 }
        try await harness.run { client in
            let big = ByteBuffer(bytes: Data(#"{"config": ""#.utf8) + Data(repeating: UInt8(ascii: "a"), count: 3 << 20) + Data(#""}"#.utf8))
            let reply = try await client.send(.post, "/api/v1/video", headers: [.contentType: "application/json"], body: big)
            #expect(reply.status == 413 && reply.code == "PAYLOAD_TOO_LARGE", "\(reply.status) \(reply.json) \(String(buffer: reply.body))")
            #expect((reply["details"] as? [String: Any])?["limit"] as? Int == 1 << 20)
            let deep = ByteBuffer(bytes: Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8))
            let nested = try await client.send(.post, "/api/v1/video", headers: [.contentType: "application/json"], body: deep)
            #expect(nested.status == 400 && (nested["error"] as? String)?.contains("nest") == true, "\(nested.json)")
            // A config nested past the document limit, inside a body that is not.
            let config = String(repeating: #"{"a":"#, count: 70) + "1" + String(repeating: "}", count: 70)
            let inner = try await client.send(.post, "/api/v1/video", headers: [.contentType: "application/json"],
                                              body: ByteBuffer(string: #"{"config": \#(config)}"#))
            #expect(inner.status == 400, "\(inner.json)")
            #expect(try await client.send(.get, "/healthz", key: .some(nil)).status == 200)
        }
    }

    @Test func keysAndPreviewFramesAreRateLimited() async throws {
        let harness = try Harness {
            $0.rateLimit = RateLimit(perMinute: 60, burst: 3)
            $0.previewFrameRateLimit = RateLimit(perMinute: 30, burst: 2)
            $0.rateLimitClock = { 1000 }  // time stands still: no token comes back during the test
        }
        try await harness.run { client in
            for _ in 0..<3 { #expect(try await client.send(.get, "/api/v1/credits").status == 200) }
            let limited = try await client.send(.get, "/api/v1/credits")
            #expect(limited.status == 429 && limited.code == "RATE_LIMITED", "\(limited.json)")
            #expect(limited.headers[.retryAfter] == "1")
            // Another key has its own budget.
            let other = try harness.service.database.createKey(account: "acme", api: .renderingvideo).key
            #expect(try await client.send(.get, "/api/v1/credits", key: other).status == 200)
            let id = try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config()],
                                                        key: other)["taskId"] as? String)
            for _ in 0..<2 { #expect(try await client.send(.get, "/preview/\(id)/frame.png?t=0", key: .some(nil)).status == 200) }
            let frames = try await client.send(.get, "/preview/\(id)/frame.png?t=0", key: .some(nil))
            #expect(frames.status == 429 && frames.headers[.retryAfter] == "2")
        }
    }

    @Test func theOpenAPIDocumentNamesTheLimits() async throws {
        let harness = try Harness()
        try await harness.run { client in
            let paths = try #require(try await client.send(.get, "/openapi.json", key: .some(nil))["paths"] as? [String: [String: Any]])
            let create = try #require(paths["/api/v1/video"]?["post"] as? [String: Any])
            let responses = try #require(create["responses"] as? [String: Any])
            #expect(responses["413"] != nil && responses["429"] != nil)
            #expect(((responses["429"] as? [String: Any])?["headers"] as? [String: Any])?["Retry-After"] != nil)
            let frame = try #require(paths["/preview/{id}/frame.png"]?["get"] as? [String: Any])
            #expect((frame["responses"] as? [String: Any])?["429"] != nil)
        }
    }

    @Test(arguments: [("bytes=0-18446744073709551616", (0, 99)), ("bytes=0-9223372036854775807", (0, 99)), ("bytes=10-", (10, 99)),
                      ("bytes=-5", (95, 99))])
    func rangesPastTheFileEndAtItsEnd(header: String, range: (Int, Int)) {
        let found = PublicRoutes.byteRange(header, size: 100)
        #expect(found?.0 == range.0 && found?.1 == range.1)
    }

    @Test(arguments: ["bytes=-0", "bytes=100-", "bytes=5-1", "bytes=x-1", "bytes=1-y", "items=0-1"])
    func unsatisfiableRanges(header: String) {
        #expect(PublicRoutes.byteRange(header, size: 100) == nil)
    }

    @Test func previewFramesBeyondTheProcessorsAreRefusedNotQueued() {
        let slots = Slots(2)
        #expect(slots.take() && slots.take())
        #expect(!slots.take())
        slots.give()
        #expect(slots.take())
    }

    @Test func bucketsRefillAtTheLimitsRate() {
        let clock = LockedBox(0.0)
        let limiter = RateLimiter(limit: RateLimit(perMinute: 60, burst: 2), clock: { clock.value })
        #expect(limiter.admit("a") == nil && limiter.admit("a") == nil)
        #expect(limiter.admit("a") == 1)
        #expect(limiter.admit("b") == nil)
        clock.value = 0.5
        #expect(limiter.admit("a") == 1)
        clock.value = 1.0
        #expect(limiter.admit("a") == nil)
        clock.value = 100
        #expect(limiter.admit("a") == nil && limiter.admit("a") == nil && limiter.admit("a") == 1)
    }

    /// Account B tries every way of naming account A's upload and output, and the server's files.
    @Test func anAccountReadsOnlyItsOwnMedia() async throws {
        let harness = try Harness()
        _ = try harness.service.database.createAccount(name: "mallory", credits: 100)
        let mallory = try harness.service.database.createKey(account: "mallory", api: .renderingvideo).key
        try await harness.run { client in
            let asset = try #require((try await client.upload([("file", "logo.png", Harness.png)])["assets"] as? [[String: Any]])?.first)
            let fileID = try #require(asset["id"] as? String), url = try #require(asset["url"] as? String)
            let task = try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config()])["taskId"] as? String)
            let stored = try #require(try FileManager.default.contentsOfDirectory(atPath: harness.service.paths.uploads).first)
            let attempts = [
                fileID, url, url.replacingOccurrences(of: "127.0.0.1", with: "evil.example"), "uploads/\(stored)", "../uploads/\(stored)",
                harness.service.paths.uploads + "/" + stored, "file://" + harness.service.paths.uploads + "/" + stored,
                "../videos/\(task).mp4", "/etc/passwd", "file:///etc/passwd", "./\(stored)", stored,
            ]
            for src in attempts {
                let config = Harness.config(clips: #"{ "type": "image", "src": "\#(src)", "start": 0, "duration": 1 }"#)
                let reply = try await client.send(.post, "/api/v1/video", json: ["config": config], key: mallory)
                #expect(reply.status == 400 && reply.code == "INVALID_CONFIG", "\(src): \(reply.status)")
                let fields = (reply["details"] as? [String: Any])?["fields"] as? [String]
                #expect(fields == ["config.tracks[0].clips[0].src"], "\(src): \(reply.json)")
            }
            // The owner may use the upload by id and by URL, and a video clip and font asset are checked the same way.
            for src in [fileID, url] {
                let config = Harness.config(clips: #"{ "type": "image", "src": "\#(src)", "start": 0, "duration": 1 }"#)
                #expect(try await client.send(.post, "/api/v1/video", json: ["config": config]).status == 200, "\(src)")
            }
            let font: [String: Any] = ["meta": ["width": 64, "height": 36], "assets": ["fonts": [["src": "/usr/share/fonts", "family": "X"]]],
                                       "tracks": [["clips": [["type": "text", "text": "a", "start": 0, "duration": 1]]]]]
            let fontReply = try await client.send(.post, "/api/v1/video", json: ["config": font])
            #expect(((fontReply["details"] as? [String: Any])?["fields"] as? [String]) == ["config.assets.fonts[0].src"])
        }
    }

    /// Every route that takes an id answers 404 to another account's key, as for an unknown id.
    @Test func otherAccountsIdsAre404OnEveryRoute() async throws {
        let harness = try Harness()
        _ = try harness.service.database.createAccount(name: "mallory", credits: 100)
        let mallory = try harness.service.database.createKey(account: "mallory", api: .renderingvideo).key
        try await harness.run { client in
            let task = try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config()])["taskId"] as? String)
            let preview = try #require(try await client.send(.post, "/api/v1/preview", json: Harness.config())["tempId"] as? String)
            let file = try #require((try await client.upload([("file", "a.png", Harness.png)])["assets"] as? [[String: Any]])?.first?["id"] as? String)
            let routes: [(HTTPRequest.Method, String)] = [
                (.get, "/api/v1/video/\(task)"), (.post, "/api/v1/video/\(task)/render"), (.delete, "/api/v1/video/\(task)"),
                (.get, "/api/v1/preview/\(preview)"), (.post, "/api/v1/preview/\(preview)/convert"),
                (.post, "/api/v1/preview/\(preview)/render"), (.delete, "/api/v1/preview/\(preview)"),
                (.delete, "/api/v1/files/\(file)"),
            ]
            for (method, path) in routes {
                let reply = try await client.send(method, path, json: [String: Any](), key: mallory)
                #expect(reply.status == 404 && reply.code == "NOT_FOUND", "\(method) \(path): \(reply.status)")
            }
            // Nothing changed for the owner.
            #expect(try await client.send(.get, "/api/v1/video/\(task)")["status"] as? String == "created")
            #expect(try await client.send(.get, "/api/v1/preview/\(preview)").status == 200)
            #expect((try await client.send(.get, "/api/v1/files")["files"] as? [Any])?.count == 1)
            #expect(try await client.send(.get, "/api/v1/credits", key: mallory)["credits"] as? Int == 100)
        }
    }

    @Test func anUploadedSVGIsServedInert() async throws {
        let harness = try Harness()
        try await harness.run { client in
            let svg = Data(#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script><rect width="8" height="8"/></svg>"#.utf8)
            let asset = try #require((try await client.upload([("file", "evil\".svg", svg)])["assets"] as? [[String: Any]])?.first)
            #expect(asset["mimeType"] as? String == "image/svg+xml")
            let url = try #require(asset["url"] as? String)
            let path = String(url.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" })
            let reply = try await client.send(.get, path, key: .some(nil))
            #expect(reply.status == 200)
            #expect(reply.headers[.xContentTypeOptions] == "nosniff")
            let policy = try #require(reply.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'") && policy.contains("sandbox"))
            #expect(reply.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            #expect(reply.headers[.contentDisposition]?.filter { $0 == "\"" }.count == 2, "\(reply.headers)")
            // A PNG is shown inline, but still with the same policy.
            let png = try #require((try await client.upload([("file", "a.png", Harness.png)])["assets"] as? [[String: Any]])?.first?["url"] as? String)
            let image = try await client.send(.get, String(png.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" }), key: .some(nil))
            #expect(image.headers[.contentDisposition] == nil && image.headers[.xContentTypeOptions] == "nosniff")
        }
    }

    /// A render that makes no progress (here: its image is on a server that accepts the connection
    /// and never answers) is stopped after the stall timeout, failed and refunded, and the worker
    /// takes the next job.
    @Test func aHungRenderIsStoppedAndRefunded() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let harness = try Harness(credits: 5) { $0.renderStallTimeout = 0.5 }
        try await harness.run(background: true) { client in
            let hung = Harness.config(clips: #"{ "type": "image", "src": "http://127.0.0.1:\#(silent.port)/x.png", "start": 0, "duration": 1 }"#)
            let id = try #require(try await client.send(.post, "/api/v1/video", json: ["config": hung])["taskId"] as? String)
            #expect(try await client.send(.post, "/api/v1/video/\(id)/render")["remainingCredits"] as? Int == 4)
            let failed = try await client.waitForRender(id)
            #expect(failed["status"] as? String == "failed")
            #expect((failed["error"] as? String)?.hasPrefix("render hung: no progress for 0 s") == true, "\(failed.json)")
            #expect(try await client.send(.get, "/api/v1/credits")["credits"] as? Int == 5)
            // The only worker is free again.
            let next = try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config()])["taskId"] as? String)
            try await client.send(.post, "/api/v1/video/\(next)/render")
            #expect(try await client.waitForRender(next)["status"] as? String == "completed")
        }
    }

    /// A corrupt upload fails the render, and preview frames, without naming the server's folders.
    @Test func errorsDoNotNameTheDataFolder() async throws {
        let harness = try Harness()
        try await harness.run(background: true) { client in
            let header = Data(Harness.png.prefix(8))
            let asset = try #require((try await client.upload([("file", "broken.png", header)])["assets"] as? [[String: Any]])?.first)
            let fileID = try #require(asset["id"] as? String)
            let config = Harness.config(clips: #"{ "type": "image", "src": "\#(fileID)", "start": 0, "duration": 1 }"#)
            let id = try #require(try await client.send(.post, "/api/v1/video", json: ["config": config])["taskId"] as? String)
            let frame = try await client.send(.get, "/preview/\(id)/frame.png?t=0", key: .some(nil))
            #expect(frame.status == 422)
            let frameError = try #require(frame["error"] as? String)
            #expect(frameError.contains("tracks[0].clips[0].src") && frameError.contains("uploads/\(fileID)"), "\(frameError)")
            #expect(!frameError.contains(harness.folder), "\(frameError)")
            try await client.send(.post, "/api/v1/video/\(id)/render")
            let failed = try await client.waitForRender(id)
            let renderError = try #require(failed["error"] as? String)
            #expect(failed["status"] as? String == "failed" && !renderError.contains(harness.folder), "\(renderError)")
        }
    }

    /// Rotating a key of any surface: the new key opens its surface, the old one stops at once.
    @Test func rotatedKeysOpenAndOldSecretsStop() async throws {
        let harness = try Harness()
        let database = harness.service.database
        for surface in [APISurface.renderingvideo, .avs, .fvs] {
            let (old, record) = try database.createKey(account: "acme", api: surface)
            let (new, rotated) = try database.rotateKey(id: record.id)
            #expect(rotated.id == record.id && new != old)
            #expect(try database.authenticate(new, api: surface).id == harness.account.id)
            #expect(throws: KeyRejection.invalid) { try database.authenticate(old, api: surface) }
        }
        try await harness.run { client in
            let id = String(harness.key.dropFirst(3).prefix(16))  // sk-<id><secret>
            let (fresh, _) = try database.rotateKey(id: id)
            #expect(try await client.send(.get, "/api/v1/credits", key: fresh).status == 200)
            #expect(try await client.send(.get, "/api/v1/credits").code == "INVALID_API_KEY")  // the harness key is the old one
        }
        let revoked = try database.createKey(account: "acme", api: .avs).record
        try database.revokeKey(id: revoked.id)
        #expect(throws: StoreError.self) { try database.rotateKey(id: revoked.id) }
        #expect(throws: StoreError.self) { try database.rotateKey(id: "nope") }
    }
}
