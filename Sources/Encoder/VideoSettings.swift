/// How the H.264 and AAC streams are encoded.
public struct EncoderSettings: Hashable, Sendable {
    /// x264's constant rate factor: 0 lossless, 18 visually lossless, 23 default, 51 worst.
    public var crf: Double
    /// x264's speed/size preset: ultrafast … placebo.
    public var preset: String
    /// AAC bit rate in bits per second.
    public var audioBitRate: Int

    /// The libavcodec video encoder: "libx264" (H.264) or "libx265" (HEVC).
    public var videoCodec: String
    /// The encoded pixel format, e.g. "yuv420p" or "yuv420p10le".
    public var pixelFormat: String
    /// Whether the file gets an audio track.
    public var includesAudio: Bool
    /// Clockwise degrees a player should turn the picture (written as a display matrix).
    public var displayRotation: Int
    /// The libavformat muxer: "mp4" for Reel's output; "mov", "webm", "matroska" for fixtures and
    /// benchmarks.
    public var container: String
    /// Extra private options for the video encoder (e.g. "cpu-used": "8" for libaom-av1).
    public var codecOptions: [String: String]
    /// Whether the stream is tagged BT.709 (off only to make untagged fixtures).
    public var tagsColor = true
    /// Encoder threads; nil for `frameThreads(width:height:)`, chosen from the picture size and
    /// never from the machine, since x264's output depends on its thread count: the same input
    /// gives the same bytes on any machine. (x264's own choice, one and a half per core, would
    /// write a different file on every size of machine.)
    public var threads: Int?
    /// When set, frames carry their own presentation times (`append(_:at:)`) counted in units of
    /// 1/`variableTimeScale` s: a variable frame rate.
    public var variableTimeScale: Int?

    public init(crf: Double = 23, preset: String = "veryfast", audioBitRate: Int = 128_000,
                videoCodec: String = "libx264", pixelFormat: String = "yuv420p", includesAudio: Bool = true,
                displayRotation: Int = 0, variableTimeScale: Int? = nil, container: String = "mp4",
                codecOptions: [String: String] = [:]) {
        self.container = container
        self.codecOptions = codecOptions
        self.crf = crf
        self.preset = preset
        self.audioBitRate = audioBitRate
        self.videoCodec = videoCodec
        self.pixelFormat = pixelFormat
        self.includesAudio = includesAudio
        self.displayRotation = displayRotation
        self.variableTimeScale = variableTimeScale
    }

    /// The encoder threads for a width × height picture: 2 up to 1080p, then 2 per 1080p's worth
    /// of pixels, at most 8. Frame threads past two gained nothing at 1080p on the two-core
    /// reference machine and held about 25 MB more each; bigger pictures have rows enough for more.
    public static func frameThreads(width: Int, height: Int) -> Int {
        let pixels = Double(max(width, 1)) * Double(max(height, 1))
        return min(8, max(2, 2 * Int((pixels / (1920 * 1080)).rounded(.up))))
    }

    /// x264's presets, fastest first.
    public static let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                                 "slower", "veryslow", "placebo"]

    /// The output audio: 48 kHz stereo.
    public static let audioSampleRate = 48_000
    public static let audioChannels = 2
}
