/// A location in a JSON document, written as `tracks[2].clips[0].transform.x`.
public struct JSONPath: Hashable, Sendable, CustomStringConvertible {
    enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    var components: [Component]

    /// The whole document.
    public static let root = JSONPath(components: [])

    public func appending(_ key: String) -> JSONPath { JSONPath(components: components + [.key(key)]) }
    public func appending(_ index: Int) -> JSONPath { JSONPath(components: components + [.index(index)]) }
    /// `other` inside this path (a document nested in a request).
    public func appending(path other: JSONPath) -> JSONPath { JSONPath(components: components + other.components) }

    public var description: String {
        guard !components.isEmpty else { return "$" }
        var text = ""
        for component in components {
            switch component {
            case .key(let key): text += text.isEmpty ? key : "." + key
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}

/// One problem found in an input document.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public let path: JSONPath
    public let message: String

    public init(path: JSONPath, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Every problem found in an input document; thrown when a document cannot be used.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    public let diagnostics: [Diagnostic]

    init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public init(path: JSONPath, message: String) {
        self.diagnostics = [Diagnostic(path: path, message: message)]
    }

    /// One line per problem, `path: message`.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Collects diagnostics while a document is read, so that one pass reports every problem.
final class DiagnosticLog {
    private var recorded: [Diagnostic] = []
    private var dropped = 0

    /// The problems found, at most `DocumentLimits.diagnostics` of them and then a count of the rest.
    var diagnostics: [Diagnostic] {
        dropped == 0 ? recorded : recorded + [Diagnostic(path: .root, message: "and \(dropped) more problems")]
    }

    func record(_ path: JSONPath, _ message: String) {
        guard recorded.count < DocumentLimits.diagnostics else {
            dropped += 1
            return
        }
        recorded.append(Diagnostic(path: path, message: message))
    }
}
