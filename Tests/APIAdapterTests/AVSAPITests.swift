@testable import APIAdapter
@testable import AVSAPI
import Compositor
import Crypto
import Encoder
import Foundation
import HTTPTypes
import LoopbackHTTP
import Media
import NIOCore
@testable import Store
import TemplateSchema
import Testing
import Timeline

/// The AVS public API (`/api/v1/videos/from-json|from-prompt`, `/api/v1/jobs/:jobId`) in process.
@Suite struct AVSAPITests {
    /// A harness with an AVS token beside its RenderingVideo key.
    static func harness(credits: Int = 100, configure: (inout ServerConfiguration) -> Void = { _ in }) throws -> (Harness, String) {
        let harness = try Harness(credits: credits, configure: configure)
        return (harness, try harness.service.database.createKey(account: "acme", api: .avs).key)
    }

    /// A text-only template `seconds` long, drawn at draft quality.
    static func textTemplate(seconds: Double = 1, text: String = "Now shipping") -> [String: Any] {
        ["version": "1", "name": "Launch", "blocks": [["type": "text", "start": 0, "duration": seconds, "text": text]]]
    }

    /// A multipart body: the `request` JSON part, then `files` parts.
    static func multipart(request: [String: Any], files: [(String, Data)]) throws -> (ByteBuffer, String) {
        let boundary = "----AVS\(UUID().uuidString.prefix(8))"
        var data = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"request\"\r\nContent-Type: application/json\r\n\r\n".utf8)
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

    /// A short clip (64×36, 10 fps, with a tone) and a WAV, written by Reel's own encoder.
    static let clip: Data = {
        let path = NSTemporaryDirectory() + "avs-clip-\(UUID().uuidString).mp4"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var settings = EncoderSettings(crf: 30, preset: "ultrafast")
        settings.threads = 1
        let writer = try! MovieWriter(path: path, width: 64, height: 36, frameRate: FrameRate(numerator: 10), settings: settings)
        for index in 0..<20 {
            let frame = Raster(width: 64, height: 36)
            frame.fill(SIMD4(0, UInt8(index * 12), 200, 255))
            try! writer.append(frame)
            let samples = (0..<4800).map { n in Float(sin(Double(n + index * 4800) * 0.0576)) * 0.3 }
            try! writer.appendAudio(left: samples, right: samples)
        }
        try! writer.finish()
        return FileManager.default.contents(atPath: path)!
    }()

    static func wav(seconds: Double = 2) -> Data {
        let frames = Int(seconds * 48_000)
        var data = Data()
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); put(UInt32(36 + frames * 4)); data.append(contentsOf: Array("WAVE".utf8))
        data.append(contentsOf: Array("fmt ".utf8)); put(UInt32(16)); put(UInt16(1)); put(UInt16(2))
        put(UInt32(48_000)); put(UInt32(48_000 * 4)); put(UInt16(4)); put(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); put(UInt32(frames * 4))
        for n in 0..<frames {
            let sample = Int16(sin(2 * Double.pi * 440 * Double(n) / 48_000) * 8000)
            put(sample); put(sample)
        }
        return data
    }

    /// The path and query of a finished job's download link.
    static func downloadPath(_ reply: Harness.Reply) throws -> String {
        let url = try #require((reply["result"] as? [String: Any])?["downloadUrl"] as? String)
        let link = try #require(URLComponents(string: url))
        return link.path + "?" + (link.query ?? "")
    }

    static func error(_ reply: Harness.Reply) -> [String: Any] { reply["error"] as? [String: Any] ?? [:] }

    /// Polls a job until it finishes, recording each phase seen.
    static func finish(_ client: Harness.Client, _ id: String, key: String) async throws -> (Harness.Reply, [String]) {
        var phases: [String] = []
        for _ in 0..<600 {
            let reply = try await client.send(.get, "/api/v1/jobs/\(id)", key: key)
            if let phase = reply["phase"] as? String, phases.last != phase { phases.append(phase) }
            if ["completed", "failed"].contains(reply["status"] as? String) { return (reply, phases) }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("job \(id) did not finish")
        return (try await client.send(.get, "/api/v1/jobs/\(id)", key: key), phases)
    }

    // MARK: authentication

    @Test func onlyAVSTokensOpenTheAVSRoutesAndTheyOpenNoOther() async throws {
        let (harness, token) = try Self.harness()
        let database = harness.service.database
        let fvs = try database.createKey(account: "acme", api: .fvs).key
        try await harness.run { client in
            let body: [String: Any] = ["template": Self.textTemplate()]
            let missing = try await client.send(.post, "/api/v1/videos/from-json", json: body, key: .some(nil))
            #expect(missing.status == 401 && Self.error(missing)["code"] as? String == "missing_token", "\(missing.json)")
            for other in [harness.key, fvs] {
                let refused = try await client.send(.post, "/api/v1/videos/from-json", json: body, key: other)
                #expect(refused.status == 401 && Self.error(refused)["code"] as? String == "invalid_token_format", "\(refused.json)")
            }
            let query = try await client.send(.get, "/api/v1/jobs/job_x?api_key=\(token)", key: .some(nil))
            #expect(query.status == 401, "a token in the query is not read")
            // An AVS token on the RenderingVideo routes: refused in that surface's envelope.
            let rv = try await client.send(.get, "/api/v1/credits", key: token)
            #expect(rv.status == 401 && rv.code == "INVALID_API_KEY_FORMAT" && rv["success"] as? Bool == false)
            #expect(try await client.send(.post, "/api/v1/videos/from-json", json: body, key: token).status == 202)

            // Rotation: the old secret stops at once; the tokenId is the key's id.
            let tokenID = String(token.split(separator: ".")[1])
            let (rotated, _) = try database.rotateKey(id: tokenID)
            let old = try await client.send(.get, "/api/v1/jobs/job_x", key: token)
            #expect(old.status == 401 && Self.error(old)["code"] as? String == "invalid_token")
            #expect(try await client.send(.get, "/api/v1/jobs/job_x", key: rotated).status == 404)
            try database.revokeKey(id: tokenID)
            let revoked = try await client.send(.get, "/api/v1/jobs/job_x", key: rotated)
            #expect(revoked.status == 401 && Self.error(revoked)["code"] as? String == "token_revoked")
        }
    }

    @Test func theOpenAPIDocumentDescribesTheAVSRoutesInTheirEnvelope() async throws {
        let (harness, _) = try Self.harness()
        try await harness.run { client in
            let document = try await client.send(.get, "/openapi.json", key: .some(nil))
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let create = try #require(paths["/api/v1/videos/from-json"]?["post"] as? [String: Any])
            let responses = try #require(create["responses"] as? [String: Any])
            for status in ["202", "400", "401", "402", "413", "429"] { #expect(responses[status] != nil, "\(status)") }
            #expect(responses["200"] == nil)
            let content = ((create["requestBody"] as? [String: Any])?["content"] as? [String: Any]) ?? [:]
            #expect(content["application/json"] != nil && content["multipart/form-data"] != nil)
            let error = (((responses["402"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
            #expect((error as? [String: Any])?["$ref"] as? String == "#/components/schemas/AVSError")
            #expect((create["security"] as? [[String: Any]])?.first?["avsToken"] != nil)
            #expect(paths["/api/v1/videos/from-prompt"]?["post"] != nil && paths["/api/v1/jobs/{jobId}"]?["get"] != nil)
            let rv = try #require(paths["/api/v1/video"]?["post"] as? [String: Any])
            #expect((rv["security"] as? [[String: Any]])?.contains { $0["bearer"] != nil } == true)
        }
    }

    // MARK: from-json

    @Test func aJSONJobGoesThroughItsPhasesAndItsLinkServesTheVideo() async throws {
        let (harness, token) = try Self.harness()
        try await harness.run(background: true) { client in
            let body: [String: Any] = ["template": Self.textTemplate(seconds: 1), "output": ["aspectRatio": "1:1", "quality": "draft"]]
            let created = try await client.send(.post, "/api/v1/videos/from-json", json: body, key: token)
            #expect(created.status == 202, "\(created.json)")
            let id = try #require(created["jobId"] as? String)
            #expect(id.hasPrefix("job_") && created["mode"] as? String == "json" && created["credits"] as? Int == 5)
            #expect(created["status"] as? String == "queued" && created["phase"] as? String == "queued")
            #expect(created["result"] is NSNull && created["error"] is NSNull && created["createdAt"] is String && created["updatedAt"] is String)
            let (done, phases) = try await Self.finish(client, id, key: token)
            #expect(done["status"] as? String == "completed" && done["phase"] as? String == "completed", "\(done.json)")
            #expect(phases.last == "completed" && !phases.contains("generating"), "json jobs skip generating: \(phases)")
            let result = try #require(done["result"] as? [String: Any])
            let expiresAt = try #require(result["expiresAt"] as? String)
            let expires = try #require(Timestamp.date(expiresAt))
            #expect(abs(expires.timeIntervalSinceNow - 7 * 86400) < 120, "the link lives 7 days")
            let path = try Self.downloadPath(done)
            let video = try await client.send(.get, path, key: .some(nil))
            #expect(video.status == 200 && video.headers[.contentType] == "video/mp4" && video.body.readableBytes > 1000)
            let range = try await client.send(.get, path, key: .some(nil), headers: [.range: "bytes=0-99"])
            #expect(range.status == 206 && range.body.readableBytes == 100)
            let file = NSTemporaryDirectory() + "avs-\(id).mp4"
            try Data(buffer: video.body).write(to: URL(fileURLWithPath: file))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let info = try MediaProbe.probe(path: file)
            #expect(info.videoStreams.first?.width == 480 && info.videoStreams.first?.height == 480)
            #expect(abs((info.duration ?? 0) - 1) < 0.1, "\(info.duration ?? 0)")
            #expect(try harness.service.database.balance(account: harness.account.id) == 95)
            #expect(try harness.service.database.ledger(account: harness.account.id).map(\.kind) == ["grant", "reserve", "settle"])
        }
    }

    @Test func multipartJobsUseTheirFilesByNameAndPayForThem() async throws {
        let (harness, token) = try Self.harness()
        try await harness.run(background: true) { client in
            let template: [String: Any] = ["version": "1", "name": "Spring launch", "blocks": [
                ["type": "video", "start": 0, "duration": 1.5, "source": ["uploadName": "hero.mp4"]],
                ["type": "image", "start": 1.5, "duration": 0.5, "source": ["uploadName": "pack.png"], "motion": "zoomIn"],
                ["type": "text", "start": 0, "duration": 2, "text": "Now shipping"],
                ["type": "audio", "start": 0, "duration": 2, "source": ["uploadName": "bed.wav"]],
            ]]
            let (body, type) = try Self.multipart(request: ["template": template, "output": ["aspectRatio": "16:9", "quality": "draft"]],
                                                  files: [("hero.mp4", Self.clip), ("pack.png", Harness.png), ("bed.wav", Self.wav())])
            let created = try await client.send(.post, "/api/v1/videos/from-json", key: token, headers: [.contentType: type], body: body)
            #expect(created.status == 202, "\(created.json)")
            #expect(created["credits"] as? Int == 5 + 0 + 3 + 5, "video 5 + image 0 + audio 3 + render 5")
            let id = try #require(created["jobId"] as? String)
            let (done, _) = try await Self.finish(client, id, key: token)
            #expect(done["status"] as? String == "completed", "\(done.json)")
            let video = try await client.send(.get, try Self.downloadPath(done), key: .some(nil))
            let file = NSTemporaryDirectory() + "avs-\(id).mp4"
            try Data(buffer: video.body).write(to: URL(fileURLWithPath: file))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let info = try MediaProbe.probe(path: file)
            #expect(info.videoStreams.first?.width == 852 && info.videoStreams.first?.height == 480 && info.audioStreams.count == 1)
            #expect(abs((info.duration ?? 0) - 2) < 0.1, "\(info.duration ?? 0)")
            // The files belong to the account, and another job cannot name them.
            #expect(try harness.service.database.files(account: harness.account.id, type: nil, page: 1, limit: 10).total == 3)
        }
    }

    /// `numWorkers` asks for a render split across workers; anything but 1 to 64 is refused.
    @Test func numWorkersAsksForASplitRender() async throws {
        let (harness, token) = try Self.harness()
        try await harness.run { client in
            let created = try await client.send(.post, "/api/v1/videos/from-json", json: ["template": Self.textTemplate(), "numWorkers": 3], key: token)
            #expect(created.status == 202, "\(created.json)")
            let id = try #require(created["jobId"] as? String)
            #expect(try harness.service.database.job(id: id)?.workers == 3)
            let plain = try await client.send(.post, "/api/v1/videos/from-prompt", json: ["prompt": "A launch"], key: token)
            #expect(try harness.service.database.job(id: try #require(plain["jobId"] as? String))?.workers == 1)
            for bad in [0, 65, "3", true, 2.5] as [Any] {
                for route in ["from-json", "from-prompt"] {
                    let body: [String: Any] = route == "from-json" ? ["template": Self.textTemplate(), "numWorkers": bad] : ["prompt": "x", "numWorkers": bad]
                    let reply = try await client.send(.post, "/api/v1/videos/\(route)", json: body, key: token)
                    #expect(reply.status == 400 && Self.error(reply)["field"] as? String == "numWorkers", "\(bad): \(reply.json)")
                }
            }
        }
    }

    @Test func templatesAreCheckedAtTheirJSONPathsAndUnknownFieldsAreWarnings() async throws {
        let (harness, token) = try Self.harness()
        try await harness.run { client in
            func post(_ body: [String: Any]) async throws -> Harness.Reply {
                try await client.send(.post, "/api/v1/videos/from-json", json: body, key: token)
            }
            let noTemplate = try await post(["output": ["quality": "web"]])
            #expect(noTemplate.status == 400 && Self.error(noTemplate)["field"] as? String == "template")
            let cases: [([String: Any], String)] = [
                (["version": 1, "blocks": [["type": "text", "start": 0, "duration": 1, "text": "x"]]], "template.version"),
                (["version": "1", "blocks": [["type": "gif", "start": 0, "duration": 1]]], "template.blocks[0].type"),
                (["version": "1", "blocks": [["type": "text", "start": -1, "duration": 1, "text": "x"]]], "template.blocks[0].start"),
                (["version": "1", "blocks": [["type": "text", "start": 0, "duration": 0, "text": "x"]]], "template.blocks[0].duration"),
                (["version": "1", "blocks": [["type": "image", "start": 0, "duration": 1, "source": ["url": "https://x.test/a.png", "uploadName": "a.png"]]]],
                 "template.blocks[0].source"),
                (["version": "1", "blocks": [["type": "image", "start": 0, "duration": 1, "source": ["uploadName": "missing.png"]]]],
                 "template.blocks[0].source.uploadName"),
                (["version": "1", "blocks": [] as [Any]], "template.blocks"),
            ]
            for (template, path) in cases {
                let reply = try await post(["template": template])
                let error = Self.error(reply)
                #expect(reply.status == 400 && error["code"] as? String == "invalid_template", "\(path): \(reply.json)")
                #expect(error["field"] as? String == path, "\(path): \(reply.json)")
                let problems = (error["details"] as? [String: Any])?["problems"] as? [[String: Any]]
                #expect(problems?.first?["path"] as? String == path)
            }
            let badHook = try await post(["template": Self.textTemplate(), "webhook": ["url": "https://example.com/hook"]])
            #expect(badHook.status == 400 && Self.error(badHook)["field"] as? String == "webhook.secret")
            let badOutput = try await post(["template": Self.textTemplate(), "output": ["aspectRatio": "21:9"]])
            #expect(badOutput.status == 400 && Self.error(badOutput)["field"] as? String == "output.aspectRatio", "\(badOutput.json)")

            var template = Self.textTemplate()
            template["theme"] = "dark"
            let warned = try await post(["template": template, "extra": true])
            #expect(warned.status == 202)
            let paths = (warned["warnings"] as? [[String: Any]])?.compactMap { $0["path"] as? String } ?? []
            #expect(paths.contains("template.theme") && paths.contains("extra"), "\(paths)")
            let id = try #require(warned["jobId"] as? String)
            #expect((try await client.send(.get, "/api/v1/jobs/\(id)", key: token)["warnings"] as? [Any])?.count == 2)

            // Files: named, unique, of a type Reel reads.
            let (dupes, type) = try Self.multipart(request: ["template": Self.textTemplate()], files: [("a.png", Harness.png), ("a.png", Harness.png)])
            let duplicate = try await client.send(.post, "/api/v1/videos/from-json", key: token, headers: [.contentType: type], body: dupes)
            #expect(duplicate.status == 400 && Self.error(duplicate)["code"] as? String == "duplicate_file_name")
            let (text, textType) = try Self.multipart(request: ["template": Self.textTemplate()], files: [("notes.txt", Data("hello".utf8))])
            let unsupported = try await client.send(.post, "/api/v1/videos/from-json", key: token, headers: [.contentType: textType], body: text)
            #expect(unsupported.status == 415 && Self.error(unsupported)["code"] as? String == "unsupported_file_type")
        }
    }

    @Test func promptRequestsAreCheckedFieldByField() async throws {
        let (harness, token) = try Self.harness()
        try await harness.run { client in
            let cases: [([String: Any], String)] = [
                ([:], "prompt"),
                (["prompt": "   "], "prompt"),
                (["prompt": String(repeating: "a", count: 4001)], "prompt"),
                (["prompt": "ok", "assetUrls": "https://x.test/a.mp4"], "assetUrls"),
                (["prompt": "ok", "assetUrls": ["file:///etc/passwd"]], "assetUrls[0]"),
                (["prompt": "ok", "assetUrls": Array(repeating: "https://x.test/a.mp4", count: 21)], "assetUrls"),
                (["prompt": "ok", "output": ["quality": "8k"]], "output.quality"),
                (["prompt": "ok", "output": "web"], "output"),
                (["prompt": "ok", "webhook": ["url": "ftp://x.test/h", "secret": "s"]], "webhook.url"),
            ]
            for (body, field) in cases {
                let reply = try await client.send(.post, "/api/v1/videos/from-prompt", json: body, key: token)
                #expect(reply.status == 400 && Self.error(reply)["field"] as? String == field, "\(field): \(reply.json)")
            }
            let warned = try await client.send(.post, "/api/v1/videos/from-prompt", json: ["prompt": "ok", "style": "noir"], key: token)
            #expect(warned.status == 202 && (warned["warnings"] as? [[String: Any]])?.first?["path"] as? String == "style")
            #expect(try await client.send(.get, "/api/v1/jobs/job_doesnotexist", key: token).status == 404)
        }
    }

    // MARK: credits

    @Test func tooFewCreditsRefusesTheJobBeforeAnyWork() async throws {
        let (harness, token) = try Self.harness(credits: 12)
        try await harness.run { client in
            // The digest's worked example: an uploaded MP4, an image URL and an MP3 URL = 5 + 0 + 3 + 5 = 13.
            let template: [String: Any] = ["version": "1", "blocks": [
                ["type": "video", "start": 0, "duration": 1, "source": ["uploadName": "hero.mp4"]],
                ["type": "image", "start": 1, "duration": 1, "source": ["url": "https://cdn.example.com/pack.png"]],
                ["type": "audio", "start": 0, "duration": 2, "source": ["url": "https://cdn.example.com/bed.mp3"]],
            ]]
            let (body, type) = try Self.multipart(request: ["template": template], files: [("hero.mp4", Self.clip)])
            let refused = try await client.send(.post, "/api/v1/videos/from-json", key: token, headers: [.contentType: type], body: body)
            #expect(refused.status == 402, "\(refused.json)")
            let error = Self.error(refused)
            #expect(error["code"] as? String == "insufficient_credits")
            #expect((error["details"] as? [String: Any])?["required"] as? Int == 13 && (error["details"] as? [String: Any])?["balance"] as? Int == 12)
            let database = harness.service.database
            #expect(try database.files(account: harness.account.id, type: nil, page: 1, limit: 10).total == 0, "no file was kept")
            #expect(try database.ledger(account: harness.account.id).map(\.kind) == ["grant"], "nothing was reserved")
            let tasks = try database.store.read { try $0.integer("SELECT COUNT(*) FROM tasks") }
            #expect(tasks == 0)

            // The other worked example: a prompt job with one uploaded MP4 = 5 + 3 + 5 = 13; with 13 credits it is taken.
            _ = try database.grant(account: "acme", credits: 1)
            let (promptBody, promptType) = try Self.multipart(request: ["prompt": "A 2 second teaser."], files: [("hero.mp4", Self.clip)])
            let prompt = try await client.send(.post, "/api/v1/videos/from-prompt", key: token, headers: [.contentType: promptType], body: promptBody)
            #expect(prompt.status == 202 && prompt["credits"] as? Int == 13, "\(prompt.json)")
            #expect(try database.balance(account: harness.account.id) == 0)
        }
    }

    @Test func aJobWhoseImportFailsIsRefundedAndShowsWhy() async throws {
        let (harness, token) = try Self.harness()
        try await harness.run(background: true) { client in
            let template: [String: Any] = ["version": "1", "blocks": [["type": "image", "start": 0, "duration": 1, "source": ["url": "http://127.0.0.1:9/pack.png"]]]]
            let created = try await client.send(.post, "/api/v1/videos/from-json", json: ["template": template, "output": ["quality": "draft"]], key: token)
            let id = try #require(created["jobId"] as? String)
            let (failed, _) = try await Self.finish(client, id, key: token)
            #expect(failed["status"] as? String == "failed" && failed["phase"] as? String == "failed" && failed["result"] is NSNull)
            let error = try #require(failed["error"] as? [String: Any])
            #expect(error["code"] as? String == "job_failed" && (error["message"] as? String)?.isEmpty == false, "\(failed.json)")
            #expect(try harness.service.database.balance(account: harness.account.id) == 100)
            #expect(try harness.service.database.ledger(account: harness.account.id).map(\.kind) == ["grant", "reserve", "refund"])
        }
    }

    /// Phases are true: a job whose remote image never arrives is `running` in `preparing_assets`.
    @Test func aPollDuringAnImportShowsPreparingAssets() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let (harness, token) = try Self.harness { $0.renderStallTimeout = 3 }
        try await harness.run(background: true) { client in
            let template: [String: Any] = ["version": "1", "blocks": [
                ["type": "image", "start": 0, "duration": 1, "source": ["url": "http://127.0.0.1:\(silent.port)/slow.png"]]]]
            let created = try await client.send(.post, "/api/v1/videos/from-json", json: ["template": template], key: token)
            let id = try #require(created["jobId"] as? String)
            var seen: Harness.Reply?
            for _ in 0..<100 {
                let reply = try await client.send(.get, "/api/v1/jobs/\(id)", key: token)
                if reply["status"] as? String == "running" { seen = reply; break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(seen?["phase"] as? String == "preparing_assets", "\(seen?.json ?? [:])")
            let (failed, _) = try await Self.finish(client, id, key: token)
            #expect(failed["status"] as? String == "failed")
        }
    }

    // MARK: webhooks

    @Test func webhooksAreSignedOverTheRawBodyAndRetriedUntilDelivered() async throws {
        // The receiver fails twice, then takes the delivery.
        let receiver = try LoopbackHTTPServer(postAnswers: [(500, Data()), (503, Data())])
        defer { receiver.stop() }
        let (harness, token) = try Self.harness { $0.webhookRetryDelay = 0.05 }
        try await harness.run(background: true) { client in
            let secret = "whsec_test_secret"
            let created = try await client.send(.post, "/api/v1/videos/from-json", json: [
                "template": Self.textTemplate(), "output": ["quality": "draft"],
                "webhook": ["url": receiver.base + "/hooks/avs", "secret": secret],
            ], key: token)
            let id = try #require(created["jobId"] as? String)
            _ = try await Self.finish(client, id, key: token)
            var hooks: [WebhookRecord] = []
            for _ in 0..<200 {
                hooks = try harness.service.database.webhooks()
                if hooks.first?.status != "pending" { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            let hook = try #require(hooks.first)
            #expect(hook.status == "delivered" && hook.attempts == 3 && hook.maxAttempts == 4, "\(hook)")
            #expect(receiver.requestCount == 3)
            var last: LoopbackHTTPServer.Received?
            while let request = receiver.takeRequest() { last = request }
            let delivery = try #require(last)
            #expect(delivery.header("X-AVS-Event") == "job.completed")
            let stamp = try #require(delivery.header("X-AVS-Timestamp").flatMap(Int.init))
            #expect(abs(Double(stamp) - Date().timeIntervalSince1970) < 120)
            // An HMAC computed here, independently of Reel's signer, over the bytes received.
            let expected = HMAC<SHA256>.authenticationCode(for: delivery.body, using: SymmetricKey(data: Data(secret.utf8)))
                .map { String(format: "%02x", $0) }.joined()
            #expect(delivery.header("X-AVS-Signature") == "sha256=" + expected)
            let payload = try #require(try JSONSerialization.jsonObject(with: delivery.body) as? [String: Any])
            #expect(payload["jobId"] as? String == id && payload["status"] as? String == "completed")
            #expect((payload["result"] as? [String: Any])?["downloadUrl"] is String)
        }
    }

    @Test func aDeliveryIsGivenUpAfterThreeRetries() async throws {
        let receiver = try LoopbackHTTPServer(postAnswers: Array(repeating: (500, Data()), count: 10))
        defer { receiver.stop() }
        let (harness, token) = try Self.harness { $0.webhookRetryDelay = 0.02 }
        try await harness.run(background: true) { client in
            let created = try await client.send(.post, "/api/v1/videos/from-json", json: [
                "template": Self.textTemplate(), "output": ["quality": "draft"], "webhook": ["url": receiver.base + "/h", "secret": "s"],
            ], key: token)
            _ = try await Self.finish(client, try #require(created["jobId"] as? String), key: token)
            var hook: WebhookRecord?
            for _ in 0..<200 {
                hook = try harness.service.database.webhooks().first
                if hook?.status == "failed" { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            #expect(hook?.status == "failed" && hook?.attempts == 4 && receiver.requestCount == 4, "\(String(describing: hook))")
        }
    }

    // MARK: prompt → video

    @Test func aPromptJobPlansFromItsFilesAndRendersTheAskedLength() async throws {
        let (harness, token) = try Self.harness()
        try await harness.run(background: true) { client in
            let prompt = "Make a 3 second vertical teaser using the uploaded footage. Fresh coffee, every morning."
            let (body, type) = try Self.multipart(request: ["prompt": prompt, "output": ["quality": "draft"]],
                                                  files: [("hero.mp4", Self.clip), ("bed.wav", Self.wav(seconds: 5))])
            let created = try await client.send(.post, "/api/v1/videos/from-prompt", key: token, headers: [.contentType: type], body: body)
            #expect(created.status == 202 && created["mode"] as? String == "prompt" && created["credits"] as? Int == 5 + 3 + 3 + 5, "\(created.json)")
            #expect(created["template"] is NSNull, "planned when the job runs")
            let id = try #require(created["jobId"] as? String)
            let (done, phases) = try await Self.finish(client, id, key: token)
            #expect(done["status"] as? String == "completed", "\(done.json)")
            #expect(done["prompt"] as? String == prompt)
            // Each phase in order (fast ones may be passed between two polls).
            let order = ["queued", "preparing_assets", "generating", "rendering", "completed"]
            #expect(phases.map { order.firstIndex(of: $0) ?? -1 } == phases.map { order.firstIndex(of: $0) ?? -1 }.sorted(), "\(phases)")
            let template = try #require(done["template"] as? [String: Any])
            let blocks = try #require(template["blocks"] as? [[String: Any]])
            #expect(blocks.contains { $0["type"] as? String == "audio" } && blocks.contains { $0["type"] as? String == "video" })
            #expect((done["output"] as? [String: Any])?["aspectRatio"] as? String == "9:16")
            let video = try await client.send(.get, try Self.downloadPath(done), key: .some(nil))
            let file = NSTemporaryDirectory() + "avs-\(id).mp4"
            try Data(buffer: video.body).write(to: URL(fileURLWithPath: file))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let info = try MediaProbe.probe(path: file)
            #expect(info.videoStreams.first?.width == 480 && info.videoStreams.first?.height == 852)
            #expect(abs((info.duration ?? 0) - 3) < 0.1, "the asked length: \(info.duration ?? 0)")
        }
    }

    @Test func aConfiguredPlannerEndpointWritesTheTemplateAndABadOneFailsTheJob() async throws {
        let planned = #"Here you go:\n```json\n{"version": "1", "name": "From the planner", "blocks": [{"type": "text", "start": 0, "duration": 1.5, "text": "Planned"}]}\n```"#
        let good = try JSONSerialization.data(withJSONObject: ["choices": [["message": ["role": "assistant", "content": planned]]]])
        let bad = try JSONSerialization.data(withJSONObject: ["choices": [["message": ["content": #"{"version": "2", "blocks": []}"#]]]])
        let planner = try LoopbackHTTPServer(postAnswers: [(200, good), (200, bad)])
        defer { planner.stop() }
        let (served, servedToken) = try Self.harness {
            $0.plannerURL = planner.base + "/v1/chat/completions"
            $0.plannerKey = "sk-planner"
        }
        try await served.run(background: true) { client in
            let created = try await client.send(.post, "/api/v1/videos/from-prompt",
                                                json: ["prompt": "A square title card", "output": ["quality": "draft"]], key: servedToken)
            let (done, _) = try await Self.finish(client, try #require(created["jobId"] as? String), key: servedToken)
            #expect(done["status"] as? String == "completed", "\(done.json)")
            #expect((done["template"] as? [String: Any])?["name"] as? String == "From the planner")
            let request = try #require(planner.takeRequest())
            #expect(request.header("Authorization") == "Bearer sk-planner")
            let sent = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
            #expect(sent["model"] as? String == "gpt-4o-mini" && (sent["messages"] as? [Any])?.count == 2)

            let second = try await client.send(.post, "/api/v1/videos/from-prompt", json: ["prompt": "Another"], key: servedToken)
            let (failed, _) = try await Self.finish(client, try #require(second["jobId"] as? String), key: servedToken)
            let message = ((failed["error"] as? [String: Any])?["message"] as? String) ?? ""
            #expect(failed["status"] as? String == "failed" && message.contains("template.version"), "\(failed.json)")
            #expect(try served.service.database.balance(account: served.account.id) == 100 - 8, "the failed job was refunded")
        }
    }

    /// Phases are true: while the planner thinks, the job is `generating`; a planner that never
    /// answers fails the job, refunded.
    @Test func aPollWhileThePlannerWorksShowsGenerating() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let (harness, token) = try Self.harness {
            $0.plannerURL = "http://127.0.0.1:\(silent.port)/v1/chat/completions"
            $0.plannerTimeout = 2
        }
        try await harness.run(background: true) { client in
            let created = try await client.send(.post, "/api/v1/videos/from-prompt", json: ["prompt": "A title card"], key: token)
            let id = try #require(created["jobId"] as? String)
            var phases: [String] = []
            for _ in 0..<100 {
                let reply = try await client.send(.get, "/api/v1/jobs/\(id)", key: token)
                if let phase = reply["phase"] as? String, phases.last != phase { phases.append(phase) }
                if phases.last == "generating" { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(phases.last == "generating", "\(phases)")
            let (failed, _) = try await Self.finish(client, id, key: token)
            let message = ((failed["error"] as? [String: Any])?["message"] as? String) ?? ""
            #expect(failed["status"] as? String == "failed" && message.contains("planner did not answer"), "\(failed.json)")
            #expect(try harness.service.database.balance(account: harness.account.id) == 100)
        }
    }

    /// A planner endpoint may not reach past the job: a URL the job did not bring fails it
    /// (refunded), and the output the client chose stands whatever the planner says.
    @Test func aPlannerIsHeldToTheJobsFilesAndOutput() async throws {
        func answer(_ template: String) throws -> Data {
            try JSONSerialization.data(withJSONObject: ["choices": [["message": ["content": template]]]])
        }
        let widened = try answer(#"{"template": {"version": "1", "blocks": [{"type": "image", "start": 0, "duration": 1, "source": {"url": "https://elsewhere.example/big.png"}}]}}"#)
        let reshaped = try answer(#"{"template": {"version": "1", "blocks": [{"type": "text", "start": 0, "duration": 1, "text": "Hi"}]}, "output": {"aspectRatio": "16:9", "quality": "draft"}}"#)
        let planner = try LoopbackHTTPServer(postAnswers: [(200, widened), (200, reshaped)])
        defer { planner.stop() }
        let (harness, token) = try Self.harness { $0.plannerURL = planner.base + "/v1/chat/completions" }
        try await harness.run(background: true) { client in
            let first = try await client.send(.post, "/api/v1/videos/from-prompt", json: ["prompt": "Anything"], key: token)
            let (failed, _) = try await Self.finish(client, try #require(first["jobId"] as? String), key: token)
            let message = ((failed["error"] as? [String: Any])?["message"] as? String) ?? ""
            #expect(failed["status"] as? String == "failed" && message.contains("is not one of the job's assetUrls"), "\(failed.json)")
            let second = try await client.send(.post, "/api/v1/videos/from-prompt",
                                               json: ["prompt": "Anything", "output": ["aspectRatio": "9:16", "quality": "draft"]], key: token)
            let (done, _) = try await Self.finish(client, try #require(second["jobId"] as? String), key: token)
            #expect(done["status"] as? String == "completed" && (done["output"] as? [String: Any])?["aspectRatio"] as? String == "9:16")
            #expect((done["result"] as? [String: Any])?["width"] as? Int == 480 && (done["result"] as? [String: Any])?["height"] as? Int == 852)
        }
    }

    /// A prompt job may name the account's own upload by its URL, like any remote file.
    @Test func aPromptJobCanUseTheAccountsUploadsByURL() async throws {
        let (harness, token) = try Self.harness()
        try await harness.run(background: true) { client in
            let uploaded = try await client.upload([("file", "still.png", Harness.png)])
            let url = try #require((uploaded["assets"] as? [[String: Any]])?.first?["url"] as? String, "\(uploaded.json)")
            let created = try await client.send(.post, "/api/v1/videos/from-prompt",
                                                json: ["prompt": "A 1 second card", "assetUrls": [url], "output": ["quality": "draft"]], key: token)
            #expect(created["credits"] as? Int == 0 + 3 + 5, "an image URL is charged as an image")
            let (done, _) = try await Self.finish(client, try #require(created["jobId"] as? String), key: token)
            #expect(done["status"] as? String == "completed", "\(done.json)")
        }
    }

    /// Each surface sees its own jobs: a RenderingVideo key cannot read, render or delete the task
    /// behind an AVS job (its id is in the download link), and the shared preview pages do not
    /// serve AVS tasks.
    @Test func anAVSJobsTaskIsNotReachableThroughTheRenderingVideoRoutes() async throws {
        let (harness, token) = try Self.harness()
        try await harness.run(background: true) { client in
            let created = try await client.send(.post, "/api/v1/videos/from-json",
                                                json: ["template": Self.textTemplate(), "output": ["quality": "draft"]], key: token)
            let (done, _) = try await Self.finish(client, try #require(created["jobId"] as? String), key: token)
            let path = try Self.downloadPath(done)
            let taskID = String(try #require(path.split(separator: "/").last?.split(separator: ".").first))
            #expect(try await client.send(.get, "/api/v1/video/\(taskID)").status == 404)
            #expect(try await client.send(.post, "/api/v1/video/\(taskID)/render").status == 404)
            #expect(try await client.send(.delete, "/api/v1/video/\(taskID)").status == 404)
            for page in ["/t/\(taskID)", "/preview/\(taskID)", "/preview/\(taskID)/config.json", "/preview/\(taskID)/frame.png?t=0"] {
                #expect(try await client.send(.get, page, key: .some(nil)).status == 404, "\(page)")
            }
            #expect(try await client.send(.get, "/api/v1/jobs/\(try #require(created["jobId"] as? String))", key: token)["status"] as? String == "completed")
        }
    }

    @Test func multipartRequestsHaveTheJSONLimitAndAFileCount() async throws {
        let (harness, token) = try Self.harness { $0.maximumRequestBytes = 2000 }
        try await harness.run { client in
            let (big, bigType) = try Self.multipart(request: ["template": Self.textTemplate(text: String(repeating: "x", count: 3000))], files: [])
            let tooLarge = try await client.send(.post, "/api/v1/videos/from-json", key: token, headers: [.contentType: bigType], body: big)
            #expect(tooLarge.status == 413, "\(tooLarge.json)")
            let files = (0..<21).map { ("still\($0).png", Harness.png) }
            let (many, manyType) = try Self.multipart(request: ["prompt": "Slides"], files: files)
            let tooMany = try await client.send(.post, "/api/v1/videos/from-prompt", key: token, headers: [.contentType: manyType], body: many)
            #expect(tooMany.status == 400 && Self.error(tooMany)["code"] as? String == "too_many_files", "\(tooMany.json)")
        }
    }

    /// A webhook URL that redirects is not followed (the policy checked the URL, not where it leads).
    @Test func webhookRedirectsAreNotFollowed() async throws {
        let target = try LoopbackHTTPServer()
        defer { target.stop() }
        let redirecting = try LoopbackHTTPServer(redirectPostsTo: target.base + "/inside")
        defer { redirecting.stop() }
        let (harness, token) = try Self.harness { $0.webhookRetryDelay = 60 }
        try await harness.run(background: true) { client in
            let created = try await client.send(.post, "/api/v1/videos/from-json", json: [
                "template": Self.textTemplate(), "output": ["quality": "draft"], "webhook": ["url": redirecting.base + "/hook", "secret": "s"],
            ], key: token)
            _ = try await Self.finish(client, try #require(created["jobId"] as? String), key: token)
            var hook: WebhookRecord?
            for _ in 0..<200 {
                hook = try harness.service.database.webhooks().first
                if (hook?.attempts ?? 0) > 0 { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            #expect(hook?.lastError == "HTTP 302" && hook?.status == "pending", "\(String(describing: hook))")
            #expect(redirecting.requestCount == 1 && target.requestCount == 0)
        }
    }

    // MARK: the planner and the state machine, alone

    @Test func thePlannerReadsLengthShapeAndWordsFromThePrompt() {
        #expect(PromptPlanner.statedLength(in: "Create a 20 second product teaser") == 20)
        #expect(PromptPlanner.statedLength(in: "a 1-minute recap") == 60)
        #expect(PromptPlanner.statedLength(in: "45s cut for socials") == 45)
        #expect(PromptPlanner.statedLength(in: "no length here") == nil)
        #expect(PromptPlanner.outputStated(in: "a vertical reel").aspectRatio == .portrait)
        #expect(PromptPlanner.outputStated(in: "square, please").aspectRatio == .square)
        #expect(PromptPlanner.outputStated(in: "in 1080p").quality == .studio)
        let plain = PromptPlanner.words(in: "Create a 20 second product teaser using the uploaded footage. Made for mornings! Order today.")
        #expect(plain.title == "Product teaser" && plain.captions == ["Made for mornings", "Order today"], "\(plain)")
        let quoted = PromptPlanner.words(in: #"Make a video titled "Spring launch" with the caption "Now shipping"."#)
        #expect(quoted.title == "Spring launch" && quoted.captions == ["Now shipping"])

        let media = [PlannerMedia(uploadName: "a.mp4", kind: .video, duration: 2), PlannerMedia(uploadName: "b.png", kind: .image),
                     PlannerMedia(uploadName: "bed.wav", kind: .audio, duration: 30)]
        let document = PromptPlanner.plan(prompt: "A 9 second teaser. Second line.", media: media, output: AVSTemplateV1.Output())
        #expect(NSDictionary(dictionary: document) == NSDictionary(dictionary: PromptPlanner.plan(prompt: "A 9 second teaser. Second line.",
                                                                                                  media: media, output: AVSTemplateV1.Output())),
                "deterministic")
        let blocks = ((document["template"] as? [String: Any])?["blocks"] as? [[String: Any]]) ?? []
        let pictures = blocks.filter { ["video", "image"].contains($0["type"] as? String) }
        let ends = pictures.map { ($0["start"] as? Double ?? 0) + ($0["duration"] as? Double ?? 0) }
        #expect(abs((ends.max() ?? 0) - 9) < 1e-9, "pictures fill the length exactly")
        #expect(pictures.filter { $0["type"] as? String == "video" }.allSatisfy { ($0["duration"] as? Double ?? 99) <= 2 + 1e-9 },
                "footage is never stretched past its length")
        for block in blocks {
            let start = block["start"] as? Double ?? 0, duration = block["duration"] as? Double ?? 0
            #expect(abs(start * 30 - (start * 30).rounded()) < 1e-6 && abs(duration * 30 - (duration * 30).rounded()) < 1e-6, "whole frames")
        }
        let data = try? JSONSerialization.data(withJSONObject: document)
        #expect((try? AVSTemplateV1.read(data ?? Data())) != nil, "the plan reads as a template")
    }
}
