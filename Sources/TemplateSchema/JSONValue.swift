public import Foundation

/// A parsed JSON document, kept as a tree so that every field can be checked and reported by path.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses JSON text, reporting a syntax error as a diagnostic at the document root.
    public static func parse(_ data: Data) throws(SchemaError) -> JSONValue {
        if let problem = JSONPrecheck.problem(in: data) { throw problem }
        // JSONSerialization says where the text goes wrong; the Codable decoder, trying each type
        // in turn, reported a nested failure as "expected a dictionary".
        do {
            return value(of: try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            throw SchemaError(path: .root, message: "invalid JSON: \(detail ?? "\(error)")")
        }
    }

    /// The tree of a JSONSerialization object graph. Booleans come as numbers whose type code
    /// is "c"; everything else maps one to one.
    private static func value(of object: Any) -> JSONValue {
        switch object {
        case let number as NSNumber:
            String(cString: number.objCType) == "c" ? .bool(number.boolValue) : .number(number.doubleValue)
        case let string as String: .string(string)
        case let array as [Any]: .array(array.map(value(of:)))
        case let members as [String: Any]: .object(members.mapValues(value(of:)))
        default: .null
        }
    }

    /// A short name of the value's JSON type, for messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
