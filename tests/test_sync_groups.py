"""Group runs: each provider succeeds or fails on its own, and the report says which and why."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from typer.testing import CliRunner

from models_catalog.cli import app
from models_catalog.errors import UsageError
from models_catalog.sync import registry
from models_catalog.sync.command import run_sync
from models_catalog.sync.contract import CatalogView, SyncProvider, Translation
from models_catalog.sync.registry import groups, matrix, resolve_target
from models_catalog.sync.runner import SyncOptions

from .conftest import snapshot

STARTER = Path(__file__).resolve().parents[1] / "catalog"
OVH_URL = "https://catalog.endpoints.ai.ovh.net/rest/v2/openrouter"
KEYS = (
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_GENERATIVE_AI_API_KEY",
    "XAI_API_KEY",
    "OPENROUTER_API_KEY",
    "CLOUDFLARE_WORKERS_AI_SYNC_ACCOUNT_ID",
    "CLOUDFLARE_WORKERS_AI_SYNC_API_TOKEN",
    "GOOGLE_MODELS_URL",
    "XAI_API_URL",
    "OVHCLOUD_MODELS_URL",
)
runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(STARTER, root)
    return root


def ovh_record(model_id: str) -> dict[str, Any]:
    return {
        "id": model_id,
        "name": model_id,
        "created": 1_750_000_000,
        "hugging_face_id": f"org/{model_id}",
        "context_length": 131_072,
        "max_output_length": 8_192,
        "input_modalities": ["text"],
        "output_modalities": ["text"],
        "pricing": {"prompt": "0.0000001", "completion": "0.0000003"},
        "supported_features": ["tools"],
        "supported_sampling_parameters": ["temperature"],
    }


def test_direct_without_keys_fails_google_and_xai_while_ovhcloud_runs(catalog: Path) -> None:
    google_and_xai = {
        path: data
        for path, data in snapshot(catalog).items()
        if path.startswith(("providers/google/", "providers/xai/"))
    }
    with respx.mock:
        respx.get(OVH_URL).mock(
            return_value=httpx.Response(200, json={"data": [ovh_record("Mistral-7B")]})
        )
        result = runner.invoke(app, ["sync", "direct", "--catalog", str(catalog)])
    assert result.exit_code == 1
    assert (
        "google: failed: missing credentials: set GOOGLE_API_KEY or GEMINI_API_KEY or "
        "GOOGLE_GENERATIVE_AI_API_KEY\n" in result.stderr
    )
    assert "xai: failed: missing credentials: set XAI_API_KEY\n" in result.stderr
    assert "ovhcloud: changed (1 created" in result.stdout
    assert (catalog / "providers/ovhcloud/models/mistral-7b.toml").exists()
    after = snapshot(catalog)
    assert {p: d for p, d in after.items() if p in google_and_xai} == google_and_xai
    report = Path(".sync/model-sync-report.md").read_text()
    assert report.startswith("Synced target `direct`.")
    assert "| Google (google) | failed | - | - | - |" in report
    assert "| xAI (xai) | failed | - | - | - |" in report
    assert "| OVHcloud AI Endpoints (ovhcloud) | changed | 1 | 0 | 0 |" in report
    assert "- Failed: missing credentials: set GOOGLE_API_KEY" in report


def test_direct_dry_run_without_keys_writes_no_model_file(catalog: Path) -> None:
    before = snapshot(catalog)
    with respx.mock:
        respx.get(OVH_URL).mock(
            return_value=httpx.Response(200, json={"data": [ovh_record("Mistral-7B")]})
        )
        result = runner.invoke(app, ["sync", "direct", "--dry-run", "--catalog", str(catalog)])
    assert result.exit_code == 1
    assert "ovhcloud: would change (1 created" in result.stdout
    assert snapshot(catalog) == before


def test_source_is_refused_for_a_group(catalog: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps({"data": []}))
    result = runner.invoke(
        app, ["sync", "direct", "--source", str(saved), "--catalog", str(catalog)]
    )
    assert result.exit_code == 2 and "is a group" in result.stderr


class _Barrier(SyncProvider[str]):
    """Providers whose fetches each wait for the other: they only finish if run concurrently."""

    group = "test"

    def __init__(self, provider_id: str, barrier: threading.Barrier) -> None:
        self.id = provider_id
        self.name = provider_id.title()
        self._barrier = barrier

    def fetch(self, client: Any, env: Mapping[str, str]) -> Any:
        self._barrier.wait(timeout=5)
        return {"data": ["x"]}

    def parse(self, raw: Any) -> Sequence[str]:
        return list(raw["data"])

    def translate(self, record: str, view: CatalogView) -> Translation | None:
        return None


def test_providers_of_a_group_are_fetched_concurrently(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    barrier = threading.Barrier(2)
    providers = {pid: _Barrier(pid, barrier) for pid in ("alpha", "beta")}
    monkeypatch.setattr(registry, "resolve_target", lambda target: list(providers))
    monkeypatch.setattr("models_catalog.sync.command.resolve_target", lambda t: list(providers))
    monkeypatch.setattr("models_catalog.sync.command.load_provider", providers.__getitem__)
    outcomes = run_sync("pair", catalog, SyncOptions(dry_run=True), env={})
    assert [o.provider_id for o in outcomes] == ["alpha", "beta"]
    assert all(o.error is None for o in outcomes)  # a serial run would time out at the barrier


def test_groups_and_unknown_targets() -> None:
    assert groups()["direct"] == ("google", "ovhcloud", "xai")
    assert resolve_target("aggregators") == ["openrouter"]
    assert resolve_target("cloudflare") == ["cloudflare-workers-ai"]
    with pytest.raises(UsageError, match=r"valid targets: .*direct"):
        resolve_target("everything")


class _Plugin(_Barrier):
    id = "plugin-provider"
    name = "Plugin Provider"
    group = "plugins"

    def __init__(self) -> None:
        super().__init__("plugin-provider", threading.Barrier(1))
        self.name = "Plugin Provider"


class _EntryPoint:
    name = "plugin-provider"
    value = "somepackage:Plugin"

    def load(self) -> type[_Plugin]:
        return _Plugin


def test_entry_point_providers_join_the_matrix_and_their_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registry, "entry_points", lambda group: [_EntryPoint()])
    ids = [entry["provider"] for entry in matrix()["include"]]
    assert ids[-1] == "plugin-provider" and "openrouter" in ids
    assert groups()["plugins"] == ("plugin-provider",)
    assert resolve_target("plugins") == ["plugin-provider"]
    listed = json.loads(runner.invoke(app, ["sync", "--list-providers"]).stdout)
    assert {"provider": "plugin-provider", "name": "Plugin Provider"} in listed["include"]
