"""Formatting the whole reference catalog changes no value consumers read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from models_catalog.build import build_catalog
from models_catalog.catalog import load_catalog
from models_catalog.cli import app
from models_catalog.fmt import format_files

from .conftest import REFERENCE_BUILD


def _efforts_as_sets(build: dict[str, Any]) -> dict[str, Any]:
    for provider in build.values():
        for model in provider["models"].values():
            for option in model.get("reasoning_options") or []:
                if "values" in option:
                    option["values"] = sorted(map(str, option["values"]))
    return build


def test_fmt_of_the_reference_catalog_keeps_its_build(
    reference_catalog: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "catalog"
    # Links stay links (a checkout has git's stubs or real symlinks, 31 of them dangling).
    shutil.copytree(reference_catalog, copy, symlinks=True)
    for path in copy.rglob("*"):
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    first = format_files(copy, [], check=False)
    assert len(first.changed) > 3000 and len(first.unchanged) > 1000
    assert len(first.links) == 209 and len(first.commented) > 600
    assert format_files(copy, [], check=True).changed == []
    expected = json.loads(REFERENCE_BUILD.read_text(encoding="utf-8"))
    assert _efforts_as_sets(build_catalog(load_catalog(copy))) == _efforts_as_sets(expected)


@pytest.mark.parametrize(
    "rel",
    [
        "providers/openrouter/models/deepseek/deepseek-v4-flash.toml",
        "providers/openrouter/models/deepseek/deepseek-v4-pro.toml",
        "providers/openrouter/models/xiaomi/mimo-v2.5.toml",
        "providers/openrouter/models/z-ai/glm-5.2.toml",
        "providers/venice/models/gemini-3-flash-preview.toml",
    ],
)
def test_fmt_keeps_interleaved_before_reasoning_options_byte_for_byte(
    reference_catalog: Path, tmp_path: Path, rel: str
) -> None:
    """These reference files were written by the original formatter, in format.md's order."""
    text = (reference_catalog / rel).read_text(encoding="utf-8")
    assert text.index("[interleaved]") < text.index("[[reasoning_options]]")
    copy = tmp_path / "catalog"
    shutil.copytree(reference_catalog / "models", copy / "models", symlinks=True)
    (copy / rel).parent.mkdir(parents=True)
    shutil.copy(reference_catalog / rel, copy / rel)
    provider = Path(*Path(rel).parts[:2], "provider.toml")
    shutil.copy(reference_catalog / provider, copy / provider)
    result = CliRunner().invoke(app, ["fmt", "--check", "--catalog", str(copy), str(copy / rel)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert (copy / rel).read_text(encoding="utf-8") == text
