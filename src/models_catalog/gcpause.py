"""Pausing Python's cyclic garbage collector around work that builds many containers."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """No cyclic garbage collection within: for work that builds thousands of tables holding no
    reference cycles (parsed files and responses, translated models), where collecting while
    the heap grows only rescans it, a cost that grows faster than the data. Nests."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
