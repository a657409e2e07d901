"""The `models` console script as a user meets it: one-line errors, quiet and JSON output,
the catalog option everywhere, pipes, terminals. Each test runs the installed script."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models_catalog import __version__

from .conftest import FULL_MODEL, MakeCatalog, snapshot

MODELS = str(Path(sys.executable).parent / "models")
MODEL = "providers/openrouter/models/qwen/qwen3-8b.toml"
REPO = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def models(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "MODELS_CATALOG"}
    return subprocess.run(
        [MODELS, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**environ, **env},
        check=False,
    )


def on_terminal(*args: str, cwd: Path | None = None) -> str:
    """Run with stdout and stderr on a pseudo-terminal; what it showed."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "200"}
    env.pop("NO_COLOR", None)
    with subprocess.Popen(
        [MODELS, *args], stdout=follower, stderr=follower, cwd=cwd, env=env
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait()
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_version_and_short_help() -> None:
    assert models("--version").stdout == f"models {__version__}\n"
    short = models("validate", "-h")
    assert short.returncode == 0 and "--format" in short.stdout and "-q, --quiet" in short.stdout


def test_completion_can_be_installed() -> None:
    assert "--install-completion" in models("--help").stdout


def test_a_usage_error_is_one_line() -> None:
    result = models("validate", "--bogus")
    assert result.returncode == 2
    assert result.stderr == "error: No such option: --bogus (see `models validate --help`)\n"


def test_a_provider_typo_gets_a_suggestion(make_catalog: MakeCatalog) -> None:
    result = models("sync", "openroutr", "--catalog", str(make_catalog({})))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "unknown sync target 'openroutr' (did you mean 'openrouter'?)" in result.stderr


@pytest.mark.parametrize("where", ["repository root", "providers folder", "empty folder"])
def test_a_folder_that_is_not_a_catalog_is_refused(
    make_catalog: MakeCatalog, tmp_path: Path, where: str
) -> None:
    root = make_catalog({})
    folder = {
        "repository root": tmp_path,
        "providers folder": root / "providers",
        "empty folder": tmp_path / "empty",
    }[where]
    folder.mkdir(exist_ok=True)
    before = snapshot(tmp_path)
    replay = ["--source", str(REPO / "examples/openrouter.json")]
    for command in (["validate"], ["build"], ["fmt"], ["sync", "openrouter", *replay]):
        result = models(*command, "--catalog", str(folder), cwd=tmp_path)
        assert result.returncode == 2, command
        assert result.stderr == (
            f"error: {str(folder)!r} is not a catalog: expected a providers/ folder with "
            "providers/<id>/provider.toml files; pass --catalog DIR\n"
        )
    assert snapshot(tmp_path) == before


def test_a_file_is_not_a_folder_and_the_variable_is_named(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# hi\n")
    plain = models("validate", "--catalog", str(readme))
    assert plain.stderr == f"error: catalog {str(readme)!r} is not a folder; pass --catalog DIR\n"
    from_env = models("validate", MODELS_CATALOG=str(tmp_path / "gone"))
    assert from_env.returncode == 2
    assert from_env.stderr == (
        f"error: catalog folder {str(tmp_path / 'gone')!r} (from $MODELS_CATALOG) does not "
        "exist; set MODELS_CATALOG or pass --catalog DIR\n"
    )


def test_catalog_and_quiet_are_global_options_too(make_catalog: MakeCatalog) -> None:
    root = str(make_catalog({}))
    result = models("--catalog", root, "validate")
    assert result.returncode == 0 and result.stdout.startswith("valid: 1 providers")
    assert models("-q", "--catalog", root, "validate").stdout == ""
    assert models("validate", "-q", "--catalog", root).stdout == ""


def test_validate_labels_errors_and_strict_counts_what_it_labels(
    make_catalog: MakeCatalog,
) -> None:
    warned = FULL_MODEL.replace("output = 0.4", "output = 0.4\ncached = 1")
    root = make_catalog({MODEL: warned})
    lenient = models("validate", "--catalog", str(root))
    assert lenient.returncode == 0 and ":14: warning: cost.cached: unknown key " in lenient.stdout
    strict = models("validate", "--strict", "--catalog", str(root))
    assert strict.returncode == 1
    assert [line.split(": ")[1] for line in strict.stdout.splitlines()] == ["error"]
    assert strict.stderr.startswith("invalid: 1 error, 0 warnings in ")


def test_validate_json_lists_findings(make_catalog: MakeCatalog) -> None:
    root = make_catalog({MODEL: FULL_MODEL.replace("input = 0.05", "input = -1")})
    result = models("validate", "--format", "json", "--catalog", str(root))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["errors"] == 1
    assert report["findings"] == [
        {
            "path": str(root / MODEL),
            "line": 12,
            "severity": "error",
            "message": "cost.input: input should be greater than or equal to 0 (got -1)",
        }
    ]


def test_build_and_validate_name_problem_paths_alike(make_catalog: MakeCatalog) -> None:
    root = make_catalog({MODEL: FULL_MODEL.replace("input = 0.05", "input = -1")})
    validated = models("validate", "--catalog", str(root)).stdout.splitlines()[0]
    built = models("build", "--catalog", str(root))
    assert built.returncode == 1 and built.stderr.splitlines()[0] == validated


def test_fmt_names_files_as_validate_does(make_catalog: MakeCatalog) -> None:
    broken = make_catalog({MODEL: "name = \n"})
    validated = models("validate", "--catalog", str(broken)).stdout.splitlines()[0]
    checked = models("fmt", "--check", "--catalog", str(broken))
    assert checked.returncode == 1 and checked.stderr.splitlines()[0] == validated
    messy = FULL_MODEL.replace(
        'name = "Qwen3 8B"\nfamily = "qwen"', 'family = "qwen"\nname = "Qwen3 8B"'
    )
    root = make_catalog({MODEL: messy})
    listed = models("fmt", "--check", "-q", "--catalog", str(root))
    assert listed.stdout == f"would reformat: {root / MODEL}\n"


def test_build_to_stdout_with_a_dash_and_a_folder_is_refused(
    make_catalog: MakeCatalog, tmp_path: Path
) -> None:
    root = make_catalog({})
    dashed = models("build", "-o", "-", "--catalog", str(root), cwd=tmp_path)
    assert dashed.returncode == 0 and "openrouter" in json.loads(dashed.stdout)
    assert not (tmp_path / "-").exists()
    folder = models("build", "-o", str(tmp_path), "--catalog", str(root))
    assert folder.returncode == 2
    assert folder.stderr == (
        f"error: --output {str(tmp_path)!r} is a folder; name a file (or '-')\n"
    )


def test_fmt_quiet_and_json(make_catalog: MakeCatalog) -> None:
    commented = FULL_MODEL.replace('family = "qwen"', 'family = "qwen"  # by hand')
    root = make_catalog({MODEL: commented})
    loud = models("fmt", "--check", "--catalog", str(root))
    assert f"skipped (has comments): {root / MODEL}" in loud.stderr
    quiet = models("fmt", "--check", "-q", "--catalog", str(root))
    assert quiet.returncode == 0 and quiet.stdout == quiet.stderr == ""
    as_json = json.loads(
        models("fmt", "--check", "--format", "json", "--catalog", str(root)).stdout
    )
    assert as_json == {
        "check": True,
        "changed": [],
        "unchanged": 2,
        "commented": [str(root / MODEL)],
        "links": [],
    }


def test_fmt_outside_the_catalog_names_it_and_the_option(
    make_catalog: MakeCatalog, tmp_path: Path
) -> None:
    root = make_catalog({})
    stray = tmp_path / "stray.toml"
    stray.write_text(FULL_MODEL)
    result = models("fmt", str(stray), "--catalog", str(root))
    assert result.returncode == 2
    assert f"is not inside the catalog folder {str(root)!r}" in result.stderr
    assert "pass --catalog DIR" in result.stderr


def test_a_reader_gone_before_the_first_line_ends_quietly(make_catalog: MakeCatalog) -> None:
    root = make_catalog({MODEL: FULL_MODEL.replace("input = 0.05", "input = -1")})
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run(
            [MODELS, "validate", "--catalog", str(root)],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(writer)
    assert result.returncode == 141
    assert "Broken pipe" not in result.stderr and "Traceback" not in result.stderr


def test_a_closed_pipe_ends_quietly(reference_catalog: Path, tmp_path: Path) -> None:
    # stderr goes to a file: a pipe nobody reads while stdout is read could fill and block.
    with (tmp_path / "stderr").open("w+b") as stderr:
        with subprocess.Popen(
            [MODELS, "fmt", "--check", "--catalog", str(reference_catalog)],
            stdout=subprocess.PIPE,
            stderr=stderr,
        ) as process:
            assert process.stdout is not None
            process.stdout.readline()
            process.stdout.close()
            status = process.wait(timeout=60)
        stderr.seek(0)
        errors = stderr.read().decode()
    assert status == 141
    assert "Broken pipe" not in errors and "Traceback" not in errors


def test_list_providers_json_off_a_terminal_and_a_target_is_refused() -> None:
    listed = models("sync", "--list-providers")
    assert {"provider": "openrouter", "name": "OpenRouter"} in json.loads(listed.stdout)["include"]
    refused = models("sync", "--list-providers", "openrouter")
    assert refused.returncode == 2
    assert refused.stderr == "error: --list-providers takes no target (got 'openrouter')\n"


def test_list_providers_is_a_table_on_a_terminal() -> None:
    shown = ANSI.sub("", on_terminal("sync", "--list-providers"))
    assert re.search(r"PROVIDER +NAME +GROUP", shown)
    assert re.search(r"openrouter +OpenRouter +aggregators", shown)


def test_validate_has_colour_on_a_terminal(make_catalog: MakeCatalog) -> None:
    root = make_catalog({MODEL: FULL_MODEL.replace("input = 0.05", "input = -1")})
    shown = on_terminal("validate", "--catalog", str(root))
    assert "\x1b[" in shown and ": error: cost.input" in ANSI.sub("", shown)


@pytest.mark.parametrize("command", ["validate", "fmt", "sync"])
def test_rich_is_imported_only_for_a_terminal(
    make_catalog: MakeCatalog, tmp_path: Path, command: str
) -> None:
    root = make_catalog({})
    args = {
        "validate": ["validate"],
        "fmt": ["fmt", "--check"],
        "sync": [
            "sync",
            "openrouter",
            "--dry-run",
            "--source",
            str(REPO / "examples/openrouter.json"),
        ],
    }[command]
    code = (
        "import sys\nfrom models_catalog.cli import main\n"
        f"sys.argv = ['models', *{args!r}, '--catalog', {str(root)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('rich' in sys.modules, file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.stderr.splitlines()[-1] == "False", result.stderr


def _copy_catalog(tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(REPO / "catalog", copy)
    return copy


def _synced_copy(tmp_path: Path) -> Path:
    """A copy of the embedded catalog after the README's first sync (examples/openrouter.json)."""
    copy = _copy_catalog(tmp_path)
    first = models(
        "sync",
        "openrouter",
        "--catalog",
        str(copy),
        "--source",
        str(REPO / "examples/openrouter.json"),
    )
    assert first.returncode == 0, first.stderr
    return copy


def test_a_real_sync_prints_field_changes_and_quiet_hides_them(tmp_path: Path) -> None:
    copy = _copy_catalog(tmp_path)
    first = REPO / "examples/openrouter.json"
    assert (
        models("sync", "openrouter", "--catalog", str(copy), "--source", str(first)).returncode == 0
    )
    later = ["sync", "openrouter", "--source", str(REPO / "examples/openrouter-next.json")]
    quiet_copy = tmp_path / "quiet"
    shutil.copytree(copy, quiet_copy)
    real = models(*later, "--catalog", str(copy), cwd=tmp_path)
    assert real.returncode == 0, real.stderr
    assert "changed (0 created, 2 updated, 1 deleted, 0 unchanged)" in real.stdout
    assert "      cost.input: 3 → 2.5\n" in real.stdout
    quiet = models(*later, "-q", "--catalog", str(quiet_copy), cwd=tmp_path)
    assert "  updated: providers/openrouter/models/openai/gpt-5.4-mini.toml" in quiet.stdout
    assert "→" not in quiet.stdout and "report:" not in quiet.stdout


def test_new_only_lists_what_it_skipped(tmp_path: Path) -> None:
    copy = _synced_copy(tmp_path)
    before = snapshot(copy)
    result = models(
        "sync",
        "openrouter",
        "--new-only",
        "--catalog",
        str(copy),
        "--source",
        str(REPO / "examples/openrouter-next.json"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "unchanged (0 created, 0 updated, 0 deleted, 0 unchanged, 3 skipped)" in result.stdout
    assert "  skipped delete: providers/openrouter/models/acme/widget-7b:free.toml" in result.stdout
    assert "  skipped update: providers/openrouter/models/openai/gpt-5.4-mini.toml" in result.stdout
    assert snapshot(copy) == before


def test_sync_json_lists_paths_and_field_changes(tmp_path: Path) -> None:
    copy = _synced_copy(tmp_path)
    result = models(
        "sync",
        "openrouter",
        "--dry-run",
        "--format",
        "json",
        "--catalog",
        str(copy),
        "--source",
        str(REPO / "examples/openrouter-next.json"),
        cwd=tmp_path,
    )
    document = json.loads(result.stdout)
    [provider] = document["providers"]
    assert document["dry_run"] is True and provider["status"] == "changed"
    assert provider["deleted"] == ["providers/openrouter/models/acme/widget-7b:free.toml"]
    assert {
        "path": "providers/openrouter/models/anthropic/claude-sonnet-4.5.toml",
        "changes": [{"field": "cost.input", "old": 3, "new": 2.5}],
    } in provider["updated"]


def test_a_dry_run_shows_a_plan_the_guard_would_refuse(tmp_path: Path) -> None:
    copy = _synced_copy(tmp_path)
    response = json.loads((REPO / "examples/openrouter.json").read_text())
    response["data"] = response["data"][:1]
    saved = tmp_path / "one.json"
    saved.write_text(json.dumps(response))
    before = snapshot(copy)
    dry = models(
        "sync",
        "openrouter",
        "--dry-run",
        "--catalog",
        str(copy),
        "--source",
        str(saved),
        cwd=tmp_path,
    )
    assert dry.returncode == 1
    assert "would change (0 created, 0 updated, 2 deleted, 1 unchanged)" in dry.stdout
    assert "openrouter: a real run would be refused: the plan deletes 2 of 3" in dry.stderr
    real = models(
        "sync", "openrouter", "--catalog", str(copy), "--source", str(saved), cwd=tmp_path
    )
    assert real.returncode == 1 and "--allow-mass-delete" in real.stderr
    assert snapshot(copy) == before
