public import Timeline

/// How a movie's streams are encoded: H.264 and AAC in MP4 unless told otherwise
/// (`init(format:transparent:delivery:crf:preset:)` gives each movie format's settings).
public struct EncoderSettings: Hashable, Sendable {
    /// x264's constant rate factor: 0 lossless, 18 visually lossless, 23 default, 51 worst.
    public var crf: Double
    /// x264's speed/size preset: ultrafast … placebo.
    public var preset: String
    /// AAC bit rate in bits per second.
    public var audioBitRate: Int
    /// The libavcodec audio encoder: "aac", "libopus" or a PCM encoder such as "pcm_s24le".
    public var audioCodec = "aac"
    /// The video stream's four-character code in the container, when not the muxer's default
    /// ("hvc1" for HEVC in MP4, which Apple's players need).
    public var codecTag: String?

    /// The libavcodec video encoder: "libx264" (H.264), "libx265" (HEVC), "libvpx-vp9", "prores_ks"…
    public var videoCodec: String
    /// The encoded pixel format, e.g. "yuv420p" or "yuv420p10le"; one with alpha ("yuva420p",
    /// "yuva444p10le") takes the frames' alpha, straightened.
    public var pixelFormat: String
    /// Whether the file gets an audio track.
    public var includesAudio: Bool
    /// Clockwise degrees a player should turn the picture (written as a display matrix).
    public var displayRotation: Int
    /// The libavformat muxer: "mp4", "webm", "mov" (and "matroska" for fixtures and benchmarks).
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
    /// The most pictures from one keyframe to the next (the GOP length: x264's and x265's
    /// `keyint`, libvpx's `kf_max_dist`); nil for the encoder's own (`defaultKeyframeInterval` for
    /// x264 and x265). A segmented render splits the video on multiples of it.
    public var keyframeInterval: Int?
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

    /// x264's and x265's own keyframe interval, used when `keyframeInterval` is nil: 250 pictures.
    public static let defaultKeyframeInterval = 250

    /// x264's presets, fastest first.
    public static let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                                 "slower", "veryslow", "placebo"]

    /// The output audio: 48 kHz stereo.
    public static let audioSampleRate = 48_000
    public static let audioChannels = 2
}

extension EncoderSettings {
    /// The settings that write the movie format `format` (mp4, hevc, webm or mov; the others are
    /// not movies and throw), with alpha when `transparent` and the format keeps it (WebM: VP9
    /// yuva420p; MOV: ProRes 4444 yuva444p10le). `delivery` sets the quality: the constant rate
    /// factor on each encoder's own scale (H.264 28/23/18, HEVC 33/28/23, VP9 40/32/24 for
    /// draft/standard/high), the x264/x265 preset (superfast/veryfast/medium), libvpx's speed
    /// (cpu-used 5/4/2) and the AAC or Opus bit rate (96/128/192 kb/s). `crf` and `preset`, when
    /// given, replace the delivery's. ProRes has no rate factor (prores_ks's 4444 profile at its
    /// default quantiser) and its sound is 24-bit PCM.
    public init(format: OutputFormat, transparent: Bool, delivery: Delivery = .standard, crf: Double? = nil,
                preset: String? = nil) throws {
        func pick<T>(_ draft: T, _ standard: T, _ high: T) -> T {
            switch delivery {
            case .draft: draft
            case .standard: standard
            case .high: high
            }
        }
        let bitRate = pick(96_000, 128_000, 192_000)
        let x26xPreset = preset ?? pick("superfast", "veryfast", "medium")
        switch format {
        case .mp4:
            self.init(crf: crf ?? pick(28, 23, 18), preset: x26xPreset, audioBitRate: bitRate)
        case .hevc:
            self.init(crf: crf ?? pick(33, 28, 23), preset: x26xPreset, audioBitRate: bitRate, videoCodec: "libx265")
            codecTag = "hvc1"
        case .webm:
            self.init(crf: crf ?? pick(40, 32, 24), audioBitRate: bitRate, videoCodec: "libvpx-vp9",
                      pixelFormat: transparent ? "yuva420p" : "yuv420p", container: "webm",
                      codecOptions: ["deadline": "good", "cpu-used": pick("5", "4", "2"), "row-mt": "1"])
            audioCodec = "libopus"
        case .mov:
            self.init(crf: 0, audioBitRate: bitRate, videoCodec: "prores_ks",
                      pixelFormat: transparent ? "yuva444p10le" : "yuv444p10le", container: "mov",
                      codecOptions: ["profile": "4444", "vendor": "apl0"])
            audioCodec = "pcm_s24le"
        case .gif, .pngSequence, .png, .jpeg:
            throw EncoderError("\(format.name) is not a movie format")
        }
    }

    /// The constant rate factors `format`'s encoder takes, or nil when it has none.
    public static func crfRange(of format: OutputFormat) -> ClosedRange<Double>? {
        switch format {
        case .mp4, .hevc: 0...51
        case .webm: 0...63
        default: nil
        }
    }
}
