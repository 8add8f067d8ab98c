public import Foundation
public import Hummingbird
import NIOCore
public import Store

extension ReelService {
    /// A job's progress as server-sent events (`text/event-stream`), for the surfaces' `…/events`
    /// routes. The job is read from the store every 250 ms (so renders in any process are seen);
    /// each change is an event named by the job's state: `queued`, `running`, then one of
    /// `completed`, `failed` or `cancelled`, after which the stream ends. The data is JSON:
    /// `{jobId, status, phase, percent, fps, eta, error}` (fps and eta while rendering). A comment
    /// every 15 s keeps proxies from closing a quiet stream; the stream also ends, with an event
    /// `gone`, when the job or its task is deleted, when the client goes, and when the server
    /// shuts down. At most 256 streams are open at once (then 429).
    /// `lookup` reads the job to report (nil when there is none, or it is not the caller's).
    public func progressEvents(_ lookup: @escaping @Sendable () throws -> JobRecord?) throws -> Response {
        guard let first = try lookup() else { throw APIError.notFound("no such job") }
        guard eventStreams.take() else {
            throw APIError(.tooManyRequests, code: "RATE_LIMITED", "the server has as many event streams open as it keeps; retry in 5 s, or poll",
                           details: ["retryAfter": 5], retryAfter: 5)
        }
        let (draining, slots) = (self.draining, eventStreams)
        let body = ResponseBody { writer in
            defer { slots.give() }
            var last: String?
            var job: JobRecord? = first
            var quiet = ContinuousClock.now
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            while let current = job {
                let data = Self.eventData(current)
                if data != last {
                    try await writer.write(ByteBuffer(string: "event: \(current.status.rawValue)\ndata: \(data)\n\n"))
                    last = data
                    quiet = .now
                }
                if current.status.isFinished || draining.value { break }
                if ContinuousClock.now - quiet > .seconds(15) {
                    try await writer.write(ByteBuffer(string: ": still \(current.status.rawValue)\n\n"))
                    quiet = .now
                }
                try await Task.sleep(for: .milliseconds(250))
                job = (try? lookup()) ?? nil
                if job == nil {
                    try await writer.write(ByteBuffer(string: "event: gone\ndata: {\"jobId\":\"\(current.id)\",\"status\":\"gone\"}\n\n"))
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no"],
                        body: body)
    }

    static func eventData(_ job: JobRecord) -> String {
        var fields: [String: Any] = ["jobId": job.id, "status": job.status.rawValue, "phase": job.phase.rawValue,
                                     "percent": (job.progress * 1000).rounded() / 10]
        if job.status == .running, let fps = job.fps { fields["fps"] = (fps * 10).rounded() / 10 }
        if job.status == .running, let eta = job.eta { fields["eta"] = (eta * 10).rounded() / 10 }
        if let error = job.error { fields["error"] = error }
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
