"""Compares two reel binaries on `reel render --null DOC`: CPU seconds (user + system) of each
run, interleaved, median and minimum. Used to check that a change costs nothing on compositions
it should not touch.

    python3 bench/ab_null.py BEFORE_REEL AFTER_REEL DOC [RUNS]
"""
import resource
import statistics
import subprocess
import sys


def main():
    before, after, doc = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    times = {"before": [], "after": []}
    for _ in range(runs):
        for name, binary in (("before", before), ("after", after)):
            start = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([binary, "render", "--null", doc], capture_output=True, check=True)
            end = resource.getrusage(resource.RUSAGE_CHILDREN)
            times[name].append(end.ru_utime - start.ru_utime + end.ru_stime - start.ru_stime)
    for name, values in times.items():
        print(f"{doc} {name}: median {statistics.median(values):.3f} CPU s, min {min(values):.3f}")


if __name__ == "__main__":
    main()
