"""Printing for the command line: plain text off a terminal, colour (rich) only on one.

A line is a sequence of segments: plain text, or `(text, style)` with a rich style name. Off a
terminal the styles are dropped and rich is never imported, so logs and pipes stay plain and the
start-up stays light. Every piece of text passes through `printable` first.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from .display import visible

if TYPE_CHECKING:
    from rich.console import Console

Segment = str | tuple[str, str]


def printable(text: str) -> str:
    """Text as it may be shown to a user: hidden characters escaped (see display.py)."""
    return visible(text)


class Printer:
    """Writes lines to one stream, styled when that stream is a terminal."""

    def __init__(self, stream: TextIO | None = None, *, terminal: bool | None = None) -> None:
        self._stream = stream
        self._terminal = terminal
        self._console: Console | None = None

    @property
    def stream(self) -> TextIO:
        # Looked up late, so that a test's replaced sys.stdout is the one written to.
        return self._stream if self._stream is not None else sys.stdout

    @property
    def is_terminal(self) -> bool:
        if self._terminal is None:
            isatty = getattr(self.stream, "isatty", None)
            self._terminal = bool(isatty and isatty())
        return self._terminal

    def line(self, *segments: Segment) -> None:
        if not self.is_terminal:
            text = "".join(printable(s if isinstance(s, str) else s[0]) for s in segments)
            self.stream.write(text + "\n")
            return
        from rich.text import Text

        styled = Text()
        for segment in segments:
            if isinstance(segment, str):
                styled.append(printable(segment))
            else:
                styled.append(printable(segment[0]), style=segment[1])
        self._rich().print(styled)

    def json(self, data: Any) -> None:
        self.stream.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")

    @contextmanager
    def status(self, message: str) -> Iterator[None]:
        """A spinner while the block runs, on a terminal only."""
        if not self.is_terminal:
            yield
            return
        with self._rich().status(printable(message)):
            yield

    def _rich(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                file=self.stream, force_terminal=True, highlight=False, soft_wrap=True
            )
        return self._console


def stdout() -> Printer:
    return Printer(sys.stdout)


def stderr() -> Printer:
    return Printer(sys.stderr)
