"""The xAI provider: key-scope check, three model lists, aliases, translation."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from models_catalog.errors import FetchError, ProviderError
from models_catalog.http import HttpClient
from models_catalog.providers.xai import XAI, XAIRecord
from models_catalog.sync.runner import SyncOptions, prepare, read_provider_catalog

from .fakes import FakeView

KEY = "xai-secret-test-key-456"
ENV = {"XAI_API_KEY": KEY}
API = "https://api.x.ai/v1"
CREATED = int(datetime(2026, 3, 9, 12, tzinfo=UTC).timestamp())


def full_file(**changes: Any) -> dict[str, Any]:
    model: dict[str, Any] = {
        "name": "Grok 4.20 (Reasoning)",
        "family": "grok",
        "release_date": "2025-01-01",
        "last_updated": "2025-02-02",
        "attachment": False,
        "reasoning": True,
        "reasoning_options": [],
        "temperature": True,
        "tool_call": True,
        "structured_output": True,
        "open_weights": False,
        "cost": {
            "input": 9,
            "output": 9,
            "cache_read": 9,
            "cache_write": 4,
            "reasoning": 5,
            "input_audio": 6,
            "output_audio": 7,
            "tiers": [{"tier": {"size": 200_000}, "input": 2.5, "output": 5}],
        },
        "limit": {"context": 100, "input": 90, "output": 30_000},
        "modalities": {"input": ["text"], "output": ["text"]},
    }
    model.update(changes)
    return model


def api_model(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "grok-4.20-0309-reasoning",
        "fingerprint": "fp_1",
        "created": CREATED,
        "object": "model",
        "owned_by": "xai",
        "aliases": [],
        "input_modalities": ["text", "image"],
        "output_modalities": ["text"],
        "prompt_text_token_price": 12_500,
        "cached_prompt_text_token_price": 2_000,
        "completion_text_token_price": 25_000,
        "prompt_image_token_price": 12_500,
        "max_prompt_length": 1_000_000,
    }
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


def parse(*models: dict[str, Any]) -> list[XAIRecord]:
    return list(XAI().parse({"models": list(models)}))


def translate(view: FakeView, record: XAIRecord | None = None, **changes: Any) -> dict[str, Any]:
    if record is None:
        [record] = parse(api_model(**changes))
    translation = XAI().translate(record, view)
    assert translation is not None
    assert translation.id == record.id
    return dict(translation.model)


def view_of(**files: dict[str, Any]) -> FakeView:
    return FakeView(files={"grok-4.20-0309-reasoning": full_file(), **files})


def no_sleep(_: float) -> None:
    pass


def test_identity_and_switches() -> None:
    xai = XAI()
    assert (xai.id, xai.name, xai.group, xai.env_vars) == ("xai", "xAI", "direct", ("XAI_API_KEY",))
    assert xai.skip_creates is True


# Fetch


def mock_api(acls: list[str], base: str = API) -> dict[str, respx.Route]:
    routes = {
        "key": respx.get(f"{base}/api-key").respond(200, json={"acls": acls, "name": "sync"}),
        "language": respx.get(f"{base}/language-models").respond(
            200, json={"models": [api_model()]}
        ),
        "image": respx.get(f"{base}/image-generation-models").respond(
            200, json={"models": [api_model(id="grok-imagine-image")]}
        ),
        "video": respx.get(f"{base}/video-generation-models").respond(
            200, json={"models": [api_model(id="grok-imagine-video")]}
        ),
    }
    return routes


@respx.mock
def test_fetch_checks_the_key_then_combines_the_three_lists() -> None:
    routes = mock_api(["api-key:endpoint:*", "api-key:model:*"])
    with HttpClient(sleep=no_sleep) as client:
        raw = XAI().fetch(client, ENV)
    assert [m["id"] for m in raw["models"]] == [
        "grok-4.20-0309-reasoning",
        "grok-imagine-image",
        "grok-imagine-video",
    ]
    for route in routes.values():
        assert route.call_count == 1
        assert route.calls.last.request.headers["Authorization"] == f"Bearer {KEY}"


@respx.mock
def test_fetch_refuses_a_key_restricted_to_some_models() -> None:
    routes = mock_api(["api-key:endpoint:*", "api-key:model:grok-4"])
    with HttpClient(sleep=no_sleep) as client, pytest.raises(ProviderError) as caught:
        XAI().fetch(client, ENV)
    message = str(caught.value)
    assert "api-key:model:*" in message
    assert "fewer models" in message and "delete" in message
    assert routes["language"].call_count == 0


@respx.mock
def test_fetch_uses_the_url_override() -> None:
    routes = mock_api(["api-key:model:*"], base="http://mirror.test/v1")
    with HttpClient(sleep=no_sleep) as client:
        XAI().fetch(client, {**ENV, "XAI_API_URL": "http://mirror.test/"})
    assert routes["video"].call_count == 1


@respx.mock
def test_a_key_response_without_acls_is_a_changed_shape() -> None:
    respx.get(f"{API}/api-key").respond(200, json={"name": "sync"})
    with HttpClient(sleep=no_sleep) as client, pytest.raises(ProviderError) as caught:
        XAI().fetch(client, ENV)
    assert "response changed shape: acls:" in str(caught.value)


@respx.mock
def test_a_list_without_models_is_a_changed_shape() -> None:
    mock_api(["api-key:model:*"])
    respx.get(f"{API}/image-generation-models").respond(200, json={"data": []})
    with HttpClient(sleep=no_sleep) as client, pytest.raises(ProviderError) as caught:
        XAI().fetch(client, ENV)
    assert "response changed shape: models:" in str(caught.value)


def test_fetch_without_a_key_names_the_variable() -> None:
    with HttpClient(sleep=no_sleep) as client, pytest.raises(ProviderError, match="XAI_API_KEY"):
        XAI().fetch(client, {})


@respx.mock
def test_the_key_never_appears_in_fetch_errors() -> None:
    respx.get(f"{API}/api-key").mock(return_value=httpx.Response(401, text=f"bad key {KEY}"))
    with HttpClient(sleep=no_sleep) as client, pytest.raises(FetchError) as caught:
        XAI().fetch(client, ENV)
    assert KEY not in str(caught.value)


# Parse


def test_parse_ignores_extra_fields_and_adds_aliases() -> None:
    records = parse(
        api_model(aliases=["grok-4.20-reasoning", "grok-4.20-latest"]),
        api_model(id="grok-4.20-latest", aliases=["grok-4.20-reasoning"]),
    )
    assert [(r.id, r.alias_of) for r in records] == [
        ("grok-4.20-0309-reasoning", None),
        ("grok-4.20-latest", None),
        ("grok-4.20-reasoning", "grok-4.20-0309-reasoning"),
    ]
    assert records[2].model is records[0].model
    assert XAI().source_id(records[2]) == "grok-4.20-reasoning"


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"models": [api_model(id=None)]}, "models.0.id"),
        ({"models": [api_model(created=None)]}, "models.0.created"),
        ({"models": [api_model(aliases="grok")]}, "models.0.aliases"),
        (
            {"models": [api_model(prompt_text_token_price="cheap")]},
            "models.0.prompt_text_token_price",
        ),
        ({}, "models"),
    ],
)
def test_parse_rejects_a_changed_shape(raw: Any, where: str) -> None:
    with pytest.raises(ProviderError) as caught:
        XAI().parse(raw)
    assert caught.value.provider == "xai"
    assert f"response changed shape: {where}" in str(caught.value)


# Translate


def test_translate_skips_ids_without_a_file() -> None:
    [record] = parse(api_model())
    assert XAI().translate(record, FakeView()) is None


def test_translate_field_by_field() -> None:
    model = translate(view_of())
    assert model == full_file(
        release_date="2026-03-09",
        last_updated="2026-03-09",
        attachment=True,
        modalities={"input": ["text", "image", "pdf"], "output": ["text"]},
        cost={
            "input": 1.25,
            "output": 2.5,
            "cache_read": 0.2,
            "cache_write": 4,
            "reasoning": 5,
            "input_audio": 6,
            "output_audio": 7,
            "tiers": [{"tier": {"size": 200_000}, "input": 2.5, "output": 5}],
        },
        limit={"context": 1_000_000, "input": 90, "output": 30_000},
    )


def test_aliases_keep_the_existing_dates() -> None:
    view = view_of(**{"grok-4.20-reasoning": full_file()})
    records = parse(api_model(aliases=["grok-4.20-reasoning"]))
    model = translate(view, records[1])
    assert (model["release_date"], model["last_updated"]) == ("2025-01-01", "2025-02-02")
    assert model["cost"]["input"] == 1.25


def test_empty_modalities_keep_the_existing_ones() -> None:
    view = view_of(
        **{
            "grok-4.20-0309-reasoning": full_file(
                modalities={"input": ["text", "image"], "output": ["text"]}
            )
        }
    )
    model = translate(view, input_modalities=[], output_modalities=[])
    assert model["modalities"] == {"input": ["text", "image"], "output": ["text"]}
    assert model["attachment"] is True


def test_modalities_are_normalised_and_image_implies_pdf_for_input_only() -> None:
    model = translate(
        view_of(), input_modalities=["TEXT", "video", "hologram"], output_modalities=["image"]
    )
    assert model["modalities"] == {"input": ["text", "video"], "output": ["image"]}
    assert model["attachment"] is True
    model = translate(view_of(), input_modalities=["text"], output_modalities=["text"])
    assert model["modalities"]["input"] == ["text"]
    assert model["attachment"] is False


def test_prices_need_both_input_and_output() -> None:
    existing = full_file()
    model = translate(view_of(), completion_text_token_price=None)
    assert model["cost"] == existing["cost"]


def test_a_missing_cached_price_drops_cache_read() -> None:
    model = translate(view_of(), cached_prompt_text_token_price=None, prompt_text_token_price=5)
    assert model["cost"]["input"] == 0.0005
    assert "cache_read" not in model["cost"]


def test_a_missing_prompt_length_keeps_the_context() -> None:
    model = translate(view_of(), max_prompt_length=None)
    assert model["limit"] == {"context": 100, "input": 90, "output": 30_000}


def test_translate_does_not_change_the_existing_mapping() -> None:
    view = view_of()
    before = copy.deepcopy(view.files)
    translate(view)
    assert view.files == before


def test_an_existing_file_without_required_fields_is_an_error_naming_the_model() -> None:
    existing = full_file()
    del existing["limit"]["output"]
    with pytest.raises(ProviderError) as caught:
        translate(view_of(**{"grok-4.20-0309-reasoning": existing}))
    assert "grok-4.20-0309-reasoning" in str(caught.value)
    assert "limit.output" in str(caught.value)


def test_a_factored_file_stays_factored() -> None:
    metadata = {k: v for k, v in full_file().items() if k not in ("cost", "reasoning_options")}
    metadata["release_date"] = metadata["last_updated"] = "2026-03-09"
    authored = {"base_model": "xai/grok-4.20", "cost": {"input": 1, "output": 2}}
    view = FakeView(files={"grok-4.20-0309-reasoning": authored}, meta={"xai/grok-4.20": metadata})
    model = translate(view, input_modalities=["text"], max_prompt_length=100)
    assert model == {
        "base_model": "xai/grok-4.20",
        "cost": {"input": 1.25, "output": 2.5, "cache_read": 0.2},
    }


def test_skipped_notice_names_what_the_api_lacks() -> None:
    notice = XAI().skipped_notice(["grok-5"])
    assert "grok-5" in notice and "output limits" in notice and "capability flags" in notice


def test_reference_catalog_round_trips(reference_catalog: Path) -> None:
    """An API that says what the reference files say changes none of them, except the two
    image models whose output lists `pdf` (the API cannot say that; see the report)."""
    xai = XAI()
    catalog = read_provider_catalog(reference_catalog, xai)
    raw = []
    for model_id, entry in sorted(catalog.providers["xai"].models.items()):
        resolved = catalog.resolved(entry) if entry.data is not None else None
        if resolved is None:
            continue
        inputs = [m for m in resolved["modalities"]["input"] if m != "pdf"]
        cost = resolved.get("cost", {})
        day = datetime.fromisoformat(resolved["release_date"]).replace(tzinfo=UTC)
        raw.append(
            api_model(
                id=model_id,
                created=int(day.timestamp()),
                input_modalities=inputs,
                output_modalities=[m for m in resolved["modalities"]["output"] if m != "pdf"],
                prompt_text_token_price=round(cost["input"] * 10_000) if cost else None,
                completion_text_token_price=round(cost["output"] * 10_000) if cost else None,
                cached_prompt_text_token_price=(
                    round(cost["cache_read"] * 10_000) if "cache_read" in cost else None
                ),
                max_prompt_length=resolved["limit"]["context"],
            )
        )
    plan = prepare(xai, catalog, xai.parse({"models": raw}), SyncOptions())
    changed = {f.rel.rsplit("/", 1)[1]: f.changes for f in plan.files if f.action != "unchanged"}
    assert len(plan.files) == 8
    assert set(changed) <= {"grok-imagine-image.toml", "grok-imagine-image-quality.toml"}
    assert all(c.path == "modalities.output" for changes in changed.values() for c in changes)
