import Foundation

/// The R-Credits a public-API job costs (digest §8): each uploaded or imported file by its type
/// (video 5, image 0, audio 3), 3 for prompt mode's creation, 5 for the render. All of it is
/// reserved when the job is accepted and refunded if it fails.
public enum RCredits {
    public enum AssetKind: String, Sendable, CaseIterable {
        case video, image, audio
    }

    public static func upload(_ kind: AssetKind) -> Int {
        switch kind {
        case .video: 5
        case .image: 0
        case .audio: 3
        }
    }

    public static let promptCreation = 3
    public static let render = 5

    /// A job's cost: its files, plus creation in prompt mode, plus the render.
    public static func cost(assets: [AssetKind], prompt: Bool) -> Int {
        assets.map(upload).reduce(0, +) + (prompt ? promptCreation : 0) + render
    }

    /// The kind of a remote file named only by its URL (prompt mode's `assetUrls`), from its
    /// extension; a URL with no known extension is charged as video, the dearest kind, so a job
    /// is never charged less than its files cost.
    public static func kind(ofURL text: String) -> AssetKind {
        let path = URLComponents(string: text)?.path.lowercased() ?? text.lowercased()
        let ext = (path as NSString).pathExtension
        if ["png", "jpg", "jpeg", "gif", "webp", "avif", "heic", "heif", "svg", "bmp"].contains(ext) { return .image }
        if ["mp3", "wav", "m4a", "aac", "ogg", "oga", "flac", "opus"].contains(ext) { return .audio }
        return .video
    }
}
