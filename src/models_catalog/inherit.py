"""`base_model` / `base_model_omit` resolution: pure functions over parsed TOML tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

METADATA_ONLY_KEYS = frozenset({"benchmarks", "license", "links", "weights"})
INHERITANCE_KEYS = frozenset({"base_model", "base_model_omit"})


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `override` over `base`: tables merge key by key, arrays and scalars replace."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def omit_paths(data: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """Delete each dot path; missing paths are ignored; tables emptied by it are removed too."""
    for path in paths:
        _omit(data, path.split("."))
    return data


def _omit(table: dict[str, Any], keys: list[str]) -> None:
    head, rest = keys[0], keys[1:]
    if head not in table:
        return
    if not rest:
        del table[head]
        return
    child = table[head]
    if not isinstance(child, dict):
        return
    child = dict(child)
    _omit(child, rest)
    if child:
        table[head] = child
    else:
        del table[head]


def resolve(authored: Mapping[str, Any], metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """The provider model in force: the metadata (when `base_model` is set) overlaid by the file.

    The caller looks up `metadata` for `authored["base_model"]`; passing None for a file that has
    a `base_model` is the caller's error to report.
    """
    own = {k: v for k, v in authored.items() if k not in INHERITANCE_KEYS}
    if "base_model" not in authored or metadata is None:
        return own
    inherited = {k: v for k, v in metadata.items() if k not in METADATA_ONLY_KEYS}
    merged = deep_merge(inherited, own)
    omit = authored.get("base_model_omit")
    if isinstance(omit, list):
        omit_paths(merged, [p for p in omit if isinstance(p, str)])
    return merged
