"""The formats table: a row per output, and every input a row declares is one its writer reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reader.pipeline import formats
from reader.pipeline.build import BuildReport
from reader.pipeline.formats import FORMATS, INPUTS, OUTPUTS, PRESET_OUTPUTS, SPLITS, Place
from reader.pipeline.loading import LoadedBook

#: Where in the manifest each manifest-made input lives ("" = anywhere: the whole document).
READS = {"document": "", "pairs": "pairs", "duration_ms": "audio.duration_ms",
         "audio_file": "audio.file", "chapters": "pairs[].chapter", "units": "pairs[].units",
         "spoken": "pairs[].texts"}


class Recording(dict[str, Any]):
    """A manifest (part) that notes every key read from it, as a path ("pairs[].chapter")."""

    def __init__(self, value: dict[str, Any], where: str, seen: set[str]) -> None:
        super().__init__(value)
        self.where, self.seen = where, seen

    def _wrap(self, key: str, value: Any) -> Any:
        path = f"{self.where}.{key}" if self.where else key
        self.seen.add(path)
        if isinstance(value, dict):
            return Recording(value, path, self.seen)
        if isinstance(value, list):
            return [Recording(item, f"{path}[]", self.seen) if isinstance(item, dict) else item
                    for item in value]
        return value

    def __getitem__(self, key: str) -> Any:
        return self._wrap(key, super().__getitem__(key))

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return self._wrap(key, super().get(key, default))


def test_every_format_but_the_mp3_and_every_split_is_a_row() -> None:
    assert set(OUTPUTS) == (set(FORMATS) - {"mp3"}) | set(SPLITS) | set(PRESET_OUTPUTS)
    assert all(name in INPUTS for row in OUTPUTS.values() for name in row.inputs)


def test_every_declared_manifest_input_is_read_by_its_writer(
        built_sample: tuple[LoadedBook, BuildReport], tmp_path: Path) -> None:
    loaded, report = built_sample
    document = json.loads(report.manifest.read_text("utf-8"))
    for name in ("vtt", "lrc", "lrcw", "json", "html"):  # writers that read only the manifest
        seen: set[str] = set()
        place = Place(loaded, Recording(document, "", seen), tmp_path, None, None,  # type: ignore[arg-type]
                      False)
        OUTPUTS[name].write(place)
        for declared in OUTPUTS[name].inputs:
            if declared in READS:
                assert READS[declared] == "" or READS[declared] in seen, (name, declared)


def test_a_row_declaring_an_input_its_writer_ignores_is_caught(
        built_sample: tuple[LoadedBook, BuildReport], tmp_path: Path) -> None:
    loaded, report = built_sample
    document = json.loads(report.manifest.read_text("utf-8"))
    seen: set[str] = set()
    place = Place(loaded, Recording(document, "", seen), tmp_path, None, None,  # type: ignore[arg-type]
                  False)
    OUTPUTS["json"].write(place)  # podcast chapters: chapters and the audio file, no words
    assert "audio.duration_ms" not in seen and "pairs[].words" not in seen
    assert formats.INPUTS["chapters"](place) == [p["chapter"] for p in document["pairs"]]
