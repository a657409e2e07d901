"""Helpers shared by the provider modules that update existing files (Google, xAI, OVHcloud):
response parsing with a clear error, the existing model as a mutable dict, the required-field
check, and keeping a factored (`base_model`) file factored."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import ProviderError
from ..inherit import INHERITANCE_KEYS, resolve
from ..schema import REQUIRED_PROVIDER_MODEL_KEYS
from ..sync.compare import normalise
from ..sync.contract import CatalogView, ExistingModel
from ..sync.convert import factor_against_base

Shape = TypeVar("Shape", bound=BaseModel)


def shape_error(exc: ValidationError, raw: Any) -> str:
    """One sentence naming the first problem of a response: where it is and what is wrong."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    first = errors[0]
    location = ".".join(str(part) for part in first["loc"]) or "the top level"
    record = _record_id(raw, first["loc"])
    where = f"{location} (model {record!r})" if record else location
    more = f" ({len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"the response changed shape: {where}: {first['msg']}{more}"


def _record_id(raw: Any, loc: tuple[int | str, ...]) -> str | None:
    """The id of the record a problem lies in, for `{"<list>": [record, ...]}` responses."""
    if len(loc) < 2 or not isinstance(loc[0], str) or not isinstance(loc[1], int):
        return None
    items = raw.get(loc[0]) if isinstance(raw, Mapping) else None
    if not isinstance(items, list) or not 0 <= loc[1] < len(items):
        return None
    item = items[loc[1]]
    record = (item.get("id") or item.get("name")) if isinstance(item, Mapping) else None
    return record if isinstance(record, str) else None


def validate_response(provider_id: str, shape: type[Shape], raw: Any) -> Shape:
    """`raw` validated against `shape`; a mismatch is a ProviderError naming where and why."""
    try:
        return shape.model_validate(raw)
    except ValidationError as exc:
        raise ProviderError(provider_id, shape_error(exc, raw)) from None


def existing_fields(existing: ExistingModel) -> dict[str, Any]:
    """The existing model in force (inheritance applied), as a copy the caller may change."""
    return {
        key: copy.deepcopy(value)
        for key, value in existing.resolved.items()
        if key not in INHERITANCE_KEYS
    }


def require_fields(provider_id: str, model_id: str, model: Mapping[str, Any]) -> None:
    """Raise when `model` (the existing file updated from the API) lacks a required field."""
    missing = [key for key in REQUIRED_PROVIDER_MODEL_KEYS if key not in model]
    limit = model.get("limit")
    if isinstance(limit, Mapping) and "output" not in limit:
        missing.append("limit.output")
    if missing:
        raise ProviderError(
            provider_id,
            f"model {model_id!r}: the existing file lacks required fields the API does not give "
            f"({', '.join(missing)})",
        )


def inherited_fields(existing: ExistingModel | None, view: CatalogView) -> dict[str, Any] | None:
    """What a factored existing file inherits from its base (omit list applied), or None when
    the file is not factored."""
    if existing is None:
        return None
    base_id = existing.authored.get("base_model")
    if not isinstance(base_id, str):
        return None
    base = view.metadata(base_id)
    if base is None:
        return None
    stub = {key: existing.authored[key] for key in INHERITANCE_KEYS if key in existing.authored}
    return resolve(stub, base)


def keep_factored(
    existing: ExistingModel | None, model: dict[str, Any], view: CatalogView
) -> dict[str, Any]:
    """`model` (a full model) as the existing file should author it.

    Unfactored files get `model` as it is. A file with `base_model` gets the base id plus the
    fields that differ from what it inherits, and every field it authored whose value has not
    changed, so that an unchanged API leaves the file exactly as it was, redundant overrides
    included. The runner carries the omit list over."""
    inherited = inherited_fields(existing, view)
    if existing is None or inherited is None:
        return model
    overrides = copy.deepcopy(factor_against_base(model, inherited, list(model)))
    authored = {k: v for k, v in existing.authored.items() if k not in INHERITANCE_KEYS}
    for path in _leaf_paths(authored):
        found, value = _get(model, path)
        if found and normalise(value) == normalise(_get(authored, path)[1]):
            _set(overrides, path, copy.deepcopy(value))
    return {"base_model": existing.authored["base_model"], **overrides}


def _leaf_paths(table: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for key, value in table.items():
        if isinstance(value, Mapping) and value:
            paths += _leaf_paths(value, (*prefix, key))
        else:
            paths.append((*prefix, key))
    return paths


def _get(table: Mapping[str, Any], path: tuple[str, ...]) -> tuple[bool, Any]:
    node: Any = table
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return False, None
        node = node[key]
    return True, node


def _set(table: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = table
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[path[-1]] = value
