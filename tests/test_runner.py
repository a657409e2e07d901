"""The sync runner with a small fake provider: planning, applying, safety rules, the report."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from models_catalog.catalog import load_catalog
from models_catalog.errors import CatalogFileError, ProviderError
from models_catalog.sync.contract import CatalogView, SyncProvider, Translation
from models_catalog.sync.report import render_report
from models_catalog.sync.runner import (
    SyncOptions,
    fetch_records,
    prepare,
    read_provider_catalog,
    sync_provider,
)

from .conftest import FULL_MODEL, MakeCatalog, snapshot

QWEN = "providers/openrouter/models/qwen/qwen3-8b.toml"
SONNET = "providers/openrouter/models/anthropic/claude-sonnet-4.5.toml"


class FakeProvider(SyncProvider[dict[str, Any]]):
    """Records are `{"id": ..., "model": {...}}`; translation returns the model as given."""

    id = "openrouter"
    name = "OpenRouter"
    group = "aggregators"

    def fetch(self, client: Any, env: Mapping[str, str]) -> Any:
        raise AssertionError("tests pass raw responses")

    def parse(self, raw: Any) -> Sequence[dict[str, Any]]:
        return list(raw["data"])

    def translate(self, record: dict[str, Any], view: CatalogView) -> Translation | None:
        if record.get("skip"):
            return None
        return Translation(record["id"], record["model"])


def qwen_model(**changes: Any) -> dict[str, Any]:
    model = tomllib.loads(FULL_MODEL)
    for key, value in changes.items():
        if isinstance(value, dict):
            model[key] = {**model.get(key, {}), **value}
        else:
            model[key] = value
    return model


def sonnet_model(**changes: Any) -> dict[str, Any]:
    model: dict[str, Any] = {
        "base_model": "anthropic/claude-sonnet-4-5",
        "structured_output": True,
        "reasoning_options": [],
        "cost": {"input": 3, "output": 15},
        "limit": {"context": 1_000_000},
    }
    model.update(changes)
    return model


def response(*models: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"data": [{"id": mid, "model": model} for mid, model in models]}


def matching() -> list[tuple[str, dict[str, Any]]]:
    return [("qwen/qwen3-8b", qwen_model()), ("anthropic/claude-sonnet-4.5", sonnet_model())]


def run(root: Path, raw: Any, provider: SyncProvider[Any] | None = None, **options: bool) -> Any:
    return sync_provider(root, provider or FakeProvider(), SyncOptions(**options), raw=raw, env={})


def test_matching_response_changes_nothing(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    before = snapshot(root)
    outcome = run(root, response(*matching()))
    assert outcome.status == "unchanged" and outcome.error is None
    assert snapshot(root) == before


def test_unchanged_content_keeps_its_bytes_whatever_the_layout(make_catalog: MakeCatalog) -> None:
    odd_layout = FULL_MODEL.replace(
        'name = "Qwen3 8B"\nfamily = "qwen"', 'family = "qwen"\nname = "Qwen3 8B"'
    )
    root = make_catalog({QWEN: odd_layout})
    assert run(root, response(*matching())).status == "unchanged"
    assert (root / QWEN).read_text() == odd_layout


def test_price_change_updates_only_that_file_with_field_changes(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    sonnet_before = (root / SONNET).read_bytes()
    models = dict(matching())
    models["qwen/qwen3-8b"] = qwen_model(cost={"input": 0.04})
    outcome = run(root, response(*models.items()))
    assert outcome.status == "changed"
    (updated,) = outcome.plan.changed
    assert updated.action == "updated" and updated.rel == QWEN
    assert [c.describe() for c in updated.changes] == ["cost.input: 0.05 → 0.04"]
    assert tomllib.loads((root / QWEN).read_text())["cost"]["input"] == 0.04
    assert (root / SONNET).read_bytes() == sonnet_before
    assert run(root, response(*models.items())).status == "unchanged"  # a second run is a no-op


def test_factored_file_stays_factored(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    models = dict(matching())
    models["anthropic/claude-sonnet-4.5"] = sonnet_model(cost={"input": 2.5, "output": 15})
    run(root, response(*models.items()))
    written = tomllib.loads((root / SONNET).read_text())
    assert written["base_model"] == "anthropic/claude-sonnet-4-5"
    assert "name" not in written and written["cost"]["input"] == 2.5


def test_full_model_for_a_factored_file_is_factored_against_its_base(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({})
    catalog = load_catalog(root)
    entry = catalog.providers["openrouter"].models["anthropic/claude-sonnet-4.5"]
    full = dict(catalog.resolved(entry) or {})
    full["cost"] = {"input": 2, "output": 15}
    models = dict(matching())
    models["anthropic/claude-sonnet-4.5"] = full
    run(root, response(*models.items()))
    written = tomllib.loads((root / SONNET).read_text())
    assert written["base_model"] == "anthropic/claude-sonnet-4-5"
    assert "name" not in written and "modalities" not in written
    assert written["cost"] == {"input": 2, "output": 15}


def test_new_id_is_created_and_missing_id_deleted(make_catalog: MakeCatalog) -> None:
    root = make_catalog({"providers/openrouter/models/old/gone.toml": FULL_MODEL})
    models = [*matching(), ("new/model", qwen_model(name="New"))]
    outcome = run(root, response(*models))
    actions = {f.rel: f.action for f in outcome.plan.changed}
    assert actions == {
        "providers/openrouter/models/new/model.toml": "created",
        "providers/openrouter/models/old/gone.toml": "deleted",
    }
    assert not (root / "providers/openrouter/models/old/gone.toml").exists()
    created = (root / "providers/openrouter/models/new/model.toml").read_text()
    assert created == FULL_MODEL.replace('"Qwen3 8B"', '"New"')


def test_dry_run_and_new_only(make_catalog: MakeCatalog) -> None:
    root = make_catalog({"providers/openrouter/models/old/gone.toml": FULL_MODEL})
    models = [
        ("qwen/qwen3-8b", qwen_model(cost={"input": 1})),
        ("anthropic/claude-sonnet-4.5", sonnet_model()),
        ("new/model", qwen_model()),
    ]
    before = snapshot(root)
    dry = run(root, response(*models), dry_run=True)
    assert {f.action for f in dry.plan.changed} == {"created", "updated", "deleted"}
    assert snapshot(root) == before
    new_only = run(root, response(*models), new_only=True)
    assert [(f.action, f.rel) for f in new_only.plan.changed] == [
        ("created", "providers/openrouter/models/new/model.toml")
    ]
    assert [(f.action, f.rel) for f in new_only.plan.skipped] == [
        ("deleted", "providers/openrouter/models/old/gone.toml"),
        ("updated", "providers/openrouter/models/qwen/qwen3-8b.toml"),
    ]
    assert new_only.plan.count("unchanged") == 1
    assert (root / "providers/openrouter/models/old/gone.toml").exists()


def test_empty_response_is_refused(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    before = snapshot(root)
    outcome = run(root, {"data": []})
    assert outcome.status == "failed" and "returned no models" in (outcome.error or "")
    assert snapshot(root) == before


def test_mass_deletion_is_refused_unless_allowed(make_catalog: MakeCatalog) -> None:
    extra = {f"providers/openrouter/models/x/m{i}.toml": FULL_MODEL for i in range(3)}
    root = make_catalog(extra)
    before = snapshot(root)
    truncated = response(matching()[0])
    outcome = run(root, truncated)
    assert outcome.status == "failed" and "--allow-mass-delete" in (outcome.error or "")
    assert snapshot(root) == before
    allowed = run(root, truncated, allow_mass_delete=True)
    assert allowed.plan.count("deleted") == 4


@pytest.mark.parametrize("bad_id", ["../../x", "/abs", "a//b", "a/./b", "a\\b", "a\x00b", "a\nb"])
def test_unsafe_ids_are_skipped_and_named(make_catalog: MakeCatalog, bad_id: str) -> None:
    root = make_catalog({})
    before = snapshot(root)
    outcome = run(root, response(*matching(), (bad_id, qwen_model())))
    assert outcome.status == "unchanged"
    assert any(repr(bad_id) in notice for notice in outcome.plan.notices)
    assert snapshot(root) == before


def test_link_is_replaced_never_written_through(make_catalog: MakeCatalog) -> None:
    root = make_catalog({"providers/other/models/target.toml": FULL_MODEL})
    link = root / "providers/openrouter/models/alias.toml"
    os.symlink("../../other/models/target.toml", link)
    models = [*matching(), ("alias", qwen_model(name="Changed"))]
    run(root, response(*models))
    assert not link.is_symlink()
    assert tomllib.loads(link.read_text())["name"] == "Changed"
    assert (root / "providers/other/models/target.toml").read_text() == FULL_MODEL


def test_dangling_link_is_replaced_when_created_and_removed_when_missing(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({})
    models_dir = root / "providers/openrouter/models"
    os.symlink("../../nowhere/a.toml", models_dir / "a.toml")
    (models_dir / "b.toml").write_text("../../nowhere/b.toml")
    outcome = run(root, response(*matching(), ("a", qwen_model())))
    assert {f.rel.rsplit("/", 1)[1]: f.action for f in outcome.plan.changed} == {
        "a.toml": "created",
        "b.toml": "deleted",
    }
    assert not (models_dir / "a.toml").is_symlink() and not (models_dir / "b.toml").exists()


def test_broken_local_file_stops_before_fetching(make_catalog: MakeCatalog) -> None:
    root = make_catalog({QWEN: "name = [\n"})
    with pytest.raises(CatalogFileError, match=r"qwen3-8b\.toml:1: invalid TOML"):
        read_provider_catalog(root, FakeProvider())
    assert run(root, response(*matching())).status == "failed"


def test_invalid_translation_names_provider_and_file(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    before = snapshot(root)
    models = dict(matching())
    models["qwen/qwen3-8b"] = qwen_model(cost={"input": -1})
    outcome = run(root, response(*models.items()))
    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error.startswith("translated model")
    assert QWEN in outcome.error
    assert snapshot(root) == before


def test_two_records_for_one_path_is_an_error(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    catalog = read_provider_catalog(root, FakeProvider())
    records = fetch_records(
        FakeProvider(), raw=response(*matching(), matching()[0]), client_factory=None, env={}
    )
    with pytest.raises(ProviderError, match="same file"):
        prepare(FakeProvider(), catalog, records, SyncOptions())


def test_base_model_and_reasoning_options_are_kept(make_catalog: MakeCatalog) -> None:
    existing = sonnet_model(reasoning_options=[{"type": "toggle"}])
    from models_catalog.tomlfmt import format_provider_model

    root = make_catalog({SONNET: format_provider_model(existing)})
    new = {k: v for k, v in existing.items() if k not in ("base_model", "reasoning_options")}
    outcome = run(root, response(matching()[0], ("anthropic/claude-sonnet-4.5", new)))
    assert outcome.status == "unchanged", outcome.plan.changed if outcome.plan else outcome.error


def test_reasoning_false_drops_options_and_true_defaults_to_empty(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({})
    catalog = read_provider_catalog(root, FakeProvider())
    qwen = qwen_model(reasoning=True)
    plan = prepare(
        FakeProvider(), catalog, response(("qwen/qwen3-8b", qwen))["data"], SyncOptions()
    )
    text = next(f.text for f in plan.files if f.rel == QWEN)
    assert text is not None and "reasoning_options = []" in text


class SkippingProvider(FakeProvider):
    skip_creates = True
    delete_missing = False


def test_skip_creates_and_delete_missing_off_are_listed(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    outcome = run(root, response(matching()[0], ("brand/new", qwen_model())), SkippingProvider())
    assert outcome.status == "unchanged"
    notices = " ".join(outcome.plan.notices)
    assert "brand/new" in notices and "anthropic/claude-sonnet-4.5" in notices


def test_report_lists_status_counts_changes_and_notices(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    models = dict(matching())
    models["qwen/qwen3-8b"] = qwen_model(cost={"input": 0.04})
    ok = run(root, response(*models.items(), ("../evil", qwen_model())), dry_run=True)
    failed = run(root, {"data": []})
    text = render_report("openrouter", [ok, failed], dry_run=True)
    assert text.splitlines()[0] == "Synced target `openrouter` (dry run: nothing was written)."
    assert "| OpenRouter (openrouter) | changed | 0 | 1 | 0 |" in text
    assert "| OpenRouter (openrouter) | failed | - | - | - |" in text
    assert f"- updated: `{QWEN}`\n  - cost.input: 0.05 → 0.04" in text
    assert "Rejected unsafe id '../evil'" in text and "Failed: the API returned" in text
    assert text.index("## Notices") > text.index("<details>")
    assert text.rstrip().endswith(
        "_This report was generated by the scheduled model sync (`models sync`)._"
    )


def test_changes_of_a_factored_file_show_the_values_consumers_see(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({})
    models = dict(matching())
    models["anthropic/claude-sonnet-4.5"] = sonnet_model(
        limit={"context": 1_000_000, "output": 32_000}
    )
    outcome = run(root, response(*models.items()), dry_run=True)
    (updated,) = outcome.plan.changed
    assert [c.describe() for c in updated.changes] == ["limit.output: 64000 → 32000"]
