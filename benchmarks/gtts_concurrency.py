"""gTTS throughput: a plain sequential loop against reader's pool, on a local endpoint.

    python benchmarks/gtts_concurrency.py [--paragraphs 40] [--latency 0.15] [--jobs 4]

The endpoint is tests/gtts_server.py (real MP3 answers) with `--latency` seconds
per request. The same Chinese paragraphs (the sample book's, cycled and made
distinct) are spoken three ways:

- plain gTTS loop: one gTTS(...).write_to_fp() per paragraph, one after the
  other, as a gtts-cli script would (gTTS splits the text its own way); on an
  error it waits 1 s and asks for the whole paragraph again;
- reader, 1 worker: GttsEngine.synthesize per paragraph, sequentially (reader's
  chunks, per-chunk retries, each part decoded): the cost of chunking alone;
- reader pool: the same calls from a pool of `--jobs` threads, as `reader build`
  makes them for a network engine.

Then again with `--limited` (10 %) of requests answered 429 (no Retry-After),
with the engine's default backoff. Ratios are within one run on one machine.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import io
import random
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader.speech.gtts_engine import GttsEngine  # noqa: E402 - after the path is set
from reader.text.paragraphs import read_text, split_sections  # noqa: E402
from tests.gtts_server import FakeTranslate, pointed  # noqa: E402


def paragraphs(count: int) -> list[str]:
    """`count` distinct Chinese paragraphs, the sample book's cycled."""
    sections = split_sections(read_text(ROOT / "texts" / "last-mile" / "zh.txt"), "zh")
    seed = [p.text for s in sections for p in s.paragraphs]
    return [f"{seed[i % len(seed)]}第{i + 1}段。" for i in range(count)]


def plain_loop(texts: list[str]) -> None:
    """One gTTS call per paragraph, one at a time; a failed paragraph is asked again."""
    from gtts import gTTS, gTTSError

    for text in texts:
        while True:
            try:
                gTTS(text, lang="zh-CN").write_to_fp(io.BytesIO())
                break
            except gTTSError:
                time.sleep(1.0)


def reader_pool(texts: list[str], workers: int) -> None:
    """GttsEngine.synthesize per paragraph from a thread pool, as the build calls it."""
    engine = GttsEngine()
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        done = [pool.submit(engine.synthesize, text, lang="zh", voice="zh-CN", options={})
                for text in texts]
        for future in done:
            future.result()


def limited(share: float, seed: int = 7) -> Callable[[int, str], str]:
    """A server plan answering about `share` of requests 429, reproducibly."""
    chance = random.Random(seed)
    lock = threading.Lock()

    def plan(_n: int, _text: str) -> str:
        with lock:
            return "429" if chance.random() < share else "ok"

    return plan


def run(label: str, fake: FakeTranslate, work: Callable[[], None], texts: list[str]) -> float:
    """Time one way of speaking the paragraphs; print and return paragraphs per second."""
    before = len(fake.sent)
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    requests = fake.sent[before:]
    refused = sum(1 for s in requests if s.answer != "ok")
    rate = len(texts) / seconds
    print(f"  {label:22} {seconds:7.2f} s  {rate:6.2f} paragraphs/s  "
          f"{len(requests):4d} requests ({refused} answered 429)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--limited", type=float, default=0.10,
                        help="share of requests answered 429 in the second round")
    args = parser.parse_args()
    texts = paragraphs(args.paragraphs)
    print(f"{len(texts)} paragraphs, {sum(map(len, texts))} characters; "
          f"{args.latency * 1000:.0f} ms per request; reader pool of {args.jobs}")
    with FakeTranslate(latency=args.latency) as fake, pointed(fake.url):
        reader_pool(texts[:2], 1)  # warm up: MP3 answers, imports, ffmpeg
        for share in (0.0, args.limited):
            fake.plan = limited(share) if share else None
            print(f"\n{share:.0%} of requests answered 429:")
            plain = run("plain gTTS loop", fake, lambda: plain_loop(texts), texts)
            single = run("reader, 1 worker", fake, lambda: reader_pool(texts, 1), texts)
            pooled = run(f"reader pool ({args.jobs})", fake,
                         lambda: reader_pool(texts, args.jobs), texts)
            print(f"  throughput ratio, pool / plain loop: {pooled / plain:.1f}x "
                  f"(pool / 1 worker: {pooled / single:.1f}x)")


if __name__ == "__main__":
    main()
