import Foundation
import LoopbackHTTP
import Media
import Render
import Testing
import Timeline

/// Bad footage and sound: each gives a clear error naming the clip and the source, and nothing
/// crashes or hangs.
@Suite struct MediaErrorTests {
    let folder = TemporaryFolder()

    func renderError(_ type: String, src: String) -> String? {
        let json = """
            { "meta": { "width": 32, "height": 32, "fps": 10 },
              "tracks": [ { "clips": [ { "type": "rect", "start": 0, "duration": 1, "transform": { "width": 4, "height": 4 } },
                                       { "type": "\(type)", "src": "\(src)", "start": 0, "duration": 1 } ] } ] }
            """
        do {
            let locator = MediaLocator(cacheDirectory: folder.file("cache"), limits: .init(timeout: 5))
            try Renderer(timeline: timeline(json), locator: locator).renderVideo(to: folder.file("out.mp4"))
            return nil
        } catch {
            #expect(!FileManager.default.fileExists(atPath: folder.file("out.mp4")))
            return "\(error)"
        }
    }

    @Test(arguments: ["video", "audio"])
    func aMissingFile(type: String) throws {
        let message = try #require(renderError(type, src: folder.file("nowhere.mp4")))
        #expect(message == "tracks[0].clips[1].src: file not found: \(folder.file("nowhere.mp4"))")
    }

    @Test(arguments: ["video", "audio"])
    func aCorruptFile(type: String) throws {
        let path = folder.file("noise.mp4")
        try Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }).write(to: URL(fileURLWithPath: path))
        let message = try #require(renderError(type, src: path))
        #expect(message.hasPrefix("tracks[0].clips[1].src: "), "\(message)")
        #expect(message.contains(path))
    }

    @Test func aTruncatedFile() throws {
        let whole = folder.file("whole.mp4")
        try MediaFixtures.video(at: whole, count: 60)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        // Cut inside the index (moov comes first): the file cannot be opened.
        let path = folder.file("cut.mp4")
        try bytes.prefix(200).write(to: URL(fileURLWithPath: path))
        let message = try #require(renderError("video", src: path))
        #expect(message.hasPrefix("tracks[0].clips[1].src: ") && message.contains(path), "\(message)")
        // Cut inside the media data: the index still reads, but it points past the end of the file.
        try bytes.prefix(bytes.count * 2 / 3).write(to: URL(fileURLWithPath: path))
        let late = try #require(renderError("video", src: path))
        #expect(late.hasPrefix("tracks[0].clips[1].src: truncated file: \(path) ends at byte "), "\(late)")
    }

    @Test func soundUsedAsAVideoClip() throws {
        let path = folder.file("tone.wav")
        try MediaFixtures.wav(at: path, samples: MediaFixtures.tone(seconds: 0.5))
        #expect(renderError("video", src: path) == "tracks[0].clips[1].src: no video stream in \(path)")
    }

    @Test func footageWithoutSoundUsedAsAnAudioClip() throws {
        let path = folder.file("silent.mp4")
        try MediaFixtures.video(at: path, count: 5)
        #expect(renderError("audio", src: path) == "tracks[0].clips[1].src: no audio stream in \(path)")
    }

    @Test func anUnreachableURL() throws {
        // Port 9 (discard) on loopback: nothing listens in the test environment.
        let message = try #require(renderError("video", src: "http://127.0.0.1:9/clip.mp4"))
        #expect(message.hasPrefix("tracks[0].clips[1].src: cannot download http://127.0.0.1:9/clip.mp4: "), "\(message)")
    }

    @Test func remoteMediaIsDownloadedOnceAndSizeLimited() throws {
        let path = folder.file("served.mp4")
        try MediaFixtures.video(at: path, count: 10)
        let body = try Data(contentsOf: URL(fileURLWithPath: path))
        let server = try LoopbackHTTPServer(routes: ["/clip.mp4": body, "/missing.mp4": nil])
        defer { server.stop() }
        let locator = MediaLocator(cacheDirectory: folder.file("cache"))
        let local = try locator.localPath(for: .url("\(server.base)/clip.mp4"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: local)) == body)
        #expect(try locator.localPath(for: .url("\(server.base)/clip.mp4")) == local)
        #expect(server.requestCount == 1, "the second use comes from the cache")

        let small = MediaLocator(cacheDirectory: folder.file("cache-small"), limits: .init(maximumBytes: 1000))
        #expect(throws: MediaError.self) { try small.localPath(for: .url("\(server.base)/clip.mp4")) }
        do {
            _ = try locator.localPath(for: .url("\(server.base)/missing.mp4"))
            Issue.record("a 404 downloaded")
        } catch {
            #expect("\(error)".contains("HTTP 404"))
        }
        #expect(throws: MediaError.self) { try locator.localPath(for: .url("ftp://example.com/a.mp4")) }
    }
}
