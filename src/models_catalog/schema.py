"""The catalog schema as pydantic models, and the rules that span several fields.

Provider models are validated in two steps: `ProviderModelFields` checks every key that is
present (all keys optional, unknown keys rejected), which is what a factored file
(`base_model` + overrides) must satisfy; `provider_model_problems` then adds the required keys and
the cross-field rules for a resolved model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

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

_DATE = re.compile(r"\d{4}-(\d{2})(?:-(\d{2}))?")
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)


def _check_date(value: str) -> str:
    if _DATE.fullmatch(value) is None:
        raise ValueError("must be a date YYYY-MM or YYYY-MM-DD")
    return value


def _calendar_problem(key: str, value: Any) -> Problem | None:
    if value is None:
        return None
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    day = int(match.group(2)) if match.group(2) else 1
    try:
        date(int(value[:4]), int(match.group(1)), day)
    except ValueError:
        return Problem(key, f"{value!r} is not a calendar date", warning=True)
    return None


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


def _check_url(value: str) -> str:
    if _URL.fullmatch(value) is None:
        raise ValueError(f"{value!r} is not a valid URL")
    return value


NonEmpty = Annotated[str, Field(min_length=1)]
DateString = Annotated[str, AfterValidator(_check_date)]
Url = Annotated[str, AfterValidator(_check_url)]
TOML_INT_MIN, TOML_INT_MAX = -(2**63), 2**63 - 1


def _toml_number(value: Any) -> Any:
    """Numbers TOML can hold: integers within 64 bits, floats finite."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not TOML_INT_MIN <= value <= TOML_INT_MAX:
            raise ValueError(f"{value} is beyond the 64-bit integers TOML allows")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    return value


Count = Annotated[float, BeforeValidator(_toml_number), Field(ge=0)]
Modality = Literal["text", "audio", "image", "video", "pdf"]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Modalities(_Strict):
    input: list[Modality]
    output: list[Modality]


class Limit(_Strict):
    context: Count
    input: Count | None = None
    output: Count | None = None


class PartialLimit(_Strict):
    context: Count | None = None
    input: Count | None = None
    output: Count | None = None


class PartialModalities(_Strict):
    input: list[Modality] | None = None
    output: list[Modality] | None = None


class TierSpec(_Strict):
    type: Literal["context"] = "context"
    size: Annotated[int, Field(ge=0)]


class _Prices(BaseModel):
    """Price keys; unknown keys are kept (and reported as warnings, not errors)."""

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    input: Count | None = None
    output: Count | None = None
    reasoning: Count | None = None
    cache_read: Count | None = None
    cache_write: Count | None = None
    input_audio: Count | None = None
    output_audio: Count | None = None


class Tier(_Prices):
    tier: TierSpec


class Cost(_Prices):
    tiers: list[Tier] | None = None

    @field_validator("tiers")
    @classmethod
    def _unique_sizes(cls, tiers: list[Tier] | None) -> list[Tier] | None:
        if tiers is not None:
            sizes = [t.tier.size for t in tiers]
            duplicates = sorted({s for s in sizes if sizes.count(s) > 1})
            if duplicates:
                raise ValueError(f"tier sizes must be unique (repeated: {duplicates})")
        return tiers


class ToggleOption(_Strict):
    type: Literal["toggle"]


class EffortOption(_Strict):
    type: Literal["effort"]
    values: list[
        Literal["none", "minimal", "low", "medium", "high", "xhigh", "max", "default", "null"]
        | None
    ]


class BudgetOption(_Strict):
    type: Literal["budget_tokens"]
    min: Annotated[int, Field(ge=-1)] | None = None
    max: Annotated[int, Field(ge=0)] | None = None


ReasoningOption = Annotated[ToggleOption | EffortOption | BudgetOption, Field(discriminator="type")]


class InterleavedField(_Strict):
    field: Literal["reasoning_content", "reasoning_details"]


class ProviderOptions(_Strict):
    npm: NonEmpty | None = None
    api: str | None = None
    shape: Literal["responses", "completions"] | None = None
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


class ModeProvider(_Strict):
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


class Mode(_Strict):
    cost: Cost | None = None
    provider: ModeProvider | None = None


class Experimental(_Strict):
    modes: dict[str, Mode] | None = None


class _CommonFields(_Strict):
    name: NonEmpty | None = None
    family: str | None = None
    attachment: bool | None = None
    reasoning: bool | None = None
    tool_call: bool | None = None
    structured_output: bool | None = None
    temperature: bool | None = None
    knowledge: DateString | None = None
    release_date: DateString | None = None
    last_updated: DateString | None = None
    open_weights: bool | None = None


class ProviderModelFields(_CommonFields):
    """Every key of a provider model, all optional: the shape of an authored file."""

    base_model: NonEmpty | None = None
    base_model_omit: list[NonEmpty] | None = None
    modalities: PartialModalities | None = None
    limit: PartialLimit | None = None
    reasoning_options: list[ReasoningOption] | None = None
    interleaved: Literal[True] | InterleavedField | None = None
    status: Literal["alpha", "beta", "deprecated"] | None = None
    cost: Cost | None = None
    provider: ProviderOptions | None = None
    experimental: Experimental | None = None


class Link(_Strict):
    url: Url
    label: NonEmpty | None = None
    type: (
        Literal[
            "announcement", "blog", "docs", "license", "model_card", "paper", "weights", "other"
        ]
        | None
    ) = None


class Weight(_Strict):
    url: str
    label: NonEmpty | None = None
    format: NonEmpty | None = None
    quantization: NonEmpty | None = None


class Benchmark(_Strict):
    name: NonEmpty
    score: float | NonEmpty
    metric: NonEmpty | None = None
    harness: NonEmpty | None = None
    variant: NonEmpty | None = None
    dataset: NonEmpty | None = None
    version: NonEmpty | None = None
    source: Url | None = None
    date: DateString | None = None


class ModelMetadata(_CommonFields):
    name: NonEmpty
    modalities: Modalities | None = None
    limit: Limit | None = None
    license: NonEmpty | None = None
    links: list[Link] | None = None
    weights: list[Weight] | None = None
    benchmarks: list[Benchmark] | None = None


def _check_glob(value: str) -> str:
    if value != value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"{value!r} has surrounding spaces or a control character")
    opened = value.find("[")
    if opened != -1 and "]" not in value[opened + 2 :]:
        raise ValueError(f"{value!r} opens a [set] it never closes")
    return value


Glob = Annotated[str, Field(min_length=1), AfterValidator(_check_glob)]


class SyncSettings(_Strict):
    """`[sync]` in provider.toml: `ignore` globs name model ids the sync treats as absent."""

    ignore: list[Glob] = []

    @field_validator("ignore")
    @classmethod
    def _unique_globs(cls, globs: list[str]) -> list[str]:
        repeated = sorted({g for g in globs if globs.count(g) > 1})
        if repeated:
            raise ValueError(f"ignore globs must be unique (repeated: {repeated})")
        return globs


class Provider(_Strict):
    name: NonEmpty
    env: Annotated[list[NonEmpty], Field(min_length=1)]
    npm: NonEmpty
    doc: NonEmpty
    api: str | None = None
    sync: SyncSettings | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about one file: `key` is a dot path inside the file, or "" for the file."""

    key: str
    message: str
    warning: bool = False


def _loc(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in ("toggle", "effort", "budget_tokens") and parts and parts[-1].endswith("]"):
            continue  # the discriminated-union tag pydantic inserts into the location
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts)


def _describe(error: Any) -> Problem:
    loc = _loc(tuple(error["loc"]))
    kind = error["type"]
    if kind == "extra_forbidden":
        return Problem(loc, f"unknown key {loc.rsplit('.', 1)[-1]!r}")
    if kind == "missing":
        return Problem(loc, "required key is missing")
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    if kind not in ("value_error", "assertion_error"):
        message += f" (got {error['input']!r})"
    return Problem(loc, message)


def _errors(exc: ValidationError) -> list[Problem]:
    return [_describe(e) for e in exc.errors(include_url=False)]


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
    problems: list[Problem] = []
    try:
        ProviderModelFields.model_validate(data)
    except ValidationError as exc:
        problems = _errors(exc)
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
    try:
        ModelMetadata.model_validate(data)
    except ValidationError as exc:
        return _errors(exc)
    return date_warnings(data)


def check_provider(data: dict[str, Any]) -> list[Problem]:
    """Check a `provider.toml`, including the npm/api rule."""
    try:
        provider = Provider.model_validate(data)
    except ValidationError as exc:
        return _errors(exc)
    if provider.npm in API_REQUIRED_NPM and provider.api is None:
        return [Problem("api", f"api is required when npm is {provider.npm!r}")]
    if provider.api is not None and provider.npm not in API_REQUIRED_NPM + API_ALLOWED_NPM:
        return [Problem("api", f"api is not allowed when npm is {provider.npm!r}")]
    return []


def check_family(data: dict[str, Any], families: frozenset[str] | None) -> list[Problem]:
    family = data.get("family")
    if families is not None and isinstance(family, str) and family not in families:
        return [Problem("family", f"family {family!r} is not listed in families.toml")]
    return []
