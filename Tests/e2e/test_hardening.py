"""Hostile input against a real `reel serve`: former crash documents, a render that keeps
killing the server, slow clients. The server answers, stays up, and never replays a crash."""
import glob
import json
import os
import socket
import time
import urllib.error
import urllib.request

import pytest

from conftest import ROOT, Server, reel


def call(server, method, path, body=None, key=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(server.base_url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", "Bearer " + key)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            raw = response.read()
            if not response.headers.get("Content-Type", "").startswith("application/json"):
                return response.status, {"bytes": len(raw)}
            return response.status, json.loads(raw or b"{}")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, {"raw": raw[:200]}


def healthy(server):
    return call(server, "GET", "/healthz")[0] == 200


@pytest.fixture
def hardened(tmp_path):
    data = str(tmp_path / "data")
    reel("accounts", "create", "acme", "--credits", "60", "--data", data)
    server = Server(data, "--idle-timeout", "2")
    server.key = reel("keys", "create", "--account", "acme", "--data", data).strip().splitlines()[-1]
    server.start()
    yield server
    server.stop()


def test_former_crash_documents_get_answers_and_survive_a_restart(hardened):
    files = sorted(glob.glob(os.path.join(ROOT, "fuzz", "regressions", "*.json")))
    assert len(files) >= 30
    rendered = []
    for path in files:
        with open(path, "rb") as f:
            body = b'{"config": ' + f.read() + b"}"
        status, reply = call(hardened, "POST", "/api/v1/video", body, hardened.key)
        assert status == 200 or 400 <= status < 500, (path, status, reply)
        if status == 400:
            assert reply["code"] in ("INVALID_CONFIG", "INVALID_REQUEST") and reply["error"], (path, reply)
            assert reply.get("details", {}).get("fields") or reply.get("details", {}).get("field"), (path, reply)
            continue
        task = reply["taskId"]
        status, frame = call(hardened, "GET", f"/preview/{task}/frame.png?t=0")
        assert status in (200, 422) or 400 <= status < 500, (path, status)
        status, started = call(hardened, "POST", f"/api/v1/video/{task}/render", {}, hardened.key)
        assert status in (200, 402), (path, status, started)
        if status == 200:
            rendered.append(task)
        assert healthy(hardened), path
    assert rendered, "no former crash document was accepted for rendering"
    deadline = time.time() + 300
    for task in rendered:
        while True:
            status, reply = call(hardened, "GET", f"/api/v1/video/{task}", key=hardened.key)
            assert status == 200 and healthy(hardened)
            if reply["status"] in ("completed", "failed"):
                break
            assert time.time() < deadline, f"{task} still rendering"
            time.sleep(0.2)
    # A forced restart: the server comes back, and comes back to stay.
    hardened.kill()
    hardened.start()
    time.sleep(0.5)
    assert healthy(hardened)
    for task in rendered:
        assert call(hardened, "GET", f"/api/v1/video/{task}", key=hardened.key)[0] == 200


LONG = {"meta": {"width": 640, "height": 360, "fps": 30}, "tracks": [{"clips": [
    {"type": "text", "text": "a long render", "start": 0, "duration": 40, "style": {"fontSize": 40},
     "animations": [{"type": "rotate", "duration": 2, "loop": True}]},
    {"type": "rect", "start": 0, "duration": 40, "transform": {"width": 200, "height": 100},
     "animations": [{"type": "scale", "from": 0.5, "to": 1.5, "duration": 1, "loop": True}],
     "style": {"shadowColor": "#000", "shadowBlur": 20}}]}]}


def wait_until_rendering(server, task):
    """Waits until the task's render has made progress."""
    deadline = time.time() + 120
    while True:
        status, reply = call(server, "GET", f"/api/v1/video/{task}", key=server.key)
        if reply.get("status") == "rendering" and reply.get("progress", 0) > 0:
            return
        assert reply.get("status") == "rendering", reply
        assert time.time() < deadline, "the render never started"
        time.sleep(0.05)


def kill_while_rendering(server, task):
    """Waits until the render has made progress, then kills the server as a crash would."""
    wait_until_rendering(server, task)
    server.kill()


def test_a_render_that_keeps_dying_fails_and_is_refunded(hardened):
    status, reply = call(hardened, "POST", "/api/v1/video", {"config": LONG}, hardened.key)
    assert status == 200, reply
    task = reply["taskId"]
    status, reply = call(hardened, "POST", f"/api/v1/video/{task}/render", {}, hardened.key)
    assert status == 200 and reply["remainingCredits"] == 20, reply
    kill_while_rendering(hardened, task)   # attempt 1 dies
    hardened.start()                       # queued again: attempt 2
    kill_while_rendering(hardened, task)   # attempt 2 dies
    hardened.start()                       # two attempts died: the job fails instead of running a third time
    status, reply = call(hardened, "GET", f"/api/v1/video/{task}", key=hardened.key)  # recovery ran before serving
    assert reply["status"] == "failed" and reply["error"].startswith("render crashed"), reply
    assert call(hardened, "GET", "/api/v1/credits", key=hardened.key)[1]["credits"] == 60
    assert healthy(hardened)


def test_slow_clients_are_cut_off(hardened):
    # A request head that never ends: the connection is closed after the idle timeout.
    with socket.create_connection(("127.0.0.1", hardened.port)) as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        slow.settimeout(10)
        started = time.time()
        assert slow.recv(1024) == b""
        assert time.time() - started < 9
    # A body that never arrives in full: cut off (a 408, or the connection closed by the idle
    # timer, whichever comes first), and the server answers others meanwhile.
    with socket.create_connection(("127.0.0.1", hardened.port)) as slow:
        slow.sendall(b"POST /api/v1/video HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + hardened.key.encode()
                     + b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"config\": ")
        started = time.time()
        assert healthy(hardened)
        slow.settimeout(10)
        answer = slow.recv(4096)
        assert answer == b"" or (answer.startswith(b"HTTP/1.1 408") and b"REQUEST_TIMEOUT" in answer), answer[:200]
        assert time.time() - started < 9
