"""`[sync] ignore` in a provider.toml: globs of model ids that a sync treats as absent upstream."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from ..catalog import Catalog


def ignore_globs(catalog: Catalog, provider_id: str) -> tuple[str, ...]:
    """The provider's ignore globs (the file was checked when the catalog was read)."""
    folder = catalog.providers.get(provider_id)
    data = folder.file.data if folder is not None and folder.file is not None else None
    settings = (data or {}).get("sync") or {}
    return tuple(settings.get("ignore") or ())


def is_ignored(model_id: str, globs: Sequence[str]) -> bool:
    """Whether a glob matches the whole id: case-sensitive, `*` also spans `/`."""
    return any(fnmatchcase(model_id, glob) for glob in globs)
