"""Render workers as processes: `reel serve` starts them, restarts one that dies, and a job whose
worker died (killed, trapped, or gone silent past its lease) is rendered again elsewhere or failed
and refunded, with the credit ledger exact and the server up throughout."""
import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.request
import uuid

from conftest import REEL, ROOT, Server, reel
from test_hardening import call, wait_until_rendering
from test_operations import config, make_server, metrics, start_render, wait_for


def job_row(server):
    with sqlite3.connect(os.path.join(server.data, "reel.sqlite")) as database:
        return database.execute("SELECT id, status, attempts, lease_owner, error FROM jobs ORDER BY created_at DESC LIMIT 1").fetchone()


def ledger(server, job):
    with sqlite3.connect(os.path.join(server.data, "reel.sqlite")) as database:
        return database.execute("SELECT kind, delta FROM credit_ledger WHERE job_id = ? ORDER BY id", (job,)).fetchall()


def worker_pids(server):
    """The pids of the server's worker processes (its children running `reel worker`)."""
    pids = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            if parent == server.process.pid and b"worker" in open(f"/proc/{entry}/cmdline", "rb").read():
                pids.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return sorted(pids)


def wait_for_workers(server, count, not_among=()):
    deadline = time.time() + 30
    while len(pids := worker_pids(server)) != count or set(pids) & set(not_among):
        assert time.time() < deadline, pids
        time.sleep(0.05)
    return pids


def holder_pid(server):
    """The pid of the worker process that holds the latest job (its lease owner is host:pid:nonce)."""
    return int(job_row(server)[3].split(":")[-2])


def test_the_server_renders_nothing_itself_and_restarts_a_killed_worker(tmp_path):
    server = make_server(tmp_path, "--workers", "2")
    try:
        wait_for_workers(server, 2)
        # A worker killed mid-render: the job completes on the other one, charged once.
        task = start_render(server, config(6, 640, 360))
        wait_until_rendering(server, task)
        holder = holder_pid(server)
        assert holder in worker_pids(server) and holder != server.process.pid
        os.kill(holder, signal.SIGKILL)
        done = wait_for(server, task)
        assert done["status"] == "completed", done
        job, status, attempts, owner, _ = job_row(server)
        assert (status, attempts) == ("completed", 2) and int(owner.split(":")[-2]) != holder
        assert ledger(server, job) == [("reserve", -6), ("settle", 0)]
        assert call(server, "GET", "/api/v1/credits", key=server.key)[1]["credits"] == 494
        # The dead worker was replaced.
        wait_for_workers(server, 2, not_among=[holder])
        assert metrics(server)["reel_workers"] == 2
    finally:
        server.stop()


def test_a_render_that_traps_fails_after_its_attempts_and_is_refunded(tmp_path, monkeypatch):
    # Every render of these workers traps at its fifth frame, as a bug in the renderer would.
    monkeypatch.setenv("REEL_TEST_CRASH_AT_FRAME", "5")
    server = make_server(tmp_path, "--workers", "1", "--max-render-attempts", "2")
    try:
        pid = server.process.pid
        task = start_render(server, config(2))
        done = wait_for(server, task)
        assert done["status"] == "failed" and done["error"].startswith("render crashed"), done
        job, status, attempts, _, _ = job_row(server)
        assert attempts == 2
        assert ledger(server, job) == [("reserve", -2), ("refund", 2)]
        assert call(server, "GET", "/api/v1/credits", key=server.key)[1]["credits"] == 500
        # The server never went down, and answers as before.
        assert server.process.poll() is None and server.process.pid == pid
        assert call(server, "GET", "/healthz")[0] == 200 and call(server, "GET", "/readyz")[0] == 200
    finally:
        server.stop()
    assert "render worker died" in open(server.log_path).read()


def test_a_worker_gone_silent_loses_its_job_when_its_lease_runs_out(tmp_path):
    # No worker in the server: one outside it takes the job, then stops answering (a machine
    # that hangs); after its lease a second worker takes the job over and renders it.
    server = make_server(tmp_path, "--workers", "0", "--lease-seconds", "2")
    log = open(os.path.join(server.data, "workers.log"), "w")
    first = subprocess.Popen([REEL, "worker", "--data", server.data, "--lease-seconds", "2"], stdout=log, stderr=log)
    second = None
    try:
        task = start_render(server, config(4, 640, 360))
        wait_until_rendering(server, task)
        assert holder_pid(server) == first.pid
        first.send_signal(signal.SIGSTOP)
        second = subprocess.Popen([REEL, "worker", "--data", server.data, "--lease-seconds", "2"], stdout=log, stderr=log)
        done = wait_for(server, task)
        assert done["status"] == "completed", done
        job, _, attempts, owner, _ = job_row(server)
        assert attempts == 2 and int(owner.split(":")[-2]) == second.pid
        # The first worker wakes up: it has lost the job and records nothing for it.
        first.send_signal(signal.SIGCONT)
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 0
        assert job_row(server)[1:3] == ("completed", 2)
        assert ledger(server, job) == [("reserve", -4), ("settle", 0)]
    finally:
        for worker in (first, second):
            if worker and worker.poll() is None:
                worker.send_signal(signal.SIGCONT)
                worker.terminate()
                worker.wait(timeout=60)
        server.stop()


def upload(server, path):
    boundary = "reel-e2e-" + uuid.uuid4().hex
    data = open(path, "rb").read()
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{os.path.basename(path)}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(server.base_url + "/api/v1/upload", data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Authorization", "Bearer " + server.key)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["assets"][0]["url"]


def split_document(server, seconds, width, height):
    """A moving picture with music across every segment boundary (250-frame GOPs at 30 fps)."""
    music = upload(server, os.path.join(ROOT, "fixtures", "audio", "chord.ogg"))
    return {"meta": {"width": width, "height": height, "fps": 30}, "tracks": [
        {"clips": [{"type": "text", "text": "segments", "start": 0, "duration": seconds, "style": {"fontSize": 40},
                    "animations": [{"type": "rotate", "duration": 2, "loop": True}]}]},
        {"clips": [{"type": "audio", "src": music, "start": 0, "duration": seconds, "loop": True}]}]}


def render(server, document, workers):
    status, reply = call(server, "POST", "/api/v1/video", {"config": document}, server.key)
    assert status == 200, reply
    task = reply["taskId"]
    status, reply = call(server, "POST", f"/api/v1/video/{task}/render", {"num_workers": workers}, server.key)
    assert status == 200, reply
    return task


def segments(server, job):
    with sqlite3.connect(os.path.join(server.data, "reel.sqlite")) as database:
        return database.execute("SELECT idx, status, attempts, frame_count, lease_owner FROM job_segments WHERE job_id = ? ORDER BY idx",
                                (job,)).fetchall()


def read_back(path):
    """What a player sees: the video packets' times, the stream summary, and the decoded sound."""
    times = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts", "-of", "csv=p=0", path],
                           check=True, capture_output=True, text=True).stdout.split()
    streams = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,nb_frames,duration", "-of", "csv=p=0", path],
                             check=True, capture_output=True, text=True).stdout
    sound = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-map", "0:a", "-f", "s16le", "-"], check=True, capture_output=True).stdout
    return sorted(int(t) for t in times), streams, sound


def test_a_render_split_across_workers_is_the_single_render(tmp_path):
    server = make_server(tmp_path, "--workers", "3")
    try:
        document = split_document(server, 25, 320, 180)
        split, whole = render(server, document, 3), render(server, document, 1)
        for task in (split, whole):
            assert wait_for(server, task)["status"] == "completed"
        with sqlite3.connect(os.path.join(server.data, "reel.sqlite")) as database:
            split_job = database.execute("SELECT job_id FROM tasks WHERE id = ?", (split,)).fetchone()[0]
            whole_job = database.execute("SELECT job_id FROM tasks WHERE id = ?", (whole,)).fetchone()[0]
        assert [(row[0], row[1], row[3]) for row in segments(server, split_job)] == [(0, "completed", 250), (1, "completed", 250),
                                                                                     (2, "completed", 250)]
        assert segments(server, whole_job) == []
        videos = os.path.join(server.data, "videos")
        split_times, split_streams, split_sound = read_back(os.path.join(videos, split + ".mp4"))
        whole_times, whole_streams, whole_sound = read_back(os.path.join(videos, whole + ".mp4"))
        assert len(split_times) == 750 and split_times == whole_times
        assert split_streams == whole_streams
        assert len(split_sound) > 0 and split_sound == whole_sound
        # The segments are gone once joined; the job was charged once, like the whole render.
        assert os.listdir(os.path.join(videos, ".segments")) == []
        assert ledger(server, split_job) == [("reserve", -25), ("settle", 0)]
    finally:
        server.stop()


def test_a_segment_whose_worker_dies_is_rendered_again_alone(tmp_path):
    server = make_server(tmp_path, "--workers", "0", "--lease-seconds", "3")
    log = open(os.path.join(server.data, "workers.log"), "w")
    environment = dict(os.environ, REEL_TEST_CRASH_AT_FRAME="20")
    worker = lambda env=None: subprocess.Popen([REEL, "worker", "--data", server.data, "--lease-seconds", "3"],
                                               stdout=log, stderr=log, env=env)
    workers = [worker()]
    try:
        task = render(server, split_document(server, 25, 640, 360), 3)
        # The first worker is the job's coordinator; a worker that traps at its 20th frame takes a segment.
        deadline = time.time() + 60
        while job_row(server)[1] != "running":
            assert time.time() < deadline
            time.sleep(0.05)
        doomed = worker(environment)
        workers.append(doomed)
        assert doomed.wait(timeout=120) != 0
        workers.append(worker())
        done = wait_for(server, task)
        assert done["status"] == "completed", done
        job = job_row(server)[0]
        rows = segments(server, job)
        assert [row[1] for row in rows] == ["completed"] * 3
        assert sorted(row[2] for row in rows) == [1, 1, 2], rows   # the lost segment alone was rendered again
        assert job_row(server)[2] == 1                              # the job itself was claimed once
        assert ledger(server, job) == [("reserve", -25), ("settle", 0)]
        times, _, sound = read_back(os.path.join(server.data, "videos", task + ".mp4"))
        assert len(times) == 750 and len(sound) > 0
    finally:
        for process in workers:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=60)
        server.stop()


def test_cancelling_a_split_render_stops_every_segment_and_leaves_nothing(tmp_path):
    server = make_server(tmp_path, "--workers", "2")
    try:
        task = render(server, split_document(server, 25, 640, 360), 3)
        wait_until_rendering(server, task)
        job = job_row(server)[0]
        folder = os.path.join(server.data, "videos", ".segments", job)
        assert call(server, "DELETE", f"/api/v1/video/{task}", key=server.key)[0] == 200
        deadline = time.time() + 60
        while os.path.exists(folder):
            assert time.time() < deadline, os.listdir(folder)
            time.sleep(0.1)
        assert call(server, "GET", "/api/v1/credits", key=server.key)[1]["credits"] == 500
        # The workers are free again: the next render completes.
        assert wait_for(server, start_render(server, config(1, 160, 90)))["status"] == "completed"
        assert not os.path.exists(folder)
    finally:
        server.stop()
