"""Light start-up: each command imports only the libraries it uses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import MakeCatalog
from .reference_responses import openrouter_response

HEAVY = ("pydantic", "rich", "httpx", "tomlkit", "importlib.metadata")


def imported(*args: str, cwd: Path | None = None) -> dict[str, bool]:
    """Which heavy libraries a run of `models ARGS` imported."""
    code = (
        "import json, sys\nfrom models_catalog.cli import main\n"
        f"sys.argv = ['models', *{list(args)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps({{m: m in sys.modules for m in {list(HEAVY)!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, check=True
    )
    found: dict[str, bool] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_help_imports_none_of_the_heavy_libraries() -> None:
    assert not any(imported("--help").values())


def test_validating_a_valid_catalog_needs_no_pydantic_http_or_editing(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({})
    assert not any(imported("validate", "--catalog", str(root)).values())


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_no_op_replayed_sync_imports_neither_httpx_nor_tomlkit_nor_pydantic(
    make_catalog: MakeCatalog, tmp_path: Path, dry_run: bool
) -> None:
    root = make_catalog({})
    saved = tmp_path / "response.json"
    saved.write_text(json.dumps(openrouter_response(root)))
    args = ["sync", "openrouter", "--catalog", str(root), "--source", str(saved)]
    found = imported(*args, *(["--dry-run"] if dry_run else []), cwd=tmp_path)
    assert found["httpx"] is False and found["tomlkit"] is False
    # OpenRouter's usual response is taken by its plain acceptor.
    assert found["pydantic"] is False
