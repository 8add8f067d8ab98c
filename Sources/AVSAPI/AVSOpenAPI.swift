import ServerKit

/// The AVS public API's part of `/openapi.json`.
enum AVSOpenAPI {
    static var contribution: OpenAPIContribution {
        OpenAPIContribution(
            tag: "avs", description: "The AVS public API v1: JSON-template and prompt jobs, polling, signed webhooks, R-Credits",
            operations: operations, schemas: schemas,
            securitySchemes: ["avsToken": ##"{"type": "http", "scheme": "bearer", "description": "Authorization: Bearer avs.<tokenId>.<secret>"}"##],
            security: ["avsToken"])
    }

    static let multipart: [(name: String, repeats: Bool, binary: Bool)] = [("request", false, false), ("files", true, true)]

    static var operations: [OpenAPIOperation] { [
        OpenAPIOperation(method: "post", path: "/api/v1/videos/from-json", summary: "Create a job from a Template JSON v1 document "
                         + "(JSON body, or multipart: request + files); answers 202 with the job", tag: "avs",
                         body: "AVSFromJSON", multipartFields: multipart, success: "The job, queued", successStatus: 202,
                         errors: [400, 401, 402, 413, 415], errorSchema: "AVSError"),
        OpenAPIOperation(method: "post", path: "/api/v1/videos/from-prompt", summary: "Create a job from a prompt and files "
                         + "(JSON body, or multipart: request + files); answers 202 with the job", tag: "avs",
                         body: "AVSFromPrompt", multipartFields: multipart, success: "The job, queued", successStatus: 202,
                         errors: [400, 401, 402, 413, 415], errorSchema: "AVSError"),
        OpenAPIOperation(method: "get", path: "/api/v1/jobs/{jobId}", summary: "A job: status, phase, error, result.downloadUrl",
                         tag: "avs", parameters: [.path("jobId")], success: "The job", errors: [401, 404], errorSchema: "AVSError"),
        OpenAPIOperation(method: "get", path: "/api/v1/jobs/{jobId}/events", summary: "The job's progress as server-sent events (status, phase, percent, fps, eta)",
                         tag: "avs", parameters: [.path("jobId")], success: "An event stream", successType: "text/event-stream",
                         errors: [401, 404], errorSchema: "AVSError"),
    ] }

    static let schemas: [String: String] = [
        "AVSError": ##"{"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}, "details": {"type": "object"}}}}}"##,
        "AVSWebhook": ##"{"type": "object", "required": ["url", "secret"], "properties": {"url": {"type": "string", "format": "uri"}, "secret": {"type": "string"}}}"##,
        "AVSOutput": ##"{"type": "object", "properties": {"aspectRatio": {"type": "string", "enum": ["16:9", "9:16", "1:1", "4:5"]}, "quality": {"type": "string", "enum": ["draft", "web", "studio"]}}}"##,
        "AVSTemplate": ##"{"type": "object", "required": ["version", "blocks"], "properties": {"version": {"type": "string", "enum": ["1"]}, "name": {"type": "string"}, "blocks": {"type": "array", "items": {"type": "object", "required": ["type", "start", "duration"], "properties": {"type": {"type": "string", "enum": ["video", "image", "text", "audio"]}, "start": {"type": "number"}, "duration": {"type": "number"}, "source": {"type": "object", "properties": {"url": {"type": "string"}, "uploadName": {"type": "string"}}}, "text": {"type": "string"}}}}}}"##,
        "AVSFromJSON": ##"{"type": "object", "required": ["template"], "properties": {"template": {"$ref": "#/components/schemas/AVSTemplate"}, "output": {"$ref": "#/components/schemas/AVSOutput"}, "webhook": {"$ref": "#/components/schemas/AVSWebhook"}, "numWorkers": {"type": "integer", "minimum": 1, "maximum": 64, "description": "Reel's own: workers the render may be split across (default 1)"}}}"##,
        "AVSFromPrompt": ##"{"type": "object", "required": ["prompt"], "properties": {"prompt": {"type": "string"}, "assetUrls": {"type": "array", "items": {"type": "string", "format": "uri"}}, "output": {"$ref": "#/components/schemas/AVSOutput"}, "webhook": {"$ref": "#/components/schemas/AVSWebhook"}, "numWorkers": {"type": "integer", "minimum": 1, "maximum": 64, "description": "Reel's own: workers the render may be split across (default 1)"}}}"##,
    ]
}
