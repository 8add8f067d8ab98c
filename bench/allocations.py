#!/usr/bin/env python3
"""Heap allocations per frame in the steady state of a render (issue 13).

    python3 bench/allocations.py [--reel .build/release/reel] [--work /tmp/reel-alloc] [--short 5] [--long 10]

Counts calls of the C library's `malloc` (every Swift object, array and string allocation goes
through it) with a `perf` uprobe, in `reel render DOC --null` of the mg-1080p composition
(bench/mg1080p.py) at two lengths: what the longer render allocates more, over the frames it has
more, is what a frame costs once everything is loaded, parsed and prepared. It needs `perf` and the
right to add a uprobe (root, or perf_event_paranoid ≤ 1 with access to tracefs).

The composition is the same at both lengths except for its timing (scenes, fades and keyframes
scale with the length), so a few layers are prepared at other sizes; the figure is an upper bound.

Then, frame by frame: a second uprobe on the compositor's per-frame entry point
(`FrameCompositor.render(_:into:)` for Y'CbCr frames) marks where each frame starts, and the mallocs
between two marks are that frame's (every thread's: the compositing threads, the audio mix, the
caller). It prints how many frames allocate nothing, and the same for a whole `reel render` to an
MP4 (libx264, the AAC encoder and the MP4 muxer included).
"""
import argparse
import os
import subprocess
import sys

import mg1080p

LIBC = "/lib/x86_64-linux-gnu/libc.so.6"
EVENT = "probe_libc:malloc"


def ensure_probe():
    listed = subprocess.run(["perf", "probe", "-l"], capture_output=True, text=True)
    if EVENT in listed.stdout:
        return
    subprocess.run(["perf", "probe", "-q", "-x", LIBC, "malloc"], check=True)


FRAME_SYMBOL = "FrameA0C6render_4intoySay8Timeline8DrawItemVG_AA11PlanarImageCtKF"
FRAME_EVENT = "probe_reel:frame"


def frame_probe(reel):
    """Adds (again: the binary may have changed) the uprobe marking each frame."""
    subprocess.run(["perf", "probe", "-q", "-d", "probe_reel:*"], capture_output=True)
    symbols = subprocess.run(["nm", reel], capture_output=True, text=True, check=True).stdout.split()
    names = [name for name in symbols if name.endswith(FRAME_SYMBOL)]
    if len(names) != 1:
        raise RuntimeError(f"expected one symbol ending in {FRAME_SYMBOL}, found {names}")
    subprocess.run(["perf", "probe", "-q", "-x", reel, "--add", f"frame={names[0]}"], check=True)


def frame_counts(reel, arguments, work):
    """The mallocs of each frame but the last, from the marks of a recorded run."""
    data = os.path.join(work, "frames.data")
    subprocess.run(["perf", "record", "-q", "-e", EVENT, "-e", FRAME_EVENT, "-o", data, reel] + arguments,
                   capture_output=True, check=True)
    events = subprocess.run(["perf", "script", "-i", data, "-F", "event"], capture_output=True, text=True,
                            check=True).stdout.split()
    counts, current = [], None
    for event in events:
        if event.startswith(FRAME_EVENT):
            if current is not None:
                counts.append(current)
            current = 0
        elif current is not None and event.startswith(EVENT):
            current += 1
    return counts


def describe(counts):
    ordered = sorted(counts)
    zero = sum(1 for count in counts if count == 0)
    return (f"{zero} of {len(counts)} frames allocate nothing; median {ordered[len(ordered) // 2]}, "
            f"90th percentile {ordered[len(ordered) * 9 // 10]}, most {ordered[-1]}")


def mallocs(reel, document):
    """The number of malloc calls of `reel render DOCUMENT --null`."""
    result = subprocess.run(["perf", "stat", "-x", ",", "-e", EVENT, reel, "render", document, "--null"],
                            capture_output=True, text=True, check=True)
    for line in result.stderr.splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2] == EVENT:
            return int(fields[0])
    raise RuntimeError("perf printed no count:\n" + result.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reel", default=".build/release/reel")
    parser.add_argument("--work", default="/tmp/reel-alloc")
    parser.add_argument("--short", type=int, default=5, help="seconds of the shorter render")
    parser.add_argument("--long", type=int, default=10, help="seconds of the longer render")
    arguments = parser.parse_args()
    ensure_probe()
    counts = {}
    for seconds in (arguments.short, arguments.long):
        work = os.path.join(arguments.work, f"{seconds}s")
        mg1080p.prepare(work, seconds, 1.0)
        counts[seconds] = mallocs(arguments.reel, os.path.join(work, "mg-1080p.json"))
    frames = (arguments.long - arguments.short) * 30
    per_frame = (counts[arguments.long] - counts[arguments.short]) / frames
    for seconds, count in counts.items():
        print(f"mg-1080p {seconds:>3} s ({seconds * 30} frames), --null: {count:>9} mallocs")
    print(f"steady state: {per_frame:.1f} mallocs a frame (the {frames} frames the longer render has more)")
    print(f"  {'met    ' if per_frame < 1 else 'NOT MET'}  no per-frame heap allocations")
    frame_probe(arguments.reel)
    work = os.path.join(arguments.work, f"{arguments.long}s")
    document = os.path.join(work, "mg-1080p.json")
    print(f"frame by frame, --null, {arguments.long} s: " + describe(frame_counts(arguments.reel, [
        "render", document, "--null"], work)))
    print(f"frame by frame, to an MP4, {arguments.long} s: " + describe(frame_counts(arguments.reel, [
        "render", document, "-o", os.path.join(work, "out.mp4")], work)))


if __name__ == "__main__":
    sys.exit(main())
