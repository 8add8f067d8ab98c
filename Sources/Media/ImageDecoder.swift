internal import CFFmpeg
public import Compositor
import Foundation

/// Decodes still images (PNG, JPEG, WebP, GIF, BMP, TIFF: whatever libavcodec reads) to
/// premultiplied RGBA.
public enum ImageDecoder {
    /// The first frame of the image file at `path`, at its own size.
    public static func decode(path: String) throws -> Raster {
        guard FileManager.default.fileExists(atPath: path) else { throw MediaError("file not found: \(path)") }
        let input: FormatInput
        do {
            input = try FormatInput(path: path)
        } catch {
            throw MediaError("not an image Reel can read: \(path) (\(error))")
        }
        guard let stream = input.bestStream(AVMEDIA_TYPE_VIDEO) else {
            throw MediaError("no image in \(path)")
        }
        let decoder = try FrameDecoder(input: input, streamIndex: stream)
        let frame = FrameBuffer()
        do {
            guard try decoder.next(into: frame) else { throw MediaError("no picture could be decoded") }
        } catch {
            throw MediaError("corrupt or truncated image: \(path) (\(error))")
        }
        return try PixelConversion.premultipliedRaster(from: frame.frame)
    }
}
