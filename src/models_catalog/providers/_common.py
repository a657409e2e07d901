"""Helpers shared by the provider modules: response parsing with a clear error (and the refusal
of another provider's response), and for the modules that update existing files (Google, xAI,
OVHcloud) the existing model as a mutable dict, the required-field check, and keeping a factored
(`base_model`) file factored."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from ..errors import ProviderError
from ..inherit import INHERITANCE_KEYS, resolve
from ..schema import REQUIRED_PROVIDER_MODEL_KEYS
from ..sync.compare import normalise
from ..sync.contract import CatalogView, ExistingModel
from ..sync.convert import factor_against_base

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

Shape = TypeVar("Shape", bound="BaseModel")


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


class _Kind(NamedTuple):
    """A provider's response shape: what it looks like, and which providers serve it."""

    description: str
    owners: frozenset[str]


_OPENROUTER = _Kind(
    "OpenRouter's models list (records with an `architecture` table)", frozenset({"openrouter"})
)
_GOOGLE = _Kind("Google's models list (records named `models/…`)", frozenset({"google"}))
_XAI = _Kind("xAI's model lists (records with xAI token prices or aliases)", frozenset({"xai"}))
_FLAT = _Kind(
    "a flat provider listing such as OVHcloud's or Cloudflare Workers AI's",
    frozenset({"ovhcloud", "cloudflare-workers-ai"}),
)
_XAI_KEYS = frozenset(
    {"aliases", "prompt_text_token_price", "completion_text_token_price", "max_prompt_length"}
)
_FLAT_KEYS = frozenset(
    {
        "input_modalities",
        "output_modalities",
        "max_output_length",
        "supported_features",
        "supported_sampling_parameters",
    }
)
_CLOUDFLARE_ID = re.compile(r"(?:workers-ai/)?@(?:cf|hf)/")


def refuse_foreign(provider_id: str, raw: Any) -> None:
    """Raise a ProviderError when every record of `raw` has the shape of another provider's
    model list (a saved response replayed for the wrong provider, a URL pointed elsewhere)."""
    records = _records(raw)
    kinds = {_kind(record) for record in records}
    kind = kinds.pop() if len(kinds) == 1 else None
    if kind is None:
        return
    if kind is _FLAT:
        ids = [r.get("id") for r in records]
        cloudflare = next((i for i in ids if isinstance(i, str) and _CLOUDFLARE_ID.match(i)), None)
        if cloudflare is not None:
            kind = _Kind(
                f"Cloudflare Workers AI's model search (ids such as {cloudflare!r})",
                frozenset({"cloudflare-workers-ai"}),
            )
    if provider_id not in kind.owners:
        raise ProviderError(
            provider_id,
            f"the response looks like {kind.description}, not this provider's; refusing to sync it",
        )


def _records(raw: Any) -> list[Any]:
    """The records of a `{data}`, `{models}`, `{result}` or `{result: {data}}` body."""
    if not isinstance(raw, Mapping):
        return []
    result = raw.get("result")
    for items in (raw.get("data"), raw.get("models"), result):
        if isinstance(items, list):
            return items
    if isinstance(result, Mapping) and isinstance(result.get("data"), list):
        data: list[Any] = result["data"]
        return data
    return []


def _kind(record: Any) -> _Kind | None:
    if not isinstance(record, Mapping):
        return None
    if isinstance(record.get("architecture"), Mapping):
        return _OPENROUTER
    name = record.get("name")
    if "id" not in record and isinstance(name, str) and name.startswith("models/"):
        return _GOOGLE
    if _XAI_KEYS & record.keys():
        return _XAI
    if _FLAT_KEYS & record.keys():
        return _FLAT
    return None


def validate_response(provider_id: str, shape: type[Shape], raw: Any) -> Shape:
    """`raw` validated against `shape`; another provider's response, or a mismatch, is a
    ProviderError naming where and why."""
    from pydantic import ValidationError  # only the providers that validate import pydantic

    refuse_foreign(provider_id, raw)
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
