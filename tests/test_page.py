"""The reading page: its HTML, and its behaviour in real headless Chromium from file://."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
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


@pytest.fixture(scope="module")
def book_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A four-pair book built with its reading page; returns index.html and the manifest."""
    root = tmp_path_factory.mktemp("page")
    folder = root / "tiny"
    folder.mkdir()
    (folder / "kk.txt").write_text(KK, encoding="utf-8")
    (folder / "zh.txt").write_text(ZH, encoding="utf-8")
    (folder / "book.toml").write_text(TOML, encoding="utf-8")
    loaded = load(folder)
    options = BuildOptions(out=root / "out", jobs=2)
    report = build(loaded, options, formats=("mp3", "html"))
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    return report.output.parent / "index.html", manifest


def test_page_escapes_book_text_and_keeps_its_assets_local(
    book_page: tuple[Path, dict[str, Any]]
) -> None:
    index, manifest = book_page
    text = index.read_text(encoding="utf-8")
    assert "<script>window.pwned" not in text and "<img src=x" not in text
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in text
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


def _start(pair: dict[str, Any], lang: str | None = None) -> float:
    return (pair["start"][lang] if lang else pair["chapter"]["start"]) / 1000


def test_page_follows_the_voice_in_chromium(
    browser: Any, book_page: tuple[Path, dict[str, Any]]
) -> None:
    index, manifest = book_page
    pairs = manifest["pairs"]
    tab = browser.new_page(viewport={"width": 1100, "height": 720})
    errors: list[str] = []
    requests: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))

    def console(message: Any) -> None:
        if message.type == "error":
            errors.append(message.text)

    tab.on("console", console)
    tab.on("request", lambda request: requests.append(request.url))
    tab.goto(index.as_uri())
    tab.wait_for_function("document.getElementById('player').readyState >= 1", timeout=10_000)
    duration = tab.evaluate("document.getElementById('player').duration")
    assert duration == pytest.approx(manifest["audio"]["duration_ms"] / 1000, abs=0.1)

    # The <script> paragraph is text: shown as written, never run.
    shown = tab.locator("#p2 .text[lang=kk]").inner_text()
    assert shown == XSS
    assert tab.evaluate("window.pwned") is None

    # Playing into pair 3 marks pair 3 and the paragraph being spoken.
    inside = _start(pairs[2], "zh") + 0.05
    tab.evaluate("t => { document.getElementById('player').currentTime = t; }", inside)
    tab.wait_for_function("document.querySelector('#p3.current') !== null", timeout=5_000)
    assert tab.eval_on_selector_all(".pair.current", "all => all.map(e => e.id)") == ["p3"]
    assert tab.eval_on_selector_all(".text.speaking", "all => all.map(e => e.lang)") == ["zh"]
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "reading-page.png"), full_page=True)

    # Clicking a paragraph of pair 2 seeks to its start; clicking the number to the pair's.
    tab.click("#p2 .text[lang=zh]")
    now = tab.evaluate("document.getElementById('player').currentTime")
    assert now == pytest.approx(_start(pairs[1], "zh"), abs=0.03)
    tab.wait_for_function("document.querySelector('#p2.current') !== null", timeout=5_000)
    tab.click("#p2 .num")
    now = tab.evaluate("document.getElementById('player').currentTime")
    assert now == pytest.approx(_start(pairs[1]), abs=0.03)

    # Keys: → and ← move by pairs; space plays and pauses.
    tab.keyboard.press("ArrowRight")
    assert tab.evaluate("document.getElementById('player').currentTime") == pytest.approx(
        _start(pairs[2]), abs=0.03)
    tab.wait_for_function("document.querySelector('#p3.current') !== null", timeout=5_000)
    tab.keyboard.press("ArrowLeft")
    tab.keyboard.press("ArrowLeft")
    assert tab.evaluate("document.getElementById('player').currentTime") == pytest.approx(
        _start(pairs[0]), abs=0.03)
    scrolled = tab.evaluate("window.scrollY")
    tab.keyboard.press(" ")
    tab.wait_for_function("!document.getElementById('player').paused", timeout=5_000)
    tab.focus("#player")  # space on the focused player must not toggle twice
    tab.keyboard.press(" ")
    tab.wait_for_function("document.getElementById('player').paused", timeout=5_000)
    assert tab.evaluate("window.scrollY") == scrolled  # nor scroll the page

    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests
    tab.close()


def test_page_fits_a_phone(browser: Any, book_page: tuple[Path, dict[str, Any]]) -> None:
    index, _ = book_page
    tab = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    tab.goto(index.as_uri())
    tab.wait_for_function("document.getElementById('player').readyState >= 1", timeout=10_000)
    assert tab.evaluate("document.documentElement.scrollWidth") <= 360
    boxes = tab.eval_on_selector_all(
        "#p3 .text", "all => all.map(e => { const r = e.getBoundingClientRect();"
        " return [r.left, r.top, r.width]; })")
    (kk_left, kk_top, kk_width), (zh_left, zh_top, _) = boxes
    assert kk_left == zh_left and zh_top > kk_top  # stacked, not side by side
    assert kk_width > 250
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "reading-page-phone.png"))
    tab.close()
