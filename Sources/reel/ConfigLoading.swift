import ArgumentParser
import Media
import Foundation
import TemplateSchema
import Timeline

/// Reads a config file and lowers it to a timeline, printing every problem as `path: message`.
enum ConfigLoading {
    static func timeline(from path: String) throws -> Timeline {
        try timeline(from: path, dialect: RenderingVideoV2.name, printTo: .standardError)
    }

    /// The timeline of a document in the dialect named `dialect`. Relative sources are read
    /// against the file's folder, and an AVS template's `source.uploadName` names a file there.
    static func timeline(from path: String, dialect: String, printTo stream: OutputStream) throws -> Timeline {
        if dialect == FVSRenderRequest.name
            || (dialect == RenderingVideoV2.name && (try? Data(contentsOf: URL(fileURLWithPath: path))).map(FVSRenderRequest.looksLikeRequest) == true) {
            // A screenplay brief: compiled into a v2 document first, its assets beside it.
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path
            let compiled = try BriefCompiling.compile(briefPath: path, mediaFolder: nil, documentFolder: folder, printTo: stream)
            do {
                return try RenderingVideoV2.decode(compiled.json).lower(sources: localSources(folder))
            } catch {
                for diagnostic in error.diagnostics { stream.write(diagnostic.description) }
                throw ExitCode(1)
            }
        }
        guard dialect != RenderingVideoV2.name else {
            return try lowered(document(from: path, printTo: stream), configPath: path, printTo: stream)
        }
        let data = try contents(of: path, printTo: stream)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let local = localSources(folder)
        let sources = SourceResolver({ src in
            src.hasPrefix(AVSTemplateV1.uploadPrefix) ? local(String(src.dropFirst(AVSTemplateV1.uploadPrefix.count))) : local(src)
        }, read: Self.readSource)
        do {
            return try Dialects.timeline(dialect: dialect, document: data, sources: sources)
        } catch {
            for diagnostic in error.diagnostics { stream.write(diagnostic.description) }
            throw ExitCode(1)
        }
    }

    /// Local files against `folder` and http(s) URLs; files lowering reads (caption files) are
    /// fetched like media, through the media locator and its cache.
    static func localSources(_ folder: String) -> SourceResolver {
        SourceResolver.localFiles(relativeTo: folder).reading(with: readSource)
    }

    @Sendable static func readSource(_ source: MediaSource) throws -> Data {
        try SourceResolver.readLocalFile(.file(MediaLocator().localPath(for: source)))
    }

    private static func contents(of path: String, printTo stream: OutputStream) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            stream.write("error: cannot read \(path): \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }

    /// The document's timeline, its relative sources read against the config's folder; problems
    /// found while lowering (a remote font) are printed with their paths.
    static func lowered(_ document: RenderingVideoV2.Document, configPath path: String, printTo stream: OutputStream) throws -> Timeline {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            return try document.lower(sources: localSources(folder))
        } catch {
            for diagnostic in error.diagnostics { stream.write(diagnostic.description) }
            throw ExitCode(1)
        }
    }

    static func document(from path: String, printTo stream: OutputStream) throws -> RenderingVideoV2.Document {
        let data = try contents(of: path, printTo: stream)
        do {
            return try RenderingVideoV2.decode(data)
        } catch {
            for diagnostic in error.diagnostics { stream.write(diagnostic.description) }
            throw ExitCode(1)
        }
    }

    /// Where a command writes its lines.
    enum OutputStream {
        case standardOutput
        case standardError

        func write(_ line: String) {
            let handle: FileHandle = self == .standardOutput ? .standardOutput : .standardError
            handle.write(Data((line + "\n").utf8))
        }
    }
}

/// Prints an error the way every command does and exits with status 1.
func fail(_ message: String) -> ExitCode {
    ConfigLoading.OutputStream.standardError.write("error: \(message)")
    return ExitCode(1)
}

/// `--dialect`, for the commands that read a document.
struct DialectOption: ParsableArguments {
    @Option(help: ArgumentHelp("The document's language: \(DialectOption.names.joined(separator: ", ")).",
                               discussion: "avs-template-v1 reads an AVS from-json request ({template, output}); its uploadNames are files beside it. "
                                   + "fvs-render-request-v1 is a screenplay brief (see `reel screenplay`), also recognised without --dialect."))
    var dialect: String = RenderingVideoV2.name

    /// The registered dialects and the screenplay brief, which is compiled into v2 first.
    static var names: [String] { Dialects.all.map { $0.name } + [FVSRenderRequest.name] }

    func validate() throws {
        guard Self.names.contains(dialect) else {
            throw ValidationError("--dialect must be one of \(Self.names.joined(separator: ", "))")
        }
    }
}
