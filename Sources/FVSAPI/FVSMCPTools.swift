import MCP

/// The tools of the published `future-video-studio-mcp` package (digest §7.1): the same names,
/// argument shapes and annotations (read-only, destructive, idempotent, open-world).
enum FVSMCPTools {
    static let renderRequest: Value = .object([
        "type": "object", "additionalProperties": true, "required": ["name"],
        "properties": .object([
            "name": .object(["type": "string"]),
            "project_mode": .object(["type": "string", "enum": ["scene", "music", "custom"], "default": "scene"]),
            "screenplay": .object(["type": "string"]),
            "instructions": .object(["type": "string"]),
            "shot_count": .object(["type": "integer", "minimum": 1, "maximum": 64]),
            "scene_target_duration_seconds": .object(["type": "number", "minimum": 4, "maximum": 600]),
            "video_resolution": .object(["type": "string"]),
            "visual_style_preset": .object(["type": "string"]),
            "assets": .object(["type": "array", "items": .object(["type": "object", "additionalProperties": true, "properties": .object([
                "filename": .object(["type": "string"]), "label": .object(["type": "string"]), "purpose": .object(["type": "string"]),
            ])])]),
        ]),
    ])

    static let uploadURLs: Value = .object([
        "type": "array",
        "items": .object(["anyOf": [
            .object(["type": "string"]),
            .object(["type": "object", "required": ["url"], "properties": .object(["url": .object(["type": "string"]), "filename": .object(["type": "string"])])]),
        ]]),
    ])

    static func schema(_ properties: [String: Value], required: [String] = []) -> Value {
        .object(["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) })])
    }

    static func annotations(_ title: String, readOnly: Bool, destructive: Bool, idempotent: Bool, openWorld: Bool) -> Tool.Annotations {
        Tool.Annotations(title: title, readOnlyHint: readOnly, destructiveHint: destructive, idempotentHint: idempotent, openWorldHint: openWorld)
    }

    static let string: Value = .object(["type": "string"])

    static let all: [Tool] = [
        Tool(name: "fvs_open_chatgpt_app", title: "Open Future Video Studio",
             description: "A snapshot for the render console: the ids given, and an example request. No side effects.",
             inputSchema: schema(["project_id": string, "status_url": string, "quote_id": string, "claim_token": string, "final_video_url": string]),
             annotations: annotations("Open Future Video Studio", readOnly: true, destructive: false, idempotent: true, openWorld: false)),
        Tool(name: "fvs_submit_render", title: "Submit render",
             description: "Submit a render with the caller's agent key (X-FVS-Agent-Key). upload_urls name files by URL; "
                + "assets[].filename must match their file names. poll_until_complete waits up to 300 s.",
             inputSchema: schema(["request": renderRequest, "upload_urls": uploadURLs, "poll_until_complete": .object(["type": "boolean", "default": false])],
                                 required: ["request"]),
             annotations: annotations("Submit render", readOnly: false, destructive: true, idempotent: false, openWorld: true)),
        Tool(name: "fvs_create_paid_render_quote", title: "Create paid render quote",
             description: "A quote for a render paid per render, with no account: the price, a payment URL and a claim token.",
             inputSchema: schema(["request": renderRequest, "upload_urls": uploadURLs], required: ["request"]),
             annotations: annotations("Create paid render quote", readOnly: false, destructive: false, idempotent: false, openWorld: true)),
        Tool(name: "fvs_get_render_status", title: "Get render status",
             description: "A render's status by project_id or status_url; final_video_url once completed.",
             inputSchema: schema(["project_id": string, "status_url": string]),
             annotations: annotations("Get render status", readOnly: true, destructive: false, idempotent: true, openWorld: false)),
        Tool(name: "fvs_get_paid_render_status", title: "Get paid render status",
             description: "A paid quote's status by status_url, or quote_id and claim_token; the render's fields once paid.",
             inputSchema: schema(["status_url": string, "quote_id": string, "claim_token": string]),
             annotations: annotations("Get paid render status", readOnly: true, destructive: false, idempotent: true, openWorld: false)),
        Tool(name: "fvs_cancel_render", title: "Cancel render",
             description: "Cancel a render by project_id or cancel_url; its credits are refunded.",
             inputSchema: schema(["project_id": string, "cancel_url": string]),
             annotations: annotations("Cancel render", readOnly: false, destructive: true, idempotent: false, openWorld: true)),
        Tool(name: "fvs_download_final_video", title: "Download final video",
             description: "Not offered by Reel's server (it writes no files on its host): fetch final_video_url with any HTTP client.",
             inputSchema: schema(["final_video_url": string, "output_path": string, "overwrite": .object(["type": "boolean", "default": false])],
                                 required: ["final_video_url", "output_path"]),
             annotations: annotations("Download final video", readOnly: false, destructive: true, idempotent: false, openWorld: false)),
        Tool(name: "fvs_example_render_request", title: "Example render request",
             description: "An example scene request: three shots, 24 seconds, realistic_cinematic, 720p.",
             inputSchema: schema([:]),
             annotations: annotations("Example render request", readOnly: true, destructive: false, idempotent: true, openWorld: false)),
    ]

    static var exampleRequest: [String: Any] { [
        "name": "Archive corridor test", "project_mode": "scene",
        "screenplay": "Shot 1: A long archive corridor, dust in the light. Shot 2: A hand pulls a box from a shelf. Shot 3: The box opens on old photographs.",
        "instructions": "Create exactly three cinematic shots totaling about 24 seconds.",
        "shot_count": 3, "scene_target_duration_seconds": 24, "visual_style_preset": "realistic_cinematic", "video_resolution": "720p",
    ] }

    static let reference = """
        # Future Video Studio agent API (served by Reel)

        Base: /api/agent. Account routes need X-FVS-Agent-Key.

        - POST /renders — multipart: request_json (the request as a JSON string) + repeated files; assets[].filename must match an uploaded basename.
        - GET /renders/{project_id} — status: project_id, status (queued|running|completed|failed), current_stage, is_running, run_id,
          final_video_url (signed, re-issued at every poll), last_error, asset_count, clip_count, status_url, cancel_url.
        - POST /renders/{project_id}/cancel — cancel; credits refunded.
        - POST /render-quotes — no key; {request, upload_urls} → HTTP 402 with WWW-Authenticate: Payment, quote_id, amount_cents, currency,
          payment_url, status_url, claim_token, credits_quoted, expires_at.
        - GET|POST /render-quotes/{quote_id}/pay — payment.
        - GET /paid-renders/{quote_id}?claim_token=… (or X-FVS-Claim-Token) — the quote, then the render.

        Request: name (required), project_mode (scene|music|custom), screenplay, instructions, shot_count (1–64),
        scene_target_duration_seconds (4–600), video_resolution (720p|1080p), visual_style_preset, assets [{filename, label, purpose}].
        Errors: JSON {"detail": "..."}.
        """
}
