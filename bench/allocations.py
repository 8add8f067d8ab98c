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


if __name__ == "__main__":
    sys.exit(main())
