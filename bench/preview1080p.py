#!/usr/bin/env python3
"""The preview-1080p benchmark (issue 13): preview frames of a 1080p composition, timed over HTTP.

    python3 bench/preview1080p.py [--reel .build/release/reel] [--work /tmp/reel-preview] [--frames 50]
                                  [--seed 1] [--seconds 20] [--json results.json]

The composition is mg-1080p's (`bench/mg1080p.py`, imported: 1920×1080, 30 fps, `--seconds` long,
drawn layers, four PNGs and a WAV), written with its media to `WORK/mg-1080p.json` and checked with
`reel validate`. Then, in a temporary data folder (deleted at the end):

* `reel accounts create bench` and `reel keys create --account bench` (the key: stdout's last line);
* `reel serve` on a free loopback port with `--rate-limit 0 --preview-rate-limit 0`, so that no
  limiter refuses a frame, waiting for `GET /healthz`;
* every local file the document names as `src` is uploaded in one multipart `POST /api/v1/upload`
  (fields named `files`; the server refuses local paths), each `src` replaced by its upload's `url`;
* `POST /api/v1/preview` with the document as the body gives the preview's `tempId`.

Timed, each with `time.perf_counter` around the whole `GET /preview/ID/frame.png?t=T` (request sent,
status and headers read, the whole body read), sequentially on one keep-alive connection
(`http.client.HTTPConnection`, opened before the first request and not timed; the table says how
many connections were opened in all, 1 when the server kept the connection alive):

* the first request: t = 0, the frame the preview page asks for first. The server builds the preview's
  renderer on a composition's first frame, so this includes reading and lowering the document,
  decoding the images and loading the fonts, besides drawing and PNG-encoding the frame;
* `--frames` warm requests at times drawn by `random.Random(seed)`, uniform over the composition's
  length, rounded to the 30 fps frame grid (a frame index from 0 to the last frame; repeats may occur:
  the server keeps no frame cache, so a repeat is drawn again).

Every response must be 200 with a PNG signature and an IHDR of 1920×1080, or the benchmark stops.
It prints the first request, the warm median, p95 (nearest rank: the ⌈0.95·n⌉-th
smallest), min and max in milliseconds, the slowest warm frames, the server's peak RSS (`VmHWM` of
`/proc/PID/status`, read after the startup and at the end) and issue 13's targets as met or not:
the first request ≤ 250 ms, the warm median and p95 ≤ 100 ms (for a release build). `--json FILE`
also writes every measurement. The load average is printed too: the numbers are only meaningful
on an otherwise idle machine.
"""
import argparse
import http.client
import json
import math
import os
import random
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mg1080p  # noqa: E402

FPS = mg1080p.FPS
FIRST_TARGET_MS, WARM_TARGET_MS = 250, 100


class Connection(http.client.HTTPConnection):
    """An HTTP connection that counts how often it (re)connects."""
    connects = 0

    def connect(self):
        Connection.connects += 1
        super().connect()


def cli(reel, *arguments):
    result = subprocess.run([reel, *arguments], stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"reel {' '.join(arguments)} exited with {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory(pid):
    """VmHWM and VmRSS of a process in MB, from /proc (None where unreadable)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return {name: int(fields[name].split()[0]) / 1024 for name in ("VmHWM", "VmRSS")}
    except (OSError, KeyError, ValueError):
        return None


def request(base, method, path, body=None, headers=None):
    """A JSON API call; exits with the server's answer on an error status."""
    req = urllib.request.Request(base + path, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        sys.exit(f"{method} {path}: {error.code} {error.read().decode(errors='replace')[:2000]}")


def upload_media(base, key, doc):
    """Uploads every local file the document's clips name as `src` and points them at the uploads."""
    clips = [clip for track in doc["tracks"] for clip in track["clips"]]
    paths = sorted({clip["src"] for clip in clips if os.path.isabs(clip.get("src", ""))})
    boundary = uuid.uuid4().hex
    body = bytearray()
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{os.path.basename(path)}\"\r\n"
                 f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    answer = request(base, "POST", "/api/v1/upload", bytes(body),
                     {"Authorization": f"Bearer {key}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    if answer.get("count") != len(paths):
        sys.exit(f"uploaded {answer.get('count')} files, not {len(paths)}: {answer}")
    urls = {path: asset["url"] for path, asset in zip(paths, answer["assets"])}
    for clip in clips:
        if clip.get("src") in urls:
            clip["src"] = urls[clip["src"]]
    return {os.path.basename(path): os.path.getsize(path) for path in paths}


def png_size(data):
    """(width, height) of a PNG's IHDR, or None when `data` is not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def get_frame(connection, temp_id, t, size):
    """Times one frame request (sent, answered, body read); checks it is a PNG of `size`."""
    path = f"/preview/{temp_id}/frame.png?t={t:.4f}"
    start = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status} {data[:500].decode(errors='replace')}")
    if png_size(data) != size:
        raise RuntimeError(f"GET {path}: not a {size[0]}×{size[1]} PNG (IHDR: {png_size(data)})")
    return {"t": t, "ms": elapsed, "bytes": len(data)}


def nearest_rank(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reel", default=".build/release/reel", help="the reel binary (default: %(default)s)")
    parser.add_argument("--work", default="/tmp/reel-preview", help="where the media and the document go (default: %(default)s)")
    parser.add_argument("--frames", type=int, default=50, help="warm frames to time (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the warm frames' times (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=20, help="length of the composition (default: %(default)s)")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--perf", help="record the server's first request with `perf record -g` into this file")
    arguments = parser.parse_args()
    if not 1 <= arguments.seconds <= 3600:
        parser.error("--seconds must be 1 to 3600")
    if not 1 <= arguments.frames <= 10000:
        parser.error("--frames must be 1 to 10000")
    reel, seconds = arguments.reel, arguments.seconds
    if not os.access(reel, os.X_OK):
        sys.exit(f"{reel}: not an executable (build it: swift build -c release --product reel)")

    doc_path, info = mg1080p.prepare(arguments.work, seconds, 1.0)
    mg1080p.validate(reel, doc_path)
    with open(doc_path) as f:
        doc = json.load(f)
    size = (info["width"], info["height"])
    print(f"preview-1080p: mg-1080p {seconds:g} s, {size[0]}×{size[1]}, {FPS} fps, {info['frames']} frames, "
          f"{info['clips']} clips; {arguments.frames} warm frames, seed {arguments.seed}; {doc_path}")

    data = tempfile.mkdtemp(prefix="reel-preview-data-")
    server, log_path, startup_memory, end_memory = None, os.path.join(data, "server.log"), None, None
    try:
        cli(reel, "accounts", "create", "bench", "--credits", "10", "--data", data)
        key = cli(reel, "keys", "create", "--account", "bench", "--data", data).strip().splitlines()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(log_path, "ab") as log:
            server = subprocess.Popen([reel, "serve", "--port", str(port), "--data", data, "--allow-private-network",
                                       "--rate-limit", "0", "--preview-rate-limit", "0"],
                                      stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        for _ in range(300):
            if server.poll() is not None:
                sys.exit(f"reel serve exited with {server.returncode}:\n{mg1080p.tail(log_path)}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                    if json.load(response).get("status") == "ok":
                        break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("reel serve did not answer /healthz within about 15 s")
        startup_memory = memory(server.pid)

        uploads = upload_media(base, key, doc)
        preview = request(base, "POST", "/api/v1/preview", json.dumps(doc).encode(),
                          {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        temp_id = preview["tempId"]

        rng = random.Random(arguments.seed)
        last = info["frames"] - 1
        times = [min(last, round(rng.uniform(0, seconds) * FPS)) / FPS for _ in range(arguments.frames)]
        load_before = os.getloadavg()
        connection = Connection("127.0.0.1", port, timeout=120)
        connection.connect()
        try:
            recorder = None
            if arguments.perf:
                recorder = subprocess.Popen(["perf", "record", "-q", "-g", "-p", str(server.pid), "-o", arguments.perf],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(0.5)  # perf attaches to every thread before the request is sent
            first = get_frame(connection, temp_id, 0.0, size)
            if recorder:
                recorder.send_signal(2)
                recorder.wait()
            warm = [get_frame(connection, temp_id, t, size) for t in times]
        except RuntimeError as error:
            sys.exit(f"{error}\n{mg1080p.tail(log_path)}")
        finally:
            connection.close()
        load_after = os.getloadavg()
        end_memory = memory(server.pid)
    finally:
        if server and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(data, ignore_errors=True)

    warm_ms = [frame["ms"] for frame in warm]
    stats = {"first_ms": first["ms"], "median_ms": statistics.median(warm_ms), "p95_ms": nearest_rank(warm_ms, 0.95),
             "min_ms": min(warm_ms), "max_ms": max(warm_ms), "mean_ms": statistics.fmean(warm_ms)}
    keep_alive = Connection.connects == 1
    print(f"uploaded {len(uploads)} files ({sum(uploads.values()) / 1e6:.1f} MB); preview {temp_id}; "
          f"{1 + len(warm)} requests on {Connection.connects} connection{'s' if Connection.connects != 1 else ''} "
          f"({'kept alive' if keep_alive else 'NOT kept alive'}); PNGs of {statistics.fmean(f['bytes'] for f in warm) / 1e6:.2f} MB "
          f"on average; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after ({os.cpu_count()} CPUs)")
    print(f"{'request':<22}{'ms':>9}")
    print(f"{'first (t = 0)':<22}{stats['first_ms']:>9.1f}")
    for name in ("median", "p95", "min", "max", "mean"):
        print(f"{'warm ' + name:<22}{stats[name + '_ms']:>9.1f}")
    slowest = sorted(warm, key=lambda frame: frame["ms"], reverse=True)[:5]
    print("slowest warm frames: " + ", ".join(f"t={frame['t']:.3f} s {frame['ms']:.1f} ms" for frame in slowest))
    if startup_memory and end_memory:
        print(f"server peak RSS (VmHWM): {startup_memory['VmHWM']:.0f} MB after startup, {end_memory['VmHWM']:.0f} MB at the end "
              f"(RSS now {end_memory['VmRSS']:.0f} MB)")

    checks = {f"first request ≤ {FIRST_TARGET_MS} ms": stats["first_ms"] <= FIRST_TARGET_MS,
              f"warm median ≤ {WARM_TARGET_MS} ms": stats["median_ms"] <= WARM_TARGET_MS,
              f"warm p95 ≤ {WARM_TARGET_MS} ms": stats["p95_ms"] <= WARM_TARGET_MS}
    for name, passed in checks.items():
        print(f"  {'met    ' if passed else 'NOT MET'}  {name}")

    if arguments.json:
        with open(arguments.json, "w") as f:
            json.dump({"benchmark": "preview-1080p", "seconds": seconds, "reel": reel, "seed": arguments.seed,
                       "composition": info, "uploads": uploads, "connections": Connection.connects,
                       "keep_alive": keep_alive, "load_average": {"before": load_before, "after": load_after},
                       "server_memory_mb": {"startup": startup_memory, "end": end_memory},
                       "results": stats, "first": first, "warm": warm, "checks": checks}, f, indent=2, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
