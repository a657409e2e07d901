"""Writing one file safely, outside the catalog (reports, builds, caches): `write_atomic`.
Catalog files are written in change sets (`changeset.py`)."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

# Read once, at import, while no other thread can be writing files.
_UMASK = os.umask(0)
os.umask(_UMASK)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder and a rename.

    A link at `path` is replaced by a regular file; its target is never written through.
    """
    write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, _mode_for(path))  # mkstemp makes the file private
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def new_file_mode() -> int:
    """The mode the umask gives a new file."""
    return 0o666 & ~_UMASK


def _mode_for(path: Path) -> int:
    """The mode of the regular file being replaced, else what the umask gives a new file."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return new_file_mode()
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else new_file_mode()
