"""Fixtures: a real `reel serve` on a free loopback port with a temporary data folder."""
import json
import os
import re
import socket
import subprocess
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REEL = os.environ.get("REEL_BINARY", os.path.join(ROOT, ".build", "debug", "reel"))


# Every key the CLI printed, and every server log written, in this run: at the end no log may
# hold a secret (see the session fixture below).
KEYS = set()
LOGS = []
# (method, route, status) of every request answered by a server that stopped cleanly, and the
# OpenAPI document they are checked against.
OBSERVED = set()
OPENAPI = []


def reel(*arguments):
    """Runs the reel CLI and returns its standard output."""
    output = subprocess.run([REEL, *arguments], check=True, capture_output=True, text=True).stdout
    if arguments[:2] == ("keys", "create") or arguments[:2] == ("keys", "rotate"):
        KEYS.add(output.strip().splitlines()[-1])
    return output


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data, *extra):
        self.data = data
        self.port = free_port()
        self.process = None
        self.extra = list(extra)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self):
        return os.path.join(self.data, "server.log")

    def start(self):
        log = open(self.log_path, "a")
        if self.log_path not in LOGS:
            LOGS.append(self.log_path)
        self.process = subprocess.Popen(
            [REEL, "serve", "--port", str(self.port), "--data", self.data, "--allow-private-network", "--log-format", "json",
             *self.extra],
            stdout=log, stderr=log)
        for _ in range(200):
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=1) as response:
                    if json.load(response)["status"] == "ok":
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("reel serve did not start")

    def kill(self):
        self.process.kill()
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.observe()
            self.process.terminate()
            assert self.process.wait(timeout=30) == 0, "reel serve did not exit 0 on SIGTERM"

    def observe(self):
        """Notes which (method, route, status) this server answered, from its metrics."""
        try:
            with urllib.request.urlopen(self.base_url + "/metrics", timeout=5) as response:
                text = response.read().decode()
            if not OPENAPI:
                with urllib.request.urlopen(self.base_url + "/openapi.json", timeout=5) as response:
                    OPENAPI.append(json.load(response))
        except OSError:
            return
        for line in text.splitlines():
            match = re.match(r'reel_http_requests_total\{method="([A-Z]+)",route="([^"]+)",status="(\d+)"\}', line)
            if match and match.group(2) != "NotFound":
                OBSERVED.add((match.group(1).lower(), match.group(2), match.group(3)))


SECRETS = [
    (re.compile(r"sk-[A-Za-z0-9]{48}"), "a RenderingVideo key"),
    (re.compile(r"avs\.[A-Za-z0-9]{16}\.[A-Za-z0-9]{32}"), "an AVS key"),
    (re.compile(r"fvs_[A-Za-z0-9]{16}_[A-Za-z0-9]{32}"), "an FVS key"),
    (re.compile(r"[?&]sig=(?!\[redacted\])[0-9a-f]"), "a video link's signature"),
    (re.compile(r"claim_[A-Za-z0-9]{40}"), "a claim token"),
    (re.compile(r"whsec-[0-9a-f]{32}"), "a webhook secret"),
]


@pytest.fixture(scope="session", autouse=True)
def whole_run_checks():
    """After every test: each server's log is JSON lines, request lines carry their request id,
    no log holds a secret; and every status a route answered is one /openapi.json documents."""
    yield
    problems = []
    for path in LOGS:
        if not os.path.exists(path):
            continue
        with open(path, errors="replace") as f:
            text = f.read()
        for key in KEYS:
            if key in text:
                problems.append(f"{path}: an API key the CLI made is in the log")
        for pattern, what in SECRETS:
            if pattern.search(text):
                problems.append(f"{path}: {what} is in the log: {pattern.search(text).group(0)[:12]}…")
        for line in text.splitlines():
            if not line.startswith("{"):
                continue   # a crash's own output (a trap), not a log line
            entry = json.loads(line)
            assert {"time", "level", "message"} <= entry.keys(), line
            if entry["message"] == "request":
                assert entry.get("request_id"), line
    if OBSERVED and OPENAPI:
        document = OPENAPI[0]
        for method, route, status in sorted(OBSERVED):
            operation = document["paths"].get(route, {}).get(method)
            if operation is None:
                problems.append(f"{method.upper()} {route} answered but is not in /openapi.json")
            elif status not in operation["responses"]:
                problems.append(f"{method.upper()} {route} answered {status}, which /openapi.json does not document")
    assert not problems, "\n".join(problems)


@pytest.fixture
def server(tmp_path):
    data = str(tmp_path / "data")
    reel("accounts", "create", "acme", "--credits", "50", "--data", data)
    reel("accounts", "create", "poor", "--credits", "1", "--data", data)
    server = Server(data)
    server.key = reel("keys", "create", "--account", "acme", "--data", data).strip().splitlines()[-1]
    server.poor_key = reel("keys", "create", "--account", "poor", "--data", data).strip().splitlines()[-1]
    server.start()
    yield server
    server.stop()
