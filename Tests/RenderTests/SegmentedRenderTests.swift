import Compositor
import Encoder
import Foundation
import Media
import Render
import Testing
import Timeline

/// A render split into segments at GOP boundaries, encoded apart and joined by stream copy, gives
/// the single render's frames, timestamps and sound.
@Suite struct SegmentedRenderTests {
    static let fps = 25, frames = 100, gop = 10

    /// x264 with the MP4 defaults (veryfast: B-frames, so decoding times run ahead of
    /// presentation times) and a GOP of 10 frames: 10 GOPs in the 4 s composition.
    static let settings: EncoderSettings = {
        var settings = EncoderSettings()
        settings.keyframeInterval = gop
        return settings
    }()

    /// A 160×90 composition at 25 fps, 4 s: footage whose frame n shows n as a bar code in its
    /// top-left 128×32, and a sweep from 300 Hz to 3 kHz that sounds all along (so across every
    /// boundary).
    static func composition(in folder: TemporaryFolder) throws -> Timeline {
        let footage = folder.file("index.mp4")
        try MediaFixtures.video(at: footage, count: frames, fps: fps)
        let sound = folder.file("sweep.wav")
        let rate = 48_000.0, seconds = Double(frames) / Double(fps)
        var phase = 0.0
        let samples = (0..<Int(seconds * rate)).flatMap { n -> [Float] in
            phase += 2 * Double.pi * (300 + 2700 * Double(n) / (seconds * rate)) / rate
            let value = Float(0.4 * sin(phase))
            return [value, -value]
        }
        try MediaFixtures.wav(at: sound, samples: samples)
        return try timeline("""
            { "meta": { "width": 160, "height": 90, "fps": \(fps), "background": "#203040" },
              "tracks": [ { "clips": [
                { "type": "video", "src": "\(footage)", "start": 0, "duration": \(seconds),
                  "transform": { "x": 0, "y": 0, "width": 128, "height": 32, "anchor": "top-left" } },
                { "type": "audio", "src": "\(sound)", "start": 0, "duration": \(seconds) } ] } ] }
            """)
    }

    /// The index each decoded frame shows.
    static func indices(_ path: String) throws -> [Int] {
        let reader = try VideoFrameReader(path: path)
        var indices: [Int] = []
        while let frame = try reader.nextFrame() {
            indices.append((0..<16).reduce(0) { value, bit in frame.pixel(x: bit * 8 + 4, y: 16).x > 128 ? value | 1 << bit : value })
        }
        return indices
    }

    /// Every sample of the file's sound, decoded (left and right interleaved).
    static func sound(_ path: String) throws -> [Float] {
        let reader = try AudioReader(path: path)
        var left = [Float](repeating: 0, count: 4800), right = left, all: [Float] = []
        while true {
            let got = try left.withUnsafeMutableBufferPointer { l in
                try right.withUnsafeMutableBufferPointer { r in try reader.read(count: 4800, left: l.baseAddress!, right: r.baseAddress!) }
            }
            for i in 0..<got { all += [left[i], right[i]] }
            if got < 4800 { return all }
        }
    }

    /// The top-level MP4 boxes in order.
    static func boxes(_ path: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var boxes: [String] = [], offset = 0
        while offset + 8 <= data.count {
            var size = data[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            boxes.append(String(decoding: data[offset + 4..<offset + 8], as: UTF8.self))
            if size == 1 { size = data[offset + 8..<offset + 16].reduce(0) { $0 << 8 | Int($1) } }
            guard size >= 8 else { break }
            offset += size
        }
        return boxes
    }

    @Test func plansCutOnWholeGOPsAndShareThemOut() throws {
        func cuts(_ frames: Int, _ count: Int, gop: Int = 10) throws -> [[Int]] {
            try SegmentPlan(frameCount: frames, keyframeInterval: gop, count: count, width: 16, height: 16,
                            frameRate: FrameRate(numerator: 25), encoder: "x").segments.map { [$0.firstFrame, $0.endFrame] }
        }
        #expect(try cuts(100, 1) == [[0, 100]])
        #expect(try cuts(100, 2) == [[0, 50], [50, 100]])
        #expect(try cuts(100, 3) == [[0, 40], [40, 70], [70, 100]])
        #expect(try cuts(100, 4) == [[0, 30], [30, 60], [60, 80], [80, 100]])
        #expect(try cuts(95, 4) == [[0, 30], [30, 60], [60, 80], [80, 95]])  // the last GOP is short
        #expect(try cuts(95, 50).count == 10)  // one segment per GOP, no more
        #expect(try cuts(1800, 32, gop: 250).count == 8)
        #expect(throws: RenderError.self) { try cuts(100, 0) }
        #expect(throws: RenderError.self) { try cuts(0, 2) }

        // Plain data: stored as JSON and read back in another process.
        let plan = try SegmentPlan(frameCount: 100, keyframeInterval: 10, count: 3, width: 160, height: 90,
                                   frameRate: FrameRate(numerator: 30000, denominator: 1001), encoder: "libx264 …")
        let decoded = try JSONDecoder().decode(SegmentPlan.self, from: JSONEncoder().encode(plan))
        #expect(decoded == plan && decoded.frameRate == FrameRate(numerator: 30000, denominator: 1001))
        #expect(throws: Never.self) { try decoded.validate() }
        // A plan read from elsewhere is checked: segments that overlap, leave a gap or cut a GOP.
        for (segment, first, end) in [(1, 35, 70), (1, 40, 60), (2, 70, 60)] {
            var broken = plan
            broken.segments[segment].firstFrame = first
            broken.segments[segment].endFrame = end
            #expect(throws: RenderError.self) { try broken.validate() }
        }
        #expect(!Renderer.isSegmentable(format: .webm) && !Renderer.isSegmentable(format: .gif) && Renderer.isSegmentable(format: .mp4))
    }

    /// k = 2, 3 and 4 against one single render: the same decoded frames, the same packet times,
    /// durations and tags, byte-identical sound packets, the same decoded sound (checked around
    /// every boundary and over the whole track), moov first.
    @Test(.timeLimit(.minutes(3)))
    func segmentedRendersAreTheSingleRender() throws {
        let folder = TemporaryFolder()
        let timeline = try Self.composition(in: folder)
        let single = folder.file("single.mp4")
        try Renderer(timeline: timeline).renderVideo(to: single, settings: Self.settings)
        let singleIndices = try Self.indices(single)
        #expect(singleIndices == Array(0..<Self.frames))
        let singleVideo = try MediaProbe.packets(path: single, kind: .video)
        let singleAudio = try MediaProbe.packets(path: single, kind: .audio)
        let singleInfo = try MediaProbe.probe(path: single)
        let singleSound = try Self.sound(single)
        // 4 s and what the last AAC frame decodes past it.
        #expect(singleSound.count >= 4 * 48_000 * 2 && singleSound.count < (4 * 48_000 + 1024) * 2)

        for count in [2, 3, 4] {
            let output = folder.file("segmented-\(count).mp4")
            let renderer = Renderer(timeline: timeline)
            let plan = try renderer.segmentPlan(count: count, settings: Self.settings)
            #expect(plan.segments.count == count)
            try renderer.renderSegmented(to: output, count: count, settings: Self.settings)

            #expect(try Self.indices(output) == singleIndices, "k = \(count)")
            let video = try MediaProbe.packets(path: output, kind: .video)
            #expect(video.timeBase == singleVideo.timeBase)
            #expect(video.packets.map(\.pts) == singleVideo.packets.map(\.pts), "k = \(count)")
            #expect(video.packets.map(\.dts) == singleVideo.packets.map(\.dts), "k = \(count)")
            #expect(video.packets.map(\.duration) == singleVideo.packets.map(\.duration), "k = \(count)")
            // Each segment starts with a keyframe at its first frame.
            let frameTicks = Int64(video.timeBase.1 / Self.fps / video.timeBase.0)
            let keyframes = Set(video.packets.filter(\.isKeyframe).map { Int($0.pts / frameTicks) })
            #expect(Set(plan.segments.map(\.firstFrame)).isSubset(of: keyframes), "keyframes at \(keyframes.sorted())")

            let audio = try MediaProbe.packets(path: output, kind: .audio)
            #expect(audio.timeBase == singleAudio.timeBase && audio.packets == singleAudio.packets, "k = \(count)")
            let info = try MediaProbe.probe(path: output)
            #expect(info.duration == singleInfo.duration)
            for (a, b) in zip(info.streams, singleInfo.streams) {
                #expect(a.codecName == b.codecName && a.duration == b.duration && a.frameCount == b.frameCount)
                #expect(a.colorPrimaries == b.colorPrimaries && a.colorTransfer == b.colorTransfer && a.colorSpace == b.colorSpace
                        && a.colorRange == b.colorRange && a.frameRate == b.frameRate)
            }
            #expect(info.streams.count == 2 && info.videoStreams.first?.colorPrimaries == "bt709")
            let boxes = try Self.boxes(output)
            #expect((boxes.firstIndex(of: "moov") ?? .max) < (boxes.firstIndex(of: "mdat") ?? -1), "\(boxes)")

            // The sound, sample for sample: ±100 ms around each boundary (where it sounds), and all of it.
            let sound = try Self.sound(output)
            #expect(sound.count == singleSound.count)
            for segment in plan.segments.dropFirst() {
                let boundary = segment.firstFrame * 48_000 / Self.fps
                let window = (boundary - 4800) * 2..<(boundary + 4800) * 2
                let rms = (singleSound[window].reduce(0) { $0 + $1 * $1 } / Float(window.count)).squareRoot()
                #expect(rms > 0.1, "the sound is heard at frame \(segment.firstFrame)")
                #expect(Array(sound[window]) == Array(singleSound[window]), "k = \(count), around frame \(segment.firstFrame)")
            }
            #expect(sound == singleSound, "k = \(count)")
        }
    }

    /// Segments rendered in another order, by other renderers, one of them twice (a retry), join
    /// into the same bytes.
    @Test func aRetriedSegmentJoinsToTheSameFile() throws {
        let folder = TemporaryFolder()
        let timeline = try Self.composition(in: folder)
        let plan = try Renderer(timeline: timeline).segmentPlan(count: 3, settings: Self.settings)
        // The plan travels as JSON.
        let received = try JSONDecoder().decode(SegmentPlan.self, from: JSONEncoder().encode(plan))
        let paths = (0..<3).map { folder.file("segment-\($0).mp4") }
        for index in [2, 0, 1] {
            try Renderer(timeline: timeline).renderSegment(index, of: received, to: paths[index], settings: Self.settings)
        }
        let sound = folder.file("sound.mp4")
        #expect(try Renderer(timeline: timeline).renderSoundTrack(of: received, to: sound, settings: Self.settings))
        try Renderer.join(segments: paths, sound: sound, plan: received, settings: Self.settings, to: folder.file("first.mp4"))

        let firstTry = try Data(contentsOf: URL(fileURLWithPath: paths[1]))
        // A retry after a failure overwrites the segment.
        try Renderer(timeline: timeline).renderSegment(1, of: received, to: paths[1], settings: Self.settings)
        #expect(try Data(contentsOf: URL(fileURLWithPath: paths[1])) == firstTry)
        try Renderer.join(segments: paths, sound: sound, plan: received, settings: Self.settings, to: folder.file("second.mp4"))
        let first = try Data(contentsOf: URL(fileURLWithPath: folder.file("first.mp4")))
        #expect(first.count > 10_000)
        #expect(first == (try Data(contentsOf: URL(fileURLWithPath: folder.file("second.mp4")))))
        #expect(try Self.indices(folder.file("second.mp4")) == Array(0..<Self.frames))
    }

    @Test func segmentsOfOtherSettingsOrPlansAreRefused() throws {
        let folder = TemporaryFolder()
        let timeline = try Self.composition(in: folder)
        let renderer = Renderer(timeline: timeline)
        let plan = try renderer.segmentPlan(count: 2, settings: Self.settings)
        var other = Self.settings
        other.preset = "ultrafast"  // no CABAC, no B-frames: other SPS/PPS
        // A worker with other settings refuses to render the plan's segment.
        #expect { try renderer.renderSegment(1, of: plan, to: folder.file("x.mp4"), settings: other) } throws: { error in
            "\(error)".contains("the segment plan was made for libx264 yuv420p crf 23.0 preset veryfast")
        }
        #expect(throws: RenderError.self) { try renderer.renderSegment(2, of: plan, to: folder.file("x.mp4"), settings: Self.settings) }

        let good = [folder.file("a0.mp4"), folder.file("a1.mp4")]
        for index in 0..<2 { try renderer.renderSegment(index, of: plan, to: good[index], settings: Self.settings) }
        let otherPlan = try renderer.segmentPlan(count: 2, settings: other)
        let foreign = folder.file("b1.mp4")
        try renderer.renderSegment(1, of: otherPlan, to: foreign, settings: other)

        // The join checks each file's tag: a segment of another plan, or in the wrong place.
        #expect { try Renderer.join(segments: [good[0], foreign], sound: nil, plan: plan, settings: Self.settings, to: folder.file("j.mp4")) }
            throws: { "\($0)".contains("segment 1") && "\($0)".contains("is not the segment asked for") }
        #expect { try Renderer.join(segments: [good[1], good[0]], sound: nil, plan: plan, settings: Self.settings, to: folder.file("j.mp4")) }
            throws: { "\($0)".contains("segment 0") && "\($0)".contains("is not the segment asked for") }
        #expect { try Renderer.join(segments: [good[0]], sound: nil, plan: plan, settings: Self.settings, to: folder.file("j.mp4")) }
            throws: { "\($0)".contains("the plan has 2 segments, but 1 files") }
        // Without tags, the codec parameters themselves.
        let parts = [MovieJoiner.Part(path: good[0], firstFrame: 0, frameCount: 50), MovieJoiner.Part(path: foreign, firstFrame: 50, frameCount: 50)]
        #expect { try MovieJoiner.join(parts: parts, sound: nil, frameRate: FrameRate(numerator: 25), to: folder.file("j.mp4")) }
            throws: { "\($0)".contains("segment 1") && "\($0)".contains("extradata") }
        // A part that does not hold the frames it should.
        let short = [MovieJoiner.Part(path: good[0], firstFrame: 0, frameCount: 60)]
        #expect { try MovieJoiner.join(parts: short, sound: nil, frameRate: FrameRate(numerator: 25), to: folder.file("j.mp4")) }
            throws: { "\($0)".contains("has 50 pictures, not 60") }
        #expect(!FileManager.default.fileExists(atPath: folder.file("j.mp4")))
        #expect(!FileManager.default.fileExists(atPath: folder.file("j.mp4.partial")))
    }

    /// More segments asked for than there are GOPs: one per GOP. Without sound: no sound track.
    @Test func moreSegmentsThanGOPsGiveOnePerGOP() throws {
        let folder = TemporaryFolder()
        let timeline = try Self.composition(in: folder)
        var settings = Self.settings
        settings.includesAudio = false
        let renderer = Renderer(timeline: timeline)
        #expect(try renderer.segmentPlan(count: 40, settings: settings).segments.count == 10)
        let output = folder.file("many.mp4")
        let times = try renderer.renderSegmented(to: output, count: 40, settings: settings)
        #expect(times.segments.count == 10)
        #expect(try Self.indices(output) == Array(0..<Self.frames))
        #expect(try MediaProbe.probe(path: output).audioStreams.isEmpty)
        #expect(try !renderer.renderSoundTrack(of: renderer.segmentPlan(count: 2, settings: settings), to: folder.file("none.mp4"),
                                               settings: settings))
        // Nothing left beside the output but the fixtures.
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(left == ["index.mp4", "many.mp4", "sweep.wav"])
    }

    /// Throwing from the progress callback stops every segment; nothing is left behind.
    @Test func cancellingStopsEverySegment() throws {
        let folder = TemporaryFolder()
        let timeline = try Self.composition(in: folder)
        struct Stop: Error {}
        var reported = 0
        #expect(throws: Stop.self) {
            try Renderer(timeline: timeline).renderSegmented(to: folder.file("out.mp4"), count: 4, settings: Self.settings) { progress in
                reported = progress.framesDone
                #expect(progress.frameCount == Self.frames)
                if progress.framesDone >= 12 { throw Stop() }
            }
        }
        #expect(reported >= 12 && reported < Self.frames)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(left == ["index.mp4", "sweep.wav"])
    }

    /// HEVC in MP4 splits too.
    @Test(.enabled(if: MovieWriter.hasEncoder("libx265")))
    func hevcSegmentsJoin() throws {
        let folder = TemporaryFolder()
        let timeline = try Self.composition(in: folder)
        var settings = try EncoderSettings(format: .hevc, transparent: false, preset: "ultrafast")
        settings.keyframeInterval = Self.gop
        let single = folder.file("single.mp4"), joined = folder.file("joined.mp4")
        try Renderer(timeline: timeline).renderVideo(to: single, settings: settings)
        try Renderer(timeline: timeline).renderSegmented(to: joined, count: 2, settings: settings)
        #expect(try Self.indices(joined) == Array(0..<Self.frames))
        let (a, b) = (try MediaProbe.packets(path: joined, kind: .video), try MediaProbe.packets(path: single, kind: .video))
        // The same presentation times. (x265's GOPs are open: in the single render the picture before
        // the boundary is a leading picture decoded after it, so the decoding order differs there.)
        #expect(a.packets.map(\.pts).sorted() == b.packets.map(\.pts).sorted())
        #expect(a.packets.map(\.pts).sorted() == (0..<Int64(Self.frames)).map { $0 * a.packets[0].duration })
        #expect(try MediaProbe.packets(path: joined, kind: .audio).packets == (try MediaProbe.packets(path: single, kind: .audio).packets))
        #expect(try MediaProbe.probe(path: joined).videoStreams.first?.codecName == "hevc")
    }
}
