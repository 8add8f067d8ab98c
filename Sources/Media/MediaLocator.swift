public import Timeline
public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Finds media on this machine: local paths as they are, http(s) URLs downloaded once into a
/// cache folder, within size, time and redirect limits.
public final class MediaLocator: @unchecked Sendable {
    /// Bounds on one download.
    public struct Limits: Sendable {
        /// Largest file accepted, in bytes.
        public var maximumBytes: Int64
        /// Seconds a whole download may take.
        public var timeout: TimeInterval
        public var maximumRedirects: Int

        public init(maximumBytes: Int64 = 2 << 30, timeout: TimeInterval = 120, maximumRedirects: Int = 5) {
            self.maximumBytes = maximumBytes
            self.timeout = timeout
            self.maximumRedirects = maximumRedirects
        }
    }

    public let cacheDirectory: String
    public let limits: Limits
    public let policy: NetworkPolicy
    /// Maps URLs this process serves itself (uploads) straight to their files.
    private let localResolver: @Sendable (String) -> String?
    private let lock = NSLock()

    /// The default cache: `$XDG_CACHE_HOME/reel/media`, or `~/.cache/reel/media`.
    public static var defaultCacheDirectory: String {
        let base = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
        return base + "/reel/media"
    }

    public init(cacheDirectory: String = MediaLocator.defaultCacheDirectory, limits: Limits = Limits(),
                policy: NetworkPolicy = NetworkPolicy(allowsPrivateNetwork: true),
                localResolver: @escaping @Sendable (String) -> String? = { _ in nil }) {
        self.cacheDirectory = cacheDirectory
        self.limits = limits
        self.policy = policy
        self.localResolver = localResolver
    }

    /// The local file for `source`, downloading it first when it is remote and not cached yet.
    public func localPath(for source: MediaSource) throws -> String {
        switch source {
        case .file(let path):
            return path
        case .url(let address):
            if let local = localResolver(address) { return local }
            guard let url = URL(string: address), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  url.host != nil else {
                throw MediaError("not an http(s) URL: \(address)")
            }
            lock.lock()
            defer { lock.unlock() }
            let cached = cacheDirectory + "/" + Self.cacheName(for: address)
            if FileManager.default.fileExists(atPath: cached) { return cached }
            try policy.check(url)
            try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
            try Download(url: url, limits: limits, policy: policy).run(to: cached)
            return cached
        }
    }

    /// A file name unique to `address` that keeps its extension (FFmpeg probes by content anyway).
    static func cacheName(for address: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in address.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let last = URL(string: address)?.lastPathComponent ?? ""
        let safe = String(last.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) }
            .map(Character.init).prefix(60))
        return String(hash, radix: 16) + (safe.isEmpty || safe.hasPrefix(".") ? "" : "-" + safe)
    }
}

/// One download into a file, with the locator's limits enforced as the bytes arrive.
private final class Download: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let url: URL
    let limits: MediaLocator.Limits
    let policy: NetworkPolicy
    private let done = DispatchSemaphore(value: 0)
    private var handle: FileHandle?
    private var received: Int64 = 0
    private var redirects = 0
    private var failure: String?

    init(url: URL, limits: MediaLocator.Limits, policy: NetworkPolicy) {
        self.url = url
        self.limits = limits
        self.policy = policy
    }

    func run(to destination: String) throws {
        let partial = destination + ".download"
        _ = FileManager.default.createFile(atPath: partial, contents: nil)
        handle = FileHandle(forWritingAtPath: partial)
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = min(30, limits.timeout)
        configuration.timeoutIntervalForResource = limits.timeout
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
        session.dataTask(with: url).resume()
        if done.wait(timeout: .now() + limits.timeout + 5) == .timedOut {
            failure = "timed out after \(Int(limits.timeout)) s"
            session.invalidateAndCancel()
        } else {
            session.finishTasksAndInvalidate()
        }
        try? handle?.close()
        if let failure { throw MediaError("cannot download \(url.absoluteString): \(failure)") }
        try FileManager.default.moveItem(atPath: partial, toPath: destination)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            failure = "HTTP \(http.statusCode)"
            completionHandler(.cancel)
        } else if response.expectedContentLength > limits.maximumBytes {
            failure = "the file is larger than the limit of \(limits.maximumBytes) bytes"
            completionHandler(.cancel)
        } else {
            completionHandler(.allow)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        received += Int64(data.count)
        guard received <= limits.maximumBytes else {
            failure = "the file is larger than the limit of \(limits.maximumBytes) bytes"
            dataTask.cancel()
            return
        }
        handle?.write(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        redirects += 1
        if let next = request.url, let refusal = Result(catching: { try policy.check(next) }).failureDescription {
            failure = "redirect refused: \(refusal)"
            completionHandler(nil)
            task.cancel()
        } else if redirects > limits.maximumRedirects {
            failure = "more than \(limits.maximumRedirects) redirects"
            completionHandler(nil)
            task.cancel()
        } else {
            completionHandler(request)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if failure == nil, let error { failure = error.localizedDescription }
        done.signal()
    }
}

extension Result where Failure == any Error {
    /// The error's text, if this is a failure.
    var failureDescription: String? {
        if case .failure(let error) = self { return "\(error)" }
        return nil
    }
}
