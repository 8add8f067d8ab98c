@testable import APIAdapter
import Foundation
import HTTPTypes
import LoopbackHTTP
import Media
import NIOCore
import ScratchDatabases
@testable import Store
import Testing

@Suite struct AuthenticationTests {
    @Test func allFourStylesAndEveryRejection() async throws {
        let harness = try Harness()
        let revoked = try harness.service.database.createKey(account: "acme", api: .renderingvideo)
        try harness.service.database.revokeKey(id: revoked.record.id)
        let avs = try harness.service.database.createKey(account: "acme", api: .avs).key
        let key = harness.key
        try await harness.run { client in
            #expect(try await client.send(.get, "/api/v1/credits").status == 200)
            #expect(try await client.send(.get, "/api/v1/credits", key: .some(nil), headers: [.authorization: "Token \(key)"]).status == 200)
            #expect(try await client.send(.get, "/api/v1/credits", key: .some(nil), headers: [HTTPField.Name("X-API-Key")!: key]).status == 200)
            #expect(try await client.send(.get, "/api/v1/credits?api_key=\(key)", key: .some(nil)).status == 200)

            let missing = try await client.send(.get, "/api/v1/credits", key: .some(nil))
            #expect(missing.status == 401 && missing.code == "MISSING_API_KEY" && missing["success"] as? Bool == false)
            #expect(try await client.send(.get, "/api/v1/credits", key: "pk-123").code == "INVALID_API_KEY_FORMAT")
            #expect(try await client.send(.get, "/api/v1/credits", key: "sk-" + String(repeating: "a", count: 48)).code == "INVALID_API_KEY")
            // Changes the secret's last character; a fixed replacement would match the key whenever it already ended so.
            let wrongSecret = String(key.dropLast()) + (key.hasSuffix("x") ? "y" : "x")
            #expect(try await client.send(.get, "/api/v1/credits", key: wrongSecret).code == "INVALID_API_KEY",
                    "a right id with a wrong secret")
            #expect(try await client.send(.get, "/api/v1/credits", key: revoked.key).code == "API_KEY_INACTIVE")
            #expect(try await client.send(.get, "/api/v1/credits", key: avs).code == "INVALID_API_KEY_FORMAT",
                    "an AVS token does not open the RenderingVideo surface")
        }
    }

    @Test func keysAreStoredOnlyAsHashes() throws {
        let harness = try Harness()
        let data = try Data(contentsOf: URL(fileURLWithPath: harness.service.paths.database))
        #expect(data.range(of: Data(harness.key.utf8)) == nil)
        #expect(data.range(of: Data(harness.key.dropFirst(19).utf8)) == nil, "not even the secret part")
    }
}

@Suite struct TaskRouteTests {
    @Test func createReadListDelete() async throws {
        let harness = try Harness()
        try await harness.run { client in
            let created = try await client.send(.post, "/api/v1/video", json: ["config": Harness.config(seconds: 2, width: 1920, height: 1080),
                                                                             "metadata": ["order": 7], "title": "Intro"])
            #expect(created.status == 200)
            let id = try #require(created["taskId"] as? String)
            #expect(created["status"] as? String == "created")
            #expect(created["costCredits"] as? Int == 3, "2 s at 1080p × 1.5")
            #expect(created["quality"] as? String == "1080p")
            #expect(created["width"] as? Int == 1920 && created["duration"] as? Double == 2)
            #expect((created["metadata"] as? [String: Any])?["order"] as? Int == 7)
            #expect((created["previewUrl"] as? String)?.hasSuffix("/t/\(id)") == true)

            let detail = try await client.send(.get, "/api/v1/video/\(id)")
            #expect(detail["title"] as? String == "Intro" && detail["category"] as? String == "api")
            let deleted = try await client.send(.delete, "/api/v1/video/\(id)")
            #expect(deleted["deleted"] as? Bool == true && deleted["taskId"] as? String == id)
            let gone = try await client.send(.get, "/api/v1/video/\(id)")
            #expect(gone.status == 404 && gone.code == "NOT_FOUND")
            #expect(try await client.send(.delete, "/api/v1/video/\(id)").status == 404)
        }
    }

    @Test func invalidConfigsNameTheirFields() async throws {
        let harness = try Harness()
        try await harness.run { client in
            var config = Harness.config()
            config["meta"] = ["width": 0, "height": 36]
            let bad = try await client.send(.post, "/api/v1/video", json: ["config": config])
            #expect(bad.status == 400 && bad.code == "INVALID_CONFIG")
            let problems = (bad["details"] as? [String: Any])?["problems"] as? [String] ?? []
            #expect(problems.contains { $0.hasPrefix("meta.width: ") }, "\(problems)")
            let layout = Harness.config(clips: #"""
                { "type": "layout", "start": 0, "duration": 1, "children": [
                  { "type": "rect", "transform": { "width": 10, "height": 10 } },
                  { "type": "subtitle", "words": [ { "word": "a", "start": 0, "end": 1 } ] } ] }
                """#)
            let badLayout = try await client.send(.post, "/api/v1/video", json: ["config": layout])
            #expect(badLayout.status == 400 && badLayout.code == "INVALID_CONFIG")
            let layoutProblems = (badLayout["details"] as? [String: Any])?["problems"] as? [String] ?? []
            #expect(layoutProblems.contains { $0.hasPrefix("tracks[0].clips[0].children[1].type: a \"subtitle\" clip cannot be a layout child") },
                    "\(layoutProblems)")
            let missing = try await client.send(.post, "/api/v1/video", json: ["title": "x"])
            #expect(missing.status == 400 && missing.code == "INVALID_CONFIG")
            let notJSON = try await client.send(.post, "/api/v1/video", body: ByteBuffer(string: "{nope"))
            #expect(notJSON.status == 400 && notJSON.code == "INVALID_REQUEST")
            let badMetadata = try await client.send(.post, "/api/v1/video", json: ["config": Harness.config(), "metadata": 5])
            #expect(badMetadata.code == "INVALID_REQUEST" && (badMetadata["details"] as? [String: Any])?["field"] as? String == "metadata")
        }
    }

    @Test func paginationAndFilters() async throws {
        let harness = try Harness()
        try await harness.run { client in
            for _ in 0..<5 { try await client.send(.post, "/api/v1/video", json: ["config": Harness.config()]) }
            try await client.send(.post, "/api/v1/video", json: ["config": Harness.config(), "category": "website"])
            let first = try await client.send(.get, "/api/v1/video?page=1&limit=2")
            #expect((first["tasks"] as? [Any])?.count == 2)
            #expect((first["pagination"] as? [String: Any])?["total"] as? Int == 5, "category api by default")
            let last = try await client.send(.get, "/api/v1/video?page=3&limit=2")
            #expect((last["tasks"] as? [Any])?.count == 1)
            let all = try await client.send(.get, "/api/v1/video?category=all&limit=500")
            #expect((all["pagination"] as? [String: Any])?["limit"] as? Int == 100, "limit is capped at 100")
            #expect((all["pagination"] as? [String: Any])?["total"] as? Int == 6)
            #expect((try await client.send(.get, "/api/v1/video?status=completed")["tasks"] as? [Any])?.count == 0)
            #expect(try await client.send(.get, "/api/v1/video?status=done").code == "INVALID_REQUEST")
            #expect(try await client.send(.get, "/api/v1/video?page=0").code == "INVALID_REQUEST")
        }
    }

    @Test func tasksAreVisibleOnlyToTheirAccount() async throws {
        let harness = try Harness()
        _ = try harness.service.database.createAccount(name: "other", credits: 10)
        let otherKey = try harness.service.database.createKey(account: "other", api: .renderingvideo).key
        try await harness.run { client in
            let id = try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config()])["taskId"] as? String)
            #expect(try await client.send(.get, "/api/v1/video/\(id)", key: otherKey).status == 404)
            #expect(try await client.send(.post, "/api/v1/video/\(id)/render", key: otherKey).status == 404)
            #expect(try await client.send(.delete, "/api/v1/video/\(id)", key: otherKey).status == 404)
        }
    }
}

@Suite struct RenderRouteTests {
    /// On either store: SQLite in the data folder, or PostgreSQL.
    @Test(arguments: StoreBackend.allCases)
    func renderCompletesSettlesAndServesTheVideo(backend: StoreBackend) async throws {
        try await withScratch(backend) { try await renderCompletesSettlesAndServesTheVideo(on: $0) }
    }

    func renderCompletesSettlesAndServesTheVideo(on scratch: ScratchDatabase) async throws {
        let harness = try Harness(credits: 10, database: scratch.location)
        let hooks = try WebhookCatcher()
        defer { hooks.stop() }
        try await harness.run(background: true) { client in
            let id = try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config(seconds: 2)])["taskId"] as? String)
            let started = try await client.send(.post, "/api/v1/video/\(id)/render", json: ["webhook_url": hooks.url, "num_workers": 2])
            #expect(started.status == 200 && started["status"] as? String == "rendering")
            #expect(started["cost"] as? Int == 2 && started["remainingCredits"] as? Int == 8)
            #expect((started["renderTaskId"] as? String)?.hasPrefix("rt_") == true)

            let done = try await client.waitForRender(id)
            #expect(done["status"] as? String == "completed")
            let videoURL = try #require(done["videoUrl"] as? String)
            let path = String(videoURL.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" })
            let whole = try await client.send(.get, path, key: .some(nil))
            #expect(whole.status == 200 && whole.headers[.contentType] == "video/mp4")
            let part = try await client.send(.get, path, key: .some(nil), headers: [.range: "bytes=10-19"])
            #expect(part.status == 206 && part.body.readableBytes == 10)
            #expect(part.headers[.contentRange] == "bytes 10-19/\(whole.body.readableBytes)")
            #expect(try await client.send(.get, path, key: .some(nil), headers: [.range: "bytes=99999999-"]).status == 416)
            #expect(try await client.send(.get, path.replacingOccurrences(of: "sig=", with: "sig=0"), key: .some(nil)).code == "INVALID_SIGNATURE")

            let again = try await client.send(.post, "/api/v1/video/\(id)/render")
            #expect(again["alreadyRendered"] as? Bool == true && again["cost"] as? Int == 0)
            #expect(try await client.send(.get, "/api/v1/credits")["credits"] as? Int == 8)

            let payload = try await hooks.next()
            #expect(payload["taskId"] as? String == id && payload["status"] as? String == "completed")
            #expect(payload["renderTaskId"] as? String == started["renderTaskId"] as? String)
            #expect((payload["videoUrl"] as? String)?.contains("/videos/\(id).mp4?expires=") == true)
            #expect(payload["timestamp"] is String && payload["error"] is NSNull)
        }
        let kinds = try harness.service.database.ledger(account: harness.account.id).map(\.kind)
        #expect(kinds == ["grant", "reserve", "settle"])
    }

    @Test func aFailedRenderIsRefundedAndExplained() async throws {
        let harness = try Harness(credits: 5)
        try await harness.run(background: true) { client in
            // The image is uploaded, then deleted after the task was made: the render cannot read it.
            let asset = try #require((try await client.upload([("file", "logo.png", Harness.png)])["assets"] as? [[String: Any]])?.first)
            let fileID = try #require(asset["id"] as? String)
            let config = Harness.config(clips: #"{ "type": "image", "src": "\#(fileID)", "start": 0, "duration": 1 }"#)
            let id = try #require(try await client.send(.post, "/api/v1/video", json: ["config": config])["taskId"] as? String)
            #expect(try await client.send(.delete, "/api/v1/files/\(fileID)").status == 200)
            #expect(try await client.send(.post, "/api/v1/video/\(id)/render")["remainingCredits"] as? Int == 4)
            let failed = try await client.waitForRender(id)
            #expect(failed["status"] as? String == "failed")
            #expect((failed["error"] as? String)?.contains("tracks[0].clips[0].src: ") == true, "\(failed.json)")
            #expect(try await client.send(.get, "/api/v1/credits")["credits"] as? Int == 5)
        }
        #expect(try harness.service.database.ledger(account: harness.account.id).map(\.kind) == ["grant", "reserve", "refund"])
    }

    @Test func errorsBeforeAnyWork() async throws {
        let harness = try Harness(credits: 1)
        try await harness.run { client in
            let id = try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config(seconds: 3)])["taskId"] as? String)
            let poor = try await client.send(.post, "/api/v1/video/\(id)/render")
            #expect(poor.status == 402 && poor.code == "INSUFFICIENT_CREDITS")
            #expect(try await client.send(.get, "/api/v1/video/\(id)")["status"] as? String == "created")
            #expect(try await client.send(.post, "/api/v1/video/nope/render").status == 404)
            #expect(try await client.send(.post, "/api/v1/video/\(id)/render", json: ["webhook_url": "ftp://x"]).code == "INVALID_REQUEST")
            #expect(try await client.send(.post, "/api/v1/video/\(id)/render", json: ["num_workers": 0]).code == "INVALID_REQUEST")

            let cheap = try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config(seconds: 1)])["taskId"] as? String)
            #expect(try await client.send(.post, "/api/v1/video/\(cheap)/render").status == 200)
            let twice = try await client.send(.post, "/api/v1/video/\(cheap)/render")
            #expect(twice.status == 400 && twice.code == "ALREADY_RENDERING", "no workers run here, so it is still rendering")
            // Deleting a rendering task cancels it and refunds it.
            #expect(try await client.send(.delete, "/api/v1/video/\(cheap)")["deleted"] as? Bool == true)
            #expect(try await client.send(.get, "/api/v1/credits")["credits"] as? Int == 1)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theLedgerNeverGoesNegativeUnderConcurrentRenders(backend: StoreBackend) async throws {
        try await withScratch(backend) { try await theLedgerNeverGoesNegativeUnderConcurrentRenders(on: $0) }
    }

    func theLedgerNeverGoesNegativeUnderConcurrentRenders(on scratch: ScratchDatabase) async throws {
        let harness = try Harness(credits: 10, database: scratch.location)
        try await harness.run { client in
            var ids: [String] = []
            for _ in 0..<30 { ids.append(try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config()])["taskId"] as? String)) }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for id in ids { group.addTask { try await client.send(.post, "/api/v1/video/\(id)/render").status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 10)
            #expect(statuses.filter { $0 == 402 }.count == 20)
            #expect(try await client.send(.get, "/api/v1/credits")["credits"] as? Int == 0)
        }
        let ledger = try harness.service.database.ledger(account: harness.account.id)
        #expect(ledger.reduce(0) { $0 + $1.delta } == 0)
        #expect(ledger.filter { $0.kind == "reserve" }.count == 10)
        // The ledger is append-only.
        #expect(throws: (any Error).self) {
            try harness.service.database.store.write { try $0.execute("UPDATE credit_ledger SET delta = 100", []) }
        }
        #expect(throws: (any Error).self) {
            try harness.service.database.store.write { try $0.execute("DELETE FROM credit_ledger", []) }
        }
    }

    @Test func interruptedRendersArePickedUpAgain() async throws {
        let harness = try Harness(credits: 10)
        // A render that was running when its worker vanished: its lease has run out.
        let task = TaskRecord(accountId: harness.account.id, api: "renderingvideo", dialect: "renderingvideo-v2",
                              config: String(decoding: try JSONSerialization.data(withJSONObject: Harness.config()), as: UTF8.self),
                              metadata: nil, title: nil, category: "api", width: 64, height: 36, duration: 1, cost: 1)
        try harness.service.database.insert(task)
        _ = try harness.service.database.startRender(taskID: task.id, account: harness.account.id, webhookURL: nil, workers: 1)
        #expect(try harness.service.database.claimNextJob(owner: "elsewhere:1:gone", lease: -1) != nil)
        try await harness.run(background: true) { client in
            let finished = try await client.waitForRender(task.id)
            #expect(finished["status"] as? String == "completed")
        }
    }

    @Test func failedWebhooksAreRetriedWithBackoffAndPrivateTargetsRefused() async throws {
        let harness = try Harness { $0.allowsPrivateNetwork = false }
        try await harness.run(background: true) { client in
            let id = try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config()])["taskId"] as? String)
            try await client.send(.post, "/api/v1/video/\(id)/render", json: ["webhook_url": "http://127.0.0.1:9/hook"])
            #expect(try await client.waitForRender(id)["status"] as? String == "completed")
            var hooks: [WebhookRecord] = []
            for _ in 0..<50 {
                hooks = try harness.service.database.webhooks()
                if hooks.first?.attempts ?? 0 > 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let hook = try #require(hooks.first)
            #expect(hook.attempts == 1 && hook.status == "pending", "it will be tried again")
            #expect(hook.lastError?.contains("refusing to connect to 127.0.0.1") == true, "\(hook.lastError ?? "")")
            let retry = try #require(Timestamp.date(hook.nextAttemptAt)), created = try #require(Timestamp.date(hook.createdAt))
            #expect(retry.timeIntervalSince(created) >= 2 && retry.timeIntervalSince(created) < 30,
                    "the first retry waits 2 s after the first attempt")
        }
    }

    @Test func remoteMediaOnPrivateAddressesIsRefusedByDefault() async throws {
        let harness = try Harness { $0.allowsPrivateNetwork = false }
        try await harness.run(background: true) { client in
            let config = Harness.config(clips: #"{ "type": "image", "src": "http://127.0.0.1:9/x.png", "start": 0, "duration": 1 }"#)
            let id = try #require(try await client.send(.post, "/api/v1/video", json: ["config": config])["taskId"] as? String)
            try await client.send(.post, "/api/v1/video/\(id)/render")
            let failed = try await client.waitForRender(id)
            #expect((failed["error"] as? String)?.contains("refusing to connect to 127.0.0.1") == true, "\(failed.json)")
        }
        for address in ["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                        "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "224.0.0.1"] {
            #expect(NetworkPolicy.isPrivate(address), "\(address)")
        }
        for address in ["8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700::1111"] {
            #expect(!NetworkPolicy.isPrivate(address), "\(address)")
        }
    }
}

/// Catches webhook POSTs on a loopback port.
final class WebhookCatcher: @unchecked Sendable {
    private let server: LoopbackHTTPServer
    var url: String { server.base + "/hook" }

    init() throws { server = try LoopbackHTTPServer() }
    func stop() { server.stop() }

    /// The next delivered payload (waits up to 10 s).
    func next() async throws -> [String: Any] {
        for _ in 0..<100 {
            if let body = server.takeBody() { return try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:] }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("no webhook arrived")
        return [:]
    }
}
