"""The JSON build: resolved models, compatibility fields, and the reference build."""

from __future__ import annotations

import json
from pathlib import Path

from models_catalog.build import build_catalog, build_model
from models_catalog.catalog import load_catalog

from .conftest import REFERENCE_BUILD, MakeCatalog


def test_build_resolves_models_and_adds_ids(make_catalog: MakeCatalog) -> None:
    build = build_catalog(load_catalog(make_catalog({})))
    provider = build["openrouter"]
    assert provider["id"] == "openrouter" and provider["api"] == "https://openrouter.ai/api/v1"
    sonnet = provider["models"]["anthropic/claude-sonnet-4.5"]
    assert sonnet["id"] == "anthropic/claude-sonnet-4.5"
    assert sonnet["limit"] == {"context": 1_000_000, "output": 64_000}
    assert "base_model" not in sonnet


def test_single_large_context_tier_gives_context_over_200k() -> None:
    tier = {"tier": {"size": 200_000}, "input": 6, "output": 22.5, "bogus": 1}
    model = build_model("m", {"cost": {"input": 3, "output": 15, "tiers": [tier], "typo": 1}})
    assert model["cost"] == {
        "input": 3,
        "output": 15,
        "tiers": [{"input": 6, "output": 22.5, "tier": {"type": "context", "size": 200_000}}],
        "context_over_200k": {"input": 6, "output": 22.5},
    }


def test_small_or_several_tiers_give_no_compatibility_field() -> None:
    small = {"tier": {"size": 128_000}, "input": 1, "output": 2}
    big = {"tier": {"size": 256_000}, "input": 1, "output": 2}
    for tiers in ([small], [small, big]):
        assert "context_over_200k" not in build_model("m", {"cost": {"tiers": tiers}})["cost"]


def test_null_effort_value_becomes_json_null() -> None:
    model = build_model("m", {"reasoning_options": [{"type": "effort", "values": ["null", "low"]}]})
    assert model["reasoning_options"] == [{"type": "effort", "values": [None, "low"]}]


def test_dangling_links_are_skipped(make_catalog: MakeCatalog) -> None:
    root = make_catalog({"providers/openrouter/models/gone.toml": "../../x/models/gone.toml"})
    assert "gone" not in build_catalog(load_catalog(root))["openrouter"]["models"]


def test_reference_build_equals_the_published_json(reference_catalog: Path) -> None:
    expected = json.loads(REFERENCE_BUILD.read_text(encoding="utf-8"))
    assert build_catalog(load_catalog(reference_catalog)) == expected
