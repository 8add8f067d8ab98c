import Compositor
import Foundation
import LoopbackHTTP
import Media
import Render
import TemplateSchema
import Testing
import Timeline

/// A font asset given by URL is fetched once through the media locator (its cache and limits)
/// and sets text exactly as the same file given locally.
@Suite struct RemoteFontTests {
    static let fontPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../fixtures/fonts/DejaVuSans.ttf").standardized.path

    static func document(fontSource: String?) -> String {
        let assets = fontSource.map { #""assets": {"fonts": [{"src": "\#($0)", "family": "Brand Remote"}]},"# } ?? ""
        return """
        { "meta": { "width": 240, "height": 80, "fps": 10, "background": "#000000" }, \(assets)
          "tracks": [ { "clips": [ { "type": "text", "start": 0, "duration": 1, "text": "Remote glyphs",
            "style": { "fontFamily": "Brand Remote", "fontSize": 30, "fill": "#ffffff" } } ] } ] }
        """
    }

    @Test func aRemoteFontSetsTextLikeTheLocalFile() throws {
        let folder = TemporaryFolder()
        let font = try Data(contentsOf: URL(fileURLWithPath: Self.fontPath))
        let server = try LoopbackHTTPServer(routes: ["/brand.ttf": font, "/gone.ttf": nil])
        defer { server.stop() }
        let locator = MediaLocator(cacheDirectory: folder.file("cache"))
        func render(_ json: String) throws -> (Raster, Renderer) {
            let timeline = try RenderingVideoV2.decode(Data(json.utf8)).lower(sources: .localFiles(relativeTo: "/"))
            let renderer = Renderer(timeline: timeline, locator: locator)
            try renderer.checkMedia()
            return (try renderer.frame(at: 0), renderer)
        }
        let (remote, remoteRenderer) = try render(Self.document(fontSource: "\(server.base)/brand.ttf"))
        let (local, _) = try render(Self.document(fontSource: Self.fontPath))
        let (fallback, fallbackRenderer) = try render(Self.document(fontSource: nil))
        #expect(remote.byteCount == local.byteCount && memcmp(remote.pixels, local.pixels, remote.byteCount) == 0)
        #expect(remoteRenderer.warnings.isEmpty, "the family was found")
        #expect(fallbackRenderer.warnings.contains { $0.contains("Brand Remote") })
        #expect(server.requestCount == 1)
        _ = try render(Self.document(fontSource: "\(server.base)/brand.ttf"))
        #expect(server.requestCount == 1, "the second render reads the cached copy")
        _ = fallback
        // A font that cannot be fetched fails the render up front, naming the family and URL.
        let timeline = try RenderingVideoV2.decode(Data(Self.document(fontSource: "\(server.base)/gone.ttf").utf8))
            .lower(sources: .localFiles(relativeTo: "/"))
        do {
            try Renderer(timeline: timeline, locator: locator).checkMedia()
            Issue.record("a missing remote font was accepted")
        } catch {
            #expect("\(error)".contains("Brand Remote") && "\(error)".contains("/gone.ttf"))
        }
    }
}
