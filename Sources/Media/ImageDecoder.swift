internal import CFFmpeg
public import Compositor
import Foundation

/// Decodes still images (PNG, JPEG, WebP, GIF, BMP, TIFF: whatever libavcodec reads) to
/// premultiplied RGBA.
public enum ImageDecoder {
    /// The first frame of the image file at `path`, at its own size.
    public static func decode(path: String) throws -> Raster {
        guard FileManager.default.fileExists(atPath: path) else { throw MediaError("file not found: \(path)") }
        // First straight from the container's header to the decoder (one decode); a file that
        // does not decode that way is read again with libavformat's stream probing, whose errors
        // are the ones reported.
        // Only a file that the header alone cannot open a decoder for, or whose picture does not
        // decode that way, is read again: a picture refused for its size, a time limit or an
        // unreadable file fail at once rather than twice.
        do {
            return try decode(path: path, readsStreamInfo: false)
        } catch is NeedsProbing {
            return try decode(path: path, readsStreamInfo: true)
        }
    }

    /// The header alone did not do: libavformat's stream probing might.
    private struct NeedsProbing: Error {}

    /// One way of decoding (`readsStreamInfo` false throws `NeedsProbing` where the other way might do).
    package static func decode(path: String, readsStreamInfo: Bool) throws -> Raster {
        let input: FormatInput
        do {
            input = try FormatInput(path: path, readsStreamInfo: readsStreamInfo)
        } catch {
            throw MediaError("not an image Reel can read: \(path) (\(error))")
        }
        guard let stream = input.bestStream(AVMEDIA_TYPE_VIDEO) else {
            if !readsStreamInfo { throw NeedsProbing() }
            throw MediaError("no image in \(path)")
        }
        // The size the header claims, checked before the decoder allocates a picture of it.
        guard let streamPointer = input.context.pointee.streams[stream] else { throw MediaError("no image in \(path)") }
        let parameters = streamPointer.pointee.codecpar.pointee
        try checkSize(Int(parameters.width), Int(parameters.height), path: path, allowingUnknown: true)
        let decoder: FrameDecoder
        do {
            decoder = try FrameDecoder(input: input, streamIndex: stream)
        } catch {
            if !readsStreamInfo { throw NeedsProbing() }
            throw error
        }
        let frame = FrameBuffer()
        do {
            guard try decoder.next(into: frame) else { throw MediaError("no picture could be decoded") }
        } catch {
            if !readsStreamInfo, !input.deadline.hasPassed { throw NeedsProbing() }
            throw MediaError("corrupt or truncated image: \(path) (\(error))")
        }
        try checkSize(Int(frame.frame.pointee.width), Int(frame.frame.pointee.height), path: path, allowingUnknown: false)
        let raster = try PixelConversion.premultipliedRaster(from: frame.frame)
        return oriented(raster, exif: exifOrientation(of: frame.frame))
    }

    /// The EXIF orientation libavcodec read from the picture (its frame's `Orientation` tag), 1
    /// (as stored) when there is none or it is not 1–8.
    static func exifOrientation(of frame: UnsafeMutablePointer<AVFrame>) -> Int {
        guard let entry = av_dict_get(frame.pointee.metadata, "Orientation", nil, 0), let value = entry.pointee.value,
              let orientation = Int(String(cString: value).trimmingCharacters(in: .whitespaces)), (1...8).contains(orientation) else { return 1 }
        return orientation
    }

    /// `raster` turned and flipped as EXIF orientation `exif` says it is to be shown: 2 mirrored,
    /// 3 turned 180°, 4 flipped, 5 transposed, 6 turned 90° clockwise, 7 transversed, 8 turned 90°
    /// anticlockwise; 1 and anything else as it is.
    static func oriented(_ raster: Raster, exif: Int) -> Raster {
        // Each orientation as a mirror (left to right, first), then a clockwise turn.
        let (mirrored, turn): (Bool, Int) = switch exif {
        case 2: (true, 0)
        case 3: (false, 180)
        case 4: (true, 180)
        case 5: (true, 270)
        case 6: (false, 90)
        case 7: (true, 90)
        case 8: (false, 270)
        default: (false, 0)
        }
        return !mirrored && turn == 0 ? raster : FrameFitting.rotate(raster, clockwise: turn, mirrored: mirrored)
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
