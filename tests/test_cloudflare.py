"""Cloudflare Workers AI: fetching (respx only), parsing, and translation "as OpenRouter"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import respx

from models_catalog.errors import FetchError, ProviderError
from models_catalog.http import HttpClient
from models_catalog.providers.cloudflare import (
    MAX_PAGES,
    CloudflareModel,
    CloudflareWorkersAI,
)
from models_catalog.sync.registry import load_provider

from . import fakes

ACCOUNT = "0123456789abcdef0123456789abcdef"
TOKEN = "cf-secret-token-value-42"
ENV = {
    "CLOUDFLARE_WORKERS_AI_SYNC_ACCOUNT_ID": ACCOUNT,
    "CLOUDFLARE_WORKERS_AI_SYNC_API_TOKEN": TOKEN,
}
URL = f"https://api.cloudflare.com/client/v4/accounts/{ACCOUNT}/ai/models/search"


@dataclass
class FakeView(fakes.FakeView):
    families: Sequence[str] = ("llama", "gpt-oss", "qwen")


def raw_record(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "@cf/acme/widget-8b",
        "name": "widget-8b",
        "created": 1_745_798_400,  # 2025-04-28
        "hugging_face_id": "acme/widget-8b",
        "context_length": 32_000,
        "max_output_length": 4_096,
        "input_modalities": ["text"],
        "output_modalities": ["text"],
        "pricing": {"prompt": "0.000001", "completion": "0.000002"},
        "supported_features": [],
        "supported_sampling_parameters": ["temperature"],
        "description": "an extra field",
    }
    data.update(changes)
    return data


def record(**changes: Any) -> CloudflareModel:
    [parsed] = CloudflareWorkersAI().parse({"data": [raw_record(**changes)]})
    return parsed


def translate(rec: CloudflareModel, view: FakeView | None = None) -> tuple[str, dict[str, Any]]:
    translation = CloudflareWorkersAI().translate(rec, view or FakeView())
    return translation.id, dict(translation.model)


def envelope(records: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"success": True, "errors": [], "messages": [], "result": records, **extra}


LLAMA_META: dict[str, Any] = {
    "name": "Llama 3.1 8B Instruct",
    "family": "llama",
    "release_date": "2024-07-23",
    "last_updated": "2024-07-23",
    "attachment": False,
    "reasoning": False,
    "temperature": True,
    "tool_call": False,
    "open_weights": True,
    "limit": {"context": 128_000, "output": 8_192},
    "modalities": {"input": ["text"], "output": ["text"]},
}


def llama(**changes: Any) -> CloudflareModel:
    fields: dict[str, Any] = {
        "id": "@cf/meta/llama-3.1-8b-instruct-fp8",
        "name": "llama-3.1-8b-instruct-fp8",
        "context_length": 128_000,
        "max_output_length": 8_192,
        **changes,
    }
    return record(**fields)


def existing_file(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Widget 8B (hand named)",
        "release_date": "2024-01-02",
        "last_updated": "2024-03-04",
        "attachment": False,
        "reasoning": False,
        "temperature": True,
        "tool_call": False,
        "open_weights": True,
        "limit": {"context": 32_000, "output": 2_048},
        "modalities": {"input": ["text"], "output": ["text"]},
    }
    data.update(changes)
    return data


# Identity


def test_identity_and_registration() -> None:
    provider = load_provider("cloudflare-workers-ai")
    assert isinstance(provider, CloudflareWorkersAI)
    assert (provider.id, provider.name, provider.group) == (
        "cloudflare-workers-ai",
        "Cloudflare Workers AI",
        "cloudflare",
    )
    assert provider.env_vars == tuple(ENV)
    assert provider.models_dir == "providers/cloudflare-workers-ai/models"


# Fetch


def test_fetch_reads_every_page(mock: respx.MockRouter, client: HttpClient) -> None:
    pages = {
        "1": envelope([raw_record(id="@cf/a/one")], result_info={"page": 1, "total_pages": 2}),
        "2": envelope([raw_record(id="@cf/a/two")], result_info={"page": 2, "total_pages": 2}),
    }

    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params["page"]])

    route = mock.get(URL).mock(side_effect=respond)
    raw = CloudflareWorkersAI().fetch(client, ENV)
    assert [r["id"] for r in raw["data"]] == ["@cf/a/one", "@cf/a/two"]
    assert route.call_count == 2
    for call in route.calls:
        params = call.request.url.params
        assert (params["format"], params["per_page"]) == ("openrouter", "1000")
        assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert [r.id for r in CloudflareWorkersAI().parse(raw)] == ["@cf/a/one", "@cf/a/two"]


def test_fetch_without_page_info_reads_one_page(mock: respx.MockRouter, client: HttpClient) -> None:
    route = mock.get(URL).respond(200, json={"data": [raw_record()]})
    assert CloudflareWorkersAI().fetch(client, ENV) == {"data": [raw_record()]}
    assert route.call_count == 1


def test_fetch_refuses_an_implausible_page_count(
    mock: respx.MockRouter, client: HttpClient
) -> None:
    info = {"total_pages": MAX_PAGES + 1}
    route = mock.get(URL).respond(200, json=envelope([], result_info=info))
    with pytest.raises(ProviderError, match="pages"):
        CloudflareWorkersAI().fetch(client, ENV)
    assert route.call_count == 1


def test_fetch_base_url_can_be_overridden(mock: respx.MockRouter, client: HttpClient) -> None:
    mirror = f"http://localhost:8123/cf/accounts/{ACCOUNT}/ai/models/search"
    route = mock.get(mirror).respond(200, json=envelope([]))
    CloudflareWorkersAI().fetch(client, {**ENV, "CLOUDFLARE_API_URL": "http://localhost:8123/cf/"})
    assert route.called


def test_http_error_names_cloudflare_errors_without_secrets(
    mock: respx.MockRouter, client: HttpClient
) -> None:
    body = {
        "success": False,
        "errors": [
            {"code": 10000, "message": f"Authentication error for {TOKEN}"},
            {"code": 7003, "message": "Could not route"},
        ],
        "result": None,
    }
    mock.get(URL).respond(403, json=body)
    with pytest.raises(FetchError) as caught:
        CloudflareWorkersAI().fetch(client, ENV)
    message = str(caught.value)
    assert "HTTP 403" in message
    assert "10000: Authentication error for ***; 7003: Could not route" in message
    assert TOKEN not in message and ACCOUNT not in message


def test_unsuccessful_response_is_an_error_with_its_errors(
    mock: respx.MockRouter, client: HttpClient
) -> None:
    body = {"success": False, "errors": [{"code": 1001, "message": f"bad {TOKEN} {ACCOUNT}"}]}
    mock.get(URL).respond(200, json=body)
    with pytest.raises(ProviderError) as caught:
        CloudflareWorkersAI().fetch(client, ENV)
    assert "the API reported a failure: 1001: bad *** ***" in caught.value.message
    assert TOKEN not in str(caught.value) and ACCOUNT not in str(caught.value)


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"CLOUDFLARE_WORKERS_AI_SYNC_ACCOUNT_ID": ACCOUNT},
        {"CLOUDFLARE_WORKERS_AI_SYNC_API_TOKEN": TOKEN},
        {**ENV, "CLOUDFLARE_WORKERS_AI_SYNC_API_TOKEN": "  "},
    ],
)
def test_missing_credentials_name_both_variables(
    env: dict[str, str], mock: respx.MockRouter, client: HttpClient
) -> None:
    route = mock.get(URL).respond(200, json=envelope([]))
    with pytest.raises(ProviderError) as caught:
        CloudflareWorkersAI().fetch(client, env)
    message = str(caught.value)
    assert "CLOUDFLARE_WORKERS_AI_SYNC_ACCOUNT_ID" in message
    assert "CLOUDFLARE_WORKERS_AI_SYNC_API_TOKEN" in message
    assert TOKEN not in message
    assert not route.called


# Parse


@pytest.mark.parametrize(
    "raw",
    [
        envelope([raw_record()]),
        envelope([]) | {"result": {"data": [raw_record()]}},
        {"data": [raw_record()]},
    ],
    ids=["envelope-list", "envelope-data", "bare"],
)
def test_parse_reads_every_body_variant(raw: dict[str, Any]) -> None:
    [rec] = CloudflareWorkersAI().parse(raw)
    assert rec.id == "@cf/acme/widget-8b"
    assert rec.pricing.completion == "0.000002"


def test_odd_error_items_of_a_successful_body_are_ignored() -> None:
    raw = envelope([raw_record()]) | {"errors": [{"code": {"nested": 1}}]}
    assert len(CloudflareWorkersAI().parse(raw)) == 1


def test_parse_accepts_the_optional_and_nullable_fields() -> None:
    minimal = {
        k: v
        for k, v in raw_record().items()
        if k in ("id", "name", "created", "context_length", "pricing")
    }
    nulls = raw_record(
        hugging_face_id=None,
        max_output_length=None,
        input_modalities=None,
        supported_features=None,
        supported_sampling_parameters=None,
    )
    records = CloudflareWorkersAI().parse({"data": [minimal, nulls]})
    assert [r.max_output_length for r in records] == [None, None]


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (
            {"data": [raw_record(), raw_record(id="@cf/a/b", context_length=None)]},
            "data.1.context_length (model '@cf/a/b')",
        ),
        (envelope([raw_record(pricing={"prompt": "1"})]), "data.0.pricing.completion"),
        ({"result": "not a list"}, "result"),
        ([raw_record()], "the top level"),
    ],
)
def test_parse_fails_loudly_on_a_changed_shape(raw: Any, where: str) -> None:
    with pytest.raises(ProviderError) as caught:
        CloudflareWorkersAI().parse(raw)
    assert caught.value.provider == "cloudflare-workers-ai"
    assert caught.value.message.startswith("the response changed shape: ")
    assert where in caught.value.message


def test_parse_of_a_body_without_models_is_an_error() -> None:
    with pytest.raises(ProviderError, match="neither `result` nor `data`"):
        CloudflareWorkersAI().parse({"success": True, "errors": []})


# Translate: ids


@pytest.mark.parametrize(
    ("source_id", "path_id"),
    [
        ("@cf/acme/widget-8b", "@cf/acme/widget-8b"),
        ("acme/widget-8b", "@cf/acme/widget-8b"),
        ("workers-ai/@cf/acme/widget-8b", "@cf/acme/widget-8b"),
        ("workers-ai/acme/widget-8b", "@cf/acme/widget-8b"),
        ("@hf/acme/widget-8b", "@hf/acme/widget-8b"),
    ],
)
def test_path_id(source_id: str, path_id: str) -> None:
    assert translate(record(id=source_id))[0] == path_id


def test_existing_file_is_found_by_the_path_id() -> None:
    view = FakeView(files={"@cf/acme/widget-8b": existing_file()})
    _, model = translate(record(id="workers-ai/acme/widget-8b"), view)
    assert model["name"] == "Widget 8B (hand named)"


# Translate: fields


def test_full_model_from_a_new_record() -> None:
    rec = record(
        name="widget-8b",
        input_modalities=["text", "image"],
        supported_features=["tools", "structured_outputs"],
        supported_sampling_parameters=["temperature", "top_p"],
        pricing={"prompt": "0.000001", "completion": "0.000002", "input_cache_read": "5e-7"},
    )
    _, model = translate(rec)
    assert model == {
        "name": "widget-8b",
        "release_date": "2025-04-28",
        "last_updated": "2025-04-28",
        "attachment": True,
        "reasoning": False,
        "temperature": True,
        "tool_call": True,
        "structured_output": True,
        "open_weights": True,
        "cost": {"input": 1.0, "output": 2.0, "cache_read": 0.5},
        "limit": {"context": 32_000, "output": 4_096},
        "modalities": {"input": ["text", "image"], "output": ["text"]},
    }


def test_features_and_sampling_parameters_both_count() -> None:
    _, model = translate(
        record(supported_features=["reasoning"], supported_sampling_parameters=["temperature"])
    )
    assert (model["reasoning"], model["temperature"]) == (True, True)


def test_existing_name_dates_and_output_win() -> None:
    view = FakeView(files={"@cf/acme/widget-8b": existing_file()})
    _, model = translate(record(max_output_length=4_096), view)
    assert model["name"] == "Widget 8B (hand named)"
    assert (model["release_date"], model["last_updated"]) == ("2024-01-02", "2024-03-04")
    assert model["limit"] == {"context": 32_000, "output": 2_048}


def test_without_an_existing_output_the_api_output_then_the_context() -> None:
    assert translate(record(max_output_length=4_096))[1]["limit"]["output"] == 4_096
    assert translate(record(max_output_length=None))[1]["limit"]["output"] == 32_000


def test_reasoning_options_come_only_from_the_existing_file() -> None:
    api_reasoning = {"mandatory": False, "supported_efforts": None, "supports_max_tokens": True}
    rec = record(supported_features=["reasoning"], reasoning=api_reasoning)
    assert "reasoning_options" not in translate(rec)[1]
    options = [{"type": "effort", "values": ["low", "high"]}]
    view = FakeView(files={"@cf/acme/widget-8b": existing_file(reasoning_options=options)})
    assert translate(rec, view)[1]["reasoning_options"] == options


# Translate: base models


def test_publisher_match_factors_the_model_and_writes_the_name() -> None:
    view = FakeView(meta={"meta/llama-3.1-8b-instruct": LLAMA_META})
    _, model = translate(llama(), view)
    assert model["base_model"] == "meta/llama-3.1-8b-instruct"
    assert model["name"] == "llama-3.1-8b-instruct-fp8"
    assert "limit" not in model and "family" not in model


def test_matched_name_equal_to_the_metadata_is_not_repeated() -> None:
    view = FakeView(meta={"meta/llama-3.1-8b-instruct": LLAMA_META})
    _, model = translate(llama(name="Llama 3.1 8B Instruct"), view)
    assert model["base_model"] == "meta/llama-3.1-8b-instruct"
    assert "name" not in model


def test_publisher_match_uses_tokens_of_id_and_name() -> None:
    meta = {"nvidia/nemotron-3-super-120b-a12b": LLAMA_META}
    by_name = record(id="@cf/nvidia/nemotron-3-120b-a12b", name="Nemotron 3 Super 120B")
    assert translate(by_name, FakeView(meta=meta))[1]["base_model"] == (
        "nvidia/nemotron-3-super-120b-a12b"
    )
    plain = record(id="@cf/nvidia/nemotron-3-120b-a12b", name="nemotron-3-120b-a12b")
    assert "base_model" not in translate(plain, FakeView(meta=meta))[1]


@pytest.mark.parametrize(
    ("source_id", "meta_id"),
    [
        ("@cf/deepseek-ai/deepseek-r1", "deepseek/deepseek-r1"),
        ("@cf/google/gemma-4-26b-a4b-it", "google/gemma-4-26b-a4b-it"),
        ("@cf/mistralai/mistral-nemo", "mistral/mistral-nemo"),
        ("@cf/moonshotai/kimi-k2.6", "moonshotai/kimi-k2.6"),
        ("@cf/openai/gpt-oss-120b", "openai/gpt-oss-120b"),
        ("@cf/qwen/qwq-32b", "alibaba/qwq-32b"),
        ("@cf/zai-org/glm-5.2", "zhipuai/glm-5.2"),
        ("workers-ai/meta/llama-3.1-8b-instruct", "meta/llama-3.1-8b-instruct"),
    ],
)
def test_publisher_maps_to_its_lab(source_id: str, meta_id: str) -> None:
    view = FakeView(meta={meta_id: LLAMA_META})
    assert translate(record(id=source_id, name="x"), view)[1].get("base_model") == meta_id


def test_two_matches_give_no_base() -> None:
    view = FakeView(
        meta={"meta/llama-3.1-8b": LLAMA_META, "meta/llama-3.1-8b-instruct": LLAMA_META}
    )
    assert "base_model" not in translate(llama(), view)[1]


@pytest.mark.parametrize(
    "source_id",
    [
        "@cf/ibm-granite/llama-3.1-8b-instruct",
        "@cf/meta-llama/llama-3.1-8b-instruct",
        "@hf/meta/llama-3.1-8b-instruct",
    ],
)
def test_unknown_publisher_gives_no_base(source_id: str) -> None:
    view = FakeView(meta={"meta/llama-3.1-8b-instruct": LLAMA_META})
    assert "base_model" not in translate(record(id=source_id, name="x"), view)[1]


def test_only_files_directly_in_the_lab_folder_match() -> None:
    view = FakeView(meta={"meta/llama/llama-3.1-8b-instruct": LLAMA_META})
    assert "base_model" not in translate(llama(), view)[1]


def test_a_file_name_without_tokens_matches_nothing() -> None:
    view = FakeView(meta={"meta/llama-3.1-8b-instruct": LLAMA_META, "meta/_": LLAMA_META})
    assert translate(llama(), view)[1]["base_model"] == "meta/llama-3.1-8b-instruct"


def test_existing_base_model_wins_over_a_publisher_match() -> None:
    view = FakeView(
        files={
            "@cf/meta/llama-3.1-8b-instruct-fp8": {
                "base_model": "meta/llama-3.3-70b-instruct",
                "name": "Llama fp8",
            }
        },
        meta={
            "meta/llama-3.1-8b-instruct": LLAMA_META,
            "meta/llama-3.3-70b-instruct": LLAMA_META | {"name": "Llama 3.3 70B Instruct"},
        },
    )
    _, model = translate(llama(), view)
    assert model["base_model"] == "meta/llama-3.3-70b-instruct"
    assert model["name"] == "Llama fp8"
