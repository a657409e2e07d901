"""`[sync] ignore` globs in provider.toml: matching ids are treated as absent upstream."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import OPENROUTER, MakeCatalog, snapshot
from .reference_responses import openrouter_response
from .test_runner import SkippingProvider, matching, response, run
from .test_sync_prices import models, notices, replay

PROVIDER = "providers/openrouter/provider.toml"
QWEN = "providers/openrouter/models/qwen/qwen3-8b.toml"


def ignoring(*globs: str) -> str:
    return f"{OPENROUTER}\n[sync]\nignore = {json.dumps(list(globs))}\n"


def with_new_qwen(root: Path) -> dict[str, Any]:
    api = openrouter_response(root)
    qwen = next(r for r in api["data"] if r["id"] == "qwen/qwen3-8b")
    api["data"].append({**qwen, "id": "qwen/qwen3-9b:free"})
    return api


def test_ignored_ids_are_deleted_or_never_created_and_listed(make_catalog: MakeCatalog) -> None:
    root = make_catalog({PROVIDER: ignoring("qwen/*", "openai/gpt-[0-9]")})
    result = replay(root, with_new_qwen(root))
    assert result.returncode == 0, result.stderr
    assert f"deleted: {QWEN}" in result.stdout
    assert not (root / QWEN).exists()
    assert not (root / "providers/openrouter/models/qwen/qwen3-9b:free.toml").exists()
    notice = (
        "- Ignored 2 models matching [sync] ignore in provider.toml, treated as absent "
        "upstream: qwen/qwen3-8b, qwen/qwen3-9b:free."
    )
    assert notice in notices(root)
    assert "ignore" in (root / PROVIDER).read_text(encoding="utf-8")


def test_new_only_keeps_an_ignored_file(make_catalog: MakeCatalog) -> None:
    root = make_catalog({PROVIDER: ignoring("qwen/qwen3-8b")})
    before = snapshot(root)
    result = replay(root, with_new_qwen(root), "--new-only")
    assert result.returncode == 0, result.stderr
    assert "created: providers/openrouter/models/qwen/qwen3-9b:free.toml" in result.stdout
    assert (root / QWEN).read_bytes() == before[QWEN]
    assert any(n.startswith("- Ignored 1 model matching") for n in notices(root))


def test_globs_match_the_whole_id_case_sensitively(make_catalog: MakeCatalog) -> None:
    root = make_catalog({PROVIDER: ignoring("qwen", "QWEN/*", "*8b:free")})
    result = replay(root, openrouter_response(root))
    assert result.returncode == 0, result.stderr
    assert "0 deleted" in result.stdout and (root / QWEN).exists()
    assert not any("Ignored" in n for n in notices(root))


def test_a_provider_that_keeps_missing_files_keeps_ignored_ones(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({PROVIDER: ignoring("anthropic/*")})
    outcome = run(root, response(*matching()), SkippingProvider())
    assert outcome.status == "unchanged"
    assert outcome.plan.notices[0].startswith("Ignored 1 model matching [sync] ignore")
    assert "anthropic/claude-sonnet-4.5" in outcome.plan.notices[1]  # the kept-files notice


BAD = [
    ('ignore = "qwen/*"', "sync.ignore: input should be a valid list"),
    ('ignore = [""]', "sync.ignore[0]: string should have at least 1 character"),
    ('ignore = ["qwen/[abc"]', "sync.ignore[0]: 'qwen/[abc' opens a [set] it never closes"),
    ('ignore = ["a", "a"]', "sync.ignore: ignore globs must be unique (repeated: ['a'])"),
    ('ignore = [" a"]', "sync.ignore[0]: ' a' has surrounding spaces or a control character"),
    ("skip = true", "sync.skip: unknown key 'skip'"),
]


@pytest.mark.parametrize(("line", "message"), BAD)
def test_a_bad_ignore_table_fails_validate_and_stops_the_sync(
    make_catalog: MakeCatalog, line: str, message: str
) -> None:
    root = make_catalog({PROVIDER: f"{OPENROUTER}\n[sync]\n{line}\n"})
    checked = models(root.parent, "validate", "--catalog", str(root))
    assert checked.returncode == 1
    assert message in checked.stdout + checked.stderr
    before = snapshot(root)
    synced = replay(root, openrouter_response(root))
    assert synced.returncode == 1
    assert synced.stderr.count("\n") == 1
    assert PROVIDER in synced.stderr and message in synced.stderr
    assert snapshot(root) == before
