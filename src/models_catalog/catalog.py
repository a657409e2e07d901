"""Reading a catalog directory: families, model metadata, providers and their model files.

Every file is read with `tomllib`. Model files may be symbolic links, or the plain-text link
stubs git writes in their place when `core.symlinks` is off (the file holds only the relative
target path); both are followed, and links whose target is missing are kept as dangling.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
import tomllib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

import pydantic

from . import __version__
from .errors import CatalogFileError, UsageError
from .inherit import resolve
from .parsecache import Entries, Hit, ParseCache, signature
from .schema import (
    Problem,
    check_metadata,
    check_provider,
    check_provider_model_fields,
)

FileKind = Literal["metadata", "provider-model", "provider", "families"]

MODELS_DIR = "models"
PROVIDERS_DIR = "providers"
FAMILIES_FILE = "families.toml"
PROVIDER_FILE = "provider.toml"

_LINK_STUB = re.compile(rb"[^\n\r\0=\[\]{}\"'#]+\.toml\n?")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_TOML_END = re.compile(r"\(at end of document\)")
_MAX_LINK_HOPS = 16
_PARALLEL_THRESHOLD = 1500


def _fingerprint() -> str:
    """Identifies the code that checks single files: a change to it invalidates cached checks."""
    digest = hashlib.sha256(f"{__version__} {pydantic.VERSION}".encode())
    for module in ("schema.py", "catalog.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()[:16]


CHECKS_FINGERPRINT = _fingerprint()


@dataclass(frozen=True, slots=True)
class CatalogFile:
    """One file as read: `data` is its parsed content (the target's, for a link)."""

    rel: str
    kind: FileKind
    link: str | None = None
    dangling: bool = False
    data: dict[str, Any] | None = None
    problems: tuple[Problem, ...] = ()
    parse_error: str | None = None
    parse_line: int | None = None

    @property
    def is_link(self) -> bool:
        return self.link is not None

    @property
    def readable(self) -> bool:
        return self.data is not None


@dataclass(slots=True)
class ProviderDir:
    id: str
    file: CatalogFile | None
    models: dict[str, CatalogFile] = field(default_factory=dict)


@dataclass(slots=True)
class Catalog:
    root: Path
    families: list[str] | None
    families_file: CatalogFile | None
    metadata: dict[str, CatalogFile]
    providers: dict[str, ProviderDir]

    @property
    def family_set(self) -> frozenset[str] | None:
        return None if self.families is None else frozenset(self.families)

    def metadata_fields(self, model_id: str) -> dict[str, Any] | None:
        entry = self.metadata.get(model_id)
        return entry.data if entry is not None else None

    def resolved(self, entry: CatalogFile) -> dict[str, Any] | None:
        """The provider model in force for a file, or None if it cannot be resolved."""
        if entry.data is None:
            return None
        base = entry.data.get("base_model")
        if base is None:
            return resolve(entry.data, None)
        metadata = self.metadata_fields(base) if isinstance(base, str) else None
        if metadata is None:
            return None
        return resolve(entry.data, metadata)

    def all_files(self) -> list[CatalogFile]:
        files = [self.families_file] if self.families_file else []
        files += self.metadata.values()
        for provider in self.providers.values():
            if provider.file is not None:
                files.append(provider.file)
            files += provider.models.values()
        return files


def catalog_root(option: Path | None) -> Path:
    """The catalog folder: `--catalog`, else `$MODELS_CATALOG`, else `./catalog`."""
    root = option or Path(os.environ.get("MODELS_CATALOG") or "catalog")
    if not root.is_dir():
        raise UsageError(f"catalog folder {str(root)!r} does not exist (use --catalog DIR)")
    return root


def model_id(rel_to_models: str) -> str:
    return rel_to_models.removesuffix(".toml")


def _read(path: str, rel: str, kind: FileKind, cache: ParseCache) -> CatalogFile:
    link: str | None = None
    current = path
    for _ in range(_MAX_LINK_HOPS):
        try:
            info = os.lstat(current)
        except (FileNotFoundError, NotADirectoryError):
            return CatalogFile(rel, kind, link=link, dangling=True)
        if stat.S_ISLNK(info.st_mode):
            target = os.readlink(current)
            link = link or target
            current = os.path.join(os.path.dirname(current), target)
            continue
        sig = signature(info)
        hit: Hit | None = cache.lookup(current, sig)
        if hit is None:
            try:
                with open(current, "rb") as handle:
                    raw = handle.read()
            except OSError as exc:
                return CatalogFile(
                    rel, kind, link=link, parse_error=f"cannot read file: {exc.strerror}"
                )
            if len(raw) < 1024 and _LINK_STUB.fullmatch(raw) is not None:
                hit = ("link", raw.decode("utf-8").strip(), {})
            else:
                parsed = _parse(raw)
                if isinstance(parsed, tuple):
                    message, line = parsed
                    return CatalogFile(rel, kind, link=link, parse_error=message, parse_line=line)
                hit = ("toml", parsed, {})
            cache.store(current, sig, *hit)
        payload, checks = hit[1], hit[2]
        if isinstance(payload, str):  # a git link stub: its target
            link = link or payload
            current = os.path.join(os.path.dirname(current), payload)
            continue
        data: dict[str, Any] = payload
        checked = checks.get(f"{CHECKS_FINGERPRINT}:{kind}")
        if checked is None:
            problems = tuple(_field_problems(kind, data))
            checked = tuple((p.key, p.message, p.warning) for p in problems)
            cache.store(
                current, sig, "toml", data, {**checks, f"{CHECKS_FINGERPRINT}:{kind}": checked}
            )
        else:
            problems = tuple(Problem(*found) for found in checked)
        return CatalogFile(rel, kind, link=link, data=data, problems=problems)
    return CatalogFile(rel, kind, link=link, parse_error="too many levels of links")


def _parse(raw: bytes) -> dict[str, Any] | tuple[str, int | None]:
    """The parsed table, or an error message and its line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "file is not valid UTF-8", None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_LINE.search(message)
        line = int(match.group(1)) if match else None
        if _TOML_END.search(message):
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
        message = _TOML_END.sub("", _TOML_LINE.sub("", message)).strip()
        return f"invalid TOML: {message}", line


def _field_problems(kind: FileKind, data: dict[str, Any]) -> list[Problem]:
    if kind == "metadata":
        return check_metadata(data)
    if kind == "provider-model":
        return check_provider_model_fields(data)
    if kind == "provider":
        return check_provider(data)
    families = data.get("families")
    if not isinstance(families, list) or not all(isinstance(f, str) and f for f in families):
        return [Problem("families", "must be a list of non-empty strings")]
    return []


def _read_batch(
    root: str, jobs: Sequence[tuple[str, FileKind]], cache: ParseCache
) -> tuple[list[CatalogFile], dict[str, Entries]]:
    return [_read(os.path.join(root, rel), rel, kind, cache) for rel, kind in jobs], cache.new


def read_files(root: Path, jobs: Sequence[tuple[str, FileKind]]) -> list[CatalogFile]:
    """Read and check many files: through the parse cache, and on two processes when enough
    of them miss it to pay off."""
    root = root.resolve()
    cache = ParseCache.for_root(root)
    parallel = (os.cpu_count() or 1) >= 2 and sys.platform == "linux"
    if parallel and len(jobs) >= _PARALLEL_THRESHOLD and _mostly_uncached(root, jobs, cache):
        half = len(jobs) // 2
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork")) as pool:
            future = pool.submit(_read_batch, str(root), jobs[half:], cache)
            first, _ = _read_batch(str(root), jobs[:half], cache)
            second, found = future.result()
        cache.merge(found)
        files = first + second
    else:
        files, _ = _read_batch(str(root), jobs, cache)
    cache.save()
    return files


def _mostly_uncached(root: Path, jobs: Sequence[tuple[str, FileKind]], cache: ParseCache) -> bool:
    """Whether a sample of the jobs misses the cache: then parsing is worth a second process."""
    sample = jobs[:: max(1, len(jobs) // 50)]
    misses = 0
    for rel, _ in sample:
        key = os.path.join(str(root), rel)
        try:
            hit = cache.lookup(key, signature(os.lstat(key)))
        except OSError:
            continue
        misses += hit is None
    return misses * 2 > len(sample)


def _toml_files(folder: Path) -> list[str]:
    """Every `*.toml` below `folder`, relative to it, sorted; following linked folders."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames.sort()
        prefix = os.path.relpath(dirpath, folder)
        for name in filenames:
            if name.endswith(".toml"):
                found.append(name if prefix == "." else f"{prefix}/{name}".replace(os.sep, "/"))
    found.sort()
    return found


def provider_model_jobs(root: Path, provider_id: str) -> list[tuple[str, FileKind]]:
    models = root / PROVIDERS_DIR / provider_id / MODELS_DIR
    prefix = f"{PROVIDERS_DIR}/{provider_id}/{MODELS_DIR}/"
    return [(prefix + rel, "provider-model") for rel in _toml_files(models)]


def metadata_jobs(root: Path) -> list[tuple[str, FileKind]]:
    return [(f"{MODELS_DIR}/{rel}", "metadata") for rel in _toml_files(root / MODELS_DIR)]


def provider_ids(root: Path) -> list[str]:
    folder = root / PROVIDERS_DIR
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir())


def load_catalog(
    root: Path,
    *,
    providers: Iterable[str] | None = None,
    reader: Callable[[Path, Sequence[tuple[str, FileKind]]], list[CatalogFile]] = read_files,
) -> Catalog:
    """Read the catalog at `root`: every provider, or only those named in `providers`."""
    wanted = provider_ids(root) if providers is None else list(providers)
    jobs: list[tuple[str, FileKind]] = []
    if (root / FAMILIES_FILE).exists():
        jobs.append((FAMILIES_FILE, "families"))
    jobs += metadata_jobs(root)
    for pid in wanted:
        if (root / PROVIDERS_DIR / pid / PROVIDER_FILE).exists():
            jobs.append((f"{PROVIDERS_DIR}/{pid}/{PROVIDER_FILE}", "provider"))
        jobs += provider_model_jobs(root, pid)
    files = reader(root, jobs)

    families_file: CatalogFile | None = None
    metadata: dict[str, CatalogFile] = {}
    dirs = {pid: ProviderDir(pid, None) for pid in wanted}
    for entry in files:
        if entry.kind == "families":
            families_file = entry
        elif entry.kind == "metadata":
            metadata[model_id(entry.rel.removeprefix(f"{MODELS_DIR}/"))] = entry
        else:
            pid, rest = entry.rel.removeprefix(f"{PROVIDERS_DIR}/").split("/", 1)
            if entry.kind == "provider":
                dirs[pid].file = entry
            else:
                dirs[pid].models[model_id(rest.removeprefix(f"{MODELS_DIR}/"))] = entry
    families: list[str] | None = None
    if families_file is not None and families_file.data is not None and not families_file.problems:
        families = list(families_file.data["families"])
    return Catalog(root, families, families_file, metadata, dirs)


def raise_for_unreadable(files: Iterable[CatalogFile]) -> None:
    """Stop at the first file that cannot be parsed or whose own fields are invalid."""
    for entry in files:
        if entry.parse_error is not None:
            raise CatalogFileError(entry.rel, entry.parse_error, entry.parse_line)
        errors = [p for p in entry.problems if not p.warning]
        if errors:
            problem = errors[0]
            where = f"{problem.key}: " if problem.key else ""
            raise CatalogFileError(entry.rel, f"{where}{problem.message}")
