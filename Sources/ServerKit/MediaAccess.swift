import Foundation
import Media
import Store
public import TemplateSchema
import Timeline

/// What a document rendered by the server may read: http(s) URLs (fetched through the outbound
/// network policy), and the uploads of the account that owns the document, named by their URL
/// (`…/uploads/<id>/<name>`) or their id. Local paths, `file:` URLs and other accounts' uploads
/// are refused, so one account can never render another's files or the server's own. Files sent
/// with a job are also named by the names the job gave them.
public struct MediaAccess: Sendable {
    let database: ReelDatabase
    /// Fetches the files lowering reads (a subtitle's caption file) under the network policy: its
    /// own locator (the shared cache folder), holding a download to 10 MiB and 20 s, since it runs
    /// while a request is answered.
    let locator: MediaLocator

    init(database: ReelDatabase, locator: MediaLocator) {
        self.database = database
        self.locator = MediaLocator(cacheDirectory: locator.cacheDirectory,
                                    limits: .init(maximumBytes: Int64(SourceResolver.largestReadFile), timeout: 20),
                                    policy: locator.policy)
    }

    /// The resolver for documents of `account`; `inputs` names files sent with one job (name →
    /// file id), which its document may use by those names.
    public func sources(for account: String, inputs: [String: String] = [:]) -> SourceResolver {
        SourceResolver({ [database] src in
            if let id = inputs[src] {
                guard let file = try? database.file(id: id), file.accountId == account else { return .failure(Self.notYours) }
                return .success(.file(file.storedPath))
            }
            if SourceResolver.isRemote(src) {
                // A link to one of our uploads reads the stored file, and only the owner's.
                guard let id = Self.uploadID(inURL: src), let file = try? database.file(id: id) else { return .success(.url(src)) }
                return file.accountId == account ? .success(.file(file.storedPath)) : .failure(Self.notYours)
            }
            if Self.looksLikeID(src), let file = try? database.file(id: src) {
                return file.accountId == account ? .success(.file(file.storedPath)) : .failure(Self.notYours)
            }
            return .failure(SourceRefusal("the server reads media from http(s) URLs and from this account's uploads "
                                          + "(a file's URL or id); local paths and file: URLs are not accepted"))
        }, read: { [locator] source in
            // Only sources this resolver allowed reach here: uploads as files, URLs through the policy.
            try SourceResolver.readLocalFile(.file(locator.localPath(for: source)))
        })
    }

    private static let notYours = SourceRefusal("no uploaded file with this id belongs to this account")

    /// The file id in a URL whose path ends `/uploads/<id>/<name>`, as `fileJSON` writes them.
    static func uploadID(inURL text: String) -> String? {
        guard let path = URLComponents(string: text)?.path else { return nil }
        let parts = path.split(separator: "/")
        guard parts.count >= 3, parts[parts.count - 3] == "uploads", looksLikeID(String(parts[parts.count - 2])) else { return nil }
        return String(parts[parts.count - 2])
    }

    /// Whether `text` has the shape of a stored file's id (ASCII letters and digits).
    static func looksLikeID(_ text: String) -> Bool {
        (8...64).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        }
    }
}
