internal import CPNG
public import Compositor
public import Foundation

/// Writes rasters as 8-bit RGBA PNG through libpng.
public enum PNGWriter {
    /// Writes `raster` (premultiplied) to `path` as a straight-alpha PNG.
    public static func write(_ raster: Raster, to path: String) throws {
        let data = try encode(raster)
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw EncoderError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// `raster` as PNG file bytes.
    public static func encode(_ raster: Raster) throws -> Data {
        var image = png_image()
        image.version = reel_png_image_version()
        image.width = png_uint_32(raster.width)
        image.height = png_uint_32(raster.height)
        image.format = reel_png_format_rgba()
        // Speed over size: a 1080p frame compresses in a fraction of the default time.
        image.flags = reel_png_flag_fast()
        let pixels = raster.straightRGBA()
        // Written once into a buffer of the largest size libpng can need (measuring first would
        // compress the picture twice).
        var size = reel_png_size_max(&image)
        var bytes = [UInt8](repeating: 0, count: size)
        guard png_image_write_to_memory(&image, &bytes, &size, 0, pixels, png_int_32(raster.bytesPerRow), nil) != 0 else {
            throw EncoderError("libpng cannot encode the image: \(message(image))")
        }
        png_image_free(&image)
        return Data(bytes.prefix(size))
    }

    private static func message(_ image: png_image) -> String {
        var copy = image
        return withUnsafeBytes(of: &copy.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
