"""One writer at a time: `sync`, `fmt` and `publish` hold an exclusive lock on the catalog.

The lock is an `flock` on `<catalog>/.models.lock`, which also names its holder (pid, command,
start). The kernel releases it when its process ends however it ends, so a lock file a killed
process left behind is stale and simply taken over. The file is removed on release.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from .changeset import LOCK_NAME, held_signals
from .errors import CatalogLockedError, WriteRefusedError

_ATTEMPTS = 5


@contextmanager
def catalog_lock(root: Path, command: str) -> Iterator[None]:
    """Hold the catalog's write lock for the block; fail at once if another process holds it."""
    path = root / LOCK_NAME
    fd: int | None = None
    try:
        # Held, so that an interrupt cannot leave a lock file no one holds.
        with held_signals():
            fd = _acquire(root, path)
            since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            holder = {"pid": os.getpid(), "command": command, "since": since}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(holder).encode("utf-8") + b"\n", 0)
        yield
    finally:
        if fd is not None:
            with held_signals():
                with suppress(OSError):
                    path.unlink()
                os.close(fd)


def _acquire(root: Path, path: Path) -> int:
    for _ in range(_ATTEMPTS):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise WriteRefusedError(
                f"cannot create the catalog lock {path}: {exc.strerror or exc}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _holder(fd)
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise CatalogLockedError(
                    f"the catalog {root} is being written by {holder}; try again when it is done"
                ) from None
            raise WriteRefusedError(f"cannot lock the catalog {root}: {exc.strerror}") from None
        # A holder removes the file as it releases it: our lock must be on the file still there.
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        mine = os.fstat(fd)
        if current is not None and (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
            return fd
        os.close(fd)
    raise CatalogLockedError(f"the catalog {root} is being locked and released by other writers")


def _holder(fd: int) -> str:
    """Who holds the lock, as its lock file says."""
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        pid, command, since = int(info["pid"]), str(info["command"]), str(info["since"])
    except (OSError, ValueError, KeyError, TypeError):
        return "another process (that has not named itself yet)"
    return f"process {pid} (`{command}`, since {since})"
