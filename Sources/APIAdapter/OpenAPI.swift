import Foundation
import ServerKit

/// `GET /openapi.json`: the server's own routes and every surface's, in OpenAPI 3.0. Each keyed
/// route is rate limited (429 with `Retry-After`) and each JSON body has a size limit (413); see
/// docs/server.md, "Limits".
enum OpenAPIDocument {
    /// The routes outside every surface: health, signed links, uploads, the viewer.
    static var serverOperations: [OpenAPIOperation] { [
        ranged(OpenAPIOperation(method: "get", path: "/videos/{file}", summary: "A rendered video by signed link (supports Range)", tag: "public",
                  secured: false, parameters: [.path("file"), .query("expires", "integer"), .query("sig", "string")],
                  success: "The MP4", successType: "video/mp4", errors: [403, 404])),
        ranged(OpenAPIOperation(method: "get", path: "/uploads/{fileId}/{name}", summary: "An uploaded file (supports Range)", tag: "public", secured: false,
                  parameters: [.path("fileId"), .path("name")], success: "The file", successType: "application/octet-stream", errors: [404])),
        OpenAPIOperation(method: "get", path: "/t/{id}", summary: "Preview page of a preview or task", tag: "public", secured: false,
                  parameters: [.path("id")], success: "HTML page", successType: "text/html", errors: [404]),
        OpenAPIOperation(method: "get", path: "/preview/{id}", summary: "Preview page (viewer URL)", tag: "public", secured: false,
                  parameters: [.path("id")], success: "HTML page", successType: "text/html", errors: [404]),
        OpenAPIOperation(method: "get", path: "/preview/{id}/frame.png", summary: "One frame of a preview or task as PNG", tag: "public",
                  secured: false, parameters: [.path("id"), .query("t", "number")], success: "PNG", successType: "image/png", errors: [400, 404, 429]),
        OpenAPIOperation(method: "get", path: "/preview/{id}/config.json", summary: "The config of a preview or task", tag: "public",
                  secured: false, parameters: [.path("id")], errors: [404]),
        OpenAPIOperation(method: "get", path: "/healthz", summary: "Liveness: the process answers", tag: "server", secured: false, errors: []),
        OpenAPIOperation(method: "get", path: "/readyz", summary: "Readiness: the store answers, the workers run, the server is not shutting down",
                  tag: "server", secured: false, success: "Ready (503 with the failing checks when not)", errors: [503]),
        OpenAPIOperation(method: "get", path: "/metrics", summary: "Metrics in Prometheus's text format (docs/server.md lists them)", tag: "server",
                  secured: false, success: "The exposition", successType: "text/plain", errors: []),
        OpenAPIOperation(method: "get", path: "/openapi.json", summary: "This document", tag: "server", secured: false, errors: []),
    ] }

    /// A file route that answers `Range` requests.
    static func ranged(_ operation: OpenAPIOperation) -> OpenAPIOperation {
        var operation = operation
        operation.otherResponses = [206: "The byte range asked for (Content-Range)", 416: "The range is outside the file (Content-Range: bytes */size)"]
        return operation
    }

    static let serverSchemas: [String: String] = [
        "ServerError": ##"{"type": "object", "required": ["success", "error", "code"], "properties": {"success": {"type": "boolean"}, "error": {"type": "string"}, "code": {"type": "string"}, "details": {"type": "object"}}}"##,
    ]

    static func object(_ json: String) -> Any { (try? JSONSerialization.jsonObject(with: Data(json.utf8))) ?? [String: Any]() }

    static func document(surfaces: [OpenAPIContribution]) -> [String: Any] {
        var paths: [String: [String: Any]] = [:]
        var schemas: [String: Any] = serverSchemas.mapValues(object)
        var schemes: [String: Any] = [:]
        let server = serverOperations.map { operation -> (OpenAPIOperation, [String]) in
            var operation = operation
            operation.errorSchema = "ServerError"
            return (operation, [])
        }
        let all = server + surfaces.flatMap { surface in surface.operations.map { ($0, surface.security) } }
        for surface in surfaces {
            schemas.merge(surface.schemas.mapValues(object)) { first, _ in first }
            schemes.merge(surface.securitySchemes.mapValues(object)) { first, _ in first }
        }
        for (operation, security) in all {
            let successSchema: [String: Any] = operation.successType == "application/json"
                ? ["type": "object", "additionalProperties": true] : ["type": "string", "format": "binary"]
            var responses: [String: Any] = ["\(operation.successStatus)": ["description": operation.success,
                                                                           "content": [operation.successType: ["schema": successSchema]]]]
            for (status, description) in operation.otherResponses {
                responses["\(status)"] = ["description": description, "content": [operation.successType: ["schema": successSchema]]]
            }
            var errors = operation.errors
            if operation.secured { errors.append(429) }
            if let body = operation.body, body != "multipart" { errors.append(413) }
            for status in Set(errors) {
                var response: [String: Any] = ["description": "Error",
                                               "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(operation.errorSchema)"]]]]
                if status == 429 {
                    response["description"] = "Rate limited"
                    response["headers"] = ["Retry-After": ["description": "Seconds until a request may succeed", "schema": ["type": "integer"]]]
                }
                responses["\(status)"] = response
            }
            var entry: [String: Any] = ["summary": operation.summary, "tags": [operation.tag], "responses": responses,
                                        "operationId": operation.method + operation.path.replacingOccurrences(of: "[^A-Za-z0-9]+", with: "_", options: .regularExpression)]
            if !operation.parameters.isEmpty {
                entry["parameters"] = operation.parameters.map {
                    ["name": $0.name, "in": $0.location, "required": $0.location == "path", "schema": ["type": $0.type]] as [String: Any]
                }
            }
            entry["security"] = operation.secured ? security.map { [$0: [] as [Any]] } : [] as [Any]
            if let body = operation.body {
                var properties: [String: Any] = [:]
                for field in operation.multipartFields {
                    let item: [String: Any] = field.binary ? ["type": "string", "format": "binary"]
                        : ["type": "string", "description": "the JSON body, as a string"]
                    properties[field.name] = field.repeats ? ["type": "array", "items": item] : item
                }
                let multipart: [String: Any] = ["schema": ["type": "object", "properties": properties]]
                if body == "multipart" {
                    entry["requestBody"] = ["required": true, "content": ["multipart/form-data": multipart]]
                } else {
                    var content: [String: Any] = ["application/json": ["schema": ["$ref": "#/components/schemas/\(body)"]]]
                    if !operation.multipartFields.isEmpty { content["multipart/form-data"] = multipart }
                    entry["requestBody"] = ["required": operation.bodyRequired, "content": content]
                }
            }
            paths[operation.path, default: [:]][operation.method] = entry
        }
        return [
            "openapi": "3.0.3",
            "info": ["title": "Reel", "version": ReelService.version,
                     "description": "Self-hosted video rendering. Surfaces: " + surfaces.map { "\($0.tag) (\($0.description))" }.joined(separator: "; ")],
            "tags": surfaces.map { ["name": $0.tag, "description": $0.description] },
            "paths": paths,
            "components": ["securitySchemes": schemes, "schemas": schemas],
        ]
    }

    static func json(surfaces: [OpenAPIContribution]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: document(surfaces: surfaces), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
