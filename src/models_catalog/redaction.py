"""Secrets: kept out of every text the tool shows (raw, percent-encoded, or as Python or bytes
`repr` print them inside an exception message), and checked before they are sent."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "***"


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every non-empty secret, in each printed form, replaced by `***`."""
    forms = {form for secret in secrets if secret for form in _forms(secret) if form}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text


def _forms(secret: str) -> tuple[str, ...]:
    as_bytes = secret.encode("utf-8", "backslashreplace")
    return (
        secret,
        secret.strip(),
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        repr(secret)[1:-1],
        repr(as_bytes)[2:-1],
    )


def sendable(value: str) -> bool:
    """Whether HTTP can carry `value` in a header: printable ASCII only."""
    return all(" " <= ch <= "~" for ch in value)
