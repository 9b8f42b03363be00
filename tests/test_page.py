"""The reading page: its HTML, and its behaviour in real headless Chromium from file://."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reader.outputs import page
from reader.pipeline.build import build
from reader.pipeline.loading import load
from reader.pipeline.options import BuildOptions

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = os.environ.get("READER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
XSS = '<script>window.pwned = 1</script> <img src=x onerror="window.pwned = 2"> & “quotes”'

KK = f"""# Бірінші бөлім

Сәлем, әлем.

{XSS}

# Екінші бөлім

Үшінші абзац: күн шықты.

Төртінші абзац, соңғы.
"""
ZH = """# 第一部分

你好，世界。

这是一个测试。

# 第二部分

第三段：太阳出来了。

第四段，最后一段。
"""
#: A fifth pair whose first paragraph is taller than a phone's screen, so the second
#: one (and a late word of the first) is off-screen while the pair is marked.
LONG_KK = "Бесінші абзац ұзын. " * 80
LONG_ZH = "第五段，很长的一段。"
TOML = """album = "Test <book>"
author = "Tester & Co"
order = ["kk", "zh"]

[language.kk]
title = "Сынақ кітабы"

[language.zh]
title = "测试书"

[pauses]
paragraph = 0.3
pair = 0.6
lead_in = 0.2
"""


def _book(root: Path, kk: str, zh: str, unit: str | None = None, pattern: str | None = None
          ) -> tuple[Path, dict[str, Any]]:
    folder = root / "tiny"
    folder.mkdir()
    (folder / "kk.txt").write_text(kk, encoding="utf-8")
    (folder / "zh.txt").write_text(zh, encoding="utf-8")
    (folder / "book.toml").write_text(TOML, encoding="utf-8")
    loaded = load(folder, unit=unit, pattern=pattern)
    options = BuildOptions(out=root / "out", jobs=2)
    report = build(loaded, options, formats=("mp3", "html"))
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    return report.output.parent / "index.html", manifest


@pytest.fixture(scope="module")
def book_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A five-pair book built with its reading page; returns index.html and the manifest."""
    return _book(tmp_path_factory.mktemp("page"), KK + f"\n{LONG_KK.strip()}\n",
                 ZH + f"\n{LONG_ZH}\n")


@pytest.fixture(scope="module")
def plain_page(book_page: tuple[Path, dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    """The same book's page made from its manifest without word timings (plain.html)."""
    index, manifest = book_page
    document = copy.deepcopy(manifest)
    for pair in document["pairs"]:
        pair.pop("words", None)
    plain = index.parent / "plain.html"
    plain.write_text(page.render(document), encoding="utf-8")
    return plain, document


def test_page_escapes_book_text_and_keeps_its_assets_local(
    book_page: tuple[Path, dict[str, Any]], plain_page: tuple[Path, dict[str, Any]]
) -> None:
    index, manifest = book_page
    text = index.read_text(encoding="utf-8")  # words timed by the build: text cut in spans
    assert "<script>window.pwned" not in text and "<img src=x" not in text
    assert "&lt;script&gt;" in text and "<script>" not in text.replace(
        '<script src="assets/reader.js"></script>', "")
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in plain_page[0].read_text("utf-8")
    assert "<title>Сынақ кітабы / 测试书</title>" in text
    assert "Tester &amp; Co" in text
    assert "http://" not in text and "https://" not in text
    for name in page.ASSETS:
        assert (index.parent / page.ASSET_FOLDER / name).is_file()
    assert f'src="{manifest["audio"]["file"]}"' in text


@pytest.mark.parametrize(("document_pair", "expected"), [
    ({"index": 7, "chapter": {"title": 'a "b" <c>', "start": 100, "end": 900},
      "texts": {"kk": "x & y"}, "start": {"kk": 120}, "end": {"kk": 800}},
     ('<div class="pair" id="p7" data-pair="7" data-start-ms="100" data-end-ms="900">\n'
      '  <a class="num" href="#p7" title="a &quot;b&quot; &lt;c&gt;">7</a>\n'
      '  <p class="text" lang="kk" data-start-ms="120" data-end-ms="800">x &amp; y</p>\n'
      '  <p class="text missing" lang="zh"></p>\n</div>')),
])
def test_pair_html(document_pair: dict[str, Any], expected: str) -> None:
    assert page.pair_html(document_pair, ["kk", "zh"]) == expected


@pytest.mark.parametrize(("text", "heard", "expected"), [
    ("x & y", {}, "x &amp; y"),
    ("x & y", {(4, 5): [(10, 20)]}, 'x &amp; <span class="w" data-spans="10-20">y</span>'),
    # heard twice (a sentence said again slowly): both times, in time order
    ("你好，世界。", {(3, 5): [(900, 1400), (100, 300)], (0, 2): [(0, 90)]},
     '<span class="w" data-spans="0-90">你好</span>，'
     '<span class="w" data-spans="100-300 900-1400">世界</span>。'),
    # a word that is markup stays text, inside and outside the span
    ("<b>&</b>", {(0, 3): [(1, 2)]}, '<span class="w" data-spans="1-2">&lt;b&gt;</span>&amp;&lt;/b&gt;'),
    # out of the text, empty, or overlapping the word before: left as plain text
    ("abc def", {(0, 3): [(1, 2)], (2, 5): [(3, 4)], (6, 6): [(5, 6)], (4, 9): [(7, 8)]},
     '<span class="w" data-spans="1-2">abc</span> def'),
])
def test_words_html(text: str, heard: dict[tuple[int, int], list[tuple[int, int]]],
                    expected: str) -> None:
    assert page.words_html(text, heard) == expected


def test_pair_html_times_its_words() -> None:
    pair = {"index": 3, "chapter": {"title": "t", "start": 0, "end": 900},
            "texts": {"kk": "Күн шықты.", "zh": "太阳出来了。"}, "start": {"kk": 10, "zh": 500},
            "end": {"kk": 400, "zh": 900},
            "words": {"kk": [[10, 150, 0, 3], [150, 400, 4, 9]]}}  # zh untimed
    assert page.pair_html(pair, ["kk", "zh"]).splitlines()[2:4] == [
        '  <p class="text" lang="kk" data-start-ms="10" data-end-ms="400">'
        '<span class="w" data-spans="10-150">Күн</span> '
        '<span class="w" data-spans="150-400">шықты</span>.</p>',
        '  <p class="text" lang="zh" data-start-ms="500" data-end-ms="900">太阳出来了。</p>']


def test_sentences_html_times_words_at_every_hearing() -> None:
    pair = {"index": 1, "units": [{"number": 1, "texts": {"zh": "你好，世界。"}, "spoken": [
        {"lang": "zh", "start": 100, "end": 600, "words": [[100, 300, 0, 2], [350, 600, 3, 5]]},
        {"lang": "zh", "start": 700, "end": 1500, "words": [[700, 1000, 0, 2], [1100, 1500, 3, 5]]},
        {"gap": 1.0, "start": 1500, "end": 2300}]}]}
    assert page.sentences_html(pair, "zh") == (
        '<span class="sentence" data-unit="1.1" data-spans="100-600 700-1500">'
        '<span class="w" data-spans="100-300 700-1000">你好</span>，'
        '<span class="w" data-spans="350-600 1100-1500">世界</span>。</span>')


PLAYER = "document.getElementById('player')"
NOW = f"{PLAYER}.currentTime"


def _start(pair: dict[str, Any], lang: str | None = None) -> float:
    return (pair["start"][lang] if lang else pair["chapter"]["start"]) / 1000


def _words(start: int, times: list[tuple[int, int]], ranges: list[tuple[int, int]]
           ) -> list[list[int]]:
    """Manifest word rows: times in ms after start, character ranges as given."""
    return [[start + a, start + b, first, last] for (a, b), (first, last) in zip(times, ranges)]


#: Hand-timed words (ms after their paragraph starts) and their places in the text.
KK3_TIMES = [(0, 300), (300, 600), (700, 900), (900, 1200)]
KK3_RANGES = [(0, 6), (7, 12), (14, 17), (18, 23)]  # Үшінші абзац: күн шықты.
ZH3_TIMES = [(0, 400), (400, 700), (700, 1000)]
ZH3_RANGES = [(0, 3), (4, 6), (6, 9)]  # 第三段：太阳出来了。
XSS_RANGES = [(0, 8), (8, 14)]  # <script> window
LONG_RANGES = [(20 * k + 14, 20 * k + 18) for k in range(80)]  # each "ұзын"
LONG_TIMES = [(200 * k, 200 * k + 200) for k in range(80)]


@pytest.fixture(scope="module")
def words_page(book_page: tuple[Path, dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    """The same book's page made from its manifest with word timings added (words.html)."""
    index, manifest = book_page
    document = copy.deepcopy(manifest)
    pairs = document["pairs"]
    document["timings"] = {"kk": "estimated", "zh": "estimated"}
    for pair in pairs:  # only the hand-timed words below
        pair.pop("words", None)
    kk3, zh3 = pairs[2]["texts"]["kk"], pairs[2]["texts"]["zh"]
    assert [kk3[a:b] for a, b in KK3_RANGES] == ["Үшінші", "абзац", "күн", "шықты"]
    assert [zh3[a:b] for a, b in ZH3_RANGES] == ["第三段", "太阳", "出来了"]
    assert {pairs[4]["texts"]["kk"][a:b] for a, b in LONG_RANGES} == {"ұзын"}
    assert pairs[2]["end"]["kk"] - pairs[2]["start"]["kk"] > 1200
    assert pairs[4]["end"]["kk"] - pairs[4]["start"]["kk"] > 16_000
    pairs[1]["words"] = {"kk": _words(pairs[1]["start"]["kk"], [(0, 100), (100, 200)], XSS_RANGES)}
    pairs[2]["words"] = {"kk": _words(pairs[2]["start"]["kk"], KK3_TIMES, KK3_RANGES),
                         "zh": _words(pairs[2]["start"]["zh"], ZH3_TIMES, ZH3_RANGES)}
    pairs[4]["words"] = {"kk": _words(pairs[4]["start"]["kk"], LONG_TIMES, LONG_RANGES)}
    words = index.parent / "words.html"
    words.write_text(page.render(document), encoding="utf-8")
    return words, document


@pytest.fixture(scope="module")
def sentence_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The four-pair book by sentence with the learn pattern, its zh words hand-timed."""
    index, manifest = _book(tmp_path_factory.mktemp("sentences"), KK, ZH,
                            unit="sentence", pattern="learn")
    document = copy.deepcopy(manifest)
    unit = document["pairs"][0]["units"][0]
    assert unit["texts"]["zh"] == "你好，世界。"
    for step in unit["spoken"]:
        if step.get("lang") == "zh":  # 你好 and 世界, said at both speeds
            step["words"] = _words(step["start"], [(100, 400), (500, 900)], [(0, 2), (3, 5)])
    words = index.parent / "words.html"
    words.write_text(page.render(document), encoding="utf-8")
    return words, document


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (skipped where either is missing)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Tab:
    """A page open in Chromium from file://, with its errors and requests recorded."""

    def __init__(self, browser: Any, path: Path, width: int, height: int) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: message.type == "error"
                     and self.errors.append(message.text))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.goto(path.as_uri())
        self.wait(f"{PLAYER}.readyState >= 1")

    def wait(self, condition: str, arg: Any = None) -> None:
        self.page.wait_for_function(condition, arg=arg, timeout=10_000)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def seek(self, seconds: float) -> None:
        """Move the playhead (paused) and wait until the page has marked the new place."""
        self.js(f"t => {{ {PLAYER}.currentTime = t; }}", seconds)
        self.wait(f"t => !{PLAYER}.seeking && Math.abs({NOW} - t) < 0.01", seconds)
        self.js(f"{PLAYER}.dispatchEvent(new Event('timeupdate'))")

    def play_at(self, seconds: float) -> None:
        self.js(f"t => {{ {PLAYER}.currentTime = t; {PLAYER}.play().catch(() => {{}}); }}", seconds)

    def plays_from(self, action: Callable[[], Any]) -> float:
        """Do action (a click, a key) on the paused player; the time it started playing from."""
        assert self.js(f"{PLAYER}.paused")
        # where play() is asked for, before the playhead moves on
        self.js(f"(() => {{ const a = {PLAYER}; window.playedFrom = null; a.play = () => {{"
                " window.playedFrom = a.currentTime; delete a.play; return a.play(); }; })()")
        action()
        self.wait("window.playedFrom !== null")
        self.js(f"{PLAYER}.pause()")
        return float(self.js("window.playedFrom"))

    def marked(self, selector: str) -> list[str]:
        return self.page.eval_on_selector_all(selector, "all => all.map(e => e.textContent)")

    def in_view(self, selector: str) -> str:
        """A condition: the element is on screen below the sticky bar."""
        return (f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                " if (!e) return false; const r = e.getBoundingClientRect();"
                " const top = document.querySelector('.bar').getBoundingClientRect().bottom;"
                " return r.height > 0 && r.top >= top && r.bottom <= window.innerHeight; })()")

    def settled(self, condition: str) -> str:
        """A condition that also needs the page to have stopped scrolling (two polls alike)."""
        return (f"(() => {{ const same = window.lastY === window.scrollY;"
                f" window.lastY = window.scrollY; return same && {condition}; }})()")

    def close(self) -> None:
        assert self.errors == [], self.errors
        assert all(url.startswith("file://") for url in self.requests), self.requests
        self.page.close()


def test_page_follows_the_voice_in_chromium(
    browser: Any, plain_page: tuple[Path, dict[str, Any]]
) -> None:
    index, manifest = plain_page
    pairs = manifest["pairs"]
    tab = Tab(browser, index, 1280, 900)
    duration = tab.js(f"{PLAYER}.duration")
    assert duration == pytest.approx(manifest["audio"]["duration_ms"] / 1000, abs=0.1)

    # The <script> paragraph is text: shown as written, never run.
    assert tab.page.locator("#p2 .text[lang=kk]").inner_text() == XSS
    assert tab.js("window.pwned") is None
    assert tab.js("document.querySelectorAll('.w').length") == 0  # no word timings: no words

    # Playing into pair 3 marks pair 3 and the paragraph being spoken.
    tab.seek(_start(pairs[2], "zh") + 0.05)
    tab.wait("document.querySelector('#p3.current') !== null")
    assert tab.page.eval_on_selector_all(".pair.current", "all => all.map(e => e.id)") == ["p3"]
    assert tab.page.eval_on_selector_all(".text.speaking", "all => all.map(e => e.lang)") == ["zh"]

    # Clicking a paragraph while paused plays it from its start; the number, from the pair's.
    assert tab.js(f"{PLAYER}.paused")
    assert tab.plays_from(lambda: tab.page.click("#p2 .text[lang=zh]")) == pytest.approx(
        _start(pairs[1], "zh"), abs=0.01)
    tab.wait("document.querySelector('#p2 .text[lang=zh].speaking') !== null")
    assert tab.plays_from(lambda: tab.page.click("#p2 .num")) == pytest.approx(
        _start(pairs[1]), abs=0.01)

    # Keys: → and ← move by pairs; space plays and pauses.
    tab.seek(_start(pairs[1]))
    tab.page.keyboard.press("ArrowRight")
    assert tab.js(NOW) == pytest.approx(_start(pairs[2]), abs=0.01)
    tab.wait("document.querySelector('#p3.current') !== null")
    tab.page.keyboard.press("ArrowLeft")
    tab.page.keyboard.press("ArrowLeft")
    assert tab.js(NOW) == pytest.approx(_start(pairs[0]), abs=0.01)
    scrolled = tab.js("window.scrollY")
    tab.page.keyboard.press(" ")
    tab.wait(f"!{PLAYER}.paused")
    tab.page.focus("#player")  # space on the focused player must not toggle twice
    tab.page.keyboard.press(" ")
    tab.wait(f"{PLAYER}.paused")
    tab.page.focus("#play")  # nor on the focused play button
    tab.page.keyboard.press(" ")
    tab.wait(f"!{PLAYER}.paused")
    tab.page.keyboard.press(" ")
    tab.wait(f"{PLAYER}.paused")
    assert tab.js("window.scrollY") == scrolled  # nor scroll the page

    # R repeats the paragraph being heard, or the last one heard in a pause.
    tab.seek(_start(pairs[2], "kk") + 0.4)
    assert tab.plays_from(lambda: tab.page.keyboard.press("r")) == pytest.approx(
        _start(pairs[2], "kk"), abs=0.01)
    tab.seek(pairs[2]["end"]["kk"] / 1000 + 0.05)  # the pause between the two paragraphs
    assert tab.plays_from(lambda: tab.page.click("#repeat")) == pytest.approx(
        _start(pairs[2], "kk"), abs=0.01)
    ARTIFACTS.mkdir(exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "reading-page.png"))
    tab.close()


def test_built_page_marks_the_words_the_build_timed(
    browser: Any, book_page: tuple[Path, dict[str, Any]]
) -> None:
    index, manifest = book_page
    pair = manifest["pairs"][2]
    tab = Tab(browser, index, 1280, 900)
    assert tab.page.locator("#p2 .text[lang=kk]").inner_text() == XSS
    assert tab.js("window.pwned") is None
    for lang in ("kk", "zh"):
        if not pair.get("words", {}).get(lang):
            continue  # the engine gave no word times: nothing to mark
        start, end, first, last = pair["words"][lang][1]
        tab.seek((start + end) / 2000)
        tab.wait("w => document.querySelector('.text.speaking .w.speaking')?.textContent === w",
                 pair["texts"][lang][first:last])
    tab.close()


def test_speed_and_languages(browser: Any, book_page: tuple[Path, dict[str, Any]]) -> None:
    index, _ = book_page
    tab = Tab(browser, index, 1280, 900)
    speed = "document.getElementById('speed').textContent"
    assert tab.js(speed) == "1.0×"
    tab.page.keyboard.press("]")
    tab.page.keyboard.press("+")
    assert tab.js(f"{PLAYER}.playbackRate") == pytest.approx(1.2)
    assert tab.js(speed) == "1.2×"
    tab.page.keyboard.press("[")
    tab.page.keyboard.press("-")
    tab.page.keyboard.press("-")
    assert tab.js(f"{PLAYER}.playbackRate") == pytest.approx(0.9)
    for _ in range(8):
        tab.page.click("[data-do=slower]")
    assert (tab.js(f"{PLAYER}.playbackRate"), tab.js(speed)) == (0.5, "0.5×")
    for _ in range(12):
        tab.page.click("[data-do=faster]")
    assert (tab.js(f"{PLAYER}.playbackRate"), tab.js(speed)) == (1.5, "1.5×")
    tab.js(f"{PLAYER}.play()")  # the speed holds while playing
    tab.wait(f"!{PLAYER}.paused")
    assert tab.js(f"{PLAYER}.playbackRate") == 1.5
    tab.js(f"{PLAYER}.pause()")

    def widths(lang: str) -> list[float]:
        return tab.page.eval_on_selector_all(
            f".book .text[lang={lang}]", "all => all.map(e => e.getBoundingClientRect().width)")

    zh_width = widths("zh")[0]
    tab.page.keyboard.press("1")  # hide kk: zh takes the room
    assert set(widths("kk")) == {0}
    assert tab.js("document.querySelector('.titles h1[lang=kk]').hidden")
    assert widths("zh")[0] > 1.5 * zh_width
    assert tab.js("document.querySelector('.lang[data-lang=kk]').getAttribute('aria-pressed')"
                  ) == "false"
    tab.page.keyboard.press("2")  # the last language on show stays
    assert widths("zh")[0] > 1.5 * zh_width
    tab.page.click(".lang[data-lang=kk]")
    assert widths("zh")[0] == pytest.approx(zh_width) and min(widths("kk")) > 0
    tab.page.keyboard.press("2")
    assert set(widths("zh")) == {0} and min(widths("kk")) > 1.5 * zh_width

    # The keys are listed on the page.
    keys = tab.page.locator(".keys").inner_text()
    for key in ("Space", "←", "→", "R", "[", "]", "1", "2"):
        assert key in keys
    assert tab.page.locator(".keys li").first.is_visible()
    tab.close()


def test_words_are_marked_and_clicked_in_chromium(
    browser: Any, words_page: tuple[Path, dict[str, Any]]
) -> None:
    path, document = words_page
    pairs = document["pairs"]
    tab = Tab(browser, path, 1280, 900)
    assert tab.page.locator("#p2 .text[lang=kk]").inner_text() == XSS  # words are text too
    assert tab.js("window.pwned") is None
    kk3, zh3 = pairs[2]["start"]["kk"] / 1000, pairs[2]["start"]["zh"] / 1000

    # At a word's time, that word is marked, inside the paragraph being spoken.
    for at, word in ((0.15, "Үшінші"), (0.45, "абзац"), (1.0, "шықты")):
        tab.seek(kk3 + at)
        tab.wait("w => [...document.querySelectorAll('.w.speaking')].map(e => e.textContent)"
                 ".join() === w", word)
        assert tab.marked(".text.speaking .w.speaking") == [word]
    tab.seek(kk3 + 0.65)  # between абзац and күн: the paragraph, no word
    tab.wait("document.querySelector('.w.speaking') === null")
    assert tab.marked(".text.speaking") == [pairs[2]["texts"]["kk"]]
    tab.seek(_start(pairs[0], "kk") + 0.05)  # a paragraph without word timings
    tab.wait("document.querySelector('#p1 .text.speaking') !== null")
    assert tab.marked(".w.speaking") == []

    # Played for real: the word comes up at its time.
    tab.seek(zh3 + 0.3)
    tab.js(f"{PLAYER}.play()")
    tab.wait("document.querySelector('.w.speaking')?.textContent === '太阳'")
    tab.wait("document.querySelector('.w.speaking')?.textContent === '出来了'")
    tab.js(f"{PLAYER}.pause()")

    # Clicking a word while paused plays from it.
    tab.seek(0)
    word = "#p3 .text[lang=zh] .w >> text=太阳"
    assert tab.plays_from(lambda: tab.page.click(word)) == pytest.approx(zh3 + 0.4, abs=0.01)
    tab.close()


def test_sentence_words_and_repeat_in_chromium(
    browser: Any, sentence_page: tuple[Path, dict[str, Any]]
) -> None:
    path, document = sentence_page
    steps = [step for step in document["pairs"][0]["units"][0]["spoken"]
             if step.get("lang") == "zh"]
    normal, slow = steps[0]["start"] / 1000, steps[1]["start"] / 1000
    tab = Tab(browser, path, 1280, 900)
    assert tab.js("document.getElementById('repeat').textContent").endswith("sentence")

    # 世界 is marked at both hearings, inside the sentence being heard.
    for start in (normal, slow):
        tab.seek(start + 0.6)
        tab.wait("document.querySelector('.w.speaking')?.textContent === '世界'")
        assert tab.marked(".sentence.speaking .w.speaking") == ["世界"]
        assert tab.marked(".sentence.speaking") == ["你好，世界。"]

    # R repeats the hearing under way (the slow one), also from the gap after it.
    tab.seek(slow + 0.6)
    assert tab.plays_from(lambda: tab.page.keyboard.press("r")) == pytest.approx(
        slow, abs=0.01)
    tab.seek(steps[1]["end"] / 1000 + 0.1)
    assert tab.plays_from(lambda: tab.page.keyboard.press("r")) == pytest.approx(
        slow, abs=0.01)

    # A click on 世界 plays it from the hearing under way, else from the first.
    tab.seek(slow + 0.2)
    assert tab.plays_from(lambda: tab.page.click(".sentence .w >> text=世界")) == pytest.approx(
        slow + 0.5, abs=0.01)
    tab.seek(0)
    assert tab.plays_from(lambda: tab.page.click(".sentence .w >> text=世界")) == pytest.approx(
        normal + 0.5, abs=0.01)
    tab.close()


def test_page_fits_a_phone(browser: Any, words_page: tuple[Path, dict[str, Any]]) -> None:
    path, document = words_page
    pairs = document["pairs"]
    tab = Tab(browser, path, 390, 844)
    assert tab.js("document.documentElement.scrollWidth") <= 390
    boxes = tab.page.eval_on_selector_all(
        "#p3 .text", "all => all.map(e => { const r = e.getBoundingClientRect();"
        " return [r.left, r.top, r.width]; })")
    (kk_left, kk_top, kk_width), (zh_left, zh_top, _) = boxes
    assert kk_left == zh_left and zh_top > kk_top  # stacked, not side by side
    assert kk_width > 280

    # Every control is on screen; the key list opens from its summary.
    for selector in ("#play", "[data-do=previous]", "[data-do=next]", "#repeat",
                     "[data-do=slower]", "#speed", "[data-do=faster]",
                     ".lang[data-lang=kk]", ".lang[data-lang=zh]", ".keys summary"):
        box = tab.page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] < 844 / 3
    assert not tab.page.locator(".keys li").first.is_visible()
    tab.page.click(".keys summary")
    assert tab.page.locator(".keys li").first.is_visible()
    tab.page.click(".keys summary")
    ARTIFACTS.mkdir(exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "reading-page-phone.png"))

    # The pair of the long paragraph is taller than the screen: scrolling follows the
    # paragraph being spoken (the second one), then a late word of the first.
    assert tab.js("document.getElementById('p5').getBoundingClientRect().height") > 844
    tab.play_at(_start(pairs[4], "zh"))
    tab.wait(tab.in_view("#p5 .text[lang=zh].speaking"))
    tab.js(f"{PLAYER}.pause()")
    tab.js("window.scrollTo(0, 0)")
    late = _start(pairs[4], "kk") + LONG_TIMES[70][0] / 1000 + 0.05
    tab.play_at(late)
    tab.wait(tab.settled(tab.in_view("#p5 .w.speaking")))
    tab.js(f"{PLAYER}.pause()")
    tab.page.screenshot(path=str(ARTIFACTS / "reading-page-phone-word.png"))
    tab.close()
