"""Several servers and workers on one store: every job rendered exactly once, and the credit
ledger exact under concurrent submissions through two servers. Run on the embedded SQLite store
(two servers on one data folder) and, where REEL_TEST_POSTGRES_URL names a server (scripts/test
starts one), on PostgreSQL."""
import collections
import json
import os
import signal
import subprocess
import threading

import pytest

from conftest import REEL, Server, reel
from test_hardening import call
from test_operations import config, wait_for


class SharedStore:
    """Where the servers and workers of a test keep their state: a data folder, and for
    PostgreSQL a fresh database of the test's own."""

    def __init__(self, kind, tmp_path):
        self.kind = kind
        self.data = str(tmp_path / "data")
        self.options = ["--data", self.data]
        if kind == "postgres":
            base = os.environ.get("REEL_TEST_POSTGRES_URL")
            if not base:
                pytest.skip("REEL_TEST_POSTGRES_URL is not set (scripts/test starts a PostgreSQL server)")
            name = "e2e_" + os.urandom(6).hex()
            subprocess.run(["psql", base, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
            self.url = base.rsplit("/", 1)[0] + "/" + name
            self.options += ["--database", self.url]

    def reel(self, *arguments):
        return reel(*arguments, *self.options)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    return SharedStore(request.param, tmp_path)


def start_workers(store, count, log):
    return [subprocess.Popen([REEL, "worker", *store.options, "--log-format", "json"], stdout=log, stderr=log)
            for _ in range(count)]


def stop_all(servers, workers):
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        assert worker.wait(timeout=60) == 0
    for server in servers:
        server.stop()


def make_servers(store, count, key_account="acme"):
    key = store.reel("keys", "create", "--account", key_account).strip().splitlines()[-1]
    servers = []
    for _ in range(count):
        server = Server(store.data, "--workers", "0", *store.options[2:])
        server.key = key
        server.start()
        servers.append(server)
    return servers


def test_two_servers_and_three_workers_render_each_job_exactly_once(store, tmp_path):
    store.reel("accounts", "create", "acme", "--credits", "100")
    servers = make_servers(store, 2)
    log_path = os.path.join(store.data, "workers.log")
    log = open(log_path, "w")
    workers = start_workers(store, 3, log)
    try:
        tasks = []
        for index in range(30):
            server = servers[index % 2]
            status, reply = call(server, "POST", "/api/v1/video", {"config": config(0.5, 160, 90)}, server.key)
            assert status == 200, reply
            task = reply["taskId"]
            status, reply = call(server, "POST", f"/api/v1/video/{task}/render", {}, server.key)
            assert status == 200, reply
            tasks.append(task)
        for index, task in enumerate(tasks):
            done = wait_for(servers[(index + 1) % 2], task)   # asked of the other server
            assert done["status"] == "completed", done
        assert call(servers[0], "GET", "/api/v1/credits", key=servers[0].key)[1]["credits"] == 70
    finally:
        stop_all(servers, workers)
    # Each job was claimed once (its attempt), rendered once (one "render started" line among
    # all workers), and more than one worker took part.
    lines = [json.loads(line) for line in open(log_path) if line.startswith("{")]
    started = collections.Counter(line["job"] for line in lines if line["message"] == "render started")
    assert len(started) == 30 and set(started.values()) == {1}, started
    by_worker = collections.Counter(line["worker"] for line in lines if line["message"] == "render completed")
    assert sum(by_worker.values()) == 30 and len(by_worker) >= 2, by_worker


def test_the_ledger_stays_exact_under_fifty_concurrent_renders_through_two_servers(store, tmp_path):
    # Credits for 20 one-credit renders; 50 asked for at once through two servers.
    store.reel("accounts", "create", "acme", "--credits", "20")
    servers = make_servers(store, 2)
    log = open(os.path.join(store.data, "workers.log"), "w")
    workers = start_workers(store, 2, log)
    try:
        tasks = []
        for index in range(50):
            server = servers[index % 2]
            status, reply = call(server, "POST", "/api/v1/video", {"config": config(0.5, 160, 90)}, server.key)
            assert status == 200, reply
            tasks.append(reply["taskId"])
        answers = [None] * 50
        barrier = threading.Barrier(50)

        def render(index):
            barrier.wait()
            server = servers[index % 2]
            answers[index] = call(server, "POST", f"/api/v1/video/{tasks[index]}/render", {}, server.key)

        threads = [threading.Thread(target=render, args=(index,)) for index in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = collections.Counter(status for status, _ in answers)
        assert statuses == {200: 20, 402: 30}, statuses
        assert all(reply["code"] == "INSUFFICIENT_CREDITS" for status, reply in answers if status == 402)
        accepted = [tasks[index] for index, (status, _) in enumerate(answers) if status == 200]
        for task in accepted:
            assert wait_for(servers[0], task)["status"] == "completed"
        _, credits = call(servers[1], "GET", "/api/v1/credits", key=servers[1].key)
        assert credits["credits"] == 0
    finally:
        stop_all(servers, workers)
