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
        // The size the header claims, checked before the decoder allocates a picture of it.
        guard let streamPointer = input.context.pointee.streams[stream] else { throw MediaError("no image in \(path)") }
        let parameters = streamPointer.pointee.codecpar.pointee
        try checkSize(Int(parameters.width), Int(parameters.height), path: path, allowingUnknown: true)
        let decoder = try FrameDecoder(input: input, streamIndex: stream)
        let frame = FrameBuffer()
        do {
            guard try decoder.next(into: frame) else { throw MediaError("no picture could be decoded") }
        } catch {
            throw MediaError("corrupt or truncated image: \(path) (\(error))")
        }
        try checkSize(Int(frame.frame.pointee.width), Int(frame.frame.pointee.height), path: path, allowingUnknown: false)
        return try PixelConversion.premultipliedRaster(from: frame.frame)
    }

    /// Refuses pictures without pixels or larger than `MediaLimits.maximumDimension` each way (0 × 0,
    /// for a size a container leaves to the decoder, passes when `allowingUnknown`).
    private static func checkSize(_ width: Int, _ height: Int, path: String, allowingUnknown: Bool) throws {
        if allowingUnknown, width == 0, height == 0 { return }
        guard MediaLimits.acceptsPicture(width: width, height: height) else {
            throw MediaError("the image \(path) is \(width)×\(height); Reel takes 1 to \(MediaLimits.maximumDimension) pixels each way")
        }
    }
}
