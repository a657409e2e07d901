"""Conversions shared by every provider module: prices, modalities, dates, families, base-model
factoring and id safety. Pure functions; nothing here reads or writes anything."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..errors import SourceValueError

TOKENS_PER_MILLION = Decimal(1_000_000)
PRICE_QUANTUM = Decimal("0.000001")
XAI_PRICE_DIVISOR = 10_000
"""xAI prices are integers in 1/10,000 dollar (a hundredth of a cent) per million tokens."""
MAX_PRICE = Decimal(1_000_000)
"""Dollars per million tokens no real model costs (the dearest cost about 600)."""
FIRST_YEAR, LAST_YEAR = 1970, 2100
"""The years an API date may fall in; anything else is a broken value."""
_FIRST_SECOND = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC).timestamp()
_END_SECOND = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC).timestamp()

KNOWN_MODALITIES = ("text", "audio", "image", "video", "pdf")
_MODALITY_ALIASES = {"file": "pdf"}


def _decimal(value: str | float | int | None) -> Decimal | None:
    """A finite, non-negative decimal from a number or numeric string, else None."""
    if value is None or isinstance(value, bool):
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0:
        return None
    return number


def _rounded(number: Decimal, raw: object, field: str) -> float:
    if number > MAX_PRICE:
        raise SourceValueError(field, f"{raw!r} is beyond any real price")
    result = float(number.quantize(PRICE_QUANTUM, rounding=ROUND_HALF_UP))
    return result if result != 0 else 0.0  # no "-0.0" from a "-0" input


def per_million(price: str | float | int | None, field: str = "price") -> float | None:
    """A per-token price ("0.000003") as dollars per million tokens (3.0), to six decimals.

    Negative, empty, non-numeric or missing prices give None; a price above MAX_PRICE raises
    SourceValueError naming `field`."""
    number = _decimal(price)
    return None if number is None else _rounded(number * TOKENS_PER_MILLION, price, field)


def per_million_scaled(
    value: str | float | int | None, divisor: int, field: str = "price"
) -> float | None:
    """An integer price counted in 1/`divisor` dollar per million tokens, as dollars per million
    tokens to six decimals (xAI: `per_million_scaled(20_000, XAI_PRICE_DIVISOR)` → 2.0).

    Negative, non-numeric or missing prices give None; a price above MAX_PRICE raises
    SourceValueError naming `field`."""
    if divisor <= 0:
        raise ValueError("divisor must be positive")
    number = _decimal(value)
    return None if number is None else _rounded(number / Decimal(divisor), value, field)


def modalities(values: Iterable[str] | None) -> list[str]:
    """Catalog modalities: lowercase, `file` read as `pdf`, only known kinds, each once, in
    order; nothing known gives ["text"]."""
    out: list[str] = []
    for value in values or ():
        name = value.strip().lower()
        name = _MODALITY_ALIASES.get(name, name)
        if name in KNOWN_MODALITIES and name not in out:
            out.append(name)
    return out or ["text"]


def has_attachment(input_modalities: Sequence[str]) -> bool:
    """True when the model accepts any input besides text."""
    return any(m != "text" for m in input_modalities)


def unix_date(seconds: int | float, field: str = "created") -> str:
    """The UTC calendar date (`YYYY-MM-DD`) of a unix timestamp in seconds; SourceValueError
    naming `field` unless it is a finite time between FIRST_YEAR and LAST_YEAR."""
    if not math.isfinite(seconds) or not _FIRST_SECOND <= seconds < _END_SECOND:
        raise SourceValueError(
            field, f"{seconds:g} is not a time between {FIRST_YEAR} and {LAST_YEAR}"
        )
    return datetime.fromtimestamp(seconds, UTC).date().isoformat()


_API_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def api_date(text: str | None, field: str) -> str | None:
    """The `YYYY-MM-DD` or `YYYY-MM` date an API gives (a time after it is dropped), or None
    when empty; SourceValueError naming `field` unless it is a real day between FIRST_YEAR and
    LAST_YEAR."""
    value = (text or "").strip()[:10]
    if not value:
        return None
    match = _API_DATE.fullmatch(value)
    if match is None:
        value = (text or "").strip()[:7]
        match = _API_DATE.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        year, month, day = (int(part) if part else 1 for part in match.groups())
        date(year, month, day)
    except ValueError:
        raise SourceValueError(field, f"{text!r} is not a date") from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise SourceValueError(
            field, f"{text!r} is not a date between {FIRST_YEAR} and {LAST_YEAR}"
        )
    return value


_KIMI_K2 = re.compile(r"(?<![a-z0-9])kimi[^a-z0-9]*k2")
_THINKING = re.compile(r"(?<![a-z0-9])thinking(?![a-z0-9])")


def infer_family(id_: str, name: str, families: Sequence[str]) -> str | None:
    """The catalog family a model belongs to, guessed from its id and name.

    Kimi K2 models come first: `kimi-thinking` when "thinking" follows "kimi k2", else
    `kimi-k2` (each only when the family list has it). Otherwise the longest family that
    occurs in "id name" (lowercased) as a whole token: preceded by the start or a
    non-alphanumeric character, followed by the end or a non-alphanumeric character (or, for
    the family `o`, a digit, as in `o3`). Families are matched case-insensitively and
    returned as the list spells them.
    """
    text = f"{id_} {name}".lower()
    known, longest_first = _family_index(tuple(families))
    kimi = _KIMI_K2.search(text)
    if kimi is not None:
        wanted = "kimi-thinking" if _THINKING.search(text, kimi.end()) else "kimi-k2"
        if wanted in known:
            return known[wanted]
    for lowered, family in longest_first:
        if lowered in text and _occurs_as_token(lowered, text):  # most are not in the text
            return family
    return None


@functools.lru_cache(maxsize=8)
def _family_index(
    families: tuple[str, ...],
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Lowercase name → family, and the families longest first (the first of equals first)."""
    known: dict[str, str] = {}
    for family in families:
        known.setdefault(family.lower(), family)
    ordered = sorted(enumerate(families), key=lambda item: (-len(item[1]), item[0]))
    return known, [(family.lower(), family) for _, family in ordered]


_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")


def _occurs_as_token(family: str, text: str) -> bool:
    if not family:
        return False
    joined = _LETTERS if family == "o" else _WORD  # what may not follow
    start = text.find(family)
    while start != -1:
        end = start + len(family)
        if (start == 0 or text[start - 1] not in _WORD) and (
            end == len(text) or text[end] not in joined
        ):
            return True
        start = text.find(family, start + 1)
    return False


_TOKEN = re.compile(r"[a-z]+|[0-9]+(?:\.[0-9]+)?")


def tokens(text: str) -> set[str]:
    """The lowercase tokens of `text` for base-model matching: runs of letters, and numbers
    with at most one decimal part. Letters and digits always split, so `llama-3.1-8b-instruct`
    gives {"llama", "3.1", "8", "b", "instruct"}; any other character only separates."""
    return set(_TOKEN.findall(text.lower()))


_SCALARS = frozenset({str, int, float, bool, type(None)})
"""Types that are neither tables nor lists, told by `type()` (much faster than an ABC test)."""


def _plain(value: Any) -> bool:
    return type(value) in _SCALARS or not isinstance(value, Mapping | list)


def _plain_key(value: Any) -> Any:
    # True == 1 in Python, but a flag and a number are different catalog values.
    return ("bool", value) if isinstance(value, bool) else value


def _equal(a: Any, b: Any) -> bool:
    if type(a) in _SCALARS and type(b) in _SCALARS:
        return bool(_plain_key(a) == _plain_key(b))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        if all(_plain(v) for v in a) and all(_plain(v) for v in b):
            return {_plain_key(v) for v in a} == {_plain_key(v) for v in b}
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping | list) or isinstance(b, Mapping | list):
        return False
    return bool(_plain_key(a) == _plain_key(b))


_SAME = object()


def _difference(value: Any, base: Any) -> Any:
    """What of `value` differs from `base`: for two tables, only the differing sub-keys;
    otherwise the whole value. `_SAME` when nothing differs."""
    if type(value) not in _SCALARS and isinstance(value, Mapping) and isinstance(base, Mapping):
        out = {}
        for key, item in value.items():
            diff = item if key not in base else _difference(item, base[key])
            if diff is not _SAME:
                out[key] = diff
        return out if out else _SAME
    return _SAME if _equal(value, base) else value


def factor_against_base(
    model: Mapping[str, Any], base: Mapping[str, Any], keys: Sequence[str]
) -> dict[str, Any]:
    """The overrides of `model` over its base: each of `keys` that `model` has, kept only where
    it differs from `base` (tables key by key, recursively; lists of plain values as sets; lists
    of tables in order)."""
    out: dict[str, Any] = {}
    for key in keys:
        if key not in model:
            continue
        diff = model[key] if key not in base else _difference(model[key], base[key])
        if diff is not _SAME:
            out[key] = diff
    return out


def omit_list(
    existing_authored: Mapping[str, Any] | None,
    base_id: str,
    base: Mapping[str, Any],
    new_limit: Mapping[str, Any] | None,
) -> list[str] | None:
    """The `base_model_omit` to write with `base_model = base_id`.

    The existing file's list when that file names the same base and has one; otherwise
    ["limit.input"] when the base has `limit.input`, the new limit has none and the two
    contexts differ (an inherited input limit would then exceed or misstate the context);
    otherwise None."""
    if existing_authored is not None and existing_authored.get("base_model") == base_id:
        existing = existing_authored.get("base_model_omit")
        if isinstance(existing, list):
            return [str(item) for item in existing]
    base_limit = base.get("limit")
    base_limit = base_limit if isinstance(base_limit, Mapping) else {}
    limit = new_limit or {}
    if (
        base_limit.get("input") is not None
        and limit.get("input") is None
        and not _equal(base_limit.get("context"), limit.get("context"))
    ):
        return ["limit.input"]
    return None


def unsafe_id_reason(id_: str) -> str | None:
    """Why a model id cannot safely become a path under the provider folder, or None."""
    if not id_:
        return "it is empty"
    if not (id_.isascii() and id_.isprintable()):  # printable ASCII has neither kind below
        if any(unicodedata.category(ch) == "Cc" for ch in id_):
            return "it contains a control character"
        if any(unicodedata.category(ch) in ("Cf", "Zl", "Zp", "Cs") for ch in id_):
            return "it contains an invisible formatting character (such as a bidi override)"
    if "\\" in id_:
        return "it contains a backslash"
    if id_.startswith("/"):
        return "it is an absolute path"
    segments = id_.split("/")
    if any(s == "" for s in segments):
        return "it has an empty path segment"
    if any(s in (".", "..") for s in segments):
        return "it has a '.' or '..' path segment"
    return None
