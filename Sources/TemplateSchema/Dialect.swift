public import Foundation
public import Timeline

/// An input dialect: a JSON language that reads into the timeline IR. Reading checks the whole
/// document and reports every problem with its JSON path; lowering resolves every `src` through
/// the caller's `SourceResolver`. A stored job records its dialect's name, and whatever renders it
/// asks the dialect for the timeline and knows nothing else about the document.
public protocol InputDialect: Sendable {
    /// The name stored with a job, e.g. "renderingvideo-v2". Never changes once jobs carry it.
    static var name: String { get }

    /// The timeline `document` describes, or every problem found in it.
    static func timeline(from document: Data, sources: SourceResolver) throws(SchemaError) -> Timeline
}

/// The dialects Reel reads: one line each (a new dialect is a type conforming to `InputDialect`
/// and its line here).
public enum Dialects {
    public static let all: [any InputDialect.Type] = [
        RenderingVideoV2.self,
        AVSTemplateV1.self,
    ]

    /// The dialect stored under `name`, or nil.
    public static func named(_ name: String) -> (any InputDialect.Type)? {
        all.first { $0.name == name }
    }

    /// The timeline of a stored `document` in the dialect named `name`.
    public static func timeline(dialect name: String, document: Data, sources: SourceResolver) throws(SchemaError) -> Timeline {
        guard let dialect = named(name) else {
            throw SchemaError(path: .root, message: "the document is in an unknown dialect \"\(name)\"; this build reads "
                              + all.map { "\"\($0.name)\"" }.joined(separator: ", "))
        }
        return try dialect.timeline(from: document, sources: sources)
    }
}

extension RenderingVideoV2: InputDialect {
    public static let name = "renderingvideo-v2"

    public static func timeline(from document: Data, sources: SourceResolver) throws(SchemaError) -> Timeline {
        try decode(document).lower(sources: sources)
    }
}
