"""All-or-nothing writes of catalog files: every change `sync` and `fmt` make goes through
`apply_changes`, in four steps.

1. Check every path before touching the disk: valid UTF-8, safe segments, names the file
   system accepts, inside the folders the run may write, reached through real folders only
   (never a folder link), and no file of the plan is a folder of another file or of the disk.
2. Stage: each new content goes into a temporary file beside its target, and each file that
   will be replaced or removed gets a backup there (a hard link). Full disks, permissions and
   name errors fail here, while nothing visible has changed.
3. Commit by renames and removals, with SIGINT and SIGTERM held until it ends; a failure puts
   back, from the backups, what was already committed.
4. Clean up backups, temporary files and the folders made for a change that did not happen.

Temporary files and backups are named `.models-tmp-<hex>`. Those a killed run left behind are
removed by the next run that writes their folder; `validate` names them; `publish` skips them.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import NamedTuple

from .errors import WriteFailedError, WriteRefusedError
from .files import new_file_mode

TEMP_PREFIX = ".models-tmp-"
LOCK_NAME = ".models.lock"
NAME_MAX = 255
PATH_MAX = 4096
_TEMP = re.compile(r"\.models-tmp-[0-9a-f]{16}")
# What earlier versions of the tool left: `.NAME.XXXXXXXX.tmp` from tempfile.mkstemp.
_OLD_TEMP = re.compile(r"\..+\.toml\.[a-z0-9_]{8}\.tmp")


class Change(NamedTuple):
    """One file of a change set: its path relative to the catalog, and its new bytes (None:
    remove it)."""

    rel: str
    data: bytes | None = None


def is_leftover(name: str) -> bool:
    """Whether a file name is a temporary file or backup of an interrupted write."""
    # Both are hidden files: testing the first character spares most names the patterns.
    return name[:1] == "." and bool(_TEMP.fullmatch(name) or _OLD_TEMP.fullmatch(name))


def temp_name() -> str:
    import secrets  # only writes need it: validate, which imports this module, does not

    return TEMP_PREFIX + secrets.token_hex(8)


def shown(text: str) -> str:
    """`text` printable whatever it holds (a lone surrogate becomes `\\udcff`)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def link_on_the_way(root: Path, rel: str) -> str | None:
    """The first folder on the way from `root` to the file `rel` that is not a real folder (a
    link, or a file), relative to `root`; None when every existing one is real."""
    parts = rel.split("/")[:-1]
    current = root
    for index, part in enumerate(parts):
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return None
        if not stat.S_ISDIR(info.st_mode):
            return "/".join(parts[: index + 1])
    return None


def describe_link(root: Path, rel: str) -> str:
    """`rel` as a sentence part: a link and where it points, or a file."""
    path = root / rel
    if path.is_symlink():
        return f"{shown(rel)} is a link to {shown(os.readlink(path))}"
    return f"{shown(rel)} is a file"


def check_changes(root: Path, within: Sequence[str], changes: Sequence[Change]) -> None:
    """Raise WriteRefusedError for the first change that cannot be made safely."""
    created = [c.rel for c in changes if c.data is not None]
    folders = {rel.rsplit("/", i)[0]: rel for rel in created for i in range(1, rel.count("/") + 1)}
    seen: set[str] = set()
    root_bytes = len(os.fsencode(root))
    for change in changes:
        rel = change.rel
        _check_name(rel)
        if not any(rel.startswith(f"{folder}/") for folder in within):
            allowed = ", ".join(f"{folder}/" for folder in within)
            raise WriteRefusedError(
                f"{shown(rel)} is outside the folders this run writes ({allowed})"
            )
        if rel in seen:
            raise WriteRefusedError(f"{shown(rel)} is planned twice")
        seen.add(rel)
        if rel in folders:
            raise WriteRefusedError(
                f"{shown(rel)} would be both a file and the folder of {shown(folders[rel])}"
            )
        if root_bytes + 1 + len(rel.encode("utf-8")) + len(TEMP_PREFIX) + 16 >= PATH_MAX:
            raise WriteRefusedError(f"the path {shown(rel)} is longer than the system allows")
        blocker = link_on_the_way(root, rel)
        if blocker is not None:
            verb = "written" if change.data is not None else "removed"
            raise WriteRefusedError(
                f"{describe_link(root, blocker)}, not a folder: {shown(rel)} would be {verb} "
                "through it"
            )
        try:
            info = os.lstat(root / rel)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(info.st_mode):
            raise WriteRefusedError(f"{shown(rel)} is a folder, not a file")


def _check_name(rel: str) -> None:
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        raise WriteRefusedError(
            f"the path {shown(rel)} is not valid UTF-8 (it holds a lone surrogate)"
        ) from None
    for segment in rel.split("/"):
        if segment in ("", ".", ".."):
            raise WriteRefusedError(f"the path {shown(rel)} has an empty, '.' or '..' segment")
        if "\\" in segment or any(unicodedata.category(ch) == "Cc" for ch in segment):
            raise WriteRefusedError(
                f"the path {shown(rel)} holds a backslash or a control character"
            )
        size = len(segment.encode("utf-8"))
        if max(size, len(TEMP_PREFIX) + 16) > NAME_MAX:
            raise WriteRefusedError(
                f"the name {shown(segment[:24])}… in {shown(rel[:60])}… is {size} bytes long; "
                f"file systems allow {NAME_MAX}"
            )
        if is_leftover(segment) or segment == LOCK_NAME:
            raise WriteRefusedError(
                f"the name {shown(segment)} is reserved for the tool's own files"
            )


def remove_leftovers(root: Path, within: Sequence[str]) -> list[str]:
    """Remove what killed runs left in these folders (never through a folder link); their
    paths relative to `root`."""
    removed: list[str] = []
    for folder in within:
        top = root / folder
        if link_on_the_way(root, f"{folder}/x") is not None or top.is_symlink():
            continue
        for dirpath, _, filenames in os.walk(top):
            for name in filenames:
                if is_leftover(name):
                    path = Path(dirpath) / name
                    path.unlink(missing_ok=True)
                    removed.append(path.relative_to(root).as_posix())
    return sorted(removed)


def find_leftovers(root: Path) -> list[str]:
    """Leftovers of interrupted writes anywhere in the catalog, relative to `root` (folder
    links are not followed; folders that cannot be listed are passed over)."""
    found: list[str] = []
    pending = [""]
    while pending:
        rel = pending.pop()
        try:
            listing = os.scandir(os.path.join(root, rel))
        except OSError:
            continue
        with listing:
            for entry in listing:
                path = f"{rel}/{entry.name}" if rel else entry.name
                if _is_dir(entry):
                    if not entry.is_symlink():
                        pending.append(path)
                elif is_leftover(entry.name):
                    found.append(path)
    return sorted(found)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


@dataclass(slots=True)
class _Step:
    change: Change
    path: Path
    temp: Path | None = None
    backup: Path | None = None
    done: bool = False


def apply_changes(
    root: Path,
    within: Sequence[str],
    changes: Sequence[Change],
    *,
    committed: Callable[[], None] | None = None,
) -> None:
    """Make every change or none. `within`: the folders (relative to `root`) the changes may
    touch, cleared of leftovers first. `committed` runs once the commit is done, before a held
    interrupt is let through.

    Raises WriteRefusedError when a check or the staging fails (nothing was changed), and
    WriteFailedError when the commit fails (what was committed is put back)."""
    root = root.resolve()
    try:
        check_changes(root, within, changes)
    except WriteRefusedError as exc:
        raise WriteRefusedError(f"{exc}; nothing was written") from None
    remove_leftovers(root, within)
    steps = [_Step(change, root / change.rel) for change in changes]
    made: list[Path] = []
    try:
        _stage(root, steps, made)
    except BaseException as exc:
        with held_signals():
            _discard(steps, made)
        if isinstance(exc, OSError):
            raise WriteRefusedError(f"{_os_problem(root, exc)}; nothing was written") from exc
        raise
    with held_signals():
        try:
            _commit(steps)
        except BaseException as exc:
            _undo(root, steps, made, exc)
            raise
        _discard(steps, [])
        if committed is not None:
            committed()


def _os_problem(root: Path, exc: OSError) -> str:
    where = exc.filename
    if isinstance(where, (str, Path)):
        path = Path(where)
        if is_leftover(path.name):
            path = path.parent
        try:
            where = path.relative_to(root).as_posix()
        except ValueError:
            where = str(path)
        return f"cannot write {shown(str(where))}: {exc.strerror or exc}"
    return f"cannot write the catalog: {exc.strerror or exc}"


def _stage(root: Path, steps: Sequence[_Step], made: list[Path]) -> None:
    for step in steps:
        _make_folders(root, step.path.parent, made)
        try:
            info: os.stat_result | None = os.lstat(step.path)
        except FileNotFoundError:
            info = None
        if step.change.data is not None:
            keep = info is not None and stat.S_ISREG(info.st_mode)
            mode = stat.S_IMODE(info.st_mode) if info is not None and keep else new_file_mode()
            step.temp = step.path.parent / temp_name()
            _write_new(step.temp, step.change.data, mode, step.path)
        if info is not None:
            # Recorded before it exists, so that an interrupt right after the link removes it.
            step.backup = step.path.parent / temp_name()
            try:
                os.link(step.path, step.backup, follow_symlinks=False)
            except OSError as exc:
                step.backup = None
                raise OSError(exc.errno, exc.strerror, str(step.path)) from exc


def _make_folders(root: Path, folder: Path, made: list[Path]) -> None:
    missing: list[Path] = []
    while folder != root and not os.path.lexists(folder):
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        os.mkdir(path)
        made.append(path)


def _write_new(temp: Path, data: bytes, mode: int, target: Path) -> None:
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(target)) from exc
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fchmod(fd, mode)
    except BaseException as exc:
        os.close(fd)
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror, str(target)) from exc
        raise
    os.close(fd)


def _commit(steps: Sequence[_Step]) -> None:
    for step in steps:
        try:
            if step.temp is not None:
                os.replace(step.temp, step.path)
                step.temp = None
                step.done = True
            elif step.backup is not None:
                os.unlink(step.path)
                step.done = True
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(step.path)) from exc


def _undo(root: Path, steps: Sequence[_Step], made: list[Path], exc: BaseException) -> None:
    """Put back what the commit changed; raise WriteFailedError for an OSError."""
    done = [step for step in steps if step.done]
    stuck: list[str] = []
    for step in reversed(done):
        try:
            if step.backup is not None:
                os.replace(step.backup, step.path)
                step.backup = None
            else:
                os.unlink(step.path)
            step.done = False
        except OSError:
            stuck.append(step.change.rel)
    if stuck:
        # The backups of what could not be put back are kept: they hold the old contents.
        kept = {id(s) for s in done if s.done}
        _discard([s for s in steps if id(s) not in kept], [])
        raise WriteFailedError(
            f"{_os_problem(root, exc) if isinstance(exc, OSError) else 'interrupted'}, and "
            f"{len(stuck)} of the {len(done)} files already written could not be put back "
            f"(first: {shown(stuck[0])}; its old content is kept beside it as {TEMP_PREFIX}…)",
            rolled_back=False,
        ) from exc
    _discard(steps, made)
    if isinstance(exc, OSError):
        raise WriteFailedError(
            f"{_os_problem(root, exc)}; the {len(done)} files already written were put back, "
            "nothing was changed",
            rolled_back=True,
        ) from exc


def _discard(steps: Sequence[_Step], made: Sequence[Path]) -> None:
    for step in steps:
        for path in (step.temp, step.backup):
            if path is not None:
                path.unlink(missing_ok=True)
        step.temp = step.backup = None
    for folder in reversed(made):
        with suppress(OSError):
            folder.rmdir()


_holding = threading.local()


@contextmanager
def held_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then let them through. Signal handlers
    can only be set in the main thread: elsewhere, nothing is held."""
    if threading.current_thread() is not threading.main_thread() or getattr(
        _holding, "active", False
    ):
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    _holding.active = True
    try:
        yield
    finally:
        _holding.active = False
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        for signum in dict.fromkeys(received):
            signal.raise_signal(signum)
