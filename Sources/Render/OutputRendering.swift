public import Encoder
import Foundation
public import Timeline
import Compositor

/// Where a PNG sequence goes: a folder (frames named `frame-00000.png` …), a numbered file
/// pattern (`shots/f-%04d.png`), or a ZIP archive of the frames (a path ending `.zip`).
public enum PNGSequenceDestination: Sendable, Equatable {
    case folder(String)
    case pattern(folder: String, FramePattern)
    case archive(String)

    /// The destination `path` names: `.zip` is an archive, a name with a frame number a pattern,
    /// anything else a folder.
    public init(path: String) {
        let url = URL(fileURLWithPath: path)
        if url.pathExtension.lowercased() == "zip" {
            self = .archive(path)
        } else if let pattern = FramePattern(url.lastPathComponent) {
            self = .pattern(folder: url.deletingLastPathComponent().path, pattern)
        } else {
            self = .folder(path)
        }
    }

    /// The name of frame `index` of `count` inside a folder or an archive: `frame-` and the
    /// index, zero-padded to five digits or more when the count needs them.
    static func defaultName(_ index: Int, count: Int) -> String {
        FramePattern(prefix: "frame-", digits: max(5, String(max(0, count - 1)).count), suffix: ".png").name(index)
    }
}

extension Renderer {
    /// Whether the canvas is transparent: the formats that keep alpha keep it.
    public var isTransparent: Bool { timeline.canvas.background == .transparent }

    /// The encoder's settings a render in the movie `format` takes by default: the format's, for
    /// the timeline's delivery and transparency. Every part of a render split across workers uses
    /// these, as the single render does.
    public func encoderSettings(for format: OutputFormat) throws -> EncoderSettings {
        try EncoderSettings(format: format, transparent: isTransparent, delivery: timeline.delivery)
    }

    /// Renders the timeline in `format` to `path`: a movie (`settings` are the encoder's, by
    /// default the format's for the timeline's `delivery`), a GIF, a PNG sequence (`path` as
    /// `PNGSequenceDestination` reads it) or the poster at `posterTime` seconds (the middle frame
    /// when nil). Nothing is left at `path` when it fails.
    public func render(to path: String, format: OutputFormat, settings: EncoderSettings? = nil, posterTime: Double? = nil,
                       progress: (RenderProgress) throws -> Void = { _ in }) throws {
        switch format {
        case .mp4, .hevc, .webm, .mov:
            let chosen = try settings ?? encoderSettings(for: format)
            try renderVideo(to: path, settings: chosen, progress: progress)
        case .gif:
            try renderGIF(to: path, progress: progress)
        case .pngSequence:
            try renderPNGSequence(to: PNGSequenceDestination(path: path), progress: progress)
        case .png, .jpeg:
            try renderPoster(to: path, format: format, at: posterTime)
            try progress(RenderProgress(framesDone: 1, frameCount: 1, elapsed: 0))
        }
    }

    // MARK: posters

    /// The poster's time when none is given: the frame in the middle of the video (frame
    /// ⌊count / 2⌋), whose time this is.
    public var defaultPosterTime: Double {
        timeline.canvas.frameRate.time(ofFrame: timeline.frameCount / 2)
    }

    /// The frame on screen at `seconds` (the one whose interval holds it), or an error when the
    /// time is not within the video.
    public func posterFrame(at seconds: Double) throws -> Int {
        let rate = timeline.canvas.frameRate
        guard seconds.isFinite, seconds >= 0, timeline.frameCount > 0 else {
            throw RenderError("the poster time must be a number of seconds from 0 up to the video's length")
        }
        let index = Int(saturating: (seconds * rate.framesPerSecond + FrameRate.boundaryTolerance * rate.framesPerSecond).rounded(.down))
        guard index < timeline.frameCount else {
            throw RenderError("the poster time \(seconds) s is past the end of the video (\(rate.time(ofFrame: timeline.frameCount)) s)")
        }
        return index
    }

    /// Writes the frame on screen at `seconds` (the middle one when nil) to `path` as a PNG (alpha
    /// kept) or a JPEG (over black).
    public func renderPoster(to path: String, format: OutputFormat, at seconds: Double? = nil) throws {
        guard format.isStill else { throw RenderError("\(format.name) is not a still format") }
        try checkMedia()
        let index = try posterFrame(at: seconds ?? defaultPosterTime)
        let frame = try compose(schedule.drawList(atFrame: index))
        let data = try format == .png ? PNGWriter.encode(frame) : JPEGWriter.encode(frame)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw RenderError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    // MARK: GIF

    /// Renders an animated GIF in two passes over the frames (a GIF has at most 50 a second:
    /// `GIFWriter.frameStep`): the first collects one palette for the whole video, the second maps
    /// every frame to it, dithered. Progress counts both passes. No sound.
    public func renderGIF(to path: String, dithers: Bool = true, progress: (RenderProgress) throws -> Void = { _ in }) throws {
        try checkMedia()
        let canvas = timeline.canvas
        let step = GIFWriter.frameStep(for: canvas.frameRate)
        let rate = FrameRate(numerator: canvas.frameRate.numerator, denominator: canvas.frameRate.denominator * step)
        let frames = (timeline.frameCount + step - 1) / step
        let keepsAlpha = isTransparent, compositor = self.compositor
        let builder = try GIFPaletteBuilder(width: canvas.width, height: canvas.height, frameRate: rate, keepsAlpha: keepsAlpha)
        try run(makeFrame: { Raster(width: canvas.width, height: canvas.height) },
                draw: { try compositor.render($0, into: $1) },
                consume: { frame, recycle in
                    defer { recycle() }
                    try builder.add(frame)
                }, sound: nil, step: step,
                progress: { try progress(RenderProgress(framesDone: $0.framesDone, frameCount: 2 * frames, elapsed: $0.elapsed)) })
        let palette = try builder.finish()
        let partial = path + ".partial"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let writer = try GIFWriter(path: partial, width: canvas.width, height: canvas.height, frameRate: rate, frameCount: frames,
                                   palette: palette, keepsAlpha: keepsAlpha, dithers: dithers)
        try run(makeFrame: { Raster(width: canvas.width, height: canvas.height) },
                draw: { try compositor.render($0, into: $1) },
                consume: { frame, recycle in
                    defer { recycle() }
                    try writer.append(frame)
                }, sound: nil, step: step,
                progress: { try progress(RenderProgress(framesDone: frames + $0.framesDone, frameCount: 2 * frames, elapsed: $0.elapsed)) })
        try writer.finish()
        try replace(path, with: partial)
    }

    // MARK: PNG sequences

    /// Renders every frame as a PNG (straight alpha, sRGB) to `destination`, numbered from 0 by
    /// the frame's index (frame n is at n / fps s). Frames appear only when all are written:
    /// they are written into a hidden folder beside them (or a partial archive) and moved into
    /// place at the end. No sound.
    public func renderPNGSequence(to destination: PNGSequenceDestination, progress: (RenderProgress) throws -> Void = { _ in }) throws {
        try checkMedia()
        let canvas = timeline.canvas, compositor = self.compositor, count = timeline.frameCount
        func frames(_ write: (Int, Data) throws -> Void) throws {
            var index = 0
            try run(makeFrame: { Raster(width: canvas.width, height: canvas.height) },
                    draw: { try compositor.render($0, into: $1) },
                    consume: { frame, recycle in
                        defer { recycle() }
                        try write(index, try PNGWriter.encode(frame))
                        index += 1
                    }, sound: nil, progress: progress)
        }
        let files = FileManager.default
        switch destination {
        case .archive(let path):
            let partial = path + ".partial"
            defer { try? files.removeItem(atPath: partial) }
            let archive = try ZipWriter(path: partial)
            try frames { index, data in try archive.add(name: PNGSequenceDestination.defaultName(index, count: count), data: data) }
            try archive.finish()
            try replace(path, with: partial)
        case .folder(let folder), .pattern(let folder, _):
            let name: (Int) -> String
            if case .pattern(_, let pattern) = destination { name = pattern.name } else {
                name = { PNGSequenceDestination.defaultName($0, count: count) }
            }
            do {
                try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw RenderError("cannot make the folder \(folder): \(error.localizedDescription)")
            }
            let staging = folder + "/.reel-partial-" + UUID().uuidString
            defer { try? files.removeItem(atPath: staging) }
            do {
                try files.createDirectory(atPath: staging, withIntermediateDirectories: false)
            } catch {
                throw RenderError("cannot write into \(folder): \(error.localizedDescription)")
            }
            var written: [String] = []
            try frames { index, data in
                let file = name(index)
                do {
                    try data.write(to: URL(fileURLWithPath: staging + "/" + file))
                } catch {
                    throw RenderError("cannot write \(folder)/\(file): \(error.localizedDescription)")
                }
                written.append(file)
            }
            for file in written { try replace(folder + "/" + file, with: staging + "/" + file) }
        }
    }

    /// Moves `partial` to `path`, replacing what is there.
    private func replace(_ path: String, with partial: String) throws {
        let files = FileManager.default
        do {
            if files.fileExists(atPath: path) { try files.removeItem(atPath: path) }
            try files.moveItem(atPath: partial, toPath: path)
        } catch {
            throw RenderError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
