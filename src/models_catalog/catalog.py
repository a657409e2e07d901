"""Reading a catalog directory: families, model metadata, providers and their model files.

Every file is read with the one TOML reader (`tomlread`). Model files may be symbolic links, or
the plain-text link stubs git writes in their place when `core.symlinks` is off (the file holds
only the relative target path); both are followed while they stay inside the catalog, and links
whose target is missing are kept as dangling. Only regular files are read.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

from .errors import CatalogFileError, UsageError
from .gcpause import without_cycle_collection
from .inherit import resolve
from .schema import (
    Problem,
    check_metadata,
    check_provider,
    check_provider_model_fields,
)
from .tomlread import MAX_BYTES, TomlError, parse_toml

FileKind = Literal["metadata", "provider-model", "provider", "families"]

MODELS_DIR = "models"
PROVIDERS_DIR = "providers"
FAMILIES_FILE = "families.toml"
PROVIDER_FILE = "provider.toml"

_LINK_STUB = re.compile(rb"[^\n\r\0=\[\]{}\"'#]+\.toml\n?")
_MAX_LINK_HOPS = 16


class CatalogFile(NamedTuple):
    """One file as read: `data` is its parsed content (the target's, for a link)."""

    rel: str
    kind: FileKind
    link: str | None = None
    dangling: bool = False
    data: dict[str, Any] | None = None
    problems: tuple[Problem, ...] = ()
    parse_error: str | None = None
    parse_line: int | None = None
    folder: bool = False

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
    folders: list[CatalogFile] = field(default_factory=list)

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
        files += self.folders
        files += self.metadata.values()
        for provider in self.providers.values():
            if provider.file is not None:
                files.append(provider.file)
            files += provider.models.values()
        return files


def catalog_root(option: Path | None) -> Path:
    """The catalog folder: `--catalog`, else `$MODELS_CATALOG`, else `./catalog`.

    A catalog is a folder with a `providers/` folder holding at least one
    `providers/<id>/provider.toml`; anything else is refused, naming where the folder came from.
    """
    from_env = option is None and bool(os.environ.get("MODELS_CATALOG"))
    root = option or Path(os.environ.get("MODELS_CATALOG") or "catalog")
    named = f"{str(root)!r} (from $MODELS_CATALOG)" if from_env else repr(str(root))
    fix = "set MODELS_CATALOG or pass --catalog DIR" if from_env else "pass --catalog DIR"
    if not root.exists():
        raise UsageError(f"catalog folder {named} does not exist; {fix}")
    if not root.is_dir():
        raise UsageError(f"catalog {named} is not a folder; {fix}")
    providers = root / PROVIDERS_DIR
    if not any(providers.glob("*/provider.toml")):
        raise UsageError(
            f"{named} is not a catalog: expected a {PROVIDERS_DIR}/ folder with "
            f"{PROVIDERS_DIR}/<id>/provider.toml files; {fix}"
        )
    return root


def model_id(rel_to_models: str) -> str:
    return rel_to_models.removesuffix(".toml")


class FileJob(NamedTuple):
    """A file to read, or (with `problem`) a folder that could not be walked: reported as such."""

    rel: str
    kind: FileKind
    problem: str | None = None


class _Reader:
    """Reads files of one catalog; follows links only while they stay inside it."""

    def __init__(self, root: Path) -> None:
        self.root = os.path.abspath(root)
        self.real_root = os.path.realpath(root)
        self.real_folders: dict[str, str] = {}

    def inside(self, path: str) -> bool:
        """Whether `path` lies inside the catalog once every folder link on the way to it is
        resolved (the last part is not: if it is a link, its target is checked in turn)."""
        folder, name = os.path.split(os.path.normpath(path))
        real = os.path.join(self._real_folder(folder), name)
        return real.startswith(self.real_root + os.sep)

    def _real_folder(self, folder: str) -> str:
        real = self.real_folders.get(folder)
        if real is None:
            parent, name = os.path.split(folder)
            if not name or os.path.islink(folder):
                real = os.path.realpath(folder)
            else:
                real = os.path.join(self._real_folder(parent), name)
            self.real_folders[folder] = real
        return real

    def locate(self, job: FileJob) -> tuple[str | None, bytes] | CatalogFile:
        """What `target` finds for a job (a folder job is its problem)."""
        if job.problem is not None:
            return CatalogFile(job.rel, job.kind, parse_error=job.problem, folder=True)
        return self.target(job.rel, job.kind)

    def target(self, rel: str, kind: FileKind) -> tuple[str | None, bytes] | CatalogFile:
        """The first link of a file (if it is one) and the bytes of the regular file it leads
        to; or, when it leads to none, the file as unreadable or dangling."""
        link: str | None = None
        current = os.path.join(self.root, rel)
        if kind in ("provider", "families") and not self.inside(current):
            return CatalogFile(rel, kind, parse_error="file lies outside the catalog; not read")
        for _ in range(_MAX_LINK_HOPS):
            try:
                raw = _read_regular(current)
            except (FileNotFoundError, NotADirectoryError):
                return CatalogFile(rel, kind, link=link, dangling=True)
            except OSError as exc:
                if exc.errno != errno.ELOOP or not os.path.islink(current):
                    return CatalogFile(rel, kind, link=link, parse_error=_unopenable(current, exc))
                target = os.readlink(current)
                link = link or target
                current = os.path.join(os.path.dirname(current), target)
                if not self.inside(current):
                    return CatalogFile(rel, kind, link=link, parse_error=_outside(target))
                continue
            except TomlError as exc:
                return CatalogFile(rel, kind, link=link, parse_error=exc.message)
            if len(raw) < 1024 and _LINK_STUB.fullmatch(raw) is not None:
                target = raw.decode("utf-8").strip()
                link = link or target
                current = os.path.join(os.path.dirname(current), target)
                if not self.inside(current):
                    return CatalogFile(rel, kind, link=link, parse_error=_outside(target))
                continue
            return link, raw
        return CatalogFile(rel, kind, link=link, parse_error="too many levels of links")


def _read_regular(path: str) -> bytes:
    """The bytes of a regular file. Opened without following a link (a link fails with ELOOP)
    and without blocking, so that a FIFO is refused, never waited on."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TomlError(_not_regular(info.st_mode))
        if info.st_size > MAX_BYTES:
            raise _too_big()
        wanted = info.st_size + 1
        raw = os.read(fd, wanted)
        if len(raw) < wanted:  # the whole file, in one read
            return raw
        chunks = [raw]
        size = len(raw)
        while chunk := os.read(fd, 65536):  # it grew since fstat
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BYTES:
                raise _too_big()
        return b"".join(chunks)
    finally:
        os.close(fd)


def _too_big() -> TomlError:
    return TomlError(f"file is larger than {MAX_BYTES // 1024} KiB; not read")


def _unopenable(path: str, exc: OSError) -> str:
    """Why a file could not be opened: what it is when it is no regular file (a socket)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return _cannot_read(exc)
    return _cannot_read(exc) if stat.S_ISREG(mode) else _not_regular(mode)


def _cannot_read(exc: OSError) -> str:
    return f"cannot read file: {exc.strerror or exc}"


def _outside(target: str) -> str:
    return f"link target {target!r} lies outside the catalog; not read"


def _not_regular(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        what = "a FIFO"
    elif stat.S_ISSOCK(mode):
        what = "a socket"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "a device"
    elif stat.S_ISDIR(mode):
        what = "a folder"
    else:
        what = "not a regular file"
    return f"is {what}, not a regular file; not read"


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


def read_files(root: Path, jobs: Sequence[FileJob]) -> list[CatalogFile]:
    """Read, parse and check each file (a folder job becomes its problem). Each step runs over
    every file before the next starts: tight loops run markedly faster than one alternating
    between system calls, the parser and the checks."""
    reader = _Reader(root)
    found = [reader.locate(job) for job in reversed(jobs)]
    files: list[CatalogFile] = []
    with without_cycle_collection():
        for job in jobs:
            item = found.pop()  # each file's bytes are let go once parsed
            if isinstance(item, CatalogFile):
                files.append(item)
                continue
            link, raw = item
            try:
                data = parse_toml(raw)
            except TomlError as exc:
                files.append(
                    CatalogFile(
                        job.rel, job.kind, link, parse_error=exc.message, parse_line=exc.line
                    )
                )
                continue
            files.append(CatalogFile(job.rel, job.kind, link=link, data=data))
        return [_checked(entry) for entry in files]


def _checked(entry: CatalogFile) -> CatalogFile:
    if entry.data is None:
        return entry
    problems = _field_problems(entry.kind, entry.data)
    return entry._replace(problems=tuple(problems)) if problems else entry


def toml_files(root: Path, folder: Path, kind: FileKind) -> list[FileJob]:
    """A job for every `*.toml` below `folder`, sorted, with paths relative to `root`; linked
    folders are followed while they stay inside the catalog and do not loop back (by real
    path); a folder that cannot be listed, leaves the catalog or loops is a problem job."""
    real_root = os.path.realpath(root)
    base = folder.relative_to(root).as_posix()
    start = os.path.realpath(folder)
    if not (start == real_root or start.startswith(real_root + os.sep)):
        return [FileJob(base, kind, "folder lies outside the catalog; not read")]
    jobs: list[FileJob] = []
    pending: list[tuple[str, tuple[str, ...]]] = [(base, (start,))]
    while pending:
        rel, ancestors = pending.pop()
        try:
            with os.scandir(os.path.join(root, rel)) as listing:
                entries = list(listing)
        except FileNotFoundError:
            if rel == base:
                return []
            jobs.append(FileJob(rel, kind, "folder vanished while being read"))
            continue
        except OSError as exc:
            jobs.append(FileJob(rel, kind, f"cannot read folder: {exc.strerror or exc}"))
            continue
        for entry in entries:
            child = f"{rel}/{entry.name}"
            if entry.is_symlink() and _is_dir(entry):
                real = os.path.realpath(entry.path)
                if not (real == real_root or real.startswith(real_root + os.sep)):
                    jobs.append(FileJob(child, kind, "folder link leads outside the catalog"))
                elif real in ancestors:
                    jobs.append(FileJob(child, kind, "folder link loops back; not followed"))
                else:
                    pending.append((child, (*ancestors, real)))
            elif entry.is_dir(follow_symlinks=False):
                pending.append((child, (*ancestors, os.path.join(ancestors[-1], entry.name))))
            elif entry.name.endswith(".toml"):
                jobs.append(FileJob(child, kind))
    jobs.sort(key=lambda job: job.rel)
    return jobs


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def provider_model_jobs(root: Path, provider_id: str) -> list[FileJob]:
    return toml_files(root, root / PROVIDERS_DIR / provider_id / MODELS_DIR, "provider-model")


def metadata_jobs(root: Path) -> list[FileJob]:
    return toml_files(root, root / MODELS_DIR, "metadata")


def provider_ids(root: Path) -> list[str]:
    folder = root / PROVIDERS_DIR
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir())


def load_catalog(
    root: Path,
    *,
    providers: Iterable[str] | None = None,
    reader: Callable[[Path, Sequence[FileJob]], list[CatalogFile]] = read_files,
) -> Catalog:
    """Read the catalog at `root`: every provider, or only those named in `providers`."""
    wanted = provider_ids(root) if providers is None else list(providers)
    jobs: list[FileJob] = []
    if (root / FAMILIES_FILE).exists():
        jobs.append(FileJob(FAMILIES_FILE, "families"))
    jobs += metadata_jobs(root)
    for pid in wanted:
        if (root / PROVIDERS_DIR / pid / PROVIDER_FILE).exists():
            jobs.append(FileJob(f"{PROVIDERS_DIR}/{pid}/{PROVIDER_FILE}", "provider"))
        jobs += provider_model_jobs(root, pid)
    files = reader(root, jobs)

    families_file: CatalogFile | None = None
    metadata: dict[str, CatalogFile] = {}
    folders: list[CatalogFile] = []
    dirs = {pid: ProviderDir(pid, None) for pid in wanted}
    for entry in files:
        if entry.folder:
            folders.append(entry)
        elif entry.kind == "families":
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
    return Catalog(root, families, families_file, metadata, dirs, folders)


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


def read_model_text(root: Path, rel: str, kind: FileKind) -> str:
    """The text a model file holds: its own, or that of the file its links lead to, read as
    when reading the catalog."""
    found = _Reader(root).target(rel, kind)
    if isinstance(found, CatalogFile):
        raise CatalogFileError(rel, found.parse_error or "the file its link names is missing")
    try:
        return found[1].decode("utf-8")
    except UnicodeDecodeError:
        raise CatalogFileError(rel, "file is not valid UTF-8") from None
