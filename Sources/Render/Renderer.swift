public import Timeline
public import Compositor
public import Encoder
public import Media
import Foundation

/// How far a render has got.
public struct RenderProgress: Sendable {
    public var framesDone: Int
    public var frameCount: Int
    /// Seconds since the render started.
    public var elapsed: Double

    /// Seconds left at the rate so far, or nil before the first frame.
    public var estimatedRemaining: Double? {
        framesDone > 0 ? elapsed / Double(framesDone) * Double(frameCount - framesDone) : nil
    }
}

/// A failure while rendering, with the place in the input document when one is to blame.
public struct RenderError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Renders a timeline: single frames to rasters, or the whole timeline to an MP4.
///
/// The MP4 path is a two-stage pipeline: a compositing thread draws frames into a small pool
/// of recycled rasters and hands them through a bounded queue to the encoder on the calling
/// thread (x264 runs its own threads on top).
public final class Renderer {
    public let timeline: Timeline
    /// The drawing order, worked out once rather than per frame, when the media have been
    /// checked and the layouts arranged (`checkMedia`).
    private(set) var schedule: Schedule
    let locator: MediaLocator
    private let media: MediaLibrary
    let compositor: FrameCompositor

    /// Frames in flight between compositing and encoding: one being drawn while the encoder takes
    /// the other (x264 copies a frame in as it is sent, so it is back in the pool at once). More
    /// only held memory: four measured no faster than two on ref-1080p.
    static let pipelineDepth = 2

    /// A renderer for `timeline` that finds remote media through `locator`.
    public init(timeline: Timeline, locator: MediaLocator = MediaLocator()) {
        self.timeline = timeline
        schedule = timeline.schedule()
        self.locator = locator
        media = MediaLibrary(locator: locator)
        // A remote font file is fetched once (through the locator's network policy and cache) and
        // read from there; one that cannot be fetched stays remote, and setting text with it fails
        // with its URL (`checkMedia` reports it first).
        let fonts = timeline.fonts.map { font -> FontFace in
            guard case .url = font.source, let path = try? locator.localPath(for: font.source) else { return font }
            var local = font
            local.source = .file(path)
            return local
        }
        compositor = FrameCompositor(canvas: timeline.canvas, fonts: fonts, media: ClipNamingMedia(library: media))
    }

    /// Notes from lowering and fallback notices (e.g. a missing font family), each once.
    public var warnings: [String] { timeline.notices + compositor.warnings }

    /// Opens every media file the timeline uses, so that a missing or corrupt file is reported,
    /// with the clip that names it, before any work starts.
    public func checkMedia() throws {
        guard !mediaChecked else { return }
        for font in timeline.fonts {
            if case .url = font.source {
                do { _ = try locator.localPath(for: font.source) } catch {
                    throw MediaError("font \"\(font.family)\" (\(font.source)): \(error)")
                }
            }
        }
        // Every still decoded at once, on every processor, before each is checked in turn.
        media.prefetchImages(timeline.tracks.flatMap(\.clips).compactMap {
            if case .image(let image) = $0.content { return image.source }
            return nil
        })
        for clip in timeline.tracks.flatMap(\.clips) {
            do {
                switch clip.content {
                case .image(let image): _ = try media.naturalSize(of: image.source)
                case .video(let video):
                    try media.checkVideo(video.source)
                    // Its sound too, when it has some and is heard.
                    let path = try locator.localPath(for: video.source)
                    if !video.sound.isSilent, AudioReader.hasAudio(path: path) {
                        _ = try AudioReader(path: path, playbackRate: video.trim.playbackRate)
                    }
                case .audio(let audio):
                    let path = try locator.localPath(for: audio.source)
                    guard FileManager.default.fileExists(atPath: path) else { throw MediaError("file not found: \(path)") }
                    _ = try AudioReader(path: path, playbackRate: audio.trim.playbackRate)
                case .drawn(let drawn):
                    // The painter reads its files first when it checks them, naming the field
                    // (a three clip's `objects[1].model`); then every file must at least exist.
                    do { try compositor.checkMedia(of: drawn) } catch { throw RenderError("\(clip.origin): \(error)") }
                    for source in drawn.content.mediaSources {
                        let path = try locator.localPath(for: source)
                        guard FileManager.default.fileExists(atPath: path) else { throw MediaError("file not found: \(path)") }
                    }
                default: break
                }
            } catch let error as RenderError {
                throw error
            } catch {
                throw RenderError("\(clip.origin).src: \(error)")
            }
        }
        if !timeline.layouts.isEmpty {
            // Layout children are measured with the fonts and media the frames are drawn with.
            do {
                schedule = try timeline.arranged(measuring: compositor).schedule()
            } catch {
                throw RenderError("\(error)")
            }
        }
        mediaChecked = true
    }

    /// Set once every media file has opened, so repeated frames (previews) do not reopen them.
    private var mediaChecked = false

    /// The frame at timeline time `seconds`.
    public func frame(at seconds: Double) throws -> Raster {
        try checkMedia()
        return try compose(schedule.drawList(at: seconds))
    }

    func compose(_ items: [DrawItem]) throws -> Raster {
        do {
            return try compositor.render(items)
        } catch {
            throw RenderError("\(error)")
        }
    }

    /// Renders the whole timeline to a movie at `path`, an MP4 unless `settings` say otherwise
    /// (`render(to:format:…)` picks them for a format). The file appears only when it is complete:
    /// it is written beside `path` and renamed at the end, so a failure leaves no broken file.
    /// `progress` is called after every frame; throwing from it stops the render.
    public func renderVideo(to path: String, settings: EncoderSettings = EncoderSettings(),
                            progress: (RenderProgress) throws -> Void = { _ in }) throws {
        try encode(frames: nil, to: path, settings: settings, progress: progress)
    }

    /// Encodes `frames` of the timeline (all of them when nil) to a movie at `path`, with the
    /// sound when `settings` include it, as `renderVideo` describes; a range's first picture is
    /// at time 0 of the file. `metadata` becomes the container's tags.
    func encode(frames: Range<Int>?, to path: String, settings: EncoderSettings, metadata: [String: String] = [:],
                progress: (RenderProgress) throws -> Void) throws {
        // The encoder's threads keep the cores busy: decoders on frame threads would only hold more
        // pictures (ref-1080p: 65 MB more peak memory and no faster).
        media.decoderThreads = 1
        defer { media.decoderThreads = 0 }
        try checkMedia()
        let canvas = timeline.canvas
        let partial = path + ".partial"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let writer = try MovieWriter(path: partial, width: canvas.width, height: canvas.height,
                                     frameRate: canvas.frameRate, settings: settings, metadata: metadata)
        let compositor = self.compositor
        let sound = { (left: [Float], right: [Float]) in try writer.appendAudio(left: left, right: right) }
        if writer.acceptsPlanarFrames {
            // Frames go to the encoder by reference and come back to the pool when it lets go.
            try run(makeFrame: { PlanarImage(width: canvas.width, height: canvas.height) },
                    draw: { try compositor.render($0, into: $1) },
                    consume: { frame, recycle in try writer.append(frame, released: recycle) },
                    sound: sound, frames: frames, progress: progress)
        } else {
            try run(makeFrame: { Raster(width: canvas.width, height: canvas.height) },
                    draw: { try compositor.render($0, into: $1) },
                    consume: { frame, recycle in
                        try writer.append(frame)
                        recycle()
                    },
                    sound: sound, frames: frames, progress: progress)
        }
        try writer.finish()
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: partial, toPath: path)
    }

    /// Decodes, composites and mixes the whole timeline into the encoder's Y'CbCr frames and
    /// throws the result away: the render without the encoder, to time everything but encoding.
    public func renderDiscarding(progress: (RenderProgress) throws -> Void = { _ in }) throws {
        try checkMedia()
        let canvas = timeline.canvas, compositor = self.compositor
        try run(makeFrame: { PlanarImage(width: canvas.width, height: canvas.height) },
                draw: { try compositor.render($0, into: $1) },
                consume: { _, recycle in recycle() }, sound: { _, _ in }, progress: progress)
    }

    /// Renders the whole timeline into the encoder's frames and writes them to `path` as raw
    /// yuv420p (each frame: the luma plane, then Cb, then Cr, rows packed): the input of the x264
    /// floor in benchmarks (`reel bench x264`).
    public func renderRawFrames(to path: String, progress: (RenderProgress) throws -> Void = { _ in }) throws {
        try checkMedia()
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw RenderError("cannot write \(path)")
        }
        defer { try? file.close() }
        let canvas = timeline.canvas, compositor = self.compositor
        try run(makeFrame: { PlanarImage(width: canvas.width, height: canvas.height) },
                draw: { try compositor.render($0, into: $1) },
                consume: { frame, recycle in
                    defer { recycle() }
                    try file.write(contentsOf: Data(frame.packedSamples()))
                }, sound: { _, _ in }, progress: progress)
    }

    /// The mixed sound of `duration` seconds from `seconds`, 48 kHz stereo, as a render mixes it
    /// (for tests and the fuzzer; a render mixes the whole timeline block by block).
    public func sound(from seconds: Double, duration: Double) throws -> (left: [Float], right: [Float]) {
        try checkMedia()
        let rate = Double(EncoderSettings.audioSampleRate)
        let start = Int(saturating: (seconds * rate).rounded()), count = min(max(0, Int(saturating: (duration * rate).rounded())), 1 << 24)
        return try AudioMixer(timeline: timeline, locator: locator).mix(from: start, count: count)
    }

    /// The encoder's picture of frame `index`: Y'CbCr 4:2:0 as the render hands it to x264.
    /// `passThrough` false draws footage in RGBA too (to compare the two ways).
    public func planarFrame(atFrame index: Int, passThrough: Bool = true) throws -> PlanarImage {
        try checkMedia()
        let image = PlanarImage(width: timeline.canvas.width, height: timeline.canvas.height)
        compositor.passesFootageThrough = passThrough
        defer { compositor.passesFootageThrough = true }
        do {
            try compositor.render(schedule.drawList(atFrame: index), into: image)
        } catch {
            throw RenderError("\(error)")
        }
        return image
    }

    /// The pipeline: a compositing thread draws frames into a small pool of recycled frames and
    /// hands them through a bounded queue to `consume` on the calling thread, followed by the
    /// sound up to that frame's end (none when `sound` is nil). `consume` calls its second
    /// argument when the frame may be drawn into again (at once, or when the encoder lets go of it).
    /// `step` takes every step-th frame of the timeline only (without sound); `frames`, when
    /// given, only those frames of the timeline (the sound from the first one's start).
    func run<Frame: AnyObject & Sendable>(
        makeFrame: () -> Frame,
        draw: @escaping @Sendable ([DrawItem], Frame) throws -> Void,
        consume: (Frame, _ recycle: @escaping @Sendable () -> Void) throws -> Void,
        sound: (([Float], [Float]) throws -> Void)?,
        step: Int = 1,
        frames: Range<Int>? = nil,
        progress: (RenderProgress) throws -> Void
    ) throws {
        precondition(step >= 1 && (step == 1 || sound == nil), "frames are skipped only without sound")
        precondition(step == 1 || frames == nil, "frames are skipped only over the whole timeline")
        let timelineFrames = timeline.frameCount
        guard timelineFrames > 0 else { throw RenderError("the timeline is empty: no clip has any duration") }
        let range = frames ?? 0..<timelineFrames
        guard range.lowerBound >= 0, range.upperBound <= timelineFrames, !range.isEmpty else {
            throw RenderError("frames \(range.lowerBound) ..< \(range.upperBound) are not within the timeline's \(timelineFrames)")
        }
        let first = range.lowerBound
        let frameCount = (range.count + step - 1) / step
        let canvas = timeline.canvas
        let mixer = try sound.map { _ in try AudioMixer(timeline: timeline, locator: locator) }
        let free = BoundedQueue<Frame>(capacity: Self.pipelineDepth)
        // Each frame's way back to the pool, made once (a closure made per frame is an allocation;
        // so is taking one out of a dictionary's values, a generic type: hence the class).
        var recyclers: [ObjectIdentifier: Recycler] = [:]
        for _ in 0..<Self.pipelineDepth {
            let frame = makeFrame()
            recyclers[ObjectIdentifier(frame)] = Recycler { free.push(frame) }
            free.push(frame)
        }
        let composed = BoundedQueue<Result<Frame, any Error>>(capacity: Self.pipelineDepth)
        let schedule = self.schedule
        let producer = Thread {
            // One list, evaluated again for every frame in the storage of the frame before.
            var items: [DrawItem] = []
            for index in 0..<frameCount {
                guard let frame = free.pop() else { break }
                do {
                    schedule.drawList(atFrame: first + index * step, into: &items)
                    try draw(items, frame)
                    guard composed.push(.success(frame)) else { break }
                } catch {
                    composed.push(.failure(RenderError("\(error)")))
                    break
                }
            }
            composed.close()
        }
        producer.stackSize = 8 << 20
        producer.start()
        defer {
            free.close()
            composed.close()
            while composed.pop() != nil {}
        }

        let start = Date()
        let samplesPerSecond = Double(EncoderSettings.audioSampleRate)
        var samplesDone = Int((canvas.frameRate.time(ofFrame: first) * samplesPerSecond).rounded())
        for index in 0..<frameCount {
            guard let result = composed.pop() else { throw RenderError("the compositor stopped early") }
            let frame = try result.get()
            guard let recycle = recyclers[ObjectIdentifier(frame)] else { throw RenderError("a frame not from the pool") }
            try consume(frame, recycle.run)
            if let sound, let mixer {
                // The mix up to the end of this frame keeps sound and picture in step.
                let audioEnd = Int((canvas.frameRate.time(ofFrame: first + index + 1) * samplesPerSecond).rounded())
                let block = try mixer.mix(from: samplesDone, count: audioEnd - samplesDone)
                try sound(block.left, block.right)
                samplesDone = audioEnd
            }
            try progress(RenderProgress(framesDone: index + 1, frameCount: frameCount, elapsed: Date().timeIntervalSince(start)))
        }
    }
}

/// A frame's way back to the render's pool of frames.
private final class Recycler: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// A cap on the processors a render uses.
public enum ProcessorLimit {
    /// Confines the calling thread, and every thread it starts afterwards (the compositing
    /// thread, decoders, the encoder's threads), to `count` of the processors it may run on.
    /// The output does not change: the encoder's thread count is set by the picture size
    /// (`EncoderSettings.frameThreads`), and only how many of those threads run at once is
    /// capped. Returns the processors now allowed, or nil where the system has no such control.
    @discardableResult
    public static func restrict(to count: Int) -> Int? {
        let allowed = reel_restrict_to_processors(Int32(clamping: max(1, count)))
        return allowed > 0 ? Int(allowed) : nil
    }
}

import CProcessors

extension EncoderSettings {
    /// The settings a timeline's `delivery` asks for: drafts encode fast and small (CRF 28,
    /// superfast, 96 kb/s sound), the standard is x264's default quality at veryfast (CRF 23,
    /// 128 kb/s), and high quality spends more (CRF 18, medium, 192 kb/s).
    public init(delivery: Delivery) {
        switch delivery {
        case .draft: self.init(crf: 28, preset: "superfast", audioBitRate: 96_000)
        case .standard: self.init()
        case .high: self.init(crf: 18, preset: "medium", audioBitRate: 192_000)
        }
    }
}
