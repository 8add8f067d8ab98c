import Foundation
import Timeline

/// The preview page: the frame the compositor renders at the scrubber's time (fetched as PNG, one
/// request at a time), play/pause, frame stepping from the keyboard, the tracks drawn as bars under
/// the scrubber, and the config. One self-contained page: no script, style or font from elsewhere.
enum ViewerPage {
    /// The page for the composition `id`. `frameLimit` is the server's limit on preview frames, which
    /// the page keeps to itself (waiting rather than being refused) when it is given.
    static func html(id: String, title: String, timeline: Timeline, config: String, frameLimit: RateLimit? = nil) -> String {
        let summary = ViewerTimeline(timeline)
        let frameCount = max(1, summary.frameCount)
        let fps = String(format: "%g", timeline.canvas.frameRate.framesPerSecond)
        let prettyConfig = (try? JSONSerialization.jsonObject(with: Data(config.utf8)))
            .flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) }
            .map { String(decoding: $0, as: UTF8.self) } ?? config
        let limit = frameLimit.map { #" data-per-minute="\#($0.perMinute)" data-burst="\#($0.burst)""# } ?? ""
        let notices = timeline.notices.isEmpty ? "" :
            #"<ul class="notices">"# + timeline.notices.map { "<li>\(escape($0))</li>" }.joined() + "</ul>"
        return #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="dark">
        <title>\#(escape(title)) · Reel</title>
        <link rel="icon" href="data:,">
        <style>\#(style)</style></head>
        <body><main>
          <header>
            <h1>\#(escape(title))</h1>
            <p class="meta">\#(summary.width) × \#(summary.height) · \#(fps) fps · \#(clock(summary.duration)) · \#(summary.frameCount) frames</p>
          </header>
          \#(notices)
          <div class="stage" id="stage" style="--w: \#(summary.width); --h: \#(summary.height)">
            <img id="frame" alt="The frame at the scrubber's time" width="\#(summary.width)" height="\#(summary.height)"
                 data-frames="/preview/\#(escape(id))/frame.png"\#(limit)>
          </div>
          <div class="controls">
            <button id="play" type="button" data-state="paused" aria-pressed="false">
              <svg class="icon-play" viewBox="0 0 16 16" aria-hidden="true"><path d="M4 2.5v11l9-5.5z"/></svg>
              <svg class="icon-pause" viewBox="0 0 16 16" aria-hidden="true"><path d="M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z"/></svg>
              <span>Play</span>
            </button>
            <input id="scrubber" type="range" min="0" max="\#(frameCount - 1)" step="1" value="0" aria-label="Frame">
          </div>
          <div class="readout">
            <span id="frame-counter">frame 0 / \#(frameCount)</span>
            <span id="time">\#(clock(0)) / \#(clock(summary.duration))</span>
            <span id="status" role="status"></span>
          </div>
          <div id="tracks" class="tracks" title="Click or drag to seek">
            <div class="ruler"><span></span><div class="lane"></div></div>
            <div class="playhead" aria-hidden="true"></div>
          </div>
          <p class="keys"><kbd>Space</kbd> play / pause <span>·</span> <kbd>←</kbd> <kbd>→</kbd> one frame
            (<kbd>Shift</kbd> one second) <span>·</span> <kbd>Home</kbd> <kbd>End</kbd> first / last frame</p>
          <details><summary>Config</summary>
            <a href="/preview/\#(escape(id))/config.json">config.json</a>
            <pre>\#(escape(prettyConfig))</pre>
          </details>
        </main>
        <script type="application/json" id="timeline">\#(summary.scriptJSON)</script>
        <script>\#(script)</script>
        </body></html>
        """#
    }

    /// `seconds` as m:ss.cc, as the page's script writes times.
    static func clock(_ seconds: Double) -> String {
        let hundredths = Int(saturating: (max(0, seconds) * 100).rounded())
        return String(format: "%ld:%02ld.%02ld", hundredths / 6000, hundredths / 100 % 60, hundredths % 100)
    }

    /// Text made safe for HTML content and attribute values.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }

    static let style = """
    :root { --bg: #0e1014; --panel: #161920; --lane: #1c2029; --line: #2a303c; --text: #e7e9ee; --muted: #8d95a8;
            --accent: #6ea8ff; --playhead: #ff5d5d; --name: 1.75rem; --pad: 10px; color-scheme: dark; }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
    main { max-width: 1100px; margin: 0 auto; padding: 20px 24px 40px; }
    header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 2px 16px; margin-bottom: 14px; }
    h1 { font-size: 1.35rem; font-weight: 600; margin: 0; overflow-wrap: anywhere; }
    .meta, .readout { margin: 0; color: var(--muted); font-size: .875rem; font-variant-numeric: tabular-nums; }
    .notices { margin: 0 0 14px; padding: 8px 12px 8px 28px; border-radius: 8px; background: #2a2414; color: #f3d58a; font-size: .875rem; }
    .stage { position: relative; display: flex; justify-content: center; background: #08090c; border: 1px solid var(--line);
             border-radius: 10px; overflow: hidden; }
    #frame { display: block; width: min(100%, calc(max(200px, 100vh - 380px) * var(--w) / var(--h))); height: auto; aspect-ratio: var(--w) / var(--h);
             background: repeating-conic-gradient(#20232b 0 25%, #171a20 0 50%) 0 0 / 16px 16px; }
    #frame:not([src]) { visibility: hidden; }
    .stage::after { content: ""; position: absolute; top: 10px; right: 10px; width: 14px; height: 14px; border-radius: 50%;
                    border: 2px solid #fff6; border-top-color: #fff; opacity: 0; animation: spin .8s linear infinite; }
    .stage.busy::after { opacity: 1; transition: opacity .2s .3s; }
    @keyframes spin { to { transform: rotate(1turn); } }
    .controls { display: flex; align-items: center; gap: 12px; margin: 14px 0 6px; }
    #play { flex: none; display: inline-flex; align-items: center; justify-content: center; gap: 8px; min-width: 6.5rem;
            padding: 8px 14px; border: 1px solid var(--line); border-radius: 8px; background: var(--panel); color: var(--text);
            font: inherit; cursor: pointer; }
    #play:hover, #play:focus-visible { border-color: var(--accent); }
    #play[data-state=playing] { background: var(--accent); border-color: var(--accent); color: #08111f; }
    #play svg { width: 16px; height: 16px; fill: currentColor; }
    #play .icon-pause, #play[data-state=playing] .icon-play { display: none; }
    #play[data-state=playing] .icon-pause { display: block; }
    #scrubber { flex: 1; min-width: 0; margin: 0; height: 28px; accent-color: var(--accent); cursor: pointer; }
    .readout { display: flex; flex-wrap: wrap; gap: 4px 18px; }
    #frame-counter, #time { color: var(--text); }
    #status { color: #ff9a9a; }
    .tracks { position: relative; margin-top: 14px; padding: 4px var(--pad) 8px 0; background: var(--panel);
              border: 1px solid var(--line); border-radius: 10px; user-select: none; touch-action: pan-y; cursor: pointer; }
    .ruler, .track { display: grid; grid-template-columns: var(--name) 1fr; align-items: center; }
    .track { margin-top: 4px; }
    .lane { position: relative; height: calc(4px + var(--levels, 1) * 24px); border-radius: 6px; background: var(--lane); }
    .ruler .lane { height: 18px; background: none; overflow: hidden; }
    .tick { position: absolute; top: 0; bottom: 0; padding-left: 4px; border-left: 1px solid var(--line); color: var(--muted);
            font-size: .7rem; line-height: 18px; font-variant-numeric: tabular-nums; }
    .track-name { color: var(--muted); font-size: .75rem; text-align: center; overflow: hidden; text-overflow: ellipsis; }
    .clip { position: absolute; top: calc(2px + var(--level, 0) * 24px); height: 22px; min-width: 3px; display: flex; align-items: center; gap: 6px;
            padding: 0 6px; overflow: hidden; white-space: nowrap; border-radius: 5px; border: 1px solid #0000;
            background: var(--kind, #9aa3b5); color: #0b0d12; font-size: .75rem; opacity: .55; }
    .clip .kind { font-size: .62rem; font-weight: 700; letter-spacing: .05em; text-transform: uppercase; opacity: .75; }
    .clip .label { overflow: hidden; text-overflow: ellipsis; }
    .clip { container-type: inline-size; }
    @container (max-width: 110px) { .clip .kind { display: none; } }
    @container (max-width: 30px) { .clip .label { display: none; } }
    .clip.active { opacity: 1; border-color: #fff; box-shadow: 0 0 10px var(--kind); }
    .clip:hover { opacity: .9; border-color: var(--text); border-style: dashed; }
    .kind-text { --kind: #7fb4ff; } .kind-timed-text { --kind: #b7a2ff; } .kind-shape { --kind: #ffbb73; }
    .kind-image { --kind: #7ee0a1; } .kind-video { --kind: #ff93b5; } .kind-audio { --kind: #62d6d6; }
    .playhead { position: absolute; top: 0; bottom: 0; width: 2px; margin-left: -1px; background: var(--playhead); pointer-events: none;
                left: calc(var(--name) + (100% - var(--name) - var(--pad)) * var(--at, 0)); }
    .playhead::before { content: ""; position: absolute; top: 0; left: -4px; border: 5px solid #0000; border-top-color: var(--playhead); }
    .keys { margin: 12px 0 0; color: var(--muted); font-size: .8rem; }
    .keys span { margin: 0 4px; }
    kbd { display: inline-block; min-width: 1.6em; padding: 0 5px; border: 1px solid var(--line); border-bottom-width: 2px;
          border-radius: 4px; background: var(--panel); color: var(--text); font: .75rem/1.5 ui-monospace, monospace; text-align: center; }
    details { margin-top: 16px; background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; }
    summary { cursor: pointer; font-weight: 600; }
    details a { float: right; color: var(--accent); font-size: .85rem; }
    pre { margin: 10px 0 0; padding: 12px; overflow: auto; max-height: 50vh; background: var(--bg); border-radius: 6px;
          font: .8rem/1.5 ui-monospace, "DejaVu Sans Mono", monospace; }
    @media (max-width: 600px) {
      main { padding: 12px 12px 28px; }
      h1 { font-size: 1.1rem; }
      #play { min-width: 0; padding: 8px 12px; }
      #play span { display: none; }
      .clip { padding: 0 4px; }
      .clip .kind, .keys { display: none; }
    }
    """

    /// The page's behaviour. It reads the timeline from the `timeline` JSON element, the frame URL
    /// and limit from the image's `data-frames`, `data-per-minute` and `data-burst`; a frame shown
    /// sets the image's `data-t` and `data-frame`.
    static let script = """
    (() => {
      'use strict';
      const $ = id => document.getElementById(id);
      const summary = JSON.parse($('timeline').textContent);
      const frame = $('frame'), stage = $('stage'), scrubber = $('scrubber'), playButton = $('play');
      const counter = $('frame-counter'), clockText = $('time'), status = $('status'), tracks = $('tracks');
      const [rateNumerator, rateDenominator] = summary.frameRate || [30, 1];
      const fps = rateNumerator / rateDenominator, duration = summary.duration || 0;
      const frameCount = Math.max(1, summary.frameCount || 0);
      const timeOf = index => index * rateDenominator / rateNumerator;
      const clampFrame = index => Math.min(Math.max(Math.round(index), 0), frameCount - 1);
      const clock = seconds => {
        const hundredths = Math.round(Math.max(0, seconds) * 100), whole = Math.floor(hundredths / 100);
        return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}.${String(hundredths % 100).padStart(2, '0')}`;
      };
      const element = (tag, className, text) => {
        const node = document.createElement(tag);
        if (className) node.className = className;
        if (text !== undefined) node.textContent = text;
        return node;
      };
      const fraction = t => duration > 0 ? Math.min(Math.max(t / duration, 0), 1) : 0;

      // The bars: one row per track, one bar per clip; clips that overlap in a track go one under
      // the other.
      const bars = [];
      const playhead = tracks.querySelector('.playhead');
      (summary.tracks || []).forEach((track, row) => {
        const line = element('div', 'track'), lane = element('div', 'lane');
        const name = element('div', 'track-name', String(row + 1));
        name.title = track.id ? `Track ${row + 1}: ${track.id}` : `Track ${row + 1}`;
        const levelEnds = [];
        const levelOf = new Map([...track.clips].sort((a, b) => a.start - b.start).map(clip => {
          let level = levelEnds.findIndex(end => end <= clip.start + 1e-9);
          if (level < 0) level = levelEnds.push(0) - 1;
          levelEnds[level] = clip.end;
          return [clip, level];
        }));
        lane.style.setProperty('--levels', Math.max(1, levelEnds.length));
        for (const clip of track.clips) {
          const bar = element('div', 'clip kind-' + clip.kind.replace(/[^a-z]+/g, '-'));
          bar.style.setProperty('--level', levelOf.get(clip));
          bar.dataset.start = clip.start;
          bar.dataset.end = clip.end;
          bar.style.left = fraction(clip.start) * 100 + '%';
          bar.style.width = (fraction(clip.end) - fraction(clip.start)) * 100 + '%';
          bar.title = `${clip.kind}: ${clip.label}\\n${clock(clip.start)} – ${clock(clip.end)}\\n${clip.origin}`;
          bar.append(element('span', 'kind', clip.kind), element('span', 'label', clip.label));
          lane.append(bar);
          bars.push({ bar, start: clip.start, end: clip.end });
        }
        line.append(name, lane);
        tracks.insertBefore(line, playhead);
      });

      const ruler = tracks.querySelector('.ruler .lane');
      function drawRuler() {
        ruler.replaceChildren();
        if (!(duration > 0)) return;
        const fits = Math.max(2, Math.floor(ruler.clientWidth / 64));
        const step = [0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]
          .find(candidate => duration / candidate <= fits) || 7200;
        for (let index = 0; index * step <= duration + 1e-9; index++) {
          const t = index * step, tick = element('span', 'tick', t < 60 ? `${+t.toFixed(2)}s` : clock(t).slice(0, -3));
          tick.style.left = fraction(t) * 100 + '%';
          ruler.append(tick);
        }
      }
      drawRuler();
      addEventListener('resize', drawRuler);

      // Frames: at most one request at a time; the latest position asked for while one loads is
      // fetched next, so the frame shown always ends on the scrubber's.
      let current = 0, loading = false, wanted = null, shownURL = null;
      let playing = false, playFrom = 0, playClock = 0, timer = 0;
      // The server's token bucket for frames, kept here too (one token short, for the requests'
      // travel time), so that playing or dragging waits for a token instead of being refused. Frames
      // fetched before come from the browser's cache and take none.
      const perSecond = Number(frame.dataset.perMinute) / 60, burst = Math.max(1, Number(frame.dataset.burst) - 1);
      let tokens = burst, refilled = performance.now();
      const fetched = new Set();
      function tokenWait(index) {
        if (!(perSecond > 0 && burst > 0) || fetched.has(index)) return 0;
        const now = performance.now();
        tokens = Math.min(burst, tokens + (now - refilled) / 1000 * perSecond);
        refilled = now;
        if (tokens >= 1) { tokens -= 1; return 0; }
        return (1 - tokens) / perSecond * 1000;
      }

      function seek(index) {
        current = clampFrame(index);
        const t = timeOf(current);
        scrubber.value = current;
        counter.textContent = `frame ${current} / ${frameCount}`;
        clockText.textContent = `${clock(t)} / ${clock(duration)}`;
        tracks.style.setProperty('--at', fraction(t));
        for (const { bar, start, end } of bars) bar.classList.toggle('active', t >= start - 1e-9 && t < end - 1e-9);
        request(current);
      }

      function request(index) {
        if (loading) { wanted = index; return; }
        if (frame.dataset.frame === String(index)) { continuePlaying(); return; }
        loading = true;
        stage.classList.add('busy');
        const wait = tokenWait(index);
        if (wait > 0) {
          wanted = index;
          setTimeout(() => { loading = false; const next = wanted; wanted = null; request(next); }, wait);
        } else {
          load(index);
        }
      }

      async function load(index) {
        const t = timeOf(index);
        let retryAfter = 0;
        try {
          const response = await fetch(frame.dataset.frames + '?t=' + t);
          if (!response.ok) {
            const body = await response.json().catch(() => ({}));
            if (response.status === 429) retryAfter = (Number(response.headers.get('Retry-After')) || 1) * 1000;
            else pause();
            throw new Error(body.error || `HTTP ${response.status}`);
          }
          const url = URL.createObjectURL(await response.blob());
          await new Promise((resolve, reject) => {
            frame.onload = resolve;
            frame.onerror = () => reject(new Error('the frame could not be decoded'));
            frame.src = url;
          });
          if (shownURL) URL.revokeObjectURL(shownURL);
          shownURL = url;
          frame.dataset.t = t;
          frame.dataset.frame = index;
          fetched.add(index);
          status.textContent = '';
        } catch (error) {
          status.textContent = `Frame ${index}: ${error.message}`;
          if (retryAfter) await new Promise(resolve => setTimeout(resolve, retryAfter));
        }
        loading = false;
        stage.classList.remove('busy');
        if (wanted !== null) {
          const next = wanted;
          wanted = null;
          request(next);
        } else {
          continuePlaying();
        }
      }

      // Playing shows the frame due at the wall clock whenever the previous one has loaded, so it
      // runs in real time and skips the frames the server cannot draw in time; it loops.
      function tick() {
        clearTimeout(timer);
        if (!playing) return;
        const elapsed = (performance.now() - playClock) / 1000, frames = Math.floor(elapsed * fps);
        const due = (playFrom + frames) % frameCount;
        if (due !== current) { seek(due); return; }
        timer = setTimeout(tick, Math.max(1, ((frames + 1) / fps - elapsed) * 1000));
      }

      function continuePlaying() { if (playing && !loading) tick(); }

      function setPlaying(state) {
        playing = state;
        clearTimeout(timer);
        playButton.dataset.state = state ? 'playing' : 'paused';
        playButton.setAttribute('aria-pressed', String(state));
        playButton.querySelector('span').textContent = state ? 'Pause' : 'Play';
        if (state) { playFrom = current; playClock = performance.now(); continuePlaying(); }
      }
      const pause = () => setPlaying(false);
      const toggle = () => setPlaying(!playing);

      // A position chosen by hand; playback, if on, carries on from there.
      function jump(index) {
        if (playing) { playFrom = clampFrame(index); playClock = performance.now(); }
        seek(index);
      }

      scrubber.addEventListener('input', () => jump(Number(scrubber.value)));
      playButton.addEventListener('click', toggle);

      let dragging = false;
      function seekAtPointer(event) {
        const lane = tracks.querySelector('.track .lane') || ruler, box = lane.getBoundingClientRect();
        const at = Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1);
        jump(at * duration * fps);
      }
      tracks.addEventListener('pointerdown', event => {
        if (event.button !== 0) return;
        dragging = true;
        tracks.setPointerCapture(event.pointerId);
        seekAtPointer(event);
      });
      tracks.addEventListener('pointermove', event => { if (dragging) seekAtPointer(event); });
      tracks.addEventListener('pointerup', () => { dragging = false; });
      tracks.addEventListener('pointercancel', () => { dragging = false; });

      const typing = target => target.isContentEditable || ['TEXTAREA', 'SELECT'].includes(target.tagName) ||
        (target.tagName === 'INPUT' && !['range', 'button', 'checkbox', 'radio', 'submit', 'reset'].includes(target.type));
      document.addEventListener('keydown', event => {
        if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
        const step = event.shiftKey ? Math.max(1, Math.round(fps)) : 1;
        switch (event.key) {
          case 'ArrowLeft': pause(); jump(current - step); break;
          case 'ArrowRight': pause(); jump(current + step); break;
          case 'Home': pause(); jump(0); break;
          case 'End': pause(); jump(frameCount - 1); break;
          case ' ':
            if (event.target.tagName === 'SUMMARY') return;
            if (!event.repeat) toggle();
            break;
          default: return;
        }
        event.preventDefault();
      });
      // A focused button would also take the space as a click when it is released.
      document.addEventListener('keyup', event => {
        if (event.key === ' ' && event.target.tagName === 'BUTTON') event.preventDefault();
      });

      seek(0);
    })();
    """
}
