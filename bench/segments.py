#!/usr/bin/env python3
"""The segmented-render benchmark (issue 17): one video rendered by 1 worker vs k segments on k workers.

    python3 bench/segments.py [--reel .build/release/reel] [--work /tmp/reel-segments] [--seconds 60]
                              [--scale 1.0] [--k 2] [--gop 30] [--json results.json]

The composition is mg-1080p's (bench/mg1080p.py: drawn layers, PNG overlays, a WAV bed with fades),
`--seconds` long (default 60) at 1920×1080 × `--scale`, 30 fps. Workers are processes, as issue 17's
workers are; each is measured alone (wall seconds, user + system CPU seconds and peak RSS of that one
child, from `os.wait4`):

* `single`: `reel render DOC -o single.mp4 --gop G`, the whole render in one process;
* the segmented render, step by step through the hidden `reel segment` commands, with the same
  settings: `plan` (reads the document, opens the media, writes the plan of k segments), then, all at
  once, k `render` processes (one segment each) and one `sound` process (the whole timeline's sound,
  mixed and encoded once), then `join` (stream copy into one MP4, moov first);
* `one_gop`: one more `render` process for the first segment of a plan cut into single GOPs, so that
  a segment's fixed cost (start-up, media opened, encoder opened and flushed) can be told from its
  cost per frame.

It checks that the joined file has the single render's frame count, duration and streams
(`reel probe --json`), prints a table, and extrapolates the wall time for 8 and 32 workers with
this model, each worker being a machine like the one that ran `single`:

    wall(n) = plan + max(segment(n), sound) + join,   segment(n) = (f + c · F(n)) · u

where F(n) is the largest segment of a plan of n segments (in frames: whole GOPs shared out), c the
segment CPU seconds per frame and f the fixed CPU seconds per segment (from the k segments and
`one_gop`), and u = single wall / single CPU, the parallelism a worker gets out of its cores (as the
single render did). Plan, sound and join run on one thread each: their wall time on an idle worker is
their CPU time, the measured one; they do not shrink with n. Not
modelled: moving files between machines (a 1080p segment at CRF 23 is about 1 MB a second) and the
queue's own latency. The speedup is single wall / wall(n).

On a machine with fewer cores than k + 1 the k processes share them, so the measured segmented wall
time there shows the overhead, not the speedup: compare the CPU seconds.
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mg1080p  # noqa: E402  (the composition and the measuring helpers)

FPS = mg1080p.FPS


def start(command, log_path):
    """Starts `command` with its output in `log_path`; returns (process, start time, log file)."""
    log = open(log_path, "wb")
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT), time.monotonic(), log


def wait_all(running):
    """Waits for every (name, process, start, log) and returns {name: {wall, cpu, rss_mb}}, each
    child's own rusage (os.wait4 on its pid)."""
    results = {}
    pending = {process.pid: (name, process, began, log) for name, process, began, log in running}
    while pending:
        pid, status, usage = os.wait4(-1, 0)
        if pid not in pending:
            continue
        name, process, began, log = pending.pop(pid)
        log.close()
        code = os.waitstatus_to_exitcode(status)
        process.returncode = code
        if code != 0:
            raise mg1080p.RunFailed(f"{name} exited with {code}:\n{mg1080p.tail(log.name)}")
        results[name] = {"wall": time.monotonic() - began, "cpu": usage.ru_utime + usage.ru_stime,
                         "rss_mb": usage.ru_maxrss / 1024}
    return results


def probe(reel, path):
    rc, output = mg1080p.capture([reel, "probe", path, "--json"])
    if rc != 0:
        raise mg1080p.RunFailed(f"reel probe {path} failed: {output}")
    return json.loads(output)


def largest_segment(frames, gop, n):
    """The frames of the largest segment in a plan of n segments (GOPs shared out as evenly as whole
    GOPs allow, as `SegmentPlan` does)."""
    gops = -(-frames // gop)
    parts = min(n, gops)
    return min(frames, -(-gops // parts) * gop)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reel", default=".build/release/reel", help="the reel binary (default: %(default)s)")
    parser.add_argument("--work", default="/tmp/reel-segments", help="where media, documents and outputs go (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the composition (default: %(default)s)")
    parser.add_argument("--scale", type=float, default=1.0, help="scale of the canvas and all geometry (default: %(default)s)")
    parser.add_argument("--k", type=int, default=2, help="segments, each in its own process (default: %(default)s)")
    parser.add_argument("--gop", type=int, default=30, help="keyframe interval in frames, for both renders (default: %(default)s)")
    parser.add_argument("--extrapolate", type=int, nargs="*", default=[8, 32], help="worker counts to model (default: 8 32)")
    parser.add_argument("--json", help="also write the results here")
    arguments = parser.parse_args()
    if not 0 < arguments.scale <= 4 or not 1 <= arguments.seconds <= 3600 or not 1 <= arguments.k <= 64 or arguments.gop < 1:
        parser.error("--scale must be in (0, 4], --seconds 1 to 3600, --k 1 to 64, --gop 1 or more")
    reel, work, k, gop = arguments.reel, arguments.work, arguments.k, arguments.gop
    if not os.access(reel, os.X_OK):
        sys.exit(f"{reel}: not an executable (build it: swift build -c release --product reel)")

    doc, info = mg1080p.prepare(work, arguments.seconds, arguments.scale)
    mg1080p.validate(reel, doc)
    frames = info["frames"]
    print(f"segments: mg-1080p {arguments.seconds:g} s, {info['width']}×{info['height']}, {FPS} fps, {frames} frames, "
          f"GOP {gop}; k = {k}; {os.cpu_count()} processors; load average {os.getloadavg()[0]:.2f} at the start")
    encoding = ["--gop", str(gop)]
    log = lambda name: os.path.join(work, f"{name}.log")  # noqa: E731
    path = lambda name: os.path.join(work, name)  # noqa: E731
    try:
        results = {"single": mg1080p.measure([reel, "render", doc, "-o", path("single.mp4"), "--progress", "none"] + encoding,
                                             log("single"))}

        plan_path = path(f"plan-{k}.json")
        results["plan"] = mg1080p.measure([reel, "segment", "plan", doc, "--segments", str(k), "-o", plan_path] + encoding, log("plan"))
        with open(plan_path) as f:
            plan = json.load(f)
        segments = plan["segments"]
        parallel_start = time.monotonic()
        running = [(f"segment{i}",) + start([reel, "segment", "render", doc, "--plan", plan_path, "--index", str(i),
                                             "-o", path(f"segment-{i}.mp4")] + encoding, log(f"segment{i}"))
                   for i in range(len(segments))]
        running.append(("sound",) + start([reel, "segment", "sound", doc, "--plan", plan_path, "-o", path("sound.mp4")] + encoding,
                                          log("sound")))
        results.update(wait_all(running))
        parallel_wall = time.monotonic() - parallel_start
        results["join"] = mg1080p.measure([reel, "segment", "join", "--plan", plan_path, "--sound", path("sound.mp4"),
                                           "-o", path("joined.mp4")] + encoding + [path(f"segment-{i}.mp4") for i in range(len(segments))],
                                          log("join"))

        # A segment of one GOP: the fixed cost of a segment against its cost per frame.
        one_gop_plan = path("plan-gops.json")
        mg1080p.measure([reel, "segment", "plan", doc, "--segments", str(frames), "-o", one_gop_plan] + encoding, log("plan-gops"))
        results["one_gop"] = mg1080p.measure([reel, "segment", "render", doc, "--plan", one_gop_plan, "--index", "0",
                                              "-o", path("one-gop.mp4")] + encoding, log("one_gop"))
    except mg1080p.RunFailed as error:
        sys.exit(str(error))

    single_probe, joined_probe = probe(reel, path("single.mp4")), probe(reel, path("joined.mp4"))
    same = all(single_probe["streams"][i].get(key) == joined_probe["streams"][i].get(key)
               for i in range(len(single_probe["streams"])) for key in ("codecName", "frameCount", "duration", "width", "height"))
    same = same and len(single_probe["streams"]) == len(joined_probe["streams"]) and single_probe["duration"] == joined_probe["duration"]

    print(f"{'run':<12}{'frames':>8}{'wall s':>9}{'CPU s':>9}{'RSS MB':>9}")
    for name, result in results.items():
        count = frames if name == "single" else (segments[int(name[7:])]["endFrame"] - segments[int(name[7:])]["firstFrame"]
                                                 if name.startswith("segment") else gop if name == "one_gop" else None)
        result["frames"] = count
        print(f"{name:<12}{count if count is not None else '':>8}{result['wall']:>9.2f}{result['cpu']:>9.2f}{result['rss_mb']:>9.0f}")

    single = results["single"]
    segment_names = [f"segment{i}" for i in range(len(segments))]
    segmented_wall = results["plan"]["wall"] + parallel_wall + results["join"]["wall"]
    segmented_cpu = sum(results[name]["cpu"] for name in ["plan", "sound", "join"] + segment_names)
    overhead = {"plan_wall": results["plan"]["wall"], "sound_wall": results["sound"]["wall"], "sound_cpu": results["sound"]["cpu"],
                "join_wall": results["join"]["wall"], "join_cpu": results["join"]["cpu"],
                "cpu_over_single": segmented_cpu - single["cpu"]}
    print(f"segmented ({len(segments)} segments, {len(segments) + 1} processes at once on {os.cpu_count()} processors): "
          f"wall {segmented_wall:.2f} s (plan {results['plan']['wall']:.2f} + segments and sound {parallel_wall:.2f} + "
          f"join {results['join']['wall']:.2f}), CPU {segmented_cpu:.2f} s, {overhead['cpu_over_single']:+.2f} CPU-s over the single render")
    print(f"joined file: {'same frame count, duration and streams as the single render' if same else 'DIFFERS from the single render'}")

    # The model: segment CPU = f + c · frames, from the k segments and the one-GOP segment.
    segment_frames = sum(results[name]["frames"] for name in segment_names)
    segment_cpu = sum(results[name]["cpu"] for name in segment_names)
    one = results["one_gop"]
    mean_frames, mean_cpu = segment_frames / len(segments), segment_cpu / len(segments)
    if mean_frames > one["frames"]:
        per_frame = (mean_cpu - one["cpu"]) / (mean_frames - one["frames"])
        fixed = max(0.0, one["cpu"] - per_frame * one["frames"])
    else:
        per_frame, fixed = mean_cpu / mean_frames, 0.0
    parallelism = single["wall"] / single["cpu"]
    model = {"cpu_per_frame": per_frame, "fixed_cpu_per_segment": fixed, "wall_per_cpu": parallelism, "workers": {}}
    print(f"model: a segment costs {fixed:.2f} + {per_frame * 1000:.1f} ms × frames CPU-s; a worker turns CPU-s into wall at "
          f"{parallelism:.2f} (the single render's wall / CPU); plan {results['plan']['cpu']:.2f}, sound "
          f"{results['sound']['cpu']:.2f}, join {results['join']['cpu']:.2f} CPU-s, one thread each")
    fixed_wall = results["plan"]["cpu"] + results["join"]["cpu"]
    for n in [k] + arguments.extrapolate:
        largest = largest_segment(frames, gop, n)
        segment_wall = (fixed + per_frame * largest) * parallelism
        wall = fixed_wall + max(segment_wall, results["sound"]["cpu"])
        model["workers"][n] = {"largest_segment_frames": largest, "segment_wall": segment_wall, "wall": wall,
                               "speedup": single["wall"] / wall}
        print(f"  {n:>3} workers: largest segment {largest} frames, {segment_wall:.2f} s; wall {wall:.2f} s "
              f"(plan + join {fixed_wall:.2f} s, sound {results['sound']['cpu']:.2f} s beside the segments): "
              f"{single['wall'] / wall:.2f}× faster than the single render's {single['wall']:.2f} s")
    if os.getloadavg()[0] > os.cpu_count():
        print(f"note: the machine was loaded (load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} processors): "
              "wall times are inflated; the CPU times and the model are the figures to read")

    if arguments.json:
        with open(arguments.json, "w") as f:
            json.dump({"benchmark": "segments", "seconds": arguments.seconds, "scale": arguments.scale, "k": k, "gop": gop,
                       "frames": frames, "processors": os.cpu_count(), "plan": plan, "results": results,
                       "segmented": {"wall": segmented_wall, "parallel_wall": parallel_wall, "cpu": segmented_cpu},
                       "overhead": overhead, "joined_matches_single": same, "model": model}, f, indent=2, ensure_ascii=False)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
