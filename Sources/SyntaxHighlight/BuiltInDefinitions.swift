import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The language definitions Reel carries because source-highlight has none: Swift and
/// TypeScript, in source-highlight's definition syntax. Each is self-contained (no `include`),
/// as it is read from Reel's own folder, not source-highlight's.
enum BuiltInDefinitions {
    /// File name and text of each definition.
    static let files: [(name: String, text: String)] = [("swift.lang", swift), ("typescript.lang", typescript)]

    /// The folder holding the files, written on first use: `reel-highlight-<user>-<hash of the
    /// texts>` in the temporary folder, so that a changed definition gets a folder of its own.
    static let directory: Result<String, HighlightError> = {
        do throws(HighlightError) { return .success(try write()) } catch { return .failure(error) }
    }()

    private static func write() throws(HighlightError) -> String {
        var hash = FNV1a()
        for file in files {
            hash.add(file.name)
            hash.add(file.text)
        }
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("reel-highlight-\(getuid())-\(hash.hex)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            // A folder of that name made by someone else (the temporary folder is shared) is not used.
            let attributes = try FileManager.default.attributesOfItem(atPath: folder.path)
            guard (attributes[.ownerAccountID] as? NSNumber)?.uint32Value == getuid(),
                  ((attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777) & 0o022 == 0 else {
                throw HighlightError.unwritableDefinitions(folder.path, "the folder belongs to another user or others may write in it")
            }
            for file in files {
                let url = folder.appendingPathComponent(file.name)
                // Another process may have written it already; replacing is atomic either way.
                if (try? String(contentsOf: url, encoding: .utf8)) == file.text { continue }
                try Data(file.text.utf8).write(to: url, options: .atomic)
            }
        } catch {
            throw .unwritableDefinitions(folder.path, "\(error)")
        }
        return folder.path
    }

    /// Swift: keywords, attributes and `#` directives, types (any capitalised name), strings
    /// ("...", """...""", raw #"..."#; an interpolation stays part of its string), nested
    /// block comments, numbers with `_`, functions where called or declared.
    static let swift = ##"""
    # Swift, for GNU source-highlight (written for Reel; self-contained, includes nothing).
    # The first rule that matches where the text starts wins, so longer openings come first.

    environment comment start "///" begin
      todo = '(TODO|FIXME|MARK)([:]?)'
    end
    comment start "//"
    environment comment delim "/*" "*/" multiline nested begin
      todo = '(TODO|FIXME|MARK)([:]?)'
    end

    # Strings: multi-line """...""", raw #"..."# (and #"""..."""#), plain "..."; an escape such as
    # \n or \( is part of the string, interpolations are not highlighted inside it.
    string delim `(#+)("""|")` @{2} + @{1} multiline
    string delim "\"\"\"" "\"\"\"" escape "\\" multiline
    string delim "\"" "\"" escape "\\"

    number = '\<0x[[:xdigit:]_]+(\.[[:xdigit:]_]+)?([pP][+-]?[[:digit:]]+)?\>'
    number = '\<0b[01_]+\>'
    number = '\<0o[0-7_]+\>'
    number = '\<[[:digit:]][[:digit:]_]*(\.[[:digit:]][[:digit:]_]*)?([eE][+-]?[[:digit:]]+)?\>'

    # Attributes and compiler directives.
    preproc = '@[[:alpha:]_][[:alnum:]_]*'
    preproc = '#(if|elseif|else|endif|available|unavailable|selector|keyPath|sourceLocation|warning|error|file|fileID|filePath|line|column|function|dsohandle|externalMacro|isolation|Preview)\>'

    keyword = "actor|any|as|associatedtype|async|await|borrowing|break|case|catch|class",
      "consuming|continue|convenience|default|defer|deinit|didSet|do|dynamic|else",
      "enum|extension|fallthrough|false|fileprivate|final|for|func|guard|if|import|in",
      "indirect|init|inout|internal|is|isolated|lazy|let|macro|mutating|nil",
      "nonisolated|nonmutating|open|operator|optional|override|package|precedencegroup",
      "private|protocol|public|repeat|required|rethrows|return|self|Self|sending|some",
      "static|struct|subscript|super|switch|throw|throws|true|try|typealias|unowned",
      "var|weak|where|while|willSet|Any"

    # Types: any identifier that starts with a capital letter.
    type = '\<[[:upper:]][[:alnum:]_]*'

    symbol = "~","!","%","^","*","(",")","-","+","=","[","]","\\",":",";",",",".","/","?","&","<",">","\|"

    cbracket = "{|}"

    function = '([[:alpha:]]|_)[[:word:]]*(?=[[:blank:]]*\()'
    """##

    /// TypeScript: JavaScript's rules (including telling a regular expression from a division)
    /// with TypeScript's keywords, the predefined types, template strings over several lines
    /// and decorators.
    static let typescript = ##"""
    # TypeScript, for GNU source-highlight (written for Reel; self-contained, includes nothing).
    # The first rule that matches where the text starts wins, so longer openings come first.

    environment comment start "///" begin
      todo = '(TODO|FIXME)([:]?)'
    end
    comment start "//"
    environment comment delim "/*" "*/" multiline begin
      todo = '(TODO|FIXME)([:]?)'
    end

    # A slash after a number, an identifier, a closing bracket or ++/-- divides; elsewhere it
    # opens a regular expression.
    (symbol,normal,symbol) = `(\+\+|--|\)|\])(\s*)(/=?(?![*/]))`
    (number,normal,symbol) = `(0[xX][[:xdigit:]_]+n?|(?:[[:digit:]][[:digit:]_]*)?\.?[[:digit:]][[:digit:]_]*(?:[eE][+-]?[[:digit:]]+)?n?)(\s*)(/(?![*/]))`
    (normal,symbol) = `([[:alpha:]$_][[:alnum:]$_]*\s*)(/=?(?![*/]))`
    regexp = '/(\\.|[^*\\/\[]|\[(\\.|[^\]\\])*\])(\\.|[^\\/\[]|\[(\\.|[^\]\\])*\])*/[dgimsuvy]*'

    number = '\<0[xX][[:xdigit:]_]+n?\>'
    number = '\<0[bB][01_]+n?\>'
    number = '\<0[oO][0-7_]+n?\>'
    number = '\<[[:digit:]][[:digit:]_]*(\.[[:digit:]][[:digit:]_]*)?([eE][+-]?[[:digit:]]+)?n?\>'
    number = '\.[[:digit:]][[:digit:]_]*([eE][+-]?[[:digit:]]+)?\>'

    environment string delim "\"" "\"" escape "\\" begin
      specialchar = '\\.'
    end
    environment string delim "'" "'" escape "\\" begin
      specialchar = '\\.'
    end
    environment string delim "`" "`" escape "\\" multiline begin
      specialchar = '\\.'
    end

    # Decorators.
    preproc = '@[[:alpha:]_$][[:alnum:]_$]*'

    keyword = "abstract|accessor|as|asserts|async|await|break|case|catch|class|const",
      "constructor|continue|debugger|declare|default|delete|do|else|enum|export",
      "extends|false|finally|for|from|function|if|implements|import|in|infer",
      "instanceof|interface|is|keyof|let|module|namespace|new|null|of|override",
      "private|protected|public|readonly|return|satisfies|static|super|switch",
      "this|throw|true|try|type|typeof|undefined|unique|var|while|with|yield"

    type = "any|bigint|boolean|never|number|object|string|symbol|unknown|void"

    symbol = "~","!","%","^","*","(",")","-","+","=","[","]","\\",":",";",",",".","/","?","&","<",">","\|"

    cbracket = "{|}"

    function = '([[:alpha:]$]|_)[[:alnum:]_$]*(?=[[:blank:]]*\()'
    """##
}

/// 64-bit FNV-1a, for a folder name that is the same in every process (`Hasher` is seeded anew
/// in each).
private struct FNV1a {
    private var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        for byte in text.utf8 {
            value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        value = (value ^ 0xff) &* 0x0000_0100_0000_01b3
    }

    /// The first 12 hexadecimal digits.
    var hex: String { String(String(value, radix: 16).leftPadded(to: 16).prefix(12)) }
}

private extension String {
    func leftPadded(to length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
