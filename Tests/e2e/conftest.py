"""Fixtures: a real `reel serve` on a free loopback port with a temporary data folder."""
import json
import os
import socket
import subprocess
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REEL = os.environ.get("REEL_BINARY", os.path.join(ROOT, ".build", "debug", "reel"))


def reel(*arguments):
    """Runs the reel CLI and returns its standard output."""
    return subprocess.run([REEL, *arguments], check=True, capture_output=True, text=True).stdout


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

    def start(self):
        log = open(os.path.join(self.data, "server.log"), "a")
        self.process = subprocess.Popen(
            [REEL, "serve", "--port", str(self.port), "--data", self.data, "--allow-private-network", *self.extra],
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
            self.process.terminate()
            self.process.wait(timeout=10)


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
