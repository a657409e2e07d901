"""`models fmt`: rewrite model files into the canonical layout, never losing a value."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import (
    MODELS_DIR,
    PROVIDERS_DIR,
    FileJob,
    FileKind,
    metadata_jobs,
    provider_ids,
    provider_model_jobs,
    read_files,
    toml_files,
)
from .changeset import Change, apply_changes, link_on_the_way
from .errors import CatalogInvalidError, UsageError
from .lock import catalog_lock
from .tomlfmt import format_metadata, format_provider_model, has_comments
from .tomlread import loads

FORMATTERS: dict[FileKind, Callable[[Mapping[str, Any]], str]] = {
    "metadata": format_metadata,
    "provider-model": format_provider_model,
}


@dataclass(slots=True)
class FormatResult:
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    commented: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def same_values(written: Mapping[str, Any], original: Mapping[str, Any]) -> bool:
    """Whether a formatted file reads back to the original values. The layout sorts effort
    values into their canonical order, so those lists compare as sets; nothing else does."""
    return _efforts_sorted(written) == _efforts_sorted(original)


def _efforts_sorted(data: Mapping[str, Any]) -> Mapping[str, Any]:
    options = data.get("reasoning_options")
    if not isinstance(options, list):
        return data
    return {
        **data,
        "reasoning_options": [
            {**o, "values": sorted(map(str, o["values"]))}
            if isinstance(o, dict) and isinstance(o.get("values"), list)
            else o
            for o in options
        ],
    }


def classify(root: Path, path: Path) -> FileKind:
    """Which kind of model file `path` is, from where it lies in the catalog."""
    try:
        parts = path.resolve().relative_to(root.resolve()).parts
    except ValueError:
        raise UsageError(
            f"{path} is not inside the catalog folder {str(root)!r} (paths are relative to the "
            "current folder; pass --catalog DIR for another catalog)"
        ) from None
    if len(parts) >= 2 and parts[0] == MODELS_DIR:
        return "metadata"
    if len(parts) >= 4 and parts[0] == PROVIDERS_DIR and parts[2] == MODELS_DIR:
        return "provider-model"
    raise UsageError(f"{path} is not a model file (models/… or providers/<p>/models/…)")


def _jobs(root: Path, paths: Sequence[Path]) -> list[FileJob]:
    if not paths:
        jobs = metadata_jobs(root)
        for pid in provider_ids(root):
            jobs += provider_model_jobs(root, pid)
        return jobs
    jobs = []
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"{path} does not exist")
        if path.is_dir():
            # Walked as the whole catalog is: a folder that cannot be listed is an error.
            kind = classify(root, path / "any.toml")
            try:
                jobs += toml_files(root.absolute(), path.absolute(), kind)
            except ValueError:
                raise UsageError(f"{path} is not inside the catalog folder {str(root)!r}") from None
            continue
        kind = classify(root, path)
        jobs.append(FileJob(path.absolute().relative_to(root.absolute()).as_posix(), kind))
    return jobs


def format_files(root: Path, paths: Sequence[Path], *, check: bool) -> FormatResult:
    """Format the given files (default: every model file): all of them or, if any file is bad,
    none. Unless checking, the catalog's write lock is held throughout."""
    if check:
        return _format(root, paths, write=False)
    with catalog_lock(root, "models fmt"):
        return _format(root, paths, write=True)


def _format(root: Path, paths: Sequence[Path], *, write: bool) -> FormatResult:
    result = FormatResult()
    problems: list[str] = []
    pending: list[Change] = []
    real = root.resolve()
    for entry in read_files(root, _jobs(root, paths)):
        named = root / entry.rel  # problems name files as validate does: from the given catalog
        if entry.is_link or link_on_the_way(real, entry.rel) is not None:
            result.links.append(entry.rel)
            continue
        if entry.parse_error is not None:
            line = f":{entry.parse_line}" if entry.parse_line is not None else ""
            problems.append(f"{named}{line}: error: {entry.parse_error}")
            continue
        errors = [p for p in entry.problems if not p.warning]
        if errors or entry.data is None:
            problems += [f"{named}: error: {p.key}: {p.message}" for p in errors]
            continue
        text = named.read_text(encoding="utf-8")
        if has_comments(text):
            result.commented.append(entry.rel)
            continue
        output = FORMATTERS[entry.kind](entry.data)
        if not same_values(loads(output), entry.data):
            problems.append(f"{named}: error: formatting would change its values; left as it is")
            continue
        if output == text:
            result.unchanged.append(entry.rel)
        else:
            result.changed.append(entry.rel)
            pending.append(Change(entry.rel, output.encode("utf-8")))
    if problems:
        raise CatalogInvalidError(problems)
    if write and pending:
        apply_changes(root, [MODELS_DIR, PROVIDERS_DIR], pending)
    return result
