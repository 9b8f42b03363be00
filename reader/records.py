"""Reading back the JSON files the tool wrote earlier: validated, never trusted.

A manifest, the outputs record or a clip's record may be damaged, hand-edited
or written by another version. Each is read through `load_json` with a shape;
anything that does not match is treated as absent (the caller rebuilds it) and
reported in one line.

A shape is a type (`str`, `int`, …), a tuple of allowed types (`None` allowed
as a member), `[shape]` for a list of such items, `{"key": shape}` for an
object that must hold those keys (others are ignored), or `{str: shape}` for a
mapping of any string keys to values of one shape.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

Shape = Any


def mismatch(value: Any, shape: Shape, where: str = "") -> str | None:
    """Where `value` departs from `shape` ("pairs[3].clips.kk: expected str"), or None."""
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return f"{where or 'top'}: expected an object"
        if len(shape) == 1 and next(iter(shape)) is str:
            inner = shape[str]
            for key, item in value.items():
                if not isinstance(key, str):
                    return f"{where}: keys must be strings"
                found = mismatch(item, inner, f"{where}.{key}" if where else key)
                if found:
                    return found
            return None
        for key, inner in shape.items():
            if key not in value:
                return f"{where + '.' if where else ''}{key}: missing"
            found = mismatch(value[key], inner, f"{where}.{key}" if where else key)
            if found:
                return found
        return None
    if isinstance(shape, list):
        if not isinstance(value, list):
            return f"{where or 'top'}: expected a list"
        for n, item in enumerate(value):
            found = mismatch(item, shape[0], f"{where}[{n}]")
            if found:
                return found
        return None
    allowed = shape if isinstance(shape, tuple) else (shape,)
    for kind in allowed:
        if kind is None and value is None:
            return None
        if kind is bool and isinstance(value, bool):
            return None
        if kind in (int, float) and isinstance(value, bool):
            continue
        if kind is float and isinstance(value, (int, float)) and math.isfinite(value):
            return None
        if kind is not None and kind is not float and isinstance(value, kind):
            return None
    names = " or ".join("null" if k is None else k.__name__ for k in allowed)
    return f"{where or 'top'}: expected {names}"


def load_json(path: Path, shape: Shape) -> tuple[Any, str | None]:
    """(data, None) when the file holds JSON of the shape; (None, None) when there is no
    file; (None, why) when it is unreadable or of another shape."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{path}: unreadable ({getattr(exc, 'strerror', None) or exc})"
    try:
        data = json.loads(text)
    except ValueError as exc:
        return None, f"{path}: not valid JSON ({exc})"
    problem = mismatch(data, shape)
    if problem:
        return None, f"{path}: unexpected content ({problem})"
    return data, None
