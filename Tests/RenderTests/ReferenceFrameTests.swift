import Compositor
import Encoder
import Foundation
import Media
import Render
import TemplateSchema
import Testing
import Timeline

/// Reference frames, in the spirit of FFmpeg's FATE: a checksum of every frame of a set of small
/// compositions, compared with the checksums stored in `fixtures/reference/`. One composition per
/// effect of the registry (every animation, transition, filter and easing, taken from `allCases`,
/// so that a newly registered effect fails until its references are written), a few text layouts
/// in the pinned font, and the first frames of every media fixture as Reel decodes and draws them.
///
/// The checksum is FNV-1a (64-bit) of the frame's raw bytes: premultiplied RGBA rows as the
/// compositor returns them, or the Y', Cb and Cr planes handed to the encoder. Any pixel that
/// changes fails the test. After an intended change, `scripts/update-references` rewrites the
/// files (`REEL_UPDATE_REFERENCES=1`); review and commit the diff.
@Suite struct ReferenceFrameTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path
    static let referenceFolder = root + "/fixtures/reference"
    /// DejaVu Sans 2.37 (Debian's fonts-dejavu-core 2.37-6), committed with its licence so that
    /// text does not depend on the fonts installed on the machine.
    static let pinnedFont = root + "/fixtures/fonts/DejaVuSans.ttf"
    /// The family the compositions ask for: no installed font has it, so only the pinned file matches.
    static let pinnedFamily = "Reel Reference Sans"
    static let videoFixture = root + "/fixtures/videos/index.mp4"
    static let updating = ProcessInfo.processInfo.environment["REEL_UPDATE_REFERENCES"] == "1"

    @Test func effectsMatchTheirReferenceFrames() throws {
        try check("effects.txt", try Self.effectScenes().flatMap { try $0.frames() } + [Self.pinnedFontChecksum()])
    }

    @Test func mediaFixturesMatchTheirReferenceFrames() throws {
        try check("media.txt", try Self.mediaFrames())
    }

    /// The checksum sees every byte: FNV-1a's step `h → (h ^ byte) · prime` is a bijection of h,
    /// so frames that differ in one byte always have different checksums.
    @Test func aChangedPixelChangesTheChecksum() throws {
        let frame = try Renderer(timeline: RenderingVideoV2.decode(Data(Self.document([Self.subject("")]).utf8))
            .lower(baseDirectory: Self.root)).frame(at: 0)
        let before = FNV1a64.checksum(frame)
        frame.pixels[(17 * frame.width + 40) * 4 + 1] ^= 1
        #expect(FNV1a64.checksum(frame) != before)
    }

    /// Writes `fixtures/videos/index.mp4`, the video fixture, once (it is committed; the references
    /// hold its decoded frames, so rewriting it means regenerating them).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["REEL_WRITE_VIDEO_FIXTURE"] == "1"))
    func writeTheVideoFixture() throws {
        try FileManager.default.createDirectory(atPath: (Self.videoFixture as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let writer = try MovieWriter(path: Self.videoFixture, width: 64, height: 32, frameRate: FrameRate(numerator: 25),
                                     settings: EncoderSettings(crf: 20, preset: "medium", includesAudio: false))
        for index in 0..<10 { try writer.append(Self.videoFixtureFrame(index)) }
        try writer.finish()
    }

    /// Frame `index` of the video fixture: 64×32, a gradient that drifts each frame and a white
    /// square that moves 3 px right per frame, so the stream has motion for P- and B-frames.
    static func videoFixtureFrame(_ index: Int) -> Raster {
        let raster = Raster(width: 64, height: 32)
        for y in 0..<32 {
            for x in 0..<64 {
                let p = raster.pixels + y * raster.bytesPerRow + x * 4
                let square = (4 + 3 * index..<12 + 3 * index).contains(x) && (12..<20).contains(y)
                p[0] = square ? 255 : UInt8(x * 3 + index * 2); p[1] = square ? 255 : UInt8(y * 7)
                p[2] = square ? 255 : UInt8(200 - x - y + index); p[3] = 255
            }
        }
        return raster
    }

    // MARK: - Compositions

    /// One composition and the times to sample it at.
    struct Scene {
        var name: String
        var json: String
        var times: [Double]

        /// The checksum of the composited RGBA frame at each time, before encoding. Frames are drawn
        /// in order by one renderer, as a render draws them (layer caches included).
        func frames() throws -> [ReferenceFrame] {
            let renderer: Renderer
            do {
                renderer = Renderer(timeline: try RenderingVideoV2.decode(Data(json.utf8)).lower(baseDirectory: ReferenceFrameTests.root))
            } catch {
                throw ReferenceError("\(name): the composition does not load (\(error)); give the effect's parameters in ReferenceFrameTests")
            }
            let frames = try times.map { time in
                let frame = try renderer.frame(at: time)
                let reference = ReferenceFrame(name, time: time, checksum: FNV1a64.checksum(frame))
                try ReferenceFrameTests.save(frame, as: reference)
                return reference
            }
            #expect(renderer.warnings.isEmpty, "\(name): \(renderer.warnings)")
            return frames
        }
    }

    static let times = [0, 0.25, 0.5, 0.75, 1.0]

    static func document(width: Int = 64, height: Int = 36, fonts: Bool = false, _ clips: [String]) -> String {
        let assets = fonts ? #""assets": { "fonts": [ { "src": "\#(pinnedFont)", "family": "\#(pinnedFamily)" } ] },"# : ""
        return """
            { \(assets)
              "meta": { "version": "2.0.0", "width": \(width), "height": \(height), "fps": 25,
                        "background": { "type": "linear", "angle": 45, "stops": [ { "offset": 0, "color": "#203040" }, { "offset": 1, "color": "#506070" } ] } },
              "tracks": [ { "clips": [ \(clips.joined(separator: ",\n")) ] } ] }
            """
    }

    /// A 24×16 rounded rectangle with a three-colour gradient at the canvas centre, for 2 s.
    static func subject(_ extra: String) -> String {
        """
        { "type": "rect", "start": 0, "duration": 2, "transform": { "x": 32, "y": 18, "width": 24, "height": 16 },
          "style": { "fill": { "type": "linear", "angle": 30, "stops": [ { "offset": 0, "color": "#ff4040" },
                     { "offset": 0.5, "color": "#ffd040" }, { "offset": 1, "color": "#40a0ff" } ] }, "borderRadius": 3 }\(extra) }
        """
    }

    /// Parameters that make an effect visible on the small canvas; effects not named here get
    /// `duration` alone (every other parameter has a default).
    static let animationParameters: [AnimationKind: String] = [
        .move: #""from": { "x": 12, "y": 10 }, "to": { "x": 50, "y": 26 }"#,
        .scale: #""from": 0.5, "to": [1.5, 1]"#,
        .rotate: #""from": 0, "to": 90"#,
        .slideIn: #""direction": "left", "distance": 30"#,
        .slideOut: #""direction": "down", "distance": 20"#,
        .filter: #""filter": "hue", "from": 0, "to": 180"#,
    ]
    static let transitionParameters: [TransitionKind: String] = [
        .blur: #""blur": 6"#,
        .zoom: #""scale": 0.3"#,
        .spin: #""rotation": 120"#,
        .slide: #""direction": "up""#,
        .wipe: #""direction": "right""#,
    ]
    /// A strong value for each filter (the defaults of brightness, contrast and saturate are neutral).
    static let filterValues: [FilterKind: Double] = [
        .blur: 3, .brightness: 1.6, .contrast: 1.8, .saturate: 2.5, .hue: 120, .grayscale: 1, .sepia: 1, .invert: 1,
    ]

    static func effect(_ type: String, _ parameters: String?, easing: String? = nil) -> String {
        #"{ "type": "\#(type)", "duration": 1"# + (parameters.map { ", " + $0 } ?? "") + (easing.map { #", "easing": "\#($0)""# } ?? "") + " }"
    }

    static func effectScenes() -> [Scene] {
        var scenes: [Scene] = []
        for kind in AnimationKind.allCases {
            let animation = effect(kind.rawValue, animationParameters[kind])
            scenes.append(Scene(name: "animation/\(kind.rawValue)", json: document([subject(#", "animations": [ \#(animation) ]"#)]),
                                times: times))
        }
        // The clip before fills the canvas (with a marker the push carries out); the incoming clip
        // fills it from 1 s with the transition.
        for kind in TransitionKind.allCases {
            let transition = effect(kind.rawValue, transitionParameters[kind])
            let full = #""transform": { "x": 32, "y": 18, "width": 64, "height": 36 }"#
            scenes.append(Scene(name: "transition/\(kind.rawValue)", json: document([
                ##"{ "type": "rect", "start": 0, "duration": 2, \##(full), "style": { "fill": { "type": "radial", "stops": [ { "offset": 0, "color": "#f7971e" }, { "offset": 1, "color": "#7b2ff7" } ] } } }"##,
                ##"{ "type": "circle", "start": 0, "duration": 2, "size": 10, "zIndex": 1, "transform": { "x": 20, "y": 18 }, "style": { "fill": "#ffffff" } }"##,
                ##"{ "type": "rect", "start": 1, "duration": 2, "zIndex": 2, \##(full), "style": { "fill": { "type": "linear", "angle": 90, "stops": [ { "offset": 0, "color": "#1d976c" }, { "offset": 1, "color": "#93f9b9" } ] } }, "transition": \##(transition) }"##,
            ]), times: times.map { 1 + $0 }))
        }
        // The filter's value runs from neutral to strong over 1 s.
        for kind in FilterKind.allCases {
            let to = filterValues[kind] ?? kind.defaultValue
            let animation = #"{ "type": "filter", "filter": "\#(kind.rawValue)", "from": \#(kind.neutralValue), "to": \#(to), "duration": 1 }"#
            scenes.append(Scene(name: "filter/\(kind.rawValue)", json: document([subject(#", "animations": [ \#(animation) ]"#)]),
                                times: Array(times.dropFirst())))
        }
        // A 10×10 square moving across the canvas with the easing (sampled off the ends, where
        // every easing agrees).
        for easing in Easing.allCases {
            let move = effect("move", #""from": { "x": 8, "y": 18 }, "to": { "x": 56, "y": 18 }"#, easing: easing.rawValue)
            scenes.append(Scene(name: "easing/\(easing.rawValue)", json: document([
                ##"{ "type": "rect", "start": 0, "duration": 2, "transform": { "width": 10, "height": 10 }, "style": { "fill": "#ffd040" }, "animations": [ \##(move) ] }"##,
            ]), times: [0.1, 0.3, 0.5, 0.7, 0.9]))
        }
        scenes += textScenes()
        return scenes
    }

    /// Text in the pinned font: plain, styled, wrapped, synthesised bold italic, and moving.
    static func textScenes() -> [Scene] {
        func text(_ text: String, _ transform: String, _ style: String, _ extra: String = "") -> String {
            #"{ "type": "text", "text": "\#(text)", "start": 0, "duration": 2, "transform": { \#(transform) }, "style": { "fontFamily": "\#(pinnedFamily)", \#(style) }\#(extra) }"#
        }
        func scene(_ name: String, times: [Double] = [0], _ clip: String) -> Scene {
            Scene(name: "text/\(name)", json: document(width: 96, height: 54, fonts: true, [clip]), times: times)
        }
        return [
            scene("plain", text("Reel Ag", #""x": 48, "y": 27"#, #""fontSize": 16"#)),
            scene("styled", text("Wave!", #""x": 48, "y": 27"#, """
                "fontSize": 22, "letterSpacing": 1, "stroke": "#000000", "strokeWidth": 1,
                "fill": { "type": "linear", "angle": 90, "stops": [ { "offset": 0, "color": "#ffd200" }, { "offset": 1, "color": "#f7971e" } ] },
                "shadowColor": "rgba(0,0,0,0.6)", "shadowBlur": 3, "shadowOffset": [2, 2]
                """)),
            scene("wrapped", text("The quick brown fox jumps over", #""x": 48, "y": 27, "width": 80"#,
                                  ##""fontSize": 11, "textAlign": "left", "lineHeight": 1.1, "fill": "#e0f7fa""##)),
            scene("bold-italic", text("Bold Italic", #""x": 48, "y": 27"#,
                                      #""fontSize": 14, "fontWeight": "bold", "fontStyle": "italic""#)),
            scene("moving", times: times, text("Slide", #""x": 48, "y": 27"#, #""fontSize": 18"#, """
                , "animations": [ { "type": "slideIn", "duration": 1, "direction": "up", "distance": 20, "easing": "easeOutBack" },
                                  { "type": "fadeIn", "duration": 0.6 } ]
                """)),
        ]
    }

    /// The pinned font file itself: a reference line, so that replacing it is seen.
    static func pinnedFontChecksum() throws -> ReferenceFrame {
        let data = try Data(contentsOf: URL(fileURLWithPath: pinnedFont))
        return ReferenceFrame("font/DejaVuSans.ttf", time: 0, checksum: data.withUnsafeBytes { FNV1a64.checksum($0) })
    }

    // MARK: - Media fixtures

    static func mediaFrames() throws -> [ReferenceFrame] {
        let images = root + "/fixtures/images"
        var frames: [ReferenceFrame] = []
        for file in ["bands.jpg", "bands.webp", "green.gif"] {
            // As decoded: premultiplied RGBA at the image's own size.
            frames.append(ReferenceFrame("decoded/\(file)", time: 0, checksum: FNV1a64.checksum(try ImageDecoder.decode(path: images + "/" + file))))
            // Drawn: resampled to cover a box, and to fit one (transparent bars over the background).
            frames += try Scene(name: "image/\(file)", json: document([
                #"{ "type": "image", "src": "\#(images)/\#(file)", "start": 0, "duration": 1, "transform": { "x": 32, "y": 18, "width": 64, "height": 36 } }"#,
                #"{ "type": "image", "src": "\#(images)/\#(file)", "start": 0, "duration": 1, "transform": { "x": 48, "y": 18, "width": 30, "height": 30 }, "style": { "objectFit": "contain" } }"#,
            ]), times: [0]).frames()
        }
        // The GIF as footage, mid-frame (5 fps).
        frames += try Scene(name: "video/green.gif", json: """
            { "meta": { "width": 40, "height": 20 },
              "tracks": [ { "clips": [ { "type": "video", "src": "\(images)/green.gif", "start": 0, "duration": 1 } ] } ] }
            """, times: [0.1, 0.3, 0.5]).frames()

        // The H.264 fixture (I-, P- and B-frames): converted to RGBA mid-frame, and as the encoder
        // receives it, passed through (the decoded planes themselves) and under an overlay.
        let video = #"{ "type": "video", "src": "\#(videoFixture)", "start": 0, "duration": 0.4 }"#
        let count = 6
        frames += try Scene(name: "video/index.mp4", json: document(width: 64, height: 32, [video]),
                            times: (0..<count).map { (Double($0) + 0.5) / 25 }).frames()
        let overlays = [
            ##"{ "type": "rect", "start": 0, "duration": 0.4, "zIndex": 1, "opacity": 0.5, "transform": { "x": 40, "y": 10, "width": 30, "height": 14 }, "style": { "fill": "#ff8000" } }"##,
            ##"{ "type": "circle", "start": 0, "duration": 0.4, "zIndex": 1, "size": 9, "transform": { "x": 15.5, "y": 21.25 }, "style": { "fill": "#2080ff" } }"##,
        ]
        for (name, clips) in [("planar/index.mp4", [video]), ("planar/index.mp4+overlay", [video] + overlays)] {
            let renderer = Renderer(timeline: try RenderingVideoV2.decode(Data(document(width: 64, height: 32, clips).utf8))
                .lower(baseDirectory: root))
            for index in 0..<count {
                let planar = try renderer.planarFrame(atFrame: index)
                frames.append(ReferenceFrame(name, time: Double(index) / 25, checksum: planar.packedSamples().withUnsafeBytes { FNV1a64.checksum($0) }))
            }
        }

        // The example documents, full size, with DejaVu Sans pinned to the committed file.
        for (file, times) in [("hello.json", [0, 0.5, 1]), ("motion.json", [0.4, 2.75, 4.5])] {
            var json = try String(contentsOfFile: root + "/fixtures/examples/" + file, encoding: .utf8)
            #expect(!json.contains("\"assets\""), "\(file) has its own assets: merge the pinned font into them")
            let brace = try #require(json.firstIndex(of: "{"))
            json.insert(contentsOf: #" "assets": { "fonts": [ { "src": "\#(pinnedFont)", "family": "DejaVu Sans" } ] },"#,
                        at: json.index(after: brace))
            frames += try Scene(name: "example/\(file)", json: json, times: times).frames()
        }
        return frames
    }

    // MARK: - Comparing and regenerating

    /// With `REEL_REFERENCE_PNG=folder`, every RGBA frame is also written there as a PNG
    /// (`animation-fadeIn-0.250.png`), to look at what a changed checksum shows.
    static func save(_ frame: Raster, as reference: ReferenceFrame) throws {
        guard let folder = ProcessInfo.processInfo.environment["REEL_REFERENCE_PNG"], !folder.isEmpty else { return }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let name = reference.name.map { "/+".contains($0) ? "-" : $0 }
        try PNGWriter.write(frame, to: folder + "/" + String(name) + "-" + reference.time + ".png")
    }

    /// Compares `frames` with the reference file, or rewrites it when `REEL_UPDATE_REFERENCES=1`.
    func check(_ file: String, _ frames: [ReferenceFrame]) throws {
        let path = Self.referenceFolder + "/" + file
        let keys = frames.map(\.key)
        #expect(Set(keys).count == keys.count, "two frames share a name and time: \(keys.filter { key in keys.filter { $0 == key }.count > 1 })")
        if Self.updating {
            try FileManager.default.createDirectory(atPath: Self.referenceFolder, withIntermediateDirectories: true)
            let header = """
                # Reel reference frames: FNV-1a 64 of each frame's raw bytes (premultiplied RGBA rows, or the Y', Cb, Cr
                # planes for planar/), composited before encoding. Written by Tests/RenderTests/ReferenceFrameTests.swift
                # with REEL_UPDATE_REFERENCES=1: after an intended change run scripts/update-references, review, commit.
                # made with: \(Self.libraryVersions())
                # name time checksum

                """
            try (header + frames.map(\.line).joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("no reference file \(path): run scripts/update-references and commit fixtures/reference")
            return
        }
        var references: [String: String] = [:]
        var order: [String] = []
        var madeWith = "unknown"
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# made with: ") { madeWith = String(line.dropFirst("# made with: ".count)) }
            if line.hasPrefix("#") || line.allSatisfy(\.isWhitespace) { continue }
            let fields = line.split(separator: " ")
            guard fields.count == 3 else {
                Issue.record("\(file): malformed line \"\(line)\"")
                continue
            }
            let key = String(fields[0]) + " " + String(fields[1])
            references[key] = String(fields[2])
            order.append(key)
        }
        var problems: [String] = []
        for frame in frames {
            guard let expected = references[frame.key] else {
                problems.append("\(frame.key): no reference (a newly registered effect or a new composition?)")
                continue
            }
            if expected != frame.checksum { problems.append("\(frame.key): checksum \(frame.checksum), reference \(expected)") }
        }
        let produced = Set(keys)
        problems += order.filter { !produced.contains($0) }.map { "\($0): a reference no frame has any more (an effect removed?)" }
        guard !problems.isEmpty else { return }
        let versions = Self.libraryVersions()
        let note = versions == madeWith ? "" : "\nThe references were made with \(madeWith); this machine has \(versions)."
        Issue.record("""
            \(problems.count) of \(frames.count) frames differ from fixtures/reference/\(file):
            \(problems.joined(separator: "\n"))\(note)
            If the change is intended, regenerate with scripts/update-references (REEL_UPDATE_REFERENCES=1), review the diff and commit it.
            """)
    }

    /// The versions of the libraries that draw pixels (FFmpeg decodes and converts, FreeType
    /// rasterises), as Debian packages, for the file header and failure messages.
    static func libraryVersions() -> String {
        let packages = ["libavcodec-dev", "libswscale-dev", "libfreetype-dev", "libharfbuzz-dev"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/dpkg-query")
        process.arguments = ["-W", "-f", "${Package} ${Version}\\n"] + packages
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "unknown (no dpkg-query)" }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = output.split(separator: "\n").map(String.init)
        return lines.isEmpty ? "unknown" : lines.joined(separator: ", ")
    }
}

/// One frame's checksum: `name time checksum` in a reference file.
struct ReferenceFrame: Hashable {
    var name: String
    var time: String
    var checksum: String

    init(_ name: String, time: Double, checksum: UInt64) {
        self.name = name
        self.time = String(format: "%.3f", time)
        let hex = String(checksum, radix: 16)
        self.checksum = String(repeating: "0", count: 16 - hex.count) + hex
    }

    var key: String { name + " " + time }
    var line: String { key + " " + checksum }
}

struct ReferenceError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// FNV-1a, 64-bit: small, deterministic and dependency-free.
enum FNV1a64 {
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    static func checksum(_ raster: Raster) -> UInt64 {
        checksum(UnsafeRawBufferPointer(start: raster.pixels, count: raster.byteCount))
    }
}
