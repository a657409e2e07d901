"""The one TOML reader of the tool: strict TOML 1.0.0 (the Rust `toml-rs` parser), with limits.

A catalog file is small. Anything larger than `MAX_BYTES`, or nested deeper than `MAX_DEPTH`
tables and arrays, is refused with a message before it can exhaust memory or the parser's stack.
"""

from __future__ import annotations

import re
from typing import Any

import toml_rs

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32

# What can hide a bracket from the parser (strings, comments), and the brackets themselves.
_TOKENS = re.compile(
    r'"""(?:\\[\s\S]|[^\\])*?"""(?!")'
    r"|'''[\s\S]*?'''(?!')"
    r'|"(?:\\.|[^"\\\n])*"'
    r"|'[^'\n]*'"
    r"|#[^\n]*"
    r"|[\[\]{}]"
)
_ERROR_AT = re.compile(r"at line (\d+), column \d+")


class TomlError(ValueError):
    """A file that is not TOML this tool reads: `message` says why, `line` where (if known)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def parse_toml(raw: bytes) -> dict[str, Any]:
    """The table a TOML 1.0.0 document holds (a leading UTF-8 byte order mark is allowed)."""
    if len(raw) > MAX_BYTES:
        raise TomlError(f"file is larger than {MAX_BYTES // 1024} KiB; not read")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TomlError("file is not valid UTF-8", raw.count(b"\n", 0, exc.start) + 1) from None
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
        _check_bracket_depth(text)
    try:
        data: dict[str, Any] = toml_rs.loads(text, toml_version="1.0.0")
    except toml_rs.TOMLDecodeError as exc:
        raise _error(str(exc)) from None
    # Each level of nesting needs a bracket or a dot (dotted keys), so most files need no walk.
    if raw.count(b"[") + raw.count(b"{") + raw.count(b".") >= MAX_DEPTH:
        _check_value_depth(data)
    return data


def loads(text: str) -> dict[str, Any]:
    """`parse_toml` for text."""
    return parse_toml(text.encode("utf-8"))


def _error(report: str) -> TomlError:
    lines = [line for line in report.splitlines() if line.strip()]
    match = _ERROR_AT.search(report)
    message = lines[-1].strip() if lines else report
    return TomlError(f"invalid TOML: {message}", int(match.group(1)) if match else None)


def _too_deep(line: int | None) -> TomlError:
    return TomlError(f"tables and arrays are nested deeper than {MAX_DEPTH} levels", line)


def _check_bracket_depth(text: str) -> None:
    depth = 0
    for token in _TOKENS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(text.count("\n", 0, token.start()) + 1)
        elif char in "]}":
            depth = max(0, depth - 1)


def _check_value_depth(data: dict[str, Any]) -> None:
    pending: list[tuple[dict[str, Any] | list[Any], int]] = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise _too_deep(None)
        for item in value.values() if isinstance(value, dict) else value:
            if isinstance(item, dict | list):
                pending.append((item, depth + 1))
