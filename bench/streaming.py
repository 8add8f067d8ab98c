#!/usr/bin/env python3
"""Streaming I/O (issue 18): what a large upload and a large download cost the server's memory.

    python3 bench/streaming.py [--reel .build/release/reel] [--work /tmp/reel-stream]
                               [--upload-gib 1] [--download-gib 2] [--json results.json]

Starts `reel serve` on a fresh data folder, then, with curl as the client:

* uploads a `--upload-gib` file (`POST /api/v1/upload`, multipart, streamed by curl from disk);
* uploads a `--download-gib` file the same way, then downloads it whole through its link
  (`GET /uploads/<id>/<name>`) to /dev/null, and one 1 MiB range near its end.

It reads the server's resident memory from /proc before and after each step (VmRSS, and VmHWM, the
peak so far) and reports the growth and the throughput. The files are sparse-free, written once
(bytes 0..255 repeated after an MP4 `ftyp` box, so they are typed video/mp4); --work holds them.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time


def status(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line.split(":")[0]] = int(line.split()[1])
    return values


def make_file(path, gib):
    size = gib << 30
    if os.path.exists(path) and os.path.getsize(path) == size + 32:
        return
    block = bytes(range(256)) * 4096
    with open(path, "wb") as f:
        f.write(b"\x00\x00\x00\x20ftypisom" + bytes(20))
        for _ in range(size // len(block)):
            f.write(block)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reel", default=".build/release/reel")
    parser.add_argument("--work", default="/tmp/reel-stream")
    parser.add_argument("--upload-gib", type=int, default=1)
    parser.add_argument("--download-gib", type=int, default=2)
    parser.add_argument("--json")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    data = os.path.join(args.work, "data")
    subprocess.run(["rm", "-rf", data], check=True)
    up, down = os.path.join(args.work, "up.mp4"), os.path.join(args.work, "down.mp4")
    make_file(up, args.upload_gib)
    make_file(down, args.download_gib)
    subprocess.run([args.reel, "accounts", "create", "bench", "--data", data], check=True, capture_output=True)
    key = subprocess.run([args.reel, "keys", "create", "--account", "bench", "--data", data], check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([args.reel, "serve", "--data", data, "--port", str(port), "--max-upload-mb", "8192",
                               "--rate-limit", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if subprocess.run(["curl", "-sf", base + "/readyz"], capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        results = {"start": status(server.pid)}

        def upload(path):
            start = time.monotonic()
            reply = subprocess.run(["curl", "-sf", "-H", f"Authorization: Bearer {key}", "-F", f"file=@{path}",
                                    base + "/api/v1/upload"], check=True, capture_output=True, text=True).stdout
            seconds = time.monotonic() - start
            asset = json.loads(reply)["assets"][0]
            assert asset["size"] == os.path.getsize(path), asset
            return asset, seconds

        asset, seconds = upload(up)
        results["upload"] = {"bytes": asset["size"], "seconds": round(seconds, 2),
                             "MiB_per_s": round(asset["size"] / seconds / (1 << 20)), **status(server.pid)}
        asset, _ = upload(down)
        before = status(server.pid)
        start = time.monotonic()
        written = subprocess.run(["curl", "-sf", "-o", "/dev/null", "-w", "%{size_download}", asset["url"]],
                                 check=True, capture_output=True, text=True).stdout
        seconds = time.monotonic() - start
        assert int(written) == asset["size"], (written, asset["size"])
        ranged = subprocess.run(["curl", "-sf", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                                 "-r", f"{asset['size'] - (1 << 20)}-", asset["url"]], check=True,
                                capture_output=True, text=True).stdout
        assert ranged == f"206 {1 << 20}", ranged
        results["download"] = {"bytes": asset["size"], "seconds": round(seconds, 2),
                               "MiB_per_s": round(asset["size"] / seconds / (1 << 20)), "before": before, **status(server.pid)}
        start_rss = results["start"]["VmRSS"]
        print(f"server at start: {start_rss / 1024:.1f} MiB resident")
        for step in ("upload", "download"):
            r = results[step]
            print(f"{step}: {r['bytes'] / (1 << 30):.1f} GiB in {r['seconds']} s ({r['MiB_per_s']} MiB/s); "
                  f"resident {r['VmRSS'] / 1024:.1f} MiB after, peak {r['VmHWM'] / 1024:.1f} MiB "
                  f"(+{(r['VmHWM'] - start_rss) / 1024:.1f} MiB over the start)")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=2)
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
