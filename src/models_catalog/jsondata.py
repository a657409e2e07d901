"""JSON from outside (API responses, saved responses) decoded within limits: a bounded size and
nesting depth, and no NaN or Infinity, so hostile input gives one sentence, never a crash."""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from .gcpause import without_cycle_collection

MAX_JSON_BYTES = 64 * 1024 * 1024
"""Far above any real models list (OpenRouter's is about 3 MB)."""
MAX_JSON_DEPTH = 64
"""Real responses nest fewer than 10 levels."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class JsonError(ValueError):
    """The text is not JSON; the message says why."""


class JsonLimitError(JsonError):
    """The text is beyond a limit (size, depth, encoding, NaN or an infinite number)."""


def _no_constant(name: str) -> Any:
    raise JsonLimitError(f"it contains {name}, which JSON does not allow")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise JsonLimitError(f"it contains the number {text[:40]}, too large for a float")
    return number


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in `text` (brackets inside strings not counted)."""
    brackets = _BRACKET.findall(_STRING.sub("", text))
    steps = (1 if b in "[{" else -1 for b in brackets)
    return max(accumulate(steps), default=0)


def decode_json(data: str | bytes, *, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """The decoded value of `data`; JsonError (one sentence) for anything else."""
    if len(data) > max_bytes:
        raise JsonLimitError(f"it is larger than {max_bytes:,} bytes")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonLimitError(
                f"it is not UTF-8 text ({exc.reason} at byte {exc.start})"
            ) from None
    else:
        text = data
    too_deep = f"it nests arrays or objects deeper than {MAX_JSON_DEPTH} levels"
    # The nesting is measured on the decoded value, far faster than on the text; a text that
    # does not decode is measured as text, so that too deep a text is refused as such first.
    try:
        with without_cycle_collection():
            value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:
        if nesting_depth(text) > MAX_JSON_DEPTH:
            raise JsonLimitError(too_deep) from None
        if isinstance(exc, JsonError):
            raise
        raise JsonError(f"it is not valid JSON ({exc})") from None
    if _nests_deeper(value, MAX_JSON_DEPTH):
        raise JsonLimitError(too_deep)
    return value


def _nests_deeper(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels in a decoded value (measured
    level by level)."""
    level = [value] if type(value) is dict or type(value) is list else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        below = []
        for node in level:
            for child in node.values() if type(node) is dict else node:
                if type(child) is dict or type(child) is list:
                    below.append(child)
        level = below
    return False
