internal import CFFmpeg
public import Compositor

/// The pictures of a video's first video stream, decoded in order as they are stored: what a
/// quality measurement compares with the frames that were encoded.
public final class PictureReader {
    private let decoder: FrameDecoder
    private let frame = FrameBuffer()
    public let path: String

    public init(path: String) throws {
        self.path = path
        let input = try FormatInput(path: path)
        guard let index = input.bestStream(AVMEDIA_TYPE_VIDEO) else { throw MediaError("no video stream in \(path)") }
        decoder = try FrameDecoder(input: input, streamIndex: index)
    }

    /// The next picture, valid until the next call; nil after the last. Pictures must be 4:2:0
    /// with 8-bit samples.
    public func next() throws -> PlanarView? {
        guard try decoder.next(into: frame) else { return nil }
        guard let planes = PixelConversion.planes(of: frame.frame) else {
            throw MediaError("\(path) decodes to \(pixelFormatName(AVPixelFormat(rawValue: frame.frame.pointee.format))), not yuv420p")
        }
        return planes
    }
}
