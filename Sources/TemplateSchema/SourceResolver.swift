public import Timeline
import Foundation

/// Decides what a document's `src` strings may name and where they point.
///
/// The CLI reads local files (relative paths against the config's folder): that is its job. The
/// server reads only URLs and the requesting account's own uploads, and refuses the rest with
/// the JSON path of the `src`.
public struct SourceResolver: Sendable {
    private let resolve: @Sendable (String) -> Result<MediaSource, SourceRefusal>

    /// A resolver from a function that maps a `src` string to a source or a refusal.
    public init(_ resolve: @escaping @Sendable (String) -> Result<MediaSource, SourceRefusal>) {
        self.resolve = resolve
    }

    /// Where `src` points, or why it may not be read.
    public func callAsFunction(_ src: String) -> Result<MediaSource, SourceRefusal> { resolve(src) }

    /// http(s) URLs as they are; `file://` URLs, absolute paths, and paths relative to `baseDirectory`.
    public static func localFiles(relativeTo baseDirectory: String) -> SourceResolver {
        SourceResolver { src in .success(localSource(src, baseDirectory: baseDirectory)) }
    }

    /// Whether `src` is an http(s) URL.
    public static func isRemote(_ src: String) -> Bool {
        let lowered = src.prefix(8).lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
    }

    static func localSource(_ src: String, baseDirectory: String) -> MediaSource {
        if isRemote(src) { return .url(src) }
        if src.lowercased().hasPrefix("file://"), let url = URL(string: src) { return .file(url.path) }
        if src.hasPrefix("/") { return .file(src) }
        return .file(URL(fileURLWithPath: baseDirectory).appendingPathComponent(src).standardized.path)
    }
}

/// Why a `src` may not be read, in words for the person who wrote it.
public struct SourceRefusal: Error, Sendable, Equatable {
    public let reason: String

    public init(_ reason: String) { self.reason = reason }
}
