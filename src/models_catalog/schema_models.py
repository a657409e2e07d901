"""The catalog schema as pydantic models: the authority on what a file may hold, and the source
of the messages that say what is wrong.

Imported only when a file fails the plain checks of `shapes` (which accept a subset of what these
models accept), so that reading a valid catalog never builds them.
"""

from __future__ import annotations

import math
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

from .schema import DATE, TOML_INT_MAX, TOML_INT_MIN, URL, Problem


def _check_date(value: str) -> str:
    if DATE.fullmatch(value) is None:
        raise ValueError("must be a date YYYY-MM or YYYY-MM-DD")
    return value


def _check_url(value: str) -> str:
    if URL.fullmatch(value) is None:
        raise ValueError(f"{value!r} is not a valid URL")
    return value


NonEmpty = Annotated[str, Field(min_length=1)]
DateString = Annotated[str, AfterValidator(_check_date)]
Url = Annotated[str, AfterValidator(_check_url)]


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


def field_errors(model: type[BaseModel], data: dict[str, Any]) -> list[Problem]:
    """The problems `model` finds in `data`, each at its dot path."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return _errors(exc)
    return []
