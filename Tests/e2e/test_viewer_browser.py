"""The preview page in a real headless Chromium, against `reel serve`: scrubbing shows the
compositor's frame (pixel for pixel what `reel frame` renders), the keyboard steps and plays, the
tracks are drawn as bars, and the page logs no error. Screenshots go to .build/test-artifacts/."""
import base64
import json
import os
import shutil
import urllib.request

import pytest

from conftest import ROOT, reel

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
CHROMEDRIVER = shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("needs chromium and chromedriver (scripts/install-deps installs them)", allow_module_level=True)

from selenium import webdriver  # noqa: E402 (only once the browser is known to be there)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ARTIFACTS = os.path.join(ROOT, ".build", "test-artifacts")
FPS = 30
FRAMES = 60
# A label that would break out of the page if it were not escaped, in HTML and in the JSON block.
TEXT = "Hi </script><b>bold</b> & co"

CONFIG = {
    "meta": {"version": "2.0.0", "width": 320, "height": 180, "fps": FPS, "background": "#14213d"},
    "tracks": [
        {"clips": [
            {"type": "rect", "start": 0, "duration": 2, "style": {"fill": "#fca311"},
             "transform": {"x": 40, "y": 60, "width": 48, "height": 48},
             "animations": [{"type": "move", "from": {"x": 40, "y": 60}, "to": {"x": 280, "y": 60}, "duration": 2}]},
        ]},
        {"clips": [
            {"type": "circle", "start": 0, "duration": 0.8, "size": 40, "style": {"fill": "#e63946"},
             "transform": {"x": 160, "y": 135}},
            {"type": "text", "text": TEXT, "start": 0.5, "duration": 1.5, "style": {"fontSize": 16},
             "transform": {"x": 160, "y": 130}},
        ]},
        {"clips": [
            {"type": "polygon", "sides": 6, "size": 36, "start": 1, "duration": 1, "style": {"fill": "#2ec4b6"},
             "transform": {"x": 285, "y": 145}, "animations": [{"type": "rotate", "duration": 1}]},
        ]},
    ],
}
CLIPS = [clip for track in CONFIG["tracks"] for clip in track["clips"]]

# Draws images to canvases and compares their pixels: the page's frame against PNGs decoded in
# the page too, so both go through the same decoder.
COMPARE = """
const [references, done] = arguments;
const decode = source => new Promise((resolve, reject) => {
  const image = new Image();
  image.onload = () => resolve(image);
  image.onerror = () => reject(new Error('cannot decode ' + source.slice(0, 40)));
  image.src = source;
});
const pixels = image => {
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const context = canvas.getContext('2d', {willReadFrequently: true});
  context.drawImage(image, 0, 0);
  return context.getImageData(0, 0, canvas.width, canvas.height).data;
};
(async () => {
  const frame = document.getElementById('frame'), shown = pixels(frame);
  const result = {width: frame.naturalWidth, height: frame.naturalHeight, t: frame.dataset.t};
  for (const [name, png] of Object.entries(references)) {
    const reference = await decode('data:image/png;base64,' + png);
    const other = pixels(reference);
    let maxDifference = 0, differing = 0;
    for (let i = 0; i < shown.length; i++) {
      const difference = Math.abs(shown[i] - other[i]);
      if (difference > maxDifference) maxDifference = difference;
      if (difference > 2) differing++;
    }
    result[name] = {width: reference.naturalWidth, height: reference.naturalHeight, maxDifference, differing};
  }
  return result;
})().then(done, error => done({error: String(error)}));
"""


def create_preview(server):
    request = urllib.request.Request(server.base_url + "/api/v1/preview", data=json.dumps(CONFIG).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer " + server.key})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["tempId"]


class Page:
    """A headless Chromium on the viewer, with the console log gathered as it goes."""

    def __init__(self, url):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                         "--force-color-profile=srgb"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        self.driver.set_script_timeout(60)
        self.console = []
        self.driver.get(url)
        self.wait_for_frame(0)

    def __getitem__(self, element_id):
        return self.driver.find_element(By.ID, element_id)

    def wait(self, condition, timeout=60):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(lambda driver: condition())

    def shown(self):
        """The index and time of the frame the image shows."""
        frame = self["frame"]
        index, t = frame.get_attribute("data-frame"), frame.get_attribute("data-t")
        return (int(index), float(t)) if index is not None and t is not None else (None, None)

    def wait_for_frame(self, index):
        self.wait(lambda: self.shown()[0] == index)
        assert abs(self.shown()[1] - index / FPS) < 1e-9
        return self["frame"].get_attribute("data-t")

    def counter(self):
        return self["frame-counter"].text

    def scrub(self, index):
        self.driver.execute_script(
            "const s = document.getElementById('scrubber'); s.value = arguments[0];"
            "s.dispatchEvent(new Event('input', {bubbles: true}));", index)

    def press(self, *keys):
        for key in keys:
            ActionChains(self.driver).send_keys(key).perform()

    def read_console(self):
        self.console += self.driver.get_log("browser")
        return self.console

    def close(self):
        self.driver.quit()


@pytest.fixture
def page(server, tmp_path):
    preview = create_preview(server)
    page = Page(f"{server.base_url}/preview/{preview}")
    page.config = tmp_path / "config.json"
    page.config.write_text(json.dumps(CONFIG))
    page.tmp = tmp_path
    yield page
    try:
        severe = [entry for entry in page.read_console() if entry["level"] == "SEVERE"]
        assert not severe, f"the page logged errors: {severe}"
    finally:
        page.close()


def reference_png(page, t, name):
    """`reel frame` of the same document at `t` (the page's own time string), base64."""
    path = page.tmp / name
    reel("frame", str(page.config), "--at", t, "--output", str(path))
    return base64.b64encode(path.read_bytes()).decode()


def test_scrubbing_shows_the_frame_reel_frame_renders(page):
    index = 36
    page.scrub(index)
    t = page.wait_for_frame(index)
    assert page.counter() == f"frame {index} / {FRAMES}"
    assert page["time"].text == "0:01.20 / 0:02.00"
    assert page["scrubber"].get_attribute("value") == str(index)
    result = page.driver.execute_async_script(COMPARE, {"same": reference_png(page, t, "same.png"),
                                                        "start": reference_png(page, "0", "start.png")})
    assert "error" not in result, result
    assert (result["width"], result["height"]) == (320, 180)
    assert result["same"]["width"] == 320 and result["same"]["height"] == 180
    assert result["same"]["maxDifference"] <= 2, result
    # The test could fail: the moving rectangle, the text and the polygon changed the picture.
    assert result["start"]["differing"] > 1000, result


def test_keyboard_steps_and_plays(page):
    page.driver.execute_script(
        "document.activeElement.blur(); document.body.focus(); window.spaceHandled = [];"
        "addEventListener('keydown', event => { if (event.key === ' ') spaceHandled.push(event.defaultPrevented); });")
    page.press(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    page.wait_for_frame(2)
    assert page.counter() == f"frame 2 / {FRAMES}"
    page.press(Keys.ARROW_LEFT)
    page.wait_for_frame(1)
    assert page.counter() == f"frame 1 / {FRAMES}"

    play = page["play"]
    assert play.get_attribute("data-state") == "paused" and play.text == "Play"
    page.press(Keys.SPACE)
    page.wait(lambda: play.get_attribute("data-state") == "playing")
    assert play.text == "Pause" and play.get_attribute("aria-pressed") == "true"
    page.wait(lambda: page.counter() not in (f"frame 1 / {FRAMES}", f"frame 0 / {FRAMES}"))
    # It plays on through the end and starts again (within the server's frame limit: the fixture
    # fails the test on a refused request in the console).
    seen = []

    def looped():
        seen.append(page.shown()[0])
        return max(seen) >= FRAMES // 2 and seen[-1] < max(seen) - FRAMES // 3
    page.wait(looped)
    page.press(Keys.SPACE)
    page.wait(lambda: play.get_attribute("data-state") == "paused")
    assert play.text == "Play"
    # Paused, the frame shown settles on the scrubber's position.
    page.wait(lambda: str(page.shown()[0]) == page["scrubber"].get_attribute("value"))
    assert page.counter() == f"frame {page.shown()[0]} / {FRAMES}"
    assert page.driver.execute_script("return spaceHandled") == [True, True], "space must not scroll the page"

    # Keys typed into a text field are the field's.
    stopped = page.shown()[0]
    page.driver.execute_script(
        "const field = document.createElement('input'); field.id = 'field'; document.querySelector('main').append(field);"
        "field.focus();")
    page.press(Keys.ARROW_RIGHT, Keys.SPACE)
    assert page["play"].get_attribute("data-state") == "paused"
    assert page["scrubber"].get_attribute("value") == str(stopped)


def active_clips(t):
    return sorted((clip["start"], clip["start"] + clip["duration"]) for clip in CLIPS
                  if clip["start"] <= t < clip["start"] + clip["duration"])


def shown_active(page):
    bars = page.driver.find_elements(By.CSS_SELECTOR, "#tracks .clip.active")
    return sorted((float(bar.get_attribute("data-start")), float(bar.get_attribute("data-end"))) for bar in bars)


def test_tracks_are_bars_and_clicking_them_seeks(page):
    rows = page.driver.find_elements(By.CSS_SELECTOR, "#tracks .track")
    assert len(rows) == len(CONFIG["tracks"])
    for row, track in zip(rows, CONFIG["tracks"]):
        assert len(row.find_elements(By.CSS_SELECTOR, ".clip")) == len(track["clips"])
    bars = page.driver.find_elements(By.CSS_SELECTOR, "#tracks .clip")
    assert len(bars) == len(CLIPS)
    labels = [bar.find_element(By.CSS_SELECTOR, ".label").get_attribute("textContent") for bar in bars]
    assert labels == ["rectangle", "ellipse", TEXT, "6-sided polygon"]
    assert page.driver.find_elements(By.TAG_NAME, "b") == [], "a clip's text made markup"
    summary = json.loads(page.driver.execute_script("return document.getElementById('timeline').textContent"))
    assert summary["frameCount"] == FRAMES and summary["tracks"][1]["clips"][1]["label"] == TEXT
    assert shown_active(page) == active_clips(0)

    # A click three quarters along the bars seeks to 1.5 s.
    lane = rows[0].find_element(By.CSS_SELECTOR, ".lane")
    ActionChains(page.driver).move_to_element_with_offset(lane, int(lane.size["width"] * 0.25), 0).click().perform()
    page.wait(lambda: abs(int(page["scrubber"].get_attribute("value")) - 45) <= 1)
    index = int(page["scrubber"].get_attribute("value"))
    page.wait_for_frame(index)
    assert shown_active(page) == active_clips(index / FPS)
    assert len(shown_active(page)) == 3

    page.scrub(20)
    page.wait_for_frame(20)
    assert shown_active(page) == active_clips(20 / FPS) and len(shown_active(page)) == 3

    os.makedirs(ARTIFACTS, exist_ok=True)
    page.driver.save_screenshot(os.path.join(ARTIFACTS, "viewer.png"))
    page.driver.set_window_size(375, 812)
    page.wait(lambda: page.driver.execute_script("return innerWidth") <= 375)
    assert page.driver.execute_script("return document.documentElement.scrollWidth") <= 375, "the page scrolls sideways"
    page.driver.save_screenshot(os.path.join(ARTIFACTS, "viewer-phone.png"))
