import Foundation

/// `GET /openapi.json`: every route of the server, in OpenAPI 3.0.
enum OpenAPIDocument {
    struct Operation {
        var method: String
        var path: String
        var summary: String
        var tag: String
        var secured = true
        var parameters: [[String: Any]] = []
        var body: String? = nil
        var success = "Success"
        var successType = "application/json"
        var errors: [Int] = [400, 401, 404]
    }

    static var operations: [Operation] { [
        Operation(method: "get", path: "/healthz", summary: "Health check", tag: "server", secured: false, errors: []),
        Operation(method: "get", path: "/api/v1/capabilities", summary: "What this deployment renders", tag: "renderingvideo", errors: [401]),
        Operation(method: "post", path: "/api/v1/video", summary: "Create a task (does not render)", tag: "renderingvideo",
                  body: "TaskCreate", errors: [400, 401]),
        Operation(method: "get", path: "/api/v1/video", summary: "List tasks", tag: "renderingvideo",
                  parameters: [query("page", "integer"), query("limit", "integer"), query("status", "string"), query("category", "string")],
                  errors: [400, 401]),
        Operation(method: "get", path: "/api/v1/video/{taskId}", summary: "Task detail", tag: "renderingvideo", parameters: [path("taskId")]),
        Operation(method: "delete", path: "/api/v1/video/{taskId}", summary: "Delete a task and its renders", tag: "renderingvideo",
                  parameters: [path("taskId")]),
        Operation(method: "post", path: "/api/v1/video/{taskId}/render", summary: "Start rendering (reserves credits)", tag: "renderingvideo",
                  parameters: [path("taskId")], body: "RenderRequest", errors: [400, 401, 402, 404]),
        Operation(method: "post", path: "/api/v1/upload", summary: "Upload files (multipart: file or files)", tag: "renderingvideo",
                  body: "multipart", errors: [400, 401, 413]),
        Operation(method: "get", path: "/api/v1/files", summary: "List uploaded files", tag: "renderingvideo",
                  parameters: [query("page", "integer"), query("limit", "integer"), query("type", "string")], errors: [400, 401]),
        Operation(method: "delete", path: "/api/v1/files/{fileId}", summary: "Delete a file", tag: "renderingvideo", parameters: [path("fileId")]),
        Operation(method: "get", path: "/api/v1/credits", summary: "Credit balance", tag: "renderingvideo", errors: [401]),
        Operation(method: "post", path: "/api/v1/preview", summary: "Create a 7-day preview (body: the schema)", tag: "renderingvideo",
                  body: "Schema", errors: [400, 401]),
        Operation(method: "get", path: "/api/v1/preview/{tempId}", summary: "Read a preview's config", tag: "renderingvideo", parameters: [path("tempId")]),
        Operation(method: "delete", path: "/api/v1/preview/{tempId}", summary: "Delete a preview", tag: "renderingvideo", parameters: [path("tempId")]),
        Operation(method: "post", path: "/api/v1/preview/{tempId}/convert", summary: "Copy a preview into a task", tag: "renderingvideo",
                  parameters: [path("tempId")], body: "ConvertRequest"),
        Operation(method: "post", path: "/api/v1/preview/{tempId}/render", summary: "Convert a preview and render it", tag: "renderingvideo",
                  parameters: [path("tempId")], body: "RenderRequest", errors: [400, 401, 402, 404]),
        Operation(method: "get", path: "/videos/{file}", summary: "A rendered video by signed link (supports Range)", tag: "public",
                  secured: false, parameters: [path("file"), query("expires", "integer"), query("sig", "string")],
                  success: "The MP4 (206 for a range)", successType: "video/mp4", errors: [403, 404]),
        Operation(method: "get", path: "/uploads/{fileId}/{name}", summary: "An uploaded file", tag: "public", secured: false,
                  parameters: [path("fileId"), path("name")], success: "The file", successType: "application/octet-stream", errors: [404]),
        Operation(method: "get", path: "/t/{id}", summary: "Preview page of a preview or task", tag: "public", secured: false,
                  parameters: [path("id")], success: "HTML page", successType: "text/html", errors: [404]),
        Operation(method: "get", path: "/preview/{id}", summary: "Preview page (viewer URL)", tag: "public", secured: false,
                  parameters: [path("id")], success: "HTML page", successType: "text/html", errors: [404]),
        Operation(method: "get", path: "/preview/{id}/frame.png", summary: "One frame of a preview or task as PNG", tag: "public",
                  secured: false, parameters: [path("id"), query("t", "number")], success: "PNG", successType: "image/png", errors: [400, 404, 429]),
        Operation(method: "get", path: "/preview/{id}/config.json", summary: "The config of a preview or task", tag: "public",
                  secured: false, parameters: [path("id")], errors: [404]),
    ] }

    static func query(_ name: String, _ type: String) -> [String: Any] {
        ["name": name, "in": "query", "required": false, "schema": ["type": type]]
    }

    static func path(_ name: String) -> [String: Any] {
        ["name": name, "in": "path", "required": true, "schema": ["type": "string"]]
    }

    static var document: [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            var responses: [String: Any] = ["200": ["description": operation.success,
                                                    "content": [operation.successType: ["schema": operation.successType == "application/json"
                                                        ? ["$ref": "#/components/schemas/Success"] as [String: Any] : ["type": "string", "format": "binary"]]]]]
            // Every keyed route is rate limited, and every JSON body has a size limit (docs/server.md, "Limits").
            var errors = operation.errors
            if operation.secured { errors.append(429) }
            if let body = operation.body, body != "multipart" { errors.append(413) }
            for status in Set(errors) {
                var response: [String: Any] = ["description": "Error", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
                if status == 429 {
                    response["description"] = "Rate limited (RATE_LIMITED)"
                    response["headers"] = ["Retry-After": ["description": "Seconds until a request may succeed", "schema": ["type": "integer"]]]
                }
                responses["\(status)"] = response
            }
            var entry: [String: Any] = ["summary": operation.summary, "tags": [operation.tag], "responses": responses,
                                        "operationId": operation.method + operation.path.replacingOccurrences(of: "[^A-Za-z0-9]+", with: "_", options: .regularExpression)]
            if !operation.parameters.isEmpty { entry["parameters"] = operation.parameters }
            if !operation.secured { entry["security"] = [] as [Any] }
            if let body = operation.body {
                entry["requestBody"] = body == "multipart"
                    ? ["required": true, "content": ["multipart/form-data": ["schema": ["type": "object", "properties": [
                        "file": ["type": "string", "format": "binary"],
                        "files": ["type": "array", "items": ["type": "string", "format": "binary"]]]]]]]
                    : ["required": body != "RenderRequest" && body != "ConvertRequest",
                       "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(body)"]]]]
            }
            paths[operation.path, default: [:]][operation.method] = entry
        }
        let object: [String: Any] = ["type": "object"]
        return [
            "openapi": "3.0.3",
            "info": ["title": "Reel", "version": ReelService.version,
                     "description": "Self-hosted video rendering: the RenderingVideo API surface."],
            "paths": paths,
            "security": [["bearer": [] as [Any]], ["apiKeyHeader": [] as [Any]], ["apiKeyQuery": [] as [Any]]],
            "components": [
                "securitySchemes": [
                    "bearer": ["type": "http", "scheme": "bearer", "description": "Authorization: Bearer sk-… (or Token sk-…)"],
                    "apiKeyHeader": ["type": "apiKey", "in": "header", "name": "X-API-Key"],
                    "apiKeyQuery": ["type": "apiKey", "in": "query", "name": "api_key"],
                ],
                "schemas": [
                    "Success": ["type": "object", "properties": ["success": ["type": "boolean"]], "additionalProperties": true],
                    "Error": ["type": "object", "required": ["success", "error", "code"],
                              "properties": ["success": ["type": "boolean"], "error": ["type": "string"], "code": ["type": "string"],
                                             "details": object]],
                    "Schema": ["type": "object", "required": ["meta", "tracks"],
                               "properties": ["meta": object, "assets": object, "tracks": ["type": "array", "items": object]]],
                    "TaskCreate": ["type": "object", "required": ["config"],
                                   "properties": ["config": ["$ref": "#/components/schemas/Schema"], "metadata": object,
                                                  "title": ["type": "string"], "category": ["type": "string"]]],
                    "RenderRequest": ["type": "object", "properties": ["webhook_url": ["type": "string", "format": "uri"],
                                                                       "num_workers": ["type": "integer", "minimum": 1],
                                                                       "category": ["type": "string"], "metadata": object]],
                    "ConvertRequest": ["type": "object", "properties": ["category": ["type": "string"], "metadata": object]],
                ],
            ],
        ]
    }

    static let json: String = {
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }()
}
