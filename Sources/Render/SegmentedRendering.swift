public import Encoder
import Foundation
public import Timeline

/// How a render is cut into segments that can be encoded apart (on other threads, processes or
/// machines) and joined by stream copy: k runs of whole GOPs covering the timeline's frames.
///
/// Every boundary is a multiple of the keyframe interval, so each segment starts where a single
/// render would put a keyframe; each segment is encoded by an encoder of its own, whose first
/// picture is an IDR picture and whose GOPs are closed (x264's default), so no picture refers
/// across a boundary. It is plain data (JSON through `Codable`) so that the process that makes it
/// can store it and hand it to others: rendering a segment needs only the plan, the same
/// timeline and the same encoder settings.
public struct SegmentPlan: Codable, Sendable, Hashable {
    /// One segment: timeline frames `firstFrame ..< endFrame`.
    public struct Segment: Codable, Sendable, Hashable {
        public var firstFrame: Int
        public var endFrame: Int
        /// The frames it holds.
        public var frameCount: Int { endFrame - firstFrame }
        public var frames: Range<Int> { firstFrame..<endFrame }
    }

    /// The plan's format, for readers of stored plans.
    public var version = 1
    /// The timeline's frames, width, height and frame rate, as the plan was made for them.
    public var frameCount: Int
    public var width: Int
    public var height: Int
    public var frameRateNumerator: Int
    public var frameRateDenominator: Int
    /// The GOP length the boundaries are multiples of.
    public var keyframeInterval: Int
    /// The encoder and the settings that change its output (`SegmentPlan.encoderSummary`):
    /// every segment must be encoded with them.
    public var encoder: String
    public var segments: [Segment]

    public var frameRate: FrameRate { FrameRate(numerator: frameRateNumerator, denominator: frameRateDenominator) }

    /// A plan of at most `count` segments of `frameCount` frames cut on multiples of
    /// `keyframeInterval`: the GOPs are shared out as evenly as whole GOPs allow (the earlier
    /// segments get the extra ones). Fewer segments when there are fewer GOPs than `count`; one
    /// when `count` is 1.
    public init(frameCount: Int, keyframeInterval: Int, count: Int, width: Int, height: Int, frameRate: FrameRate,
                encoder: String) throws {
        guard frameCount > 0 else { throw RenderError("the timeline is empty: no clip has any duration") }
        guard keyframeInterval > 0 else { throw RenderError("the keyframe interval must be 1 frame or more") }
        guard count > 0 else { throw RenderError("a render needs 1 segment or more, not \(count)") }
        self.frameCount = frameCount
        self.keyframeInterval = keyframeInterval
        self.width = width
        self.height = height
        frameRateNumerator = frameRate.numerator
        frameRateDenominator = frameRate.denominator
        self.encoder = encoder
        let gops = (frameCount + keyframeInterval - 1) / keyframeInterval
        let parts = min(count, gops)
        var segments: [Segment] = [], gop = 0
        for index in 0..<parts {
            let share = gops / parts + (index < gops % parts ? 1 : 0)
            let first = gop * keyframeInterval
            gop += share
            segments.append(Segment(firstFrame: first, endFrame: min(frameCount, gop * keyframeInterval)))
        }
        self.segments = segments
    }

    /// Throws unless the segments are whole GOPs that cover frames 0 ..< frameCount in order, each
    /// once (a plan read from elsewhere is checked before it is used).
    public func validate() throws {
        var next = 0
        for (index, segment) in segments.enumerated() {
            guard segment.firstFrame == next, segment.endFrame > segment.firstFrame, segment.endFrame <= frameCount,
                  keyframeInterval > 0, segment.firstFrame % keyframeInterval == 0 else {
                throw RenderError("the segment plan is not valid: segment \(index) covers frames \(segment.firstFrame)..<\(segment.endFrame)")
            }
            next = segment.endFrame
        }
        guard version == 1, next == frameCount, frameCount > 0, width > 0, height > 0, frameRateNumerator > 0, frameRateDenominator > 0 else {
            throw RenderError("the segment plan is not valid: its segments do not cover its \(frameCount) frames")
        }
    }

    /// The text a segment file carries in its "comment" tag: which segment of which plan it is,
    /// and how it was encoded. The join refuses a file whose tag is not its segment's.
    public func tag(ofSegment index: Int) -> String {
        let segment = segments[index]
        return "reel segment \(index + 1)/\(segments.count): frames \(segment.firstFrame)..<\(segment.endFrame) of \(frameCount) "
            + "at \(frameRate) fps, \(width)x\(height), \(encoder)"
    }

    /// The tag of the plan's sound file.
    public func soundTag(settings: EncoderSettings) -> String {
        "reel sound: \(frameCount) frames at \(frameRate) fps, \(settings.audioCodec) \(settings.audioBitRate) b/s"
    }

    /// The encoder settings that change a segment's bytes, in words: codec, pixel format, rate
    /// factor, preset, encoder threads, keyframe interval and the rest. Two segments encoded with
    /// the same summary can follow each other in one stream.
    public static func encoderSummary(_ settings: EncoderSettings, width: Int, height: Int) -> String {
        let threads = settings.threads ?? EncoderSettings.frameThreads(width: width, height: height)
        let options = settings.codecOptions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return "\(settings.videoCodec) \(settings.pixelFormat) crf \(settings.crf) preset \(settings.preset) threads \(threads) "
            + "keyint \(settings.keyframeInterval ?? EncoderSettings.defaultKeyframeInterval)"
            + (settings.codecTag.map { " tag \($0)" } ?? "") + (options.isEmpty ? "" : " options \(options)")
            + (settings.tagsColor ? " bt709" : " untagged") + (settings.displayRotation % 360 == 0 ? "" : " rotated \(settings.displayRotation)")
    }
}

/// What a segmented render spent where (seconds of wall-clock time).
public struct SegmentedRenderTimes: Sendable {
    /// Making the plan (opening the media included).
    public var planning: Double
    /// Mixing and encoding the sound, on its own thread beside the segments.
    public var sound: Double
    /// Each segment, from its start to its file being complete.
    public var segments: [Double]
    /// Joining the segments and the sound into the output.
    public var join: Double
    /// The whole render.
    public var total: Double
}

extension Renderer {
    /// Whether `format` can be rendered in segments and joined: the MP4s (H.264 and HEVC), whose
    /// encoders start each segment with an IDR picture and whose container keeps exact
    /// timestamps. The others (WebM, MOV, GIF, PNG, posters) render whole.
    public static func isSegmentable(format: OutputFormat) -> Bool {
        format == .mp4 || format == .hevc
    }

    /// Whether a movie encoded with `settings` can be rendered in segments: an MP4 of x264 or
    /// x265 at a constant frame rate.
    public static func isSegmentable(settings: EncoderSettings) -> Bool {
        settings.container == "mp4" && ["libx264", "libx265"].contains(settings.videoCodec) && settings.variableTimeScale == nil
    }

    /// A plan of at most `count` segments for rendering this timeline with `settings`, cut on
    /// multiples of the keyframe interval (`settings.keyframeInterval`, else the encoder's 250).
    public func segmentPlan(count: Int, settings: EncoderSettings) throws -> SegmentPlan {
        guard Self.isSegmentable(settings: settings) else {
            throw RenderError("only MP4 (H.264 or HEVC) renders can be split into segments, not \(settings.container) of \(settings.videoCodec)")
        }
        let canvas = timeline.canvas
        return try SegmentPlan(frameCount: timeline.frameCount,
                               keyframeInterval: settings.keyframeInterval ?? EncoderSettings.defaultKeyframeInterval,
                               count: count, width: canvas.width, height: canvas.height, frameRate: canvas.frameRate,
                               encoder: SegmentPlan.encoderSummary(settings, width: canvas.width, height: canvas.height))
    }

    /// Renders segment `index` of `plan`: its frames' pictures only, encoded with `settings` (those
    /// the plan was made with; the sound is left out) into an MP4 at `path` whose first picture is
    /// at time 0 and is an IDR picture, tagged with `plan.tag(ofSegment:)`. Any process can do it,
    /// in any order, and again: the same segment gives the same bytes. `progress` counts the
    /// segment's frames; throwing from it stops the render, and nothing is left at `path`.
    public func renderSegment(_ index: Int, of plan: SegmentPlan, to path: String, settings: EncoderSettings,
                              progress: (RenderProgress) throws -> Void = { _ in }) throws {
        guard plan.segments.indices.contains(index) else {
            throw RenderError("the plan has segments 0 to \(plan.segments.count - 1), not \(index)")
        }
        try check(plan, settings: settings)
        var pictures = settings
        pictures.includesAudio = false
        try encode(frames: plan.segments[index].frames, to: path, settings: pictures,
                   metadata: ["comment": plan.tag(ofSegment: index)], progress: progress)
    }

    /// Mixes the whole timeline's sound once and encodes it as a render with `settings` does (the
    /// same blocks into the same encoder, so the same packets) into a sound-only MP4 at `path`,
    /// for `join`. Returns false, writing nothing, when `settings` have no sound. (A render whose
    /// timeline has no sound clip still gets its track: silence, as a single render writes.)
    @discardableResult
    public func renderSoundTrack(of plan: SegmentPlan, to path: String, settings: EncoderSettings,
                                 progress: (RenderProgress) throws -> Void = { _ in }) throws -> Bool {
        guard settings.includesAudio else { return false }
        try check(plan, settings: settings)
        let partial = path + ".partial"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let writer = try MovieWriter(soundOnlyPath: partial, settings: settings, metadata: ["comment": plan.soundTag(settings: settings)])
        let mixer = try AudioMixer(timeline: timeline, locator: locator)
        let rate = timeline.canvas.frameRate, samplesPerSecond = Double(EncoderSettings.audioSampleRate)
        let start = Date()
        var samplesDone = 0
        // Block by block as the render mixes it: up to the end of each frame.
        for index in 0..<plan.frameCount {
            let end = Int((rate.time(ofFrame: index + 1) * samplesPerSecond).rounded())
            let block = try mixer.mix(from: samplesDone, count: end - samplesDone)
            try writer.appendAudio(left: block.left, right: block.right)
            samplesDone = end
            try progress(RenderProgress(framesDone: index + 1, frameCount: plan.frameCount, elapsed: Date().timeIntervalSince(start)))
        }
        try writer.finish()
        do {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: partial, toPath: path)
        } catch {
            throw RenderError("cannot write \(path): \(error.localizedDescription)")
        }
        return true
    }

    /// Joins the segment files of `plan` (in the plan's order) and the sound file, if any, into
    /// the MP4 `output` by stream copy, moov first: the frames, timestamps and sound of a single
    /// render. Refuses files that are not the plan's segments (their tags), that were encoded with
    /// other codec parameters than the first, or that miss or repeat a frame.
    public static func join(segments: [String], sound: String?, plan: SegmentPlan, settings: EncoderSettings, to output: String) throws {
        try plan.validate()
        guard segments.count == plan.segments.count else {
            throw RenderError("the plan has \(plan.segments.count) segments, but \(segments.count) files were given to join")
        }
        let parts = zip(segments, plan.segments).enumerated().map { index, pair in
            MovieJoiner.Part(path: pair.0, firstFrame: pair.1.firstFrame, frameCount: pair.1.frameCount, tag: plan.tag(ofSegment: index))
        }
        do {
            try MovieJoiner.join(parts: parts, sound: sound, soundTag: sound.map { _ in plan.soundTag(settings: settings) },
                                 frameRate: plan.frameRate, to: output)
        } catch {
            throw RenderError("cannot join the segments: \(error)")
        }
    }

    /// Renders the timeline to the MP4 `path` in `count` segments at once, each on its own thread
    /// with its own `Renderer`, the sound on another, then joins them (`reel render --segments`).
    /// The intermediate files go in a folder beside `path` and are removed. `progress` counts the
    /// frames of all segments; throwing from it stops every segment.
    @discardableResult
    public func renderSegmented(to path: String, count: Int, settings: EncoderSettings,
                                progress: (RenderProgress) throws -> Void = { _ in }) throws -> SegmentedRenderTimes {
        let start = Date()
        try checkMedia()
        let plan = try segmentPlan(count: count, settings: settings)
        let planning = Date().timeIntervalSince(start)
        let folder = path + ".segments-" + UUID().uuidString
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        } catch {
            throw RenderError("cannot make \(folder): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let segmentPaths = plan.segments.indices.map { "\(folder)/segment-\($0).mp4" }
        let soundPath = settings.includesAudio ? "\(folder)/sound.mp4" : nil

        // Each job reports its frames and its end through one queue, read on this thread.
        enum Event { case frames(job: Int, done: Int), finished(job: Int, seconds: Double, error: (any Error)?) }
        let events = BoundedQueue<Event>(capacity: 64)
        let cancelled = CancelFlag()
        let timeline = self.timeline, locator = self.locator
        var jobs: [@Sendable () throws -> Void] = plan.segments.indices.map { index in
            { @Sendable in
                try Renderer(timeline: timeline, locator: locator).renderSegment(index, of: plan, to: segmentPaths[index], settings: settings) {
                    if cancelled.isSet { throw RenderError("cancelled") }
                    events.push(.frames(job: index, done: $0.framesDone))
                }
            }
        }
        if let soundPath {
            jobs.append { @Sendable in
                try Renderer(timeline: timeline, locator: locator).renderSoundTrack(of: plan, to: soundPath, settings: settings) { _ in
                    if cancelled.isSet { throw RenderError("cancelled") }
                }
            }
        }
        for (job, work) in jobs.enumerated() {
            let thread = Thread {
                let jobStart = Date()
                var failure: (any Error)?
                do { try work() } catch { failure = error }
                events.push(.finished(job: job, seconds: Date().timeIntervalSince(jobStart), error: failure))
            }
            thread.stackSize = 8 << 20
            thread.start()
        }

        var framesDone = [Int](repeating: 0, count: plan.segments.count)
        var seconds = [Double](repeating: 0, count: jobs.count)
        var firstError: (any Error)?
        var running = jobs.count
        while running > 0, let event = events.pop() {
            switch event {
            case .frames(let job, let done):
                framesDone[job] = done
                guard firstError == nil else { continue }
                do {
                    try progress(RenderProgress(framesDone: framesDone.reduce(0, +), frameCount: plan.frameCount,
                                                elapsed: Date().timeIntervalSince(start)))
                } catch {
                    firstError = error
                    cancelled.set()
                }
            case .finished(let job, let time, let error):
                running -= 1
                seconds[job] = time
                if let error, firstError == nil {
                    firstError = RenderError(job < plan.segments.count ? "segment \(job + 1) of \(plan.segments.count): \(error)" : "sound: \(error)")
                    cancelled.set()
                }
            }
        }
        if let firstError { throw firstError }
        let joinStart = Date()
        try Self.join(segments: segmentPaths, sound: soundPath, plan: plan, settings: settings, to: path)
        let end = Date()
        return SegmentedRenderTimes(planning: planning, sound: soundPath == nil ? 0 : seconds[plan.segments.count],
                                    segments: Array(seconds.prefix(plan.segments.count)),
                                    join: end.timeIntervalSince(joinStart), total: end.timeIntervalSince(start))
    }

    /// Throws unless `plan` was made for this timeline and `settings`.
    private func check(_ plan: SegmentPlan, settings: EncoderSettings) throws {
        try plan.validate()
        let canvas = timeline.canvas
        guard plan.frameCount == timeline.frameCount, plan.width == canvas.width, plan.height == canvas.height,
              plan.frameRate == canvas.frameRate else {
            throw RenderError("the segment plan is for \(plan.frameCount) frames of \(plan.width)×\(plan.height) at \(plan.frameRate) fps, "
                              + "but the timeline has \(timeline.frameCount) of \(canvas.width)×\(canvas.height) at \(canvas.frameRate) fps")
        }
        let summary = SegmentPlan.encoderSummary(settings, width: canvas.width, height: canvas.height)
        guard plan.encoder == summary else {
            throw RenderError("the segment plan was made for \(plan.encoder), not \(summary)")
        }
        guard Self.isSegmentable(settings: settings) else {
            throw RenderError("only MP4 (H.264 or HEVC) renders can be split into segments")
        }
    }
}

/// Set once to stop every segment of a render.
private final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }

    func set() { lock.withLock { value = true } }
}
