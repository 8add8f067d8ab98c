#!/usr/bin/env python3
"""The text benchmarks (issue 15): what shaped text and captions cost.

    python3 bench/text1080p.py [--reel .build/release/reel] [--work /tmp/reel-text] [--seconds 60]
                               [--json results.json]

Writes two RenderingVideo v2 documents and measures, each in its own process (wall seconds, user +
system CPU seconds and peak RSS of that child, from `os.wait4`, as bench/mg1080p.py does):

* `lines40_frame`: `reel frame` of a 1920×1080 frame holding 40 lines of shaped text (Latin with
  ligatures, Arabic, Hebrew with digits, Devanagari, CJK and emoji, mixed and repeated), a cold
  process: fonts found and parsed, every line shaped and every glyph drawn once;
* `lines40_moving`: `reel render --null` of the same 40 lines for 2 s, the block's scale keyframed
  1.0 → 1.05, so that every frame sets all 40 lines again at a new size (glyph cache misses);
* `captions_null` and `captions`: a `--seconds` long (default 60 s) 1080p30 video of word-timed
  captions (`subtitle`, batch mode, 4 words a batch, highlight with a background, stroke, shadow,
  fade) over a plain backdrop, with `--null` and to MP4; and `captions_floor`: libx264 encoding
  Reel's own frames of it (`reel render --frames-out`, then `reel bench x264`), the encoder alone.

Every run prints the glyph cache's hits and misses (`reel render --glyph-stats`), recorded here.
"""
import argparse
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mg1080p import measure  # noqa: E402

LINES = [
    "office fluffy — Quarterly numbers, 2026 edition",
    "مرحبا بالعالم — أرقام الربع الثالث",
    "שלום 2026 עולם — דוח רבעוני",
    "नमस्ते दुनिया — क्षत्रिय संख्याएँ",
    "你好，世界。漢字とかなのテキスト",
    "Emoji: 👩‍💻 🎉 🏳️‍🌈 👨‍👩‍👧 ✨ and more",
    "Mixed: Reel مرحبا 漢字 नमस्ते 😀 done",
    "The quick brown fox jumps over the lazy dog",
]
WORDS = ("reel renders every frame of this caption from words with their own times so that "
         "each one lights up exactly when it is spoken and the batch moves on").split()


def text_document(moving):
    clips = []
    for index in range(40):
        clip = {"type": "text", "start": 0, "duration": 2, "text": LINES[index % len(LINES)],
                "style": {"fontSize": 24, "textAlign": "left", "textWrap": False, "fill": "#ffffff"},
                "transform": {"x": 40 if index < 20 else 980, "y": 30 + (index % 20) * 52, "anchor": "top-left"}}
        if moving:
            clip["keyframes"] = [{"property": "scale", "frames": [{"time": 0, "value": 1.0}, {"time": 2, "value": 1.05}]}]
        clips.append(clip)
    return {"meta": {"width": 1920, "height": 1080, "fps": 30, "background": "#1a1f2b"}, "tracks": [{"clips": clips}]}


def captions_document(seconds):
    words, t = [], 0.0
    index = 0
    while t < seconds - 0.5:
        word = WORDS[index % len(WORDS)]
        length = 0.22 + 0.04 * (len(word) % 5)
        words.append({"word": word, "punctuated_word": word, "start": round(t, 3), "end": round(t + length, 3)})
        t += length + (0.35 if index % 9 == 8 else 0.05)
        index += 1
    return {"meta": {"width": 1920, "height": 1080, "fps": 30, "background": "#203040"},
            "tracks": [{"clips": [{"type": "subtitle", "start": 0, "duration": seconds, "words": words,
                                   "config": {"wordsPerBatch": 4, "backgroundColor": "#c2185b", "borderColor": "#000000",
                                              "borderWidth": 4}}]}]}


def glyph_stats(log_path):
    with open(log_path, errors="replace") as f:
        match = re.search(r"glyph cache: (\d+) hits, (\d+) misses", f.read())
    return {"hits": int(match.group(1)), "misses": int(match.group(2))} if match else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reel", default=".build/release/reel")
    parser.add_argument("--work", default="/tmp/reel-text")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--json")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    reel, work = os.path.abspath(args.reel), args.work
    docs = {"lines40": text_document(False), "lines40_moving": text_document(True),
            "captions": captions_document(args.seconds)}
    paths = {}
    for name, doc in docs.items():
        paths[name] = os.path.join(work, f"{name}.json")
        with open(paths[name], "w") as f:
            json.dump(doc, f, ensure_ascii=False)
    runs = {
        "lines40_frame": [reel, "frame", paths["lines40"], "--at", "1", "-o", os.path.join(work, "lines40.png")],
        "lines40_moving": [reel, "render", paths["lines40_moving"], "--null", "--glyph-stats"],
        "captions_null": [reel, "render", paths["captions"], "--null", "--glyph-stats"],
        "captions": [reel, "render", paths["captions"], "-o", os.path.join(work, "captions.mp4"), "--glyph-stats"],
    }
    results = {}
    for name, command in runs.items():
        log = os.path.join(work, f"{name}.log")
        results[name] = measure(command, log)
        stats = glyph_stats(log)
        if stats:
            results[name]["glyph_cache"] = stats
    frames = os.path.join(work, "captions.yuv")
    subprocess.run([reel, "render", paths["captions"], "--frames-out", frames], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results["captions_floor"] = measure([reel, "bench", "x264", frames, "--width", "1920", "--height", "1080", "--fps", "30"],
                                        os.path.join(work, "captions_floor.log"))
    os.remove(frames)

    print(f"{'run':<16} {'wall s':>8} {'CPU s':>8} {'RSS MB':>8}  glyph cache")
    for name, r in results.items():
        cache = r.get("glyph_cache")
        rate = f"{cache['hits']} hits / {cache['misses']} misses ({100 * cache['hits'] / max(1, cache['hits'] + cache['misses']):.1f}%)" if cache else ""
        print(f"{name:<16} {r['wall']:>8.2f} {r['cpu']:>8.2f} {r['rss_mb']:>8.0f}  {rate}")
    frames_count = int(args.seconds * 30)
    print(f"captions: {1000 * results['captions_null']['cpu'] / frames_count:.2f} ms CPU a frame without encoding; "
          f"render / floor: wall {results['captions']['wall'] / results['captions_floor']['wall']:.2f}×, "
          f"CPU {results['captions']['cpu'] / results['captions_floor']['cpu']:.2f}×")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
