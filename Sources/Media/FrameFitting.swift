internal import CFFmpeg
import Compositor
import Timeline

/// Turns decoded frames into premultiplied RGBA at the size they are drawn: scaled once by
/// swscale, turned upright, cropped or letterboxed by the fit.
enum FrameFitting {
    /// `scaler` keeps the swscale context between calls; the caller frees it.
    static func fit(_ frame: UnsafeMutablePointer<AVFrame>, rotation: Int, fit: ObjectFit, width: Int, height: Int,
                    scaler: inout OpaquePointer?) throws -> Raster {
        let coded = (Double(frame.pointee.width), Double(frame.pointee.height))
        let display = rotation % 180 == 0 ? coded : (coded.1, coded.0)
        let scaled = scaledSize(display: display, fit: fit, width: width, height: height)
        let codedTarget = rotation % 180 == 0 ? scaled : (scaled.1, scaled.0)
        var picture = try PixelConversion.raster(from: frame, width: codedTarget.0, height: codedTarget.1, reusing: &scaler)
        if rotation != 0 { picture = rotate(picture, clockwise: rotation) }
        if picture.width == width, picture.height == height { return picture }
        // Centre the picture in the box: cropping it (cover) or leaving transparent bars (contain).
        let box = Raster(width: width, height: height)
        let dx = (width - picture.width) / 2, dy = (height - picture.height) / 2
        for y in 0..<height {
            let sourceY = y - dy
            guard sourceY >= 0, sourceY < picture.height else { continue }
            let x0 = max(0, dx), x1 = min(width, dx + picture.width)
            guard x0 < x1 else { continue }
            (box.pixels + (y * width + x0) * 4).update(from: picture.pixels + (sourceY * picture.width + x0 - dx) * 4,
                                                       count: (x1 - x0) * 4)
        }
        return box
    }

    /// The size the whole upright picture of `display` size is scaled to for a width × height box.
    static func scaledSize(display: (Double, Double), fit: ObjectFit, width: Int, height: Int) -> (Int, Int) {
        let (boxW, boxH) = (Double(width), Double(height))
        switch fit {
        case .fill:
            return (width, height)
        case .cover:
            let s = max(boxW / display.0, boxH / display.1)
            return (max(width, Int((display.0 * s).rounded())), max(height, Int((display.1 * s).rounded())))
        case .contain:
            let s = min(boxW / display.0, boxH / display.1)
            return (max(1, min(width, Int((display.0 * s).rounded()))), max(1, min(height, Int((display.1 * s).rounded()))))
        }
    }

    /// A decoded frame as premultiplied RGBA at its own size, turned upright.
    static func upright(_ frame: UnsafeMutablePointer<AVFrame>, rotation: Int, scaler: inout OpaquePointer?) throws -> Raster {
        let picture = try PixelConversion.raster(from: frame, width: Int(frame.pointee.width), height: Int(frame.pointee.height),
                                                 reusing: &scaler)
        return rotation != 0 ? rotate(picture, clockwise: rotation) : picture
    }

    /// The part `window` of the box `fit` fills from the upright `picture`: the whole picture
    /// scaled as `fit` scales it and centred, but only the window of it made.
    static func window(of picture: Raster, fit: ObjectFit, width: Int, height: Int, window: PixelRect) throws -> Raster {
        let scaled = scaledSize(display: (Double(picture.width), Double(picture.height)), fit: fit, width: width, height: height)
        return try PixelConversion.placedWindow(picture, crop: (0, 0, picture.width, picture.height), width: scaled.0, height: scaled.1,
                                                at: (width - scaled.0) / 2, (height - scaled.1) / 2, window: window)
    }

    /// `raster` turned by 0, a quarter, half or three-quarter turn clockwise, mirrored left to
    /// right first when `mirrored` (the eight EXIF orientations are these).
    static func rotate(_ raster: Raster, clockwise degrees: Int, mirrored: Bool = false) -> Raster {
        let (w, h) = (raster.width, raster.height)
        let turned = degrees % 180 == 0 ? Raster(width: w, height: h) : Raster(width: h, height: w)
        let source = UnsafeRawPointer(raster.pixels).assumingMemoryBound(to: UInt32.self)
        let target = UnsafeMutableRawPointer(turned.pixels).assumingMemoryBound(to: UInt32.self)
        for y in 0..<h {
            for column in 0..<w {
                let x = mirrored ? w - 1 - column : column
                let (tx, ty): (Int, Int) = switch degrees {
                case 0: (x, y)
                case 90: (h - 1 - y, x)
                case 180: (w - 1 - x, h - 1 - y)
                default: (y, w - 1 - x)
                }
                target[ty * turned.width + tx] = source[y * w + column]
            }
        }
        return turned
    }
}
