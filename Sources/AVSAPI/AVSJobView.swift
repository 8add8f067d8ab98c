import Foundation
import ServerKit
import Store
import TemplateSchema

/// The AVS job object (digest §6): `status` and `phase` apart, times, `error`, and on success
/// `result.downloadUrl` (a signed link that lives 7 days) with its `expiresAt`.
struct AVSJobView {
    var job: JobRecord
    var task: TaskRecord

    enum Mode: String { case json, prompt }

    /// How long a download link lives.
    static let linkLifetime: TimeInterval = 7 * 86400

    /// The coarse status: queued, running, completed or failed.
    var status: String {
        switch job.status {
        case .queued: "queued"
        case .running: "running"
        case .completed: "completed"
        case .failed, .cancelled: "failed"
        }
    }

    func json(service: ReelService, origin: String) -> [String: Any] {
        let mode = Mode(rawValue: task.category) ?? .json
        var fields: [String: Any] = [
            "jobId": job.id, "mode": mode.rawValue, "status": status, "phase": job.status == .cancelled ? "failed" : job.phase.rawValue,
            "createdAt": job.createdAt, "updatedAt": job.updatedAt, "progress": job.progress, "credits": job.cost,
            "error": NSNull(), "result": NSNull(),
        ]
        if job.status == .failed || job.status == .cancelled {
            fields["error"] = ["code": job.status == .cancelled ? "cancelled" : "job_failed", "message": job.error ?? "the job failed"]
        }
        if job.status == .completed {
            let link = service.videoURL(taskID: task.id, origin: origin, lifetime: Self.linkLifetime)
            fields["result"] = ["downloadUrl": link.url, "expiresAt": Timestamp.string(link.expires),
                                "durationSeconds": task.duration, "width": task.width, "height": task.height]
        }
        // The template the job renders: the one submitted, or the one planned from the prompt
        // (null until the job has been through `generating`).
        let document = task.dialect == AVSTemplateV1.name ? Self.object(task.config) as? [String: Any] : nil
        fields["template"] = document?["template"] ?? NSNull()
        fields["output"] = document?["output"] ?? NSNull()
        if mode == .prompt, let request = Self.object(task.sourceDocument ?? task.config) as? [String: Any] {
            fields["prompt"] = request["prompt"] ?? NSNull()
        }
        if let metadata = task.metadata.flatMap(Self.object) as? [String: Any], let warnings = metadata["warnings"] as? [Any] {
            fields["warnings"] = warnings
        } else {
            fields["warnings"] = [Any]()
        }
        return fields
    }

    static func object(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }
}
