"""Reading catalogs: layout, ids, links (real and git stubs), dangling links, inheritance."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models_catalog.catalog import catalog_root, load_catalog, raise_for_unreadable
from models_catalog.errors import CatalogFileError, UsageError
from models_catalog.inherit import deep_merge, omit_paths, resolve

from .conftest import FULL_MODEL, MakeCatalog


def test_ids_come_from_paths_below_models(make_catalog: MakeCatalog) -> None:
    root = make_catalog(
        {
            "providers/openrouter/models/qwen/qwen3-8b:free.toml": FULL_MODEL,
            "providers/openrouter/models/~anthropic/claude-latest.toml": FULL_MODEL,
        }
    )
    models = load_catalog(root).providers["openrouter"].models
    assert set(models) == {
        "qwen/qwen3-8b",
        "qwen/qwen3-8b:free",
        "~anthropic/claude-latest",
        "anthropic/claude-sonnet-4.5",
    }


def test_real_symlink_is_followed_and_marked(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    link = root / "providers/openrouter/models/alias.toml"
    os.symlink("qwen/qwen3-8b.toml", link)
    entry = load_catalog(root).providers["openrouter"].models["alias"]
    assert entry.is_link and not entry.dangling
    assert entry.data is not None and entry.data["name"] == "Qwen3 8B"


def test_git_link_stub_is_followed_like_a_symlink(make_catalog: MakeCatalog) -> None:
    root = make_catalog({"providers/openrouter/models/alias.toml": "qwen/qwen3-8b.toml"})
    entry = load_catalog(root).providers["openrouter"].models["alias"]
    assert entry.link == "qwen/qwen3-8b.toml"
    assert entry.data is not None and entry.data["name"] == "Qwen3 8B"


@pytest.mark.parametrize("kind", ["symlink", "stub"])
def test_dangling_links_are_kept_without_data(make_catalog: MakeCatalog, kind: str) -> None:
    root = make_catalog({})
    path = root / "providers/openrouter/models/gone.toml"
    if kind == "symlink":
        os.symlink("../../elsewhere/gone.toml", path)
    else:
        path.write_text("../../elsewhere/gone.toml")
    entry = load_catalog(root).providers["openrouter"].models["gone"]
    assert entry.dangling and entry.data is None and entry.link == "../../elsewhere/gone.toml"


def test_broken_toml_is_reported_with_its_line(make_catalog: MakeCatalog) -> None:
    root = make_catalog({"providers/openrouter/models/bad.toml": 'name = "x"\ncost = [\n'})
    entry = load_catalog(root).providers["openrouter"].models["bad"]
    assert entry.parse_error is not None and entry.parse_error.startswith("invalid TOML")
    with pytest.raises(CatalogFileError) as info:
        raise_for_unreadable([entry])
    assert str(info.value).startswith("providers/openrouter/models/bad.toml:")


def test_resolved_form_applies_base_model(make_catalog: MakeCatalog) -> None:
    catalog = load_catalog(make_catalog({}))
    entry = catalog.providers["openrouter"].models["anthropic/claude-sonnet-4.5"]
    resolved = catalog.resolved(entry)
    assert resolved is not None
    assert resolved["limit"] == {"context": 1_000_000, "output": 64_000}
    assert resolved["name"] == "Claude Sonnet 4.5"
    assert "base_model" not in resolved
    assert entry.data is not None and "name" not in entry.data  # the authored form stays factored


def test_catalog_root_uses_environment_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "providers/p").mkdir(parents=True)
    (tmp_path / "providers/p/provider.toml").write_text('name = "P"\n')
    monkeypatch.setenv("MODELS_CATALOG", str(tmp_path))
    assert catalog_root(None) == tmp_path
    monkeypatch.setenv("MODELS_CATALOG", str(tmp_path / "missing"))
    with pytest.raises(UsageError, match=r"does not exist; set MODELS_CATALOG or pass --catalog"):
        catalog_root(None)
    assert catalog_root(tmp_path) == tmp_path
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODELS_CATALOG")
    with pytest.raises(UsageError, match=r"'catalog' does not exist; pass --catalog DIR$"):
        catalog_root(None)


def test_deep_merge_merges_tables_and_replaces_arrays() -> None:
    base = {"limit": {"context": 200_000, "output": 64_000}, "modalities": {"input": ["text"]}}
    merged = deep_merge(base, {"limit": {"context": 1_000_000}, "modalities": {"input": ["image"]}})
    assert merged == {
        "limit": {"context": 1_000_000, "output": 64_000},
        "modalities": {"input": ["image"]},
    }


def test_omit_removes_paths_and_prunes_emptied_tables() -> None:
    data = {"limit": {"input": 5}, "cost": {"input": 1, "output": 2}}
    assert omit_paths(data, ["limit.input", "cost.reasoning", "nothing.here"]) == {
        "cost": {"input": 1, "output": 2}
    }


def test_resolve_drops_metadata_only_keys_and_applies_omit() -> None:
    metadata = {
        "name": "M",
        "license": "MIT",
        "links": [{"url": "https://x.test"}],
        "limit": {"context": 10, "input": 8, "output": 2},
    }
    authored = {"base_model": "lab/m", "base_model_omit": ["limit.input"], "limit": {"context": 20}}
    assert resolve(authored, metadata) == {"name": "M", "limit": {"context": 20, "output": 2}}


def test_reference_catalog_counts(reference_catalog: Path) -> None:
    catalog = load_catalog(reference_catalog)
    files = [m for p in catalog.providers.values() for m in p.models.values()]
    assert len(catalog.providers) == 147
    assert sum(f.is_link for f in files) == 209
    assert sum(f.dangling for f in files) == 31
    assert all(f.parse_error is None for f in catalog.all_files())
