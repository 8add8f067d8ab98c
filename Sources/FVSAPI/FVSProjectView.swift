import Foundation
import ServerKit
import Store
import TemplateSchema

/// The render status object (digest §4): `project_id`, `status`, `current_stage`, `is_running`,
/// `run_id`, a signed `final_video_url` re-issued at every poll, `last_error`, counts and the
/// absolute `status_url` and `cancel_url`.
struct FVSProjectView {
    var job: JobRecord
    var task: TaskRecord

    /// How long a video link lives (it is issued again at every poll).
    static let linkLifetime: TimeInterval = 24 * 3600

    /// `queued`, `running`, `completed` or `failed` (a cancelled render is `failed`, with
    /// `last_error` saying it was cancelled).
    var status: String {
        switch job.status {
        case .queued: "queued"
        case .running: "running"
        case .completed: "completed"
        case .failed, .cancelled: "failed"
        }
    }

    /// `input` (accepted, waiting), `assets` (uploads opened), `screenplay` (compiling the shots),
    /// `rendering`, then `completed`, `failed` or `cancelled`.
    var stage: String {
        switch job.status {
        case .queued: return "input"
        case .completed: return "completed"
        case .failed: return "failed"
        case .cancelled: return "cancelled"
        case .running:
            switch job.phase {
            case .queued, .preparingAssets: return "assets"
            case .generating: return "screenplay"
            default: return "rendering"
            }
        }
    }

    func json(service: ReelService, origin: String) -> [String: Any] {
        let base = origin + "/api/agent/renders/" + job.id
        let request = (try? JSONSerialization.jsonObject(with: Data((task.sourceDocument ?? task.config).utf8))) as? [String: Any]
        let running = job.status == .queued || job.status == .running
        var fields: [String: Any] = [
            "project_id": job.id, "name": task.title ?? "", "status": status, "current_stage": stage, "is_running": running,
            "run_id": running ? "run_" + job.id.dropFirst("proj_api_".count) : NSNull(),
            "final_video_url": NSNull(), "last_error": job.error ?? NSNull(),
            "asset_count": (request?["assets"] as? [Any])?.count ?? 0, "clip_count": clipCount,
            "status_url": base, "cancel_url": base + "/cancel",
            "progress": job.progress, "credits": job.cost, "created_at": job.createdAt, "updated_at": job.updatedAt,
        ]
        if job.status == .completed {
            let link = service.videoURL(taskID: task.id, origin: origin, lifetime: Self.linkLifetime)
            fields["final_video_url"] = link.url
            fields["final_video_expires_at"] = Timestamp.string(link.expires)
            fields["duration_seconds"] = task.duration
        }
        if let metadata = task.metadata.flatMap({ try? JSONSerialization.jsonObject(with: Data($0.utf8)) }) as? [String: Any],
           let warnings = metadata["warnings"] as? [Any], !warnings.isEmpty {
            fields["warnings"] = warnings
        }
        return fields
    }

    /// The shots of the compiled document (0 until the screenplay is compiled).
    var clipCount: Int {
        guard task.dialect == "renderingvideo-v2",
              let document = (try? JSONSerialization.jsonObject(with: Data(task.config.utf8))) as? [String: Any],
              let record = document["x-reel-screenplay"] as? [String: Any], let shots = record["shots"] as? [Any] else { return 0 }
        return shots.count
    }
}
