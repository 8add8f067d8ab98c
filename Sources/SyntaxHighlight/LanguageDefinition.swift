import Foundation

/// A language source-highlight can read: its canonical name, the other names it answers to and
/// its definition file, one of source-highlight's own or one Reel carries (`BuiltInDefinitions`).
struct LanguageDefinition: Sendable {
    let name: String
    let aliases: [String]
    /// The file name source-highlight is given, e.g. "python.lang".
    let file: String
    let isBuiltIn: Bool

    init(_ name: String, _ file: String, aliases: [String] = [], builtIn: Bool = false) {
        self.name = name
        self.aliases = aliases
        self.file = file
        self.isBuiltIn = builtIn
    }

    /// Every language Reel knows a name for: a row each.
    static let all: [LanguageDefinition] = [
        LanguageDefinition("awk", "awk.lang"),
        LanguageDefinition("bash", "sh.lang", aliases: ["sh", "shell"]),
        LanguageDefinition("batch", "bat.lang", aliases: ["bat", "cmd"]),
        LanguageDefinition("c", "c.lang", aliases: ["h"]),
        LanguageDefinition("coffeescript", "coffeescript.lang", aliases: ["coffee"]),
        LanguageDefinition("cpp", "cpp.lang", aliases: ["c++", "cc", "cxx", "hpp"]),
        LanguageDefinition("csharp", "csharp.lang", aliases: ["c#", "cs"]),
        LanguageDefinition("css", "css.lang"),
        LanguageDefinition("d", "d.lang"),
        LanguageDefinition("diff", "diff.lang", aliases: ["patch"]),
        LanguageDefinition("erlang", "erlang.lang", aliases: ["erl"]),
        LanguageDefinition("fortran", "fortran.lang", aliases: ["f90"]),
        LanguageDefinition("glsl", "glsl.lang"),
        LanguageDefinition("go", "go.lang", aliases: ["golang"]),
        LanguageDefinition("groovy", "groovy.lang"),
        LanguageDefinition("haskell", "haskell.lang", aliases: ["hs"]),
        LanguageDefinition("html", "html.lang", aliases: ["htm"]),
        LanguageDefinition("ini", "desktop.lang"),
        LanguageDefinition("java", "java.lang"),
        LanguageDefinition("javascript", "javascript.lang", aliases: ["js", "mjs", "cjs"]),
        LanguageDefinition("json", "json.lang"),
        LanguageDefinition("latex", "latex.lang", aliases: ["tex"]),
        LanguageDefinition("lisp", "lisp.lang", aliases: ["elisp"]),
        LanguageDefinition("lua", "lua.lang"),
        LanguageDefinition("makefile", "makefile.lang", aliases: ["make"]),
        LanguageDefinition("ocaml", "caml.lang", aliases: ["ml"]),
        LanguageDefinition("pascal", "pascal.lang"),
        LanguageDefinition("perl", "perl.lang", aliases: ["pl"]),
        LanguageDefinition("php", "php.lang"),
        LanguageDefinition("properties", "properties.lang"),
        LanguageDefinition("protobuf", "proto.lang", aliases: ["proto"]),
        LanguageDefinition("python", "python.lang", aliases: ["py", "python3"]),
        LanguageDefinition("r", "r.lang"),
        LanguageDefinition("ruby", "ruby.lang", aliases: ["rb"]),
        LanguageDefinition("rust", "rust.lang", aliases: ["rs"]),
        LanguageDefinition("scala", "scala.lang"),
        LanguageDefinition("scheme", "scheme.lang", aliases: ["scm"]),
        LanguageDefinition("sql", "sql.lang"),
        LanguageDefinition("swift", "swift.lang", builtIn: true),
        LanguageDefinition("tcl", "tcl.lang"),
        LanguageDefinition("typescript", "typescript.lang", aliases: ["ts"], builtIn: true),
        LanguageDefinition("vala", "vala.lang"),
        LanguageDefinition("xml", "xml.lang", aliases: ["svg", "xhtml"]),
        LanguageDefinition("zsh", "zsh.lang"),
    ]

    /// The languages whose definition is at hand: the built-in ones and those source-highlight
    /// installed (Debian's package has no YAML, Kotlin or TOML, for instance).
    static let available: [LanguageDefinition] = all.filter { language in
        language.isBuiltIn || systemDirectory.map { FileManager.default.fileExists(atPath: "\($0)/\(language.file)") } ?? false
    }

    private static let byName: [String: LanguageDefinition] = {
        var byName: [String: LanguageDefinition] = [:]
        for language in available {
            for name in [language.name] + language.aliases { byName[name] = language }
        }
        return byName
    }()

    /// The available language called `name` or one of its aliases, in any letter case.
    static func named(_ name: String) -> LanguageDefinition? {
        byName[name.trimmingCharacters(in: .whitespaces).lowercased()]
    }

    /// Where source-highlight installed its definitions: $SOURCE_HIGHLIGHT_DATADIR (the library's
    /// own setting), else the usual prefixes of Debian, a source build and Homebrew.
    static let systemDirectory: String? = {
        var candidates = ["/usr/share/source-highlight", "/usr/local/share/source-highlight", "/opt/homebrew/share/source-highlight"]
        if let configured = ProcessInfo.processInfo.environment["SOURCE_HIGHLIGHT_DATADIR"], !configured.isEmpty {
            candidates.insert(configured, at: 0)
        }
        return candidates.first { FileManager.default.fileExists(atPath: "\($0)/lang.map") }
    }()

    /// The folder to give source-highlight with `file`: Reel's own for a built-in definition
    /// (written on first use), source-highlight's otherwise.
    func directory() throws(HighlightError) -> String {
        if isBuiltIn { return try BuiltInDefinitions.directory.get() }
        // `available` holds only languages found there.
        return Self.systemDirectory ?? ""
    }
}
