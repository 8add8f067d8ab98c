"""Operating a real `reel serve`: metrics after a render, JSON logs that tie a job to its request
and hold no secret, SIGTERM (renders finish within the grace period, or go back in the queue; the
outbox is delivered; exit 0), uploads and downloads streamed with the server's memory flat, and
progress as server-sent events."""
import json
import os
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import Server, reel
from test_hardening import call, wait_until_rendering


def config(seconds, width=320, height=180):
    return {"meta": {"width": width, "height": height, "fps": 30}, "tracks": [{"clips": [
        {"type": "text", "text": "operations", "start": 0, "duration": seconds, "style": {"fontSize": 40},
         "animations": [{"type": "rotate", "duration": 2, "loop": True}]},
        {"type": "rect", "start": 0, "duration": seconds, "transform": {"width": 200, "height": 100},
         "style": {"shadowColor": "#000", "shadowBlur": 20}}]}]}


def make_server(tmp_path, *extra, credits=500):
    data = str(tmp_path / "data")
    reel("accounts", "create", "acme", "--credits", str(credits), "--data", data)
    server = Server(data, *extra)
    server.key = reel("keys", "create", "--account", "acme", "--data", data).strip().splitlines()[-1]
    server.start()
    return server


def start_render(server, document, request_id=None, webhook=None):
    status, reply = call(server, "POST", "/api/v1/video", {"config": document}, server.key)
    assert status == 200, reply
    task = reply["taskId"]
    request = urllib.request.Request(server.base_url + f"/api/v1/video/{task}/render",
                                     data=json.dumps({"webhook_url": webhook} if webhook else {}).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", "Bearer " + server.key)
    if request_id:
        request.add_header("X-Request-Id", request_id)
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert response.headers["X-Request-Id"] == (request_id or response.headers["X-Request-Id"])
    return task


def wait_for(server, task, states=("completed", "failed")):
    deadline = time.time() + 120
    while True:
        status, reply = call(server, "GET", f"/api/v1/video/{task}", key=server.key)
        if reply.get("status") in states:
            return reply
        assert time.time() < deadline, reply
        time.sleep(0.1)


def metrics(server):
    with urllib.request.urlopen(server.base_url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field)


def test_metrics_and_logs_after_a_render(tmp_path):
    server = make_server(tmp_path)
    try:
        task = start_render(server, config(1), request_id="e2e-render-request")
        assert wait_for(server, task)["status"] == "completed"
        _, detail = call(server, "GET", f"/api/v1/video/{task}", key=server.key)
        video = detail["videoUrl"]
        assert "sig=" in video
        with urllib.request.urlopen(video, timeout=30) as response:
            assert response.read(4)
        assert call(server, "GET", "/api/v1/video/nosuchtask", key=server.key)[0] == 404
        values = metrics(server)
        assert values['reel_renders_total{outcome="completed"}'] == 1
        assert values['reel_jobs{state="completed"}'] == 1
        assert values['reel_http_requests_total{method="POST",route="/api/v1/video/{taskId}/render",status="200"}'] == 1
        assert values['reel_http_requests_total{method="GET",route="/api/v1/video/{taskId}",status="404"}'] == 1
        assert values['reel_http_requests_total{method="GET",route="/videos/{file}",status="200"}'] == 1
        assert values["reel_render_frames_total"] == 30
        assert values["reel_credits_reserved"] == values["reel_credits_settled"] == 1 and values["reel_credits_refunded"] == 0
        assert values["reel_queue_depth"] == 0 and values["reel_workers"] == 1
        assert values['reel_worker_last_seen_seconds{worker="0"}'] < 5
    finally:
        server.stop()
    lines = [json.loads(line) for line in open(server.log_path) if line.startswith("{")]
    job_lines = [line for line in lines if line.get("job") and line["message"].startswith("render ")]
    assert {line["message"] for line in job_lines} >= {"render started", "render completed"}
    # The job's lines carry the id of the request that started it.
    assert all(line["request_id"] == "e2e-render-request" for line in job_lines), job_lines
    requests = [line for line in lines if line["message"] == "request"]
    assert any(line["route"] == "/videos/{file}" and "sig=[redacted]" in line["path"] for line in requests)
    text = open(server.log_path).read()
    assert server.key not in text and video.split("sig=")[1] not in text


def test_a_failed_webhook_is_logged_with_its_job_and_request_not_its_url(tmp_path):
    server = make_server(tmp_path, "--webhook-retry-delay", "600")
    secret = "whsec-" + uuid.uuid4().hex
    try:
        # Nothing listens on port 9: the delivery fails.
        task = start_render(server, config(1), request_id="e2e-hook-request",
                            webhook=f"http://hookuser:{secret}@127.0.0.1:9/hooks/{secret}?token={secret}")
        assert wait_for(server, task)["status"] == "completed"
        deadline = time.time() + 60
        while True:
            lines = [json.loads(line) for line in open(server.log_path) if line.startswith("{")]
            failures = [line for line in lines if line["message"] == "webhook delivery failed"]
            if failures:
                break
            assert time.time() < deadline, "no webhook attempt was logged"
            time.sleep(0.1)
        assert failures[0]["host"] == "127.0.0.1" and failures[0]["request_id"] == "e2e-hook-request", failures
        assert failures[0]["job"].startswith("rt_") and failures[0]["attempt"] == "1"
        assert metrics(server)['reel_webhook_deliveries_total{outcome="failed"}'] == 1
    finally:
        server.stop()
    assert secret not in open(server.log_path).read()


class Receiver:
    """A webhook receiver on loopback that records what it is sent."""

    def __init__(self):
        self.deliveries = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.deliveries.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?token=whsec-{uuid.uuid4().hex}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def test_sigterm_lets_a_running_render_finish_and_delivers_its_webhook(tmp_path):
    receiver = Receiver()
    server = make_server(tmp_path, "--shutdown-grace", "120")
    try:
        task = start_render(server, config(20, 1280, 720), webhook=receiver.url)
        wait_until_rendering(server, task)
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=150) == 0
        # The render finished during the grace period, and its webhook went out before the exit.
        assert [(delivery["taskId"], delivery["status"]) for delivery in receiver.deliveries] == [(task, "completed")], receiver.deliveries
        with sqlite3.connect(os.path.join(server.data, "reel.sqlite")) as database:
            assert database.execute("SELECT status FROM jobs").fetchall() == [("completed",)]
            assert database.execute("SELECT status FROM webhooks").fetchall() == [("delivered",)]
        log = [json.loads(line) for line in open(server.log_path) if line.startswith("{")]
        messages = [line["message"] for line in log]
        assert messages.index("render completed") > next(i for i, m in enumerate(messages) if m.startswith("shutting down"))
    finally:
        receiver.close()
        server.stop()


def test_sigterm_puts_a_render_that_outlasts_the_grace_period_back_in_the_queue(tmp_path):
    server = make_server(tmp_path, "--shutdown-grace", "0")
    task = start_render(server, config(120, 1920, 1080))
    wait_until_rendering(server, task)
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0
    assert time.monotonic() - started < 20
    with sqlite3.connect(os.path.join(server.data, "reel.sqlite")) as database:
        # Back in the queue, and the interrupted attempt does not count against the job.
        assert database.execute("SELECT status, attempts, progress FROM jobs").fetchall() == [("queued", 0, 0.0)]
        assert database.execute("SELECT kind FROM credit_ledger WHERE kind != 'grant'").fetchall() == [("reserve",)]
    # The next start takes it up again.
    server.start()
    try:
        wait_until_rendering(server, task)
        assert call(server, "GET", "/readyz")[0] == 200
    finally:
        server.stop()


def test_uploads_and_downloads_stream_with_the_server_memory_flat(tmp_path):
    server = make_server(tmp_path, "--max-upload-mb", "1024")
    try:
        size = 256 << 20
        path = tmp_path / "big.mp4"
        with open(path, "wb") as f:
            f.write(b"\x00\x00\x00\x20ftypisom" + bytes(20))
            block = bytes(range(256)) * 4096
            for _ in range(size // len(block)):
                f.write(block)
        total = os.path.getsize(path)
        pid = server.process.pid
        before = rss_kib(pid)
        boundary = "reel-e2e-" + uuid.uuid4().hex

        def body():
            yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp4\"\r\n"
                   "Content-Type: video/mp4\r\n\r\n").encode()
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    yield chunk
            yield f"\r\n--{boundary}--\r\n".encode()

        length = sum(len(piece) for piece in body())
        request = urllib.request.Request(server.base_url + "/api/v1/upload", data=body(), method="POST")
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        request.add_header("Content-Length", str(length))
        request.add_header("Authorization", "Bearer " + server.key)
        with urllib.request.urlopen(request, timeout=300) as response:
            asset = json.load(response)["assets"][0]
        assert asset["size"] == total and asset["type"] == "video"
        after_upload = rss_kib(pid, "VmHWM")
        # Read back whole, and a range, streamed from disk.
        received = 0
        with urllib.request.urlopen(asset["url"], timeout=300) as response:
            assert int(response.headers["Content-Length"]) == total
            while chunk := response.read(1 << 20):
                received += len(chunk)
        assert received == total
        ranged = urllib.request.Request(asset["url"], headers={"Range": f"bytes={total - 1000}-"})
        with urllib.request.urlopen(ranged, timeout=30) as response:
            assert response.status == 206 and len(response.read()) == 1000
        after_download = rss_kib(pid, "VmHWM")
        # Reading either whole into memory would add 256 MiB; streaming adds a few buffers.
        assert after_upload - before < 48 << 10, (before, after_upload)
        assert after_download - before < 48 << 10, (before, after_download)
        # Nothing is left in the spool folder.
        assert os.listdir(os.path.join(server.data, "incoming")) == []
    finally:
        server.stop()


def post_multipart(server, path, key, parts, header="Authorization"):
    """POSTs (name, filename or None, bytes) parts; returns the status."""
    boundary = "reel-e2e-" + uuid.uuid4().hex
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(server.base_url + path, data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header(header, key if header != "Authorization" else "Bearer " + key)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_no_upload_is_left_in_the_spool_whatever_the_answer(tmp_path):
    server = make_server(tmp_path, "--max-upload-mb", "1")
    avs = reel("keys", "create", "--account", "acme", "--api", "avs", "--data", server.data).strip().splitlines()[-1]
    fvs = reel("keys", "create", "--account", "acme", "--api", "fvs", "--data", server.data).strip().splitlines()[-1]
    try:
        answers = [
            post_multipart(server, "/api/v1/upload", server.key, [("file", "x.bin", b"not a picture")]),
            post_multipart(server, "/api/v1/upload", server.key, [("file", "big.bin", b"\x89PNG" + bytes(2 << 20))]),
            # The JSON part sent as a file, and a part nobody reads.
            post_multipart(server, "/api/v1/videos/from-json", avs, [("request", "req.json", b'{"template": 1}'), ("other", "o.bin", b"x" * 5000)]),
            post_multipart(server, "/api/v1/videos/from-json", avs, [("request", None, b'{"template": 1}'), ("files", "f.bin", b"x" * 5000)]),
            post_multipart(server, "/api/agent/renders", fvs, [("request_json", "r.json", b"{}"), ("junk", "j.bin", b"x" * 5000)],
                           header="X-FVS-Agent-Key"),
        ]
        assert all(400 <= status < 500 for status in answers), answers
        assert answers[1] == 413
        assert os.listdir(os.path.join(server.data, "incoming")) == []
        assert call(server, "GET", "/readyz")[0] == 200
    finally:
        server.stop()


def test_progress_arrives_as_server_sent_events(tmp_path):
    server = make_server(tmp_path)
    try:
        task = start_render(server, config(20, 1280, 720))
        request = urllib.request.Request(server.base_url + f"/api/v1/video/{task}/events")
        request.add_header("Authorization", "Bearer " + server.key)
        events = []
        with urllib.request.urlopen(request, timeout=120) as response:
            assert response.headers["Content-Type"] == "text/event-stream"
            name = None
            for raw in response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    events.append((name, json.loads(line[6:])))
        names = [name for name, _ in events]
        assert names[-1] == "completed" and events[-1][1]["percent"] == 100
        rendering = [data for name, data in events if name == "running" and data["phase"] == "rendering" and "fps" in data]
        assert rendering, events
        assert all(0 <= data["percent"] <= 100 and data["fps"] > 0 and data["eta"] >= 0 for data in rendering)
        percents = [data["percent"] for _, data in events]
        assert percents == sorted(percents)
        # Another account's key, or no key, sees nothing.
        assert call(server, "GET", f"/api/v1/video/{task}/events")[0] == 401
        assert call(server, "GET", "/api/v1/video/nosuchtask/events", key=server.key)[0] == 404
    finally:
        server.stop()


def test_reel_render_reports_progress_as_json_lines(tmp_path):
    document = tmp_path / "doc.json"
    document.write_text(json.dumps(config(2)))
    output = tmp_path / "out.mp4"
    lines = [json.loads(line) for line in reel("render", str(document), "-o", str(output), "--progress", "json").splitlines()]
    assert lines[-1]["event"] == "done" and lines[-1]["output"] == str(output) and lines[-1]["frames"] == 60
    progress = [line for line in lines if line["event"] == "progress"]
    assert progress and progress[-1]["frame"] == progress[-1]["frames"] == 60 and progress[-1]["percent"] == 100
    assert all({"fps", "eta", "elapsed"} <= line.keys() for line in progress[1:])
