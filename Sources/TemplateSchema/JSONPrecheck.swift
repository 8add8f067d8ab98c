public import Foundation

/// A pass over JSON text before it is parsed, for what the parser would handle badly: nesting
/// deeper than `DocumentLimits.nestingDepth` (the decoder recurses as deep as the text asks),
/// more than `DocumentLimits.jsonValues` values (millions cost seconds and gigabytes), numbers
/// beyond a Double's range and lone UTF-16 surrogates in `\u` escapes (which the decoder reports
/// with a misleading message and no path). Problems come with the JSON path of the value.
/// Anything else that is wrong is left to the parser.
public enum JSONPrecheck {
    private enum Frame {
        case object(key: String?, expectsKey: Bool)
        case array(index: Int)
    }

    /// The first such problem in `data`, or nil.
    public static func problem(in data: Data) -> SchemaError? {
        data.withUnsafeBytes { raw in problem(in: raw.bindMemory(to: UInt8.self)) }
    }

    private static func problem(in bytes: UnsafeBufferPointer<UInt8>) -> SchemaError? {
        var stack: [Frame] = []
        var values = 0
        var index = 0
        func path() -> JSONPath {
            JSONPath(components: stack.compactMap { frame in
                switch frame {
                case .object(let key?, _): .key(key)
                case .object(nil, _): nil
                case .array(let position): .index(position)
                }
            })
        }
        func fail(_ message: String) -> SchemaError { SchemaError(path: path(), message: message) }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                values += 1
                stack.append(byte == UInt8(ascii: "{") ? .object(key: nil, expectsKey: true) : .array(index: 0))
                if stack.count > DocumentLimits.nestingDepth {
                    return fail("invalid JSON: arrays and objects are nested \(stack.count) deep; at most \(DocumentLimits.nestingDepth) levels are accepted")
                }
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
                index += 1
            case UInt8(ascii: ","):
                switch stack.last {
                case .array(let position)?: stack[stack.count - 1] = .array(index: position + 1)
                case .object?: stack[stack.count - 1] = .object(key: nil, expectsKey: true)
                case nil: break
                }
                index += 1
            case UInt8(ascii: ":"):
                if case .object(let key, _)? = stack.last { stack[stack.count - 1] = .object(key: key, expectsKey: false) }
                index += 1
            case UInt8(ascii: "\""):
                let start = index + 1
                index = start
                var escaped = false
                var pendingHighSurrogate = false
                while index < bytes.count {
                    let c = bytes[index]
                    if escaped {
                        escaped = false
                        if c == UInt8(ascii: "u"), let unit = hexUnit(bytes, at: index + 1) {
                            if pendingHighSurrogate, !(0xDC00...0xDFFF).contains(unit) {
                                return fail("invalid JSON: a \\u escape leaves a lone UTF-16 surrogate")
                            }
                            if !pendingHighSurrogate, (0xDC00...0xDFFF).contains(unit) {
                                return fail("invalid JSON: a \\u escape leaves a lone UTF-16 surrogate")
                            }
                            pendingHighSurrogate = (0xD800...0xDBFF).contains(unit)
                            index += 5
                            continue
                        }
                        if pendingHighSurrogate { return fail("invalid JSON: a \\u escape leaves a lone UTF-16 surrogate") }
                    } else if c == UInt8(ascii: "\\") {
                        escaped = true
                    } else if c == UInt8(ascii: "\"") {
                        break
                    } else if pendingHighSurrogate {
                        return fail("invalid JSON: a \\u escape leaves a lone UTF-16 surrogate")
                    }
                    index += 1
                }
                if pendingHighSurrogate { return fail("invalid JSON: a \\u escape leaves a lone UTF-16 surrogate") }
                if case .object(_, true)? = stack.last {
                    let key = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<min(index, bytes.count)]), as: UTF8.self)
                    stack[stack.count - 1] = .object(key: key, expectsKey: false)
                } else {
                    values += 1
                }
                index += 1
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = index
                while index < bytes.count, isNumberByte(bytes[index]) { index += 1 }
                values += 1
                let token = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                if let value = Double(token), !value.isFinite {
                    return fail("the number \(token.prefix(40)) is out of range: numbers must be within ±1.8e308")
                }
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                values += 1
                while index < bytes.count, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[index]) { index += 1 }
            default:
                index += 1
            }
            if values > DocumentLimits.jsonValues {
                return SchemaError(path: .root, message: "invalid JSON: more than \(DocumentLimits.jsonValues) values; documents of 10000 clips have far fewer")
            }
        }
        return nil
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    /// The UTF-16 unit of the four hex digits at `index`, or nil (also the parser's).
    static func hexUnit(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        guard index + 4 <= bytes.count else { return nil }
        var unit = 0
        for offset in 0..<4 {
            let c = bytes[index + offset]
            let digit: Int
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int(c - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Int(c - UInt8(ascii: "A")) + 10
            default: return nil
            }
            unit = unit * 16 + digit
        }
        return unit
    }
}
