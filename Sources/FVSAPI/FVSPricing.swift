public import TemplateSchema

/// What an FVS render costs, in the shared credits: 2 for the project, and per started second of
/// the target length 1 at 720p or 2 at 1080p (a 24 s render at 720p: 26). Reserved when the render
/// is accepted, settled when it completes, refunded when it fails or is cancelled.
public enum FVSPricing {
    public static let project = 2

    public static func cost(seconds: Double, resolution: FVSRenderRequest.VideoResolution) -> Int {
        let perSecond = resolution == .p1080 ? 2 : 1
        return project + Int(seconds.rounded(.up)) * perSecond
    }
}
