"""Comments survive a sync: `models sync` (the console script) edits commented files in place."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from models_catalog.sync.contract import CatalogView, MetadataRecord, SyncProvider, Translation
from models_catalog.sync.runner import SyncOptions, sync_provider

from .conftest import FULL_MODEL, SONNET_METADATA, MakeCatalog, snapshot
from .reference_responses import openrouter_response

QWEN = "providers/openrouter/models/qwen/qwen3-8b.toml"
# The translation always states structured_output, as the original tooling did.
COMMENTED_QWEN = (
    "# Prices checked against https://openrouter.ai/qwen/qwen3-8b (accessed 2026-06-25)\n\n"
    + FULL_MODEL.replace("tool_call = true\n", "tool_call = true\nstructured_output = false\n")
    .replace('family = "qwen"\n', 'family = "qwen" # the lab\'s own family\n')
    .replace("[cost]\n", "# Per million tokens.\n[cost]\n")
    .replace("output = 0.4\n", "output = 0.4 # from the pricing page\n")
    .replace("[limit]\n", "[limit]\n# The API's context length.\n")
)
MODELS_SCRIPT = Path(sys.executable).parent / "models"


def models(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the console script, as a user does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
    return subprocess.run(
        [str(MODELS_SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def sync_with(root: Path, response: dict[str, Any], tmp_path: Path) -> Any:
    source = tmp_path / "response.json"
    source.write_text(json.dumps(response), encoding="utf-8")
    return models(
        "sync", "openrouter", "--catalog", str(root), "--source", str(source), cwd=tmp_path
    )


def priced(response: dict[str, Any], model_id: str, **pricing: str) -> dict[str, Any]:
    record = next(r for r in response["data"] if r["id"] == model_id)
    record["pricing"].update(pricing)
    return response


def changed_lines(before: str, after: str) -> list[str]:
    lines = difflib.ndiff(before.splitlines(), after.splitlines())
    return [line for line in lines if line[:2] in ("- ", "+ ")]


def comment_lines(text: str) -> list[str]:
    return [line[line.index("#") :] for line in text.splitlines() if "#" in line]


def test_a_price_change_keeps_every_comment_and_changes_only_the_value(
    make_catalog: MakeCatalog, tmp_path: Path
) -> None:
    root = make_catalog({QWEN: COMMENTED_QWEN})
    response = priced(openrouter_response(root), "qwen/qwen3-8b", prompt="0.00000006")
    before = snapshot(root)
    result = sync_with(root, response, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 updated" in result.stdout
    text = (root / QWEN).read_text(encoding="utf-8")
    assert changed_lines(COMMENTED_QWEN, text) == ["- input = 0.05", "+ input = 0.06"]
    assert comment_lines(text) == comment_lines(COMMENTED_QWEN)
    assert {k for k, v in snapshot(root).items() if before.get(k) != v} == {QWEN}


def test_a_comment_removed_with_its_key_is_listed_in_the_report(
    make_catalog: MakeCatalog, tmp_path: Path
) -> None:
    with_reasoning = COMMENTED_QWEN.replace(
        "output = 0.4 # from the pricing page\n",
        "output = 0.4 # from the pricing page\n# Thinking tokens: a guess.\nreasoning = 1\n",
    )
    root = make_catalog({QWEN: with_reasoning})
    response = openrouter_response(root)
    del response["data"][1]["pricing"]["internal_reasoning"]
    result = sync_with(root, response, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (root / QWEN).read_text(encoding="utf-8") == COMMENTED_QWEN
    report = (tmp_path / ".sync" / "model-sync-report.md").read_text(encoding="utf-8")
    assert (
        f"- {QWEN}: the comment '# Thinking tokens: a guess.' was removed with its key "
        "cost.reasoning." in report
    )


@pytest.mark.parametrize("kind", ["symlink", "stub"])
def test_a_link_to_a_commented_file_becomes_a_file_with_its_comments(
    make_catalog: MakeCatalog, tmp_path: Path, kind: str
) -> None:
    alias = "providers/openrouter/models/qwen/qwen3-8b-alias.toml"
    root = make_catalog({QWEN: COMMENTED_QWEN})
    if kind == "symlink":
        (root / alias).symlink_to("qwen3-8b.toml")
    else:
        (root / alias).write_text("qwen3-8b.toml\n", encoding="utf-8")
    response = priced(openrouter_response(root), "qwen/qwen3-8b-alias", completion="0.0000005")
    result = sync_with(root, response, tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (root / alias).is_symlink()
    text = (root / alias).read_text(encoding="utf-8")
    assert changed_lines(COMMENTED_QWEN, text) == [
        "- output = 0.4 # from the pricing page",
        "+ output = 0.5 # from the pricing page",
    ]
    assert (root / QWEN).read_text(encoding="utf-8") == COMMENTED_QWEN


def test_a_file_that_cannot_be_edited_in_place_fails_the_run_and_writes_nothing(
    make_catalog: MakeCatalog, tmp_path: Path
) -> None:
    cost = "# Per million tokens.\n[cost]\ninput = 0.05\noutput = 0.4 # from the pricing page\n\n"
    dotted = COMMENTED_QWEN.replace(cost, "")
    dotted = dotted.replace(
        'family = "qwen"', 'cost.input = 0.05\ncost.output = 0.4\nfamily = "qwen"'
    )
    root = make_catalog({QWEN: dotted})
    assert tomllib.loads(dotted) == tomllib.loads(COMMENTED_QWEN)
    response = priced(openrouter_response(root), "qwen/qwen3-8b", prompt="0.00000006")
    before = snapshot(root)
    result = sync_with(root, response, tmp_path)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert f"{QWEN}: cannot update the file keeping its comments: dotted keys" in result.stderr
    assert snapshot(root) == before


class MetadataProvider(SyncProvider[dict[str, Any]]):
    """Gives the Sonnet metadata file, with `limit.output` as each record says."""

    id = "openrouter"
    name = "OpenRouter"
    group = "aggregators"
    delete_missing = False

    def fetch(self, client: Any, env: Mapping[str, str]) -> Any:
        raise AssertionError("tests pass raw responses")

    def parse(self, raw: Any) -> Sequence[dict[str, Any]]:
        return list(raw)

    def translate(self, record: dict[str, Any], view: CatalogView) -> Translation | None:
        metadata = tomllib.loads(SONNET_METADATA)
        metadata["limit"]["output"] = record["output"]
        model: dict[str, Any] = {"base_model": "anthropic/claude-sonnet-4-5"}
        model |= {"reasoning_options": [], "structured_output": True}
        model |= {"cost": {"input": 3, "output": 15}, "limit": {"context": 1_000_000}}
        return Translation(record["id"], model, MetadataRecord(record["meta"], metadata))


def test_a_commented_metadata_file_is_edited_in_place(make_catalog: MakeCatalog) -> None:
    rel = "models/anthropic/claude-sonnet-4-5.toml"
    commented = SONNET_METADATA.replace("[limit]\n", "# From the model card.\n[limit]\n")
    root = make_catalog({rel: commented})
    records = [
        {"id": "anthropic/claude-sonnet-4.5", "meta": "anthropic/claude-sonnet-4-5", "output": 1}
    ]
    outcome = sync_provider(root, MetadataProvider(), SyncOptions(), raw=records, env={})
    assert outcome.error is None
    text = (root / rel).read_text(encoding="utf-8")
    assert changed_lines(commented, text) == ["- output = 64_000", "+ output = 1"]


def reference_copy(reference: Path, tmp_path: Path) -> Path:
    """The families, metadata and OpenRouter folder of the reference catalog, writable."""
    root = tmp_path / "catalog"
    root.mkdir()
    shutil.copyfile(reference / "families.toml", root / "families.toml")
    for folder in ("models", "providers/openrouter"):
        shutil.copytree(reference / folder, root / folder, copy_function=shutil.copyfile)
    for path in root.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    return root


def test_reference_commented_files_keep_their_comments_through_a_sync(
    reference_catalog: Path, tmp_path: Path
) -> None:
    root = reference_copy(reference_catalog, tmp_path)
    folder = root / "providers/openrouter/models"
    commented = {
        p.relative_to(folder).as_posix().removesuffix(".toml"): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*.toml"))
        if "#" in p.read_text(encoding="utf-8")
    }
    assert len(commented) == 4
    response = openrouter_response(root)
    for model_id in commented:
        priced(response, model_id, prompt="0.000042")
    before = snapshot(root)
    result = sync_with(root, response, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "4 updated" in result.stdout
    for model_id, original in commented.items():
        text = (folder / f"{model_id}.toml").read_text(encoding="utf-8")
        (removed, added) = changed_lines(original, text)
        assert removed.startswith("- input = ") and added == "+ input = 42"
        assert comment_lines(text) == comment_lines(original)
    changed = {k for k, v in snapshot(root).items() if before.get(k) != v}
    assert changed == {f"providers/openrouter/models/{m}.toml" for m in commented}
