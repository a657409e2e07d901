"""Plain-Python acceptors for the catalog schema: the fast path of every file check.

Each `Table` here mirrors one pydantic model of `schema_models`, field for field, and accepts a
subset of what that model accepts (when in doubt it refuses: non-finite numbers, for one). A
file it accepts is valid without building the pydantic models; a file it refuses goes to them,
which decide and say what is wrong. `tests/test_shapes.py` holds the two to that contract.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from .schema import (
    DATE,
    EFFORTS,
    LINK_TYPES,
    MODALITIES,
    PRICE_KEYS,
    TOML_INT_MAX,
    TOML_INT_MIN,
    URL,
)

Check = Callable[[Any], bool]


class Table:
    """A table with known keys: `required` ones must be present; unknown keys are refused
    unless `extra` (then any value is accepted for them, as pydantic's extra="allow")."""

    def __init__(
        self,
        fields: Mapping[str, Check],
        *,
        required: tuple[str, ...] = (),
        extra: bool = False,
        rule: Check | None = None,
    ) -> None:
        self.fields = dict(fields)
        self.required = frozenset(required)
        self.extra = extra
        self.rule = rule

    def __call__(self, value: Any) -> bool:
        if type(value) is not dict:
            return False
        fields, extra = self.fields, self.extra
        for key, item in value.items():
            check = fields.get(key)
            if check is None:
                if not extra:
                    return False
            elif not check(item):
                return False
        if not self.required <= value.keys():
            return False
        return self.rule is None or self.rule(value)


def text(value: Any) -> bool:
    return type(value) is str


def non_empty(value: Any) -> bool:
    return type(value) is str and value != ""


def boolean(value: Any) -> bool:
    return type(value) is bool


def number(value: Any) -> bool:
    """A number TOML can hold: a 64-bit integer or a finite float."""
    if type(value) is int:
        return TOML_INT_MIN <= value <= TOML_INT_MAX
    return type(value) is float and math.isfinite(value)


def count(value: Any) -> bool:
    """A number TOML can hold, not below zero."""
    kind = type(value)
    if kind is int:
        return bool(0 <= value <= TOML_INT_MAX)
    return kind is float and bool(0 <= value < math.inf)


def integer_at_least(low: int) -> Check:
    return lambda value: type(value) is int and value >= low


def date_string(value: Any) -> bool:
    return type(value) is str and DATE.fullmatch(value) is not None


def url(value: Any) -> bool:
    return type(value) is str and URL.fullmatch(value) is not None


def one_of(*choices: str) -> Check:
    allowed = frozenset(choices)
    return lambda value: type(value) is str and value in allowed


def list_of(check: Check, *, at_least: int = 0) -> Check:
    return lambda value: type(value) is list and len(value) >= at_least and all(map(check, value))


def any_table(value: Any) -> bool:
    return type(value) is dict


def str_table(value: Any) -> bool:
    return type(value) is dict and all(type(item) is str for item in value.values())


def glob(value: Any) -> bool:
    if not non_empty(value) or value != value.strip():
        return False
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return False
    opened = value.find("[")
    return opened == -1 or "]" in value[opened + 2 :]


def unique(values: list[Any]) -> bool:
    return len(set(values)) == len(values)


def _unique_tier_sizes(cost: dict[str, Any]) -> bool:
    tiers = cost.get("tiers")
    return tiers is None or unique([tier["tier"]["size"] for tier in tiers])


MODALITY_LIST = list_of(one_of(*MODALITIES))
PRICES: dict[str, Check] = dict.fromkeys(PRICE_KEYS, count)
TIER_SPEC = Table({"type": one_of("context"), "size": integer_at_least(0)}, required=("size",))
TIER = Table({**PRICES, "tier": TIER_SPEC}, required=("tier",), extra=True)
COST = Table({**PRICES, "tiers": list_of(TIER)}, extra=True, rule=_unique_tier_sizes)
TOGGLE = Table({"type": one_of("toggle")}, required=("type",))
EFFORT = Table(
    {"type": one_of("effort"), "values": list_of(one_of(*EFFORTS, "null"))},
    required=("type", "values"),
)
BUDGET = Table(
    {"type": one_of("budget_tokens"), "min": integer_at_least(-1), "max": integer_at_least(0)},
    required=("type",),
)
OPTION_BY_TYPE: dict[str, Table] = {"toggle": TOGGLE, "effort": EFFORT, "budget_tokens": BUDGET}


def reasoning_option(value: Any) -> bool:
    if type(value) is not dict:
        return False
    tag = value.get("type")
    option = OPTION_BY_TYPE.get(tag) if type(tag) is str else None
    return option is not None and option(value)


INTERLEAVED_FIELD = Table(
    {"field": one_of("reasoning_content", "reasoning_details")}, required=("field",)
)
PROVIDER_OPTIONS = Table(
    {
        "npm": non_empty,
        "api": text,
        "shape": one_of("responses", "completions"),
        "body": any_table,
        "headers": str_table,
    }
)
MODE_PROVIDER = Table({"body": any_table, "headers": str_table})
MODE = Table({"cost": COST, "provider": MODE_PROVIDER})
EXPERIMENTAL = Table(
    {"modes": lambda value: type(value) is dict and all(map(MODE, value.values()))}
)
PARTIAL_MODALITIES = Table({"input": MODALITY_LIST, "output": MODALITY_LIST})
PARTIAL_LIMIT = Table({"context": count, "input": count, "output": count})
MODALITIES_TABLE = Table(
    {"input": MODALITY_LIST, "output": MODALITY_LIST}, required=("input", "output")
)
LIMIT = Table({"context": count, "input": count, "output": count}, required=("context",))
COMMON_FIELDS: dict[str, Check] = {
    "name": non_empty,
    "family": text,
    "attachment": boolean,
    "reasoning": boolean,
    "tool_call": boolean,
    "structured_output": boolean,
    "temperature": boolean,
    "knowledge": date_string,
    "release_date": date_string,
    "last_updated": date_string,
    "open_weights": boolean,
}
PROVIDER_MODEL_FIELDS = Table(
    {
        **COMMON_FIELDS,
        "base_model": non_empty,
        "base_model_omit": list_of(non_empty),
        "modalities": PARTIAL_MODALITIES,
        "limit": PARTIAL_LIMIT,
        "reasoning_options": list_of(reasoning_option),
        "interleaved": lambda value: value is True or INTERLEAVED_FIELD(value),
        "status": one_of("alpha", "beta", "deprecated"),
        "cost": COST,
        "provider": PROVIDER_OPTIONS,
        "experimental": EXPERIMENTAL,
    }
)
LINK = Table(
    {"url": url, "label": non_empty, "type": one_of(*LINK_TYPES)},
    required=("url",),
)
WEIGHT = Table(
    {"url": text, "label": non_empty, "format": non_empty, "quantization": non_empty},
    required=("url",),
)
BENCHMARK = Table(
    {
        "name": non_empty,
        "score": lambda value: number(value) or non_empty(value),
        "metric": non_empty,
        "harness": non_empty,
        "variant": non_empty,
        "dataset": non_empty,
        "version": non_empty,
        "source": url,
        "date": date_string,
    },
    required=("name", "score"),
)
MODEL_METADATA = Table(
    {
        **COMMON_FIELDS,
        "modalities": MODALITIES_TABLE,
        "limit": LIMIT,
        "license": non_empty,
        "links": list_of(LINK),
        "weights": list_of(WEIGHT),
        "benchmarks": list_of(BENCHMARK),
    },
    required=("name",),
)
SYNC_SETTINGS = Table({"ignore": lambda value: list_of(glob)(value) and unique(value)})
PROVIDER = Table(
    {
        "name": non_empty,
        "env": list_of(non_empty, at_least=1),
        "npm": non_empty,
        "doc": non_empty,
        "api": text,
        "sync": SYNC_SETTINGS,
    },
    required=("name", "env", "npm", "doc"),
)
