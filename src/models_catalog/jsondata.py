"""JSON from outside (API responses, saved responses) decoded within limits: a bounded size and
nesting depth, and no NaN or Infinity, so hostile input gives one sentence, never a crash."""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

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
    if nesting_depth(text) > MAX_JSON_DEPTH:
        raise JsonLimitError(f"it nests arrays or objects deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except JsonError:
        raise
    except (ValueError, RecursionError) as exc:
        raise JsonError(f"it is not valid JSON ({exc})") from None
