@testable import APIAdapter
@testable import FVSAPI
import Foundation
import HTTPTypes
import LoopbackHTTP
import Media
import NIOCore
import Store
import TemplateSchema
import Testing

/// The Future Video Studio agent API (`/api/agent/renders…`) in process.
@Suite struct FVSAPITests {
    static func harness(credits: Int = 100) throws -> (Harness, String) {
        let harness = try Harness(credits: credits)
        return (harness, try harness.service.database.createKey(account: "acme", api: .fvs).key)
    }

    static let keyHeader = HTTPField.Name("X-FVS-Agent-Key")!

    /// The published client's body: a `request_json` part holding the request as a JSON string,
    /// then one `files` part per upload.
    static func multipart(_ request: [String: Any], files: [(String, Data)]) throws -> (ByteBuffer, String) {
        let boundary = "----FVS\(UUID().uuidString.prefix(8))"
        var data = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"request_json\"\r\n\r\n".utf8)
        data.append(try JSONSerialization.data(withJSONObject: request))
        data.append(Data("\r\n".utf8))
        for (name, bytes) in files {
            data.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
            data.append(bytes)
            data.append(Data("\r\n".utf8))
        }
        data.append(Data("--\(boundary)--\r\n".utf8))
        return (ByteBuffer(bytes: data), "multipart/form-data; boundary=\(boundary)")
    }

    static func submit(_ client: Harness.Client, key: String?, request: [String: Any], files: [(String, Data)] = []) async throws -> Harness.Reply {
        let (body, type) = try multipart(request, files: files)
        var headers: HTTPFields = [.contentType: type]
        if let key { headers[keyHeader] = key }
        return try await client.send(.post, "/api/agent/renders", key: .some(nil), headers: headers, body: body)
    }

    static func get(_ client: Harness.Client, _ path: String, key: String, method: HTTPRequest.Method = .get) async throws -> Harness.Reply {
        try await client.send(method, path, key: .some(nil), headers: [keyHeader: key])
    }

    /// Polls a render until the official client's terminal rule says it is done.
    static func finish(_ client: Harness.Client, _ id: String, key: String) async throws -> (Harness.Reply, [String]) {
        var stages: [String] = []
        for _ in 0..<600 {
            let reply = try await get(client, "/api/agent/renders/\(id)", key: key)
            if let stage = reply["current_stage"] as? String, stages.last != stage { stages.append(stage) }
            let status = reply["status"] as? String ?? ""
            if ["completed", "failed"].contains(status) || (reply["is_running"] as? Bool == false && !["queued", "running"].contains(status)) {
                return (reply, stages)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("render \(id) did not finish")
        return (try await get(client, "/api/agent/renders/\(id)", key: key), stages)
    }

    nonisolated(unsafe) static let brief: [String: Any] = [
        "name": "Harbour teaser", "project_mode": "scene", "visual_style_preset": "documentary", "frame_rate": 10,
        "screenplay": "Shot 1: The red sign.\nANA: Here.\nShot 2: Footage of the boats.\nShot 3: A closing card.",
        "shot_count": 3, "scene_target_duration_seconds": 4, "video_resolution": "720p", "video_model": "veo-3.1-fast-generate-001",
        "assets": [["filename": "sign.png", "label": "sign", "purpose": "location_reference"],
                   ["filename": "boats.mp4", "label": "Footage"], ["filename": "bed.wav", "purpose": "music_reference"]],
    ]

    @Test func aRenderWithAPictureAClipAndMusicComesBackAtTheTargetLength() async throws {
        let (harness, key) = try Self.harness()
        try await harness.run(background: true) { client in
            let created = try await Self.submit(client, key: key, request: Self.brief,
                                                files: [("sign.png", Harness.png), ("boats.mp4", AVSAPITests.clip), ("bed.wav", AVSAPITests.wav(seconds: 5))])
            #expect(created.status == 200, "\(created.json)")
            let id = try #require(created["project_id"] as? String)
            #expect(id.hasPrefix("proj_api_"))
            #expect(created["status"] as? String == "queued" && created["current_stage"] as? String == "input" && created["is_running"] as? Bool == true)
            #expect(created["status_url"] as? String == "http://localhost:8080/api/agent/renders/\(id)" || (created["status_url"] as? String)?.hasSuffix("/api/agent/renders/\(id)") == true)
            #expect((created["cancel_url"] as? String)?.hasSuffix("/api/agent/renders/\(id)/cancel") == true)
            #expect(created["asset_count"] as? Int == 3 && created["final_video_url"] is NSNull && created["credits"] as? Int == 2 + 4)
            let (done, stages) = try await Self.finish(client, id, key: key)
            #expect(done["status"] as? String == "completed" && done["current_stage"] as? String == "completed", "\(done.json)")
            #expect(done["is_running"] as? Bool == false && done["run_id"] is NSNull && done["clip_count"] as? Int == 3)
            #expect(stages.last == "completed", "\(stages)")
            // The link is signed, and issued afresh at each poll.
            let url = try #require(done["final_video_url"] as? String)
            let link = try #require(URLComponents(string: url))
            #expect(link.queryItems?.contains { $0.name == "sig" && !($0.value ?? "").isEmpty } == true, "\(url)")
            let video = try await client.send(.get, link.path + "?" + (link.query ?? ""), key: .some(nil))
            #expect(video.status == 200 && video.headers[.contentType] == "video/mp4")
            let file = NSTemporaryDirectory() + "fvs-\(id).mp4"
            try Data(buffer: video.body).write(to: URL(fileURLWithPath: file))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let info = try MediaProbe.probe(path: file)
            #expect(info.videoStreams.first?.width == 1280 && info.videoStreams.first?.height == 720)
            #expect(info.videoStreams.first?.frameCount == 40, "4 s at 10 fps, to the frame")
            #expect(info.audioStreams.count == 1, "the music bed")
            // The shots used the files by label: the sign, the footage, then a card.
            let task = try #require(try harness.service.database.job(id: id).flatMap { try harness.service.database.task(id: $0.taskId) })
            #expect(task.dialect == "renderingvideo-v2" && task.sourceDocument != nil)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(task.config.utf8)) as? [String: Any])
            let shots = ((document["x-reel-screenplay"] as? [String: Any])?["shots"] as? [[String: Any]]) ?? []
            #expect(shots.map { $0["visual"] as? String } == ["sign.png", "boats.mp4", "text card"])
            #expect(try harness.service.database.balance(account: harness.account.id) == 94)
            #expect(try harness.service.database.ledger(account: harness.account.id).map(\.kind) == ["grant", "reserve", "settle"])
        }
    }

    @Test func waitForCompletionHoldsTheAnswer() async throws {
        let (harness, key) = try Self.harness()
        try await harness.run(background: true) { client in
            var request = Self.brief
            request["assets"] = nil
            request["wait_for_completion_seconds"] = 120
            let created = try await Self.submit(client, key: key, request: request)
            #expect(created.status == 200 && created["status"] as? String == "completed", "\(created.json)")
            #expect(created["final_video_url"] is String)
        }
    }

    @Test func cancellingRefundsAndReadsAsCancelled() async throws {
        let (harness, key) = try Self.harness()
        try await harness.run { client in
            var request = Self.brief
            request["assets"] = nil
            let created = try await Self.submit(client, key: key, request: request)
            let id = try #require(created["project_id"] as? String)
            #expect(try harness.service.database.balance(account: harness.account.id) == 94)
            let cancelled = try await Self.get(client, "/api/agent/renders/\(id)/cancel", key: key, method: .post)
            #expect(cancelled.status == 200, "\(cancelled.json)")
            #expect(cancelled["status"] as? String == "failed" && cancelled["current_stage"] as? String == "cancelled")
            #expect(cancelled["is_running"] as? Bool == false && (cancelled["last_error"] as? String)?.contains("cancel") == true)
            #expect(try harness.service.database.balance(account: harness.account.id) == 100)
            // Again: the same answer, nothing refunded twice.
            let again = try await Self.get(client, "/api/agent/renders/\(id)/cancel", key: key, method: .post)
            #expect(again["current_stage"] as? String == "cancelled")
            #expect(try harness.service.database.balance(account: harness.account.id) == 100)
        }
    }

    @Test func accountDefaultsFillWhatARequestLeavesOut() async throws {
        let (harness, key) = try Self.harness()
        let database = harness.service.database
        try database.setAccountDefault(account: "acme", field: "video_resolution", value: #""1080p""#)
        try database.setAccountDefault(account: "acme", field: "visual_style_preset", value: #""noir""#)
        try await harness.run { client in
            var request = Self.brief
            request["assets"] = nil
            request["video_resolution"] = nil
            request["visual_style_preset"] = NSNull()
            let defaulted = try await Self.submit(client, key: key, request: request)
            #expect(defaulted.status == 200 && defaulted["credits"] as? Int == 2 + 4 * 2, "1080p from the defaults: \(defaulted.json)")
            let id = try #require(defaulted["project_id"] as? String)
            let task = try #require(try database.job(id: id).flatMap { try database.task(id: $0.taskId) })
            let stored = try #require(try JSONSerialization.jsonObject(with: Data(task.config.utf8)) as? [String: Any])
            #expect(stored["video_resolution"] as? String == "1080p" && stored["visual_style_preset"] as? String == "noir")
            #expect(task.width == 1920)
            // What the request says wins.
            request["video_resolution"] = "720p"
            let explicit = try await Self.submit(client, key: key, request: request)
            #expect(explicit["credits"] as? Int == 2 + 4)
        }
    }

    // MARK: MCP

    static func rpc(_ client: Harness.Client, _ method: String, _ params: [String: Any] = [:], key: String? = nil, id: Int = 1) async throws -> Harness.Reply {
        var headers: HTTPFields = [.accept: "application/json, text/event-stream", HTTPField.Name("MCP-Protocol-Version")!: "2025-06-18"]
        if let key { headers[keyHeader] = key }
        return try await client.send(.post, "/mcp", json: ["jsonrpc": "2.0", "id": id, "method": method, "params": params], key: .some(nil), headers: headers)
    }

    static func structured(_ reply: Harness.Reply) -> [String: Any] {
        ((reply["result"] as? [String: Any])?["structuredContent"] as? [String: Any]) ?? [:]
    }

    @Test func theMCPEndpointServesTheToolsStatelessly() async throws {
        let (harness, key) = try Self.harness()
        try await harness.run { client in
            let initialize: [String: Any] = ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "test", "version": "1"]]
            for _ in 0..<2 {
                let reply = try await Self.rpc(client, "initialize", initialize)
                let info = (reply["result"] as? [String: Any])?["serverInfo"] as? [String: Any]
                #expect(reply.status == 200 && info?["name"] as? String == "future-video-studio", "initialize again and again: \(reply.json)")
            }
            let list = try await Self.rpc(client, "tools/list")
            let tools = ((list["result"] as? [String: Any])?["tools"] as? [[String: Any]]) ?? []
            #expect(Set(tools.compactMap { $0["name"] as? String }) == ["fvs_open_chatgpt_app", "fvs_submit_render", "fvs_create_paid_render_quote",
                                                                     "fvs_get_render_status", "fvs_get_paid_render_status", "fvs_cancel_render",
                                                                     "fvs_download_final_video", "fvs_example_render_request"])
            let status = tools.first { $0["name"] as? String == "fvs_get_render_status" }?["annotations"] as? [String: Any]
            #expect(status?["readOnlyHint"] as? Bool == true && status?["idempotentHint"] as? Bool == true && status?["destructiveHint"] as? Bool == false)

            var request = Self.brief
            request["assets"] = nil
            let submitted = Self.structured(try await Self.rpc(client, "tools/call", ["name": "fvs_submit_render", "arguments": ["request": request]], key: key))
            let id = try #require(submitted["project_id"] as? String, "\(submitted)")
            // The key may come as X-Agent-Api-Key or a bearer token too; without one, errors are data.
            for header in [("X-Agent-Api-Key", key), ("Authorization", "Bearer " + key)] {
                let reply = try await client.send(.post, "/mcp", json: ["jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                                                       "params": ["name": "fvs_get_render_status", "arguments": ["project_id": id]]],
                                                  key: .some(nil), headers: [.accept: "application/json", HTTPField.Name(header.0)!: header.1])
                #expect(Self.structured(reply)["project_id"] as? String == id, "\(header.0): \(reply.json)")
            }
            let anonymous = Self.structured(try await Self.rpc(client, "tools/call", ["name": "fvs_get_render_status", "arguments": ["project_id": id]]))
            #expect(anonymous["ok"] as? Bool == false && (anonymous["error"] as? String)?.contains("agent key") == true)
            let invalid = Self.structured(try await Self.rpc(client, "tools/call", ["name": "fvs_submit_render", "arguments": ["request": ["name": "x", "shot_count": 0]]],
                                                              key: key))
            #expect(invalid["ok"] as? Bool == false && (invalid["error"] as? String)?.hasPrefix("shot_count: must be between 1 and 64") == true, "\(invalid)")
            let resource = try await Self.rpc(client, "resources/read", ["uri": "fvs://agent-api/reference"])
            let text = (((resource["result"] as? [String: Any])?["contents"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
            #expect(text.contains("POST /renders"))
            #expect(try await client.send(.get, "/mcp", key: .some(nil)).status == 405)
        }
    }

    // MARK: paid quotes

    @Test func aPaidQuoteRendersItsURLsAndAnswersOnlyItsClaimToken() async throws {
        let (harness, _) = try Self.harness()
        let files = try LoopbackHTTPServer(routes: ["/media/sign.png": Harness.png, "/media/theme.wav": AVSAPITests.wav(seconds: 5)])
        defer { files.stop() }
        try await harness.run(background: true) { client in
            var request = Self.brief
            request["assets"] = [["filename": "sign.png", "label": "sign"], ["filename": "bed.wav", "purpose": "music_reference"]]
            let body: [String: Any] = ["request": request,
                                       "upload_urls": [files.base + "/media/sign.png", ["url": files.base + "/media/theme.wav", "filename": "bed.wav"]]]
            let quoted = try await client.send(.post, "/api/agent/render-quotes", json: body, key: .some(nil))
            #expect(quoted.status == 402, "\(quoted.json)")
            let id = try #require(quoted["quote_id"] as? String)
            let token = try #require(quoted["claim_token"] as? String)
            #expect(id.hasPrefix("quote_") && quoted["status"] as? String == "payment_required")
            #expect(quoted.headers[.wwwAuthenticate]?.hasPrefix(#"Payment id="\#(id)", method="operator""#) == true, "\(quoted.headers)")
            #expect(quoted.headers[.cacheControl] == "no-store")
            #expect(quoted["credits_quoted"] as? Int == 6 && quoted["amount_cents"] as? Int == 30 && quoted["currency"] as? String == "usd")
            #expect((quoted["payment_url"] as? String)?.hasSuffix("/api/agent/render-quotes/\(id)/pay") == true)
            #expect((quoted["status_url"] as? String)?.hasSuffix("/api/agent/paid-renders/\(id)?claim_token=\(token)") == true)
            #expect(quoted["expires_at"] is String)

            // Unpaid: the status answers the claim token only (query or header); the pay route says how to pay.
            let unpaid = try await client.send(.get, "/api/agent/paid-renders/\(id)?claim_token=\(token)", key: .some(nil))
            #expect(unpaid.status == 200 && unpaid["status"] as? String == "payment_required" && unpaid["claim_token"] == nil)
            let header = try await client.send(.get, "/api/agent/paid-renders/\(id)", key: .some(nil), headers: [FVSQuotes.claimHeader: token])
            #expect(header.status == 200)
            for wrong in ["?claim_token=claim_wrong", "", "?claim_token=" + token + "x"] {
                #expect(try await client.send(.get, "/api/agent/paid-renders/\(id)\(wrong)", key: .some(nil)).status == 404)
            }
            #expect(try await client.send(.get, "/api/agent/paid-renders/quote_nope?claim_token=\(token)", key: .some(nil)).status == 404)
            let page = try await client.send(.get, "/api/agent/render-quotes/\(id)/pay", key: .some(nil))
            #expect(page.status == 402 && (page["detail"] as? String)?.contains("reel quotes pay \(id)") == true, "\(page.json)")
            #expect(try await client.send(.post, "/api/agent/render-quotes/\(id)/pay", key: .some(nil)).status == 402)

            // The operator marks it paid (what `reel quotes pay` does); the render starts and finishes.
            let paid = try harness.service.database.payQuote(id: id, reference: "test", jobPrefix: FVSSurface.projectPrefix)
            #expect(paid.status == "paid" && paid.jobId?.hasPrefix("proj_api_") == true)
            harness.service.jobQueued()
            var done = unpaid
            for _ in 0..<600 {
                done = try await client.send(.get, "/api/agent/paid-renders/\(id)?claim_token=\(token)", key: .some(nil))
                if ["completed", "failed"].contains(done["status"] as? String) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(done["status"] as? String == "completed" && done["quote_status"] as? String == "paid", "\(done.json)")
            #expect(done["project_id"] as? String == paid.jobId && done["final_video_url"] is String && done["cancel_url"] is NSNull)
            let again = try await client.send(.get, "/api/agent/render-quotes/\(id)/pay", key: .some(nil))
            #expect(again.status == 200 && again["status"] as? String == "paid", "paying a paid quote changes nothing")
            #expect(files.requestCount >= 2, "the URLs were fetched")
            let account = try harness.service.database.account(named: "paid-quotes")
            #expect(try harness.service.database.ledger(account: account.id).map(\.kind) == ["grant", "reserve", "settle"])
            #expect(try harness.service.database.balance(account: account.id) == 0)
        }
    }

    @Test func quoteURLsTheServerWouldNotFetchAreRefusedAtOnce() async throws {
        let harness = try Harness { $0.allowsPrivateNetwork = false }
        try await harness.run { client in
            for url in ["http://127.0.0.1:9/a.png", "http://10.0.0.7/b.png", "http://[::1]/c.png"] {
                let refused = try await client.send(.post, "/api/agent/render-quotes", json: ["request": ["name": "x"], "upload_urls": [url]],
                                                    key: .some(nil))
                #expect(refused.status == 422 && refused["field"] as? String == "upload_urls[0]", "\(url): \(refused.json)")
            }
        }
    }

    @Test func quotesAreCheckedAndExpire() async throws {
        let (harness, _) = try Self.harness()
        try await harness.run { client in
            let unmatched = try await client.send(.post, "/api/agent/render-quotes", json: ["request": Self.brief], key: .some(nil))
            #expect(unmatched.status == 422 && (unmatched["detail"] as? String)?.hasPrefix("request.assets[0].filename: must match") == true,
                    "\(unmatched.json)")
            let local = try await client.send(.post, "/api/agent/render-quotes", json: ["request": ["name": "x"], "upload_urls": ["file:///etc/passwd"]],
                                              key: .some(nil))
            #expect(local.status == 422 && local["field"] as? String == "upload_urls[0]")
            let invalid = try await client.send(.post, "/api/agent/render-quotes", json: ["request": ["name": "x", "shot_count": 99]], key: .some(nil))
            #expect(invalid.status == 422 && (invalid["detail"] as? String)?.hasPrefix("request.shot_count: must be between 1 and 64") == true)
            let quoted = try await client.send(.post, "/api/agent/render-quotes", json: ["request": ["name": "x", "screenplay": "A."]], key: .some(nil))
            let id = try #require(quoted["quote_id"] as? String)
            let later = Date().addingTimeInterval(harness.service.configuration.quoteLifetime + 1)
            #expect(try harness.service.database.quote(id: id)?.state(now: later) == .expired)
            #expect(throws: StoreError.self) { try harness.service.database.payQuote(id: id, reference: "late", jobPrefix: "proj_api_", now: later) }
            #expect(try harness.service.database.quote(id: id)?.jobId == nil)
        }
    }

    /// `num_workers` asks for a render split across workers; out of 1 to 64 it is refused at its path.
    @Test func numWorkersAsksForASplitRender() async throws {
        let (harness, key) = try Self.harness()
        try await harness.run { client in
            var request = Self.brief
            request["assets"] = nil
            request["num_workers"] = 4
            let created = try await Self.submit(client, key: key, request: request)
            let id = try #require(created["project_id"] as? String, "\(created.json)")
            #expect(try harness.service.database.job(id: id)?.workers == 4)
            request["num_workers"] = 0
            let refused = try await Self.submit(client, key: key, request: request)
            #expect(refused.status == 422 && refused["detail"] as? String == "num_workers: must be between 1 and 64, found 0", "\(refused.json)")
        }
    }

    @Test func badRequestsAreRefusedWithADetail() async throws {
        let (harness, key) = try Self.harness(credits: 5)
        let other = try harness.service.database.createAccount(name: "other", credits: 100)
        let otherKey = try harness.service.database.createKey(account: other.name, api: .fvs).key
        try await harness.run { client in
            let missing = try await Self.submit(client, key: nil, request: Self.brief)
            #expect(missing.status == 401 && (missing["detail"] as? String)?.contains("X-FVS-Agent-Key") == true, "\(missing.json)")
            let wrong = try await Self.submit(client, key: harness.key, request: Self.brief)
            #expect(wrong.status == 401, "a RenderingVideo key does not open /api/agent")

            var request = Self.brief
            request["shot_count"] = 0
            request["scene_target_duration_seconds"] = 3
            let invalid = try await Self.submit(client, key: key, request: request)
            #expect(invalid.status == 422)
            #expect(invalid["detail"] as? String == "shot_count: must be between 1 and 64, found 0; "
                    + "scene_target_duration_seconds: must be between 4 and 600, found 3", "\(invalid.json)")
            let unmatched = try await Self.submit(client, key: key, request: Self.brief, files: [("sign.png", Harness.png)])
            #expect(unmatched.status == 422)
            #expect((unmatched["detail"] as? String)?.hasPrefix("assets[1].filename: must match an uploaded file basename") == true, "\(unmatched.json)")
            #expect(try harness.service.database.files(account: harness.account.id, type: nil, page: 1, limit: 10).total == 0,
                    "nothing is stored for a refused render")
            var cheap = Self.brief
            cheap["assets"] = nil
            let poor = try await Self.submit(client, key: key, request: cheap)
            #expect(poor.status == 402 && poor["code"] as? String == "insufficient_credits", "6 credits against 5: \(poor.json)")
            let noPart = try await client.send(.post, "/api/agent/renders", key: .some(nil),
                                               headers: [Self.keyHeader: key, .contentType: "multipart/form-data; boundary=x"],
                                               body: ByteBuffer(string: "--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\n\r\nabc\r\n--x--\r\n"))
            #expect(noPart.status == 422 && noPart["field"] as? String == "request_json", "\(noPart.json)")

            // Another account's render is not found.
            let mine = try await Self.submit(client, key: otherKey, request: cheap)
            let id = try #require(mine["project_id"] as? String)
            #expect(try await Self.get(client, "/api/agent/renders/\(id)", key: key).status == 404)
            #expect(try await Self.get(client, "/api/agent/renders/\(id)/cancel", key: key, method: .post).status == 404)
            let survived = try await Self.get(client, "/api/agent/renders/\(id)", key: otherKey)
            #expect(survived.status == 200 && survived["status"] as? String == "queued", "another account cannot cancel it")

            // Limits: at most 32 assets, a quote body of at most 256 KB.
            var many = cheap
            many["assets"] = (0..<33).map { ["filename": "f\($0).png"] }
            let tooMany = try await Self.submit(client, key: key, request: many)
            #expect(tooMany.status == 422 && (tooMany["detail"] as? String)?.hasPrefix("assets: must have at most 32 elements") == true, "\(tooMany.json)")
            let big = try await client.send(.post, "/api/agent/render-quotes", json: ["request": ["name": "x", "lore": String(repeating: "a", count: 300_000)]],
                                            key: .some(nil))
            #expect(big.status == 413, "\(big.status)")
        }
    }
}
