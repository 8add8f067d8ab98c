import Foundation
import Media
import ServerKit
import Store
import TemplateSchema
import Timeline

/// Compiles a render's brief into a RenderingVideo v2 document once its files are opened: each
/// file probed (picture, footage, sound; its length), the music's beats tracked in music mode,
/// then `ScreenplayCompiler`. Files uploaded without an `assets` entry are used as assets with no
/// label or purpose, after the listed ones.
struct ScreenplayGenerator: DocumentGenerator {
    let configuration: ServerConfiguration

    /// How a render's uploaded files are named in its documents (`upload:<basename>`).
    static let uploadPrefix = "upload:"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The brief, every file of the render (listed assets first), and the URLs of a quote's files
    /// by name (a quote's files are fetched from `upload_urls`, through the outbound policy).
    static func read(_ task: TaskRecord) throws -> (brief: FVSRenderRequest.Brief, names: [String], urls: [String: String]) {
        var brief = try FVSRenderRequest.read(Data((task.sourceDocument ?? task.config).utf8))
        let inputs = (try? JSONSerialization.jsonObject(with: Data((task.inputs ?? "{}").utf8))) as? [String: String] ?? [:]
        let metadata = (try? JSONSerialization.jsonObject(with: Data((task.metadata ?? "{}").utf8))) as? [String: Any] ?? [:]
        let urls = metadata["upload_urls"] as? [String: String] ?? [:]
        let uploaded = inputs.keys.filter { $0.hasPrefix(uploadPrefix) }.map { String($0.dropFirst(uploadPrefix.count)) } + urls.keys
        for name in uploaded.sorted() where !brief.assets.contains(where: { $0.filename == name }) {
            brief.assets.append(FVSRenderRequest.Asset(filename: name, label: nil, purpose: nil, path: JSONPath.root.appending("files")))
        }
        return (brief, brief.assets.map(\.filename), urls)
    }

    /// The `src` a file is written with: its URL for a quote's files, else the upload's name.
    static func source(_ name: String, urls: [String: String]) -> String {
        urls[name] ?? uploadPrefix + name
    }

    func media(of task: TaskRecord, sources: SourceResolver) throws -> [MediaSource] {
        let (_, names, urls) = try Self.read(task)
        return try names.map { name in
            switch sources(Self.source(name, urls: urls)) {
            case .success(let source): return source
            case .failure(let refusal): throw Failure(description: "\(name): \(refusal.reason)")
            }
        }
    }

    func generate(task: TaskRecord, imported: [ImportedMedia]) async throws -> GeneratedDocument {
        let (brief, names, urls) = try Self.read(task)
        guard names.count == imported.count else { throw Failure(description: "the render's files were not all opened") }
        let paths = Dictionary(uniqueKeysWithValues: zip(names, imported.map(\.path)))
        let heartbeat = LockedBox(Date())
        let result = await runOnThread(stallingAfter: configuration.renderStallTimeout, heartbeat: heartbeat) { () throws -> Data in
            try ScreenplayMedia.compile(brief, paths: paths, source: { Self.source($0, urls: urls) },
                                        progress: { heartbeat.value = Date() }).json
        }
        guard let result else { throw Failure(description: "reading the render's files stalled") }
        let document = try result.get()
        return GeneratedDocument(dialect: "renderingvideo-v2", document: String(decoding: document, as: UTF8.self))
    }
}
