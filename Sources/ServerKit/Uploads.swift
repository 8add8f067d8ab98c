public import Foundation
import NIOCore
public import Store
import TemplateSchema

/// One part of a multipart/form-data body: a field's value in memory, or a file (a part with a
/// filename) written to disk as it arrived.
public struct MultipartPart: Sendable {
    /// The part's name (`Content-Disposition: form-data; name=…`).
    public var name: String
    /// The client's file name (`filename*` preferred to `filename`), for file parts.
    public var filename: String?
    /// A field's value; empty for a file part.
    public var body: Data
    /// A file part's bytes on disk.
    public var file: SpooledFile?

    /// The part's size in bytes.
    public var size: Int { file?.size ?? body.count }
    /// The part's first bytes, to tell its type by.
    public var head: Data { file?.head ?? body.prefix(SpooledFile.headLength) }

    /// The whole part (a file read back from disk), when it is at most `limit` bytes.
    public func contents(limit: Int) throws -> Data {
        guard size <= limit else { throw APIError.tooLarge(limit: limit) }
        guard let file else { return body }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw APIError(.internalServerError, code: "UPLOAD_FAILED", "the part \(name) could not be read back")
        }
        return data
    }

    /// Stores the part's bytes at `path`: a spooled file is moved there, a field written.
    public func store(at path: String) throws {
        if let file {
            try FileManager.default.moveItem(atPath: file.path, toPath: path)
        } else if !FileManager.default.createFile(atPath: path, contents: body) {
            throw APIError(.internalServerError, code: "UPLOAD_FAILED", "could not store \(filename ?? name)")
        }
    }
}

/// A file part written to its request's spool folder as it arrived.
public struct SpooledFile: Sendable {
    /// How many of the first bytes are kept in memory (`head`).
    public static let headLength = 4096
    /// Where the bytes are until `MultipartPart.store(at:)` moves them.
    public var path: String
    /// The file's size in bytes.
    public var size: Int
    /// Its first `headLength` bytes.
    public var head: Data
    /// The folder, kept while any part of the request is.
    let folder: SpoolFolder
}

/// One request's folder under the data folder's `incoming/`: removed, with whatever was not
/// stored out of it, when the last part that refers to it goes, on every path (stored, refused,
/// failed, cut off, timed out).
final class SpoolFolder: Sendable {
    let path: String

    init(parent: String) throws {
        path = parent + "/" + Identifier.make(20)
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        } catch {
            throw APIError(.internalServerError, code: "UPLOAD_FAILED", "could not store the upload")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Reads a multipart/form-data body (RFC 7578) as it arrives. A file part goes to a file in the
/// request's spool folder through a 1 MiB buffer and is refused (`fileTooLarge`, a 413) as soon as
/// it passes `fileLimit`; fields stay in memory, `fieldLimit` bytes at most all together (then
/// 413); the body as a whole is cut off with a 413 past `totalLimit`. So a request holds at most
/// `fieldLimit` plus a few MiB of memory, whatever its size.
/// Delimiters are found with the C library's `memchr` and `memcmp`, so the scan runs at memory
/// speed in any build (multipart-kit's byte-at-a-time parser took minutes for 300 MB unoptimised,
/// which is how the test suite runs).
final class MultipartReader {
    private let folder: SpoolFolder
    private let fileLimit: Int, fieldLimit: Int, totalLimit: Int
    private let fileTooLarge: @Sendable (String) -> APIError
    static let maximumParts = 100
    /// The longest header block a part may have.
    static let maximumHeaderBytes = 16 << 10
    /// Spaces and tabs allowed after a delimiter (RFC 2046's transport padding).
    static let maximumPadding = 64

    /// `--boundary` (the first delimiter may come without the line break) and `\r\n--boundary`.
    private let dashBoundary: [UInt8], delimiter: [UInt8]
    private var input = Data()
    private var state = State.preamble
    private var parts: [MultipartPart] = []
    private var current: Current?
    private var received = 0, partCount = 0, fieldBytes = 0

    private enum State { case preamble, afterDelimiter, headers, body, epilogue }

    private struct Current {
        var name: String?
        var filename: String?
        var field = Data()
        var size = 0
        var head = Data()
        var path: String?
        var handle: FileHandle?
        var pending = Data()
    }

    init(contentType: String, spoolFolder: String, fileLimit: Int, fieldLimit: Int, totalLimit: Int,
         fileTooLarge: @escaping @Sendable (String) -> APIError) throws {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundary = HeaderParameters(contentType).values["boundary"], !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw APIError.invalidRequest("uploads must be multipart/form-data with a boundary of 1 to 200 characters", field: "Content-Type")
        }
        dashBoundary = Array("--\(boundary)".utf8)
        delimiter = Array("\r\n--\(boundary)".utf8)
        folder = try SpoolFolder(parent: spoolFolder)
        self.fileLimit = fileLimit
        self.fieldLimit = fieldLimit
        self.totalLimit = totalLimit
        self.fileTooLarge = fileTooLarge
    }

    /// Takes the next piece of the body.
    func feed(_ buffer: ByteBuffer) throws {
        received += buffer.readableBytes
        guard received <= totalLimit else {
            throw APIError(.contentTooLarge, code: "FILE_TOO_LARGE", "the upload is larger than the server accepts (\(fileLimit) bytes a file)")
        }
        buffer.withUnsafeReadableBytes { input.append(contentsOf: $0) }
        try scan()
    }

    /// The parts, once the whole body has arrived.
    func finish() throws -> [MultipartPart] {
        switch state {
        case .epilogue: return parts
        case .preamble where partCount == 0: throw APIError.invalidRequest("the multipart body has no parts")
        default: throw APIError.invalidRequest("the multipart body is truncated")
        }
    }

    /// Consumes what `input` holds, as far as it can be read.
    private func scan() throws {
        var offset = 0
        defer { input.removeSubrange(0..<offset) }
        func byte(_ index: Int) -> UInt8 { input[input.startIndex + index] }
        while true {
            let available = input.count - offset
            switch state {
            case .preamble:
                // The body may open with `--boundary` itself; anything else before the first
                // delimiter is a preamble, ignored.
                let atStart = received == input.count && offset == 0
                if atStart && available < dashBoundary.count && input.elementsEqual(dashBoundary.prefix(available)) { return }
                if atStart && input.starts(with: dashBoundary) {
                    offset = dashBoundary.count
                    state = .afterDelimiter
                } else if let found = find(delimiter, from: offset) {
                    offset = found + delimiter.count
                    state = .afterDelimiter
                } else {
                    offset = max(offset, input.count - (delimiter.count - 1))
                    return
                }
            case .afterDelimiter:
                // `--` closes the body; a line break, after a little padding, opens a part.
                var index = offset
                while index < input.count && (byte(index) == 0x20 || byte(index) == 0x09) { index += 1 }
                guard index - offset <= Self.maximumPadding else {
                    throw APIError.invalidRequest("the multipart body is malformed after a boundary")
                }
                guard input.count - index >= 2 else { return }
                if byte(index) == 0x2D && byte(index + 1) == 0x2D {
                    state = .epilogue
                } else if byte(index) == 0x0D && byte(index + 1) == 0x0A {
                    offset = index + 2
                    state = .headers
                } else {
                    throw APIError.invalidRequest("the multipart body is malformed after a boundary")
                }
            case .headers:
                let end: Int
                if available >= 2 && byte(offset) == 0x0D && byte(offset + 1) == 0x0A {
                    end = offset  // no headers at all
                } else if let found = find([0x0D, 0x0A, 0x0D, 0x0A], from: offset) {
                    end = found + 2
                } else {
                    guard available <= Self.maximumHeaderBytes else { throw APIError.invalidRequest("a multipart part's headers are too long") }
                    return
                }
                guard end - offset <= Self.maximumHeaderBytes else { throw APIError.invalidRequest("a multipart part's headers are too long") }
                try begin(headers: String(decoding: input[(input.startIndex + offset)..<(input.startIndex + end)], as: UTF8.self))
                offset = end + 2
                state = .body
            case .body:
                if let found = find(delimiter, from: offset) {
                    try append(input[(input.startIndex + offset)..<(input.startIndex + found)])
                    try complete()
                    offset = found + delimiter.count
                    state = .afterDelimiter
                } else {
                    // Keep what could be the start of a delimiter for the next piece.
                    let safe = input.count - (delimiter.count - 1)
                    if safe > offset {
                        try append(input[(input.startIndex + offset)..<(input.startIndex + safe)])
                        offset = safe
                    }
                    return
                }
            case .epilogue:
                offset = input.count
                return
            }
        }
    }

    /// Where `needle` starts in `input` at or after `offset`.
    private func find(_ needle: [UInt8], from offset: Int) -> Int? {
        guard input.count - offset >= needle.count else { return nil }
        return input.withUnsafeBytes { haystack -> Int? in
            needle.withUnsafeBytes { pattern -> Int? in
                guard let base = haystack.baseAddress, let patternBase = pattern.baseAddress else { return nil }
                // memchr to each candidate first byte, memcmp for the rest (glibc's memmem is not
                // visible to Swift without _GNU_SOURCE).
                var start = offset
                let last = haystack.count - pattern.count
                while start <= last {
                    guard let hit = memchr(base + start, Int32(needle[0]), last - start + 1) else { return nil }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(hit, patternBase, pattern.count) == 0 { return at }
                    start = at + 1
                }
                return nil
            }
        }
    }

    private func begin(headers: String) throws {
        partCount += 1
        guard partCount <= Self.maximumParts else {
            throw APIError.invalidRequest("a multipart body takes at most \(Self.maximumParts) parts")
        }
        var part = Current()
        for line in headers.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            let parameters = HeaderParameters(String(line.dropFirst("content-disposition:".count))).values
            part.name = parameters["name"]
            part.filename = parameters["filename*"] ?? parameters["filename"]
        }
        current = part
    }

    /// Adds bytes to the part being read: to its field, or to its file's buffer.
    private func append(_ bytes: Data) throws {
        // Taken out while it changes, so that its buffers are not copied on each piece.
        guard var part = current else { return }
        current = nil
        defer { current = part }
        part.size += bytes.count
        guard let filename = part.filename else {
            fieldBytes += bytes.count
            guard fieldBytes <= fieldLimit else { throw APIError.tooLarge(limit: fieldLimit) }
            part.field.append(bytes)
            return
        }
        guard part.size <= fileLimit else { throw fileTooLarge(sanitizedFileName(filename)) }
        if part.head.count < SpooledFile.headLength {
            part.head.append(bytes.prefix(SpooledFile.headLength - part.head.count))
        }
        part.pending.append(bytes)
        if part.pending.count >= 1 << 20 { try flush(&part) }
    }

    /// Writes the part's buffered bytes to its file (made on first use).
    private func flush(_ part: inout Current) throws {
        if part.path == nil {
            let path = folder.path + "/" + Identifier.make(16)
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                throw APIError(.internalServerError, code: "UPLOAD_FAILED", "could not store the upload")
            }
            part.path = path
            part.handle = handle
        }
        guard !part.pending.isEmpty else { return }
        try part.handle?.write(contentsOf: part.pending)
        part.pending.removeAll(keepingCapacity: true)
    }

    private func complete() throws {
        guard var part = current else { return }
        current = nil
        var spooled: SpooledFile?
        if part.filename != nil {
            defer { try? part.handle?.close() }
            // An empty file is a file too.
            try flush(&part)
            if let path = part.path { spooled = SpooledFile(path: path, size: part.size, head: part.head, folder: folder) }
        }
        // A part with no name is dropped; its file goes with the folder.
        guard let name = part.name else { return }
        parts.append(MultipartPart(name: name, filename: part.filename, body: part.field, file: spooled))
    }
}

/// The parameters of a header value (`type; name="value"; name*=UTF-8''percent%20encoded`), names
/// lowercased, quoted values unescaped, RFC 8187 extended values decoded (kept under `name*`).
struct HeaderParameters {
    var values: [String: String] = [:]

    init(_ header: String) {
        var pieces: [String] = [], piece = "", quoted = false, escaped = false
        for character in header {
            if escaped {
                piece.append(character)
                escaped = false
            } else if quoted && character == "\\" {
                piece.append(character)
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
                piece.append(character)
            } else if character == ";" && !quoted {
                pieces.append(piece)
                piece = ""
            } else {
                piece.append(character)
            }
        }
        pieces.append(piece)
        for piece in pieces {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let name = piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") {
                var unquoted = "", escape = false
                for character in value.dropFirst().dropLast() {
                    if escape || character != "\\" {
                        unquoted.append(character)
                        escape = false
                    } else {
                        escape = true
                    }
                }
                value = unquoted
            } else if name.hasSuffix("*") {
                // charset'language'percent-encoded; only UTF-8 (and its ASCII subset) is read.
                let fields = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count == 3, ["utf-8", "us-ascii"].contains(fields[0].lowercased()),
                      let decoded = String(fields[2]).removingPercentEncoding else { continue }
                value = decoded
            }
            if !name.isEmpty && values[name] == nil { values[name] = value }
        }
    }
}

/// What an uploaded file is, decided from its bytes, never from its name.
public struct DetectedType: Equatable, Sendable {
    public var type: String       // image | video | audio | subtitle | model
    public var mimeType: String
    public var fileExtension: String

    /// Recognises the formats the RenderingVideo API accepts.
    public static func detect(_ data: Data) -> DetectedType? {
        let bytes = [UInt8](data.prefix(64))
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<offset + prefix.count]) == prefix
        }
        func ascii(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }
        if starts([0xFF, 0xD8, 0xFF]) { return DetectedType(type: "image", mimeType: "image/jpeg", fileExtension: "jpg") }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return DetectedType(type: "image", mimeType: "image/png", fileExtension: "png") }
        if ascii("GIF87a") || ascii("GIF89a") { return DetectedType(type: "image", mimeType: "image/gif", fileExtension: "gif") }
        if ascii("RIFF"), ascii("WEBP", at: 8) { return DetectedType(type: "image", mimeType: "image/webp", fileExtension: "webp") }
        if ascii("RIFF"), ascii("WAVE", at: 8) { return DetectedType(type: "audio", mimeType: "audio/wav", fileExtension: "wav") }
        if ascii("ftyp", at: 4) {
            let brand = String(decoding: bytes[8..<min(12, bytes.count)], as: UTF8.self)
            switch brand {
            case "avif", "avis": return DetectedType(type: "image", mimeType: "image/avif", fileExtension: "avif")
            case "heic", "heix", "hevc", "hevx": return DetectedType(type: "image", mimeType: "image/heic", fileExtension: "heic")
            case "mif1", "msf1": return DetectedType(type: "image", mimeType: "image/heif", fileExtension: "heif")
            case "qt  ": return DetectedType(type: "video", mimeType: "video/quicktime", fileExtension: "mov")
            case "M4A ", "M4B ": return DetectedType(type: "audio", mimeType: "audio/aac", fileExtension: "m4a")
            default: return DetectedType(type: "video", mimeType: "video/mp4", fileExtension: "mp4")
            }
        }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return DetectedType(type: "video", mimeType: "video/webm", fileExtension: "webm") }
        if ascii("OggS") {
            let head = String(decoding: data.prefix(512), as: UTF8.self)
            return head.contains("theora") ? DetectedType(type: "video", mimeType: "video/ogg", fileExtension: "ogv")
                : DetectedType(type: "audio", mimeType: "audio/ogg", fileExtension: "ogg")
        }
        if ascii("fLaC") { return DetectedType(type: "audio", mimeType: "audio/flac", fileExtension: "flac") }
        // glTF 2.0 models for three clips: binary (GLB's magic and version 2), or JSON whose
        // opening names its "asset" (buffers must be embedded: a model reads no other file).
        if ascii("glTF"), bytes.count >= 8, bytes[4] == 2, bytes[5] == 0, bytes[6] == 0, bytes[7] == 0 {
            return DetectedType(type: "model", mimeType: "model/gltf-binary", fileExtension: "glb")
        }
        if ascii("ID3") || (bytes.count > 1 && bytes[0] == 0xFF && (bytes[1] & 0xE6) == 0xE2) {
            return DetectedType(type: "audio", mimeType: "audio/mpeg", fileExtension: "mp3")
        }
        if bytes.count > 1, bytes[0] == 0xFF, (bytes[1] & 0xF6) == 0xF0 {
            return DetectedType(type: "audio", mimeType: "audio/aac", fileExtension: "aac")
        }
        let text = String(decoding: data.prefix(1024), as: UTF8.self).lowercased()
        if text.contains("<svg") { return DetectedType(type: "image", mimeType: "image/svg+xml", fileExtension: "svg") }
        if text.drop(while: \.isWhitespace).first == "{", text.contains("\"asset\""), text.contains("\"version\"") {
            return DetectedType(type: "model", mimeType: "model/gltf+json", fileExtension: "gltf")
        }
        // Caption files for subtitle clips, told apart by their first cue.
        switch CaptionFile.sniff(String(decoding: data.prefix(4096), as: UTF8.self)) {
        case .srt?: return DetectedType(type: "subtitle", mimeType: "application/x-subrip", fileExtension: "srt")
        case .webVTT?: return DetectedType(type: "subtitle", mimeType: "text/vtt", fileExtension: "vtt")
        case nil: return nil
        }
    }
}

/// A client's file name made safe to show and to put in a URL: its last path component, no
/// control characters, at most 200 characters.
public func sanitizedFileName(_ name: String?) -> String {
    let last = (name ?? "").split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
    let cleaned = String(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.map(Character.init)).prefix(200)
    let trimmed = cleaned.trimmingCharacters(in: .whitespaces)
    return trimmed.isEmpty || trimmed == "." || trimmed == ".." ? "file" : String(trimmed)
}

/// Files sent with a job, stored as the account's uploads and named for the job's document:
/// `inputs` maps `<prefix><file name>` to the upload's id (what `MediaAccess.sources(for:inputs:)`
/// reads). `remove(from:)` undoes them when the job is not accepted after all.
public struct JobUploads: Sendable {
    public var account: String
    public var paths: [String] = []
    public var ids: [String] = []
    public var inputs: [String: String] = [:]

    /// Removes the files and their records.
    public func remove(from database: ReelDatabase) {
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
        for id in ids { _ = try? database.deleteFile(id: id, account: account) }
    }
}

extension ReelService {
    /// Stores `files` (name, part, recognised type) as `account`'s uploads, within its quota, each
    /// named `prefix + name` in the returned inputs; on any failure nothing stays stored.
    public func storeJobFiles(_ files: [(name: String, part: MultipartPart, detected: DetectedType)], account: Account,
                              prefix: String) throws -> JobUploads {
        var stored = JobUploads(account: account.id)
        do {
            for file in files {
                let id = Identifier.make(20)
                let path = paths.uploads + "/\(id).\(file.detected.fileExtension)"
                try file.part.store(at: path)
                stored.paths.append(path)
                let record = FileRecord(id: id, accountId: account.id, name: file.name, storedPath: path, type: file.detected.type,
                                        mimeType: file.detected.mimeType, size: Int64(file.part.size))
                try database.insertFile(record, quota: account.storageQuota)
                stored.ids.append(id)
                stored.inputs[prefix + file.name] = id
            }
        } catch {
            stored.remove(from: database)
            throw error
        }
        return stored
    }
}
