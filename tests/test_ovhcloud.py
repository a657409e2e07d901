"""The OVHcloud AI Endpoints provider: public fetch, parsing, translation field by field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import respx

from models_catalog.errors import ProviderError
from models_catalog.http import HttpClient
from models_catalog.providers.ovhcloud import DEFAULT_URL, OVHcloud, OVHModel
from models_catalog.sync.compare import same_authored
from models_catalog.sync.runner import SyncOptions, prepare, read_provider_catalog

from .fakes import FakeView

CREATED = int(datetime(2025, 8, 28, 9, tzinfo=UTC).timestamp())
MODEL_ID = "meta-llama-3_3-70b-instruct"


def api_model(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "Meta-Llama-3_3-70B-Instruct",
        "name": "Meta-Llama-3_3-70B-Instruct",
        "created": CREATED,
        "description": "Llama 3.3",
        "hugging_face_id": "meta-llama/Llama-3.3-70B-Instruct",
        "quantization": "fp8",
        "context_length": 131_072,
        "max_output_length": 8_192,
        "input_modalities": ["text"],
        "output_modalities": ["text"],
        "pricing": {
            "prompt": "0.00000074",
            "completion": "0.00000074",
            "image": "0",
            "request": "0",
        },
        "supported_features": ["tools", "json_mode", "structured_outputs"],
        "supported_sampling_parameters": ["temperature", "top_p", "stop"],
        "datacenters": [{"country_code": "FR"}],
    }
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


def parse_one(**changes: Any) -> OVHModel:
    [record] = OVHcloud().parse({"data": [api_model(**changes)]})
    return record


def translate(view: FakeView | None = None, **changes: Any) -> dict[str, Any]:
    translation = OVHcloud().translate(parse_one(**changes), view or FakeView())
    assert translation is not None
    assert translation.metadata is None
    return dict(translation.model)


def test_identity_and_switches() -> None:
    ovh = OVHcloud()
    assert (ovh.id, ovh.name, ovh.group) == ("ovhcloud", "OVHcloud AI Endpoints", "direct")
    assert ovh.env_vars == ()
    assert ovh.skip_creates is False and ovh.delete_missing is True


# Fetch


def no_sleep(_: float) -> None:
    pass


@respx.mock
def test_fetch_reads_the_public_catalog_without_credentials() -> None:
    route = respx.get(DEFAULT_URL).respond(200, json={"data": [api_model()]})
    with HttpClient(sleep=no_sleep) as client:
        raw = OVHcloud().fetch(client, {})
    assert raw == {"data": [api_model()]}
    assert "Authorization" not in route.calls.last.request.headers


@respx.mock
def test_fetch_uses_the_url_override() -> None:
    route = respx.get("http://mirror.test/catalog").respond(200, json={"data": []})
    with HttpClient(sleep=no_sleep) as client:
        OVHcloud().fetch(client, {"OVHCLOUD_MODELS_URL": "http://mirror.test/catalog"})
    assert route.call_count == 1


# Parse


def test_parse_ignores_extra_fields() -> None:
    record = parse_one()
    assert (record.id, record.context_length, record.max_output_length) == (
        "Meta-Llama-3_3-70B-Instruct",
        131_072,
        8_192,
    )
    assert record.pricing.prompt == "0.00000074"


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"data": [api_model(id=None)]}, "data.0.id"),
        ({"data": [api_model(name=None)]}, "data.0.name"),
        ({"data": [api_model(context_length=None)]}, "data.0.context_length"),
        ({"data": [api_model(), api_model(created="yesterday")]}, "data.1.created"),
        ({"data": [api_model(supported_features="tools")]}, "data.0.supported_features"),
        ({"models": []}, "data"),
    ],
)
def test_parse_rejects_a_changed_shape(raw: Any, where: str) -> None:
    with pytest.raises(ProviderError) as caught:
        OVHcloud().parse(raw)
    assert caught.value.provider == "ovhcloud"
    assert f"response changed shape: {where}" in str(caught.value)


# Translate: a new model


def test_a_new_model_is_translated_in_full() -> None:
    translation = OVHcloud().translate(parse_one(), FakeView())
    assert translation is not None
    assert translation.id == MODEL_ID
    assert translation.model == {
        "name": "Meta-Llama-3_3-70B-Instruct",
        "release_date": "2025-08-28",
        "last_updated": "2025-08-28",
        "attachment": False,
        "reasoning": False,
        "tool_call": True,
        "structured_output": True,
        "temperature": True,
        "open_weights": True,
        "modalities": {"input": ["text"], "output": ["text"]},
        "limit": {"context": 131_072, "output": 8_192},
        "cost": {"input": 0.74, "output": 0.74},
    }


def test_flags_come_from_features_and_false_ones_are_not_written() -> None:
    model = translate(
        supported_features=["reasoning"],
        supported_sampling_parameters=["top_p"],
        hugging_face_id="",
    )
    assert (model["reasoning"], model["tool_call"], model["open_weights"]) == (True, False, False)
    assert "structured_output" not in model
    assert "temperature" not in model
    assert translate(hugging_face_id=None)["open_weights"] is False


def test_attachment_and_modalities_come_from_the_record() -> None:
    model = translate(input_modalities=["text", "image", "file"], output_modalities=[])
    assert model["modalities"] == {"input": ["text", "image", "pdf"], "output": ["text"]}
    assert model["attachment"] is True


@pytest.mark.parametrize(
    ("pricing", "cost"),
    [
        ({"prompt": "0", "completion": "0"}, None),
        ({}, None),
        ({"prompt": "-1", "completion": "free"}, None),
        ({"prompt": "0.0000001"}, {"input": 0.1, "output": 0.0}),
        ({"prompt": "0", "completion": "0.000002"}, {"input": 0.0, "output": 2.0}),
        (
            {
                "prompt": "0.000001",
                "completion": "0.000002",
                "input_cache_reads": "0.0000001",
                "input_cache_writes": "0",
            },
            {"input": 1.0, "output": 2.0, "cache_read": 0.1},
        ),
        (
            {"prompt": 0.000001, "completion": 0.000002, "input_cache_writes": "0.0000012"},
            {"input": 1.0, "output": 2.0, "cache_write": 1.2},
        ),
    ],
)
def test_cost_rules(pricing: dict[str, Any], cost: dict[str, float] | None) -> None:
    model = translate(pricing=pricing)
    assert model.get("cost") == cost


def test_a_missing_output_limit_falls_back_to_the_context() -> None:
    assert translate(max_output_length=None)["limit"] == {"context": 131_072, "output": 131_072}


# Translate: an existing model

EXISTING: dict[str, Any] = {
    "name": "Old name",
    "family": "llama",
    "release_date": "2025-04-01",
    "last_updated": "2025-05-01",
    "knowledge": "2023-12",
    "status": "beta",
    "interleaved": True,
    "attachment": False,
    "reasoning": True,
    "reasoning_options": [{"type": "effort", "values": ["low", "high"]}],
    "tool_call": True,
    "open_weights": True,
    "cost": {"input": 9, "output": 9, "tiers": [{"tier": {"size": 1}, "input": 1, "output": 1}]},
    "limit": {"context": 1, "input": 100_000, "output": 4_096},
    "modalities": {"input": ["text"], "output": ["text"]},
}


def existing_view(**changes: Any) -> FakeView:
    return FakeView(files={MODEL_ID: {**EXISTING, **changes}})


def test_an_existing_model_keeps_the_fields_the_api_lacks() -> None:
    model = translate(existing_view(), supported_features=["reasoning", "tools"])
    assert model == {
        "name": "Meta-Llama-3_3-70B-Instruct",
        "family": "llama",
        "knowledge": "2023-12",
        "status": "beta",
        "interleaved": True,
        "release_date": "2025-04-01",
        "last_updated": "2025-05-01",
        "attachment": False,
        "reasoning": True,
        "reasoning_options": [{"type": "effort", "values": ["low", "high"]}],
        "tool_call": True,
        "temperature": True,
        "open_weights": True,
        "modalities": {"input": ["text"], "output": ["text"]},
        "limit": {"context": 131_072, "input": 100_000, "output": 8_192},
        "cost": {"input": 0.74, "output": 0.74},
    }


def test_last_updated_falls_back_to_the_release_date() -> None:
    view = FakeView(files={MODEL_ID: {k: v for k, v in EXISTING.items() if k != "last_updated"}})
    model = translate(view)
    assert (model["release_date"], model["last_updated"]) == ("2025-04-01", "2025-04-01")


def test_reasoning_options_are_kept_only_for_reasoning_models() -> None:
    model = translate(existing_view(), supported_features=["tools"])
    assert model["reasoning"] is False
    assert "reasoning_options" not in model
    view = existing_view()
    del view.files[MODEL_ID]["reasoning_options"]
    model = translate(view, supported_features=["reasoning"])
    assert "reasoning_options" not in model  # the runner adds [] when none exist


def test_the_output_limit_falls_back_to_the_existing_one() -> None:
    model = translate(existing_view(), max_output_length=None)
    assert model["limit"] == {"context": 131_072, "input": 100_000, "output": 4_096}


def test_a_free_model_loses_its_cost() -> None:
    model = translate(existing_view(), pricing={"prompt": "0", "completion": "0"})
    assert "cost" not in model


def test_ids_are_lowercased_and_looked_up_lowercased() -> None:
    translation = OVHcloud().translate(
        parse_one(id="Qwen3-32B"), FakeView(files={"qwen3-32b": EXISTING})
    )
    assert translation is not None
    assert translation.id == "qwen3-32b"
    assert translation.model["family"] == "llama"


# Factored files

METADATA = {
    "name": "Llama 3.3 70B Instruct",
    "family": "llama",
    "release_date": "2024-12-06",
    "last_updated": "2024-12-06",
    "attachment": False,
    "reasoning": False,
    "temperature": True,
    "tool_call": True,
    "structured_output": True,
    "knowledge": "2023-12",
    "open_weights": True,
    "limit": {"context": 131_072, "output": 8_192},
    "modalities": {"input": ["text"], "output": ["text"]},
}
FACTORED = {
    "base_model": "meta/llama-3.3-70b-instruct",
    "name": "Meta-Llama-3_3-70B-Instruct",
    "cost": {"input": 0.74, "output": 0.74},
}


def factored_view() -> FakeView:
    return FakeView(
        files={MODEL_ID: dict(FACTORED)}, meta={"meta/llama-3.3-70b-instruct": METADATA}
    )


def test_a_factored_file_stays_factored() -> None:
    view = factored_view()
    model = translate(view, created=CREATED + 86_400 * 400)
    assert same_authored(model, FACTORED)


def test_a_factored_file_gets_only_the_overrides_and_false_over_a_true_base() -> None:
    model = translate(
        factored_view(),
        supported_features=["tools"],
        supported_sampling_parameters=[],
        context_length=65_536,
    )
    assert model == {
        **FACTORED,
        "structured_output": False,
        "temperature": False,
        "limit": {"context": 65_536},
    }


# With the runner


def test_reference_catalog_round_trips(reference_catalog: Path) -> None:
    """An API that says what the reference files say changes none of them."""
    ovh = OVHcloud()
    catalog = read_provider_catalog(reference_catalog, ovh)
    raw = []
    for model_id, entry in sorted(catalog.providers["ovhcloud"].models.items()):
        resolved = catalog.resolved(entry) if entry.data is not None else None
        if resolved is None:
            continue
        cost = resolved.get("cost", {})
        flags = {
            "reasoning": "reasoning",
            "tool_call": "tools",
            "structured_output": "structured_outputs",
        }
        raw.append(
            api_model(
                id=resolved["name"] if resolved["name"].lower() == model_id else model_id,
                name=resolved["name"],
                hugging_face_id="org/model" if resolved["open_weights"] else None,
                context_length=resolved["limit"]["context"],
                max_output_length=resolved["limit"]["output"],
                input_modalities=resolved["modalities"]["input"],
                output_modalities=resolved["modalities"]["output"],
                pricing={
                    "prompt": f"{cost.get('input', 0) / 1e6:.12f}",
                    "completion": f"{cost.get('output', 0) / 1e6:.12f}",
                },
                supported_features=[v for k, v in flags.items() if resolved.get(k)],
                supported_sampling_parameters=["temperature"]
                if resolved.get("temperature")
                else [],
            )
        )
    plan = ovh.parse({"data": raw})
    result = prepare(ovh, catalog, plan, SyncOptions())
    assert len(result.files) == len(raw) > 0
    assert [f.rel for f in result.files if f.action != "unchanged"] == []
