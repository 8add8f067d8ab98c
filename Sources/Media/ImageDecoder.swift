internal import CFFmpeg
public import Compositor
public import Timeline
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

/// The compositor's images, decoded once per file and fitted per box size.
public final class MediaImageSource: ImageSource, @unchecked Sendable {
    private let lock = NSLock()
    private var decoded: [String: Raster] = [:]

    public init() {}

    private func image(_ source: MediaSource) throws -> Raster {
        guard case .file(let path) = source else {
            throw MediaError("remote images are not supported yet: \(source) (download it and use a local path)")
        }
        lock.lock()
        defer { lock.unlock() }
        if let raster = decoded[path] { return raster }
        let raster = try ImageDecoder.decode(path: path)
        decoded[path] = raster
        return raster
    }

    public func naturalSize(of source: MediaSource) throws -> (width: Int, height: Int) {
        let raster = try image(source)
        return (raster.width, raster.height)
    }

    public func fittedImage(_ source: MediaSource, fit: ObjectFit, width: Int, height: Int) throws -> Raster {
        let native = try image(source)
        let (iw, ih) = (Double(native.width), Double(native.height))
        switch fit {
        case .fill:
            return try PixelConversion.resize(native, crop: (0, 0, native.width, native.height), width: width, height: height)
        case .cover:
            // The centred part of the image with the box's aspect ratio.
            let scale = max(Double(width) / iw, Double(height) / ih)
            let cropWidth = min(native.width, max(1, Int((Double(width) / scale).rounded())))
            let cropHeight = min(native.height, max(1, Int((Double(height) / scale).rounded())))
            let crop = ((native.width - cropWidth) / 2, (native.height - cropHeight) / 2, cropWidth, cropHeight)
            return try PixelConversion.resize(native, crop: crop, width: width, height: height)
        case .contain:
            let scale = min(Double(width) / iw, Double(height) / ih)
            let fittedWidth = max(1, min(width, Int((iw * scale).rounded())))
            let fittedHeight = max(1, min(height, Int((ih * scale).rounded())))
            let fitted = try PixelConversion.resize(native, crop: (0, 0, native.width, native.height),
                                                    width: fittedWidth, height: fittedHeight)
            let boxed = Raster(width: width, height: height)
            let (left, top) = ((width - fittedWidth) / 2, (height - fittedHeight) / 2)
            for row in 0..<fittedHeight {
                (boxed.pixels + ((row + top) * width + left) * 4).update(from: fitted.pixels + row * fitted.bytesPerRow,
                                                                         count: fitted.bytesPerRow)
            }
            return boxed
        }
    }
}
