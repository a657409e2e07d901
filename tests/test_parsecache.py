"""The parse cache: hits skip tomllib, any edit misses, a corrupt cache is ignored."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from models_catalog.catalog import load_catalog
from models_catalog.parsecache import cache_dir

from .conftest import MakeCatalog

MODEL = "providers/openrouter/models/qwen/qwen3-8b.toml"


def _forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(text: str) -> dict[str, Any]:
        raise AssertionError("tomllib was called")

    monkeypatch.setattr(tomllib, "loads", fail)


def test_second_read_comes_from_the_cache(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_catalog({})
    first = load_catalog(root)
    _forbid_parsing(monkeypatch)
    second = load_catalog(root)
    assert second.providers["openrouter"].models["qwen/qwen3-8b"].data == (
        first.providers["openrouter"].models["qwen/qwen3-8b"].data
    )


def test_an_edit_with_same_size_and_restored_mtime_is_seen(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    path = root / MODEL
    load_catalog(root)
    info = path.stat()
    path.write_text(path.read_text().replace("0.05", "0.07"))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size
    data = load_catalog(root).providers["openrouter"].models["qwen/qwen3-8b"].data
    assert data is not None and data["cost"]["input"] == 0.07


def test_corrupt_cache_is_ignored(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    load_catalog(root)
    folder = cache_dir()
    assert folder is not None
    shards = [f for f in folder.rglob("*.marshal")]
    assert shards
    for file in shards:
        file.write_bytes(b"\x00garbage")
    data = load_catalog(root).providers["openrouter"].models["qwen/qwen3-8b"].data
    assert data == tomllib.loads((root / MODEL).read_text())


def test_cache_can_be_turned_off(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MODELS_NO_CACHE", "1")
    assert cache_dir() is None
    load_catalog(make_catalog({}))
    folder = Path(os.environ["MODELS_CACHE_DIR"])
    assert not any(folder.rglob("*.marshal"))


def test_reading_one_provider_loads_only_its_shards(make_catalog: MakeCatalog) -> None:
    root = make_catalog({"providers/other/models/m.toml": 'name = "M"\n'})
    load_catalog(root)
    from models_catalog.parsecache import ParseCache

    cache = ParseCache.for_root(root)
    assert cache.lookup(str(root.resolve() / MODEL), (0, 0, 0, 0)) is None
    assert set(cache.old) == {"providers-openrouter"}


def test_field_checks_are_cached_until_the_checking_code_changes(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    import models_catalog.catalog as catalog_module

    root = make_catalog({MODEL: "name = 3\n"})
    first = load_catalog(root).providers["openrouter"].models["qwen/qwen3-8b"].problems
    assert any(p.key == "name" for p in first)

    def fail(kind: str, data: dict[str, Any]) -> list[Any]:
        raise AssertionError("checks ran again")

    monkeypatch.setattr(catalog_module, "_field_problems", fail)
    again = load_catalog(root).providers["openrouter"].models["qwen/qwen3-8b"].problems
    assert again == first
    monkeypatch.setattr(catalog_module, "CHECKS_FINGERPRINT", "changed-code")
    with pytest.raises(AssertionError, match="checks ran again"):
        load_catalog(root)


def test_no_home_folder_means_no_cache_not_a_failure(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("MODELS_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", no_home)
    assert cache_dir() is None
    assert load_catalog(make_catalog({})).providers["openrouter"].models
