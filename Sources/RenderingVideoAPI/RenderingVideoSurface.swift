import Foundation
public import Hummingbird
public import ServerKit
public import Store
import TemplateSchema

extension APISurface {
    /// RenderingVideo keys: `sk-<16-character id><32-character secret>`.
    public static let renderingvideo = APISurface(name: "renderingvideo", keyFormat: KeyFormat(prefix: "sk-", separator: ""))
}

/// The RenderingVideo API: tasks that are created, then rendered; uploads, files, previews and
/// credits (docs/server.md).
public struct RenderingVideoSurface: SurfaceModule {
    let service: ReelService

    public init(service: ReelService) { self.service = service }

    public static var keySurface: APISurface { .renderingvideo }

    public func register(on router: Router<ReelRequestContext>) {
        RenderingVideoRoutes(service: service).register(on: router)
    }

    public var openAPI: OpenAPIContribution { RenderingVideoOpenAPI.contribution }

    /// Tasks have the preview pages (`previewUrl`, `viewerUrl`, `configUrl` of the task object).
    public var servesTaskPages: Bool { true }

    /// `{taskId, renderTaskId, status, error, timestamp, videoUrl?}`, unsigned, eight attempts.
    public func webhook(for job: JobRecord, task: TaskRecord) -> WebhookDelivery? {
        guard let url = job.webhookURL else { return nil }
        let status = job.status == .completed ? "completed" : "failed"
        var payload: [String: Any] = ["taskId": job.taskId, "renderTaskId": job.id, "status": status,
                                      "error": job.error ?? NSNull(), "timestamp": Timestamp.now]
        if job.status == .completed {
            payload["videoUrl"] = service.videoURL(taskID: job.taskId, origin: service.configuredOrigin).url
        }
        guard let data = try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .withoutEscapingSlashes]) else { return nil }
        return WebhookDelivery(url: url, body: String(decoding: data, as: UTF8.self), maxAttempts: 8)
    }
}

/// The RenderingVideo error envelope: `{success: false, error, code, details?}` with the API's codes.
public struct RenderingVideoEnvelope: ErrorEnvelope {
    public init() {}

    public func body(for error: APIError) -> [String: Any] { ServerEnvelope().body(for: error) }

    public func apiError(for error: StoreError) -> APIError {
        switch error.kind {
        case .notFound: .notFound(error.description)
        case .conflict: APIError(.badRequest, code: "ALREADY_RENDERING", error.description)
        case .limitExceeded: APIError(.badRequest, code: "STORAGE_LIMIT_EXCEEDED", error.description)
        case .insufficientCredits: APIError(APIError.paymentRequired, code: "INSUFFICIENT_CREDITS", error.description)
        case .invalid: .invalidRequest(error.description)
        }
    }
}

/// The RenderingVideo cost rule: ceil(duration × multiplier), the multiplier set by the short
/// edge of the canvas.
public enum Pricing {
    public static func quality(width: Int, height: Int) -> (label: String, multiplier: Double) {
        let shortEdge = min(width, height)
        if shortEdge >= 1440 { return ("2K", 2.0) }
        if shortEdge >= 1080 { return ("1080p", 1.5) }
        return ("720p", 1.0)
    }

    public static func cost(width: Int, height: Int, duration: Double) -> Int {
        Int(saturating: (duration * quality(width: width, height: height).multiplier - 1e-9).rounded(.up))
    }
}
