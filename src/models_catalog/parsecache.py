"""A cache of parsed TOML files, so that repeated runs over a large catalog skip `tomllib`.

An entry is keyed by the file's path and its `lstat` signature: size, modification time,
change time and inode. The change time is set by the kernel on every write or rename and
cannot be set back by tools, so an edited file always misses. Only what `tomllib` returns
(or a git link stub's target) is stored: a pure function of the file's bytes, independent of
this tool's version; every check still runs on every call.

The cache lives in `$MODELS_CACHE_DIR`, else `$XDG_CACHE_HOME/models-catalog`, else
`~/.cache/models-catalog`, one file per catalog folder; `MODELS_NO_CACHE=1` turns it off.
A missing, unreadable or corrupt cache file is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
from pathlib import Path
from typing import Any

from .files import write_atomic_bytes

Signature = tuple[int, int, int, int]
Hit = tuple[str, Any]
Entries = dict[str, tuple[Signature, str, Any]]

_FORMAT = 1


def signature(stat: os.stat_result) -> Signature:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def cache_dir() -> Path | None:
    if os.environ.get("MODELS_NO_CACHE", "").strip() not in ("", "0"):
        return None
    configured = os.environ.get("MODELS_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "models-catalog"


class ParseCache:
    """Entries loaded from disk (`old`) and found in this run (`new`)."""

    def __init__(self, path: Path | None, old: Entries | None = None) -> None:
        self.path = path
        self.old: Entries = old or {}
        self.new: Entries = {}
        self.seen: set[str] = set()

    @classmethod
    def for_root(cls, root: Path) -> ParseCache:
        folder = cache_dir()
        if folder is None:
            return cls(None)
        digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20]
        path = folder / f"{digest}.marshal"
        try:
            loaded = marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return cls(path)
        if not isinstance(loaded, dict) or loaded.get("format") != _FORMAT:
            return cls(path)
        entries = loaded.get("entries")
        return cls(path, entries if isinstance(entries, dict) else {})

    def lookup(self, key: str, sig: Signature) -> Hit | None:
        self.seen.add(key)
        entry = self.old.get(key)
        if entry is not None and entry[0] == sig:
            return entry[1], entry[2]
        return None

    def store(self, key: str, sig: Signature, kind: str, payload: Any) -> None:
        self.new[key] = (sig, kind, payload)

    def save(self) -> None:
        """Write the cache when this run parsed anything; entries not seen recently are pruned."""
        if self.path is None or not self.new:
            return
        entries: Entries = {k: v for k, v in self.old.items() if k in self.seen}
        if len(self.old) < 2 * len(entries) + 1000:
            entries = {**self.old, **entries}
        entries.update(self.new)
        try:
            blob = marshal.dumps({"format": _FORMAT, "entries": entries})
        except ValueError:  # a value marshal cannot hold (a TOML date): keep what it can
            safe = {k: v for k, v in entries.items() if _marshallable(v)}
            blob = marshal.dumps({"format": _FORMAT, "entries": safe})
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs speed
            write_atomic_bytes(self.path, blob)


def _marshallable(value: Any) -> bool:
    try:
        marshal.dumps(value)
    except ValueError:
        return False
    return True
