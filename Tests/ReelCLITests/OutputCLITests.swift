import Foundation
import Testing

/// `reel render` picks the output format from the output's extension, or from `--format`.
extension CLITests {
    static let transparent = #"""
        { "meta": { "width": 64, "height": 48, "fps": 10, "background": "transparent" },
          "tracks": [ { "clips": [ { "type": "rect", "start": 0, "duration": 0.5, "transform": { "width": 20, "height": 20 } } ] } ] }
        """#

    func head(_ path: String, _ count: Int = 12) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(count))
    }

    @Test func theExtensionChoosesTheFormat() throws {
        let folder = Folder()
        let config = folder.write("good.json", Self.valid)
        for name in ["out.webm", "out.mov", "out.gif", "poster.png", "poster.jpg", "frames.zip", "seq-%03d.png", "frames/"] {
            let result = try reel("render", config, "-o", folder.path + "/" + name, "--progress", "none")
            #expect(result.status == 0, "\(name): \(result.stderr)")
        }
        #expect(try head(folder.path + "/out.webm", 4) == [0x1A, 0x45, 0xDF, 0xA3])
        #expect(String(decoding: try head(folder.path + "/out.mov").suffix(8), as: UTF8.self).contains("qt"), "a QuickTime ftyp")
        #expect(try head(folder.path + "/out.gif", 6) == Array("GIF89a".utf8))
        #expect(try head(folder.path + "/poster.png", 4) == [0x89, 0x50, 0x4E, 0x47])
        #expect(try head(folder.path + "/poster.jpg", 3) == [0xFF, 0xD8, 0xFF])
        #expect(try head(folder.path + "/frames.zip", 4) == [0x50, 0x4B, 0x03, 0x04])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/frames").sorted()
                == (0..<5).map { String(format: "frame-%05d.png", $0) })
        #expect(FileManager.default.fileExists(atPath: folder.path + "/seq-004.png"))
        let hevc = try reel("render", config, "-o", folder.path + "/h.mp4", "--format", "hevc", "--crf", "30", "--progress", "none")
        #expect(hevc.status == 0, "\(hevc.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.path + "/h.mp4")).range(of: Data("hvc1".utf8)) != nil)
    }

    /// Like the MP4s, every other format is the same file at any thread count and on every run
    /// (WebM's segment and track ids are not random).
    @Test func everyFormatIsTheSameBytesAtAnyThreadCount() throws {
        let folder = Folder()
        let config = folder.write("good.json", Self.valid)
        for (name, format) in [("a.mp4", "hevc"), ("a.webm", "webm"), ("a.mov", "mov"), ("a.gif", "gif"), ("a.zip", "png-sequence")] {
            var files: [Data] = []
            for threads in [["--threads", "1"], []] {
                let output = folder.path + "/\(files.count)-" + name
                let result = try reel(["render", config, "-o", output, "--format", format, "--progress", "none"] + threads)
                #expect(result.status == 0, "\(format): \(result.stderr)")
                files.append(try Data(contentsOf: URL(fileURLWithPath: output)))
            }
            #expect(files[0] == files[1], "\(format) differs between --threads 1 and all processors")
        }
    }

    @Test func transparentRendersWarnWhereTheFormatHasNoAlpha() throws {
        let folder = Folder()
        let config = folder.write("clear.json", Self.transparent)
        let mp4 = try reel("render", config, "-o", folder.path + "/o.mp4", "--progress", "none")
        #expect(mp4.status == 0 && mp4.stderr.contains("warning: the background is transparent, but mp4 has no alpha"), "\(mp4.stderr)")
        let webm = try reel("render", config, "-o", folder.path + "/o.webm", "--progress", "none")
        #expect(webm.status == 0 && !webm.stderr.contains("warning"), "\(webm.stderr)")
    }

    /// Each bad value fails before any work with a message naming its option, and writes nothing.
    @Test func badOutputOptionsNameTheirOption() throws {
        let folder = Folder()
        let config = folder.write("good.json", Self.valid)
        let cases: [([String], String)] = [
            (["-o", folder.path + "/o.mp4", "--format", "avi"], "--format"),
            (["-o", folder.path + "/o.avi"], "-o"),
            (["-o", folder.path + "/o.webm", "--crf", "70"], "--crf"),
            (["-o", folder.path + "/o.mp4", "--crf", "60"], "--crf"),
            (["-o", folder.path + "/o.gif", "--crf", "20"], "--crf"),
            (["-o", folder.path + "/o.webm", "--preset", "fast"], "--preset"),
            (["-o", folder.path + "/o.mp4", "--poster-at", "0.1"], "--poster-at"),
            (["-o", folder.path + "/o.png", "--poster-at", "-1"], "--poster-at"),
            (["-o", folder.path + "/o.png", "--poster-at", "9"], "--poster-at"),
        ]
        for (arguments, option) in cases {
            let result = try reel(["render", config] + arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(option), "\(arguments): \(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["good.json"])
        let help = try reel("render", "--help").stdout
        #expect(help.contains("--format") && help.contains("--poster-at") && help.contains(".webm") && help.contains("frame-%05d.png"))
    }
}
