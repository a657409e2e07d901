"""Shared fixtures: small catalogs written into tmp_path, and the optional reference catalog."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import respx

from models_catalog.http import HttpClient

# MODELS_REFERENCE_ROOT runs the reference tests on another copy (say, one with real symlinks).
REFERENCE_ROOT = Path(
    os.environ.get("MODELS_REFERENCE_ROOT")
    or Path(__file__).resolve().parents[2] / "shared" / "reference"
)
REFERENCE_CATALOG = REFERENCE_ROOT / "models-dev"
REFERENCE_BUILD = REFERENCE_ROOT / "models-dev.api.json"
REAL_RESPONSES = REFERENCE_ROOT.parent / "real-responses"
"""Recorded real provider responses, one folder per provider (see the README there)."""

FAMILIES = 'families = ["claude-sonnet", "gpt", "qwen", "o"]\n'
OPENROUTER = textwrap.dedent(
    """\
    name = "OpenRouter"
    env = ["OPENROUTER_API_KEY"]
    npm = "@openrouter/ai-sdk-provider"
    api = "https://openrouter.ai/api/v1"
    doc = "https://openrouter.ai/models"
    """
)
SONNET_METADATA = textwrap.dedent(
    """\
    name = "Claude Sonnet 4.5"
    family = "claude-sonnet"
    release_date = "2025-09-29"
    last_updated = "2025-09-29"
    attachment = true
    reasoning = true
    temperature = true
    tool_call = true
    knowledge = "2025-07-31"
    open_weights = false

    [limit]
    context = 200_000
    output = 64_000

    [modalities]
    input = ["text", "image", "pdf"]
    output = ["text"]
    """
)
FULL_MODEL = textwrap.dedent(
    """\
    name = "Qwen3 8B"
    family = "qwen"
    release_date = "2025-04-28"
    last_updated = "2025-04-28"
    attachment = false
    reasoning = false
    temperature = true
    tool_call = true
    open_weights = true

    [cost]
    input = 0.05
    output = 0.4

    [limit]
    context = 40_960
    output = 8_192

    [modalities]
    input = ["text"]
    output = ["text"]
    """
)
FACTORED_MODEL = textwrap.dedent(
    """\
    base_model = "anthropic/claude-sonnet-4-5"
    structured_output = true
    reasoning_options = []

    [cost]
    input = 3
    output = 15

    [limit]
    context = 1_000_000
    """
)

MakeCatalog = Callable[[dict[str, str]], Path]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def base_files() -> dict[str, str]:
    return {
        "families.toml": FAMILIES,
        "models/anthropic/claude-sonnet-4-5.toml": SONNET_METADATA,
        "providers/openrouter/provider.toml": OPENROUTER,
        "providers/openrouter/models/qwen/qwen3-8b.toml": FULL_MODEL,
        "providers/openrouter/models/anthropic/claude-sonnet-4.5.toml": FACTORED_MODEL,
    }


@pytest.fixture
def make_catalog(tmp_path: Path) -> MakeCatalog:
    """Write a valid small catalog, with `overrides` (path → text; "" removes the file)."""

    def make(overrides: dict[str, str]) -> Path:
        root = tmp_path / "catalog"
        files = {**base_files(), **overrides}
        write_tree(root, {k: v for k, v in files.items() if v != ""})
        return root

    return make


@pytest.fixture
def reference_catalog() -> Path:
    if not REFERENCE_CATALOG.is_dir():
        pytest.skip(f"the shared reference catalog is absent ({REFERENCE_CATALOG})")
    return REFERENCE_CATALOG


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file and link below `root`, for asserting that nothing changed."""
    state: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            state[rel] = f"-> {path.readlink()}"
        elif path.is_file():
            state[rel] = path.read_bytes()
    return state


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    """A respx router: requests without a route fail, routes need not all be called."""
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def client() -> Iterator[HttpClient]:
    """The HTTP client, retrying without waiting."""
    with HttpClient(sleep=lambda _: None) as http:
        yield http
