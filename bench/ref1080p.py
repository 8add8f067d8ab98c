#!/usr/bin/env python3
"""The ref-1080p benchmark: Reel against FFmpeg's CLI rendering the same composition.

    python3 bench/ref1080p.py [--reel .build/release/reel] [--work /tmp/reel-bench] [--seconds 20] [--long 120] [--zoom]

Generates the sources deterministically (FFmpeg's lavfi sources), renders the composition with
Reel and with `ffmpeg -filter_complex`, measures the x264 encode-only and decode-only floors, and
prints wall seconds, CPU seconds, peak RSS and frames per second for each, and the ratios. It
checks that both outputs have the same streams (ffprobe) and compares sample frames of Reel's
output with FFmpeg's (PSNR over the whole frame, and where both draw the same thing), then lists
issue 6's targets as met or not. `--long 120` also renders a 120 s variant with Reel to show that
peak memory does not grow with length. `--zoom` runs the variant whose picture-in-picture photo
zooms 1.0 → 1.2 over its 4 s (FFmpeg's side: the photo padded and `zoompan`ed into the largest box).
The ffmpeg binary is a benchmark-only dependency
(`apt-get install ffmpeg`); Reel itself never calls it.
"""
import argparse
import math
import json
import os
import subprocess
import sys

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


MEASURE = """
import json, resource, subprocess, sys, time
start = time.monotonic()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": time.monotonic() - start, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}))
"""


def run(command):
    """Runs a command in its own measuring process; returns wall seconds, CPU seconds (user +
    system) and peak RSS in MB of that command alone."""
    result = subprocess.run([sys.executable, "-c", MEASURE, *command], check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def make_sources(work, seconds):
    """Two 1080p30 H.264 clips, a photo, a logo with transparency and a stereo WAV."""
    def ffmpeg(*arguments):
        subprocess.run(["ffmpeg", "-v", "error", "-y", *arguments], check=True)
    a, b = os.path.join(work, "a.mp4"), os.path.join(work, "b.mp4")
    if not os.path.exists(a):
        ffmpeg("-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=30:d=10", "-c:v", "libx264", "-preset", "veryfast",
               "-crf", "18", "-pix_fmt", "yuv420p", a)
        # The Mandelbrot zoom is slow to compute: past 11 s, its first 11 s loop (stream copy).
        base = b if seconds <= 20 else os.path.join(work, "b-11s.mp4")
        ffmpeg("-f", "lavfi", "-i", f"mandelbrot=s=1920x1080:r=30,trim=duration={min(seconds, 20) - 9}", "-c:v", "libx264",
               "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", base)
        if base != b:
            ffmpeg("-stream_loop", "-1", "-i", base, "-t", str(seconds - 9), "-c", "copy", b)
        ffmpeg("-f", "lavfi", "-i", "gradients=s=1920x1080:seed=7:d=1", "-frames:v", "1", "-q:v", "3",
               os.path.join(work, "photo.jpg"))
        ffmpeg("-f", "lavfi", "-i", "color=c=0xE04040@0.9:s=400x200,format=rgba,geq=r='r(X,Y)':a='if(lt(hypot(X-200,Y-100),95),230,0)'",
               "-frames:v", "1", os.path.join(work, "logo.png"))
        ffmpeg("-f", "lavfi", "-i", f"sine=f=220:d={seconds}:r=48000", "-f", "lavfi", "-i",
               f"sine=f=330:d={seconds}:r=48000", "-filter_complex", "[0][1]amerge=inputs=2", "-ac", "2",
               os.path.join(work, "music.wav"))
    return a, b


# The zooming variant (`--zoom`): the picture-in-picture photo's scale goes 1.0 → 1.2 over its 4 s,
# its top-right corner staying put, so Reel draws it at a new size at every frame.
ZOOM = (1.0, 1.2)


def reel_config(work, seconds, zoom=False):
    config = reel_config_plain(work, seconds)
    if zoom:
        photo = config["tracks"][1]["clips"][0]
        photo["keyframes"] = [{"property": "scale", "frames": [{"time": 0, "value": ZOOM[0]}, {"time": 4, "value": ZOOM[1]}]}]
    return config


def reel_config_plain(work, seconds):
    return {
        "meta": {"version": "2.0.0", "width": 1920, "height": 1080, "fps": 30},
        "tracks": [
            {"id": "footage", "clips": [
                {"type": "video", "src": f"{work}/a.mp4", "start": 0, "duration": 10},
                {"type": "video", "src": f"{work}/b.mp4", "start": 9, "duration": seconds - 9,
                 "transition": {"type": "fade", "duration": 1}},
            ]},
            {"id": "overlays", "clips": [
                {"type": "image", "src": f"{work}/photo.jpg", "start": 4, "duration": 4, "zIndex": 1,
                 "transform": {"x": 1880, "y": 40, "width": 640, "height": 360, "anchor": "top-right"},
                 "animations": [{"type": "fadeIn", "duration": 0.5}, {"type": "fadeOut", "duration": 0.5, "delay": 3.5}]},
                {"type": "image", "src": f"{work}/logo.png", "start": 0, "duration": seconds, "zIndex": 2, "opacity": 0.6,
                 "transform": {"x": 40, "y": 1040, "anchor": "bottom-left"}},
                {"type": "text", "text": "Quarterly Results", "start": 1, "duration": 5, "zIndex": 3,
                 "style": {"fontFamily": "DejaVu Sans", "fontSize": 72, "fontWeight": "bold", "fill": "#ffffff",
                           "stroke": "#000000", "strokeWidth": 3},
                 "animations": [{"type": "fadeIn", "duration": 0.5}]},
            ]},
            {"id": "sound", "clips": [
                {"type": "audio", "src": f"{work}/music.wav", "start": 0, "duration": seconds, "volume": 0.8, "fadeOut": 2},
            ]},
        ],
    }


# RGBA overlays reach `overlay` as Y'CbCr: converted explicitly with the BT.709 matrix the output is
# tagged with (left to itself, the auto-inserted converter would use BT.601 and shift their colours).
TO_BT709 = "scale=out_color_matrix=bt709:out_range=tv,format=yuva420p"


def ffmpeg_graph(work, seconds, output, zoom=False):
    if zoom:
        # The growing box as a fixed 768×432 picture (the largest box): the photo padded right- and
        # top-aligned to 1.2× its size, and `zoompan` showing the top-right 1/z of it, z = the scale,
        # so that the photo is 640·z wide at the top-right of that picture, transparent elsewhere.
        low, high = ZOOM
        big_w, big_h = round(640 * high), round(360 * high)
        pip = (f"[2:v]format=rgba,pad=iw*{high}:ih*{high}:iw*{high}-iw:0:color=black@0,"
               f"zoompan=z='{low}+{high - low}*on/120':x='iw-iw/zoom':y=0:d=1:s={big_w}x{big_h}:fps=30,")
        place = f"overlay=W-{big_w}-40:40:eof_action=pass"
    else:
        pip = "[2:v]scale=640:360,format=rgba,"
        place = "overlay=W-w-40:40:eof_action=pass"
    graph = (
        "[0:v]setpts=PTS-STARTPTS[va];[1:v]setpts=PTS-STARTPTS[vb];"
        "[va][vb]xfade=transition=fade:duration=1:offset=9[base];"
        f"{pip}fade=t=in:st=0:d=0.5:alpha=1,fade=t=out:st=3.5:d=0.5:alpha=1,"
        f"setpts=PTS-STARTPTS+4/TB,{TO_BT709}[pip];"
        f"[base][pip]{place}[v1];"
        f"[3:v]format=rgba,colorchannelmixer=aa=0.6,{TO_BT709}[logo];"
        "[v1][logo]overlay=40:H-h-40:shortest=1[v2];"
        f"[v2]drawtext=fontfile={FONT}:text='Quarterly Results':fontsize=72:fontcolor=white:borderw=3:bordercolor=black:"
        "x=(w-text_w)/2:y=(h-text_h)/2:enable='between(t,1,6)':alpha='min(1,(t-1)/0.5)',format=yuv420p[v];"
        f"[4:a]volume=0.8,afade=t=out:st={seconds - 2}:d=2[a]"
    )
    return ["ffmpeg", "-v", "error", "-y", "-i", f"{work}/a.mp4", "-i", f"{work}/b.mp4",
            "-loop", "1", "-framerate", "30", "-t", "4", "-i", f"{work}/photo.jpg",
            "-loop", "1", "-framerate", "30", "-t", str(seconds), "-i", f"{work}/logo.png", "-i", f"{work}/music.wav",
            "-filter_complex", graph, "-map", "[v]", "-map", "[a]", "-t", str(seconds), *output]


ENCODE = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
          "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
          "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-movflags", "+faststart"]


# The title's band: FFmpeg's drawtext centres the glyphs' ink box and draws its border outside the
# glyphs, Reel centres the line box and strokes on the outline, so the two titles sit a few pixels
# apart and differ in weight. Everything else both draw the same way.
TITLE_BAND = (480, 460, 1440, 620)


def raw_frame(path, at):
    return subprocess.run(["ffmpeg", "-v", "error", "-ss", str(at), "-i", path, "-frames:v", "1", "-f", "rawvideo",
                           "-pix_fmt", "yuv420p", "-"], capture_output=True, check=True).stdout


def frame_psnr(fa, fb, leave_out=None, width=1920, height=1080):
    """PSNR (dB) over all samples of two raw 4:2:0 frames (luma weighs four times each chroma
    plane, as FFmpeg's `psnr` averages), leaving out the luma rectangle `leave_out` if given."""
    x0, y0, x1, y1 = leave_out or (0, 0, 0, 0)
    error = count = 0
    offset = 0
    for scale in (1, 2, 2):
        w, h = width // scale, height // scale
        for y in range(h):
            row = offset + y * w
            if y0 // scale <= y < y1 // scale:
                spans = [(0, x0 // scale), (x1 // scale, w)]
            else:
                spans = [(0, w)]
            for start, end in spans:
                error += sum((p - q) * (p - q) for p, q in zip(fa[row + start:row + end], fb[row + start:row + end]))
                count += end - start
        offset += w * h
    return 10 * math.log10(255 * 255 / (error / count)) if error else float("inf")


def streams(path):
    """The streams of a file as ffprobe sees them: what must match between the two outputs."""
    result = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                             "stream=codec_type,codec_name,profile,width,height,pix_fmt,r_frame_rate,nb_frames,"
                             "sample_rate,channels,color_space,color_primaries,color_transfer",
                             "-of", "json", path], capture_output=True, check=True, text=True)
    return json.loads(result.stdout)["streams"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reel", default=".build/release/reel")
    parser.add_argument("--work", default="/tmp/reel-bench")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--long", type=int, metavar="SECONDS",
                        help="also render a SECONDS-long variant with Reel and compare its peak memory")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--zoom", action="store_true",
                        help="the variant whose picture-in-picture photo zooms 1.0 → 1.2 over its 4 s (issue 13)")
    arguments = parser.parse_args()
    work, seconds, zoom = arguments.work, arguments.seconds, arguments.zoom
    config = prepare(work, seconds, zoom)
    frames = seconds * 30
    raw = os.path.join(work, "raw.yuv")
    if not os.path.exists(raw):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", os.path.join(work, "a.mp4"), "-t", str(min(seconds, 10)),
                        "-pix_fmt", "yuv420p", "-f", "rawvideo", raw], check=True)

    results = {
        "ffmpeg": run(ffmpeg_graph(work, seconds, ENCODE + [os.path.join(work, "ffmpeg.mp4")], zoom)),
        "reel": run([arguments.reel, "render", config, "-o", os.path.join(work, "reel.mp4")]),
        "ffmpeg_null": run(ffmpeg_graph(work, seconds, ["-f", "null", "-"], zoom)),
        "reel_null": run([arguments.reel, "render", config, "--null"]),
        "x264_floor": run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "1920x1080",
                           "-r", "30", "-stream_loop", "1", "-i", raw, "-frames:v", str(frames), "-c:v", "libx264",
                           "-preset", "veryfast", "-crf", "23", "-f", "null", "-"]),
        "decode_floor": run(["ffmpeg", "-v", "error", "-i", os.path.join(work, "a.mp4"), "-i", os.path.join(work, "b.mp4"),
                             "-map", "0:v", "-map", "1:v", "-f", "null", "-"]),
    }
    for result in results.values():
        result["fps"] = frames / result["wall"]
    if arguments.long:
        long_work = os.path.join(work, f"long-{arguments.long}")
        long_config = prepare(long_work, arguments.long, zoom)
        results[f"reel_{arguments.long}s"] = run([arguments.reel, "render", long_config, "-o", os.path.join(long_work, "reel.mp4")])
        results[f"reel_{arguments.long}s"]["fps"] = arguments.long * 30 / results[f"reel_{arguments.long}s"]["wall"]
    reel, ffmpeg = results["reel"], results["ffmpeg"]
    ratios = {"wall": reel["wall"] / ffmpeg["wall"], "cpu": reel["cpu"] / ffmpeg["cpu"],
              "null_wall": results["reel_null"]["wall"] / results["ffmpeg_null"]["wall"]}
    if arguments.long:
        ratios["long_rss"] = results[f"reel_{arguments.long}s"]["rss_mb"] / reel["rss_mb"]
    reel_mp4, ffmpeg_mp4 = os.path.join(work, "reel.mp4"), os.path.join(work, "ffmpeg.mp4")
    times = (0.5, 2.0, 5.0, 9.5, 15.0)
    full, same = {}, {}
    for t in times:
        fa, fb = raw_frame(reel_mp4, t), raw_frame(ffmpeg_mp4, t)
        full[t] = frame_psnr(fa, fb)
        # The title shows from 1 to 6 s.
        same[t] = frame_psnr(fa, fb, TITLE_BAND if 1 <= t < 6 else None)
    reel_streams, ffmpeg_streams = streams(reel_mp4), streams(ffmpeg_mp4)
    # AAC packs its priming and padding differently per encoder setup: one frame either way.
    for stream in reel_streams + ffmpeg_streams:
        if stream.get("codec_type") == "audio":
            stream.pop("nb_frames", None)
    streams_match = reel_streams == ffmpeg_streams

    print(f"ref-1080p{' (zoom: the photo scales 1.0 → 1.2)' if zoom else ''}: {seconds} s, 1920×1080, 30 fps, {frames} frames")
    print(f"{'run':<14}{'wall s':>9}{'CPU s':>9}{'RSS MB':>9}{'fps':>8}")
    for name, result in results.items():
        print(f"{name:<14}{result['wall']:>9.2f}{result['cpu']:>9.2f}{result['rss_mb']:>9.0f}{result['fps']:>8.1f}")
    print(f"Reel / FFmpeg: wall {ratios['wall']:.2f}×, CPU {ratios['cpu']:.2f}×, null-encoder wall {ratios['null_wall']:.2f}×"
          + (f"; peak RSS {arguments.long} s / {seconds} s: {ratios['long_rss']:.2f}×" if arguments.long else ""))
    print("PSNR of Reel's frames against FFmpeg's, whole frame: " + ", ".join(f"{t:g} s {p:.1f} dB" for t, p in full.items()))
    print("  where both draw the same thing (the title's band left out while it shows): "
          + ", ".join(f"{t:g} s {p:.1f} dB" for t, p in same.items()))
    print("streams: " + ("the same in both outputs: " + "; ".join(
        f"{s['codec_name']} {s.get('width', '')}x{s.get('height', '')} {s.get('pix_fmt', '')} {s.get('nb_frames', '')}"
        if s["codec_type"] == "video" else f"{s['codec_name']} {s['sample_rate']} Hz {s['channels']} ch" for s in reel_streams)
        if streams_match else f"DIFFER\n  reel:   {reel_streams}\n  ffmpeg: {ffmpeg_streams}"))
    checks = {
        "wall ≤ 0.8× FFmpeg's": ratios["wall"] <= 0.8,
        "CPU ≤ 0.85× FFmpeg's": ratios["cpu"] <= 0.85,
        "null-encoder wall ≤ 0.6× FFmpeg's": ratios["null_wall"] <= 0.6,
        "peak RSS ≤ 250 MB": reel["rss_mb"] <= 250,
        "same streams": streams_match,
        "frames match (≥ 35 dB where both draw the same)": min(same.values()) >= 35,
    }
    if arguments.long:
        checks[f"peak RSS of {arguments.long} s within 10% of {seconds} s"] = abs(ratios["long_rss"] - 1) <= 0.1
    for name, passed in checks.items():
        print(f"  {'met    ' if passed else 'NOT MET'}  {name}")
    if arguments.json:
        with open(arguments.json, "w") as f:
            json.dump({"results": results, "ratios": ratios, "psnr": full, "psnr_same_content": same,
                       "streams": {"reel": reel_streams, "ffmpeg": ffmpeg_streams}, "checks": checks}, f, indent=2)


def prepare(work, seconds, zoom=False):
    """Sources and the Reel config for a `seconds`-long ref-1080p in `work`; returns the config path."""
    os.makedirs(work, exist_ok=True)
    make_sources(work, seconds)
    config = os.path.join(work, "ref-1080p-zoom.json" if zoom else "ref-1080p.json")
    with open(config, "w") as f:
        json.dump(reel_config(work, seconds, zoom), f, indent=2)
    return config


if __name__ == "__main__":
    sys.exit(main())
