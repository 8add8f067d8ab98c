import ServerKit

/// The FVS agent API's part of `/openapi.json`.
enum FVSOpenAPI {
    static var contribution: OpenAPIContribution {
        OpenAPIContribution(
            tag: "fvs", description: "The Future Video Studio agent API: screenplay renders (multipart request_json + files), polling, cancelling",
            operations: operations, schemas: schemas,
            securitySchemes: ["fvsAgentKey": ##"{"type": "apiKey", "in": "header", "name": "X-FVS-Agent-Key", "description": "fvs_<id>_<secret> (reel keys create --api fvs)"}"##],
            security: ["fvsAgentKey"])
    }

    static let multipart: [(name: String, repeats: Bool, binary: Bool)] = [("request_json", false, false), ("files", true, true)]

    static var operations: [OpenAPIOperation] { [
        OpenAPIOperation(method: "post", path: "/api/agent/renders", summary: "Submit a screenplay render (multipart: request_json + files; "
                         + "or a JSON body without files); wait_for_completion_seconds holds the answer up to 300 s", tag: "fvs",
                         body: "FVSRenderRequest", multipartFields: multipart, success: "The render's status", successStatus: 200,
                         errors: [400, 401, 402, 413, 415, 422], errorSchema: "FVSError"),
        OpenAPIOperation(method: "get", path: "/api/agent/renders/{projectId}", summary: "A render's status; final_video_url is signed and issued again at every poll",
                         tag: "fvs", parameters: [.path("projectId")], success: "The render's status", errors: [401, 404], errorSchema: "FVSError"),
        OpenAPIOperation(method: "get", path: "/api/agent/renders/{projectId}/events", summary: "The render's progress as server-sent events (status, phase, percent, fps, eta)",
                         tag: "fvs", parameters: [.path("projectId")], success: "An event stream", successType: "text/event-stream",
                         errors: [401, 404], errorSchema: "FVSError"),
        OpenAPIOperation(method: "post", path: "/api/agent/renders/{projectId}/cancel", summary: "Cancel a render (its credits are refunded)",
                         tag: "fvs", parameters: [.path("projectId")], success: "The render's status", errors: [401, 404], errorSchema: "FVSError"),
        OpenAPIOperation(method: "post", path: "/api/agent/render-quotes", summary: "A paid quote, with no account: answers 402 with "
                         + "WWW-Authenticate: Payment, the price, a payment URL and a claim token", tag: "fvs", secured: false,
                         body: "FVSQuoteRequest", success: "The quote (HTTP 402 Payment Required)", successStatus: 402,
                         errors: [422, 429], errorSchema: "FVSError"),
        OpenAPIOperation(method: "get", path: "/api/agent/render-quotes/{quoteId}/pay", summary: "Pay a quote through the payment provider "
                         + "(the built-in one answers 402: the operator records payments with reel quotes pay)", tag: "fvs", secured: false,
                         parameters: [.path("quoteId")], success: "The quote, paid", errors: [402, 404, 410], errorSchema: "FVSError"),
        OpenAPIOperation(method: "post", path: "/api/agent/render-quotes/{quoteId}/pay", summary: "Pay a quote through the payment provider",
                         tag: "fvs", secured: false, parameters: [.path("quoteId")], success: "The quote, paid", errors: [402, 404, 410],
                         errorSchema: "FVSError"),
        OpenAPIOperation(method: "get", path: "/api/agent/paid-renders/{quoteId}", summary: "A paid quote by its claim token (claim_token, "
                         + "or the X-FVS-Claim-Token header), with the render's fields once paid", tag: "fvs", secured: false,
                         parameters: [.path("quoteId"), .query("claim_token", "string")], success: "The quote and its render", errors: [404],
                         errorSchema: "FVSError"),
        OpenAPIOperation(method: "post", path: "/mcp", summary: "MCP over streamable HTTP (stateless, JSON responses): the FVS tools; "
                         + "account tools read X-FVS-Agent-Key, X-Agent-Api-Key or Authorization: Bearer", tag: "fvs", secured: false,
                         body: "JSONRPCRequest", success: "A JSON-RPC response", errors: [400, 406, 415], errorSchema: "JSONRPCError",
                         otherResponses: [202: "A notification or response was accepted; nothing to answer"]),
        // Streamable HTTP's GET (a server-sent stream) and DELETE (ending a session) have no use
        // on a stateless server: both answer 405 with `Allow: POST`.
        OpenAPIOperation(method: "get", path: "/mcp", summary: "Not used: this MCP server is stateless (405, Allow: POST)", tag: "fvs",
                         secured: false, success: "A JSON-RPC error", successStatus: 405, errors: [], errorSchema: "JSONRPCError"),
        OpenAPIOperation(method: "delete", path: "/mcp", summary: "Not used: this MCP server is stateless (405, Allow: POST)", tag: "fvs",
                         secured: false, success: "A JSON-RPC error", successStatus: 405, errors: [], errorSchema: "JSONRPCError"),
    ] }

    static let schemas: [String: String] = [
        "FVSQuoteRequest": ##"{"type": "object", "required": ["request"], "properties": {"request": {"$ref": "#/components/schemas/FVSRenderRequest"}, "upload_urls": {"type": "array", "items": {"oneOf": [{"type": "string", "format": "uri"}, {"type": "object", "required": ["url"], "properties": {"url": {"type": "string", "format": "uri"}, "filename": {"type": "string"}}}]}}}}"##,
        "JSONRPCRequest": ##"{"type": "object", "required": ["jsonrpc", "method"], "properties": {"jsonrpc": {"type": "string", "enum": ["2.0"]}, "id": {}, "method": {"type": "string"}, "params": {"type": "object"}}}"##,
        "JSONRPCError": ##"{"type": "object", "properties": {"jsonrpc": {"type": "string"}, "id": {}, "error": {"type": "object", "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}}}}"##,
        "FVSError": ##"{"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}, "code": {"type": "string"}, "field": {"type": "string"}, "problems": {"type": "array", "items": {"type": "object"}}}}"##,
        "FVSRenderRequest": ##"{"type": "object", "required": ["name"], "additionalProperties": true, "properties": {"name": {"type": "string"}, "project_mode": {"type": "string", "enum": ["scene", "music", "custom"]}, "screenplay": {"type": "string"}, "instructions": {"type": "string"}, "visual_style_preset": {"type": "string"}, "shot_count": {"type": "integer", "minimum": 1, "maximum": 64}, "scene_target_duration_seconds": {"type": "number", "minimum": 4, "maximum": 600}, "video_resolution": {"type": "string", "enum": ["720p", "1080p"]}, "wait_for_completion_seconds": {"type": "number"}, "num_workers": {"type": "integer", "minimum": 1, "maximum": 64, "description": "Reel's own: workers the render may be split across (default 1)"}, "assets": {"type": "array", "items": {"type": "object", "required": ["filename"], "properties": {"filename": {"type": "string"}, "label": {"type": "string"}, "purpose": {"type": "string"}}}}}}"##,
    ]
}
