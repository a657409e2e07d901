"""`models sync openrouter` end to end: CLI, HTTP (respx), runner, files, report."""

from __future__ import annotations

import functools
import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from typer.testing import CliRunner

from models_catalog.cli import app
from models_catalog.http import HttpClient
from models_catalog.output import Printer
from models_catalog.sync.command import run_sync
from models_catalog.sync.runner import Plan, SyncOptions

from .conftest import FULL_MODEL, MakeCatalog, snapshot
from .reference_responses import openrouter_record, openrouter_response

URL = "https://openrouter.ai/api/v1/models"
QWEN = "providers/openrouter/models/qwen/qwen3-8b.toml"
SONNET = "providers/openrouter/models/anthropic/claude-sonnet-4.5.toml"
runner = CliRunner()
# The translation always states structured_output, as the original tooling did.
SYNCED_QWEN = FULL_MODEL.replace(
    "tool_call = true\n", "tool_call = true\nstructured_output = false\n"
)


def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Make the sync's HTTP client record its retry waits instead of sleeping."""
    waits: list[float] = []
    client = functools.partial(HttpClient, sleep=waits.append)
    monkeypatch.setattr("models_catalog.sync.command._client", client)
    return waits


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the report goes to ./.sync
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.delenv("OPENROUTER_MODELS_URL", raising=False)


def matching_response(root: Path) -> dict[str, Any]:
    return openrouter_response(root)


def sync(root: Path, *args: str) -> Any:
    return runner.invoke(app, ["sync", "openrouter", "--catalog", str(root), *args])


def record(response: dict[str, Any], model_id: str) -> dict[str, Any]:
    return next(r for r in response["data"] if r["id"] == model_id)


@respx.mock
def test_matching_api_is_a_no_op(make_catalog: MakeCatalog) -> None:
    root = make_catalog({QWEN: SYNCED_QWEN})
    respx.get(URL).mock(return_value=httpx.Response(200, json=matching_response(root)))
    before = snapshot(root)
    result = sync(root)
    assert result.exit_code == 0, result.stderr
    assert "openrouter: unchanged (0 created, 0 updated, 0 deleted, 2 unchanged)" in result.stdout
    assert snapshot(root) == before
    report = Path(".sync/model-sync-report.md").read_text()
    assert "| OpenRouter (openrouter) | unchanged | 0 | 0 | 0 |" in report


@respx.mock
def test_dry_run_shows_changed_fields_and_writes_no_model_file(make_catalog: MakeCatalog) -> None:
    root = make_catalog({QWEN: SYNCED_QWEN})
    response = matching_response(root)
    record(response, "qwen/qwen3-8b")["pricing"]["prompt"] = "0.00000004"
    respx.get(URL).mock(return_value=httpx.Response(200, json=response))
    before = snapshot(root)
    result = sync(root, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert f"updated: {QWEN}" in result.stdout
    assert "cost.input: 0.05 → 0.04" in result.stdout
    assert "\x1b[" not in result.stdout  # plain when not a terminal
    assert snapshot(root) == before
    assert "cost.input: 0.05 → 0.04" in Path(".sync/model-sync-report.md").read_text()


@respx.mock
def test_sync_writes_then_second_run_is_a_no_op(make_catalog: MakeCatalog) -> None:
    root = make_catalog(
        {QWEN: SYNCED_QWEN, "providers/openrouter/models/old/gone.toml": FULL_MODEL}
    )
    response = matching_response(root)
    response["data"] = [r for r in response["data"] if r["id"] != "old/gone"]
    record(response, "qwen/qwen3-8b")["top_provider"]["context_length"] = 32_768
    new = dict(record(response, "qwen/qwen3-8b"), id="acme/new-model", name="Acme: New Model")
    response["data"].append(new)
    respx.get(URL).mock(return_value=httpx.Response(200, json=response))
    result = sync(root)
    assert result.exit_code == 0, result.stderr
    assert tomllib.loads((root / QWEN).read_text())["limit"]["context"] == 32_768
    created = tomllib.loads((root / "providers/openrouter/models/acme/new-model.toml").read_text())
    assert created["name"] == "New Model"
    assert not (root / "providers/openrouter/models/old/gone.toml").exists()
    again = sync(root)
    assert "0 created, 0 updated, 0 deleted" in again.stdout


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        ([httpx.Response(500)] * 4, "HTTP 500"),
        ([httpx.Response(200, text="<html>")], "not JSON"),
        ([httpx.Response(200, json={"models": []})], "changed shape"),
        ([httpx.Response(200, json={"data": []})], "returned no models"),
    ],
)
def test_bad_responses_fail_clearly_and_change_nothing(
    make_catalog: MakeCatalog,
    monkeypatch: pytest.MonkeyPatch,
    responses: list[httpx.Response],
    message: str,
) -> None:
    no_waiting(monkeypatch)
    root = make_catalog({QWEN: SYNCED_QWEN})
    before = snapshot(root)
    with respx.mock:
        respx.get(URL).mock(side_effect=responses)
        result = sync(root)
    assert result.exit_code == 1
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert snapshot(root) == before


def test_429_then_200_is_retried(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits = no_waiting(monkeypatch)
    root = make_catalog({QWEN: SYNCED_QWEN})
    with respx.mock:
        respx.get(URL).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "2"}),
                httpx.Response(200, json=matching_response(root)),
            ]
        )
        result = sync(root)
    assert result.exit_code == 0, result.stderr
    assert waits == [2.0]


def test_truncated_list_is_refused_as_mass_deletion(make_catalog: MakeCatalog) -> None:
    root = make_catalog({QWEN: SYNCED_QWEN})
    response = matching_response(root)
    for i in range(3):
        shutil.copy(root / QWEN, root / f"providers/openrouter/models/qwen/copy-{i}.toml")
    before = snapshot(root)
    with respx.mock:
        respx.get(URL).mock(return_value=httpx.Response(200, json={"data": response["data"][:1]}))
        result = sync(root)
    assert result.exit_code == 1 and "--allow-mass-delete" in result.stderr
    assert snapshot(root) == before


def test_unsafe_id_and_odd_name_are_handled(make_catalog: MakeCatalog) -> None:
    root = make_catalog({QWEN: SYNCED_QWEN})
    response = matching_response(root)
    evil = dict(record(response, "qwen/qwen3-8b"), id="../../evil")
    odd = dict(record(response, "qwen/qwen3-8b"), id="acme/odd", name='Acme: Say "hi"\nnow')
    response["data"] += [evil, odd]
    with respx.mock:
        respx.get(URL).mock(return_value=httpx.Response(200, json=response))
        result = sync(root)
    assert result.exit_code == 0, result.stderr
    assert "Rejected unsafe id '../../evil'" in result.stdout
    assert not (root.parent / "evil.toml").exists()
    written = tomllib.loads((root / "providers/openrouter/models/acme/odd.toml").read_text())
    assert written["name"] == 'Say "hi"\nnow'


def test_broken_local_file_stops_the_sync(make_catalog: MakeCatalog) -> None:
    root = make_catalog({QWEN: "name = \n"})
    before = snapshot(root)
    with respx.mock:
        route = respx.get(URL).mock(return_value=httpx.Response(200, json={"data": []}))
        result = sync(root)
        assert not route.called
    assert result.exit_code == 1 and f"{QWEN}:1: invalid TOML" in result.stderr
    assert snapshot(root) == before


def test_source_replays_a_saved_response_without_network(
    make_catalog: MakeCatalog, tmp_path: Path
) -> None:
    root = make_catalog({QWEN: SYNCED_QWEN})
    saved = tmp_path / "openrouter.json"
    saved.write_text(json.dumps(matching_response(root)))
    with respx.mock:  # any request would fail: respx allows none here
        result = sync(root, "--source", str(saved))
    assert result.exit_code == 0, result.stderr
    assert "2 unchanged" in result.stdout


def test_source_saved_with_a_byte_order_mark_is_read(
    make_catalog: MakeCatalog, tmp_path: Path
) -> None:
    root = make_catalog({QWEN: SYNCED_QWEN})
    saved = tmp_path / "openrouter.json"
    saved.write_text(json.dumps(matching_response(root), indent=4), encoding="utf-8-sig")
    assert saved.read_bytes().startswith(b"\xef\xbb\xbf")
    result = sync(root, "--source", str(saved))
    assert result.exit_code == 0, result.stderr
    assert "2 unchanged" in result.stdout


def test_api_key_is_sent_and_never_printed(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-secret-123")
    no_waiting(monkeypatch)
    root = make_catalog({QWEN: SYNCED_QWEN})
    with respx.mock:
        route = respx.get(URL).mock(return_value=httpx.Response(503))
        result = sync(root)
    assert route.calls[0].request.headers["Authorization"] == "Bearer sk-or-secret-123"
    assert "sk-or-secret-123" not in result.stdout + result.stderr
    assert "sk-or-secret-123" not in Path(".sync/model-sync-report.md").read_text()


def test_unknown_target_lists_valid_ones(make_catalog: MakeCatalog) -> None:
    result = runner.invoke(
        app, ["sync", "nowhere", "--catalog", str(make_catalog({QWEN: SYNCED_QWEN}))]
    )
    assert result.exit_code == 2
    assert "valid targets:" in result.stderr and "openrouter" in result.stderr


def test_list_providers_is_the_matrix() -> None:
    result = runner.invoke(app, ["sync", "--list-providers"])
    matrix = json.loads(result.stdout)
    ids = [entry["provider"] for entry in matrix["include"]]
    assert {"openrouter", "cloudflare-workers-ai", "google", "xai", "ovhcloud"} <= set(ids)
    assert {"provider": "openrouter", "name": "OpenRouter"} in matrix["include"]


def test_reference_catalog_sync_with_its_own_response_changes_nothing(
    reference_catalog: Path, tmp_path: Path
) -> None:
    response = openrouter_response(reference_catalog)
    assert len(response["data"]) == 337
    plan = _dry_plan(reference_catalog, tmp_path, response)
    assert plan.changed == []
    assert plan.count("unchanged") == 337


def test_reference_catalog_sync_plans_exactly_the_expected_changes(
    reference_catalog: Path, tmp_path: Path
) -> None:
    response = openrouter_response(reference_catalog)
    data = response["data"]
    gone = data.pop(0)["id"]
    target = data[0]
    target["pricing"]["prompt"] = "0.00001"
    data.append(dict(target, id="acme/brand-new", name="Acme: Brand New"))
    plan = _dry_plan(reference_catalog, tmp_path, response)
    folder = "providers/openrouter/models"
    assert {(f.action, f.rel) for f in plan.changed} == {
        ("deleted", f"{folder}/{gone}.toml"),
        ("updated", f"{folder}/{target['id']}.toml"),
        ("created", f"{folder}/acme/brand-new.toml"),
    }
    updated = next(f for f in plan.changed if f.action == "updated")
    assert updated.changes[0].describe().startswith("cost.input: ")
    assert [c.new for c in updated.changes] == [10]


def _dry_plan(root: Path, tmp_path: Path, response: dict[str, Any]) -> Plan:
    outcomes = run_sync(
        "openrouter",
        root,
        SyncOptions(dry_run=True),
        env={},
        source=_saved(tmp_path, response),
        report_path=tmp_path / "report.md",
    )
    assert outcomes[0].plan is not None, outcomes[0].error
    return outcomes[0].plan


def _saved(tmp_path: Path, response: dict[str, Any]) -> Path:
    path = tmp_path / "response.json"
    path.write_text(json.dumps(response))
    return path


def test_record_builder_round_trips_a_full_model() -> None:
    model = {
        "name": "N",
        "release_date": "2025-01-02",
        "limit": {"context": 10},
        "modalities": {"input": ["pdf"], "output": ["text"]},
    }
    built = openrouter_record("lab/m", model)
    assert built["architecture"]["input_modalities"] == ["file"]
    assert built["created"] == 1735776000


@pytest.mark.parametrize("terminal", [True, False])
def test_progress_shows_only_on_a_terminal(
    make_catalog: MakeCatalog, tmp_path: Path, terminal: bool
) -> None:
    import io

    root = make_catalog({QWEN: SYNCED_QWEN})
    stream = io.StringIO()
    console = Printer(stream, terminal=terminal)
    run_sync(
        "openrouter",
        root,
        SyncOptions(dry_run=True),
        env={},
        source=_saved(tmp_path, matching_response(root)),
        console=console,
        report_path=tmp_path / "report.md",
    )
    assert ("Syncing openrouter" in stream.getvalue()) is terminal


def test_the_readme_example_gives_the_documented_changes(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    copy = tmp_path / "copy"
    shutil.copytree(repo / "catalog", copy)
    first = sync(copy, "--source", str(repo / "examples/openrouter.json"))
    assert "openrouter: changed (3 created, 0 updated, 0 deleted, 0 unchanged)" in first.stdout
    second = sync(copy, "--dry-run", "--source", str(repo / "examples/openrouter-next.json"))
    assert second.exit_code == 0, second.stderr
    assert "would change (0 created, 2 updated, 1 deleted, 0 unchanged)" in second.stdout
    assert "cost.input: 3 → 2.5" in second.stdout
    assert "limit.output: 128000 → 64000" in second.stdout


@respx.mock
def test_missing_optional_fields_keep_existing_values_with_one_notice_each(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({QWEN: SYNCED_QWEN})
    old = tomllib.loads((root / QWEN).read_text())
    response = matching_response(root)
    qwen, sonnet = (
        record(response, "qwen/qwen3-8b"),
        record(response, "anthropic/claude-sonnet-4.5"),
    )
    for field in ("knowledge_cutoff", "hugging_face_id", "top_provider", "supported_parameters"):
        del qwen[field]
    del sonnet["knowledge_cutoff"]
    assert "reasoning" in sonnet["supported_parameters"] and "reasoning" not in sonnet
    for item in response["data"]:
        item["pricing"].pop("request", None)  # gone from real responses since 2026-03-30
    qwen["pricing"]["prompt"] = "0.00000004"
    respx.get(URL).mock(return_value=httpx.Response(200, json=response))

    result = sync(root)
    assert result.exit_code == 0, result.stderr
    assert "openrouter: changed (0 created, 1 updated, 0 deleted, 1 unchanged)" in result.stdout
    new = tomllib.loads((root / QWEN).read_text())
    assert new == {**old, "cost": {**old["cost"], "input": 0.04}}  # open_weights, flags, output
    notices = [line.strip() for line in result.stdout.splitlines() if "notice:" in line]
    assert notices == [
        "notice: 1 of 2 records lack `hugging_face_id`; kept the existing files' open_weights.",
        "notice: 2 of 2 records lack `knowledge_cutoff`; kept the existing files' knowledge.",
        "notice: 1 of 2 records lack `supported_parameters`; kept the existing files' "
        "reasoning, temperature, tool_call and structured_output.",
        "notice: 1 of 2 records lack `top_provider`; kept the existing files' output limit.",
        "notice: 1 of 2 records lack `reasoning`; kept the existing files' reasoning options.",
    ]
    assert (
        "2 of 2 records lack `knowledge_cutoff`" in Path(".sync/model-sync-report.md").read_text()
    )


@pytest.mark.parametrize(
    "path",
    [
        ("id",),
        ("name",),
        ("created",),
        ("context_length",),
        ("pricing", "prompt"),
        ("pricing", "completion"),
        ("architecture", "input_modalities"),
        ("architecture", "output_modalities"),
    ],
    ids=".".join,
)
@respx.mock
def test_missing_required_field_fails_loudly_and_changes_nothing(
    make_catalog: MakeCatalog, path: tuple[str, ...]
) -> None:
    root = make_catalog({QWEN: SYNCED_QWEN})
    response = matching_response(root)
    table = record(response, "qwen/qwen3-8b")
    for key in path[:-1]:
        table = table[key]
    del table[path[-1]]
    respx.get(URL).mock(return_value=httpx.Response(200, json=response))
    before = snapshot(root)
    result = sync(root)
    assert result.exit_code == 1
    assert "openrouter: failed: the response changed shape: " in result.stderr
    assert f".{'.'.join(path)}" in result.stderr and "Field required" in result.stderr
    assert snapshot(root) == before
