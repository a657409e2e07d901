"""The GitHub Actions workflows: valid YAML, pinned actions, and a matrix fed only by the CLI."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"
SYNC = WORKFLOWS / "sync-models.yml"
VALIDATE = WORKFLOWS / "validate.yml"
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(?:\.\d+)*\s*$")
PROVIDER_IDS = ["openrouter", "cloudflare-workers-ai", "google", "xai", "ovhcloud"]


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    on = workflow.get(True, workflow.get("on"))
    assert isinstance(on, dict)
    return on


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    found = job["steps"]
    assert isinstance(found, list)
    return found


def runs(job: dict[str, Any]) -> list[str]:
    return [str(step["run"]) for step in steps(job) if "run" in step]


def run_step(job: dict[str, Any], command: str) -> dict[str, Any]:
    matching = [step for step in steps(job) if command in str(step.get("run", ""))]
    assert len(matching) == 1, f"expected one step running {command!r}"
    return matching[0]


@pytest.fixture(scope="module")
def sync() -> dict[Any, Any]:
    return load(SYNC)


@pytest.fixture(scope="module")
def validate() -> dict[Any, Any]:
    return load(VALIDATE)


@pytest.mark.parametrize("path", [SYNC, VALIDATE], ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_sha_with_a_version_comment(path: Path) -> None:
    lines = [line for line in path.read_text().splitlines() if re.match(r"\s*(-\s+)?uses:", line)]
    assert lines
    assert [line for line in lines if not PINNED.match(line)] == []
    parsed = [s["uses"] for job in load(path)["jobs"].values() for s in steps(job) if "uses" in s]
    assert len(parsed) == len(lines)


def test_sync_runs_hourly_at_a_fixed_minute_and_on_demand(sync: dict[Any, Any]) -> None:
    on = triggers(sync)
    assert "workflow_dispatch" in on
    [schedule] = on["schedule"]
    minute, hour, *rest = schedule["cron"].split()
    assert minute.isdigit() and 1 <= int(minute) <= 59
    assert [hour, *rest] == ["*", "*", "*", "*"]


def test_sync_permissions_and_concurrency(sync: dict[Any, Any]) -> None:
    assert sync["permissions"]["contents"] == "write"
    assert sync["permissions"]["pull-requests"] == "write"
    group = sync["concurrency"]["group"]
    assert "github.ref" in group
    assert sync["concurrency"].get("cancel-in-progress") is not True


def test_sync_matrix_comes_from_the_list_providers_job(sync: dict[Any, Any]) -> None:
    jobs = sync["jobs"]
    sync_job = jobs["sync"]
    strategy = sync_job["strategy"]
    assert strategy["fail-fast"] is False
    match = re.fullmatch(
        r"\$\{\{\s*fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\)\s*\}\}", strategy["matrix"]
    )
    assert match, "the matrix must be the JSON output of another job"
    lister_name, output = match.groups()
    assert lister_name in sync_job["needs"]
    lister = jobs[lister_name]
    step_output = re.fullmatch(
        r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}", lister["outputs"][output]
    )
    assert step_output
    step_id, step_key = step_output.groups()
    [step] = [s for s in steps(lister) if s.get("id") == step_id]
    assert "models sync --list-providers" in step["run"]
    assert step_key in step["run"] and "GITHUB_OUTPUT" in step["run"]


def test_sync_workflow_names_no_provider_so_new_ones_need_no_change(sync: dict[Any, Any]) -> None:
    text = SYNC.read_text()
    for provider in PROVIDER_IDS:
        assert not re.search(rf"(?<![\w-]){re.escape(provider)}(?![\w-])", text), provider
    assert "include" not in sync["jobs"]["sync"]["strategy"]


def test_both_jobs_install_the_project_with_python_3_11(sync: dict[Any, Any]) -> None:
    for job in sync["jobs"].values():
        setup = [s for s in steps(job) if str(s.get("uses", "")).startswith("actions/setup-python")]
        assert [s["with"]["python-version"] for s in setup] == ["3.11"]
        assert "pip install ." in runs(job)


def test_sync_job_steps(sync: dict[Any, Any]) -> None:
    job = sync["jobs"]["sync"]
    assert job["env"]["PROVIDER"] == "${{ matrix.provider }}"
    assert job["env"]["PROVIDER_NAME"] == "${{ matrix.name }}"
    checkout = next(s for s in steps(job) if str(s.get("uses", "")).startswith("actions/checkout"))
    assert "default_branch" in checkout["with"]["ref"]
    commands = runs(job)
    order = [
        'models sync "$PROVIDER" --max-price-change "$MAX_PRICE_CHANGE"',
        "models validate",
        'models publish "$PROVIDER" --name "$PROVIDER_NAME"',
    ]
    positions = [next(i for i, c in enumerate(commands) if c.strip() == want) for want in order]
    assert positions == sorted(positions)
    publish = run_step(job, "models publish")
    assert publish["env"]["GH_TOKEN"] == "${{ github.token }}"
    summary = run_step(job, "--step-summary .sync/model-sync-report.md")
    assert "!cancelled()" in summary["if"] or "always()" in summary["if"]


def test_sync_refuses_sharp_price_moves_unless_a_dispatch_raises_the_factor(
    sync: dict[Any, Any],
) -> None:
    factor = sync["jobs"]["sync"]["env"]["MAX_PRICE_CHANGE"]
    assert factor == "${{ inputs.max_price_change || '100' }}"
    dispatch = triggers(sync)["workflow_dispatch"]["inputs"]["max_price_change"]
    assert dispatch["default"] == "100"
    assert float(dispatch["default"]) > 5  # above the factor that only flags a check


def test_sync_job_gets_every_providers_secrets(sync: dict[Any, Any]) -> None:
    env = sync["jobs"]["sync"]["env"]
    for name in [
        "OPENROUTER_API_KEY",
        "CLOUDFLARE_WORKERS_AI_SYNC_ACCOUNT_ID",
        "CLOUDFLARE_WORKERS_AI_SYNC_API_TOKEN",
        "GOOGLE_API_KEY",
        "GEMINI_API_KEY",
        "GOOGLE_GENERATIVE_AI_API_KEY",
        "XAI_API_KEY",
    ]:
        assert env[name] == f"${{{{ secrets.{name} }}}}"


def test_validate_runs_strict_validation_and_tests_on_pull_requests(
    validate: dict[Any, Any],
) -> None:
    assert "pull_request" in triggers(validate)
    [job] = validate["jobs"].values()
    uses = [str(s["uses"]).split("@")[0] for s in steps(job) if "uses" in s]
    assert uses == ["actions/checkout", "actions/setup-python"]
    assert [c.strip() for c in runs(job)] == [
        "pip install -e '.[test]'",
        "models validate --strict",
        "pytest",
    ]
