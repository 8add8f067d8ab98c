import ServerKit
import Timeline

/// The RenderingVideo API's part of `/openapi.json`.
enum RenderingVideoOpenAPI {
    static var contribution: OpenAPIContribution {
        OpenAPIContribution(
            tag: "renderingvideo", description: "The RenderingVideo API: tasks, renders, uploads, previews, credits",
            operations: operations, schemas: schemas,
            securitySchemes: [
                "bearer": ##"{"type": "http", "scheme": "bearer", "description": "Authorization: Bearer sk-… (or Token sk-…)"}"##,
                "apiKeyHeader": ##"{"type": "apiKey", "in": "header", "name": "X-API-Key"}"##,
                "apiKeyQuery": ##"{"type": "apiKey", "in": "query", "name": "api_key"}"##,
            ],
            security: ["bearer", "apiKeyHeader", "apiKeyQuery"])
    }

    static var operations: [OpenAPIOperation] { [
        OpenAPIOperation(method: "get", path: "/api/v1/capabilities", summary: "What this deployment renders", tag: "renderingvideo", errors: [401]),
        OpenAPIOperation(method: "post", path: "/api/v1/video", summary: "Create a task (does not render)", tag: "renderingvideo",
                  body: "TaskCreate", errors: [400, 401]),
        OpenAPIOperation(method: "get", path: "/api/v1/video", summary: "List tasks", tag: "renderingvideo",
                  parameters: [.query("page", "integer"), .query("limit", "integer"), .query("status", "string"), .query("category", "string")],
                  errors: [400, 401]),
        OpenAPIOperation(method: "get", path: "/api/v1/video/{taskId}", summary: "Task detail", tag: "renderingvideo", parameters: [.path("taskId")]),
        OpenAPIOperation(method: "get", path: "/api/v1/video/{taskId}/events",
                         summary: "The task's current render as server-sent events (status, phase, percent, fps, eta)", tag: "renderingvideo",
                         parameters: [.path("taskId")], success: "An event stream", successType: "text/event-stream"),
        OpenAPIOperation(method: "delete", path: "/api/v1/video/{taskId}", summary: "Delete a task and its renders", tag: "renderingvideo",
                  parameters: [.path("taskId")]),
        OpenAPIOperation(method: "post", path: "/api/v1/video/{taskId}/render", summary: "Start rendering (reserves credits)", tag: "renderingvideo",
                  parameters: [.path("taskId")], body: "RenderRequest", bodyRequired: false, errors: [400, 401, 402, 404]),
        OpenAPIOperation(method: "post", path: "/api/v1/upload", summary: "Upload files (multipart: file or files)", tag: "renderingvideo",
                  body: "multipart", multipartFields: [("file", false, true), ("files", true, true)], errors: [400, 401, 413]),
        OpenAPIOperation(method: "get", path: "/api/v1/files", summary: "List uploaded files", tag: "renderingvideo",
                  parameters: [.query("page", "integer"), .query("limit", "integer"), .query("type", "string")], errors: [400, 401]),
        OpenAPIOperation(method: "delete", path: "/api/v1/files/{fileId}", summary: "Delete a file", tag: "renderingvideo", parameters: [.path("fileId")]),
        OpenAPIOperation(method: "get", path: "/api/v1/credits", summary: "Credit balance", tag: "renderingvideo", errors: [401]),
        OpenAPIOperation(method: "post", path: "/api/v1/preview", summary: "Create a 7-day preview (body: the schema)", tag: "renderingvideo",
                  body: "Schema", errors: [400, 401]),
        OpenAPIOperation(method: "get", path: "/api/v1/preview/{tempId}", summary: "Read a preview's config", tag: "renderingvideo", parameters: [.path("tempId")]),
        OpenAPIOperation(method: "delete", path: "/api/v1/preview/{tempId}", summary: "Delete a preview", tag: "renderingvideo", parameters: [.path("tempId")]),
        OpenAPIOperation(method: "post", path: "/api/v1/preview/{tempId}/convert", summary: "Copy a preview into a task", tag: "renderingvideo",
                  parameters: [.path("tempId")], body: "ConvertRequest", bodyRequired: false),
        OpenAPIOperation(method: "post", path: "/api/v1/preview/{tempId}/render", summary: "Convert a preview and render it", tag: "renderingvideo",
                  parameters: [.path("tempId")], body: "RenderRequest", bodyRequired: false, errors: [400, 401, 402, 404]),
    ] }

    static let schemas: [String: String] = [
        "Error": ##"{"type": "object", "required": ["success", "error", "code"], "properties": {"success": {"type": "boolean"}, "error": {"type": "string"}, "code": {"type": "string"}, "details": {"type": "object"}}}"##,
        "Success": ##"{"type": "object", "properties": {"success": {"type": "boolean"}}, "additionalProperties": true}"##,
        "Schema": ##"{"type": "object", "required": ["meta", "tracks"], "properties": {"meta": {"type": "object"}, "assets": {"type": "object"}, "tracks": {"type": "array", "items": {"type": "object"}}}}"##,
        "TaskCreate": ##"{"type": "object", "required": ["config"], "properties": {"config": {"$ref": "#/components/schemas/Schema"}, "metadata": {"type": "object"}, "title": {"type": "string"}, "category": {"type": "string"}}}"##,
        "RenderRequest": ##"{"type": "object", "properties": {"webhook_url": {"type": "string", "format": "uri"}, "num_workers": {"type": "integer", "minimum": 1}, "category": {"type": "string"}, "metadata": {"type": "object"}, "output_format": {"type": "string", "enum": ["##
            + OutputFormat.allCases.map { "\"\($0.name)\"" }.joined(separator: ", ")
            + ##"], "default": "mp4", "description": "What the render writes (Reel's extension; docs/server.md, \"Output formats\"): mp4 (H.264 + AAC), hevc, webm (VP9 + Opus; alpha when meta.background is transparent), mov (ProRes 4444 + PCM; alpha likewise), gif, png-sequence (a ZIP of PNGs), png or jpeg (a poster: one frame)"}, "poster_at": {"type": "number", "minimum": 0, "description": "For png and jpeg: the poster's time in seconds, before the video's end; default the middle frame"}}}"##,
        "ConvertRequest": ##"{"type": "object", "properties": {"category": {"type": "string"}, "metadata": {"type": "object"}}}"##,
    ]
}
