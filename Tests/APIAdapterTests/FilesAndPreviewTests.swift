@testable import APIAdapter
import Foundation
import HTTPTypes
import Media
import NIOCore
@testable import Store
import Testing

@Suite struct UploadTests {
    func upload(_ client: Harness.Client, _ parts: [(String, String, Data)]) async throws -> Harness.Reply {
        try await client.upload(parts)
    }

    @Test func uploadListUseAndDelete() async throws {
        let harness = try Harness()
        let wav = Data("RIFF\u{0}\u{0}\u{0}\u{0}WAVEfmt ".utf8)
        try await harness.run(background: true) { client in
            // Type comes from content: a PNG named .txt is an image; a hostile name is cut to its last component.
            let single = try await upload(client, [("file", "../../etc/logo.txt", Harness.png)])
            #expect(single.status == 200 && single["count"] as? Int == 1, "\(single.json)")
            let asset = try #require((single["assets"] as? [[String: Any]])?.first)
            #expect(asset["type"] as? String == "image" && asset["mimeType"] as? String == "image/png")
            #expect(asset["name"] as? String == "logo.txt" && asset["size"] as? Int == Harness.png.count)
            let stored = try FileManager.default.contentsOfDirectory(atPath: harness.service.paths.uploads)
            #expect(stored.allSatisfy { $0.hasSuffix(".png") && !$0.contains("..") }, "\(stored)")
            let url = try #require(asset["url"] as? String)

            let many = try await upload(client, [("files", "a.png", Harness.png), ("files", "b.wav", wav)])
            #expect(many["count"] as? Int == 2)
            #expect((many["assets"] as? [[String: Any]])?.map { $0["type"] as? String } == ["image", "audio"])

            let listed = try await client.send(.get, "/api/v1/files?type=image&limit=1")
            #expect((listed["files"] as? [Any])?.count == 1 && (listed["pagination"] as? [String: Any])?["total"] as? Int == 2)
            #expect(try await client.send(.get, "/api/v1/files?type=font").code == "INVALID_REQUEST")

            // The returned URL works in a config.
            let config = Harness.config(clips: #"{ "type": "image", "src": "\#(url)", "start": 0, "duration": 1 }"#)
            let task = try #require(try await client.send(.post, "/api/v1/video", json: ["config": config])["taskId"] as? String)
            try await client.send(.post, "/api/v1/video/\(task)/render")
            #expect(try await client.waitForRender(task)["status"] as? String == "completed")

            let path = String(url.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" })
            #expect(try await client.send(.get, path, key: .some(nil)).body.readableBytes == Harness.png.count)
            let id = try #require(asset["id"] as? String)
            let deleted = try await client.send(.delete, "/api/v1/files/\(id)")
            #expect(deleted["deleted"] as? Bool == true && deleted["fileId"] as? String == id)
            #expect(try await client.send(.delete, "/api/v1/files/\(id)").status == 404)
            #expect(try await client.send(.get, path, key: .some(nil)).status == 404)
        }
    }

    @Test func badUploadsAreRefusedAndNothingIsKept() async throws {
        let harness = try Harness { $0.maximumUploadBytes = 4096 }
        try harness.service.database.store.write { try $0.execute("UPDATE accounts SET storage_quota = 300", []) }
        try await harness.run { client in
            let unsupported = try await upload(client, [("file", "notes.png", Data("hello, not an image".utf8))])
            #expect(unsupported.status == 400 && unsupported.code == "UNSUPPORTED_FILE_TYPE")
            let none = try await upload(client, [("other", "x.png", Harness.png)])
            #expect(none.status == 400 && none.code == "NO_FILES")
            let big = try await upload(client, [("file", "big.png", Harness.png + Data(count: 5000))])
            #expect(big.status == 413 && big.code == "FILE_TOO_LARGE")
            // Quota 300 bytes: the first PNG fits, the second does not, and the request keeps neither.
            let quota = try await upload(client, [("files", "a.png", Harness.png), ("files", "b.png", Harness.png + Data(count: 200))])
            #expect(quota.status == 400 && quota.code == "STORAGE_LIMIT_EXCEEDED", "\(quota.json)")
            #expect((try await client.send(.get, "/api/v1/files")["files"] as? [Any])?.count == 0)
            #expect(try FileManager.default.contentsOfDirectory(atPath: harness.service.paths.uploads).isEmpty)
            let notMultipart = try await client.send(.post, "/api/v1/upload", json: ["file": "x"])
            #expect(notMultipart.code == "INVALID_REQUEST")
        }
    }

    /// A glTF model uploaded like any media is a three clip's model on the server.
    @Test func anUploadedModelRendersInAThreeClip() async throws {
        let harness = try Harness()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let cube = try Data(contentsOf: root.appendingPathComponent("fixtures/models/cube.glb"))
        try await harness.run(background: true) { client in
            let asset = try #require((try await client.upload([("file", "cube.glb", cube)])["assets"] as? [[String: Any]])?.first)
            #expect(asset["type"] as? String == "model" && asset["mimeType"] as? String == "model/gltf-binary", "\(asset)")
            let url = try #require(asset["url"] as? String)
            let listed = try await client.send(.get, "/api/v1/files?type=model")
            #expect((listed["files"] as? [[String: Any]])?.count == 1)
            let clip = #"{ "type": "three", "start": 0, "duration": 0.5, "lights": [{ "type": "ambient", "intensity": 1 }], "#
                + #""objects": [{ "model": "\#(url)" }] }"#
            let created = try await client.send(.post, "/api/v1/video", json: ["config": Harness.config(clips: clip)])
            let id = try #require(created["taskId"] as? String, "\(created.json)")
            #expect(try await client.send(.post, "/api/v1/video/\(id)/render", json: [:]).status == 200)
            let done = try await client.waitForRender(id)
            #expect(done["status"] as? String == "completed", "\(done.json)")
        }
    }

    @Test func typesAreDetectedFromContent() {
        func type(_ bytes: [UInt8]) -> String? { DetectedType.detect(Data(bytes))?.mimeType }
        #expect(type([0xFF, 0xD8, 0xFF, 0xE0]) == "image/jpeg")
        #expect(type(Array("GIF89a".utf8)) == "image/gif")
        #expect(type(Array("RIFF\0\0\0\0WEBPVP8 ".utf8)) == "image/webp")
        #expect(type([0, 0, 0, 0x18] + Array("ftypmp42".utf8)) == "video/mp4")
        #expect(type([0, 0, 0, 0x18] + Array("ftypqt  ".utf8)) == "video/quicktime")
        #expect(type([0, 0, 0, 0x18] + Array("ftypavif".utf8)) == "image/avif")
        #expect(type([0, 0, 0, 0x18] + Array("ftypheic".utf8)) == "image/heic")
        #expect(type([0x1A, 0x45, 0xDF, 0xA3]) == "video/webm")
        #expect(type(Array("fLaC".utf8)) == "audio/flac")
        #expect(type(Array("ID3\u{3}".utf8)) == "audio/mpeg")
        #expect(type(Array("<svg xmlns='http://www.w3.org/2000/svg'/>".utf8)) == "image/svg+xml")
        #expect(type(Array("glTF".utf8) + [2, 0, 0, 0, 0x40, 0, 0, 0]) == "model/gltf-binary")
        #expect(type(Array("glTF".utf8) + [1, 0, 0, 0]) == nil)
        #expect(type(Array(#" {"asset": {"version": "2.0"}, "buffers": []}"#.utf8)) == "model/gltf+json")
        #expect(type(Array(#"{"name": "not a model"}"#.utf8)) == nil)
        #expect(type(Array("#!/bin/sh".utf8)) == nil)
    }
}

@Suite struct PreviewTests {
    @Test func createReadConvertRenderDelete() async throws {
        let harness = try Harness()
        try await harness.run(background: true) { client in
            let created = try await client.send(.post, "/api/v1/preview", json: Harness.config())
            #expect(created.status == 200)
            let id = try #require(created["tempId"] as? String)
            #expect(UUID(uuidString: id) != nil)
            #expect((created["previewUrl"] as? String)?.hasSuffix("/t/\(id)") == true)
            #expect((created["expiresIn"] as? String)?.contains("7 days") == true)
            // Early SDKs wrapped the schema in {config: …}.
            #expect(try await client.send(.post, "/api/v1/preview", json: ["config": Harness.config()]).status == 200)
            #expect(try await client.send(.post, "/api/v1/preview", json: ["meta": ["width": 3]]).code == "INVALID_CONFIG")

            let read = try await client.send(.get, "/api/v1/preview/\(id)")
            #expect((read["config"] as? [String: Any])?["meta"] != nil)

            let converted = try await client.send(.post, "/api/v1/preview/\(id)/convert", json: ["category": "demo"])
            #expect(converted["converted"] as? Bool == true && converted["category"] as? String == "demo")
            #expect(converted["status"] as? String == "created")
            let rendered = try await client.send(.post, "/api/v1/preview/\(id)/render")
            #expect(rendered["status"] as? String == "rendering" && rendered["converted"] as? Bool == true)
            let task = try #require(rendered["taskId"] as? String)
            #expect(try await client.waitForRender(task)["status"] as? String == "completed")
            #expect(try await client.send(.get, "/api/v1/preview/\(id)").status == 200, "a preview stays usable after converting")

            let deleted = try await client.send(.delete, "/api/v1/preview/\(id)")
            #expect(deleted["deleted"] as? Bool == true)
            #expect(try await client.send(.get, "/api/v1/preview/\(id)").code == "NOT_FOUND")
        }
    }

    @Test func previewsExpire() async throws {
        let harness = try Harness()
        let config = String(decoding: try JSONSerialization.data(withJSONObject: Harness.config()), as: UTF8.self)
        let live = try harness.service.database.insertPreview(account: harness.account.id, config: config, lifetime: 3600)
        let expired = try harness.service.database.insertPreview(account: harness.account.id, config: config, lifetime: -1)
        try await harness.run { client in
            let statuses = [
                try await client.send(.get, "/api/v1/preview/\(live.id)").status,
                try await client.send(.get, "/api/v1/preview/\(expired.id)").status,
                try await client.send(.get, "/t/\(expired.id)", key: .some(nil)).status,
                try await client.send(.post, "/api/v1/preview/\(expired.id)/convert").status,
            ]
            #expect(statuses == [200, 404, 404, 404], "only the live preview answers")
        }
        #expect(try harness.service.database.purgeExpiredPreviews() == 1)
        #expect(try harness.service.database.preview(id: live.id, account: nil).id == live.id)
    }

    @Test func thePageScrubsFramesFromTheCompositor() async throws {
        let harness = try Harness()
        try await harness.run { client in
            let config = Harness.config(seconds: 2, width: 1920, height: 1080,
                                        clips: #"{ "type": "rect", "start": 1, "duration": 1, "transform": { "width": 100, "height": 100 } }"#)
            let id = try #require(try await client.send(.post, "/api/v1/preview", json: config)["tempId"] as? String)
            let page = try await client.send(.get, "/t/\(id)", key: .some(nil))
            let html = String(buffer: page.body)
            #expect(page.status == 200 && page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(html.contains("type=\"range\"") && html.contains("/preview/\(id)/frame.png"))
            #expect(try await client.send(.get, "/preview/\(id)", key: .some(nil)).status == 200)

            let frame = try await client.send(.get, "/preview/\(id)/frame.png?t=1.5", key: .some(nil))
            #expect(frame.status == 200 && frame.headers[.contentType] == "image/png")
            let path = harness.folder + "/frame.png"
            try Data(buffer: frame.body).write(to: URL(fileURLWithPath: path))
            let image = try ImageDecoder.decode(path: path)
            #expect(image.width == 1920 && image.height == 1080)
            #expect(image.pixel(x: 960, y: 540) == SIMD4(255, 255, 255, 255), "the rect shows at 1.5 s")
            let early = try await client.send(.get, "/preview/\(id)/frame.png?t=0.5", key: .some(nil))
            try Data(buffer: early.body).write(to: URL(fileURLWithPath: path))
            #expect(try ImageDecoder.decode(path: path).pixel(x: 960, y: 540) == SIMD4(0, 0, 0, 255))
            #expect(try await client.send(.get, "/preview/\(id)/frame.png?t=-1", key: .some(nil)).status == 400)
            #expect(try await client.send(.get, "/preview/\(id)/config.json", key: .some(nil)).status == 200)
        }
    }
}

@Suite struct ServerRouteTests {
    @Test func healthCapabilitiesAndOpenAPI() async throws {
        let harness = try Harness()
        try await harness.run { client in
            #expect(try await client.send(.get, "/healthz", key: .some(nil))["status"] as? String == "ok")
            let capabilities = try await client.send(.get, "/api/v1/capabilities")
            let schema = try #require(capabilities["schema"] as? [String: Any])
            #expect((schema["clipTypes"] as? [String])?.contains("video") == true)
            #expect((schema["easingFunctions"] as? [String])?.count == 22)
            let openapi = try await client.send(.get, "/openapi.json", key: .some(nil))
            let paths = try #require(openapi["paths"] as? [String: Any])
            for path in ["/api/v1/video", "/api/v1/video/{taskId}", "/api/v1/video/{taskId}/render", "/api/v1/upload", "/api/v1/files",
                         "/api/v1/files/{fileId}", "/api/v1/credits", "/api/v1/preview", "/api/v1/preview/{tempId}",
                         "/api/v1/preview/{tempId}/convert", "/api/v1/preview/{tempId}/render", "/api/v1/capabilities",
                         "/videos/{file}", "/t/{id}", "/preview/{id}/frame.png"] {
                #expect(paths[path] != nil, "\(path) is described")
            }
            #expect(try await client.send(.get, "/no/such/route").status == 404)
        }
    }
}

/// An uploaded SRT file is a caption source: typed `subtitle` from its bytes, and a subtitle clip
/// names it by URL; the render reads it and highlights its words.
@Suite struct CaptionUploadTests {
    @Test func anUploadedSRTDrivesASubtitleClip() async throws {
        let harness = try Harness(credits: 10)
        let srt = Data("1\r\n00:00:00,000 --> 00:00:01,000\r\nMMM WWW\r\n".utf8)
        try await harness.run(background: true) { client in
            let uploaded = try await client.upload([("file", "talk.srt", srt)])
            let asset = try #require((uploaded["assets"] as? [[String: Any]])?.first, "\(uploaded.json)")
            #expect(asset["type"] as? String == "subtitle" && asset["mimeType"] as? String == "application/x-subrip")
            let url = try #require(asset["url"] as? String)
            #expect((try await client.send(.get, "/api/v1/files?type=subtitle")["files"] as? [Any])?.count == 1)
            let clip = ##"{ "type": "subtitle", "start": 0, "duration": 1, "words": { "src": "\##(url)" }, "config": { "fontSize": 40, "fadeInAnimation": false, "shadowColor": "#00000000", "position": "center", "textBoxWidth": 300 } }"##
            let config = Harness.config(seconds: 1, width: 320, height: 180, clips: clip)
            let task = try #require(try await client.send(.post, "/api/v1/video", json: ["config": config])["taskId"] as? String)
            try await client.send(.post, "/api/v1/video/\(task)/render")
            let done = try await client.waitForRender(task)
            #expect(done["status"] as? String == "completed", "\(done.json)")
            let videoURL = try #require(done["videoUrl"] as? String)
            let path = String(videoURL.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" })
            let video = try await client.send(.get, path, key: .some(nil))
            let file = NSTemporaryDirectory() + "reel-captions-\(UUID().uuidString).mp4"
            defer { try? FileManager.default.removeItem(atPath: file) }
            try Data(buffer: video.body).write(to: URL(fileURLWithPath: file))
            // At 0.75 s the second word is spoken: cyan on the right half, none on the left.
            let frame = try MediaLibrary().videoFrame(.file(file), player: "check", at: 0.75, fit: .fill, width: 320, height: 180)
            func cyan(_ x0: Int, _ x1: Int) -> Int {
                var count = 0
                for y in 0..<180 {
                    for x in x0..<x1 {
                        let p = frame.pixel(x: x, y: y)
                        if p.x < 90, p.y > 190, p.z > 190 { count += 1 }
                    }
                }
                return count
            }
            #expect(cyan(160, 320) > 100)
            #expect(cyan(0, 160) == 0)
            // A text that is not a caption file is refused at upload, whatever its name.
            let notCaptions = try await client.upload([("file", "notes.srt", Data("just some notes".utf8))])
            #expect(notCaptions.code == "UNSUPPORTED_FILE_TYPE")
        }
    }
}
