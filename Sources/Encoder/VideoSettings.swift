/// How the H.264 and AAC streams are encoded.
public struct EncoderSettings: Hashable, Sendable {
    /// x264's constant rate factor: 0 lossless, 18 visually lossless, 23 default, 51 worst.
    public var crf: Double
    /// x264's speed/size preset: ultrafast … placebo.
    public var preset: String
    /// AAC bit rate in bits per second.
    public var audioBitRate: Int

    public init(crf: Double = 23, preset: String = "veryfast", audioBitRate: Int = 128_000) {
        self.crf = crf
        self.preset = preset
        self.audioBitRate = audioBitRate
    }

    /// x264's presets, fastest first.
    public static let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                                 "slower", "veryslow", "placebo"]

    /// The output audio: 48 kHz stereo.
    public static let audioSampleRate = 48_000
    public static let audioChannels = 2
}
