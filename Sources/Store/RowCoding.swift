import Foundation

/// Encodes a record's properties as columns: its coding keys are the column names, nil is NULL,
/// `Data` is a blob and a string-backed enum its text.
enum RowEncoder {
    static func encode(_ record: some Encodable) throws -> [(name: String, value: SQLValue)] {
        let encoder = ColumnsEncoder()
        try record.encode(to: encoder)
        return encoder.columns
    }
}

/// Decodes a record from a row by column name, the inverse of `RowEncoder`.
enum RowDecoder {
    static func decode<R: Decodable>(_ type: R.Type, from row: SQLRow) throws -> R {
        try R(from: ColumnsDecoder(row: row, codingPath: []))
    }
}

private final class ColumnsEncoder: Encoder {
    var columns: [(name: String, value: SQLValue)] = []
    let codingPath: [any CodingKey] = []
    let userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Container<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { preconditionFailure("a record encodes as columns") }
    func singleValueContainer() -> any SingleValueEncodingContainer { preconditionFailure("a record encodes as columns") }

    struct Container<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: ColumnsEncoder
        var codingPath: [any CodingKey] { [] }

        func set(_ value: SQLValue, _ key: Key) { encoder.columns.append((key.stringValue, value)) }

        mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { set(.integer(value ? 1 : 0), key) }
        mutating func encode(_ value: String, forKey key: Key) throws { set(.text(value), key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { set(.real(value), key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { set(.integer(Int64(value)), key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { set(.integer(value), key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { try encodeNumber(value, key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { try encodeNumber(value, key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { try encodeNumber(value, key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { try encodeNumber(value, key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { try encodeNumber(value, key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { try encodeNumber(value, key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { try encodeNumber(value, key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { try encodeNumber(value, key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { try encodeNumber(value, key) }

        private func encodeNumber<N: BinaryInteger>(_ value: N, _ key: Key) throws {
            guard let number = Int64(exactly: value) else {
                throw EncodingError.invalidValue(value, .init(codingPath: [key], debugDescription: "out of a column's range"))
            }
            set(.integer(number), key)
        }

        private func encodeNumber(_ value: Float, _ key: Key) throws { set(.real(Double(value)), key) }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            switch value {
            case let bindable as any SQLBindable: set(bindable.sqlValue, key)
            case let raw as any RawRepresentable<String>: set(.text(raw.rawValue), key)
            default:
                throw EncodingError.invalidValue(value, .init(codingPath: [key], debugDescription: "not a column value"))
            }
        }

        // Optionals write NULL rather than leaving the column out, so an update clears it.
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try encodeOptional(value, key) }

        private mutating func encodeOptional<T: Encodable>(_ value: T?, _ key: Key) throws {
            if let value { try encode(value, forKey: key) } else { set(.null, key) }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            preconditionFailure("a column holds one value")
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { preconditionFailure("a column holds one value") }
        mutating func superEncoder() -> any Encoder { encoder }
        mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
    }
}

private struct ColumnsDecoder: Decoder {
    let row: SQLRow
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Container<Key>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(SQLRow.self, .init(codingPath: codingPath, debugDescription: "a row decodes as a keyed record"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        guard let key = codingPath.last else {
            throw DecodingError.typeMismatch(SQLRow.self, .init(codingPath: codingPath, debugDescription: "a row decodes as a keyed record"))
        }
        return Column(value: row[key.stringValue], codingPath: codingPath)
    }

    struct Container<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let row: SQLRow
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { row.columns.compactMap { Key(stringValue: $0.name) } }

        func contains(_ key: Key) -> Bool { row.columns.contains { $0.name == key.stringValue } }
        func decodeNil(forKey key: Key) throws -> Bool { row[key.stringValue] == .null }

        func column(_ key: Key) -> Column { Column(value: row[key.stringValue], codingPath: [key]) }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try column(key).value(type) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try column(key).value(type) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try column(key).value(type) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try column(key).value(type) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try column(key).value(type) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try column(key).value(type) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try column(key).value(type) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try column(key).value(type) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try column(key).value(type) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try column(key).value(type) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try column(key).value(type) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try column(key).value(type) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try column(key).value(type) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try column(key).value(type) }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try column(key).value(type) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw DecodingError.typeMismatch(type, .init(codingPath: [key], debugDescription: "a column holds one value"))
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw DecodingError.typeMismatch(SQLValue.self, .init(codingPath: [key], debugDescription: "a column holds one value"))
        }
        func superDecoder() throws -> any Decoder { ColumnsDecoder(row: row, codingPath: []) }
        func superDecoder(forKey key: Key) throws -> any Decoder { ColumnsDecoder(row: row, codingPath: [key]) }
    }

    /// One column's value as the Swift type asked for.
    struct Column: SingleValueDecodingContainer {
        let value: SQLValue
        let codingPath: [any CodingKey]

        func decodeNil() -> Bool { value == .null }
        func decode(_ type: Bool.Type) throws -> Bool { try value(type) }
        func decode(_ type: String.Type) throws -> String { try value(type) }
        func decode(_ type: Double.Type) throws -> Double { try value(type) }
        func decode(_ type: Float.Type) throws -> Float { try value(type) }
        func decode(_ type: Int.Type) throws -> Int { try value(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try value(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try value(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try value(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try value(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try value(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try value(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try value(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try value(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try value(type) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try value(type) }

        func value<T: Decodable>(_ type: T.Type) throws -> T {
            if let converted = Self.convert(value, to: type) as? T { return converted }
            if case .text = value {
                // A string-backed enum (a job's state), through its own decoding.
                return try T(from: ColumnsDecoder(row: SQLRow(columns: [("value", value)]), codingPath: [ColumnName.value]))
            }
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "the column holds \(value)"))
        }

        /// The stored value as `type` where the two agree (a whole real is an integer too).
        private static func convert<T>(_ value: SQLValue, to type: T.Type) -> Any? {
            switch value {
            case .text(let text): return text
            case .blob(let bytes): return bytes
            case .real(let number):
                if T.self == Double.self { return number }
                return Int(exactly: number)
            case .integer(let number):
                if T.self == Double.self { return Double(number) }
                if T.self == Int64.self { return number }
                if T.self == Bool.self { return number != 0 }
                return Int(exactly: number)
            case .null: return nil
            }
        }
    }

    enum ColumnName: String, CodingKey { case value }
}
