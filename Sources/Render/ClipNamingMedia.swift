import Compositor
import Media
import Timeline

/// The media library as a render's compositor sees it: a failure decoding footage that the
/// compositor passes through in Y'CbCr (outside any layer, so outside the compositor's own
/// `CompositingError`, which names the clip) names the clip too. `player` is the asking clip's
/// origin (`DrawItem.origin`). Everything else goes straight to the library.
struct ClipNamingMedia: MediaProvider {
    let library: MediaLibrary

    func naturalSize(of source: MediaSource) throws -> (width: Int, height: Int) {
        try library.naturalSize(of: source)
    }

    func fittedImage(_ source: MediaSource, fit: ObjectFit, width: Int, height: Int) throws -> Raster {
        try library.fittedImage(source, fit: fit, width: width, height: height)
    }

    func fittedImage(_ source: MediaSource, fit: ObjectFit, width: Int, height: Int, window: PixelRect) throws -> Raster {
        try library.fittedImage(source, fit: fit, width: width, height: height, window: window)
    }

    func fileBytes(_ source: MediaSource, limit: Int) throws -> [UInt8] {
        try library.fileBytes(source, limit: limit)
    }

    func videoSize(of source: MediaSource) throws -> (width: Int, height: Int) {
        try library.videoSize(of: source)
    }

    func videoFrame(_ source: MediaSource, player: String, at time: Double, fit: ObjectFit,
                    width: Int, height: Int) throws -> Raster {
        try library.videoFrame(source, player: player, at: time, fit: fit, width: width, height: height)
    }

    func videoFrame(_ source: MediaSource, player: String, at time: Double, fit: ObjectFit,
                    width: Int, height: Int, window: PixelRect) throws -> Raster {
        try library.videoFrame(source, player: player, at: time, fit: fit, width: width, height: height, window: window)
    }

    func videoPlanes(_ source: MediaSource, player: String, at time: Double, width: Int, height: Int) throws -> PlanarView? {
        do {
            return try library.videoPlanes(source, player: player, at: time, width: width, height: height)
        } catch {
            throw RenderError("\(player): \(error)")
        }
    }
}
