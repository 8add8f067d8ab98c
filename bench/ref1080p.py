#!/usr/bin/env python3
"""The ref-1080p benchmark: Reel against FFmpeg's CLI rendering the same composition.

    python3 bench/ref1080p.py [--reel .build/release/reel] [--work /tmp/reel-bench] [--seconds 20]

Generates the sources deterministically (FFmpeg's lavfi sources), renders the composition with
Reel and with `ffmpeg -filter_complex`, measures the x264 encode-only and decode-only floors, and
prints wall seconds, CPU seconds, peak RSS and frames per second for each, the ratios, and the
PSNR of sample frames of Reel's output against FFmpeg's. The ffmpeg binary is a benchmark-only
dependency (`apt-get install ffmpeg`); Reel itself never calls it.
"""
import argparse
import json
import os
import re
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
        ffmpeg("-f", "lavfi", "-i", f"mandelbrot=s=1920x1080:r=30,trim=duration={seconds - 9}", "-c:v", "libx264",
               "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", b)
        ffmpeg("-f", "lavfi", "-i", "gradients=s=1920x1080:seed=7:d=1", "-frames:v", "1", "-q:v", "3",
               os.path.join(work, "photo.jpg"))
        ffmpeg("-f", "lavfi", "-i", "color=c=0xE04040@0.9:s=400x200,format=rgba,geq=r='r(X,Y)':a='if(lt(hypot(X-200,Y-100),95),230,0)'",
               "-frames:v", "1", os.path.join(work, "logo.png"))
        ffmpeg("-f", "lavfi", "-i", f"sine=f=220:d={seconds}:r=48000", "-f", "lavfi", "-i",
               f"sine=f=330:d={seconds}:r=48000", "-filter_complex", "[0][1]amerge=inputs=2", "-ac", "2",
               os.path.join(work, "music.wav"))
    return a, b


def reel_config(work, seconds):
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


def ffmpeg_graph(work, seconds, output):
    graph = (
        "[0:v]setpts=PTS-STARTPTS[va];[1:v]setpts=PTS-STARTPTS[vb];"
        "[va][vb]xfade=transition=fade:duration=1:offset=9[base];"
        "[2:v]scale=640:360,format=rgba,fade=t=in:st=0:d=0.5:alpha=1,fade=t=out:st=3.5:d=0.5:alpha=1,"
        "setpts=PTS-STARTPTS+4/TB[pip];"
        "[base][pip]overlay=W-w-40:40:eof_action=pass[v1];"
        "[3:v]format=rgba,colorchannelmixer=aa=0.6[logo];"
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


def psnr(a, b, at):
    """PSNR (dB) of the frame at `at` seconds of two videos, luma and chroma averaged."""
    result = subprocess.run(["ffmpeg", "-v", "info", "-ss", str(at), "-i", a, "-ss", str(at), "-i", b, "-frames:v", "1",
                             "-lavfi", "[0:v][1:v]psnr", "-f", "null", "-"], capture_output=True, text=True)
    match = re.search(r"average:([0-9.]+|inf)", result.stderr)
    return float(match.group(1)) if match else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reel", default=".build/release/reel")
    parser.add_argument("--work", default="/tmp/reel-bench")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--json", help="also write the results here")
    arguments = parser.parse_args()
    work, seconds = arguments.work, arguments.seconds
    os.makedirs(work, exist_ok=True)
    make_sources(work, seconds)
    config = os.path.join(work, "ref-1080p.json")
    with open(config, "w") as f:
        json.dump(reel_config(work, seconds), f, indent=2)
    frames = seconds * 30
    raw = os.path.join(work, "raw.yuv")
    if not os.path.exists(raw):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", os.path.join(work, "a.mp4"), "-t", str(min(seconds, 10)),
                        "-pix_fmt", "yuv420p", "-f", "rawvideo", raw], check=True)

    results = {
        "ffmpeg": run(ffmpeg_graph(work, seconds, ENCODE + [os.path.join(work, "ffmpeg.mp4")])),
        "reel": run([arguments.reel, "render", config, "-o", os.path.join(work, "reel.mp4")]),
        "ffmpeg_null": run(ffmpeg_graph(work, seconds, ["-f", "null", "-"])),
        "reel_null": run([arguments.reel, "render", config, "--null"]),
        "x264_floor": run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "1920x1080",
                           "-r", "30", "-stream_loop", "1", "-i", raw, "-frames:v", str(frames), "-c:v", "libx264",
                           "-preset", "veryfast", "-crf", "23", "-f", "null", "-"]),
        "decode_floor": run(["ffmpeg", "-v", "error", "-i", os.path.join(work, "a.mp4"), "-i", os.path.join(work, "b.mp4"),
                             "-map", "0:v", "-map", "1:v", "-f", "null", "-"]),
    }
    for result in results.values():
        result["fps"] = frames / result["wall"]
    reel, ffmpeg = results["reel"], results["ffmpeg"]
    ratios = {"wall": reel["wall"] / ffmpeg["wall"], "cpu": reel["cpu"] / ffmpeg["cpu"],
              "null_wall": results["reel_null"]["wall"] / results["ffmpeg_null"]["wall"]}
    samples = {t: psnr(os.path.join(work, "reel.mp4"), os.path.join(work, "ffmpeg.mp4"), t) for t in (0.5, 2.0, 5.0, 9.5, 15.0)}

    print(f"ref-1080p: {seconds} s, 1920×1080, 30 fps, {frames} frames")
    print(f"{'run':<14}{'wall s':>9}{'CPU s':>9}{'RSS MB':>9}{'fps':>8}")
    for name, result in results.items():
        print(f"{name:<14}{result['wall']:>9.2f}{result['cpu']:>9.2f}{result['rss_mb']:>9.0f}{result['fps']:>8.1f}")
    print(f"Reel / FFmpeg: wall {ratios['wall']:.2f}×, CPU {ratios['cpu']:.2f}×, null-encoder wall {ratios['null_wall']:.2f}×")
    print("PSNR of Reel's frames against FFmpeg's: " + ", ".join(f"{t:g} s {p:.1f} dB" for t, p in samples.items()))
    if arguments.json:
        with open(arguments.json, "w") as f:
            json.dump({"results": results, "ratios": ratios, "psnr": samples}, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
