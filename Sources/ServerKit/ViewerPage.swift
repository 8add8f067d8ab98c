import Foundation
import Timeline

/// The preview page: a frame rendered by the compositor, a scrubber that asks for frames as PNG,
/// and the config.
enum ViewerPage {
    static func html(id: String, title: String, timeline: Timeline, config: String) -> String {
        let duration = timeline.duration, frameStep = 1 / timeline.canvas.frameRate.framesPerSecond
        let width = timeline.canvas.width, height = timeline.canvas.height
        let prettyConfig = (try? JSONSerialization.jsonObject(with: Data(config.utf8)))
            .flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) }
            .map { String(decoding: $0, as: UTF8.self) } ?? config
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) · Reel</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
          body { font: 15px system-ui, sans-serif; margin: 0; background: #111; color: #eee; }
          main { max-width: 1100px; margin: 0 auto; padding: 24px; }
          img { width: 100%; aspect-ratio: \(width) / \(height); background: #000; display: block; }
          .controls { display: flex; gap: 12px; align-items: center; margin: 12px 0; }
          input[type=range] { flex: 1; }
          pre { background: #1b1b1b; padding: 12px; overflow: auto; max-height: 40vh; }
        </style></head>
        <body><main>
          <h1>\(escape(title))</h1>
          <img id="frame" alt="frame" src="/preview/\(id)/frame.png?t=0">
          <div class="controls">
            <input id="scrubber" type="range" min="0" max="\(max(0, duration - frameStep))" step="\(frameStep)" value="0">
            <span id="time">0.00 s</span> / \(String(format: "%.2f", duration)) s · \(width)×\(height)
          </div>
          <details><summary>Config</summary><pre>\(escape(prettyConfig))</pre></details>
        </main>
        <script>
          const frame = document.getElementById('frame'), scrubber = document.getElementById('scrubber');
          const label = document.getElementById('time');
          let loading = false, wanted = null;
          function show(t) {
            label.textContent = Number(t).toFixed(2) + ' s';
            if (loading) { wanted = t; return; }
            loading = true;
            frame.src = '/preview/\(id)/frame.png?t=' + t;
          }
          frame.onload = frame.onerror = () => {
            loading = false;
            if (wanted !== null) { const t = wanted; wanted = null; show(t); }
          };
          scrubber.addEventListener('input', () => show(scrubber.value));
        </script></body></html>
        """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
