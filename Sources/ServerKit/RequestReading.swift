public import Foundation
public import Hummingbird
public import NIOCore
import TemplateSchema

/// Reading requests the same way on every surface: JSON bodies, pages, path parameters.
extension ReelService {
    /// A request's body as a JSON object (at most `maximumRequestBytes`; checked for depth, size and
    /// unusable numbers before it is parsed, off the cooperative threads); `allowEmpty` reads no
    /// body as an empty object.
    public func jsonBody(_ request: Request, allowEmpty: Bool = false) async throws -> [String: Any] {
        let buffer = try await collectBody(of: request, upTo: configuration.maximumRequestBytes)
        return try await jsonObject(buffer, allowEmpty: allowEmpty)
    }

    /// A multipart/form-data request's parts, read as they arrive: files go to a spool folder of
    /// the request's own under `incoming/` (`MultipartPart.store(at:)` moves one where it belongs;
    /// the folder goes, with what was not stored, when the last part does), fields stay in memory,
    /// `maximumRequestBytes` at most all together. The body is held to the upload limits: a file
    /// past `maximumUploadBytes` is refused at that byte with `fileTooLarge` (by default a 413
    /// `FILE_TOO_LARGE` naming it), the body past four files' worth with a 413 `FILE_TOO_LARGE`,
    /// and it has `uploadTimeout` to arrive (408).
    public func multipartParts(_ request: Request, fileTooLarge: (@Sendable (String) -> APIError)? = nil) async throws -> [MultipartPart] {
        let limit = configuration.maximumUploadBytes
        let contentType = request.headers[.contentType] ?? ""
        let (spool, fieldLimit) = (paths.incoming, configuration.maximumRequestBytes)
        let tooLarge = fileTooLarge ?? { name in
            APIError(.contentTooLarge, code: "FILE_TOO_LARGE", "\(name) is larger than \(limit) bytes", details: ["file": name])
        }
        let outcome = await withDeadline(configuration.uploadTimeout) { [request] () -> Result<[MultipartPart], any Error> in
            do {
                let reader = try MultipartReader(contentType: contentType, spoolFolder: spool, fileLimit: limit, fieldLimit: fieldLimit,
                                                 totalLimit: limit * 4 + (1 << 20), fileTooLarge: tooLarge)
                for try await buffer in request.body {
                    try Task.checkCancellation()
                    try reader.feed(buffer)
                }
                return .success(try reader.finish())
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let parts)?: return parts
        case .failure(let error)?: throw error
        case nil: throw APIError(.requestTimeout, code: "REQUEST_TIMEOUT", "the upload did not arrive within \(Int(saturating: configuration.uploadTimeout)) s")
        }
    }

    /// `buffer` read as a JSON object, as `jsonBody` reads a request's body.
    public func jsonObject(_ buffer: ByteBuffer, allowEmpty: Bool = false) async throws -> [String: Any] {
        if buffer.readableBytes == 0 {
            guard allowEmpty else { throw APIError.invalidRequest("the request body must be a JSON object") }
            return [:]
        }
        let data = Data(buffer: buffer)
        if let problem = JSONPrecheck.problem(in: data)?.diagnostics.first {
            let field = problem.path == .root ? nil : problem.path.description
            throw APIError.invalidRequest("the request body is not usable JSON: \(problem)", field: field)
        }
        // Parsing a large body takes a while: off the cooperative threads, so other requests go on.
        let parsed = await runOnThread { () throws -> Unchecked<Any> in Unchecked(try JSONSerialization.jsonObject(with: data)) }
        switch parsed {
        case .success(let value):
            guard let object = value.value as? [String: Any] else { throw APIError.invalidRequest("the request body must be a JSON object") }
            return object
        case .failure(let error):
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw APIError.invalidRequest("the request body must be a JSON object; it is not valid JSON: \(reason)")
        }
    }

    /// The highest page number a listing accepts.
    public static let lastPage = 1_000_000

    public func pagination(_ request: Request) throws -> (page: Int, limit: Int) {
        let query = request.uri.queryParameters
        let page = try query.get("page").map { text -> Int in
            guard let value = DecimalSyntax.parseInteger(text), (1...Self.lastPage).contains(value) else {
                throw APIError.invalidRequest("page must be a whole number from 1 to \(Self.lastPage)", field: "page")
            }
            return value
        } ?? 1
        let limit = try query.get("limit").map { text -> Int in
            guard let value = DecimalSyntax.parseInteger(text), value >= 1 else {
                throw APIError.invalidRequest("limit must be a whole number from 1 to 100", field: "limit")
            }
            return min(value, 100)
        } ?? 20
        return (page, limit)
    }

    public func parameter(_ name: String, _ context: ReelRequestContext) throws -> String {
        guard let value = context.parameters.get(name), !value.isEmpty else { throw APIError.invalidRequest("\(name) is missing", field: name) }
        return value
    }
}

/// Whether a value from JSONSerialization was `true` or `false` in the JSON (Foundation bridges
/// those to numbers that also read as the integers 1 and 0).
public func isJSONBool(_ value: Any) -> Bool {
    guard let number = value as? NSNumber else { return false }
    return String(cString: number.objCType) == "c"
}
