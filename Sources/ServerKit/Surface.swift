public import Foundation
public import Hummingbird
public import Store
public import Timeline
public import TemplateSchema

/// An API surface: one target that owns its routes, key format and auth errors, error envelope,
/// job and status vocabulary, pricing and webhook payload. The server is the list of surfaces
/// (`Surfaces.all` in APIAdapter); the store, the job runner and the shared routes know none of
/// their names.
public protocol SurfaceModule: Sendable {
    init(service: ReelService)

    /// The name its keys and jobs are tagged with, and how its keys are spelled.
    static var keySurface: APISurface { get }

    /// Adds the surface's routes, each group behind its own envelope and authentication.
    func register(on router: Router<ReelRequestContext>)

    /// The surface's part of `/openapi.json`.
    var openAPI: OpenAPIContribution { get }

    /// The generator of documents in `dialect`, when that dialect is planned into another before
    /// rendering (a prompt into a template); nil for dialects that render as they are.
    func generator(forDialect dialect: String) -> (any DocumentGenerator)?

    /// The delivery announcing that `job` (of `task`) finished, or nil when it has no webhook.
    /// Called inside the transaction that finishes the job, so the delivery is stored with the
    /// outcome or not at all: it must not touch the database.
    func webhook(for job: JobRecord, task: TaskRecord) -> WebhookDelivery?

    /// Whether the surface's tasks have the shared pages by task id (`/t/<id>`, `/preview/<id>`,
    /// their frames and config). Off unless a surface documents them.
    var servesTaskPages: Bool { get }
}

extension SurfaceModule {
    public var surface: APISurface { Self.keySurface }

    public func generator(forDialect dialect: String) -> (any DocumentGenerator)? { nil }
    public var servesTaskPages: Bool { false }
}

/// A webhook delivery as a surface words it: the raw body and headers (signatures are computed
/// over the exact bytes sent), and how many attempts it gets.
public typealias WebhookDelivery = OutboxMessage

/// A media file of a job as imported: the source and the local file it was read into.
public struct ImportedMedia: Sendable {
    public var source: MediaSource
    public var path: String

    public init(source: MediaSource, path: String) {
        self.source = source
        self.path = path
    }
}

/// Turns a job's submitted document into one Reel renders (a prompt into a template), after its
/// media are imported: the job is `generating` meanwhile.
public protocol DocumentGenerator: Sendable {
    /// The media the submitted document names, imported (`preparing_assets`) before generation.
    func media(of task: TaskRecord, sources: SourceResolver) throws -> [MediaSource]

    /// The document to render and its dialect; `imported` holds each of `media`, in its order,
    /// with its local file. Blocking work (reading the files) belongs off the cooperative threads,
    /// bounded by the stall timeout (`runOnThread(stallingAfter:heartbeat:)`).
    func generate(task: TaskRecord, imported: [ImportedMedia]) async throws -> GeneratedDocument
}

/// A generated document: what the job renders, in a dialect Reel reads.
public struct GeneratedDocument: Sendable {
    public var dialect: String
    public var document: String

    public init(dialect: String, document: String) {
        self.dialect = dialect
        self.document = document
    }
}

/// A surface's contribution to the OpenAPI document.
public struct OpenAPIContribution: Sendable {
    public var tag: String
    public var description: String
    public var operations: [OpenAPIOperation]
    /// Named schemas (`components.schemas`), as JSON text so the contribution stays Sendable.
    public var schemas: [String: String]
    /// Security schemes (`components.securitySchemes`) as JSON text, and the ones the operations use.
    public var securitySchemes: [String: String]
    public var security: [String]

    public init(tag: String, description: String, operations: [OpenAPIOperation], schemas: [String: String] = [:],
                securitySchemes: [String: String] = [:], security: [String] = []) {
        self.tag = tag
        self.description = description
        self.operations = operations
        self.schemas = schemas
        self.securitySchemes = securitySchemes
        self.security = security
    }
}

/// One operation of the OpenAPI document.
public struct OpenAPIOperation: Sendable {
    public var method: String
    public var path: String
    public var summary: String
    public var tag: String
    /// Whether it needs a key (and so can be rate limited).
    public var secured: Bool
    public var parameters: [Parameter]
    /// The request body: the name of a schema, "multipart", or nil.
    public var body: String?
    public var bodyRequired: Bool
    /// Multipart fields, for `body == "multipart"` (or a JSON body that may also come as
    /// multipart): name, whether it repeats, whether it is a file.
    public var multipartFields: [(name: String, repeats: Bool, binary: Bool)]
    public var success: String
    public var successStatus: Int
    public var successType: String
    public var errors: [Int]
    /// The schema of error bodies (`components.schemas`).
    public var errorSchema: String
    /// Other answers that are not errors, by status (206 for a byte range).
    public var otherResponses: [Int: String] = [:]

    public struct Parameter: Sendable {
        public var name: String
        public var location: String
        public var type: String

        public static func query(_ name: String, _ type: String) -> Parameter { Parameter(name: name, location: "query", type: type) }
        public static func path(_ name: String) -> Parameter { Parameter(name: name, location: "path", type: "string") }
    }

    public init(method: String, path: String, summary: String, tag: String, secured: Bool = true, parameters: [Parameter] = [],
                body: String? = nil, bodyRequired: Bool = true, multipartFields: [(name: String, repeats: Bool, binary: Bool)] = [],
                success: String = "Success", successStatus: Int = 200, successType: String = "application/json",
                errors: [Int] = [400, 401, 404], errorSchema: String = "Error", otherResponses: [Int: String] = [:]) {
        self.method = method
        self.path = path
        self.summary = summary
        self.tag = tag
        self.secured = secured
        self.parameters = parameters
        self.body = body
        self.bodyRequired = bodyRequired
        self.multipartFields = multipartFields
        self.success = success
        self.successStatus = successStatus
        self.successType = successType
        self.errors = errors
        self.errorSchema = errorSchema
        self.otherResponses = otherResponses
    }
}

extension Timeline {
    /// Every media file the timeline reads: footage, stills, sound and fonts.
    public var mediaSources: [MediaSource] {
        var seen = Set<MediaSource>(), ordered: [MediaSource] = []
        func add(_ source: MediaSource) { if seen.insert(source).inserted { ordered.append(source) } }
        for track in tracks {
            for clip in track.clips {
                switch clip.content {
                case .image(let image): add(image.source)
                case .video(let video): add(video.source)
                case .audio(let audio): add(audio.source)
                case .drawn(let drawn): drawn.content.mediaSources.forEach(add)
                case .text, .shape, .timedText: break
                }
            }
        }
        for font in fonts { add(font.source) }
        return ordered
    }
}
