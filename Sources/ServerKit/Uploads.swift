public import Foundation
public import Store
import TemplateSchema

/// One part of a multipart/form-data body.
public struct MultipartPart: Sendable {
    public var name: String
    public var filename: String?
    public var body: Data
}

/// A strict multipart/form-data reader (RFC 7578) for bodies already in memory.
public enum Multipart {
    /// The parts of `body`, split on the boundary from `contentType`.
    public static func parse(_ body: Data, contentType: String) throws -> [MultipartPart] {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundaryRange = contentType.range(of: "boundary=", options: .caseInsensitive) else {
            throw APIError.invalidRequest("uploads must be multipart/form-data with a boundary", field: "Content-Type")
        }
        var boundary = String(contentType[boundaryRange.upperBound...])
        if let semicolon = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semicolon]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        guard !boundary.isEmpty else { throw APIError.invalidRequest("the multipart boundary is empty", field: "Content-Type") }
        let delimiter = Data("--\(boundary)".utf8)
        var parts: [MultipartPart] = []
        guard var cursor = body.range(of: delimiter)?.upperBound else {
            throw APIError.invalidRequest("the multipart body has no parts")
        }
        let headerEnd = Data("\r\n\r\n".utf8), nextDelimiter = Data("\r\n--\(boundary)".utf8)
        while true {
            // "--" after a delimiter ends the body.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard let headersStop = body.range(of: headerEnd, in: cursor..<body.endIndex),
                  let partStop = body.range(of: nextDelimiter, in: headersStop.upperBound..<body.endIndex) else {
                throw APIError.invalidRequest("the multipart body is truncated")
            }
            let headers = String(decoding: body[cursor..<headersStop.lowerBound], as: UTF8.self)
            var name: String?, filename: String?
            for line in headers.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                name = Self.parameter("name", in: line)
                filename = Self.parameter("filename", in: line)
            }
            if let name {
                parts.append(MultipartPart(name: name, filename: filename, body: body.subdata(in: headersStop.upperBound..<partStop.lowerBound)))
            }
            cursor = partStop.upperBound
        }
        return parts
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
    /// Stores `files` (name, bytes, recognised type) as `account`'s uploads, within its quota, each
    /// named `prefix + name` in the returned inputs; on any failure nothing stays stored.
    public func storeJobFiles(_ files: [(name: String, body: Data, detected: DetectedType)], account: Account,
                              prefix: String) throws -> JobUploads {
        var stored = JobUploads(account: account.id)
        do {
            for file in files {
                let id = Identifier.make(20)
                let path = paths.uploads + "/\(id).\(file.detected.fileExtension)"
                guard FileManager.default.createFile(atPath: path, contents: file.body) else {
                    throw APIError(.internalServerError, code: "upload_failed", "could not store \(file.name)")
                }
                stored.paths.append(path)
                let record = FileRecord(id: id, accountId: account.id, name: file.name, storedPath: path, type: file.detected.type,
                                        mimeType: file.detected.mimeType, size: Int64(file.body.count))
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
