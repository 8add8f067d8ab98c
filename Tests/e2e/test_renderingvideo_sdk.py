"""The published renderingvideo SDK, unchanged, against reel serve."""
import json
import os
import struct
import time
import urllib.request
import zlib

import pytest
from renderingvideo import Client
from renderingvideo.types import AuthenticationError, InsufficientCreditsError, NotFoundError

from conftest import reel

CONFIG = {
    "meta": {"version": "2.0.0", "width": 320, "height": 180, "fps": 25, "background": "#102030"},
    "tracks": [{"clips": [
        {"type": "text", "text": "Hello from the SDK", "start": 0, "duration": 2, "style": {"fontSize": 28}},
        {"type": "rect", "start": 0.5, "duration": 1.5, "transform": {"x": "80%", "y": "70%", "width": 40, "height": 40},
         "animations": [{"type": "fadeIn", "duration": 0.5}]},
    ]}],
}


def wait_for(client, task_id, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        task = client.video.get(task_id)
        if task.status in ("completed", "failed"):
            return task
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} did not finish")


def probe(path):
    return json.loads(reel("probe", path, "--json"))


def png_bytes():
    """An 8×8 opaque green PNG."""
    raw = b"".join(b"\x00" + b"\x00\xff\x00" * 8 for _ in range(8))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def test_create_render_poll_download(server, tmp_path):
    client = Client(api_key=server.key, base_url=server.base_url)
    before = client.get_credits().credits
    task = client.video.create(CONFIG, metadata={"source": "e2e"})
    assert task.status == "created" and task.width == 320 and task.duration == 2
    render = client.video.render(task.task_id, num_workers=2)
    assert render.status == "rendering" and render.cost == 2 and render.remaining_credits == before - 2
    done = wait_for(client, task.task_id)
    assert done.status == "completed", done
    assert client.get_credits().credits == before - 2
    output = tmp_path / "out.mp4"
    with urllib.request.urlopen(done.video_url) as response:
        output.write_bytes(response.read())
    info = probe(str(output))
    video = [s for s in info["streams"] if s["kind"] == "video"][0]
    audio = [s for s in info["streams"] if s["kind"] == "audio"][0]
    assert video["codecName"] == "h264" and (video["width"], video["height"]) == (320, 180)
    assert video["frameCount"] == 50 and video["colorPrimaries"] == "bt709"
    assert audio["codecName"] == "aac" and audio["sampleRate"] == 48000 and audio["channels"] == 2
    again = client.video.render(task.task_id)
    assert again.already_rendered is True
    listed = client.video.list(limit=10)
    assert listed.total == 1 and listed.tasks[0].task_id == task.task_id
    deleted = client.video.delete(task.task_id)
    assert deleted.deleted is True
    with pytest.raises(NotFoundError):
        client.video.get(task.task_id)


def test_upload_list_use_delete(server, tmp_path):
    client = Client(api_key=server.key, base_url=server.base_url)
    image = tmp_path / "logo.png"
    image.write_bytes(png_bytes())
    uploaded = client.files.upload(file=str(image))
    assert uploaded.count == 1
    asset = uploaded.assets[0]
    assert asset.type == "image" and asset.mime_type == "image/png" and asset.name == "logo.png"
    assert [f.id for f in client.files.list(type="image").files] == [asset.id]
    assert client.files.get(asset.id).url == asset.url
    config = json.loads(json.dumps(CONFIG))
    config["tracks"][0]["clips"].append({"type": "image", "src": asset.url, "start": 0, "duration": 2})
    task = client.video.create(config)
    client.video.render(task.task_id)
    assert wait_for(client, task.task_id).status == "completed"
    assert client.files.delete(asset.id).deleted is True
    assert client.files.list().total == 0


def test_preview_get_convert_render(server):
    client = Client(api_key=server.key, base_url=server.base_url)
    preview = client.preview.create(CONFIG)
    assert preview.temp_id and preview.preview_url.startswith(server.base_url)
    with urllib.request.urlopen(preview.preview_url) as page:
        assert b'type="range"' in page.read()
    assert client.preview.get(preview.temp_id).config["meta"]["width"] == 320
    converted = client.preview.convert(preview.temp_id, category="demo")
    assert converted.task_id and converted.status == "created"
    rendered = client.preview.render(preview.temp_id)
    assert rendered.status == "rendering"
    assert wait_for(client, rendered.task_id).status == "completed"
    assert client.preview.delete(preview.temp_id).deleted is True


def test_wrong_key_and_too_few_credits(server):
    with pytest.raises(AuthenticationError):
        Client(api_key="sk-" + "x" * 48, base_url=server.base_url).video.list()
    with pytest.raises(AuthenticationError):
        Client(api_key="sk-" + "x" * 48, base_url=server.base_url).get_credits()
    poor = Client(api_key=server.poor_key, base_url=server.base_url)
    task = poor.video.create(CONFIG)
    with pytest.raises(InsufficientCreditsError):
        poor.video.render(task.task_id)
    assert poor.get_credits().credits == 1


def test_killing_the_server_during_a_render_completes_the_job(server):
    client = Client(api_key=server.key, base_url=server.base_url)
    long = json.loads(json.dumps(CONFIG))
    long["meta"].update({"width": 640, "height": 360, "fps": 30})
    for clip in long["tracks"][0]["clips"]:
        clip["duration"] = 20
    task = client.video.create(long)
    client.video.render(task.task_id)
    deadline = time.time() + 60
    while time.time() < deadline:
        status = urllib.request.urlopen(urllib.request.Request(
            f"{server.base_url}/api/v1/video/{task.task_id}", headers={"Authorization": f"Bearer {server.key}"}))
        if json.load(status).get("progress", 0) > 0:
            break
        time.sleep(0.1)
    server.kill()
    server.start()
    done = wait_for(client, task.task_id, timeout=300)
    assert done.status == "completed"
    assert task.cost_credits == 21, "20.5 s at 360p"
    assert client.get_credits().credits == 50 - 21, "charged once, however many times it started"


def test_openapi_document_is_valid(server):
    from openapi_spec_validator import validate
    with urllib.request.urlopen(server.base_url + "/openapi.json") as response:
        validate(json.load(response))


def test_keys_and_credits_change_while_the_server_runs(server):
    key = reel("keys", "create", "--account", "poor", "--data", server.data).strip().splitlines()[-1]
    client = Client(api_key=key, base_url=server.base_url)
    assert client.get_credits().credits == 1
    reel("credits", "grant", "--account", "poor", "4", "--data", server.data)
    assert client.get_credits().credits == 5
    key_id = key[3:19]
    assert key_id in reel("keys", "list", "--account", "poor", "--data", server.data)
    reel("keys", "revoke", key_id, "--data", server.data)
    with pytest.raises(AuthenticationError):
        client.get_credits()
