"""The JSON build that consumers read: provider id → provider with its resolved models."""

from __future__ import annotations

from typing import Any

from .catalog import Catalog
from .schema import DEFAULT_TIER_TYPE, PRICE_KEYS, typed_tier_spec

_PROVIDER_KEYS = ("env", "npm", "api", "name", "doc")


def build_catalog(catalog: Catalog) -> dict[str, Any]:
    """The build of a valid catalog; dangling links are skipped."""
    output: dict[str, Any] = {}
    for pid, provider in sorted(catalog.providers.items()):
        if provider.file is None or provider.file.data is None:
            continue
        entry: dict[str, Any] = {"id": pid}
        entry.update({k: provider.file.data[k] for k in _PROVIDER_KEYS if k in provider.file.data})
        models: dict[str, Any] = {}
        for mid, model_file in sorted(provider.models.items()):
            resolved = catalog.resolved(model_file)
            if resolved is not None:
                models[mid] = build_model(mid, resolved)
        entry["models"] = models
        output[pid] = entry
    return output


def build_model(model_id: str, resolved: dict[str, Any]) -> dict[str, Any]:
    model: dict[str, Any] = {"id": model_id, **resolved}
    options = model.get("reasoning_options")
    if isinstance(options, list):
        model["reasoning_options"] = [_json_option(o) for o in options]
    cost = model.get("cost")
    if isinstance(cost, dict):
        model["cost"] = with_context_over_200k(consumer_cost(cost))
    return model


def consumer_cost(cost: dict[str, Any]) -> dict[str, Any]:
    """The cost as consumers read it: known price keys only, each tier's type filled in."""
    out: dict[str, Any] = {k: v for k, v in cost.items() if k in PRICE_KEYS}
    tiers = cost.get("tiers")
    if isinstance(tiers, list):
        out["tiers"] = [
            {
                **{k: v for k, v in t.items() if k in PRICE_KEYS},
                "tier": typed_tier_spec(t["tier"]),
            }
            for t in tiers
        ]
    return out


def _json_option(option: Any) -> Any:
    if isinstance(option, dict) and isinstance(option.get("values"), list):
        return {**option, "values": [None if v == "null" else v for v in option["values"]]}
    return option


def with_context_over_200k(cost: dict[str, Any]) -> dict[str, Any]:
    """Add the compatibility field when there is exactly one context tier of 200k or more."""
    tiers = cost.get("tiers")
    if not isinstance(tiers, list) or len(tiers) != 1 or not isinstance(tiers[0], dict):
        return cost
    spec = tiers[0].get("tier")
    if not isinstance(spec, dict) or spec.get("type", DEFAULT_TIER_TYPE) != DEFAULT_TIER_TYPE:
        return cost
    size = spec.get("size")
    if not isinstance(size, int) or size < 200_000:
        return cost
    prices = {k: v for k, v in tiers[0].items() if k != "tier" and k in PRICE_KEYS}
    return {**cost, "context_over_200k": prices}
