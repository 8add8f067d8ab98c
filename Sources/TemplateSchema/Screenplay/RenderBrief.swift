public import Foundation

/// A Future Video Studio render request (`shared/specs/fvs-agent-api.md` §3.1): a screenplay, the
/// instructions around it and the assets uploaded with it. `ScreenplayCompiler` turns it into a
/// RenderingVideo v2 document; docs/screenplay.md describes how.
///
/// Every field of the published payload is accepted. The ones that name hosted AI models
/// (`orchestrator_model`, `critic_model`, `image_model`, `image_resolution`, `video_model`) and the
/// generation switches (`stage_voice_briefs_enabled`, `ingredients_mode_enabled`, `lyrics_prompt`,
/// `style_prompt`) are recorded on the project and change nothing in the picture: Reel composes the
/// uploaded media, it does not generate any. Unknown fields are accepted (the published client
/// passes extra keys through) and reported as warnings.
public enum FVSRenderRequest {
    /// The name stored with a job whose document is a render request.
    public static let name = "fvs-render-request-v1"

    public enum ProjectMode: String, CaseIterable, Sendable { case scene, music, custom }

    public enum VideoResolution: String, CaseIterable, Sendable {
        case p720 = "720p", p1080 = "1080p"

        public var size: (width: Int, height: Int) {
            switch self {
            case .p720: (1280, 720)
            case .p1080: (1920, 1080)
            }
        }
    }

    /// One `assets[]` entry: an uploaded file and what it is for.
    public struct Asset: Sendable, Equatable {
        public var filename: String
        public var label: String?
        public var purpose: String?
        /// Where it is in the request (`assets[2]`), for messages.
        public var path: JSONPath

        public init(filename: String, label: String? = nil, purpose: String? = nil, path: JSONPath) {
            self.filename = filename
            self.label = label
            self.purpose = purpose
            self.path = path
        }
    }

    /// A checked request.
    public struct Brief: Sendable {
        public var name: String
        public var mode: ProjectMode = .scene
        public var screenplay: String = ""
        public var instructions: String = ""
        public var additionalLore: String = ""
        public var stylePreset: String?
        public var styleCustomInstructions: String?
        public var shotCount: Int?
        public var targetSeconds: Double?
        public var videoResolution: VideoResolution?
        /// Reel's extension `frame_rate` (frames a second); the preset's rate when absent.
        public var frameRate: Double?
        public var musicWorkflow: String?
        public var musicStartSeconds: Double = 0
        public var musicMinSeconds: Double?
        public var musicMaxSeconds: Double?
        public var useFirstAudioAssetAsMusic = false
        public var waitForCompletionSeconds: Double?
        /// Workers the render may be split across (Reel's own field: the video is cut into at
        /// most this many segments, rendered at once by the workers that are free, and joined).
        public var numWorkers = 1
        public var assets: [Asset] = []
        /// Fields recorded on the project without effect on the picture (model ids and the like),
        /// as the request gave them.
        public var recorded: [String: JSONValue] = [:]
        /// Fields Reel does not know, with their paths.
        public var warnings: [Diagnostic] = []

        public init(name: String) {
            self.name = name
        }
    }

    /// The bounds the published API sets.
    public static let shotCounts = 1...64
    public static let targetSeconds = 4.0...600.0
    public static let frameRates = 1.0...120.0
    /// Assets one request may list: as many as the files it can bring.
    public static let maximumAssets = 32

    /// Fields recorded on the project as they are, each documented in docs/screenplay.md.
    public static let recordedFields: Set = ["orchestrator_model", "critic_model", "image_model", "image_resolution",
                                             "video_model", "stage_voice_briefs_enabled", "ingredients_mode_enabled",
                                             "lyrics_prompt", "style_prompt"]
    static let knownFields: Set = recordedFields.union([
        "name", "project_mode", "screenplay", "instructions", "additional_lore", "visual_style_preset",
        "visual_style_custom_instructions", "shot_count", "scene_target_duration_seconds", "video_resolution",
        "frame_rate", "music_workflow", "music_start_seconds", "music_min_duration_seconds",
        "music_max_duration_seconds", "use_first_audio_asset_as_music", "wait_for_completion_seconds", "assets",
        "num_workers",
    ])

    /// Fields an account may give defaults for (`reel accounts defaults NAME --set field=value`):
    /// a request that leaves one out (or sends null) takes the account's value.
    public static let defaultableFields: Set = recordedFields.union([
        "project_mode", "instructions", "visual_style_preset", "visual_style_custom_instructions", "shot_count",
        "scene_target_duration_seconds", "video_resolution", "frame_rate", "music_workflow", "music_start_seconds",
        "music_min_duration_seconds", "music_max_duration_seconds", "use_first_audio_asset_as_music",
        "num_workers",
    ])

    /// Checks one default: a field that takes defaults, with a value a request could hold.
    public static func checkDefault(field: String, value: JSONValue) throws(SchemaError) {
        guard defaultableFields.contains(field) else {
            throw SchemaError(path: JSONPath.root.appending(field), message: "takes no account default; fields that do: "
                              + defaultableFields.sorted().joined(separator: ", "))
        }
        _ = try read(.object(["name": .string("default check"), field: value]))
    }

    /// `request` (a JSON object) with `defaults` (field → JSON text) filled in where it leaves a
    /// field out or sends null; fields that take no default, and values that are not JSON, are skipped.
    public static func applying(defaults: [String: String], to request: Data) -> Data {
        guard !defaults.isEmpty, case .object(var members)? = try? JSONValue.parse(request) else { return request }
        for (field, text) in defaults where defaultableFields.contains(field) && (members[field] == nil || members[field] == .null) {
            if let value = try? JSONValue.parse(Data(text.utf8)) { members[field] = value }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(JSONValue.object(members))) ?? request
    }

    /// Reads and checks a request, reporting every problem with its JSON path at once.
    public static func read(_ data: Data) throws(SchemaError) -> Brief {
        let value = try JSONValue.parse(data)
        return try read(value)
    }

    public static func read(_ value: JSONValue) throws(SchemaError) -> Brief {
        let log = DiagnosticLog(), warnings = DiagnosticLog()
        let root = Node(value: value, path: .root, log: log)
        var brief = Brief(name: "")
        guard root.expectObject() else { throw SchemaError(diagnostics: log.diagnostics) }
        if case .object(let members) = root.value {
            for key in members.keys.sorted() where !knownFields.contains(key) {
                warnings.record(root.path.appending(key), "is not read by Reel (kept with the request)")
            }
            for key in recordedFields where members[key] != nil && members[key] != .null {
                brief.recorded[key] = members[key]
            }
        }
        if let node = root.required("name"), let name = node.string {
            if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { node.fail("must not be blank") }
            brief.name = name
        }
        if let mode = root["project_mode"]?.oneOf(ProjectMode.self) { brief.mode = mode }
        brief.screenplay = root["screenplay"]?.string ?? ""
        brief.instructions = root["instructions"]?.string ?? ""
        brief.additionalLore = root["additional_lore"]?.string ?? ""
        brief.stylePreset = root["visual_style_preset"]?.string
        brief.styleCustomInstructions = root["visual_style_custom_instructions"]?.string
        if let node = root["shot_count"], let count = node.number(in: Double(shotCounts.lowerBound)...Double(shotCounts.upperBound)) {
            if count == count.rounded() { brief.shotCount = Int(count) } else { node.fail("must be a whole number, found \(count.formatted)") }
        }
        brief.targetSeconds = root["scene_target_duration_seconds"]?.number(in: targetSeconds)
        if let resolution = root["video_resolution"]?.oneOf(VideoResolution.self) { brief.videoResolution = resolution }
        brief.frameRate = root["frame_rate"]?.number(in: frameRates)
        brief.musicWorkflow = root["music_workflow"]?.string
        brief.musicStartSeconds = root["music_start_seconds"]?.seconds ?? 0
        brief.musicMinSeconds = root["music_min_duration_seconds"]?.seconds
        if let node = root["music_max_duration_seconds"], let most = node.seconds {
            if most < 1 { node.fail("must be at least 1 s, found \(most.formatted)") } else { brief.musicMaxSeconds = most }
        }
        if let least = brief.musicMinSeconds, let most = brief.musicMaxSeconds, least > most {
            root.path.appending("music_min_duration_seconds").record(in: log, "must not be above music_max_duration_seconds (\(most.formatted))")
        }
        brief.useFirstAudioAssetAsMusic = root["use_first_audio_asset_as_music"]?.bool ?? false
        brief.waitForCompletionSeconds = root["wait_for_completion_seconds"]?.nonNegativeNumber(upTo: 3600)
        if let node = root["num_workers"], let count = node.number(in: 1...64) {
            if count == count.rounded() { brief.numWorkers = Int(count) } else { node.fail("must be a whole number, found \(count.formatted)") }
        }
        if let node = root["assets"], let elements = node.array {
            if elements.count > maximumAssets { node.fail("must have at most \(maximumAssets) elements, found \(elements.count)") }
            var seen: Set<String> = []
            for element in elements.prefix(maximumAssets) where element.expectObject() {
                guard let filenameNode = element.required("filename"), let filename = filenameNode.string(maxLength: 255) else { continue }
                guard isBasename(filename) else {
                    filenameNode.fail("must be a file's base name (no folders, not \".\" or \"..\")")
                    continue
                }
                if !seen.insert(filename).inserted { filenameNode.fail("names \"\(filename)\" a second time") }
                brief.assets.append(Asset(filename: filename, label: element["label"]?.string(maxLength: 200),
                                          purpose: element["purpose"]?.string(maxLength: 100), path: element.path))
            }
        }
        guard log.diagnostics.isEmpty else { throw SchemaError(diagnostics: log.diagnostics) }
        brief.warnings = warnings.diagnostics
        return brief
    }

    /// Whether `name` is a plain file name: no separators, not empty, not a dot entry, no NUL.
    public static func isBasename(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\\") && !name.contains("\0")
    }

    /// Whether a JSON document looks like a render request rather than another dialect's
    /// document: an object with a `name` and one of the request's own fields, and no `tracks`.
    public static func looksLikeRequest(_ data: Data) -> Bool {
        guard let value = try? JSONValue.parse(data), case .object(let members) = value else { return false }
        guard members["tracks"] == nil, members["template"] == nil, members["name"] != nil else { return false }
        return ["screenplay", "project_mode", "shot_count", "scene_target_duration_seconds", "visual_style_preset"]
            .contains { members[$0] != nil }
    }
}
