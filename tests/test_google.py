"""The Google provider: paged fetch with the key kept secret, parsing, translation, factoring."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from models_catalog.errors import FetchError, ProviderError
from models_catalog.http import HttpClient
from models_catalog.providers.google import DEFAULT_URL, Google, GoogleModel
from models_catalog.sync.compare import same_authored
from models_catalog.sync.runner import SyncOptions, prepare, read_provider_catalog

from .fakes import FakeView

KEY = "AIzaSy-secret-test-key-123"
ENV = {"GOOGLE_API_KEY": KEY}


def full_file(**changes: Any) -> dict[str, Any]:
    model: dict[str, Any] = {
        "name": "Gemini 2.5 Flash",
        "family": "gemini-flash",
        "release_date": "2025-06-17",
        "last_updated": "2025-06-17",
        "attachment": True,
        "reasoning": True,
        "reasoning_options": [{"type": "toggle"}],
        "temperature": False,
        "tool_call": True,
        "structured_output": True,
        "knowledge": "2025-01",
        "open_weights": False,
        "cost": {"input": 0.3, "output": 2.5, "cache_read": 0.03},
        "limit": {"context": 1_048_576, "input": 1_000_000, "output": 65_536},
        "modalities": {"input": ["text", "image", "pdf"], "output": ["text"]},
    }
    model.update(changes)
    return model


def api_record(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "name": "models/gemini-2.5-flash",
        "displayName": "Gemini 2.5 Flash",
        "inputTokenLimit": 1_048_576,
        "outputTokenLimit": 65_536,
        "thinking": True,
        "temperature": 1.0,
        "maxTemperature": 2.0,
        "version": "2.5",
        "supportedGenerationMethods": ["generateContent"],
    }
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


def parse_one(**changes: Any) -> GoogleModel:
    [record] = Google().parse({"models": [api_record(**changes)]})
    return record


def translate(view: FakeView, **changes: Any) -> dict[str, Any]:
    translation = Google().translate(parse_one(**changes), view)
    assert translation is not None
    assert translation.id == "gemini-2.5-flash"
    return dict(translation.model)


def no_sleep(_: float) -> None:
    pass


# Identity and switches


def test_identity_and_switches() -> None:
    google = Google()
    assert (google.id, google.name, google.group) == ("google", "Google", "direct")
    assert set(google.env_vars) == {
        "GOOGLE_API_KEY",
        "GEMINI_API_KEY",
        "GOOGLE_GENERATIVE_AI_API_KEY",
    }
    assert google.skip_creates is True
    assert google.models_dir == "providers/google/models"


# Fetch


@respx.mock
def test_fetch_follows_next_page_token_and_combines_pages() -> None:
    route = respx.get(DEFAULT_URL).mock(
        side_effect=[
            httpx.Response(200, json={"models": [api_record()], "nextPageToken": "page-2"}),
            httpx.Response(200, json={"models": [api_record(name="models/gemma-3-4b-it")]}),
        ]
    )
    with HttpClient(sleep=no_sleep) as client:
        raw = Google().fetch(client, ENV)
    assert [m["name"] for m in raw["models"]] == [
        "models/gemini-2.5-flash",
        "models/gemma-3-4b-it",
    ]
    first, second = (call.request.url.params for call in route.calls)
    assert first["key"] == KEY and first["pageSize"] == "1000" and "pageToken" not in first
    assert second["pageToken"] == "page-2" and second["key"] == KEY


@respx.mock
def test_fetch_uses_the_url_override_and_the_other_key_names() -> None:
    route = respx.get("http://mirror.test/models").respond(200, json={"models": []})
    env = {"GOOGLE_MODELS_URL": "http://mirror.test/models", "GEMINI_API_KEY": "gemini-key"}
    with HttpClient(sleep=no_sleep) as client:
        assert Google().fetch(client, env) == {"models": []}
    assert route.calls.last.request.url.params["key"] == "gemini-key"

    env = {"GOOGLE_MODELS_URL": "http://mirror.test/models", "GOOGLE_GENERATIVE_AI_API_KEY": "k3"}
    with HttpClient(sleep=no_sleep) as client:
        Google().fetch(client, env)
    assert route.calls.last.request.url.params["key"] == "k3"


@respx.mock
def test_fetch_stops_on_a_repeated_page_token() -> None:
    respx.get(DEFAULT_URL).respond(200, json={"models": [], "nextPageToken": "again"})
    with HttpClient(sleep=no_sleep) as client, pytest.raises(ProviderError, match="page token"):
        Google().fetch(client, ENV)


def test_fetch_without_a_key_names_every_variable() -> None:
    with HttpClient(sleep=no_sleep) as client, pytest.raises(ProviderError) as caught:
        Google().fetch(client, {"GOOGLE_API_KEY": "  "})
    message = str(caught.value)
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENERATIVE_AI_API_KEY"):
        assert name in message


@pytest.mark.parametrize("status", [403, 500])
@respx.mock
def test_the_key_never_appears_in_fetch_errors(status: int) -> None:
    route = respx.get(DEFAULT_URL).respond(status, json={"error": {"message": "denied"}})
    with HttpClient(sleep=no_sleep, attempts=3) as client, pytest.raises(FetchError) as caught:
        Google().fetch(client, ENV)
    assert route.call_count == (3 if status == 500 else 1)
    assert route.calls.last.request.url.params["key"] == KEY
    assert KEY not in str(caught.value)
    assert str(status) in str(caught.value)


@respx.mock
def test_a_page_of_the_wrong_shape_is_a_provider_error() -> None:
    respx.get(DEFAULT_URL).respond(200, json={"models": {"not": "a list"}})
    with HttpClient(sleep=no_sleep) as client, pytest.raises(ProviderError) as caught:
        Google().fetch(client, ENV)
    assert "response changed shape: models" in str(caught.value)
    assert KEY not in str(caught.value)


# Parse


def test_parse_reads_records_and_ignores_extra_fields() -> None:
    record = parse_one()
    assert record.id == "gemini-2.5-flash"
    assert record.display_name == "Gemini 2.5 Flash"
    assert (record.input_token_limit, record.output_token_limit) == (1_048_576, 65_536)
    assert (record.temperature, record.max_temperature, record.thinking) == (1.0, 2.0, True)
    assert Google().source_id(record) == "gemini-2.5-flash"


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"models": [api_record(inputTokenLimit=None)]}, "models.0.inputTokenLimit"),
        ({"models": [api_record(name=None)]}, "models.0.name"),
        ({"models": [api_record(name="gemini-2.5-flash")]}, "models.0.name"),
        ({"models": [api_record(outputTokenLimit="many")]}, "models.0.outputTokenLimit"),
        ({"data": []}, "models"),
        ([], "the top level"),
    ],
)
def test_parse_rejects_a_changed_shape(raw: Any, where: str) -> None:
    with pytest.raises(ProviderError) as caught:
        Google().parse(raw)
    assert caught.value.provider == "google"
    assert f"response changed shape: {where}" in str(caught.value)


# Translate


def test_translate_skips_ids_without_a_file() -> None:
    assert Google().translate(parse_one(), FakeView()) is None


def test_translate_updates_only_the_api_fields() -> None:
    view = FakeView(files={"gemini-2.5-flash": full_file(name="Old name")})
    model = translate(
        view,
        displayName="Gemini 2.5 Flash (new)",
        inputTokenLimit=2_000_000,
        outputTokenLimit=8_192,
        thinking=False,
    )
    assert model == full_file(
        name="Gemini 2.5 Flash (new)",
        reasoning=False,
        temperature=True,
        limit={"context": 2_000_000, "input": 1_000_000, "output": 8_192},
    )


def test_translate_falls_back_to_the_existing_file() -> None:
    existing = full_file(reasoning=False, temperature=False)
    del existing["reasoning_options"]
    view = FakeView(files={"gemini-2.5-flash": existing})
    model = translate(view, displayName=None, thinking=None, temperature=None, maxTemperature=None)
    assert model["name"] == "Gemini 2.5 Flash"
    assert model["reasoning"] is False
    assert model["temperature"] is False


@pytest.mark.parametrize("present", ["temperature", "maxTemperature"])
def test_either_temperature_field_means_temperature(present: str) -> None:
    view = FakeView(files={"gemini-2.5-flash": full_file(temperature=False)})
    absent: dict[str, float | None] = {"temperature": None, "maxTemperature": None}
    absent[present] = 0.5
    assert translate(view, **absent)["temperature"] is True


def test_thinking_sets_reasoning_both_ways() -> None:
    view = FakeView(files={"gemini-2.5-flash": full_file(reasoning=False)})
    assert translate(view, thinking=True)["reasoning"] is True
    view = FakeView(files={"gemini-2.5-flash": full_file(reasoning=True)})
    assert translate(view, thinking=False)["reasoning"] is False


def test_translate_neither_changes_nor_shares_the_existing_mapping() -> None:
    existing = full_file()
    before = copy.deepcopy(existing)
    model = translate(FakeView(files={"gemini-2.5-flash": existing}), inputTokenLimit=5)
    assert existing == before
    model["modalities"]["input"].append("video")
    model["reasoning_options"][0]["type"] = "budget_tokens"
    assert existing == before


@pytest.mark.parametrize("missing", ["release_date", "modalities", "open_weights"])
def test_an_existing_file_without_required_fields_is_an_error_naming_the_model(
    missing: str,
) -> None:
    existing = full_file()
    del existing[missing]
    with pytest.raises(ProviderError) as caught:
        translate(FakeView(files={"gemini-2.5-flash": existing}))
    assert "gemini-2.5-flash" in str(caught.value)
    assert missing in str(caught.value)


# Factored files

METADATA = {
    "name": "Gemini 2.5 Flash",
    "family": "gemini-flash",
    "release_date": "2025-06-17",
    "last_updated": "2025-06-17",
    "attachment": True,
    "reasoning": True,
    "temperature": True,
    "tool_call": True,
    "knowledge": "2025-01",
    "open_weights": False,
    "limit": {"context": 1_048_576, "output": 65_536},
    "modalities": {"input": ["text", "image"], "output": ["text"]},
    "benchmarks": [{"name": "x", "score": 1}],
}
FACTORED = {
    "base_model": "google/gemini-2.5-flash",
    "reasoning_options": [{"type": "toggle"}],
    "cost": {"input": 0.3, "output": 2.5},
}


def factored_view(**authored: Any) -> FakeView:
    return FakeView(
        files={"gemini-2.5-flash": {**FACTORED, **authored}},
        meta={"google/gemini-2.5-flash": METADATA},
    )


def test_an_unchanged_api_gives_the_factored_file_back() -> None:
    model = translate(factored_view())
    assert model == FACTORED


def test_redundant_overrides_survive_an_unchanged_api() -> None:
    view = factored_view(name="Gemini 2.5 Flash", limit={"context": 1_048_576})
    model = translate(view)
    assert same_authored(model, view.files["gemini-2.5-flash"])


def test_a_changed_api_writes_only_the_overrides() -> None:
    model = translate(
        factored_view(limit={"context": 500_000}),
        displayName="Gemini 2.5 Flash Preview",
        inputTokenLimit=1_048_576,
        outputTokenLimit=32_768,
        thinking=False,
    )
    assert model == {
        **FACTORED,
        "name": "Gemini 2.5 Flash Preview",
        "reasoning": False,
        "limit": {"output": 32_768},
    }


# With the runner

PROVIDER_TOML = 'name = "Google"\nenv = ["GOOGLE_API_KEY"]\nnpm = "@ai-sdk/google"\ndoc = "x"\n'
METADATA_TOML = """\
name = "Gemini 2.5 Flash"
release_date = "2025-06-17"
last_updated = "2025-06-17"
attachment = true
reasoning = true
temperature = true
tool_call = true
open_weights = false

[limit]
context = 1_048_576
output = 65_536

[modalities]
input = ["text", "image"]
output = ["text"]
"""
FACTORED_TOML = """\
base_model = "google/gemini-2.5-flash"
reasoning_options = [{ type = "toggle" }]

[cost]
input = 0.3
output = 2.5
"""


def test_the_runner_keeps_a_factored_file_and_lists_new_ids(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    for rel, text in {
        "models/google/gemini-2.5-flash.toml": METADATA_TOML,
        "providers/google/provider.toml": PROVIDER_TOML,
        "providers/google/models/gemini-2.5-flash.toml": FACTORED_TOML,
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    google = Google()
    records = google.parse({"models": [api_record(), api_record(name="models/imagen-4")]})
    plan = prepare(google, read_provider_catalog(root, google), records, SyncOptions())
    assert [(f.rel, f.action) for f in plan.files] == [
        ("providers/google/models/gemini-2.5-flash.toml", "unchanged")
    ]
    [notice] = plan.notices
    assert "imagen-4" in notice
    for fact in ("pricing", "modalities", "dates", "tool-calling", "structured-output"):
        assert fact in notice


def test_reference_catalog_round_trips(reference_catalog: Path) -> None:
    """An API that says what the reference files say changes none of them."""
    google = Google()
    catalog = read_provider_catalog(reference_catalog, google)
    raw = []
    for model_id, entry in sorted(catalog.providers["google"].models.items()):
        resolved = catalog.resolved(entry) if entry.data is not None else None
        if resolved is None:
            continue
        raw.append(
            api_record(
                name=f"models/{model_id}",
                displayName=resolved["name"],
                inputTokenLimit=resolved["limit"]["context"],
                outputTokenLimit=resolved["limit"]["output"],
                thinking=resolved["reasoning"],
                temperature=1.0 if resolved.get("temperature") else None,
                maxTemperature=None,
            )
        )
    plan = prepare(google, catalog, google.parse({"models": raw}), SyncOptions())
    assert plan.files
    assert [f.rel for f in plan.files if f.action != "unchanged"] == []
