"""The catalog schema: its vocabulary, and the checks of each kind of file.

A file's own keys are checked in two steps: the plain acceptors of `shapes` first; only a file
they refuse is validated with the pydantic models of `schema_models`, which say what is wrong.
Provider models are checked as authored (`check_provider_model_fields`: every key optional, as a
factored `base_model` file must be) and, resolved, against the required keys and the rules
across fields (`provider_model_rules`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date
from typing import Any, NamedTuple

MODALITIES = ("text", "audio", "image", "video", "pdf")
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max", "default")
LINK_TYPES = (
    "announcement",
    "blog",
    "docs",
    "license",
    "model_card",
    "paper",
    "weights",
    "other",
)
PRICE_KEYS = (
    "input",
    "output",
    "reasoning",
    "cache_read",
    "cache_write",
    "input_audio",
    "output_audio",
)
DEFAULT_TIER_TYPE = "context"
"""The type of a cost tier that states none."""


def typed_tier_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A tier spec (`{ size = N }`) with its type stated, as written and as consumers read it."""
    return {"type": DEFAULT_TIER_TYPE, **spec}


def with_typed_tiers(model: Mapping[str, Any]) -> dict[str, Any]:
    """`model` with every cost tier's type stated (`tier = { type = "context", size = N }`)."""
    cost = model.get("cost")
    tiers = cost.get("tiers") if isinstance(cost, Mapping) else None
    if not isinstance(cost, Mapping) or not isinstance(tiers, list):
        return dict(model)
    typed = [
        {**tier, "tier": typed_tier_spec(tier["tier"])}
        if isinstance(tier, Mapping) and isinstance(tier.get("tier"), Mapping)
        else tier
        for tier in tiers
    ]
    return {**model, "cost": {**cost, "tiers": typed}}


REQUIRED_PROVIDER_MODEL_KEYS = (
    "name",
    "attachment",
    "reasoning",
    "tool_call",
    "release_date",
    "last_updated",
    "modalities",
    "open_weights",
    "limit",
)
API_REQUIRED_NPM = ("@ai-sdk/openai-compatible", "@openrouter/ai-sdk-provider")
API_ALLOWED_NPM = ("@ai-sdk/anthropic", "@ai-sdk/openai", "kiro-acp-ai-provider")

TOML_INT_MIN, TOML_INT_MAX = -(2**63), 2**63 - 1

DATE = re.compile(r"\d{4}-(\d{2})(?:-(\d{2}))?")
URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)


class Problem(NamedTuple):
    """One finding about one file: `key` is a dot path inside the file, or "" for the file."""

    key: str
    message: str
    warning: bool = False


def _calendar_problem(key: str, value: Any) -> Problem | None:
    if isinstance(value, str) and not _is_calendar_date(value):
        return Problem(key, f"{value!r} is not a calendar date", warning=True)
    return None


@functools.lru_cache(maxsize=4096)
def _is_calendar_date(value: str) -> bool:
    """Whether a date string names a real day (strings not shaped as dates count as real:
    their shape is checked elsewhere). Cached: a catalog repeats few dates many times."""
    match = DATE.fullmatch(value)
    if match is None:
        return True
    try:
        date(int(value[:4]), int(match.group(1)), int(match.group(2) or 1))
    except ValueError:
        return False
    return True


def date_warnings(data: dict[str, Any]) -> list[Problem]:
    """Dates of the right shape that name no real day (month 25, February 31)."""
    found = [
        _calendar_problem(k, data.get(k)) for k in ("knowledge", "release_date", "last_updated")
    ]
    benchmarks = data.get("benchmarks")
    if isinstance(benchmarks, list):
        found += [
            _calendar_problem(f"benchmarks[{i}].date", b.get("date"))
            for i, b in enumerate(benchmarks)
            if isinstance(b, dict)
        ]
    return [p for p in found if p is not None]


def _unknown_cost_keys(cost: Any, prefix: str) -> list[Problem]:
    if not isinstance(cost, dict):
        return []
    problems = [
        Problem(f"{prefix}.{key}", f"unknown key {key!r} in cost is not used by consumers", True)
        for key in cost
        if key not in PRICE_KEYS and key != "tiers"
    ]
    tiers = cost.get("tiers")
    if isinstance(tiers, list):
        for index, tier in enumerate(tiers):
            if isinstance(tier, dict):
                problems += [
                    Problem(
                        f"{prefix}.tiers[{index}].{key}",
                        f"unknown key {key!r} in a cost tier is not used by consumers",
                        True,
                    )
                    for key in tier
                    if key not in PRICE_KEYS and key != "tier"
                ]
    return problems


def _cost_problems(cost: Any, prefix: str) -> list[Problem]:
    problems = _unknown_cost_keys(cost, prefix)
    if isinstance(cost, dict):
        if "context_over_200k" in cost:
            problems.append(
                Problem(
                    f"{prefix}.context_over_200k", "is generated by the build; do not author it"
                )
            )
        tiers = cost.get("tiers")
        for index, tier in enumerate(tiers if isinstance(tiers, list) else []):
            for key in ("input", "output"):
                if isinstance(tier, dict) and key not in tier:
                    problems.append(
                        Problem(f"{prefix}.tiers[{index}].{key}", "required key is missing")
                    )
    return problems


def _all_costs(data: dict[str, Any]) -> list[tuple[str, Any]]:
    costs = [("cost", data["cost"])] if "cost" in data else []
    experimental = data.get("experimental")
    modes = experimental.get("modes") if isinstance(experimental, dict) else None
    if isinstance(modes, dict):
        for name, mode in modes.items():
            if isinstance(mode, dict) and "cost" in mode:
                costs.append((f"experimental.modes.{name}.cost", mode["cost"]))
    return costs


def check_provider_model_fields(data: dict[str, Any]) -> list[Problem]:
    """Check every key present in a provider model file (authored or resolved)."""
    from . import shapes

    problems: list[Problem] = []
    if not shapes.PROVIDER_MODEL_FIELDS(data):
        from .schema_models import ProviderModelFields, field_errors

        problems = field_errors(ProviderModelFields, data)
    problems += date_warnings(data)
    for prefix, cost in _all_costs(data):
        problems += _cost_problems(cost, prefix)
    return problems


def check_resolved_provider_model(data: dict[str, Any]) -> list[Problem]:
    """Check a resolved provider model: the fields, the required keys, the cross-field rules."""
    return check_provider_model_fields(data) + provider_model_rules(data)


def provider_model_rules(data: dict[str, Any]) -> list[Problem]:
    """The required keys and cross-field rules of a resolved provider model (fields not checked)."""
    problems: list[Problem] = []
    missing = [key for key in REQUIRED_PROVIDER_MODEL_KEYS if key not in data]
    if len(missing) == 1:
        problems.append(Problem(missing[0], "required key is missing"))
    elif missing:
        problems.append(Problem("", f"required keys are missing: {', '.join(missing)}"))
    limit = data.get("limit")
    if isinstance(limit, dict):
        problems += [
            Problem(f"limit.{key}", "required key is missing")
            for key in ("context", "output")
            if key not in limit
        ]
    modalities = data.get("modalities")
    if isinstance(modalities, dict):
        problems += [
            Problem(f"modalities.{key}", "required key is missing")
            for key in ("input", "output")
            if key not in modalities
        ]
    reasoning = data.get("reasoning")
    if reasoning is True and "reasoning_options" not in data:
        problems.append(
            Problem(
                "reasoning_options", "reasoning = true requires reasoning_options ([] if unknown)"
            )
        )
    if reasoning is False:
        if "reasoning_options" in data:
            problems.append(
                Problem("reasoning_options", "reasoning = false forbids reasoning_options")
            )
        cost = data.get("cost")
        if isinstance(cost, dict) and "reasoning" in cost:
            problems.append(Problem("cost.reasoning", "reasoning = false forbids cost.reasoning"))
    return problems


def check_metadata(data: dict[str, Any]) -> list[Problem]:
    """Check a model metadata file (`models/<lab>/<id>.toml`)."""
    from . import shapes

    if not shapes.MODEL_METADATA(data):
        from .schema_models import ModelMetadata, field_errors

        errors = field_errors(ModelMetadata, data)
        if errors:
            return errors
    return date_warnings(data)


def check_provider(data: dict[str, Any]) -> list[Problem]:
    """Check a `provider.toml`, including the npm/api rule."""
    from . import shapes

    if not shapes.PROVIDER(data):
        from .schema_models import Provider, field_errors

        errors = field_errors(Provider, data)
        if errors:
            return errors
    npm, api = data["npm"], data.get("api")
    if npm in API_REQUIRED_NPM and api is None:
        return [Problem("api", f"api is required when npm is {npm!r}")]
    if api is not None and npm not in API_REQUIRED_NPM + API_ALLOWED_NPM:
        return [Problem("api", f"api is not allowed when npm is {npm!r}")]
    return []


def check_family(data: dict[str, Any], families: frozenset[str] | None) -> list[Problem]:
    family = data.get("family")
    if families is not None and isinstance(family, str) and family not in families:
        return [Problem("family", f"family {family!r} is not listed in families.toml")]
    return []
