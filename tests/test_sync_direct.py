"""`models sync google|xai|ovhcloud` end to end: CLI, HTTP (respx), runner, files, report.

Every test syncs a copy of the project's starter catalog (`catalog/`) through the command line,
with the provider APIs mocked by respx: no request leaves the machine.
"""

from __future__ import annotations

import functools
import shutil
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
import respx
from typer.testing import CliRunner, Result

from models_catalog.catalog import load_catalog
from models_catalog.cli import app
from models_catalog.http import HttpClient
from models_catalog.providers import google, ovhcloud, xai

from .conftest import snapshot

STARTER_CATALOG = Path(__file__).resolve().parents[1] / "catalog"
REPORT = Path(".sync/model-sync-report.md")
PROVIDER_ENV = (
    *google.KEY_ENVS,
    google.URL_ENV,
    xai.KEY_ENV,
    xai.URL_ENV,
    ovhcloud.URL_ENV,
    "MODELS_CATALOG",
)

cli = CliRunner()


# Fixtures and shared helpers


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No key or URL override from the developer's environment; the report goes to tmp."""
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # the report goes to ./.sync


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The sync's HTTP client records its retry waits instead of sleeping."""
    recorded: list[float] = []
    client = functools.partial(HttpClient, sleep=recorded.append)
    monkeypatch.setattr("models_catalog.sync.command._client", client)
    return recorded


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A private copy of the starter catalog."""
    return Path(shutil.copytree(STARTER_CATALOG, tmp_path / "catalog", symlinks=True))


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    """Mocked HTTP: any request without a route fails; unused routes are allowed."""
    with respx.mock(assert_all_called=False) as router:
        yield router


def sync(provider: str, root: Path, *args: str) -> Result:
    return cli.invoke(app, ["sync", provider, "--catalog", str(root), *args])


def output(result: Result) -> str:
    return result.stdout + result.stderr


def report() -> str:
    return REPORT.read_text(encoding="utf-8")


def notices() -> str:
    """The report's notices section."""
    return report().split("## Notices", 1)[1]


def resolved_models(root: Path, provider: str) -> dict[str, dict[str, Any]]:
    """Each model id of `provider` → its model in force (inheritance applied)."""
    catalog = load_catalog(root, providers=[provider])
    models: dict[str, dict[str, Any]] = {}
    for model_id, entry in sorted(catalog.providers[provider].models.items()):
        resolved = catalog.resolved(entry)
        assert resolved is not None, model_id
        models[model_id] = resolved
    return models


def models_dir(root: Path, provider: str) -> Path:
    return root / "providers" / provider / "models"


def read_toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def flat(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted paths of a TOML table's leaves (arrays of tables stay whole)."""
    leaves: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            leaves.update(flat(value, f"{prefix}{key}."))
        else:
            leaves[f"{prefix}{key}"] = value
    return leaves


def changed_paths(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """The files (relative to the catalog) added, removed or rewritten between two snapshots."""
    return {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)}


def field_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> set[str]:
    """The dotted fields that differ between two TOML tables."""
    a, b = flat(old), flat(new)
    return {key for key in a.keys() | b.keys() if a.get(key) != b.get(key)}


# Google


GOOGLE_KEY = "AIzaSy+test/secret=key-42"
GOOGLE_PAGE_TWO = "page-two-token"
GOOGLE_FACTORED = "gemini-2.5-flash"
GOOGLE_FULL = "gemini-3.5-flash"


def google_record(model_id: str, model: Mapping[str, Any]) -> dict[str, Any]:
    """What the models list says of a model the catalog describes as `model`."""
    record: dict[str, Any] = {
        "name": f"models/{model_id}",
        "version": "001",
        "displayName": model["name"],
        "inputTokenLimit": model["limit"]["context"],
        "outputTokenLimit": model["limit"]["output"],
        "supportedGenerationMethods": ["generateContent", "countTokens"],
        "thinking": model["reasoning"],
    }
    if model.get("temperature"):
        record.update(temperature=1.0, maxTemperature=2.0, topP=0.95)
    return record


def google_records(root: Path) -> list[dict[str, Any]]:
    return [google_record(i, m) for i, m in resolved_models(root, "google").items()]


def find(records: Sequence[dict[str, Any]], model_id: str) -> dict[str, Any]:
    return next(r for r in records if r["name"] == f"models/{model_id}")


def without(records: Sequence[dict[str, Any]], *model_ids: str) -> list[dict[str, Any]]:
    names = {f"models/{i}" for i in model_ids}
    return [r for r in records if r["name"] not in names]


def serve_google(api: respx.MockRouter, records: Sequence[dict[str, Any]]) -> respx.Route:
    """The models list over two pages: the first ends with a nextPageToken."""
    half = len(records) // 2
    pages = {
        None: {"models": list(records[:half]), "nextPageToken": GOOGLE_PAGE_TWO},
        GOOGLE_PAGE_TWO: {"models": list(records[half:])},
    }

    def page(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("pageToken")
        if token not in pages:
            return httpx.Response(400, json={"error": {"message": "bad page token"}})
        return httpx.Response(200, json=pages[token])

    return api.get(google.DEFAULT_URL).mock(side_effect=page)


def test_google_matching_api_over_two_pages_is_a_no_op(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE_KEY)
    route = serve_google(api, google_records(root))
    before = snapshot(root)
    result = sync("google", root)
    assert result.exit_code == 0, output(result)
    assert "google: unchanged (0 created, 0 updated, 0 deleted, 9 unchanged)" in result.stdout
    assert snapshot(root) == before
    assert "| Google (google) | unchanged | 0 | 0 | 0 |" in report()
    requests = [call.request for call in route.calls]
    assert [r.url.params.get("pageToken") for r in requests] == [None, GOOGLE_PAGE_TWO]
    assert all(r.url.params["key"] == GOOGLE_KEY for r in requests)
    assert all(r.url.params["pageSize"] == "1000" for r in requests)


def test_google_key_from_gemini_api_key(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-only-key")
    route = serve_google(api, google_records(root))
    result = sync("google", root)
    assert result.exit_code == 0, output(result)
    assert "9 unchanged" in result.stdout
    assert route.call_count == 2
    assert route.calls.last.request.url.params["key"] == "gemini-only-key"


@pytest.mark.parametrize("model_id", [GOOGLE_FACTORED, GOOGLE_FULL])
def test_google_changed_output_limit_updates_exactly_that_field(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch, model_id: str
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE_KEY)
    rel = f"providers/google/models/{model_id}.toml"
    old = read_toml(root / rel)
    records = google_records(root)
    assert find(records, model_id)["outputTokenLimit"] == 65_536
    find(records, model_id)["outputTokenLimit"] = 32_768
    serve_google(api, records)
    before = snapshot(root)

    dry = sync("google", root, "--dry-run")
    assert dry.exit_code == 0, output(dry)
    assert f"updated: {rel}" in dry.stdout
    assert "limit.output: 65536 → 32768" in dry.stdout
    assert snapshot(root) == before

    result = sync("google", root)
    assert result.exit_code == 0, output(result)
    assert "google: changed (0 created, 1 updated, 0 deleted, 8 unchanged)" in result.stdout
    assert changed_paths(before, snapshot(root)) == {rel}
    new = read_toml(root / rel)
    assert field_diff(old, new) == {"limit.output"}
    assert new["limit"]["output"] == 32_768
    assert new.get("base_model") == old.get("base_model")
    assert "limit.output: 65536 → 32768" in report()


def test_google_factored_file_stays_factored(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE_KEY)
    rel = f"providers/google/models/{GOOGLE_FACTORED}.toml"
    records = google_records(root)
    find(records, GOOGLE_FACTORED)["outputTokenLimit"] = 32_768
    serve_google(api, records)
    result = sync("google", root)
    assert result.exit_code == 0, output(result)
    written = read_toml(root / rel)
    assert written["base_model"] == "google/gemini-2.5-flash"
    # Only the changed limit is written; everything else still comes from the base.
    assert written["limit"] == {"output": 32_768}
    assert not {"name", "family", "release_date", "modalities"} & written.keys()


def test_google_new_api_id_is_not_created_and_is_noticed(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE_KEY)
    records = google_records(root)
    model = resolved_models(root, "google")[GOOGLE_FULL]
    records.append(google_record("gemini-9-ultra", dict(model, name="Gemini 9 Ultra")))
    serve_google(api, records)
    before = snapshot(root)
    result = sync("google", root)
    assert result.exit_code == 0, output(result)
    assert snapshot(root) == before
    assert not (models_dir(root, "google") / "gemini-9-ultra.toml").exists()
    assert "0 created, 0 updated, 0 deleted, 9 unchanged" in result.stdout
    noticed = notices()
    assert "Skipped 1 Google model(s) with no catalog file: gemini-9-ultra." in noticed
    assert (
        "the API gives no pricing, modalities, dates, tool-calling or structured-output facts"
        in noticed
    )


def test_google_id_missing_from_the_api_is_deleted(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE_KEY)
    serve_google(api, without(google_records(root), GOOGLE_FULL))
    before = snapshot(root)
    result = sync("google", root)
    assert result.exit_code == 0, output(result)
    rel = f"providers/google/models/{GOOGLE_FULL}.toml"
    assert f"deleted: {rel}" in result.stdout
    assert changed_paths(before, snapshot(root)) == {rel}
    assert not (root / rel).exists()


def test_google_mass_deletion_is_refused_unless_allowed(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE_KEY)
    gone = sorted(resolved_models(root, "google"))[:5]  # 5 of 9: more than half
    serve_google(api, without(google_records(root), *gone))
    before = snapshot(root)

    refused = sync("google", root)
    assert refused.exit_code == 1
    assert "deletes 5 of 9 existing model files" in output(refused)
    assert "--allow-mass-delete" in output(refused)
    assert snapshot(root) == before

    allowed = sync("google", root, "--allow-mass-delete")
    assert allowed.exit_code == 0, output(allowed)
    assert "0 created, 0 updated, 5 deleted, 4 unchanged" in allowed.stdout
    expected = {f"providers/google/models/{i}.toml" for i in gone}
    assert changed_paths(before, snapshot(root)) == expected


def test_google_without_a_key_fails_naming_every_variable(
    root: Path, api: respx.MockRouter
) -> None:
    route = serve_google(api, google_records(root))
    before = snapshot(root)
    result = sync("google", root)
    assert result.exit_code == 1
    assert "missing credentials" in output(result)
    for name in google.KEY_ENVS:
        assert name in output(result)
    assert not route.called
    assert snapshot(root) == before


def test_google_403_fails_without_leaking_the_key(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE_KEY)
    denied = {"error": {"code": 403, "message": "Permission denied", "status": "PERMISSION_DENIED"}}
    route = api.get(google.DEFAULT_URL).respond(403, json=denied)
    before = snapshot(root)
    result = sync("google", root)
    assert result.exit_code == 1
    assert "google: failed" in result.stderr
    assert "HTTP 403" in output(result)
    assert "Traceback" not in output(result)
    assert route.call_count == 1 and waits == []  # a 403 is not retried
    assert route.calls.last.request.url.params["key"] == GOOGLE_KEY
    text = output(result) + report()
    for form in (GOOGLE_KEY, quote(GOOGLE_KEY, safe=""), quote_plus(GOOGLE_KEY)):
        assert form not in text
    assert "| Google (google) | failed | - | - | - |" in report()
    assert snapshot(root) == before


# xAI


XAI_KEY = "xai-test-secret-key-7"
XAI_ALL_MODELS = ["api-key:model:*", "api-key:endpoint:*"]
XAI_CANONICAL = "grok-4.3"
XAI_ALIAS = "grok-4.3-latest"


def xai_price(dollars: float) -> int:
    """Dollars per million tokens as xAI's integer (1/10,000 dollar per million tokens)."""
    return int(Decimal(str(dollars)) * 10_000)


def xai_created(day: str) -> int:
    return int(datetime.combine(date.fromisoformat(day), time(), tzinfo=UTC).timestamp())


def xai_record(model_id: str, model: Mapping[str, Any]) -> dict[str, Any]:
    """What the model lists say of a model the catalog describes as `model`."""
    cost = model["cost"]
    # xAI lists "image" input; the sync adds "pdf" for it.
    inputs = [m for m in model["modalities"]["input"] if m != "pdf"]
    return {
        "id": model_id,
        "fingerprint": "fp_0123456789",
        "created": xai_created(model["release_date"]),
        "object": "model",
        "owned_by": "xai",
        "version": "1.0.0",
        "aliases": [],
        "input_modalities": inputs,
        "output_modalities": list(model["modalities"]["output"]),
        "prompt_text_token_price": xai_price(cost["input"]),
        "cached_prompt_text_token_price": xai_price(cost["cache_read"]),
        "prompt_image_token_price": 0,
        "completion_text_token_price": xai_price(cost["output"]),
        "search_price": 250_000_000,
        "max_prompt_length": model["limit"]["context"],
    }


def xai_records(root: Path) -> list[dict[str, Any]]:
    return [xai_record(i, m) for i, m in resolved_models(root, "xai").items()]


def xai_find(records: Sequence[dict[str, Any]], model_id: str) -> dict[str, Any]:
    return next(r for r in records if r["id"] == model_id)


def serve_xai(
    api: respx.MockRouter, records: Sequence[dict[str, Any]], acls: Sequence[str] = XAI_ALL_MODELS
) -> dict[str, respx.Route]:
    """The key check and the three model lists. The records are spread over the three lists
    so that a sync reading only one of them would miss models."""
    routes = {
        xai.KEY_PATH: api.get(f"{xai.DEFAULT_URL}{xai.KEY_PATH}").respond(
            200,
            json={
                "redacted_api_key": "xai-****-7",
                "api_key_id": "key-id",
                "acls": list(acls),
                "api_key_blocked": False,
                "api_key_disabled": False,
            },
        )
    }
    lists: list[list[dict[str, Any]]] = [[], [], []]
    for index, record in enumerate(records):
        lists[min(index, 2)].append(record)
    for path, models in zip(xai.MODEL_PATHS, lists, strict=True):
        routes[path] = api.get(f"{xai.DEFAULT_URL}{path}").respond(200, json={"models": models})
    return routes


def test_xai_matching_api_is_a_no_op(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_API_KEY", XAI_KEY)
    routes = serve_xai(api, xai_records(root))
    before = snapshot(root)
    result = sync("xai", root)
    assert result.exit_code == 0, output(result)
    assert "xai: unchanged (0 created, 0 updated, 0 deleted, 5 unchanged)" in result.stdout
    assert snapshot(root) == before
    assert "| xAI (xai) | unchanged | 0 | 0 | 0 |" in report()
    for route in routes.values():
        assert route.call_count == 1
        assert route.calls.last.request.headers["Authorization"] == f"Bearer {XAI_KEY}"


def test_xai_price_change_updates_exactly_cost_input(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_API_KEY", XAI_KEY)
    rel = f"providers/xai/models/{XAI_CANONICAL}.toml"
    old = read_toml(root / rel)
    records = xai_records(root)
    xai_find(records, XAI_CANONICAL)["prompt_text_token_price"] = xai_price(1.5)
    serve_xai(api, records)
    before = snapshot(root)

    dry = sync("xai", root, "--dry-run")
    assert dry.exit_code == 0, output(dry)
    assert "cost.input: 1.25 → 1.5" in dry.stdout
    assert snapshot(root) == before

    result = sync("xai", root)
    assert result.exit_code == 0, output(result)
    assert "xai: changed (0 created, 1 updated, 0 deleted, 4 unchanged)" in result.stdout
    assert changed_paths(before, snapshot(root)) == {rel}
    new = read_toml(root / rel)
    assert field_diff(old, new) == {"cost.input"}
    assert new["cost"]["input"] == 1.5
    assert new["cost"]["tiers"] == old["cost"]["tiers"]  # not in the API: kept


def test_xai_alias_file_is_updated_from_its_canonical_record(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_API_KEY", XAI_KEY)
    records = xai_records(root)  # the API lists the alias only under its canonical record
    folder = models_dir(root, "xai")
    alias_text = (folder / f"{XAI_CANONICAL}.toml").read_text(encoding="utf-8")
    assert 'last_updated = "2026-04-17"' in alias_text
    alias_text = alias_text.replace('last_updated = "2026-04-17"', 'last_updated = "2026-05-01"')
    (folder / f"{XAI_ALIAS}.toml").write_text(alias_text, encoding="utf-8")
    canonical = xai_find(records, XAI_CANONICAL)
    canonical["aliases"] = [XAI_ALIAS]
    canonical["prompt_text_token_price"] = xai_price(1.5)
    canonical["max_prompt_length"] = 2_000_000
    serve_xai(api, records)
    before = snapshot(root)

    result = sync("xai", root)
    assert result.exit_code == 0, output(result)
    assert "xai: changed (0 created, 2 updated, 0 deleted, 4 unchanged)" in result.stdout
    assert changed_paths(before, snapshot(root)) == {
        f"providers/xai/models/{XAI_CANONICAL}.toml",
        f"providers/xai/models/{XAI_ALIAS}.toml",
    }
    alias = read_toml(folder / f"{XAI_ALIAS}.toml")
    assert alias["cost"]["input"] == 1.5
    assert alias["limit"]["context"] == 2_000_000
    # An alias keeps its own dates: `created` belongs to the canonical id.
    assert (alias["release_date"], alias["last_updated"]) == ("2026-04-17", "2026-05-01")
    assert read_toml(folder / f"{XAI_CANONICAL}.toml")["cost"]["input"] == 1.5


def test_xai_key_without_access_to_all_models_is_refused(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_API_KEY", XAI_KEY)
    records = [r for r in xai_records(root) if r["id"] == XAI_CANONICAL]
    routes = serve_xai(api, records, acls=["api-key:model:grok-4.3", "api-key:endpoint:*"])
    before = snapshot(root)
    result = sync("xai", root)
    assert result.exit_code == 1
    assert "xai: failed" in result.stderr
    assert "lacks the 'api-key:model:*' ACL" in output(result)
    assert "restricted key lists fewer models" in output(result)
    assert routes[xai.KEY_PATH].called
    assert not any(routes[path].called for path in xai.MODEL_PATHS)
    assert XAI_KEY not in output(result) + report()
    assert snapshot(root) == before


def test_xai_401_fails_and_writes_nothing(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_API_KEY", XAI_KEY)
    route = api.get(f"{xai.DEFAULT_URL}{xai.KEY_PATH}").respond(
        401, json={"code": "Unauthorized", "error": "Incorrect API key provided"}
    )
    before = snapshot(root)
    result = sync("xai", root)
    assert result.exit_code == 1
    assert "xai: failed" in result.stderr
    assert "HTTP 401" in output(result)
    assert route.call_count == 1
    assert XAI_KEY not in output(result) + report()
    assert snapshot(root) == before


# Both: cost tiers


TYPED_TIER = 'tier = { type = "context", size = 200_000 }'
UNTYPED_TIER = "tier = { size = 200_000 }"


@pytest.mark.parametrize(
    ("provider", "updated", "kept"),
    [
        ("google", "gemini-2.5-pro", "gemini-3.1-pro-preview"),
        ("xai", XAI_CANONICAL, "grok-build-0.1"),
    ],
)
def test_tiers_without_a_type_are_written_as_context_tiers_only_when_updated(
    root: Path,
    api: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
    provider: str,
    updated: str,
    kept: str,
) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE_KEY)
    monkeypatch.setenv("XAI_API_KEY", XAI_KEY)
    folder = models_dir(root, provider)
    for model_id in (updated, kept):
        path = folder / f"{model_id}.toml"
        text = path.read_text(encoding="utf-8")
        assert TYPED_TIER in text
        path.write_text(text.replace(TYPED_TIER, UNTYPED_TIER), encoding="utf-8")
    if provider == "google":
        records = google_records(root)
        find(records, updated)["outputTokenLimit"] = 32_768
        serve_google(api, records)
    else:
        records = xai_records(root)
        xai_find(records, updated)["prompt_text_token_price"] = xai_price(1.5)
        serve_xai(api, records)
    before = snapshot(root)

    result = sync(provider, root)
    assert result.exit_code == 0, output(result)
    assert "(0 created, 1 updated, 0 deleted" in result.stdout
    assert "tiers" not in result.stdout + report()  # no tier change is reported
    updated_rel = f"providers/{provider}/models/{updated}.toml"
    assert changed_paths(before, snapshot(root)) == {updated_rel}
    text = (root / updated_rel).read_text(encoding="utf-8")
    assert TYPED_TIER in text and UNTYPED_TIER not in text
    assert UNTYPED_TIER in (folder / f"{kept}.toml").read_text(encoding="utf-8")

    again = sync(provider, root)
    assert "(0 created, 0 updated, 0 deleted" in again.stdout


# OVHcloud


OVH_PRICED = "Meta-Llama-3_3-70B-Instruct"
OVH_FREE = "Mistral-Nemo-Instruct-2407"


def ovh_record(model_id: str, name: str, *, price: str, created: int) -> dict[str, Any]:
    return {
        "id": model_id,
        "hugging_face_id": f"example/{model_id}",
        "name": name,
        "created": created,
        "input_modalities": ["text"],
        "output_modalities": ["text"],
        "quantization": "fp8",
        "context_length": 131_072,
        "max_output_length": 8_192,
        "pricing": {"prompt": price, "completion": price, "image": "0", "request": "0"},
        "supported_sampling_parameters": ["temperature", "top_p", "stop"],
        "supported_features": ["tools", "json_mode"],
        "openrouter": {"slug": f"ovhcloud/{model_id.lower()}"},
        "datacenters": [{"country_code": "FR"}],
    }


def ovh_records() -> list[dict[str, Any]]:
    return [
        ovh_record(
            OVH_PRICED, "Meta-Llama-3_3-70B-Instruct", price="0.00000067", created=1733443200
        ),
        ovh_record(OVH_FREE, "Mistral-Nemo-Instruct-2407", price="0", created=1721174400),
    ]


def serve_ovh(api: respx.MockRouter, records: Sequence[dict[str, Any]]) -> respx.Route:
    return api.get(ovhcloud.DEFAULT_URL).respond(200, json={"data": list(records)})


def ovh_path(root: Path, model_id: str) -> Path:
    return models_dir(root, "ovhcloud") / f"{model_id.lower()}.toml"


def populate_ovh(root: Path, api: respx.MockRouter) -> None:
    """Sync the two-model response into the catalog; a later `serve_ovh` replaces the route."""
    serve_ovh(api, ovh_records())
    result = sync("ovhcloud", root)
    assert result.exit_code == 0, output(result)
    assert ovh_path(root, OVH_PRICED).exists() and ovh_path(root, OVH_FREE).exists()


def test_ovh_creates_a_file_per_model_with_lowercased_ids(
    root: Path, api: respx.MockRouter
) -> None:
    assert not models_dir(root, "ovhcloud").exists()
    route = serve_ovh(api, ovh_records())
    before = snapshot(root)
    result = sync("ovhcloud", root)
    assert result.exit_code == 0, output(result)
    assert "ovhcloud: changed (2 created, 0 updated, 0 deleted, 0 unchanged)" in result.stdout
    assert "Authorization" not in route.calls.last.request.headers
    assert changed_paths(before, snapshot(root)) == {
        "providers/ovhcloud/models/meta-llama-3_3-70b-instruct.toml",
        "providers/ovhcloud/models/mistral-nemo-instruct-2407.toml",
    }
    priced = read_toml(ovh_path(root, OVH_PRICED))
    assert priced["cost"] == {"input": 0.67, "output": 0.67}
    assert priced["name"] == "Meta-Llama-3_3-70B-Instruct"
    assert priced["release_date"] == priced["last_updated"] == "2024-12-06"
    assert priced["limit"] == {"context": 131_072, "output": 8_192}
    free = read_toml(ovh_path(root, OVH_FREE))
    assert "cost" not in free
    assert free["tool_call"] is True and free["temperature"] is True
    assert "| OVHcloud AI Endpoints (ovhcloud) | changed | 2 | 0 | 0 |" in report()
    assert cli.invoke(app, ["validate", "--catalog", str(root)]).exit_code == 0


def test_ovh_second_identical_run_is_a_no_op(root: Path, api: respx.MockRouter) -> None:
    populate_ovh(root, api)
    serve_ovh(api, ovh_records())
    before = snapshot(root)
    result = sync("ovhcloud", root)
    assert result.exit_code == 0, output(result)
    assert "ovhcloud: unchanged (0 created, 0 updated, 0 deleted, 2 unchanged)" in result.stdout
    assert snapshot(root) == before


def test_ovh_model_gone_from_the_api_is_deleted_half_is_not_mass(
    root: Path, api: respx.MockRouter
) -> None:
    populate_ovh(root, api)
    # One of two files is exactly half: the guard refuses only more than half.
    serve_ovh(api, [r for r in ovh_records() if r["id"] != OVH_FREE])
    before = snapshot(root)
    result = sync("ovhcloud", root)
    assert result.exit_code == 0, output(result)
    assert "ovhcloud: changed (0 created, 0 updated, 1 deleted, 1 unchanged)" in result.stdout
    assert changed_paths(before, snapshot(root)) == {
        "providers/ovhcloud/models/mistral-nemo-instruct-2407.toml"
    }
    assert ovh_path(root, OVH_PRICED).exists()


def test_ovh_empty_response_is_refused(root: Path, api: respx.MockRouter) -> None:
    populate_ovh(root, api)
    serve_ovh(api, [])
    before = snapshot(root)
    result = sync("ovhcloud", root)
    assert result.exit_code == 1
    assert "ovhcloud: failed" in result.stderr
    assert "returned no models" in output(result)
    assert snapshot(root) == before
    assert ovh_path(root, OVH_PRICED).exists() and ovh_path(root, OVH_FREE).exists()
