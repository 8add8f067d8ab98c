public import Timeline
public import struct Foundation.Data
import Foundation

/// Decides what a document's `src` strings may name and where they point.
///
/// The CLI reads local files (relative paths against the config's folder): that is its job. The
/// server reads only URLs and the requesting account's own uploads, and refuses the rest with
/// the JSON path of the `src`.
public struct SourceResolver: Sendable {
    private let resolve: @Sendable (String) -> Result<MediaSource, SourceRefusal>
    private let reader: @Sendable (MediaSource) throws -> Data

    /// A resolver from a function that maps a `src` string to a source or a refusal. `read`
    /// fetches the few files lowering itself needs (a subtitle's caption file); by default it
    /// reads local files only.
    public init(_ resolve: @escaping @Sendable (String) -> Result<MediaSource, SourceRefusal>,
                read: @escaping @Sendable (MediaSource) throws -> Data = SourceResolver.readLocalFile) {
        self.resolve = resolve
        reader = read
    }

    /// Where `src` points, or why it may not be read.
    public func callAsFunction(_ src: String) -> Result<MediaSource, SourceRefusal> { resolve(src) }

    /// The bytes of a resolved source that lowering needs (a caption file).
    public func read(_ source: MediaSource) throws -> Data { try reader(source) }

    /// The same resolver, reading files with `read` (e.g. through the media locator, which
    /// fetches URLs under the outbound network policy and caches them).
    public func reading(with read: @escaping @Sendable (MediaSource) throws -> Data) -> SourceResolver {
        SourceResolver(resolve, read: read)
    }

    /// The most bytes a file read while lowering may have.
    public static let largestReadFile = 10 * 1024 * 1024

    /// Reads a local file of at most `largestReadFile` bytes; a URL needs a reader that fetches.
    @Sendable public static func readLocalFile(_ source: MediaSource) throws -> Data {
        guard case .file(let path) = source else {
            throw SourceRefusal("remote files are not fetched here: \(source)")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw SourceRefusal("cannot read \(path)") }
        defer { try? handle.close() }
        // Never more than the limit and a byte, whatever the file is (a FIFO, a device).
        let data: Data
        do { data = try handle.read(upToCount: largestReadFile + 1) ?? Data() } catch {
            throw SourceRefusal("cannot read \(path): \(error.localizedDescription)")
        }
        guard data.count <= largestReadFile else { throw SourceRefusal("the file is over \(largestReadFile) bytes, the most read") }
        return data
    }

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
public struct SourceRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String { reason }

    public let reason: String

    public init(_ reason: String) { self.reason = reason }
}
