public import Foundation
public import Hummingbird
public import Logging
import Store
import HTTPTypes

/// How `reel serve` writes its log: one JSON object a line (for collectors), or text for people.
public enum LogFormat: String, Sendable, CaseIterable {
    case json, text
}

/// A log handler writing each message as one line on standard error, JSON or text, with every
/// secret taken out first (`Redaction`): API keys, bearer tokens, link signatures, claim tokens
/// and secrets in query strings never reach the log, whatever a message or its metadata holds.
/// Lines written while a request is handled carry its `request_id` (`RequestTrace`).
public struct ReelLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let format: LogFormat

    public init(label: String, format: LogFormat, level: Logger.Level = .info) {
        self.label = label
        self.format = format
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        // A line logged while a request is handled carries its id, whichever logger wrote it.
        if fields["request_id"] == nil, let request = RequestTrace.requestID { fields["request_id"] = .string(request) }
        let line = Self.line(format: format, label: label, level: event.level, message: "\(event.message)", metadata: fields, date: Date())
        Self.output.write(line)
    }

    /// One log line, secrets redacted, ending in a newline.
    static func line(format: LogFormat, label: String, level: Logger.Level, message: String, metadata: Logger.Metadata, date: Date) -> String {
        let time = Timestamp.string(date)
        switch format {
        case .json:
            var object: [String: Any] = ["time": time, "level": level.rawValue, "logger": label, "message": Redaction.scrub(message)]
            for (key, value) in metadata { object[key] = Redaction.scrub("\(value)") }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self) + "\n"
        case .text:
            let fields = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\(Redaction.scrub("\($0.value)"))" }.joined(separator: " ")
            return "\(time) \(level.rawValue.uppercased()) \(label): \(Redaction.scrub(message))\(fields.isEmpty ? "" : " " + fields)\n"
        }
    }

    /// Lines from every thread go out whole, one at a time.
    static let output = LineWriter()

    final class LineWriter: @unchecked Sendable {
        private let lock = NSLock()
        func write(_ line: String) {
            lock.lock()
            defer { lock.unlock() }
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}

/// Takes secrets out of text bound for the log.
public enum Redaction {
    /// Query parameters whose values are secrets (compared without case).
    static let secretParameters: Set<String> = [
        "sig", "signature", "token", "claim_token", "key", "api_key", "apikey", "access_token", "secret", "password",
        "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature", "auth",
    ]

    private static let queryValue = try? NSRegularExpression(pattern: #"([?&;])([A-Za-z0-9_.%\-]+)=([^&#\s"']*)"#)
    private static let bearer = try? NSRegularExpression(pattern: #"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+"#)
    /// The three surfaces' key spellings: `sk-<48>`, `avs.<id>.<secret>`, `fvs_<id>_<secret>`.
    private static let apiKey = try? NSRegularExpression(pattern: #"(sk-|avs\.|fvs_)[A-Za-z0-9]{8,}([._][A-Za-z0-9]{8,})?"#)
    /// The user part of a URL (`https://user:password@host`).
    private static let userInfo = try? NSRegularExpression(pattern: #"([A-Za-z][A-Za-z0-9+.\-]*://)[^/\s@?#]+@"#)

    /// `text` with secret query values (their names read percent-decoded), credentials after
    /// `Bearer`/`Basic`, the user parts of URLs and API keys replaced.
    public static func scrub(_ text: String) -> String {
        guard text.contains(where: { $0 == "=" || $0 == "-" || $0 == "." || $0 == "_" || $0 == " " }) else { return text }
        var result = text
        if let bearer { result = replace(bearer, in: result, with: "$1 [redacted]") }
        if let apiKey { result = replace(apiKey, in: result, with: "$1[redacted]") }
        if let userInfo { result = replace(userInfo, in: result, with: "$1[redacted]@") }
        if let queryValue {
            let range = NSRange(result.startIndex..., in: result)
            var rebuilt = "", cursor = result.startIndex
            for match in queryValue.matches(in: result, range: range) {
                guard let whole = Range(match.range, in: result), let name = Range(match.range(at: 2), in: result),
                      let value = Range(match.range(at: 3), in: result),
                      secretParameters.contains((result[name].removingPercentEncoding ?? String(result[name])).lowercased()),
                      !result[value].isEmpty else { continue }
                rebuilt += result[cursor..<value.lowerBound] + "[redacted]"
                cursor = whole.upperBound
            }
            result = rebuilt + result[cursor...]
        }
        return result
    }

    private static func replace(_ expression: NSRegularExpression, in text: String, with template: String) -> String {
        expression.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }
}

/// Gives every request an id (the client's `X-Request-Id` when it is a plain token, else a new
/// one), answers it in `X-Request-Id`, tags the request's log lines and the jobs it creates with
/// it (`RequestTrace`), and logs one line per request: method, path (query secrets redacted),
/// route, status and duration.
public struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Logs through each request's own logger (`context.logger`).
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = Self.requestID(request.headers[.xRequestID])
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        let start = ContinuousClock.now
        let logger = context.logger
        do {
            var response = try await RequestTrace.$requestID.withValue(id) { try await next(request, context) }
            response.headers[.xRequestID] = id
            log(logger, request, context, status: response.status.code, since: start)
            return response
        } catch {
            log(logger, request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: start)
            throw error
        }
    }

    private func log(_ logger: Logger, _ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let milliseconds = (ContinuousClock.now - start).seconds * 1000
        logger.log(level: status >= 500 ? .error : .info, "request", metadata: [
            "method": .string(request.method.rawValue), "path": .string(request.uri.description),
            "route": .string(context.endpointPath ?? "NotFound"), "status": .stringConvertible(status),
            "duration_ms": .string(String(format: "%.1f", milliseconds)),
        ])
    }

    /// The client's id when it is 1–64 ASCII letters, digits, `-`, `_` or `.`; else a new one.
    static func requestID(_ presented: String?) -> String {
        if let presented, (1...64).contains(presented.utf8.count), presented.utf8.allSatisfy(requestIDCharacters.contains) {
            return presented
        }
        return "req_" + Identifier.make(16)
    }
}

/// What a client's request id may be spelled with.
private let requestIDCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.".utf8)

extension HTTPField.Name {
    static let xRequestID = Self("X-Request-Id")!
}
