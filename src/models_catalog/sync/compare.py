"""Comparing authored model forms: normalisation, empty-value dropping, field-level changes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from ..schema import typed_tier_spec

_PRICE_PREFIX = "cost"


def drop_empty(value: Any) -> Any:
    """Remove None, empty strings and empty tables, recursively. Empty lists are kept:
    `reasoning_options = []` means "unknown" and is a value. (Tables nested in a model are
    plain dicts, as tomllib and the providers make them.)"""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                item = drop_empty(item)
                if isinstance(item, dict) and not item:
                    continue
            elif item is None or item == "":
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        return [drop_empty(item) if isinstance(item, (dict, list)) else item for item in value]
    return value


def _is_plain(value: Any) -> bool:
    return not isinstance(value, dict | list)


def normalise(value: Any) -> Any:
    """A comparable form: keys sorted, empty values dropped, plain arrays as sets, a cost tier
    without a type the same as a context tier."""
    return _comparable(drop_empty(dict(value) if isinstance(value, Mapping) else value))


def _comparable(value: Any) -> Any:
    if isinstance(value, dict):
        if isinstance(value.get("tier"), dict):
            value = {**value, "tier": typed_tier_spec(value["tier"])}
        return tuple(sorted((k, _comparable(v)) for k, v in value.items()))
    if isinstance(value, list):
        if all(_is_plain(v) for v in value):
            return ("set", frozenset(_plain_key(v) for v in value))
        return ("list", tuple(_comparable(v) for v in value))
    return _plain_key(value)


def _plain_key(value: Any) -> Any:
    # "null" and None are the same effort value; 3 and 3.0 are the same number (but not True).
    if value is None:
        return "null"
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return float(value)
    return value


def identical(a: Any, b: Any, *, loose_numbers: bool = False) -> bool:
    """Equal, with the same types throughout (a flag is not a number; 3 is not 3.0 unless
    `loose_numbers`) and lists in the same order: identical forms normalise alike, and comparing
    them costs far less."""
    kind = type(a)
    if kind is not type(b):
        return loose_numbers and kind in _NUMBERS and type(b) in _NUMBERS and bool(a == b)
    pairs: Iterable[tuple[Any, Any]]
    if kind is dict:
        if a.keys() != b.keys():
            return False
        pairs = ((value, b[key]) for key, value in a.items())
    elif kind is list:
        if len(a) != len(b):
            return False
        pairs = zip(a, b, strict=True)
    else:
        return bool(a == b)
    for x, y in pairs:
        if type(x) is type(y) and type(x) in _LEAVES:  # most values: compared here, not below
            if x != y:
                return False
        elif not identical(x, y, loose_numbers=loose_numbers):
            return False
    return True


_NUMBERS = (int, float)
_LEAVES = frozenset({str, int, float, bool, type(None)})


def same_authored(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    return identical(old, new, loose_numbers=True) or bool(normalise(old) == normalise(new))


class FieldChange(NamedTuple):
    path: str
    old: Any
    new: Any

    def describe(self) -> str:
        return f"{self.path}: {show(self.old)} → {show(self.new)}"


def show(value: Any) -> str:
    """A short TOML-like rendering for reports and dry runs."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {show(v)}" for k, v in value.items()) + " }"
    return str(value)


def _flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{prefix}{key}"
        if isinstance(item, Mapping) and item:
            flat.update(_flatten(item, f"{path}."))
        else:
            flat[path] = item
    return flat


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    """Changed dot paths between two authored forms, prices first, then by path."""
    before, after = _flatten(drop_empty(old)), _flatten(drop_empty(new))
    changes = [
        FieldChange(path, before.get(path), after.get(path))
        for path in before.keys() | after.keys()
        if normalise({"v": before.get(path)}) != normalise({"v": after.get(path)})
    ]
    changes.sort(key=lambda c: (not c.path.startswith(f"{_PRICE_PREFIX}."), c.path))
    return changes
