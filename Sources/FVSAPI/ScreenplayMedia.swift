public import Foundation
import Media
public import TemplateSchema

/// A brief compiled with its media files: each probed (picture, footage or sound, and its length),
/// and in music mode the bed's beats tracked and the brief compiled again with them. What both the
/// server's generator and `reel screenplay` do.
public enum ScreenplayMedia {
    /// `brief` compiled with the files at `paths` (asset file name → local path); `source` gives
    /// each file's `src` in the document. `note` hears about music whose beats could not be used;
    /// `progress` is called before each file is read.
    public static func compile(_ brief: FVSRenderRequest.Brief, paths: [String: String], source: (String) -> String,
                               note: (String) -> Void = { _ in }, progress: () -> Void = {}) throws(SchemaError) -> ScreenplayCompiler.Compiled {
        var facts: [String: ScreenplayCompiler.MediaFacts] = [:]
        for (name, path) in paths {
            progress()
            facts[name] = Self.facts(path: path)
        }
        var compiled = try ScreenplayCompiler.compile(brief, media: facts, source: source)
        guard brief.mode == .music, let music = compiled.music, let path = paths[music] else { return compiled }
        // The bed starts at the video's start, so a beat `t` seconds after where it starts in the
        // track is at `t` on the timeline.
        progress()
        let beats: [Double]
        do {
            beats = try BeatTracker.beats(path: path, start: compiled.musicStart, duration: compiled.musicLength)
        } catch {
            note("cannot track the beats of \(music) (\(error)); the cuts follow the words")
            return compiled
        }
        if beats.isEmpty {
            note("no beats found in \(music); the cuts follow the words")
            return compiled
        }
        compiled = try ScreenplayCompiler.compile(brief, media: facts, source: source, beats: beats)
        return compiled
    }

    /// What a file is, from libavformat: a picture (an image codec, one frame or an image
    /// container), footage, or sound, with its length.
    public static func facts(path: String) -> ScreenplayCompiler.MediaFacts {
        guard let info = try? MediaProbe.probe(path: path) else { return ScreenplayCompiler.MediaFacts(kind: .other) }
        let imageCodecs: Set = ["png", "mjpeg", "webp", "bmp", "tiff", "gif", "jpegls", "qoi"]
        if let video = info.videoStreams.first {
            if imageCodecs.contains(video.codecName), video.frameCount <= 1 || info.formatName.hasSuffix("_pipe") || info.formatName == "image2" {
                return ScreenplayCompiler.MediaFacts(kind: .image)
            }
            return ScreenplayCompiler.MediaFacts(kind: .video, duration: info.duration ?? video.duration)
        }
        if let audio = info.audioStreams.first {
            return ScreenplayCompiler.MediaFacts(kind: .audio, duration: info.duration ?? audio.duration)
        }
        return ScreenplayCompiler.MediaFacts(kind: .other)
    }
}
