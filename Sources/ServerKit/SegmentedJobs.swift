import Encoder
import Foundation
import Render
import Store
import Timeline

/// Renders split across workers. A job whose request asked for k > 1 workers (`JobRecord.workers`)
/// and whose output is an MP4 is split by the worker that claimed it (its coordinator) into at
/// most k segments at keyframe boundaries (`Renderer.segmentPlan`); any worker claims a segment
/// under a lease, renders its frames into a file of its own under the shared data folder and
/// records it; the coordinator mixes and encodes the sound once, renders segments itself while
/// any is queued, waits for the rest, and joins them by stream copy into the job's output. A
/// segment whose worker died or failed is rendered again, alone; the job's credits, state and
/// webhook stay the job's.
extension JobRunner {
    /// Where the segments of job `id` are kept until they are joined (beside the videos, on the
    /// storage every node shares).
    func segmentFolder(_ id: String) -> String { service.paths.videos + "/.segments/" + id }

    /// Renders `job` split into segments into `output`, as its coordinator (see above). Returns
    /// false, having done nothing, when the job renders whole: one worker asked for, a format
    /// that is not an MP4, or a video too short for two segments.
    func renderSplit(_ job: JobRecord, renderer: Renderer, format: OutputFormat, to output: String,
                     heartbeat: LockedBox<Date>, worker: Int) throws -> Bool {
        guard job.workers > 1, Renderer.isSegmentable(format: format) else { return false }
        let settings = try renderer.encoderSettings(for: format)
        guard Renderer.isSegmentable(settings: settings) else { return false }
        var plan = try renderer.segmentPlan(count: job.workers, settings: settings)
        guard plan.segments.count > 1 || job.segmentPlan != nil else { return false }
        let database = service.database
        let text = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        _ = try database.splitJob(id: job.id, owner: owner, plan: text, frameCounts: plan.segments.map(\.frameCount))
        // A job split by an earlier coordinator (which died) keeps that plan and its rendered segments.
        if let stored = try database.job(id: job.id)?.segmentPlan, stored != text {
            plan = try JSONDecoder().decode(SegmentPlan.self, from: Data(stored.utf8))
        }
        let folder = segmentFolder(job.id)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let held = { [owner] in
            guard try database.holds(job: job.id, owner: owner) else { throw RenderError.cancelled }
        }
        // The sound, mixed and encoded once for the whole video.
        let sound = folder + "/sound.mp4"
        var lastCheck = Date()
        let hasSound = try renderer.renderSoundTrack(of: plan, to: sound, settings: settings) { _ in
            heartbeat.value = Date()
            if Date().timeIntervalSince(lastCheck) > 0.5 {
                lastCheck = Date()
                try held()
            }
        }
        // Segments of this job while any is queued; then wait for those other workers render.
        var segments: [SegmentRecord] = []
        while true {
            try held()
            if let segment = try database.claimNextSegment(owner: owner, lease: service.configuration.leaseDuration, job: job.id) {
                do {
                    try renderSegment(segment, plan: plan, renderer: renderer, settings: settings, heartbeat: heartbeat, worker: worker)
                } catch RenderError.cancelled {
                    throw RenderError.cancelled
                } catch {
                    // Recorded against the segment, which is queued again or has failed the job.
                }
                continue
            }
            segments = try database.segments(job: job.id)
            if segments.allSatisfy({ $0.status == .completed }) { break }
            heartbeat.value = Date()  // waiting for other workers is not a stall
            Thread.sleep(forTimeInterval: 0.2)
        }
        try held()
        let paths = segments.sorted { $0.index < $1.index }.map { $0.outputPath ?? "" }
        try Renderer.join(segments: paths, sound: hasSound ? sound : nil, plan: plan, settings: settings, to: output)
        try? FileManager.default.removeItem(atPath: folder)
        return true
    }

    /// Renders one segment this worker claimed into its file under the job's segment folder and
    /// records it; a failure is recorded against the segment (queued again while it has attempts
    /// left, else its job fails) and rethrown. Throws `RenderError.cancelled` when the segment
    /// was lost (its job finished or was cancelled, or its lease ran out).
    func renderSegment(_ segment: SegmentRecord, plan: SegmentPlan, renderer: Renderer, settings: EncoderSettings,
                       heartbeat: LockedBox<Date>?, worker: Int) throws {
        let key = SegmentKey(job: segment.jobId, index: segment.index)
        let database = service.database, owner = self.owner, lostSegments = self.lostSegments, reports = self.reports
        runningSegments.mutate { _ = $0.insert(key) }
        defer { runningSegments.mutate { _ = $0.remove(key) } }
        let folder = segmentFolder(segment.jobId)
        let path = folder + "/segment-\(segment.index).mp4"
        let partial = folder + "/.segment-\(segment.index)-\(Identifier.make(6)).mp4"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        var lastUpdate = Date.distantPast
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try renderer.renderSegment(segment.index, of: plan, to: partial, settings: settings) { progress in
                heartbeat?.value = Date()
                reports.beat(worker)
                if let frame = Self.crashFrame, progress.framesDone >= frame {
                    fatalError("REEL_TEST_CRASH_AT_FRAME: segment render stopped at frame \(progress.framesDone) on purpose")
                }
                if lostSegments.value.contains(key) { throw RenderError.cancelled }
                guard Date().timeIntervalSince(lastUpdate) > 0.5 else { return }
                lastUpdate = Date()
                guard try database.updateSegmentProgress(key, owner: owner, framesDone: progress.framesDone) else { throw RenderError.cancelled }
            }
            try Self.moveIntoPlace(partial, path)
            guard try database.completeSegment(key, owner: owner, outputPath: path) else { throw RenderError.cancelled }
        } catch RenderError.cancelled {
            throw RenderError.cancelled
        } catch {
            service.logger.warning("segment render failed", metadata: ["job": "\(segment.jobId)", "segment": "\(segment.index)", "error": "\(error)"])
            _ = try? database.failSegment(key, owner: owner, error: service.clientMessage(error),
                                      maximumAttempts: service.configuration.maximumRenderAttempts, announce: announcement)
            throw error
        }
    }

    /// Renders a segment of another worker's job (claimed from the queue): the job's document is
    /// read again here, and rendered with the plan its coordinator stored.
    func renderClaimedSegment(_ segment: SegmentRecord, worker: Int) async {
        let heartbeat = LockedBox(Date())
        let key = SegmentKey(job: segment.jobId, index: segment.index)
        let outcome = await runOnThread(stallingAfter: service.configuration.renderStallTimeout, heartbeat: heartbeat) { [self] in
            guard let job = try service.database.job(id: segment.jobId), let stored = job.segmentPlan,
                  let task = try service.database.task(id: job.taskId) else { throw RenderError.cancelled }
            let plan = try JSONDecoder().decode(SegmentPlan.self, from: Data(stored.utf8))
            let format = job.outputFormat.map { OutputFormat(name: $0) } ?? .mp4
            guard let format else { throw Unrendered("the job asks for an unknown output format \"\(job.outputFormat ?? "")\"") }
            let renderer = Renderer(timeline: try service.timeline(for: task), locator: service.mediaLocator)
            try renderSegment(segment, plan: plan, renderer: renderer, settings: try renderer.encoderSettings(for: format),
                              heartbeat: heartbeat, worker: worker)
        }
        switch outcome {
        case nil:
            lostSegments.mutate { _ = $0.insert(key) }  // its thread stops at its next frame
            _ = try? service.database.failSegment(key, owner: owner, error: "render hung: a segment made no progress for "
                                                + "\(Int(saturating: service.configuration.renderStallTimeout)) s",
                                              maximumAttempts: service.configuration.maximumRenderAttempts, announce: announcement)
        case .failure(let error) where (error as? RenderError) == nil:
            // Not rendered: recorded by renderSegment, unless it failed before it began.
            _ = try? service.database.failSegment(key, owner: owner, error: service.clientMessage(error),
                                              maximumAttempts: service.configuration.maximumRenderAttempts, announce: announcement)
        default:
            break
        }
    }
}
