#!/usr/bin/env python3
"""The mg-1080p benchmark (issue 13): a motion-graphics composition of drawn layers, no footage.

    python3 bench/mg1080p.py [--reel .build/release/reel] [--work /tmp/reel-mg] [--seconds 20]
                             [--scale 1.0] [--long 120] [--before OLD_REEL] [--json results.json]

Generates its media deterministically with the standard library only (four RGBA PNGs written with
zlib + struct, a stereo 48 kHz WAV written with `wave`), writes the RenderingVideo v2 document
(`WORK/mg-1080p.json`) and runs, each in its own process, measured alone (wall seconds, user +
system CPU seconds and peak RSS of that one child, from `os.wait4`):

* `reel`:       `reel render DOC -o WORK/reel.mp4` (libx264 veryfast CRF 23, AAC);
* `reel_null`:  `reel render DOC --null` (composite and mix, no encoding);
* `x264_floor`: libx264 with the same settings encoding Reel's own frames: first, unmeasured,
                `reel render DOC --frames-out WORK/frames.yuv` writes the raw yuv420p frames, then
                `reel bench x264 WORK/frames.yuv --width W --height H --fps 30` is measured (the .yuv
                is deleted afterwards). Skipped, with a message, when the binary lacks those options;
* with `--before OLD_REEL`: `before_null` and `before`, the same two runs with another binary;
* with `--long N`: `reel_long`, an N-second variant rendered to MP4 (peak memory should stay flat).

It checks that the MP4s are H.264 at the canvas size, 30 fps, with the expected frame count and one
AAC stream (`reel probe --json`), prints a table and issue 13's ratios as met or not, and writes
everything as JSON with `--json FILE`.

The composition (1920×1080 × `--scale`, 30 fps, `--seconds`, default 20):

* three scenes, about 0–7, 7–14 and 14–20 s, the second entering with a `wipe`, the third with a
  `slide` (1 s each). The schema has no group clip, so a scene change is the same transition on every
  clip of the entering scene, all starting together; the scene before runs on under it until the
  transition ends. Each scene has its own zIndex band so the entering scene lies wholly above.
  Longer variants (`--seconds` over 30, `--long`) repeat scenes of ~6.7 s, wipes and slides alternating;
  shorter ones scale the three scenes;
* per scene: a full-canvas linear gradient that turns. Gradient `angle` cannot be keyframed (the
  keyframe properties are opacity, x, y, width, height, scale, rotation, fill, volume and the filters),
  so this is the nearest thing: a square rect as large as the canvas diagonal, gradient-filled, its
  `rotation` keyframed (18°/s, continuous across scenes) about the canvas centre, which turns the
  gradient's direction on screen and always covers the canvas. (During the `slide` the entering
  backdrop's leading edge is that turned square's side, so it is slanted, not vertical);
* per scene: 4 text layers (a 120 px bold title with a stroke and a shadow, a subtitle, two lower-third
  lines) sliding and fading in and out (slideIn/fadeIn/slideOut/fadeOut with easings);
* per scene: 20 shapes (circles, rounded rects, hexagons and other polygons; solid, gradient and
  stroked fills) moving on keyframed x/y paths with keyframed rotation and opacity;
* over all scenes: 4 PNG images with soft alpha, scale keyframed slowly: a 1920×1080 light/vignette
  overlay and a 600×400 card under `blur(8px)`, a 600×400 card under `brightness`/`contrast`, one
  600×400 card plain. They are on top of the scenes (a scene-wide zIndex band cannot hold them
  between a scene's layers), so the transitions pass beneath them;
* an audio bed: a WAV (stereo, 48 kHz, a just-intonation A major chord) with a fade in and out.

`--scale F` scales the canvas and all geometry (positions, sizes, fonts, strokes, shadows, blur radii,
slide distances, the PNGs' pixel sizes) for quick checks at small sizes.
"""
import argparse
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import time
import wave
import zlib

FPS = 30
FONT_FAMILY = "DejaVu Sans"

# Per scene: the backdrop gradient's stops and its (static) angle, texts, shape colours.
SCENES = [
    {"backdrop": ["#141e30", "#243b55", "#3a7bd5"], "angle": 90,
     "texts": ["Quarterly Review", "Numbers that moved this year", "Ada Lovelace", "Chief Analyst, London"],
     "colors": ["#ffd166", "#ef476f", "#06d6a0", "#ffffff", "#f78c6b"]},
    {"backdrop": ["#42275a", "#b24592", "#f15f79"], "angle": 135,
     "texts": ["Growth in Motion", "Three markets, one direction", "Grace Hopper", "Head of Engineering"],
     "colors": ["#fff3b0", "#4cc9f0", "#80ffdb", "#ffffff", "#ffb703"]},
    {"backdrop": ["#0b486b", "#3b8d99", "#f5af19"], "angle": 45,
     "texts": ["What Comes Next", "The roadmap for 2027", "Alan Turing", "Research Director"],
     "colors": ["#ff006e", "#fb5607", "#ffbe0b", "#ffffff", "#3a86ff"]},
]
TURN_DEGREES_PER_SECOND = 18
EASINGS = ["easeInOutSine", "easeInOutQuad", "easeInOutCubic", "easeOutBack", "linear"]


# ---------------------------------------------------------------------------------------------------
# Media: PNG and WAV, standard library only.

def write_png(path, width, height, rows):
    """Writes an 8-bit RGBA PNG; `rows` yields `height` rows of `width * 4` bytes."""
    raw = b"".join(b"\x00" + bytes(row) for row in rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def smoothstep(edge0, edge1, x):
    t = min(1.0, max(0.0, (x - edge0) / (edge1 - edge0)))
    return t * t * (3 - 2 * t)


def overlay_rows(width, height, scale):
    """The full-canvas overlay: a soft vignette whose alpha rises towards the edges, a warm light leak
    in one corner, soft bokeh discs, and fine grain and hairlines so that scaling and blur have detail
    to work on. Transparent in the middle."""
    rng = random.Random(7)
    discs = [(rng.random() * width, rng.random() * height, (0.03 + 0.07 * rng.random()) * width) for _ in range(14)]
    # Separable parts first: per column and per row.
    ax = [smoothstep(0.55, 1.0, abs((x + 0.5) / width * 2 - 1)) for x in range(width)]
    ay = [smoothstep(0.45, 1.0, abs((y + 0.5) / height * 2 - 1)) for y in range(height)]
    leak_x = [math.exp(-((x / width) ** 2) * 6) for x in range(width)]
    period, thickness = max(6, round(24 * scale)), max(1, round(2 * scale))
    for y in range(height):
        row = bytearray(width * 4)
        leak_y = math.exp(-((y / height) ** 2) * 6)
        fy = ay[y]
        active = [(cx, cy, r) for cx, cy, r in discs if abs(y - cy) < r + 2]
        for x in range(width):
            leak = leak_x[x] * leak_y
            a = max(ax[x], fy) * 0.85 + leak * 0.7
            for cx, cy, r in active:
                d = math.hypot(x - cx, y - cy)
                if d < r + 2:
                    a += 0.25 * min(1.0, max(0.0, (r + 2 - d) / 4))
            grain = ((x * 7) ^ (y * 13)) & 31
            line = 40 if (x + y) % period < thickness else 0
            i = x * 4
            row[i] = min(255, 200 + grain + line)
            row[i + 1] = min(255, int(120 + 100 * leak) + grain // 2 + line)
            row[i + 2] = min(255, 70 + (x * 255 // width) // 2 + grain + line)
            row[i + 3] = min(255, int(255 * min(1.0, a)))
        yield row


def card_rows(width, height, hue, scale):
    """A card with rounded corners and a feathered alpha edge: rings around an off-centre point,
    an XOR texture and diagonal stripes, with a half-transparent band, in hue `hue` (0–1)."""
    radius, feather = 40 * scale, max(2.0, 16 * scale)
    cx, cy = width * 0.35, height * 0.45
    ring = max(2.0, 10 * scale)
    base = [int(255 * (0.5 + 0.5 * math.cos(2 * math.pi * (hue + k / 3)))) for k in range(3)]
    for y in range(height):
        row = bytearray(width * 4)
        dy = max(radius - y - 0.5, y + 0.5 - (height - radius), 0.0)
        for x in range(width):
            dx = max(radius - x - 0.5, x + 0.5 - (width - radius), 0.0)
            # Signed distance inside the rounded rectangle (positive inside).
            inside = min(x + 0.5, width - x - 0.5, y + 0.5, height - y - 0.5) if dx == 0 or dy == 0 \
                else radius - math.hypot(dx, dy)
            a = min(1.0, max(0.0, inside / feather))
            d = math.hypot(x - cx, y - cy)
            band = int(d / ring) & 1
            if 0.55 * height < d < 0.65 * height:
                a *= 0.45
            texture = ((x ^ y) * 3) & 63
            stripe = 50 if int((x + 2 * y) / (6 * scale + 1)) % 5 == 0 else 0
            i = x * 4
            row[i] = min(255, base[0] * (2 + band) // 3 + texture // 2 + stripe)
            row[i + 1] = min(255, base[1] * (3 - band) // 3 + texture // 3 + stripe)
            row[i + 2] = min(255, base[2] // 2 + texture + stripe)
            row[i + 3] = int(255 * a)
        yield row


def write_wav(path, seconds):
    """Stereo 48 kHz 16-bit, a just-intonation A major chord (110, 220, 275, 330 Hz: whole-hertz
    frequencies, so one second repeats exactly), the fifth louder on the right."""
    rate = 48000
    second = bytearray()
    for n in range(rate):
        t = n / rate
        a, c, e = math.sin(2 * math.pi * 220 * t), math.sin(2 * math.pi * 275 * t), math.sin(2 * math.pi * 330 * t)
        bass = math.sin(2 * math.pi * 110 * t)
        left = 0.22 * a + 0.2 * c + 0.12 * e + 0.18 * bass
        right = 0.22 * a + 0.12 * c + 0.2 * e + 0.18 * bass
        second += struct.pack("<hh", int(left * 32767), int(right * 32767))
    total = int(round(seconds * rate)) * 4
    data = bytes(second) * (total // len(second) + 1)
    with wave.open(path + ".tmp", "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data[:total])
    os.replace(path + ".tmp", path)


def make_media(work, seconds, scale):
    """The four PNGs and the WAV, named by size (kept between runs); returns their paths."""
    width, height = canvas(scale)
    cw, ch = max(2, round(600 * scale)), max(2, round(400 * scale))
    media = {"overlay": os.path.join(work, f"overlay-{width}x{height}.png"),
             "cards": [os.path.join(work, f"card{k}-{cw}x{ch}.png") for k in range(3)],
             "audio": os.path.join(work, f"bed-{seconds:g}s.wav")}
    if not os.path.exists(media["overlay"]):
        write_png(media["overlay"], width, height, overlay_rows(width, height, scale))
    for k, path in enumerate(media["cards"]):
        if not os.path.exists(path):
            write_png(path, cw, ch, card_rows(cw, ch, (0.08, 0.55, 0.8)[k], scale))
    if not os.path.exists(media["audio"]):
        write_wav(media["audio"], seconds)
    return media


# ---------------------------------------------------------------------------------------------------
# The document.

def canvas(scale):
    return max(2, round(1920 * scale / 2) * 2), max(2, round(1080 * scale / 2) * 2)


def frame_time(t):
    """Rounds a time to the frame grid (clip edges on whole frames)."""
    return round(t * FPS) / FPS


def scene_bounds(seconds):
    """Scene boundaries: three scenes at 35 % / 70 % up to 30 s, else as many ~6.7 s scenes as fit."""
    if seconds <= 30:
        fractions = [0, 0.35, 0.7, 1]
    else:
        count = max(3, round(seconds / (20 / 3)))
        fractions = [i / count for i in range(count + 1)]
    return [frame_time(f * seconds) for f in fractions]


def r2(v):
    return round(v, 2)


def color_with_alpha(color, alpha):
    return f"{color}{round(alpha * 255):02x}"


def keyframes(prop, points):
    """points: [(time, value, easing or None)]"""
    frames = []
    for t, value, easing in points:
        frame = {"time": round(t, 4), "value": r2(value) if isinstance(value, float) else value}
        if easing:
            frame["easing"] = easing
        frames.append(frame)
    return {"property": prop, "frames": frames}


def transition_for(index, duration):
    """A scene's entrance: a wipe for odd scenes, a slide for even ones (the first has none)."""
    if index == 0:
        return None
    if index % 2 == 1:
        return {"type": "wipe", "duration": duration, "direction": "right", "easing": "easeInOutCubic"}
    return {"type": "slide", "duration": duration, "direction": "left", "easing": "easeInOutCubic"}


def scene_clips(index, start, end, next_start, transition, trans_duration, seconds, width, height, scale):
    """The 25 clips of one scene: backdrop, 20 shapes, 4 texts. The clips run from `start` to `end`
    (through the next scene's entrance); `next_start` is where the next scene begins (or the end)."""
    spec = SCENES[index % len(SCENES)]
    rng = random.Random(1000 + index)
    duration = round(end - start, 4)
    unit = (next_start - start) / 7  # the scene's length against the 20 s variant's 7 s
    zbase = index * 100
    clips = []

    def place(clip):
        clip["start"], clip["duration"] = round(start, 4), duration
        if transition:
            clip["transition"] = dict(transition)
        clips.append(clip)

    # The turning gradient: a square as large as the canvas diagonal, so that it covers the canvas at
    # every angle, rotated about the canvas centre.
    side = math.ceil(math.hypot(width, height) / 2) * 2 + 4
    place({"type": "rect", "zIndex": zbase,
           "transform": {"x": width / 2, "y": height / 2, "width": side, "height": side},
           "style": {"fill": {"type": "linear", "angle": spec["angle"],
                              "stops": [{"offset": 0, "color": spec["backdrop"][0]},
                                        {"offset": 0.55, "color": spec["backdrop"][1]},
                                        {"offset": 1, "color": spec["backdrop"][2]}]}},
           "keyframes": [keyframes("rotation", [(0, float(TURN_DEGREES_PER_SECOND * start), None),
                                                (duration, float(TURN_DEGREES_PER_SECOND * end), "linear")])]})

    # 20 shapes on keyframed paths, turning and fading.
    margin_x, margin_y = 0.06 * width, 0.08 * height
    for k in range(20):
        color = spec["colors"][k % len(spec["colors"])]
        other = spec["colors"][(k + 2) % len(spec["colors"])]
        alpha = 0.55 + 0.4 * rng.random()
        kind = ("circle", "rect", "polygon")[k % 3]
        size = (50 + 150 * rng.random()) * scale
        clip = {"type": kind, "zIndex": zbase + 10 + k}
        if kind == "circle":
            clip["size"] = r2(size)
        elif kind == "polygon":
            clip["sides"] = (6, 6, 5, 3, 8)[(k // 3) % 5]
            clip["size"] = r2(size * 1.2)
        x0, y0 = margin_x + rng.random() * (width - 2 * margin_x), margin_y + rng.random() * (height - 2 * margin_y)
        transform = {"x": r2(x0), "y": r2(y0)}
        style = {}
        if kind == "rect":
            transform["width"] = r2((80 + 180 * rng.random()) * scale)
            transform["height"] = r2((50 + 110 * rng.random()) * scale)
            style["borderRadius"] = r2((10 + 20 * rng.random()) * scale)
        if k % 4 == 1:
            style["fill"] = {"type": "linear", "angle": round(360 * rng.random()),
                             "stops": [{"offset": 0, "color": color_with_alpha(color, alpha)},
                                       {"offset": 1, "color": color_with_alpha(other, alpha * 0.6)}]}
        elif k % 7 == 3:
            style["fill"] = {"type": "radial",
                             "stops": [{"offset": 0, "color": color_with_alpha(color, alpha)},
                                       {"offset": 1, "color": color_with_alpha(other, 0.0)}]}
        else:
            style["fill"] = color_with_alpha(color, alpha)
        if k % 3 == 2 or k % 5 == 0:
            style["stroke"] = "#ffffff" if k % 2 else "#10121a"
            style["strokeWidth"] = r2(max(1.0, 3 * scale))
        clip["transform"], clip["style"] = transform, style
        xs, ys = [x0], [y0]
        for _ in range(4):
            xs.append(margin_x + rng.random() * (width - 2 * margin_x))
            ys.append(margin_y + rng.random() * (height - 2 * margin_y))
        times = [duration * p / 4 for p in range(5)]
        ease = [None] + [EASINGS[(k + p) % 4] for p in range(4)]
        spin = (1 if rng.random() < 0.5 else -1) * (60 + 300 * rng.random()) * unit
        turn0 = 360 * rng.random()
        peak = 0.6 + 0.4 * rng.random()
        fade = min(0.6 * unit, duration / 5)
        clip["keyframes"] = [
            keyframes("x", [(t, x, e) for t, x, e in zip(times, xs, ease)]),
            keyframes("y", [(t, y, e) for t, y, e in zip(times, ys, ease)]),
            keyframes("rotation", [(0, turn0, None), (duration / 2, turn0 + spin * 0.6, "easeInOutSine"),
                                   (duration, turn0 + spin, "easeInOutSine")]),
            keyframes("opacity", [(0, 0.0, None), (fade, peak, "easeOutQuad"), (duration / 2, peak * 0.55, "easeInOutSine"),
                                  (duration - fade, peak, "easeInOutSine"), (duration, 0.0, "easeInQuad")]),
        ]
        place(clip)

    # 4 texts: title, subtitle, two lower-third lines; in after the entrance, out before the next scene.
    enter = trans_duration if transition else 0
    leave = next_start - start if end > next_start else duration - 0.1 * unit
    title, subtitle, name, role = spec["texts"]
    texts = [
        (title, {"x": width / 2, "y": 0.47 * height},
         {"fontFamily": FONT_FAMILY, "fontSize": r2(120 * scale), "fontWeight": "bold", "fill": "#ffffff",
          "stroke": "#10121a", "strokeWidth": r2(max(1.0, 4 * scale)), "shadowColor": "rgba(0,0,0,0.55)",
          "shadowBlur": r2(16 * scale), "shadowOffset": [r2(6 * scale), r2(6 * scale)]},
         ("right", 260, "easeOutBack"), ("left", 260)),
        (subtitle, {"x": width / 2, "y": 0.60 * height},
         {"fontFamily": FONT_FAMILY, "fontSize": r2(56 * scale), "fill": "#ffe9a8"},
         ("up", 80, "easeOutCubic"), ("down", 80)),
        (name, {"x": 90 * scale, "y": 0.80 * height, "anchor": "left"},
         {"fontFamily": FONT_FAMILY, "fontSize": r2(46 * scale), "fontWeight": "bold", "fill": "#ffffff",
          "textAlign": "left"},
         ("right", 400, "easeOutQuart"), ("left", 400)),
        (role, {"x": 90 * scale, "y": 0.87 * height, "anchor": "left"},
         {"fontFamily": FONT_FAMILY, "fontSize": r2(34 * scale), "fill": "#d8e2ff", "textAlign": "left"},
         ("right", 400, "easeOutQuart"), ("left", 400)),
    ]
    for j, (text, transform, style, (in_dir, distance, in_ease), (out_dir, out_distance)) in enumerate(texts):
        in_delay = enter + (0.2 + 0.25 * j) * unit
        in_duration, out_duration = 0.8 * unit, 0.7 * unit
        out_delay = max(in_delay + in_duration, leave - out_duration - 0.12 * (3 - j) * unit)
        place({"type": "text", "text": text, "zIndex": zbase + 50 + j,
               "transform": {key: (r2(v) if isinstance(v, float) else v) for key, v in transform.items()},
               "style": style,
               "animations": [
                   {"type": "slideIn", "direction": in_dir, "distance": r2(distance * scale),
                    "duration": round(in_duration, 3), "delay": round(in_delay, 3), "easing": in_ease},
                   {"type": "fadeIn", "duration": round(in_duration * 0.8, 3), "delay": round(in_delay, 3),
                    "easing": "easeOutQuad"},
                   {"type": "slideOut", "direction": out_dir, "distance": r2(out_distance * scale),
                    "duration": round(out_duration, 3), "delay": round(out_delay, 3), "easing": "easeInCubic"},
                   {"type": "fadeOut", "duration": round(out_duration, 3), "delay": round(out_delay, 3),
                    "easing": "easeInQuad"},
               ]})
    return clips


def document(work, seconds, scale):
    """The mg-1080p document and a count of its clips by type."""
    width, height = canvas(scale)
    media = make_media(work, seconds, scale)
    bounds = scene_bounds(seconds)
    shortest = min(b - a for a, b in zip(bounds, bounds[1:]))
    trans = max(2 / FPS, min(1.0, frame_time(0.2 * shortest)))
    scenes = []
    count = len(bounds) - 1
    for i in range(count):
        start, next_start = bounds[i], bounds[i + 1]
        end = bounds[i + 1] + trans if i < count - 1 else bounds[-1]
        scenes.append({"id": f"scene{i + 1}",
                       "clips": scene_clips(i, start, end, next_start, transition_for(i, trans), trans, seconds,
                                            width, height, scale)})

    # The images, over all scenes, scaling slowly.
    cw, ch = max(2, round(600 * scale)), max(2, round(400 * scale))
    blur = r2(8 * scale)
    def zoom(a, b):
        return [keyframes("scale", [(0, a, None), (seconds, b, "easeInOutSine")])]
    images = [
        {"type": "image", "src": media["overlay"], "start": 0, "duration": seconds, "zIndex": 100000, "opacity": 0.5,
         "transform": {"x": width / 2, "y": height / 2, "width": width, "height": height},
         "style": {"filters": [{"type": "blur", "value": blur}]}, "keyframes": zoom(1.0, 1.1)},
        {"type": "image", "src": media["cards"][0], "start": 0, "duration": seconds, "zIndex": 100001,
         "transform": {"x": r2(0.17 * width), "y": r2(0.22 * height), "width": cw, "height": ch},
         "style": {"filters": [{"type": "blur", "value": blur}]}, "keyframes": zoom(0.9, 1.15),
         "animations": [{"type": "fadeIn", "duration": min(0.8, seconds / 10), "easing": "easeOutSine"}]},
        {"type": "image", "src": media["cards"][1], "start": 0, "duration": seconds, "zIndex": 100002,
         "transform": {"x": r2(0.83 * width), "y": r2(0.22 * height), "width": cw, "height": ch},
         "style": {"filters": [{"type": "brightness", "value": 1.25}, {"type": "contrast", "value": 1.4}]},
         "keyframes": zoom(1.1, 0.95)},
        {"type": "image", "src": media["cards"][2], "start": 0, "duration": seconds, "zIndex": 100003,
         "transform": {"x": r2(0.83 * width), "y": r2(0.79 * height), "width": cw, "height": ch},
         "style": {"borderRadius": r2(24 * scale)}, "keyframes": zoom(0.95, 1.12)},
    ]
    audio = {"type": "audio", "src": media["audio"], "start": 0, "duration": seconds, "volume": 0.8,
             "fadeIn": round(min(1.0, seconds / 10), 3), "fadeOut": round(min(2.0, seconds / 5), 3)}
    doc = {"meta": {"version": "2.0.0", "title": f"mg-1080p {seconds:g} s", "width": width, "height": height,
                    "fps": FPS, "background": "#000000"},
           "tracks": scenes + [{"id": "images", "clips": images}, {"id": "sound", "clips": [audio]}]}
    kinds = {}
    for track in doc["tracks"]:
        for clip in track["clips"]:
            kinds[clip["type"]] = kinds.get(clip["type"], 0) + 1
    info = {"width": width, "height": height, "frames": math.ceil(seconds * FPS - 1e-9), "scenes": count,
            "transition_s": trans, "scene_bounds": bounds, "clips": sum(kinds.values()), "clips_by_type": kinds}
    return doc, info


def prepare(work, seconds, scale):
    """Media and document for a `seconds`-long variant in `work`; returns (document path, info)."""
    os.makedirs(work, exist_ok=True)
    doc, info = document(work, seconds, scale)
    path = os.path.join(work, "mg-1080p.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    return path, info


# ---------------------------------------------------------------------------------------------------
# Measuring.

class RunFailed(Exception):
    pass


def measure(command, log_path):
    """Runs `command` as a child of this process and returns its wall seconds, CPU seconds (user +
    system) and peak RSS (MB) — that child's own rusage, from wait4."""
    with open(log_path, "wb") as log:
        start = time.monotonic()
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RunFailed(f"{' '.join(command)} exited with {process.returncode}:\n{tail(log_path)}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def tail(path, lines=15):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-lines:])


def capture(command):
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def validate(reel, doc):
    rc, output = capture([reel, "validate", doc])
    if rc != 0:
        sys.exit(f"{doc} is not valid for {reel}:\n{output}")


def floor_support(reel):
    """None when `reel` has `render --frames-out` and `bench x264`, else why not."""
    missing = []
    if "--frames-out" not in capture([reel, "render", "--help"])[1]:
        missing.append("`render --frames-out`")
    if not re.search(r"^\s*x264\b", capture([reel, "bench", "--help"])[1], re.M):
        missing.append("`bench x264`")
    return f"{reel} has no {' or '.join(missing)}" if missing else None


def check_output(reel, path, info):
    """Checks the MP4 with `reel probe --json`: H.264 at the canvas size, 30 fps, the frame count,
    one AAC stream. Returns (passed, summary)."""
    if not os.path.exists(path):
        return False, f"{path} does not exist"
    rc, output = capture([reel, "probe", path, "--json"])
    if rc != 0:
        return False, f"reel probe failed: {output.strip()}"
    streams = json.loads(output)["streams"]
    video = [s for s in streams if s["kind"] == "video"]
    audio = [s for s in streams if s["kind"] == "audio"]
    problems = []
    if len(video) != 1:
        problems.append(f"{len(video)} video streams")
    else:
        v = video[0]
        if v["codecName"] != "h264":
            problems.append(f"video codec {v['codecName']}")
        if (v["width"], v["height"]) != (info["width"], info["height"]):
            problems.append(f"{v['width']}×{v['height']}, not {info['width']}×{info['height']}")
        if v["frameRateDenominator"] == 0 or v["frameRateNumerator"] / v["frameRateDenominator"] != FPS:
            problems.append(f"frame rate {v['frameRateNumerator']}/{v['frameRateDenominator']}")
        if v["frameCount"] != info["frames"]:
            problems.append(f"{v['frameCount']} frames, not {info['frames']}")
    if len(audio) != 1 or audio[0]["codecName"] != "aac":
        problems.append("audio: " + (", ".join(s["codecName"] for s in audio) or "none") + ", not one AAC stream")
    if problems:
        return False, "; ".join(problems)
    v, a = video[0], audio[0]
    return True, (f"h264 {v['width']}×{v['height']} {v['pixelFormat']} {v['frameRateNumerator']}/{v['frameRateDenominator']} fps "
                  f"{v['frameCount']} frames; aac {a['sampleRate']} Hz {a['channels']} ch")


def floor_run(reel, doc, info, work):
    """The x264 floor: Reel's own frames written raw once (not measured), then encoded by
    `reel bench x264` (measured). Returns (result, None) or (None, why it was skipped)."""
    why = floor_support(reel)
    if why:
        return None, why
    frames_path = os.path.join(work, "frames.yuv")
    try:
        rc, output = capture([reel, "render", doc, "--frames-out", frames_path])
        if rc != 0:
            raise RunFailed(f"reel render --frames-out exited with {rc}:\n{output[-3000:]}")
        expected = info["width"] * info["height"] * 3 // 2 * info["frames"]
        size = os.path.getsize(frames_path)
        if size != expected:
            raise RunFailed(f"{frames_path} holds {size} bytes, not {info['frames']} yuv420p frames ({expected} bytes)")
        return measure([reel, "bench", "x264", frames_path, "--width", str(info["width"]), "--height",
                        str(info["height"]), "--fps", str(FPS)], os.path.join(work, "x264_floor.log")), None
    finally:
        if os.path.exists(frames_path):
            os.remove(frames_path)


# ---------------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reel", default=".build/release/reel", help="the reel binary (default: %(default)s)")
    parser.add_argument("--work", default="/tmp/reel-mg", help="where media, documents and outputs go (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=20, help="length of the composition (default: %(default)s)")
    parser.add_argument("--scale", type=float, default=1.0, help="scale of the canvas and all geometry (default: %(default)s)")
    parser.add_argument("--long", type=float, metavar="SECONDS",
                        help="also render a SECONDS-long variant (`reel_long`) to check that peak memory stays flat")
    parser.add_argument("--before", metavar="REEL", help="also run reel_null and reel with this binary (before_null, before)")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--prepare-only", action="store_true", help="write the media and the document, validate it, and stop")
    arguments = parser.parse_args()
    if not 0 < arguments.scale <= 4:
        parser.error("--scale must be in (0, 4]")
    if not 1 <= arguments.seconds <= 3600 or (arguments.long is not None and not 1 <= arguments.long <= 3600):
        parser.error("--seconds and --long must be 1 to 3600")
    reel, work, seconds, scale = arguments.reel, arguments.work, arguments.seconds, arguments.scale
    for binary in filter(None, (reel, arguments.before)):
        if not os.access(binary, os.X_OK):
            sys.exit(f"{binary}: not an executable (build it: swift build -c release --product reel)")

    doc, info = prepare(work, seconds, scale)
    validate(reel, doc)
    print(f"mg-1080p: {seconds:g} s, {info['width']}×{info['height']}, {FPS} fps, {info['frames']} frames; "
          f"{info['scenes']} scenes, {info['clips']} clips "
          f"({', '.join(f'{n} {k}' for k, n in sorted(info['clips_by_type'].items()))}); {doc}")
    if arguments.prepare_only:
        return 0

    results, outputs = {}, {}
    skipped = None
    try:
        results["reel_null"] = measure([reel, "render", doc, "--null"], os.path.join(work, "reel_null.log"))
        reel_mp4 = os.path.join(work, "reel.mp4")
        if os.path.exists(reel_mp4):
            os.remove(reel_mp4)
        results["reel"] = measure([reel, "render", doc, "-o", reel_mp4], os.path.join(work, "reel.log"))
        outputs["reel"] = check_output(reel, reel_mp4, info)
        floor, skipped = floor_run(reel, doc, info, work)
        if floor:
            results["x264_floor"] = floor
        else:
            print(f"x264_floor: skipped: {skipped}")
        if arguments.before:
            validate(arguments.before, doc)
            results["before_null"] = measure([arguments.before, "render", doc, "--null"], os.path.join(work, "before_null.log"))
            before_mp4 = os.path.join(work, "before.mp4")
            results["before"] = measure([arguments.before, "render", doc, "-o", before_mp4], os.path.join(work, "before.log"))
            outputs["before"] = check_output(arguments.before, before_mp4, info)
        long_info = None
        if arguments.long:
            long_work = os.path.join(work, f"long-{arguments.long:g}")
            long_doc, long_info = prepare(long_work, arguments.long, scale)
            validate(reel, long_doc)
            long_mp4 = os.path.join(long_work, "reel.mp4")
            results["reel_long"] = measure([reel, "render", long_doc, "-o", long_mp4], os.path.join(long_work, "reel.log"))
            outputs["reel_long"] = check_output(reel, long_mp4, long_info)
    except RunFailed as error:
        sys.exit(str(error))

    for name, result in results.items():
        result["fps"] = (long_info if name == "reel_long" else info)["frames"] / result["wall"]

    print(f"{'run':<13}{'wall s':>9}{'CPU s':>9}{'RSS MB':>9}{'fps':>8}")
    for name, result in results.items():
        print(f"{name:<13}{result['wall']:>9.2f}{result['cpu']:>9.2f}{result['rss_mb']:>9.0f}{result['fps']:>8.1f}")
    for name, (passed, summary) in outputs.items():
        print(f"output of {name}: {summary}")

    reel_result = results["reel"]
    ratios, checks = {}, {}
    floor = results.get("x264_floor")
    if floor:
        ratios["wall"] = reel_result["wall"] / floor["wall"]
        ratios["cpu"] = reel_result["cpu"] / floor["cpu"]
        ratios["rss_over_floor_mb"] = reel_result["rss_mb"] - floor["rss_mb"]
        print(f"reel / x264 floor: wall {ratios['wall']:.2f}×, CPU {ratios['cpu']:.2f}×, "
              f"peak RSS {ratios['rss_over_floor_mb']:+.0f} MB")
    if arguments.before:
        ratios["before_null_wall"] = results["before_null"]["wall"] / results["reel_null"]["wall"]
        ratios["before_wall"] = results["before"]["wall"] / reel_result["wall"]
        print(f"before / now: null wall {ratios['before_null_wall']:.2f}×, render wall {ratios['before_wall']:.2f}×")
    if arguments.long:
        ratios["long_rss"] = results["reel_long"]["rss_mb"] / reel_result["rss_mb"]
        print(f"peak RSS {arguments.long:g} s / {seconds:g} s: {ratios['long_rss']:.2f}×")

    # None: not measured in this run.
    checks["wall ≤ 1.10× the x264 floor's"] = ratios["wall"] <= 1.10 if floor else None
    checks["CPU ≤ 1.25× the x264 floor's"] = ratios["cpu"] <= 1.25 if floor else None
    checks["peak RSS ≤ the x264 floor's + 80 MB"] = ratios["rss_over_floor_mb"] <= 80 if floor else None
    if arguments.before:
        checks["--null ≥ 2.5× faster than before (wall)"] = ratios["before_null_wall"] >= 2.5
    if arguments.long:
        checks[f"peak RSS of {arguments.long:g} s within 10% of {seconds:g} s"] = abs(ratios["long_rss"] - 1) <= 0.1
    for name, (passed, _) in outputs.items():
        checks[f"output of {name}: h264 {info['width']}×{info['height']}, {FPS} fps, all frames, one AAC stream"] = passed
    for name, passed in checks.items():
        print(f"  {'met    ' if passed else 'skipped' if passed is None else 'NOT MET'}  {name}")
    if skipped:
        print(f"  (x264 floor skipped: {skipped})")

    if arguments.json:
        with open(arguments.json, "w") as f:
            json.dump({"benchmark": "mg-1080p", "seconds": seconds, "scale": scale, "reel": reel,
                       "before": arguments.before, "composition": info,
                       "long_composition": long_info, "results": results, "ratios": ratios,
                       "outputs": {name: {"ok": passed, "summary": summary} for name, (passed, summary) in outputs.items()},
                       "x264_floor_skipped": skipped, "checks": checks}, f, indent=2, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
