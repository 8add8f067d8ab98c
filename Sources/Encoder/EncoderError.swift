internal import CFFmpeg

/// A failure while encoding or writing output.
public struct EncoderError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    static func libav(_ what: String, _ code: Int32) -> EncoderError {
        var buffer = [CChar](repeating: 0, count: 256)
        av_strerror(code, &buffer, buffer.count)
        return EncoderError("\(what): \(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })")
    }
}

/// Throws when an FFmpeg call returned an error code.
@discardableResult
func check(_ status: Int32, _ what: @autoclosure () -> String) throws -> Int32 {
    guard status >= 0 else { throw EncoderError.libav(what(), status) }
    return status
}
