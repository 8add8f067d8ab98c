"""The published Future Video Studio client (`future-video-studio-mcp` from PyPI, unchanged) against a
real `reel serve`: its MCP server runs over stdio with FVS_AGENT_BASE_URL pointing at Reel, and an MCP
client session calls its tools: submit, poll to completion, cancel, quote, paid status. A raw
multipart render with a picture, a clip and a music file comes back at the target length."""
import json
import math
import os
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import wave
import zlib

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from conftest import REEL, Server, reel

# A small render: four seconds at 10 frames a second (Reel's frame_rate extension), 720p.
BRIEF = {
    "name": "Harbour teaser",
    "project_mode": "scene",
    "visual_style_preset": "documentary",
    "frame_rate": 10,
    "screenplay": "Shot 1: Dawn over the harbour.\nANA: Here we are.\n\nShot 2: The boats go out.\n\nShot 3: A closing card.",
    "shot_count": 3,
    "scene_target_duration_seconds": 4,
    "video_resolution": "720p",
}


@pytest.fixture
def fvs(tmp_path):
    data = str(tmp_path / "data")
    reel("accounts", "create", "acme", "--credits", "100", "--data", data)
    server = Server(data)
    server.key = reel("keys", "create", "--account", "acme", "--api", "fvs", "--data", data).strip().splitlines()[-1]
    server.start()
    yield server
    server.stop()


def call_tools(server, calls):
    """Runs the published MCP server over stdio against `server` and calls `calls(session)`."""
    environment = dict(os.environ, FVS_AGENT_BASE_URL=server.base_url, FVS_AGENT_API_KEY=server.key, FVS_MCP_TRANSPORT="stdio")
    parameters = StdioServerParameters(command=sys.executable, args=["-m", "fvs_mcp_server"], env=environment)
    results = {}

    async def main():
        async with stdio_client(parameters) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                results.update(await calls(session))

    anyio.run(main)
    return results


async def tool(session, name, arguments):
    result = await session.call_tool(name, arguments)
    assert not result.isError, result.content
    if result.structuredContent is not None:
        content = result.structuredContent
        return content.get("result", content) if set(content) == {"result"} else content
    return json.loads(result.content[0].text)


def test_the_published_client_submits_polls_cancels_and_quotes(fvs):
    async def calls(session):
        names = {t.name for t in (await session.list_tools()).tools}
        submitted = await tool(session, "fvs_submit_render", {"request": BRIEF})
        project = submitted["project_id"]
        # The client's own polling until its terminal rule says the render is done.
        done = await tool(session, "fvs_get_render_status", {"project_id": project})
        for _ in range(600):
            if not done["is_running"] and done["status"] not in ("queued", "running"):
                break
            await anyio.sleep(0.1)
            done = await tool(session, "fvs_get_render_status", {"status_url": submitted["status_url"]})
        second = await tool(session, "fvs_submit_render", {"request": dict(BRIEF, scene_target_duration_seconds=60)})
        cancelled = await tool(session, "fvs_cancel_render", {"project_id": second["project_id"]})
        quote = await tool(session, "fvs_create_paid_render_quote", {"request": BRIEF})
        paid_status = await tool(session, "fvs_get_paid_render_status", {"status_url": quote.get("status_url")})
        missing = await tool(session, "fvs_get_render_status", {"project_id": "proj_api_nope"})
        return {"names": names, "submitted": submitted, "done": done, "second": second, "cancelled": cancelled,
                "quote": quote, "paid_status": paid_status, "missing": missing}

    results = call_tools(fvs, calls)
    assert {"fvs_submit_render", "fvs_get_render_status", "fvs_cancel_render", "fvs_create_paid_render_quote",
            "fvs_get_paid_render_status"} <= results["names"]

    submitted = results["submitted"]
    assert submitted["project_id"].startswith("proj_api_")
    assert submitted["status"] == "queued" and submitted["current_stage"] == "input"
    done = results["done"]
    assert done["status"] == "completed", done
    assert done["current_stage"] == "completed" and done["clip_count"] == 3
    with urllib.request.urlopen(done["final_video_url"]) as response:
        video = response.read()
    path = os.path.join(fvs.data, "done.mp4")
    with open(path, "wb") as f:
        f.write(video)
    probe = json.loads(reel("probe", "--json", path))
    stream = next(s for s in probe["streams"] if s["kind"] == "video")
    assert (stream["width"], stream["height"], stream["frameCount"]) == (1280, 720, 40)

    cancelled = results["cancelled"]
    assert cancelled["current_stage"] == "cancelled" and cancelled["is_running"] is False
    assert "cancel" in cancelled["last_error"]

    # The client turns the 402 into a result with ok: false and the challenge beside the body.
    quote = results["quote"]
    assert quote["ok"] is False and quote["payment_required"] is True, quote
    assert quote["www_authenticate"].startswith('Payment id="%s"' % quote["quote_id"])
    assert quote["amount_cents"] == (2 + 4) * 5 and quote["currency"] == "usd" and quote["claim_token"]
    assert results["paid_status"]["status"] == "payment_required"
    assert results["missing"]["ok"] is False and "no render" in results["missing"]["error"]

    # The operator marks the quote paid; the client then sees the render through its claim token.
    reel("quotes", "pay", quote["quote_id"], "--data", fvs.data)

    async def paid(session):
        status = {}
        for _ in range(600):
            status = await tool(session, "fvs_get_paid_render_status", {"quote_id": quote["quote_id"], "claim_token": quote["claim_token"]})
            if status.get("status") in ("completed", "failed"):
                break
            await anyio.sleep(0.1)
        wrong = await tool(session, "fvs_get_paid_render_status", {"quote_id": quote["quote_id"], "claim_token": "claim_wrong"})
        return {"status": status, "wrong": wrong}

    after = call_tools(fvs, paid)
    assert after["status"]["status"] == "completed" and after["status"]["quote_status"] == "paid", after["status"]
    assert after["status"]["final_video_url"]
    assert after["wrong"]["ok"] is False


# MARK: a raw multipart render with media


def png(width, height, rgb):
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def write_tone(path, seconds, frequency=330.0, rate=48000):
    with wave.open(path, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = bytearray()
        for i in range(int(seconds * rate)):
            v = int(9000 * math.sin(2 * math.pi * frequency * i / rate))
            frames += struct.pack("<hh", v, v)
        w.writeframes(bytes(frames))


def multipart(fields, files):
    boundary = "----reel" + uuid.uuid4().hex
    body = bytearray()
    for name, value in fields:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode() + b"\r\n"
    for name, data in files:
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def test_a_raw_multipart_render_with_a_picture_a_clip_and_music(fvs, tmp_path):
    # The clip: a 2 s document rendered by Reel itself.
    document = {"meta": {"width": 320, "height": 180, "fps": 25}, "tracks": [{"clips": [
        {"type": "rect", "start": 0, "duration": 2, "transform": {"width": 320, "height": 180}, "style": {"fill": "#2266cc"}}]}]}
    (tmp_path / "clip.json").write_text(json.dumps(document))
    clip = str(tmp_path / "boats.mp4")
    subprocess.run([REEL, "render", str(tmp_path / "clip.json"), "-o", clip], check=True, capture_output=True)
    tone = str(tmp_path / "bed.wav")
    write_tone(tone, 6)
    request = dict(BRIEF, assets=[
        {"filename": "sign.png", "label": "harbour", "purpose": "location_reference"},
        {"filename": "boats.mp4", "label": "boats"},
        {"filename": "bed.wav", "purpose": "music_reference"},
    ], wait_for_completion_seconds=120)
    files = [("sign.png", png(64, 36, (220, 40, 30))), ("boats.mp4", open(clip, "rb").read()), ("bed.wav", open(tone, "rb").read())]
    body, content_type = multipart([("request_json", json.dumps(request))], files)
    call = urllib.request.Request(fvs.base_url + "/api/agent/renders", data=body, method="POST",
                                  headers={"Content-Type": content_type, "X-FVS-Agent-Key": fvs.key})
    with urllib.request.urlopen(call) as response:
        done = json.load(response)
    assert done["status"] == "completed", done
    path = str(tmp_path / "out.mp4")
    with urllib.request.urlopen(done["final_video_url"]) as response, open(path, "wb") as f:
        f.write(response.read())
    probe = json.loads(reel("probe", "--json", path))
    video = next(s for s in probe["streams"] if s["kind"] == "video")
    assert video["frameCount"] == 40 and abs(probe["duration"] - 4.0) < 0.1
    assert any(s["kind"] == "audio" for s in probe["streams"]), "the music bed"
    # Frames from the three shots (19, 12 and 9 frames by their words): the red picture, the blue
    # clip, the dark text card. Each is drawn from the MP4 onto a 16×16 canvas by `reel frame`.
    red, blue, card = (pixel(tmp_path, path, t) for t in (0.5, 2.5, 3.6))
    assert red[0] > 150 and red[1] < 90 and red[2] < 90, red
    assert blue[2] > 150 and blue[0] < 90, blue
    assert max(card) < 80, card


def pixel(tmp_path, video, t, size=16):
    """The colour near the top-left third of `video` at `t`, read back through `reel frame`."""
    document = {"meta": {"width": size, "height": size, "fps": 10}, "tracks": [{"clips": [
        {"type": "video", "src": video, "start": 0, "duration": 4, "transform": {"x": "50%", "y": "50%", "width": size, "height": size},
         "style": {"objectFit": "fill"}}]}]}
    wrapper = str(tmp_path / "wrap.json")
    with open(wrapper, "w") as f:
        json.dump(document, f)
    still = str(tmp_path / f"still-{t}.png")
    subprocess.run([REEL, "frame", wrapper, "--at", str(t), "-o", still], check=True, capture_output=True)
    width, rows = read_png(open(still, "rb").read())
    x = y = size // 3
    return rows[y][x * 4:x * 4 + 3]


def read_png(data):
    """An 8-bit RGBA PNG's width and rows of bytes (filters undone)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, width, height = 8, b"", 0, 0
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 6)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    raw, stride, rows, previous = zlib.decompress(idat), width * 4, [], bytearray(width * 4)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - 4] if i >= 4 else 0
            up, corner = previous[i], previous[i - 4] if i >= 4 else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(line)
        previous = line
    return width, rows


# MARK: Reel's own MCP endpoint, driven by the same MCP client over streamable HTTP


def test_reels_own_mcp_endpoint_over_streamable_http(fvs):
    from mcp.client.streamable_http import streamablehttp_client

    async def main():
        async with streamablehttp_client(fvs.base_url + "/mcp", headers={"X-FVS-Agent-Key": fvs.key}) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = {t.name: t for t in (await session.list_tools()).tools}
                example = await tool(session, "fvs_example_render_request", {})
                submitted = await tool(session, "fvs_submit_render", {"request": BRIEF, "poll_until_complete": True})
                status = await tool(session, "fvs_get_render_status", {"status_url": submitted["status_url"]})
                quote = await tool(session, "fvs_create_paid_render_quote", {"request": BRIEF})
                paid = await tool(session, "fvs_get_paid_render_status", {"status_url": quote["status_url"]})
                cancelled = await tool(session, "fvs_cancel_render", {"cancel_url": submitted["cancel_url"]})
                download = await tool(session, "fvs_download_final_video", {"final_video_url": status["final_video_url"], "output_path": "/tmp/x.mp4"})
                resource = await session.read_resource("fvs://agent-api/reference")
                return tools, example, submitted, status, quote, paid, cancelled, download, resource

    tools, example, submitted, status, quote, paid, cancelled, download, resource = anyio.run(main)
    assert set(tools) == {"fvs_open_chatgpt_app", "fvs_submit_render", "fvs_create_paid_render_quote", "fvs_get_render_status",
                          "fvs_get_paid_render_status", "fvs_cancel_render", "fvs_download_final_video", "fvs_example_render_request"}
    submit = tools["fvs_submit_render"].annotations
    assert (submit.readOnlyHint, submit.destructiveHint, submit.idempotentHint, submit.openWorldHint) == (False, True, False, True)
    assert "request" in tools["fvs_submit_render"].inputSchema["required"]
    assert example["scene_target_duration_seconds"] == 24 and example["visual_style_preset"] == "realistic_cinematic"
    assert submitted["status"] == "completed" and submitted["final_video_url"], submitted
    assert status["project_id"] == submitted["project_id"] and status["clip_count"] == 3
    assert quote["ok"] is False and quote["payment_required"] is True and quote["www_authenticate"].startswith("Payment ")
    assert paid["status"] == "payment_required"
    assert cancelled["status"] == "completed", "cancelling a finished render leaves it as it is"
    assert download["ok"] is False and "HTTP client" in download["error"]
    assert "/renders" in resource.contents[0].text

    # Without a key, account tools answer errors as data; the quote tools need none.
    async def anonymous():
        async with streamablehttp_client(fvs.base_url + "/mcp") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await tool(session, "fvs_get_render_status", {"project_id": submitted["project_id"]})

    refused = anyio.run(anonymous)
    assert refused["ok"] is False and "agent key" in refused["error"]
