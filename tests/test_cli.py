"""The command line: output, exit statuses, annotations, and nothing written on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from models_catalog.cli import app
from models_catalog.errors import UsageError

from .conftest import FULL_MODEL, MakeCatalog, snapshot

MODEL = "providers/openrouter/models/qwen/qwen3-8b.toml"
runner = CliRunner()


def test_validate_prints_a_summary_and_exits_zero(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    result = runner.invoke(app, ["validate", "--catalog", str(root)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == (
        "valid: 1 providers, 2 provider models (0 links, 0 dangling), 1 metadata files; 0 warnings"
    )


def test_validate_lists_problems_as_path_line_message_and_exits_one(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({MODEL: FULL_MODEL.replace("input = 0.05", "input = -1")})
    result = runner.invoke(app, ["validate", "--catalog", str(root)])
    assert result.exit_code == 1
    assert f"{root / MODEL}:12: error: cost.input: input should be greater than" in result.stdout
    assert "invalid: 1 error" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_strict_turns_warnings_into_errors(make_catalog: MakeCatalog) -> None:
    root = make_catalog({MODEL: FULL_MODEL.replace("output = 0.4", "output = 0.4\ncached = 1")})
    assert runner.invoke(app, ["validate", "--catalog", str(root)]).exit_code == 0
    assert runner.invoke(app, ["validate", "--catalog", str(root), "--strict"]).exit_code == 1


def test_validate_prints_github_annotations_in_actions(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_catalog({MODEL: FULL_MODEL.replace("input = 0.05", "input = -1")})
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = runner.invoke(app, ["validate", "--catalog", str(root)])
    assert f"::error file={root / MODEL},line=12::cost.input: input should be" in result.stdout


def test_build_writes_json_and_refuses_an_invalid_catalog(
    make_catalog: MakeCatalog, tmp_path: Path
) -> None:
    root = make_catalog({})
    out = tmp_path / "api.json"
    assert runner.invoke(app, ["build", "--catalog", str(root), "-o", str(out)]).exit_code == 0
    assert set(json.loads(out.read_text())["openrouter"]["models"]) == {
        "qwen/qwen3-8b",
        "anthropic/claude-sonnet-4.5",
    }
    out.unlink()
    broken = make_catalog({MODEL: 'base_model = "nope/nope"\n'})
    result = runner.invoke(app, ["build", "--catalog", str(broken), "-o", str(out)])
    assert result.exit_code == 1 and not out.exists()
    assert "names no metadata file" in result.stderr


def test_fmt_check_lists_files_and_fmt_rewrites_them(make_catalog: MakeCatalog) -> None:
    messy = FULL_MODEL.replace(
        'name = "Qwen3 8B"\nfamily = "qwen"', 'family = "qwen"\nname = "Qwen3 8B"'
    )
    root = make_catalog({MODEL: messy})
    check = runner.invoke(app, ["fmt", "--check", "--catalog", str(root)])
    assert check.exit_code == 1 and f"would reformat: {root / MODEL}" in check.stdout
    assert (root / MODEL).read_text() == messy
    assert runner.invoke(app, ["fmt", "--catalog", str(root)]).exit_code == 0
    assert (root / MODEL).read_text() == FULL_MODEL
    assert runner.invoke(app, ["fmt", "--check", "--catalog", str(root)]).exit_code == 0


def test_fmt_never_rewrites_a_file_with_comments(make_catalog: MakeCatalog) -> None:
    out_of_order = FULL_MODEL.replace(
        'name = "Qwen3 8B"\nfamily = "qwen"',
        'family = "qwen"  # checked by hand\nname = "Qwen3 8B"',
    )
    root = make_catalog({MODEL: out_of_order})
    result = runner.invoke(app, ["fmt", "--catalog", str(root)])
    assert result.exit_code == 0 and f"skipped (has comments): {root / MODEL}" in result.stderr
    assert (root / MODEL).read_text() == out_of_order


def test_fmt_with_a_broken_file_writes_nothing(make_catalog: MakeCatalog) -> None:
    messy = FULL_MODEL.replace(
        'name = "Qwen3 8B"\nfamily = "qwen"', 'family = "qwen"\nname = "Qwen3 8B"'
    )
    root = make_catalog({MODEL: messy, "providers/openrouter/models/bad.toml": "name = \n"})
    before = snapshot(root)
    result = runner.invoke(app, ["fmt", "--catalog", str(root)])
    assert result.exit_code == 1
    assert "providers/openrouter/models/bad.toml:1: error: invalid TOML" in result.stderr
    assert snapshot(root) == before


def test_fmt_rejects_a_path_outside_the_model_folders(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    result = runner.invoke(
        app, ["fmt", "--catalog", str(root), str(root / "providers/openrouter/provider.toml")]
    )
    assert result.exit_code == 2 and "is not a model file" in result.stderr


def test_help_does_not_import_httpx() -> None:
    code = (
        "import sys\nfrom models_catalog.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('httpx' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().endswith("False")


def test_every_command_has_help() -> None:
    for command in ("validate", "build", "fmt", "sync"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.stdout


def test_fmt_sorts_effort_values_without_calling_it_a_loss(make_catalog: MakeCatalog) -> None:
    efforts = FULL_MODEL.replace("reasoning = false", "reasoning = true") + (
        '\n[[reasoning_options]]\ntype = "effort"\nvalues = ["high", "null", "low"]\n'
    )
    root = make_catalog({MODEL: efforts})
    result = runner.invoke(app, ["fmt", "--catalog", str(root)])
    assert result.exit_code == 0, result.stderr
    assert 'values = ["low", "high", "null"]' in (root / MODEL).read_text()


def test_errors_are_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere")
    plain = runner.invoke(app, ["validate", "--catalog", missing])
    assert plain.exit_code == 2
    assert plain.stderr == f"error: catalog folder {missing!r} does not exist; pass --catalog DIR\n"
    debug = runner.invoke(app, ["validate", "--catalog", missing, "--debug"])
    assert isinstance(debug.exception, UsageError)
