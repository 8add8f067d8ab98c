public import Compositor
import Foundation
public import Timeline

/// The compositor's media: images decoded once per file and fitted per box size, and one video
/// player per clip and file.
public final class MediaLibrary: MediaProvider, @unchecked Sendable {
    private let lock = NSLock()
    private var decoded: [String: Raster] = [:]
    private var players: [String: VideoPlayer] = [:]
    private var sizes: [String: (width: Int, height: Int)] = [:]
    private let locator: MediaLocator
    private var threadsPerDecoder = 0

    /// Threads for each video decoder opened from now on; 0 (the default) for every core. One
    /// suits a render whose encoder keeps the cores busy: frame threads would only hold more
    /// pictures in memory.
    public var decoderThreads: Int {
        get { lock.withLock { threadsPerDecoder } }
        set { lock.withLock { threadsPerDecoder = newValue } }
    }

    /// A library that finds remote media through `locator`.
    public init(locator: MediaLocator = MediaLocator()) {
        self.locator = locator
    }

    public func fileBytes(_ source: MediaSource, limit: Int) throws -> [UInt8] {
        try readFile(locator.localPath(for: source), limit: limit)
    }

    private func image(_ source: MediaSource) throws -> Raster {
        let path = try locator.localPath(for: source)
        lock.lock()
        defer { lock.unlock() }
        if let raster = decoded[path] { return raster }
        let raster = try ImageDecoder.decode(path: path)
        decoded[path] = raster
        return raster
    }

    /// Decodes the images at `sources` that are not decoded yet, several at once (one decoder a
    /// processor): a composition's first frame then finds them all ready, where decoding them as
    /// its layers ask would take one after another. Failures are left for the first real use to
    /// report, with the clip that names the image.
    public func prefetchImages(_ sources: [MediaSource]) {
        let paths = Array(Set(sources.compactMap { try? locator.localPath(for: $0) }))
            .filter { path in lock.withLock { decoded[path] == nil } }
        guard paths.count > 1 else { return }
        let results = ResultSlots<Raster>(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            results.set(index, try? ImageDecoder.decode(path: paths[index]))
        }
        lock.withLock {
            for (index, path) in paths.enumerated() where decoded[path] == nil {
                if let raster = results.value(index) { decoded[path] = raster }
            }
        }
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

    /// The part `window` of `fittedImage(source, fit:, width:, height:)`: only the image pixels
    /// the window shows are scaled, so a box far larger than the canvas costs what its window does.
    public func fittedImage(_ source: MediaSource, fit: ObjectFit, width: Int, height: Int, window: PixelRect) throws -> Raster {
        if window == PixelRect(x0: 0, y0: 0, x1: width, y1: height) {
            return try fittedImage(source, fit: fit, width: width, height: height)
        }
        let native = try image(source)
        let (iw, ih) = (Double(native.width), Double(native.height))
        let whole = (0, 0, native.width, native.height)
        switch fit {
        case .fill:
            return try PixelConversion.placedWindow(native, crop: whole, width: width, height: height, at: 0, 0, window: window)
        case .cover:
            // As `fittedImage`: the centred part of the image with the box's aspect ratio.
            let scale = max(Double(width) / iw, Double(height) / ih)
            let cropWidth = min(native.width, max(1, Int((Double(width) / scale).rounded())))
            let cropHeight = min(native.height, max(1, Int((Double(height) / scale).rounded())))
            let crop = ((native.width - cropWidth) / 2, (native.height - cropHeight) / 2, cropWidth, cropHeight)
            return try PixelConversion.placedWindow(native, crop: crop, width: width, height: height, at: 0, 0, window: window)
        case .contain:
            let scale = min(Double(width) / iw, Double(height) / ih)
            let fittedWidth = max(1, min(width, Int((iw * scale).rounded())))
            let fittedHeight = max(1, min(height, Int((ih * scale).rounded())))
            return try PixelConversion.placedWindow(native, crop: whole, width: fittedWidth, height: fittedHeight,
                                                    at: (width - fittedWidth) / 2, (height - fittedHeight) / 2, window: window)
        }
    }
}

extension MediaLibrary {
    private func player(_ source: MediaSource, key: String) throws -> VideoPlayer {
        let path = try locator.localPath(for: source)
        lock.lock()
        defer { lock.unlock() }
        if let player = players[key + "\u{0}" + path] { return player }
        let player = try openPlayer(path)
        players[key + "\u{0}" + path] = player
        return player
    }

    private func openPlayer(_ path: String) throws -> VideoPlayer {
        guard FileManager.default.fileExists(atPath: path) else { throw MediaError("file not found: \(path)") }
        return try VideoPlayer(path: path, decoderThreads: threadsPerDecoder)
    }

    /// The display size, read once per file by a player that is closed again (a decoder kept open
    /// only for its size would hold its pictures for the whole render).
    public func videoSize(of source: MediaSource) throws -> (width: Int, height: Int) {
        let path = try locator.localPath(for: source)
        if let size = lock.withLock({ sizes[path] }) { return size }
        let size = try lock.withLock { try openPlayer(path) }.displaySize
        lock.withLock { sizes[path] = size }
        return size
    }

    public func videoFrame(_ source: MediaSource, player key: String, at time: Double, fit: ObjectFit,
                           width: Int, height: Int) throws -> Raster {
        try player(source, key: key).frame(at: time, fit: fit, width: width, height: height)
    }

    public func videoFrame(_ source: MediaSource, player key: String, at time: Double, fit: ObjectFit,
                           width: Int, height: Int, window: PixelRect) throws -> Raster {
        try player(source, key: key).frame(at: time, fit: fit, width: width, height: height, window: window)
    }

    public func videoPlanes(_ source: MediaSource, player key: String, at time: Double, width: Int, height: Int) throws -> PlanarView? {
        try player(source, key: key).planes(at: time, width: width, height: height)
    }

    /// Opens the video at `source` and decodes its first frame, to fail early on a bad file.
    public func checkVideo(_ source: MediaSource) throws {
        let path = try locator.localPath(for: source)
        let player = try lock.withLock { try openPlayer(path) }
        try player.checkComplete()
        _ = try player.frame(at: 0, fit: .fill, width: 2, height: 2)
        lock.withLock { sizes[path] = player.displaySize }
    }
}

/// Results filled in by parallel work, one slot each (each slot written by one thread only).
final class ResultSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Value?) { lock.withLock { values[index] = value } }
    func value(_ index: Int) -> Value? { lock.withLock { values[index] } }
}
