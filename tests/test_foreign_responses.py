"""A provider refuses a response that is another provider's model list, with one sentence.

Each sample below has the record shape of one provider's real API. Replayed with `--source` for
every provider of the starter catalog, it is refused by every provider that does not serve that
shape, and the catalog is left exactly as it was.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from models_catalog.cli import app

from .conftest import snapshot

STARTER_CATALOG = Path(__file__).resolve().parents[1] / "catalog"
PROVIDERS = ("openrouter", "cloudflare-workers-ai", "google", "xai", "ovhcloud")
PRICING = {"prompt": "0.000001", "completion": "0.000002"}

SAMPLES: dict[str, tuple[Any, frozenset[str], str]] = {
    "openrouter": (
        {
            "data": [
                {
                    "id": "anthropic/claude-sonnet-4.5",
                    "name": "Anthropic: Claude Sonnet 4.5",
                    "created": 1_759_104_000,
                    "context_length": 1_000_000,
                    "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
                    "pricing": PRICING,
                    "top_provider": {"context_length": 1_000_000, "max_completion_tokens": 64_000},
                    "supported_parameters": ["tools"],
                }
            ]
        },
        frozenset({"openrouter"}),
        "OpenRouter's models list (records with an `architecture` table)",
    ),
    "google": (
        {
            "models": [
                {
                    "name": "models/gemini-2.5-pro",
                    "displayName": "Gemini 2.5 Pro",
                    "inputTokenLimit": 1_048_576,
                    "outputTokenLimit": 65_536,
                    "thinking": True,
                }
            ]
        },
        frozenset({"google"}),
        "Google's models list (records named `models/…`)",
    ),
    "xai": (
        {
            "models": [
                {
                    "id": "grok-4.3",
                    "created": 1_776_384_000,
                    "aliases": ["grok-4.3-latest"],
                    "input_modalities": ["text", "image"],
                    "output_modalities": ["text"],
                    "prompt_text_token_price": 12_500,
                    "completion_text_token_price": 25_000,
                    "max_prompt_length": 1_000_000,
                }
            ]
        },
        frozenset({"xai"}),
        "xAI's model lists (records with xAI token prices or aliases)",
    ),
    "cloudflare": (
        {
            "success": True,
            "errors": [],
            "result": [
                {
                    "id": "@cf/meta/llama-3.1-8b-instruct",
                    "name": "llama-3.1-8b-instruct",
                    "created": 1_721_692_800,
                    "context_length": 128_000,
                    "input_modalities": ["text"],
                    "output_modalities": ["text"],
                    "pricing": PRICING,
                    "supported_features": ["tools"],
                }
            ],
        },
        frozenset({"cloudflare-workers-ai"}),
        "Cloudflare Workers AI's model search (ids such as '@cf/meta/llama-3.1-8b-instruct')",
    ),
    # OVHcloud serves the same flat records as Cloudflare, without Cloudflare's ids: either may
    # take it, nobody else.
    "ovhcloud": (
        {
            "data": [
                {
                    "id": "Meta-Llama-3_3-70B-Instruct",
                    "name": "Meta-Llama-3_3-70B-Instruct",
                    "created": 1_733_356_800,
                    "context_length": 131_072,
                    "max_output_length": 131_072,
                    "input_modalities": ["text"],
                    "output_modalities": ["text"],
                    "pricing": PRICING,
                    "supported_features": ["tools"],
                    "supported_sampling_parameters": ["temperature"],
                }
            ]
        },
        frozenset({"ovhcloud", "cloudflare-workers-ai"}),
        "a flat provider listing such as OVHcloud's or Cloudflare Workers AI's",
    ),
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("responses")
    paths = {}
    for name, (body, _, _) in SAMPLES.items():
        paths[name] = folder / f"{name}.json"
        paths[name].write_text(json.dumps(body), encoding="utf-8")
    return paths


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_another_providers_response_is_refused_and_changes_nothing(
    provider: str,
    sample: str,
    saved: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # the report goes to ./.sync
    root = Path(shutil.copytree(STARTER_CATALOG, tmp_path / "catalog", symlinks=True))
    before = snapshot(root)
    _, owners, description = SAMPLES[sample]
    args = ["sync", provider, "--catalog", str(root), "--source", str(saved[sample])]
    result = CliRunner().invoke(app, args)
    if provider in owners:
        assert "looks like" not in result.stdout + result.stderr
        return
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"{provider}: failed: the response looks like {description}, not this provider's; "
        "refusing to sync it"
    )
    assert snapshot(root) == before
