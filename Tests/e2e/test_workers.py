"""Render workers as processes: `reel serve` starts them, restarts one that dies, and a job whose
worker died (killed, trapped, or gone silent past its lease) is rendered again elsewhere or failed
and refunded, with the credit ledger exact and the server up throughout."""
import os
import signal
import sqlite3
import subprocess
import time

from conftest import REEL, Server, reel
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
