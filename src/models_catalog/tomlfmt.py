"""The canonical TOML layout of model files: the one formatter every writer of the tool uses.

`format_provider_model` and `format_metadata` take a table as `tomllib` parses it and give the
text of the file in the layout of `format.md`, such that `tomllib.loads` of that text equals the
input, with two normalizations: effort values are put in their canonical order, and a null effort
value (`None`) is written as the string `"null"`. No key is ever dropped. Both functions write
the same layout, so either keeps every key the other kind of file could hold.

Layout:

1. Root lines: `base_model`, `base_model_omit`, `name`, `family`, `release_date`,
   `last_updated`, `attachment`, `reasoning`, `temperature`, `tool_call`, `structured_output`,
   `knowledge`, `open_weights`, `status`, `reasoning_options` (only when it is not written as
   blocks: when empty), `license`, then every other root key whose value is not a table (or an
   array of tables), sorted by key.
2. Blocks, each after one blank line: interleaved (the root line `interleaved = true` or the
   table `[interleaved]`), the `[[reasoning_options]]` blocks, `[cost]` and its
   `[[cost.tiers]]`, `[limit]`, `[modalities]`.
3. Keys the original tooling never wrote, in this fixed order: `[[weights]]` (known to metadata
   files), `[provider]`, `[experimental…]`, `[[links]]`, `[[benchmarks]]`, then every other root
   table or array of tables, sorted by key.

Inside every table the known keys come first, in their documented order, then the others sorted.
Values that fit on one line (scalars, arrays, inline tables) precede sub-tables, which get dotted
headers (`[provider.body]`); a table that holds only sub-tables gets no header of its own. An
array whose items are all tables is written as `[[a.b]]` blocks; any other array is inline, its
tables as inline tables. `cost.tiers[].tier` and the `cost` and `provider` of each
`experimental.modes.<name>` are inline tables, as in the reference catalog. Keys that are not
`[A-Za-z0-9_-]+` are quoted. Dates and times are written as TOML dates and times.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import FormatError
from .schema import PRICE_KEYS

__all__ = [
    "EFFORT_ORDER",
    "find_comments",
    "format_entry",
    "format_metadata",
    "format_number",
    "format_provider_model",
    "format_section",
    "format_string",
    "format_value",
    "has_comments",
    "layout",
    "normalized",
]

EFFORT_ORDER = ("none", "minimal", "low", "medium", "high", "xhigh", "max", "default", "null")


@dataclass(frozen=True, slots=True)
class _Shape:
    """How one table is laid out: its known keys in order, and the shapes of its children."""

    order: tuple[str, ...] = ()
    children: Mapping[str, _Shape] = field(default_factory=dict)
    inline: frozenset[str] = frozenset()
    each: _Shape | None = None

    def child(self, key: str) -> _Shape:
        return self.children.get(key) or self.each or _ANY


_ANY = _Shape()

_TIER = _Shape(
    order=("tier", *PRICE_KEYS),
    children={"tier": _Shape(order=("type", "size"))},
    inline=frozenset({"tier"}),
)
_COST = _Shape(order=(*PRICE_KEYS, "tiers"), children={"tiers": _TIER})
_PROVIDER = _Shape(order=("npm", "api", "shape", "body", "headers"))
_MODE = _Shape(
    order=("cost", "provider"),
    children={"cost": _COST, "provider": _PROVIDER},
    inline=frozenset({"cost", "provider"}),
)
_ROOT_LINES = (
    "base_model",
    "base_model_omit",
    "name",
    "family",
    "release_date",
    "last_updated",
    "attachment",
    "reasoning",
    "temperature",
    "tool_call",
    "structured_output",
    "knowledge",
    "open_weights",
    "status",
)
_ROOT = _Shape(
    order=(
        *_ROOT_LINES,
        "interleaved",
        "reasoning_options",
        "license",
        "cost",
        "limit",
        "modalities",
        "weights",
        "provider",
        "experimental",
        "links",
        "benchmarks",
    ),
    children={
        "reasoning_options": _Shape(order=("type", "values", "min", "max")),
        "interleaved": _Shape(order=("field",)),
        "cost": _COST,
        "limit": _Shape(order=("context", "input", "output")),
        "modalities": _Shape(order=("input", "output")),
        "weights": _Shape(order=("label", "url", "format", "quantization")),
        "provider": _PROVIDER,
        "experimental": _Shape(order=("modes",), children={"modes": _Shape(each=_MODE)}),
        "links": _Shape(order=("label", "url", "type")),
        "benchmarks": _Shape(
            order=(
                "name",
                "score",
                "metric",
                "harness",
                "variant",
                "dataset",
                "version",
                "source",
                "date",
            )
        ),
    },
)


def format_provider_model(data: Mapping[str, Any]) -> str:
    """The canonical text of a provider model file (`providers/<p>/models/…`)."""
    return _format_root(data)


def format_metadata(data: Mapping[str, Any]) -> str:
    """The canonical text of a model metadata file (`models/<lab>/<id>.toml`)."""
    return _format_root(data)


def _format_root(data: Mapping[str, Any]) -> str:
    data = _normalize_reasoning_options(data)
    lines: list[str] = []
    line_keys, section_keys = layout((), data)
    for key in line_keys:
        if key == "interleaved" and lines:
            lines.append("")
        lines.append(_line(key, data[key], _ROOT.child(key), (key,)))
    for key in section_keys:
        _emit_section(lines, (key,), data[key], _ROOT.child(key))
    return "\n".join(lines) + "\n" if lines else ""


def normalized(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A model as the layout writes it: effort values in their canonical order, a null effort
    value (`None`) as the string "null"."""
    return _normalize_reasoning_options(data)


def layout(path: Sequence[str], table: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The keys of the table at `path` (`()` for the root) that the layout writes as
    `key = value` lines, and those it writes as sections, each in the order it writes them."""
    lines, sections = _split(table, _shape_at(path))
    if not path and "interleaved" in lines:
        lines.remove("interleaved")
        lines.append("interleaved")
    return lines, sections


def format_value(path: Sequence[str], value: Any) -> str:
    """The text of the value of the key at `path`, as written after `key = `."""
    return _value(value, _shape_at(path), tuple(path))


def format_entry(path: Sequence[str], value: Any) -> str:
    """The `key = value` line of the key at `path`, without its newline."""
    return _line(path[-1], value, _shape_at(path), tuple(path))


def format_section(path: Sequence[str], value: Any) -> str:
    """The text of the table (or the `[[…]]` blocks of the array of tables) at `path`."""
    lines: list[str] = []
    _emit_section(lines, tuple(path), value, _shape_at(path))
    return "\n".join(lines) + "\n"


def _shape_at(path: Sequence[str]) -> _Shape:
    shape = _ROOT
    for key in path:
        shape = shape.child(key)
    return shape


def _normalize_reasoning_options(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Effort values in their canonical order; a null value (`None`) as the string "null"."""
    options = data.get("reasoning_options")
    if not isinstance(options, list | tuple) or not any(_values(o) is not None for o in options):
        return data
    fixed: list[Any] = []
    for option in options:
        values = _values(option)
        if values is not None:
            named = ["null" if v is None else v for v in values]
            option = {**option, "values": _sort_effort(named) if _is_effort(option) else named}
        fixed.append(option)
    return {**data, "reasoning_options": fixed}


def _values(option: object) -> Sequence[Any] | None:
    if isinstance(option, Mapping) and isinstance(option.get("values"), list | tuple):
        values: Sequence[Any] = option["values"]
        return values
    return None


def _is_effort(option: Mapping[str, Any]) -> bool:
    return option.get("type") == "effort"


def _sort_effort(values: list[Any]) -> list[Any]:
    def rank(item: tuple[int, Any]) -> tuple[int, int]:
        index, value = item
        if isinstance(value, str) and value in EFFORT_ORDER:
            return (EFFORT_ORDER.index(value), index)
        return (len(EFFORT_ORDER), index)

    return [v for _, v in sorted(enumerate(values), key=rank)]


def _ordered(table: Mapping[str, Any], shape: _Shape) -> list[str]:
    known = [k for k in shape.order if k in table]
    return known + sorted(k for k in table if k not in shape.order)


def _split(table: Mapping[str, Any], shape: _Shape) -> tuple[list[str], list[str]]:
    """The keys written as `key = value` lines, and the keys written as sections, in order."""
    inline: list[str] = []
    sections: list[str] = []
    for key in _ordered(table, shape):
        value = table[key]
        if key not in shape.inline and (isinstance(value, Mapping) or _is_table_array(value)):
            sections.append(key)
        else:
            inline.append(key)
    return inline, sections


def _is_table_array(value: object) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) > 0
        and all(isinstance(item, Mapping) for item in value)
    )


def _emit_section(lines: list[str], path: tuple[str, ...], value: Any, shape: _Shape) -> None:
    if isinstance(value, Mapping):
        _emit_table(lines, path, value, shape, always_header=False)
    else:
        for item in value:
            _emit_table(lines, path, item, shape, always_header=True)


def _emit_table(
    lines: list[str],
    path: tuple[str, ...],
    table: Mapping[str, Any],
    shape: _Shape,
    *,
    always_header: bool,
) -> None:
    inline_keys, section_keys = _split(table, shape)
    if always_header or inline_keys or not section_keys:
        header = ".".join(_key(k) for k in path)
        if lines:
            lines.append("")
        lines.append(f"[[{header}]]" if always_header else f"[{header}]")
        for key in inline_keys:
            lines.append(_line(key, table[key], shape.child(key), (*path, key)))
    for key in section_keys:
        _emit_section(lines, (*path, key), table[key], shape.child(key))


def _line(key: str, value: Any, shape: _Shape, path: tuple[str, ...]) -> str:
    return f"{_key(key)} = {_value(value, shape, path)}"


def _value(value: Any, shape: _Shape, path: tuple[str, ...]) -> str:
    if isinstance(value, str):
        return format_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        try:
            return format_number(value)
        except FormatError as error:
            raise FormatError(f"{_where(path)}: {error}") from None
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return _format_datetime(value, path)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = (_line(k, value[k], shape.child(k), (*path, k)) for k in _ordered(value, shape))
        return "{ " + ", ".join(items) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item, shape, (*path, "[]")) for item in value) + "]"
    raise FormatError(f"{_where(path)}: cannot write a value of type {type(value).__name__}")


def _where(path: tuple[str, ...]) -> str:
    return ".".join(path) or "<root>"


def _format_datetime(
    value: datetime.datetime | datetime.date | datetime.time, path: tuple[str, ...]
) -> str:
    if isinstance(value, datetime.time) and value.tzinfo is not None:
        raise FormatError(f"{_where(path)}: a TOML time has no offset: {value.isoformat()}")
    if isinstance(value, datetime.datetime):
        offset = value.utcoffset()
        if offset is not None and offset.total_seconds() % 60:
            raise FormatError(f"{_where(path)}: TOML offsets are whole minutes: {value}")
    return value.isoformat()


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else format_string(key)


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
# Tab is the one control character TOML allows raw in a basic string; the original tooling
# wrote it raw, so it stays raw.
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]')


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    if "\ud800" <= char <= "\udfff":
        raise FormatError(f"a string holds a lone surrogate U+{ord(char):04X}")
    return f"\\u{ord(char):04X}"


def format_string(value: str) -> str:
    """A basic double-quoted TOML string: quote, backslash and control characters (C0 but tab,
    DEL, C1) escaped, every other character as-is."""
    return '"' + _NEEDS_ESCAPE.sub(_escape, value) + '"'


def format_number(value: int | float) -> str:
    """An integral value as grouped digits (`1_000_000`), any other in JavaScript notation."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FormatError(f"not a number: {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FormatError(f"TOML files of the catalog hold no NaN or infinity: {value!r}")
        text = _js_number(value)
        if "." in text or "e" in text:
            return text
        value = int(text)
    return f"{value:_}"


def _js_number(value: float) -> str:
    """ECMAScript Number::toString(value), from the shortest digits Python's repr finds."""
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + int(exponent or 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"
    return sign + text


_OUTSIDE_STRING = re.compile(r"#|\"\"\"|'''|\"|'")
_STRING_ENDS = {
    '"': re.compile(r'\\.|"|\n', re.DOTALL),
    "'": re.compile(r"'|\n"),
    '"""': re.compile(r'\\.|"{3,5}', re.DOTALL),
    "'''": re.compile(r"'{3,5}"),
}


def has_comments(text: str) -> bool:
    """Whether the TOML text holds a comment: a `#` outside every kind of string."""
    return "#" in text and next(_comments(text), None) is not None


def find_comments(text: str) -> list[str]:
    """The comments of the TOML text, each from its `#` to the end of its line (trailing
    whitespace left out), in order."""
    return list(_comments(text)) if "#" in text else []


def _comments(text: str) -> Iterator[str]:
    position = 0
    while match := _OUTSIDE_STRING.search(text, position):
        token = match.group()
        if token == "#":
            end = text.find("\n", match.start())
            position = len(text) if end < 0 else end
            yield text[match.start() : position].rstrip()
        else:
            position = _string_end(text, match.end(), token)


def _string_end(text: str, start: int, opener: str) -> int:
    for match in _STRING_ENDS[opener].finditer(text, start):
        if not match.group().startswith("\\"):
            return match.end()
    return len(text)
