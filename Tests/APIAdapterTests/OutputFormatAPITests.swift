@testable import APIAdapter
import Foundation
import HTTPTypes
import Media
import NIOCore
import Testing

/// The RenderingVideo render request's `output_format` and `poster_at` (Reel's extension of the API).
@Suite struct OutputFormatAPITests {
    /// The path and query of a link the API gave.
    func path(of url: String) -> String {
        String(url.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" })
    }

    /// A GIF render: the task says its format and type, the signed link ends `.gif` and serves
    /// `image/gif`, and the file reads back through libavformat with every frame. Asking again
    /// for the same format is a no-op; another format (a poster) is a new render.
    @Test func theFormatOptionSetsTheFileAndItsType() async throws {
        let harness = try Harness(credits: 10)
        try await harness.run(background: true) { client in
            let id = try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config(seconds: 1)])["taskId"] as? String)
            let started = try await client.send(.post, "/api/v1/video/\(id)/render", json: ["output_format": "gif"])
            #expect(started.status == 200 && started["status"] as? String == "rendering", "\(started.json)")
            #expect(started["outputFormat"] as? String == "gif")
            let done = try await client.waitForRender(id)
            #expect(done["status"] as? String == "completed", "\(done.json)")
            #expect(done["outputFormat"] as? String == "gif" && done["mimeType"] as? String == "image/gif")
            let link = try #require(done["videoUrl"] as? String)
            #expect(link.contains("/videos/\(id).gif?expires="), "\(link)")
            let file = try await client.send(.get, path(of: link), key: .some(nil))
            #expect(file.status == 200 && file.headers[.contentType] == "image/gif")
            let bytes = Data(buffer: file.body)
            #expect(bytes.starts(with: Array("GIF89a".utf8)))
            let saved = harness.folder + "/downloaded.gif"
            try bytes.write(to: URL(fileURLWithPath: saved))
            let video = try #require(try MediaProbe.probe(path: saved).videoStreams.first)
            #expect(video.codecName == "gif" && video.width == 64 && video.height == 36)
            let reader = try VideoFrameReader(path: saved)
            var frames = 0
            while try reader.nextFrame() != nil { frames += 1 }
            #expect(frames == 10)

            let again = try await client.send(.post, "/api/v1/video/\(id)/render", json: ["output_format": "gif"])
            #expect(again["alreadyRendered"] as? Bool == true && again["cost"] as? Int == 0)
            let poster = try await client.send(.post, "/api/v1/video/\(id)/render", json: ["output_format": "png", "poster_at": 0.5])
            #expect(poster["alreadyRendered"] == nil && poster["cost"] as? Int == 1, "another format is another render: \(poster.json)")
            let still = try await client.waitForRender(id)
            #expect(still["outputFormat"] as? String == "png" && still["mimeType"] as? String == "image/png")
            let stillLink = try #require(still["videoUrl"] as? String)
            #expect(stillLink.contains("/videos/\(id).png?"))
            let image = try await client.send(.get, path(of: stillLink), key: .some(nil))
            #expect(image.headers[.contentType] == "image/png" && Data(buffer: image.body).starts(with: [0x89, 0x50, 0x4E, 0x47]))
            #expect(try await client.send(.get, "/api/v1/credits")["credits"] as? Int == 8)
        }
    }

    /// A PNG sequence comes as a ZIP archive that downloads as an attachment; a WebM keeps its type.
    @Test func sequencesAreArchivesAndWebMIsWebM() async throws {
        let harness = try Harness(credits: 10)
        try await harness.run(background: true) { client in
            for (format, fileExtension, type) in [("png-sequence", "zip", "application/zip"), ("webm", "webm", "video/webm")] {
                let id = try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config(seconds: 0.5)])["taskId"] as? String)
                #expect(try await client.send(.post, "/api/v1/video/\(id)/render", json: ["output_format": format]).status == 200)
                let done = try await client.waitForRender(id)
                let link = try #require(done["videoUrl"] as? String, "\(done.json)")
                #expect(link.contains("/videos/\(id).\(fileExtension)?"))
                let file = try await client.send(.get, path(of: link), key: .some(nil))
                #expect(file.status == 200 && file.headers[.contentType] == type)
                if fileExtension == "zip" {
                    #expect(file.headers[.contentDisposition]?.hasPrefix("attachment") == true)
                    #expect(Data(buffer: file.body).starts(with: [0x50, 0x4B, 0x03, 0x04]))
                } else {
                    #expect(Data(buffer: file.body).starts(with: [0x1A, 0x45, 0xDF, 0xA3]))
                }
            }
        }
    }

    /// Bad values are 400 INVALID_REQUEST naming the field, before anything is charged.
    @Test func badValuesNameTheirField() async throws {
        let harness = try Harness(credits: 10)
        try await harness.run { client in
            let id = try #require(try await client.send(.post, "/api/v1/video", json: ["config": Harness.config(seconds: 1)])["taskId"] as? String)
            let cases: [([String: Any], String)] = [
                (["output_format": "avi"], "output_format"),
                (["output_format": 4], "output_format"),
                (["output_format": "mp4", "poster_at": 0.5], "poster_at"),
                (["output_format": "png", "poster_at": 1], "poster_at"),
                (["output_format": "jpeg", "poster_at": -0.1], "poster_at"),
                (["output_format": "png", "poster_at": "0.5"], "poster_at"),
                (["output_format": "png", "poster_at": true], "poster_at"),
            ]
            for (body, field) in cases {
                let reply = try await client.send(.post, "/api/v1/video/\(id)/render", json: body)
                #expect(reply.status == 400 && reply.code == "INVALID_REQUEST", "\(body): \(reply.json)")
                #expect((reply["details"] as? [String: Any])?["field"] as? String == field, "\(body): \(reply.json)")
                #expect((reply["error"] as? String)?.contains(field) == true, "\(body): \(reply.json)")
            }
            #expect(try await client.send(.get, "/api/v1/credits")["credits"] as? Int == 10)
            #expect(try await client.send(.get, "/api/v1/video/\(id)")["status"] as? String == "created")
            let capabilities = try await client.send(.get, "/api/v1/capabilities")
            let formats = (capabilities["render"] as? [String: Any])?["outputFormats"] as? [String]
            #expect(formats == ["mp4", "hevc", "webm", "mov", "gif", "png-sequence", "png", "jpeg"])
        }
    }

    /// Links name only outputs: other extensions and names are not found.
    @Test func videoLinksServeOnlyOutputExtensions() async throws {
        let harness = try Harness()
        try await harness.run { client async throws in
            let signed = harness.service.videoURL(taskID: "abc", origin: "http://x", fileExtension: "exe").url
            #expect(try await client.send(.get, path(of: signed), key: .some(nil)).status == 404)
            let traversal = harness.service.videoURL(taskID: "..", origin: "http://x", fileExtension: "mp4").url
            #expect(try await client.send(.get, path(of: traversal), key: .some(nil)).status == 404)
        }
    }
}
