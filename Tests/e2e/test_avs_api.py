"""The AVS public API of a real `reel serve`, driven over raw HTTP as an integrator would:
multipart uploads, polling, signed webhooks (and their retries), downloads, errors, token rotation."""
import datetime
import hashlib
import hmac
import http.server
import json
import math
import os
import sqlite3
import struct
import threading
import time
import urllib.error
import urllib.request
import uuid
import wave

import pytest

from conftest import Server, reel

PHASES = ["queued", "preparing_assets", "generating", "rendering", "completed"]
TERMINAL = ("completed", "failed")


# MARK: media made here


def write_clip_document(path, seconds=2):
    document = {"meta": {"width": 160, "height": 90, "fps": 25}, "tracks": [{"clips": [
        {"type": "rect", "start": 0, "duration": seconds, "transform": {"width": 160, "height": 90},
         "style": {"fill": "#2266cc"}}]}]}
    with open(path, "w") as f:
        json.dump(document, f)


def write_tone(path, seconds=3.0, rate=48000, frequency=440.0):
    frames = bytearray()
    for i in range(int(seconds * rate)):
        sample = int(0.3 * 32767 * math.sin(2 * math.pi * frequency * i / rate))
        frames += struct.pack("<hh", sample, sample)
    with wave.open(path, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    document = str(folder / "doc.json")
    write_clip_document(document)
    clip, still, tone = str(folder / "clip.mp4"), str(folder / "still.png"), str(folder / "tone.wav")
    reel("render", document, "-o", clip)
    reel("frame", document, "--at", "0", "-o", still)
    write_tone(tone)
    files = {}
    for name, path in (("clip.mp4", clip), ("still.png", still), ("tone.wav", tone)):
        with open(path, "rb") as f:
            files[name] = f.read()
        assert len(files[name]) > 100, name
    return files


def probe(path):
    return json.loads(reel("probe", path, "--json"))


# MARK: the server and its tokens


@pytest.fixture
def avs(tmp_path):
    data = str(tmp_path / "data")
    reel("accounts", "create", "acme", "--credits", "200", "--data", data)
    server = Server(data, "--webhook-retry-delay", "0.3")
    server.token = reel("keys", "create", "--account", "acme", "--api", "avs", "--data", data).strip().splitlines()[-1]
    assert server.token.startswith("avs.") and server.token.count(".") == 2, server.token
    server.start()
    yield server
    server.stop()


# MARK: HTTP as an integrator writes it


def call(server, method, path, body=None, token=None, headers=None):
    """Returns (status, parsed JSON or None, raw bytes, response headers)."""
    if isinstance(body, dict):
        body, content_type = json.dumps(body).encode(), "application/json"
    elif isinstance(body, tuple):
        body, content_type = body
    else:
        content_type = None
    request = urllib.request.Request(server.base_url + path, data=body, method=method)
    if content_type:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw, status, reply_headers = response.read(), response.status, response.headers
    except urllib.error.HTTPError as error:
        raw, status, reply_headers = error.read(), error.code, error.headers
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, parsed, raw, reply_headers


def multipart(request_json, files):
    """A multipart/form-data body: a `request` part holding the JSON, and one `files` part a file."""
    boundary = "reel-e2e-" + uuid.uuid4().hex
    out = bytearray()
    out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"request\"\r\n"
            "Content-Type: application/json\r\n\r\n").encode()
    out += json.dumps(request_json).encode() + b"\r\n"
    types = {".mp4": "video/mp4", ".png": "image/png", ".wav": "audio/wav"}
    for name, content in files.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                f"Content-Type: {types.get(os.path.splitext(name)[1], 'application/octet-stream')}\r\n\r\n").encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def wait_for_job(server, job_id, token, timeout=60):
    """Polls the job until it ends; returns the final job and every phase seen, in order."""
    phases, deadline = [], time.time() + timeout
    while True:
        status, job, raw, headers = call(server, "GET", f"/api/v1/jobs/{job_id}", token=token)
        if status == 429:  # an integrator honours Retry-After
            time.sleep(min(float(headers.get("Retry-After") or 1), 2))
            continue
        assert status == 200, (status, raw)
        if not phases or phases[-1] != job["phase"]:
            phases.append(job["phase"])
        if job["status"] in TERMINAL:
            return job, phases
        assert time.time() < deadline, f"job {job_id} still {job['status']}/{job['phase']} after {timeout} s"
        # Back to back until the job renders: a prompt job plans in a few tens of milliseconds,
        # and every phase should be seen; a poll every 20 ms after that.
        if job["phase"] not in ("queued", "preparing_assets", "generating"):
            time.sleep(0.02)


def assert_forward_only(phases):
    """Each phase seen is later in PHASES than the one before (repeats of the same phase aside)."""
    phases = [phase for i, phase in enumerate(phases) if i == 0 or phases[i - 1] != phase]
    order = [PHASES.index(phase) if phase in PHASES else -1 for phase in phases]
    assert -1 not in order, phases
    assert order == sorted(order) and len(set(order)) == len(order), f"phases went backwards: {phases}"


def download(url, headers=None):
    request = urllib.request.Request(url)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.read(), response.headers


# MARK: a webhook receiver


class Receiver:
    """An HTTP server on a free loopback port that records every delivery and answers each with
    the next status of `answers` (then 200)."""

    def __init__(self, secret, answers=()):
        self.secret = secret.encode()
        self.answers = list(answers)
        self.deliveries = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.deliveries.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                                "body": raw, "at": time.time(), "answered": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *arguments):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/avs"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exception):
        self.httpd.shutdown()
        self.httpd.server_close()

    def verifies(self, delivery):
        signature = delivery["headers"].get("x-avs-signature", "")
        expected = "sha256=" + hmac.new(self.secret, delivery["body"], hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature, expected)

    def wait_for(self, count, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.deliveries) >= count:
                    return list(self.deliveries)
            time.sleep(0.05)
        with self.lock:
            raise AssertionError(f"{len(self.deliveries)} webhook deliveries after {timeout} s, expected {count}")

    def settled(self, data, timeout=20):
        """The deliveries once the server's outbox has finished with its one delivery (delivered or
        given up: no attempt comes after that), with the outbox row's status and attempts."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with sqlite3.connect(f"file:{os.path.join(data, 'reel.sqlite')}?mode=ro", uri=True) as database:
                rows = database.execute("SELECT status, attempts FROM webhooks").fetchall()
            if rows and all(status != "pending" for status, _ in rows):
                with self.lock:
                    return list(self.deliveries), rows
            time.sleep(0.05)
        raise AssertionError(f"the outbox still has pending deliveries after {timeout} s")


# MARK: tests


def test_multipart_json_job_renders_downloads_and_sends_one_signed_webhook(avs, media, tmp_path):
    secret = "whsec-" + uuid.uuid4().hex
    with Receiver(secret) as receiver:
        request = {
            "template": {"version": "1", "name": "e2e mixed media", "blocks": [
                {"type": "video", "start": 0, "duration": 1.5, "source": {"uploadName": "clip.mp4"}},
                {"type": "image", "start": 1.5, "duration": 1.0, "source": {"uploadName": "still.png"}},
                {"type": "text", "start": 0, "duration": 2.5, "text": "Hello from the e2e test"},
                {"type": "audio", "start": 0, "duration": 2.5, "source": {"uploadName": "tone.wav"}},
            ]},
            "output": {"aspectRatio": "16:9", "quality": "draft"},
            "webhook": {"url": receiver.url, "secret": secret},
        }
        status, job, raw, _ = call(avs, "POST", "/api/v1/videos/from-json", multipart(request, media), avs.token)
        assert status == 202, raw
        assert job["jobId"].startswith("job_") and job["mode"] == "json", job
        assert job["credits"] == 13, job  # video 5 + image 0 + audio 3 + render 5
        assert job["status"] in ("queued", "running") and job["error"] is None and job["result"] is None, job
        assert job["template"]["blocks"][0]["source"] == {"uploadName": "clip.mp4"}, job
        assert job["output"] == {"aspectRatio": "16:9", "quality": "draft"}, job

        final, phases = wait_for_job(avs, job["jobId"], avs.token)
        assert final["status"] == "completed" and final["phase"] == "completed", final
        assert_forward_only([job["phase"]] + phases)
        assert final["credits"] == 13 and final["error"] is None, final
        result = final["result"]
        assert (result["width"], result["height"]) == (852, 480), result
        assert abs(result["durationSeconds"] - 2.5) <= 0.1, result

        expires = datetime.datetime.fromisoformat(result["expiresAt"].replace("Z", "+00:00"))
        ahead = (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        assert abs(ahead - 7 * 86400) < 600, result["expiresAt"]

        status, video, headers = download(result["downloadUrl"])  # no Authorization: the link is signed
        assert status == 200 and video[4:8] == b"ftyp", (status, video[:16])
        path = tmp_path / "mixed.mp4"
        path.write_bytes(video)
        info = probe(str(path))
        videos = [s for s in info["streams"] if s["kind"] == "video"]
        audios = [s for s in info["streams"] if s["kind"] == "audio"]
        assert len(videos) == 1 and videos[0]["codecName"] == "h264", info
        assert (videos[0]["width"], videos[0]["height"]) == (852, 480), info
        assert len(audios) == 1, info
        assert abs(info["duration"] - 2.5) <= 0.1, info

        status, part, headers = download(result["downloadUrl"], {"Range": "bytes=0-99"})
        assert status == 206 and len(part) == 100 and part == video[:100], (status, len(part))
        assert headers.get("Content-Range", "").startswith("bytes 0-99/"), dict(headers)

        receiver.wait_for(1)
        deliveries, outbox = receiver.settled(avs.data)
    assert outbox == [("delivered", 1)], outbox
    assert len(deliveries) == 1, [d["headers"] for d in deliveries]
    delivery = deliveries[0]
    assert receiver.verifies(delivery), delivery["headers"]
    assert delivery["headers"]["x-avs-event"] == "job.completed", delivery["headers"]
    assert abs(int(delivery["headers"]["x-avs-timestamp"]) - time.time()) < 120, delivery["headers"]
    body = json.loads(delivery["body"])
    assert body["jobId"] == job["jobId"] and body["status"] == "completed", body
    assert body["result"]["width"] == 852 and body["credits"] == 13, body


def test_webhook_answered_500_twice_is_retried_with_the_same_signed_body(avs):
    secret = "retry-secret"
    with Receiver(secret, answers=[500, 500]) as receiver:
        request = {"template": {"version": "1", "name": "retry", "blocks": [
            {"type": "text", "start": 0, "duration": 1, "text": "retry me"}]},
            "output": {"aspectRatio": "1:1", "quality": "draft"},
            "webhook": {"url": receiver.url, "secret": secret}}
        status, job, raw, _ = call(avs, "POST", "/api/v1/videos/from-json", request, avs.token)
        assert status == 202 and job["credits"] == 5, raw
        final, _ = wait_for_job(avs, job["jobId"], avs.token)
        assert final["status"] == "completed", final
        receiver.wait_for(3)
        deliveries, outbox = receiver.settled(avs.data)
    assert outbox == [("delivered", 3)], outbox
    assert [d["answered"] for d in deliveries] == [500, 500, 200], [d["answered"] for d in deliveries]
    assert receiver.verifies(deliveries[-1])
    assert len({d["body"] for d in deliveries}) == 1, "the retried bodies differ"
    assert len({d["headers"]["x-avs-signature"] for d in deliveries}) == 1, "the retried signatures differ"
    assert all(d["headers"]["x-avs-event"] == "job.completed" for d in deliveries)
    assert json.loads(deliveries[0]["body"])["jobId"] == job["jobId"]
    gaps = [b["at"] - a["at"] for a, b in zip(deliveries, deliveries[1:])]
    assert gaps[0] >= 0.25 and gaps[1] >= 0.5, gaps  # waits of 0.3 s, then 0.6 s (lower bounds)


def test_prompt_job_plans_a_vertical_teaser_from_uploads(avs, media, tmp_path):
    request = {"prompt": "Make a 3 second vertical teaser using the uploaded footage. Fresh coffee, every morning.",
               "output": {"quality": "draft"}}
    files = {"clip.mp4": media["clip.mp4"], "tone.wav": media["tone.wav"]}
    status, job, raw, _ = call(avs, "POST", "/api/v1/videos/from-prompt", multipart(request, files), avs.token)
    assert status == 202, raw
    assert job["mode"] == "prompt" and job["prompt"] == request["prompt"], job
    assert job["credits"] == 5 + 3 + 3 + 5, job  # video, audio, prompt creation, render

    final, phases = wait_for_job(avs, job["jobId"], avs.token)
    assert final["status"] == "completed", final
    assert_forward_only([job["phase"]] + phases)
    assert "generating" in phases, phases
    kinds = {block["type"] for block in final["template"]["blocks"]}
    assert {"video", "audio"} <= kinds, final["template"]
    result = final["result"]
    assert (result["width"], result["height"]) == (480, 852), result

    _, video, _ = download(result["downloadUrl"])
    path = tmp_path / "teaser.mp4"
    path.write_bytes(video)
    info = probe(str(path))
    stream = next(s for s in info["streams"] if s["kind"] == "video")
    assert (stream["width"], stream["height"]) == (480, 852), info
    assert abs(info["duration"] - 3.0) <= 0.1, info

    document = tmp_path / "teaser-frame.json"
    document.write_text(json.dumps({"meta": {"width": 480, "height": 852, "fps": 30}, "tracks": [{"clips": [
        {"type": "video", "src": str(path), "start": 0, "duration": 3, "transform": {"width": 480, "height": 852}}]}]}))
    frame = tmp_path / "teaser-frame.png"
    reel("frame", str(document), "--at", "1.5", "-o", str(frame))
    assert frame.exists() and frame.stat().st_size > 2000, frame
    print(f"\nprompt teaser frame at 1.5 s: {frame}")


def test_errors_come_in_the_avs_envelope(avs):
    data = avs.data
    text_job = {"template": {"version": "1", "name": "t", "blocks": [
        {"type": "text", "start": 0, "duration": 1, "text": "hi"}]}, "output": {"quality": "draft"}}

    status, reply, raw, _ = call(avs, "POST", "/api/v1/videos/from-json", text_job)
    assert status == 401 and reply["error"]["code"] == "missing_token", raw

    rendering_key = reel("keys", "create", "--account", "acme", "--data", data).strip().splitlines()[-1]
    status, reply, raw, _ = call(avs, "GET", "/api/v1/jobs/x", token=rendering_key)
    assert status == 401 and reply["error"]["code"] == "invalid_token_format", raw

    missing = {"template": {"version": "1", "name": "m", "blocks": [
        {"type": "video", "start": 0, "duration": 1, "source": {"uploadName": "nope.mp4"}}]}}
    status, reply, raw, _ = call(avs, "POST", "/api/v1/videos/from-json", missing, avs.token)
    assert status == 400 and reply["error"]["code"] == "invalid_template", raw
    assert reply["error"]["field"] == "template.blocks[0].source.uploadName", raw
    assert reply["error"]["message"], raw

    reel("accounts", "create", "poor", "--credits", "4", "--data", data)
    poor = reel("keys", "create", "--account", "poor", "--api", "avs", "--data", data).strip().splitlines()[-1]
    status, reply, raw, _ = call(avs, "POST", "/api/v1/videos/from-json", text_job, poor)
    assert status == 402 and reply["error"]["code"] == "insufficient_credits", raw
    assert reply["error"]["details"]["required"] == 5 and reply["error"]["details"]["balance"] == 4, raw


def test_rotated_token_stops_working_and_the_new_one_works(avs):
    job = {"template": {"version": "1", "name": "r", "blocks": [
        {"type": "text", "start": 0, "duration": 1, "text": "rotate"}]}, "output": {"quality": "draft"}}
    status, created, raw, _ = call(avs, "POST", "/api/v1/videos/from-json", job, avs.token)
    assert status == 202, raw
    path = f"/api/v1/jobs/{created['jobId']}"
    assert call(avs, "GET", path, token=avs.token)[0] == 200

    token_id = avs.token.split(".")[1]
    rotated = reel("keys", "rotate", token_id, "--data", avs.data).strip().splitlines()[-1]
    assert rotated.startswith(f"avs.{token_id}.") and rotated != avs.token, rotated

    status, reply, raw, _ = call(avs, "GET", path, token=avs.token)
    assert status == 401 and reply["error"]["code"] == "invalid_token", raw
    status, reply, raw, _ = call(avs, "GET", path, token=rotated)
    assert status == 200 and reply["jobId"] == created["jobId"], raw
    wait_for_job(avs, created["jobId"], rotated)  # let the render end before the server stops
