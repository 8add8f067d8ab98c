/// A value inside a document being read, with its path and the log its problems go to.
///
/// Accessors return nil and record a diagnostic when the value has the wrong shape, so a reader
/// can go on and find the next problem.
struct Node {
    let value: JSONValue
    let path: JSONPath
    let log: DiagnosticLog

    func fail(_ message: String) {
        log.record(path, message)
    }

    /// The member `key` of this object; nil when it is absent or null (or this is not an object).
    subscript(key: String) -> Node? {
        guard case .object(let members) = value, let member = members[key], member != .null else { return nil }
        return Node(value: member, path: path.appending(key), log: log)
    }

    /// The member `key`, recording "is required" when it is absent.
    func required(_ key: String) -> Node? {
        if let member = self[key] { return member }
        log.record(path.appending(key), "is required")
        return nil
    }

    /// Whether this object has a member `key` (even a null one).
    func has(_ key: String) -> Bool {
        guard case .object(let members) = value else { return false }
        return members[key] != nil
    }

    var isObject: Bool {
        if case .object = value { return true }
        return false
    }

    /// This value as an object; records a diagnostic otherwise.
    func expectObject() -> Bool {
        if isObject { return true }
        fail("expected an object, found \(value.typeName)")
        return false
    }

    var number: Double? {
        if case .number(let number) = value, number.isFinite { return number }
        fail("expected a number, found \(value.typeName)")
        return nil
    }

    var string: String? { string(maxLength: DocumentLimits.stringLength) }

    /// A string of at most `maxLength` characters.
    func string(maxLength: Int) -> String? {
        guard case .string(let string) = value else {
            fail("expected a string, found \(value.typeName)")
            return nil
        }
        // UTF-8 length first: it is free, and a string of n characters has at least n bytes.
        guard string.utf8.count <= maxLength || string.count <= maxLength else {
            fail("must be at most \(maxLength) characters long, found \(string.count)")
            return nil
        }
        return string
    }

    var bool: Bool? {
        if case .bool(let bool) = value { return bool }
        fail("expected true or false, found \(value.typeName)")
        return nil
    }

    var array: [Node]? {
        guard case .array(let elements) = value else {
            fail("expected an array, found \(value.typeName)")
            return nil
        }
        guard elements.count <= DocumentLimits.arrayLength else {
            fail("must have at most \(DocumentLimits.arrayLength) elements, found \(elements.count)")
            return nil
        }
        return elements.enumerated().map { Node(value: $0.element, path: path.appending($0.offset), log: log) }
    }

    /// A number within `range`, naming the range when it is not.
    func number(in range: ClosedRange<Double>) -> Double? {
        guard let number else { return nil }
        guard range.contains(number) else {
            fail("must be between \(range.lowerBound.formatted) and \(range.upperBound.formatted), found \(number.formatted)")
            return nil
        }
        return number
    }

    /// A number greater than zero and at most `limit`.
    func positiveNumber(upTo limit: Double) -> Double? {
        guard let number else { return nil }
        guard number > 0 else {
            fail("must be greater than 0, found \(number.formatted)")
            return nil
        }
        guard number <= limit else {
            fail("must be at most \(limit.formatted), found \(number.formatted)")
            return nil
        }
        return number
    }

    /// A number from zero to `limit`.
    func nonNegativeNumber(upTo limit: Double) -> Double? {
        guard let number else { return nil }
        guard number >= 0 else {
            fail("must not be negative, found \(number.formatted)")
            return nil
        }
        guard number <= limit else {
            fail("must be at most \(limit.formatted), found \(number.formatted)")
            return nil
        }
        return number
    }

    /// A time in seconds: zero up to `DocumentLimits.seconds`.
    var seconds: Double? { nonNegativeNumber(upTo: DocumentLimits.seconds) }

    /// A duration in seconds: at least `DocumentLimits.shortestDuration`, up to `DocumentLimits.seconds`.
    var duration: Double? {
        guard let value = positiveNumber(upTo: DocumentLimits.seconds) else { return nil }
        guard value >= DocumentLimits.shortestDuration else {
            fail("must be at least \(DocumentLimits.shortestDuration.formatted) s, found \(value.formatted)")
            return nil
        }
        return value
    }

    /// A size in pixels: above zero, up to `DocumentLimits.pixels`.
    var positivePixels: Double? { positiveNumber(upTo: DocumentLimits.pixels) }

    /// A size in pixels: zero up to `DocumentLimits.pixels`.
    var nonNegativePixels: Double? { nonNegativeNumber(upTo: DocumentLimits.pixels) }

    /// One of an enumeration's raw values.
    func oneOf<E: RawRepresentable & CaseIterable>(_: E.Type) -> E? where E.RawValue == String {
        guard let string else { return nil }
        if let match = E(rawValue: string) { return match }
        fail("unknown value \"\(string)\"; expected one of \(E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        return nil
    }
}

extension Double {
    /// The number as JSON would write it: no ".0" on whole numbers.
    var formatted: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
