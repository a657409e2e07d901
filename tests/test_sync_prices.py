"""Price sanity: "check" notices for sharp price moves, and `--max-price-change`, through the
console script replaying saved OpenRouter responses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from models_catalog.sync.prices import price_moves
from models_catalog.sync.report import has_checks

from .conftest import FULL_MODEL, MakeCatalog, snapshot
from .reference_responses import openrouter_response

MODELS = Path(sys.executable).parent / "models"
QWEN = "providers/openrouter/models/qwen/qwen3-8b.toml"
REPORT = Path(".sync") / "model-sync-report.md"


def models(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    return subprocess.run(
        [str(MODELS), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def replay(root: Path, response: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    saved = root.parent / "response.json"
    saved.write_text(json.dumps(response), encoding="utf-8")
    return models(
        root.parent, "sync", "openrouter", "--catalog", str(root), "--source", str(saved), *args
    )


def qwen_prices(root: Path, **pricing: str) -> dict[str, Any]:
    response = openrouter_response(root)
    record = next(r for r in response["data"] if r["id"] == "qwen/qwen3-8b")
    record["pricing"].update(pricing)
    return response


def notices(root: Path) -> list[str]:
    report = (root.parent / REPORT).read_text(encoding="utf-8")
    section = report.split("## Notices", 1)[1]
    return [line for line in section.splitlines() if line.startswith("- ")]


def test_sharp_moves_are_checks_at_the_top_of_the_dry_run_and_the_report(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({})
    before = snapshot(root)
    # input 0.05 → 0.5 (10x), output 0.4 → 0, cache_read new beside the other prices.
    response = qwen_prices(root, prompt="0.0000005", completion="0", input_cache_read="0.00000001")
    response["data"].append({**response["data"][0], "id": "../escape"})
    result = replay(root, response, "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("openrouter: would change (0 created, 1 updated")
    assert lines[1:4] == [
        f"  check: {QWEN}: cost.cache_read (none) → 0.01 "
        "(a new price for a model that had other prices)",
        f"  check: {QWEN}: cost.input 0.05 → 0.5 (10x higher)",
        f"  check: {QWEN}: cost.output 0.4 → 0 (drops to zero)",
    ]
    assert snapshot(root) == before
    found = notices(root)
    assert found[:3] == [
        f"- **Check:** {QWEN}: cost.cache_read (none) → 0.01 "
        "(a new price for a model that had other prices)",
        f"- **Check:** {QWEN}: cost.input 0.05 → 0.5 (10x higher)",
        f"- **Check:** {QWEN}: cost.output 0.4 → 0 (drops to zero)",
    ]
    assert found[3].startswith("- Rejected unsafe id '../escape'")


def test_moves_within_five_times_and_first_prices_are_no_checks(
    make_catalog: MakeCatalog,
) -> None:
    unpriced = FULL_MODEL.split("[cost]")[0] + FULL_MODEL.split("output = 0.4\n\n")[1]
    root = make_catalog({"providers/openrouter/models/qwen/unpriced.toml": unpriced})
    response = qwen_prices(root, prompt="0.0000002", completion="0.00000008")  # 4x up, 5x down
    unpriced_record = next(r for r in response["data"] if r["id"] == "qwen/unpriced")
    unpriced_record["pricing"] = {"prompt": "0.000001", "completion": "0.000002"}
    result = replay(root, response)
    assert result.returncode == 0, result.stderr
    assert "updated: providers/openrouter/models/qwen/unpriced.toml" in result.stdout
    assert "check" not in result.stdout
    report = (root.parent / REPORT).read_text(encoding="utf-8")
    assert not has_checks(report) and "Check" not in report


def test_a_price_rising_from_zero_is_a_check(make_catalog: MakeCatalog) -> None:
    free = FULL_MODEL.replace("input = 0.05", "input = 0").replace("output = 0.4", "output = 0")
    root = make_catalog({QWEN: free})
    result = replay(root, qwen_prices(root, prompt="0.0000001"))
    assert result.returncode == 0, result.stderr
    assert f"  check: {QWEN}: cost.input 0 → 0.1 (rises from zero)" in result.stdout
    assert has_checks((root.parent / REPORT).read_text(encoding="utf-8"))


def test_a_change_beyond_max_price_change_fails_the_provider_and_writes_nothing(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({})
    before = snapshot(root)
    response = qwen_prices(root, prompt="0.000005", completion="0.0000008")  # 100x, 2x
    result = replay(root, response, "--max-price-change", "20")
    assert result.returncode == 1
    assert result.stderr == (
        "openrouter: failed: a price change exceeds the --max-price-change factor 20, the "
        f"largest {QWEN}: cost.input 0.05 → 5 (100x higher); nothing was written\n"
    )
    assert snapshot(root) == before
    assert notices(root)[0].startswith("- Failed: a price change exceeds")


def test_the_factor_counts_changes_that_are_no_checks_and_ignores_zero(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({})
    before = snapshot(root)
    both = qwen_prices(root, prompt="0.0000002", completion="0.0000016")  # 4x each
    result = replay(root, both, "--max-price-change", "3", "--dry-run")
    assert result.returncode == 1
    assert "2 price changes exceed the --max-price-change factor 3, the largest" in result.stderr
    assert "(4x higher)" in result.stderr
    assert snapshot(root) == before

    to_zero = qwen_prices(root, prompt="0.0000002", completion="0")
    result = replay(root, to_zero, "--max-price-change", "4.5")
    assert result.returncode == 0, result.stderr
    assert f"check: {QWEN}: cost.output 0.4 → 0 (drops to zero)" in result.stdout
    assert "input = 0.2\noutput = 0\n" in (root / QWEN).read_text(encoding="utf-8")


@pytest.mark.parametrize("factor", ["1", "0.5", "-3", "nan", "many"])
def test_a_factor_not_above_one_is_a_usage_error(make_catalog: MakeCatalog, factor: str) -> None:
    root = make_catalog({})
    result = replay(root, openrouter_response(root), "--max-price-change", factor)
    assert result.returncode == 2
    assert "--max-price-change" in result.stderr
    assert "Traceback" not in result.stderr


def test_tier_prices_are_compared_by_tier_size() -> None:
    tier = {"tier": {"type": "context", "size": 200_000}, "input": 6, "output": 22.5}
    old = {"cost": {"input": 3, "output": 15, "tiers": [tier]}}
    new = {"cost": {"input": 3, "output": 15, "tiers": [{**tier, "output": 225}]}}
    [move] = price_moves("x.toml", old, new)
    assert move.describe() == "x.toml: cost.tiers[size=200000].output 22.5 → 225 (10x higher)"
    assert move.factor == 10


REAL_RESPONSE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "real-responses"
    / "openrouter"
    / "aiscanner__models-2026-05-20.json"
)
MIMO = "providers/openrouter/models/xiaomi/mimo-v2.5-pro.toml"


def test_a_real_response_on_the_reference_catalog_flags_real_price_moves(
    reference_catalog: Path, tmp_path: Path
) -> None:
    if not REAL_RESPONSE.is_file():
        pytest.skip(f"the recorded real response is absent ({REAL_RESPONSE})")
    root = Path(shutil.copytree(reference_catalog, tmp_path / "reference", symlinks=True))
    args = ["sync", "openrouter", "--catalog", str(root), "--source", str(REAL_RESPONSE)]
    args.append("--allow-mass-delete")
    dry = models(tmp_path, *args, "--dry-run", "--max-price-change", "100")
    assert dry.returncode == 0, dry.stderr
    checks = [line for line in dry.stdout.splitlines() if line.startswith("  check: ")]
    assert f"  check: {MIMO}: cost.cache_read 0.0036 → 0.2 (55.6x higher)" in checks
    assert len(checks) == 10

    before = snapshot(root)
    refused = models(tmp_path, *args, "--max-price-change", "50")
    assert refused.returncode == 1
    assert f"the largest {MIMO}: cost.cache_read 0.0036 → 0.2 (55.6x higher)" in refused.stderr
    assert snapshot(root) == before
