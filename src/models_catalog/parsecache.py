"""A cache of parsed TOML files, so that repeated runs over a large catalog skip `tomllib`.

An entry is keyed by the file's path and its `lstat` signature: size, modification time,
change time and inode. The change time is set by the kernel on every write or rename and
cannot be set back by tools, so an edited file always misses. Stored: what `tomllib` returns (or a
git link stub's target), a pure function of the file's bytes; and the result of each file's own
field checks, under a fingerprint of the checking code (see `catalog.CHECKS_FINGERPRINT`), so
that any change to that code runs the checks again. Checks across files always run.

The cache lives in `$MODELS_CACHE_DIR`, else `$XDG_CACHE_HOME/models-catalog`, else
`~/.cache/models-catalog`: a folder per catalog, a file per top folder of the catalog;
`MODELS_NO_CACHE=1` turns it off.
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
# A check result: the problems found in a file, as (key, message, is_warning) triples.
Checked = tuple[tuple[str, str, bool], ...]
# What is known of one file: its kind ("toml" or "link"), the payload (the parsed table or the
# link target), and check results by "<fingerprint of the checking code>:<file kind>".
Hit = tuple[str, Any, dict[str, Checked]]
Entries = dict[str, tuple[Signature, str, Any, dict[str, Checked]]]

_FORMAT = 2


def signature(stat: os.stat_result) -> Signature:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def cache_dir() -> Path | None:
    if os.environ.get("MODELS_NO_CACHE", "").strip() not in ("", "0"):
        return None
    configured = os.environ.get("MODELS_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home folder known: run without a cache
            return None
    return Path(base) / "models-catalog"


class ParseCache:
    """Entries in shards, one per top folder of the catalog (`models`, `providers/<id>`), each
    loaded from disk when first needed, so that reading one provider loads little."""

    def __init__(self, folder: Path | None, root: str) -> None:
        self.folder = folder
        self.root = root.rstrip(os.sep) + os.sep
        self.old: dict[str, Entries] = {}
        self.new: dict[str, Entries] = {}
        self.seen: set[str] = set()

    @classmethod
    def for_root(cls, root: Path) -> ParseCache:
        base = cache_dir()
        absolute = str(root.resolve())
        if base is None:
            return cls(None, absolute)
        digest = hashlib.sha256(absolute.encode()).hexdigest()[:20]
        return cls(base / digest, absolute)

    def _shard(self, key: str) -> str:
        rel = key[len(self.root) :] if key.startswith(self.root) else ""
        parts = rel.split(os.sep, 2)
        if len(parts) > 2 and parts[0] == "providers":
            return f"providers-{parts[1]}"
        return parts[0] if len(parts) > 1 else "other"

    def _load(self, shard: str) -> Entries:
        loaded = self.old.get(shard)
        if loaded is not None:
            return loaded
        entries: Entries = {}
        if self.folder is not None:
            try:
                data = marshal.loads((self.folder / f"{shard}.marshal").read_bytes())
            except (OSError, EOFError, ValueError, TypeError):
                data = None
            if isinstance(data, dict) and data.get("format") == _FORMAT:
                found = data.get("entries")
                entries = found if isinstance(found, dict) else {}
        self.old[shard] = entries
        return entries

    def lookup(self, key: str, sig: Signature) -> Hit | None:
        self.seen.add(key)
        shard = self._shard(key)
        entry = self.new.get(shard, {}).get(key) or self._load(shard).get(key)
        if entry is not None and entry[0] == sig:
            return entry[1], entry[2], entry[3]
        return None

    def store(
        self, key: str, sig: Signature, kind: str, payload: Any, checks: dict[str, Checked]
    ) -> None:
        self.new.setdefault(self._shard(key), {})[key] = (sig, kind, payload, checks)

    def merge(self, new: dict[str, Entries]) -> None:
        for shard, entries in new.items():
            self._load(shard)
            self.new.setdefault(shard, {}).update(entries)
            self.seen.update(entries)

    def save(self) -> None:
        """Write each shard this run added to; entries of files not read this run are kept
        only while they are fewer than those read (so deleted files drop out)."""
        if self.folder is None:
            return
        for shard, added in self.new.items():
            old = self.old.get(shard, {})
            kept = {k: v for k, v in old.items() if k in self.seen}
            entries = {**old, **kept} if len(old) < 2 * len(kept) + 100 else kept
            entries.update(added)
            try:
                blob = marshal.dumps({"format": _FORMAT, "entries": entries})
            except ValueError:  # a value marshal cannot hold (a TOML date): keep what it can
                safe = {k: v for k, v in entries.items() if _marshallable(v)}
                blob = marshal.dumps({"format": _FORMAT, "entries": safe})
            with contextlib.suppress(OSError):  # a cache that cannot be written only costs speed
                write_atomic_bytes(self.folder / f"{shard}.marshal", blob)


def _marshallable(value: Any) -> bool:
    try:
        marshal.dumps(value)
    except ValueError:
        return False
    return True
