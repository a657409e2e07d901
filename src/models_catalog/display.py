"""Text from outside (API values, ids, paths, error messages) made safe to show: every control,
format (bidi override, zero-width) and line-separator character is written as a visible escape,
so nothing printed can move the cursor, retitle a window or reorder what a reader sees."""

from __future__ import annotations

import unicodedata

_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` with each hidden character as `\\x1b`, `\\u202e` or `\\U000e0041`."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) if unicodedata.category(ch) in _HIDDEN else ch for ch in text)
