"""The OpenRouter provider: parsing, fetching (respx only) and the translation of one record."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import respx

from models_catalog.errors import FetchError, ProviderError
from models_catalog.http import HttpClient
from models_catalog.providers.openrouter import (
    ALL_EFFORTS,
    DEFAULT_URL,
    OpenRouter,
    OpenRouterModel,
    canonical_base_model,
    translate_record,
)

from . import fakes

KEY = "sk-or-v1-secret-test-key"
FAMILIES = (
    "claude",
    "claude-sonnet",
    "gpt",
    "gpt-mini",
    "o",
    "o-mini",
    "qwen",
    "kimi-k2",
    "kimi-thinking",
    "llama",
    "mistral-large",
)


@dataclass
class FakeView(fakes.FakeView):
    """The shared fake view, with this module's family list by default."""

    families: Sequence[str] = FAMILIES


def raw_record(**changes: Any) -> dict[str, Any]:
    """An API record; `changes` replace top-level fields, or nested ones with `a__b` names."""
    data: dict[str, Any] = {
        "id": "acme/widget-1",
        "name": "Acme: Widget 1",
        "created": 1_745_798_400,  # 2025-04-28
        "hugging_face_id": None,
        "knowledge_cutoff": None,
        "context_length": 32_768,
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
        "pricing": {"prompt": "0.000001", "completion": "0.000002"},
        "top_provider": {"context_length": None, "max_completion_tokens": None},
        "supported_parameters": [],
        "ignored_extra": {"anything": True},
    }
    for key, value in changes.items():
        outer, _, inner = key.partition("__")
        if inner:
            data[outer] = {**data[outer], inner: value}
        else:
            data[outer] = value
    return data


def record(**changes: Any) -> OpenRouterModel:
    return OpenRouterModel.model_validate(raw_record(**changes))


def translate(rec: OpenRouterModel, view: FakeView | None = None) -> dict[str, Any]:
    translation = OpenRouter().translate(rec, view or FakeView())
    assert translation.id == rec.id
    return dict(translation.model)


def full_file() -> dict[str, Any]:
    """An existing full model file, as authored."""
    return {
        "name": "Widget 1",
        "release_date": "2025-04-28",
        "last_updated": "2025-04-28",
        "attachment": False,
        "reasoning": False,
        "tool_call": False,
        "open_weights": False,
        "limit": {"context": 32_768, "output": 32_768},
        "modalities": {"input": ["text"], "output": ["text"]},
    }


SONNET_META: dict[str, Any] = {
    "name": "Claude Sonnet 4.5",
    "family": "claude-sonnet",
    "release_date": "2025-09-29",
    "last_updated": "2025-09-29",
    "attachment": True,
    "reasoning": True,
    "temperature": True,
    "tool_call": True,
    "open_weights": False,
    "limit": {"context": 200_000, "input": 180_000, "output": 64_000},
    "modalities": {"input": ["text", "image", "pdf"], "output": ["text"]},
}
SONNET_PARAMS = ["reasoning", "include_reasoning", "temperature", "tools"]


def sonnet(**changes: Any) -> OpenRouterModel:
    fields: dict[str, Any] = {
        "id": "anthropic/claude-sonnet-4.5",
        "name": "Anthropic: Claude Sonnet 4.5",
        "architecture": {
            "input_modalities": ["text", "image", "file"],
            "output_modalities": ["text"],
        },
        "supported_parameters": SONNET_PARAMS,
        "pricing": {"prompt": "0.000003", "completion": "0.000015"},
        "top_provider": {"context_length": 200_000, "max_completion_tokens": 64_000},
        **changes,
    }
    return record(**fields)


# Identity and parsing


def test_identity() -> None:
    provider = OpenRouter()
    assert (provider.id, provider.name, provider.group) == (
        "openrouter",
        "OpenRouter",
        "aggregators",
    )
    assert provider.env_vars == ("OPENROUTER_API_KEY",)
    assert provider.models_dir == "providers/openrouter/models"


def test_parse_reads_records_and_ignores_extra_fields() -> None:
    records = OpenRouter().parse({"data": [raw_record(), raw_record(id="acme/b")], "more": 1})
    assert [r.id for r in records] == ["acme/widget-1", "acme/b"]
    assert records[0].pricing.prompt == "0.000001"


UNPRICED = {k: v for k, v in raw_record(id="acme/x").items() if k != "pricing"}


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"data": [raw_record(), UNPRICED]}, "data.1.pricing (model 'acme/x'): Field required"),
        ({"data": [raw_record(context_length="lots")]}, "data.0.context_length"),
        ({"data": [raw_record(hugging_face_id=3)]}, "data.0.hugging_face_id"),
        ({"models": []}, "data: Field required"),
    ],
)
def test_parse_fails_loudly_on_a_changed_shape(raw: Any, where: str) -> None:
    with pytest.raises(ProviderError) as caught:
        OpenRouter().parse(raw)
    assert caught.value.provider == "openrouter"
    assert "the response changed shape" in caught.value.message
    assert where in caught.value.message


def test_parse_accepts_the_nullable_fields() -> None:
    [rec] = OpenRouter().parse(
        {"data": [raw_record(hugging_face_id=None, knowledge_cutoff=None, reasoning=None)]}
    )
    assert rec.hugging_face_id is None and rec.reasoning is None


# Fetch


def test_fetch_without_a_key_sends_no_authorization(
    mock: respx.MockRouter, client: HttpClient
) -> None:
    route = mock.get(DEFAULT_URL).respond(200, json={"data": []})
    assert OpenRouter().fetch(client, {}) == {"data": []}
    assert "Authorization" not in route.calls.last.request.headers


def test_fetch_with_a_key_sends_a_bearer_token(mock: respx.MockRouter, client: HttpClient) -> None:
    route = mock.get(DEFAULT_URL).respond(200, json={"data": []})
    OpenRouter().fetch(client, {"OPENROUTER_API_KEY": KEY})
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {KEY}"


def test_fetch_url_can_be_overridden(mock: respx.MockRouter, client: HttpClient) -> None:
    mirror = "http://localhost:8123/models"
    route = mock.get(mirror).respond(200, json={"data": [1]})
    assert OpenRouter().fetch(client, {"OPENROUTER_MODELS_URL": mirror}) == {"data": [1]}
    assert route.called


def test_fetch_error_never_shows_the_key(mock: respx.MockRouter, client: HttpClient) -> None:
    mock.get(DEFAULT_URL).respond(401, text=f"bad key {KEY}")
    with pytest.raises(FetchError) as caught:
        OpenRouter().fetch(client, {"OPENROUTER_API_KEY": KEY})
    assert "401" in str(caught.value)
    assert KEY not in str(caught.value)


# A full model (no base)


def test_full_model_from_a_record() -> None:
    model = translate(
        record(
            name="Acme: Widget 1: Turbo",
            hugging_face_id="acme/widget-1",
            knowledge_cutoff="2025-03-31T00:00:00Z",
            supported_parameters=["temperature"],
        )
    )
    assert model == {
        "name": "Widget 1: Turbo",
        "release_date": "2025-04-28",
        "last_updated": "2025-04-28",
        "attachment": False,
        "reasoning": False,
        "temperature": True,
        "tool_call": False,
        "structured_output": False,
        "knowledge": "2025-03-31",
        "open_weights": True,
        "cost": {"input": 1, "output": 2},
        "limit": {"context": 32_768, "output": 32_768},
        "modalities": {"input": ["text"], "output": ["text"]},
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [("OpenAI: GPT-4o", "GPT-4o"), ("GPT-4o", "GPT-4o"), ("Meta: Llama 3: 70B", "Llama 3: 70B")],
)
def test_name_loses_its_lab_prefix(name: str, expected: str) -> None:
    assert translate(record(name=name))["name"] == expected


def test_prices_become_dollars_per_million_tokens() -> None:
    pricing = {
        "prompt": "0.000003",
        "completion": "0.000015",
        "input_cache_read": "0.0000003",
        "input_cache_write": "0.00000375",
        "internal_reasoning": "0.00001",
    }
    assert translate(record(pricing=pricing))["cost"] == {
        "input": 3,
        "output": 15,
        "cache_read": 0.3,
        "cache_write": 3.75,
    }


def test_reasoning_price_only_for_reasoning_models() -> None:
    pricing = {"prompt": "0.000003", "completion": "0.000015", "internal_reasoning": "0.00001"}
    thinking = translate(record(pricing=pricing, supported_parameters=["reasoning"]))
    assert thinking["cost"]["reasoning"] == 10
    assert "reasoning" not in translate(record(pricing=pricing))["cost"]


def test_cost_keeps_existing_tiers_and_falls_back_to_the_existing_cost() -> None:
    tier = {"tier": {"type": "context", "size": 200_000}, "input": 6, "output": 22.5}
    old_cost = {"input": 9, "output": 9, "cache_read": 1, "tiers": [tier]}
    view = FakeView(files={"acme/widget-1": {**full_file(), "cost": old_cost}})
    assert translate(record(), view)["cost"] == {"input": 1, "output": 2, "tiers": [tier]}
    unpriced = record(pricing={"prompt": "-1", "completion": "-1"})
    assert translate(unpriced, view)["cost"] == old_cost
    assert "cost" not in translate(unpriced)


def test_modalities_read_file_as_pdf_and_set_attachment() -> None:
    model = translate(
        record(
            architecture__input_modalities=["Text", "image", "file", "file", "embeddings"],
            architecture__output_modalities=[],
        )
    )
    assert model["modalities"] == {"input": ["text", "image", "pdf"], "output": ["text"]}
    assert model["attachment"] is True


@pytest.mark.parametrize(
    ("params", "flags"),
    [
        (["reasoning"], {"reasoning"}),
        (["include_reasoning"], {"reasoning"}),
        (["tools"], {"tool_call"}),
        (["tool_choice"], {"tool_call"}),
        (["structured_outputs"], {"structured_output"}),
        (["response_format"], set()),
        (["temperature", "top_p"], {"temperature"}),
    ],
)
def test_flags_come_from_supported_parameters(params: list[str], flags: set[str]) -> None:
    model = translate(record(supported_parameters=params))
    names = ("reasoning", "tool_call", "structured_output", "temperature")
    assert {name for name in names if model[name]} == flags


def test_limit_prefers_the_top_provider_then_existing_output_then_context() -> None:
    top = translate(record(top_provider={"context_length": 64_000, "max_completion_tokens": 4_096}))
    assert top["limit"] == {"context": 64_000, "output": 4_096}
    assert translate(record())["limit"] == {"context": 32_768, "output": 32_768}
    old = {**full_file(), "limit": {"context": 1, "input": 30_000, "output": 8_192}}
    view = FakeView(files={"acme/widget-1": old})
    assert translate(record(), view)["limit"] == {
        "context": 32_768,
        "input": 30_000,
        "output": 8_192,
    }


def test_dates_knowledge_and_open_weights() -> None:
    view = FakeView(files={"acme/widget-1": {**full_file(), "knowledge": "2024-01"}})
    model = translate(record(created=1_700_000_000, hugging_face_id=""), view)
    assert (model["release_date"], model["last_updated"]) == ("2023-11-14", "2023-11-14")
    assert model["knowledge"] == "2024-01"
    assert model["open_weights"] is False


def test_status_and_interleaved_come_from_the_existing_file() -> None:
    old = {**full_file(), "status": "beta", "interleaved": {"field": "reasoning_details"}}
    model = translate(record(), FakeView(files={"acme/widget-1": old}))
    assert model["status"] == "beta"
    assert model["interleaved"] == {"field": "reasoning_details"}
    assert "status" not in translate(record())


# reasoning_options


def options(reasoning: Any, existing: Any = None) -> Any:
    view = FakeView()
    if existing is not None:
        view.files["acme/widget-1"] = {**full_file(), "reasoning_options": existing}
    rec = record(supported_parameters=["reasoning"], reasoning=reasoning)
    return translate(rec, view).get("reasoning_options")


def test_null_efforts_mean_every_effort() -> None:
    reasoning = {"mandatory": False, "supported_efforts": None, "supports_max_tokens": False}
    assert options(reasoning) == [{"type": "effort", "values": list(ALL_EFFORTS)}]
    assert ALL_EFFORTS == ("max", "xhigh", "high", "medium", "low", "minimal", "none")


def test_listed_efforts_are_kept_in_order_and_mandatory_drops_none() -> None:
    listed = {"mandatory": False, "supported_efforts": ["high", "none", "low"]}
    assert options(listed) == [{"type": "effort", "values": ["high", "none", "low"]}]
    mandatory = {"mandatory": True, "supported_efforts": None, "supports_max_tokens": True}
    assert options(mandatory) == [
        {"type": "effort", "values": ["max", "xhigh", "high", "medium", "low", "minimal"]},
        {"type": "budget_tokens"},
    ]


def test_efforts_the_catalog_does_not_know_are_left_out() -> None:
    reasoning = {"supported_efforts": ["High", "turbo", "high", "low"]}
    assert options(reasoning) == [{"type": "effort", "values": ["high", "low"]}]
    assert options({"supported_efforts": ["turbo"]}) is None


def test_budget_tokens_alone_when_efforts_are_unknown() -> None:
    assert options({"mandatory": False, "supports_max_tokens": True}) == [{"type": "budget_tokens"}]


def test_an_existing_non_empty_list_wins() -> None:
    existing = [{"type": "toggle"}]
    reasoning = {"mandatory": False, "supported_efforts": None, "supports_max_tokens": True}
    assert options(reasoning, existing) == [{"type": "toggle"}]


def test_existing_empty_list_used_only_when_nothing_is_known() -> None:
    assert options({"mandatory": True}, []) == []
    assert options(None) is None
    known = {"mandatory": False, "supported_efforts": ["low"]}
    assert options(known, []) == [{"type": "effort", "values": ["low"]}]


# family


@pytest.mark.parametrize(
    ("rec_id", "name", "family"),
    [
        ("moonshotai/kimi-k2-thinking", "MoonshotAI: Kimi K2 Thinking", "kimi-thinking"),
        ("moonshotai/kimi-k2-0905", "MoonshotAI: Kimi K2 0905", "kimi-k2"),
        ("openai/gpt-4.1-mini", "OpenAI: GPT-4.1 Mini", "gpt"),
        ("openai/o4-mini", "OpenAI: o4 Mini", "o"),
        ("openai/o3", "OpenAI: o3", "o"),
        ("qwen/qwen3-8b", "Qwen: Qwen3 8B", "qwen"),
        ("acme/qwen3-8b", "Acme: Qwen3 8B", None),
        ("acme/gpt-mini", "Acme: GPT Mini", "gpt-mini"),
        ("acme/widget-1", "Acme: Widget", None),
    ],
)
def test_family_is_inferred_as_the_longest_whole_token(
    rec_id: str, name: str, family: str | None
) -> None:
    assert translate(record(id=rec_id, name=name)).get("family") == family


def test_existing_family_wins_except_o() -> None:
    rec = record(id="openai/gpt-4o-mini", name="OpenAI: GPT-4o-mini")
    kept = FakeView(files={rec.id: {**full_file(), "family": "o-mini"}})
    assert translate(rec, kept)["family"] == "o-mini"
    replaced = FakeView(files={rec.id: {**full_file(), "family": "o"}})
    assert translate(rec, replaced)["family"] == "gpt"


# base_model


def metadata_view(*ids: str, **kwargs: Any) -> FakeView:
    return FakeView(meta={i: copy.deepcopy(SONNET_META) for i in ids}, **kwargs)


@pytest.mark.parametrize(
    ("rec_id", "metadata_ids", "base"),
    [
        ("anthropic/claude-sonnet-4.5", ["claude-sonnet-4-5"], "anthropic/claude-sonnet-4-5"),
        ("anthropic/claude-opus-4.1", ["claude-opus-4-1"], "anthropic/claude-opus-4-1"),
        ("anthropic/claude-3.5-haiku", ["claude-3-5-haiku"], "anthropic/claude-3-5-haiku"),
        ("anthropic/claude-sonnet-4", ["claude-sonnet-4"], "anthropic/claude-sonnet-4"),
        ("meta-llama/llama-3-1-8b", ["llama-3.1-8b"], "meta/llama-3.1-8b"),
        ("meta-llama/llama-4-scout", ["llama-4-scout-17b"], "meta/llama-4-scout-17b"),
        ("meta/llama-4-maverick", ["llama-4-maverick-17b"], "meta/llama-4-maverick-17b"),
        ("mistralai/mistral-large-latest", ["mistral-large"], "mistral/mistral-large"),
        ("minimax/minimax-m2.5", ["MiniMax-M2.5"], "minimax/MiniMax-M2.5"),
        ("qwen/qwen3-32b", ["qwen3-32b"], "alibaba/qwen3-32b"),
        ("qwen/qwen3-32b:free", ["qwen3-32b"], "alibaba/qwen3-32b"),
        ("z-ai/glm-4.6", ["glm-4.6"], "zhipuai/glm-4.6"),
        ("x-ai/grok-4", ["grok-4"], "xai/grok-4"),
        ("alibaba/tongyi", ["tongyi"], "alibaba/tongyi"),
        ("openai/gpt-5", ["gpt-5", "gpt-5-2025"], "openai/gpt-5"),
        ("~anthropic/claude-sonnet-latest", ["claude-sonnet-latest"], None),
        ("acme/claude-sonnet-4.5", ["claude-sonnet-4.5"], None),
        ("openai/gpt-5", ["gpt-5.0"], None),
        ("mistralai/mistral-large-2411", ["mistral-large"], None),
        ("qwen/qwen3-32b:thinking", ["qwen3-32b"], None),
    ],
)
def test_canonical_base_model(rec_id: str, metadata_ids: list[str], base: str | None) -> None:
    """Metadata files are created in the folder the lab maps to (or the raw prefix if none)."""
    prefix = rec_id.lstrip("~").split("/")[0]
    lab = {
        "meta-llama": "meta",
        "mistralai": "mistral",
        "qwen": "alibaba",
        "z-ai": "zhipuai",
        "x-ai": "xai",
    }.get(prefix, prefix)
    view = metadata_view(*(f"{lab}/{m}" for m in metadata_ids))
    assert canonical_base_model(record(id=rec_id), view) == base
    assert translate(record(id=rec_id), view).get("base_model") == base


def test_factored_model_keeps_only_what_differs_from_the_metadata() -> None:
    view = metadata_view("anthropic/claude-sonnet-4-5")
    same = translate(sonnet(supported_parameters=[*SONNET_PARAMS, "structured_outputs"]), view)
    assert same == {
        "base_model": "anthropic/claude-sonnet-4-5",
        "structured_output": True,
        "cost": {"input": 3, "output": 15},
    }
    different = sonnet(
        architecture={"input_modalities": ["text", "image"], "output_modalities": ["text"]},
        supported_parameters=["tools"],
        top_provider={"context_length": 1_000_000, "max_completion_tokens": 64_000},
    )
    assert translate(different, view) == {
        "base_model": "anthropic/claude-sonnet-4-5",
        "base_model_omit": ["limit.input"],
        "reasoning": False,
        "temperature": False,
        "structured_output": False,
        "cost": {"input": 3, "output": 15},
        "limit": {"context": 1_000_000},
        "modalities": {"input": ["text", "image"]},
    }


def test_factored_model_writes_existing_status_interleaved_and_options() -> None:
    view = metadata_view("anthropic/claude-sonnet-4-5")
    view.files["anthropic/claude-sonnet-4.5"] = {
        "base_model": "anthropic/claude-sonnet-4-5",
        "status": "deprecated",
        "interleaved": True,
        "reasoning_options": [{"type": "toggle"}],
    }
    model = translate(sonnet(), view)
    assert model["status"] == "deprecated"
    assert model["interleaved"] is True
    assert model["reasoning_options"] == [{"type": "toggle"}]
    assert "name" not in model and "family" not in model and "release_date" not in model


def test_omit_list_only_when_the_context_differs() -> None:
    view = metadata_view("anthropic/claude-sonnet-4-5")
    assert "base_model_omit" not in translate(sonnet(), view)
    wider = sonnet(top_provider={"context_length": 1_000_000, "max_completion_tokens": None})
    assert translate(wider, view)["base_model_omit"] == ["limit.input"]
    del view.meta["anthropic/claude-sonnet-4-5"]["limit"]["input"]
    assert "base_model_omit" not in translate(wider, view)


def test_omit_list_of_an_existing_file_with_the_same_base_is_kept() -> None:
    view = metadata_view("anthropic/claude-sonnet-4-5")
    view.files["anthropic/claude-sonnet-4.5"] = {
        "base_model": "anthropic/claude-sonnet-4-5",
        "base_model_omit": ["limit.input"],
    }
    assert translate(sonnet(), view)["base_model_omit"] == ["limit.input"]


def test_existing_base_model_is_kept() -> None:
    view = metadata_view("anthropic/claude-sonnet-4-5", "anthropic/claude-sonnet-4-5-20250929")
    view.files["anthropic/claude-sonnet-4.5"] = {
        "base_model": "anthropic/claude-sonnet-4-5-20250929",
        "base_model_omit": ["limit.input"],
    }
    model = translate(sonnet(), view)
    assert model["base_model"] == "anthropic/claude-sonnet-4-5-20250929"
    assert model["base_model_omit"] == ["limit.input"]
    view.files["acme/widget-1"] = {"base_model": "anthropic/claude-sonnet-4-5"}
    assert translate(record(), view)["base_model"] == "anthropic/claude-sonnet-4-5"


def test_free_ids_write_the_name_when_it_differs() -> None:
    view = metadata_view("anthropic/claude-sonnet-4-5")
    free = sonnet(id="anthropic/claude-sonnet-4.5:free", name="Anthropic: Claude Sonnet 4.5 (free)")
    assert translate(free, view)["name"] == "Claude Sonnet 4.5 (free)"
    same_name = sonnet(id="anthropic/claude-sonnet-4.5:free")
    assert "name" not in translate(same_name, view)
    paid = sonnet(name="Anthropic: Claude Sonnet 4.5 (paid)")
    assert "name" not in translate(paid, view)


def test_without_a_base_the_full_model_is_written() -> None:
    model = translate(sonnet(), FakeView())
    assert "base_model" not in model
    assert model["name"] == "Claude Sonnet 4.5"
    assert model["family"] == "claude-sonnet"


# Reuse by providers that translate "as OpenRouter" (Cloudflare Workers AI)


def test_translate_record_options_for_reusing_providers() -> None:
    rec = record(
        id="@cf/acme/widget-1",
        name="widget-1",
        top_provider={"context_length": None, "max_completion_tokens": 2_048},
        reasoning={"mandatory": False, "supported_efforts": None},
        supported_parameters=["reasoning"],
    )
    old = {
        **full_file(),
        "name": "Widget One",
        "release_date": "2024-01-01",
        "last_updated": "2024-02-02",
        "limit": {"context": 1, "output": 1_000},
    }
    view = metadata_view("acme/widget", files={"widget-1": old})
    plain = translate_record(rec, view, path_id="widget-1")
    assert plain.id == "widget-1"
    assert (plain.model["name"], plain.model["limit"]["output"]) == ("widget-1", 2_048)
    assert plain.model["reasoning_options"][0]["type"] == "effort"
    kept = translate_record(
        rec,
        view,
        path_id="widget-1",
        existing_name_wins=True,
        existing_dates_win=True,
        existing_output_wins=True,
        reasoning_options_from_api=False,
    ).model
    assert kept["name"] == "Widget One"
    assert (kept["release_date"], kept["last_updated"]) == ("2024-01-01", "2024-02-02")
    assert kept["limit"]["output"] == 1_000
    assert "reasoning_options" not in kept
    matched = translate_record(
        rec, view, path_id="new-id", match_base=lambda r, v: "acme/widget", name_with_base=True
    ).model
    assert matched["base_model"] == "acme/widget"
    assert matched["name"] == "widget-1"
