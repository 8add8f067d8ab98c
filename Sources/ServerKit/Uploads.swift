public import Foundation
import NIOCore
public import Store
import TemplateSchema

/// One part of a multipart/form-data body: a field's value in memory, or a file (a part with a
/// filename) written to disk as it arrived.
public struct MultipartPart: Sendable {
    public var name: String
    public var filename: String?
    /// A field's value; empty for a file part.
    public var body: Data
    /// A file part's bytes on disk.
    public var file: SpooledFile?

    /// The part's size in bytes (a file's counts the bytes past the limit too, which were not kept).
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

/// A file part written to the spool folder as it arrived.
public struct SpooledFile: Sendable {
    public static let headLength = 4096
    public var path: String
    public var size: Int
    public var head: Data
}

extension Array where Element == MultipartPart {
    /// Removes the spooled files that were not stored (a no-op for those moved by `store(at:)`).
    public func discardSpooledFiles() {
        for part in self { if let file = part.file { try? FileManager.default.removeItem(atPath: file.path) } }
    }
}

/// Reads a multipart/form-data body (RFC 7578) as it arrives: a file part goes to a file in the
/// spool folder through a 1 MiB buffer, so a body of any size takes the same memory; fields stay
/// in memory up to `fieldLimit` (then 413). A file is kept up to `fileLimit` bytes and counted
/// past it (the caller words that 413); the body as a whole is cut off with a 413 past
/// `totalLimit`. Delimiters are found with the C library's `memchr` and `memcmp`, so the scan runs at memory
/// speed in any build (multipart-kit's byte-at-a-time parser took minutes for 300 MB unoptimised,
/// which is how the test suite runs).
final class MultipartReader {
    private let spoolFolder: String
    private let fileLimit: Int, fieldLimit: Int, totalLimit: Int
    static let maximumParts = 100
    /// The longest header block a part may have.
    static let maximumHeaderBytes = 16 << 10

    /// `--boundary` (the first delimiter may come without the line break) and `\r\n--boundary`.
    private let dashBoundary: [UInt8], delimiter: [UInt8]
    private var input = Data()
    private var state = State.preamble
    private var parts: [MultipartPart] = []
    private var current: Current?
    private var received = 0, partCount = 0

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

    init(contentType: String, spoolFolder: String, fileLimit: Int, fieldLimit: Int, totalLimit: Int) throws {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundaryRange = contentType.range(of: "boundary=", options: .caseInsensitive) else {
            throw APIError.invalidRequest("uploads must be multipart/form-data with a boundary", field: "Content-Type")
        }
        var boundary = String(contentType[boundaryRange.upperBound...])
        if let semicolon = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semicolon]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        guard !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw APIError.invalidRequest("the multipart boundary must be 1 to 200 characters", field: "Content-Type")
        }
        dashBoundary = Array("--\(boundary)".utf8)
        delimiter = Array("\r\n--\(boundary)".utf8)
        self.spoolFolder = spoolFolder
        self.fileLimit = fileLimit
        self.fieldLimit = fieldLimit
        self.totalLimit = totalLimit
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

    /// Removes every file written, for a body that was refused.
    func abandon() {
        if let path = current?.path {
            try? current?.handle?.close()
            try? FileManager.default.removeItem(atPath: path)
        }
        current = nil
        parts.discardSpooledFiles()
    }

    /// Consumes what `input` holds, as far as it can be read.
    private func scan() throws {
        var offset = 0
        defer { input.removeSubrange(0..<offset) }
        while true {
            let available = input.count - offset
            switch state {
            case .preamble:
                // The body may open with `--boundary` itself; anything else before the first
                // delimiter is a preamble, ignored.
                if received == input.count && offset == 0 && available < dashBoundary.count
                    && input.elementsEqual(dashBoundary.prefix(available)) { return }
                if offset == 0 && received == input.count && input.starts(with: dashBoundary) {
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
                // `--` closes the body; a line break (after optional padding) opens a part.
                var index = offset
                while index < input.count, input[input.startIndex + index] == 0x20 || input[input.startIndex + index] == 0x09 { index += 1 }
                guard input.count - index >= 2 else { return }
                let pair = (input[input.startIndex + index], input[input.startIndex + index + 1])
                if pair == (0x2D, 0x2D) {
                    state = .epilogue
                } else if pair == (0x0D, 0x0A) {
                    offset = index + 2
                    state = .headers
                } else {
                    throw APIError.invalidRequest("the multipart body is malformed after a boundary")
                }
            case .headers:
                let end: Int
                if available >= 2 && input[input.startIndex + offset] == 0x0D && input[input.startIndex + offset + 1] == 0x0A {
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
                    try body(input[(input.startIndex + offset)..<(input.startIndex + found)])
                    try complete()
                    offset = found + delimiter.count
                    state = .afterDelimiter
                } else {
                    // Keep what could be the start of a delimiter for the next piece.
                    let safe = input.count - (delimiter.count - 1)
                    if safe > offset {
                        try body(input[(input.startIndex + offset)..<(input.startIndex + safe)])
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
            part.name = Self.parameter("name", in: line)
            part.filename = Self.parameter("filename", in: line)
        }
        current = part
    }

    private func body(_ bytes: Data) throws {
        // Taken out while it changes, so that its buffers are not copied on each piece.
        guard var part = current else { return }
        current = nil
        defer { current = part }
        let count = bytes.count
        part.size += count
        if part.filename == nil {
            guard part.size <= fieldLimit else { throw APIError.tooLarge(limit: fieldLimit) }
            part.field.append(bytes)
            return
        }
        if part.head.count < SpooledFile.headLength {
            part.head.append(bytes.prefix(SpooledFile.headLength - part.head.count))
        }
        // Past the limit the bytes are counted, not kept: the caller refuses the file by its size.
        let keep = max(0, min(count, fileLimit - (part.size - count)))
        guard keep > 0 else { return }
        part.pending.append(bytes.prefix(keep))
        if part.pending.count >= 1 << 20 { try flush(&part) }
    }

    private func flush(_ part: inout Current) throws {
        if part.path == nil {
            let path = spoolFolder + "/" + Identifier.make(24)
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
            // An empty file is a file too.
            try flush(&part)
            try? part.handle?.close()
            if let path = part.path { spooled = SpooledFile(path: path, size: part.size, head: part.head) }
        }
        guard let name = part.name else {
            if let path = part.path { try? FileManager.default.removeItem(atPath: path) }
            return
        }
        parts.append(MultipartPart(name: name, filename: part.filename, body: part.field, file: spooled))
    }

    private static func parameter(_ key: String, in line: String) -> String? {
        guard let range = line.range(of: "; \(key)=\"") ?? line.range(of: ";\(key)=\"") else { return nil }
        let rest = line[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}

/// What an uploaded file is, decided from its bytes, never from its name.
public struct DetectedType: Equatable, Sendable {
    public var type: String       // image | video | audio | subtitle
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
        if ascii("ID3") || (bytes.count > 1 && bytes[0] == 0xFF && (bytes[1] & 0xE6) == 0xE2) {
            return DetectedType(type: "audio", mimeType: "audio/mpeg", fileExtension: "mp3")
        }
        if bytes.count > 1, bytes[0] == 0xFF, (bytes[1] & 0xF6) == 0xF0 {
            return DetectedType(type: "audio", mimeType: "audio/aac", fileExtension: "aac")
        }
        let text = String(decoding: data.prefix(1024), as: UTF8.self).lowercased()
        if text.contains("<svg") { return DetectedType(type: "image", mimeType: "image/svg+xml", fileExtension: "svg") }
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
