import ArgumentParser
import Foundation
import TemplateSchema
import Timeline

/// Reads a config file and lowers it to a timeline, printing every problem as `path: message`.
enum ConfigLoading {
    static func timeline(from path: String) throws -> Timeline {
        let document = try document(from: path, printTo: .standardError)
        return try lowered(document, configPath: path, printTo: .standardError)
    }

    /// The document's timeline, its relative sources read against the config's folder; problems
    /// found while lowering (a remote font) are printed with their paths.
    static func lowered(_ document: RenderingVideoV2.Document, configPath path: String, printTo stream: OutputStream) throws -> Timeline {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            return try document.lower(sources: .localFiles(relativeTo: folder))
        } catch {
            for diagnostic in error.diagnostics { stream.write(diagnostic.description) }
            throw ExitCode(1)
        }
    }

    static func document(from path: String, printTo stream: OutputStream) throws -> RenderingVideoV2.Document {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            stream.write("error: cannot read \(path): \(error.localizedDescription)")
            throw ExitCode(1)
        }
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
