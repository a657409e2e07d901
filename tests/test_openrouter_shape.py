"""The plain acceptor of `providers.openrouter` against the pydantic models of
`providers.openrouter_shape`: the same fields, the same records for real responses, and never
accepting what pydantic refuses or reading anything otherwise."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from models_catalog.providers import openrouter as plain
from models_catalog.providers import openrouter_shape as shape

from .conftest import REAL_RESPONSES
from .reference_responses import openrouter_response

RECORDINGS = sorted((REAL_RESPONSES / "openrouter").glob("*.json"))
PAIRS: list[tuple[type[Any], type[BaseModel]]] = [
    (plain.OpenRouterModel, shape.OpenRouterModel),
    (plain.Architecture, shape.Architecture),
    (plain.Pricing, shape.Pricing),
    (plain.TopProvider, shape.TopProvider),
    (plain.Reasoning, shape.Reasoning),
]
BOOKKEEPING = {"given", "efforts_known"}
"""Plain fields standing for pydantic's `model_fields_set`."""


@pytest.mark.parametrize("pair", PAIRS, ids=[p.__name__ for p, _ in PAIRS])
def test_every_pydantic_field_is_mirrored(pair: tuple[type[Any], type[BaseModel]]) -> None:
    record, model = pair
    names = set(record._fields) - BOOKKEEPING
    assert names == set(model.model_fields)
    assert set(shape.OpenRouterModel.model_fields) == plain.RECORD_FIELDS


def by_pydantic(raw: Any) -> plain.OpenRouterModel | None:
    try:
        return plain.from_shape(shape.OpenRouterModel.model_validate(raw))
    except ValidationError:
        return None


@pytest.mark.parametrize(
    "source", RECORDINGS or [None], ids=[p.stem for p in RECORDINGS] or ["absent"]
)
def test_real_responses_are_accepted_plainly_as_pydantic_reads_them(source: Path | None) -> None:
    if source is None:
        pytest.skip(f"no recorded OpenRouter responses in {REAL_RESPONSES}")
    raw = json.loads(source.read_text())
    records = plain.accept_response(raw)
    assert records is not None
    assert records == [by_pydantic(item) for item in raw["data"]]


def test_the_response_of_the_reference_catalog_is_accepted_plainly(
    reference_catalog: Path,
) -> None:
    raw = openrouter_response(reference_catalog)
    records = plain.accept_response(raw)
    assert records is not None and len(records) > 100
    assert records == [by_pydantic(item) for item in raw["data"]]


FULL: dict[str, Any] = {
    "id": "acme/widget-1",
    "name": "Acme: Widget 1",
    "created": 1_745_798_400,
    "context_length": 32_768,
    "hugging_face_id": "acme/widget",
    "knowledge_cutoff": "2025-01-01",
    "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["text"]},
    "pricing": {
        "prompt": "0.000001",
        "completion": "0.000002",
        "internal_reasoning": "0.000003",
        "input_cache_read": "0.0000001",
        "input_cache_write": "0.0000002",
    },
    "top_provider": {"context_length": 32_000, "max_completion_tokens": 8_000},
    "supported_parameters": ["tools", "reasoning"],
    "reasoning": {"mandatory": False, "supported_efforts": ["high"], "supports_max_tokens": True},
    "extra": {"anything": [1, 2]},
}
HOSTILE: list[Any] = [
    None,
    True,
    0,
    -1,
    7,
    2**63,
    -(2**70),
    1.0,
    2.5,
    float("nan"),
    float("inf"),
    "",
    "text",
    "12",
    "true",
    "\ud800",
    "é",
    [],
    ["text"],
    [1],
    ["a", None],
    {},
    {"prompt": "1"},
]


def paths(data: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))


def mutants(data: dict[str, Any]) -> Iterator[Any]:
    """`data` with each field (nested ones too) removed, or replaced by each hostile value."""
    for path in list(paths(data)):
        *outer, last = path
        for value in [*HOSTILE, ...]:
            mutant = copy.deepcopy(data)
            node = mutant
            for key in outer:
                node = node[key]
            if value is ...:
                del node[last]
            else:
                node[last] = value
            yield mutant
    yield "not a record"
    yield [data]


@pytest.mark.parametrize("absent", [(), ("reasoning", "top_provider", "hugging_face_id")])
def test_the_acceptor_never_reads_a_record_otherwise_than_pydantic(absent: tuple[str, ...]) -> None:
    """It may leave a valid record to pydantic (lax numbers, numbers as prices), nothing more."""
    data = {k: v for k, v in FULL.items() if k not in absent}
    assert plain.accept_record(data) == by_pydantic(data) is not None
    accepted = refused = 0
    for mutant in mutants(data):
        record = plain.accept_record(mutant)
        if record is None:
            refused += 1
        else:
            accepted += 1
            assert record == by_pydantic(mutant), mutant
    assert accepted > 50 and refused > 200


def test_model_validate_gives_plain_records_for_numbers_pydantic_converts() -> None:
    raw = {**FULL, "pricing": {"prompt": 0.5, "completion": 1}, "created": True}
    assert plain.accept_record(raw) is None
    record = plain.OpenRouterModel.model_validate(raw)
    assert record == by_pydantic(raw)
    assert (record.pricing.prompt, record.pricing.completion) == ("0.5", "1")
    assert isinstance(record, plain.OpenRouterModel)
