"""`models sync TARGET`: run one provider or a group, print the outcome, write the report."""

from __future__ import annotations

import signal
import stat
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from ..display import visible
from ..errors import UsageError
from ..jsondata import MAX_JSON_BYTES, JsonError, decode_json
from ..lock import catalog_lock
from .compare import show
from .contract import SyncProvider
from .registry import load_provider, resolve_target
from .report import (
    REPORT_PATH,
    check_report_location,
    render_failed_run,
    render_report,
    write_report,
)
from .runner import FETCH, ProviderOutcome, SyncOptions, plan_provider, write_outcome

INTERRUPTED = "interrupted before its changes were written"

if TYPE_CHECKING:
    from ..http import HttpClient


def _client() -> HttpClient:
    # Imported here: a replay from --source never needs httpx.
    from ..http import HttpClient

    return HttpClient()


def read_source(path: Path) -> Any:
    """A saved raw response (any JSON value, `null` included), as its fetch step would have
    returned it; within the size and depth limits of a live response."""
    try:
        # A FIFO or device would block or never end: only a regular file is opened.
        if not stat.S_ISREG(path.stat().st_mode):
            raise UsageError(f"saved response {str(path)!r} is not a regular file")
        with path.open("rb") as file:
            data = file.read(MAX_JSON_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"saved response {str(path)!r} does not exist") from None
    except OSError as exc:
        raise UsageError(f"saved response {str(path)!r} cannot be read: {exc.strerror}") from None
    try:
        return decode_json(data)
    except JsonError as exc:
        raise UsageError(f"saved response {str(path)!r} is not usable JSON: {exc}") from None


def run_sync(
    target: str,
    root: Path,
    options: SyncOptions,
    *,
    env: Mapping[str, str],
    source: Path | None = None,
    console: Console | None = None,
    report_path: Path = REPORT_PATH,
) -> list[ProviderOutcome]:
    """Sync every provider of `target`; each succeeds or fails on its own.

    Plans are made concurrently, then written one provider after the other in this thread,
    where interrupts can be held while a provider's files are committed. Unless a dry run, the
    catalog's write lock is held throughout."""
    ids = resolve_target(target)
    if source is not None and len(ids) > 1:
        raise UsageError(f"--source replays one provider's response; {target!r} is a group")
    providers = [load_provider(pid) for pid in ids]
    try:
        raw = read_source(source) if source is not None else FETCH
    except UsageError as exc:
        # No earlier run's report may pass for this run's.
        write_report(report_path, render_failed_run(target, str(exc)))
        raise
    # A replay never reaches the network: it gets no HTTP client at all.
    factory = _client if source is None else None
    console = console or Console(stderr=True)

    def one(provider: SyncProvider[Any]) -> ProviderOutcome:
        return plan_provider(root, provider, options, raw=raw, client_factory=factory, env=env)

    names = ", ".join(p.id for p in providers)
    status = console.status(f"Syncing {names}…") if console.is_terminal else nullcontext()
    lock = nullcontext() if options.dry_run else catalog_lock(root, f"models sync {target}")
    with lock, _terminate_as_interrupt():
        outcomes = [ProviderOutcome(p.id, p.name, error=INTERRUPTED) for p in providers]
        try:
            with status:
                if len(providers) == 1:
                    outcomes = [one(providers[0])]
                else:
                    with ThreadPoolExecutor(max_workers=len(providers)) as pool:
                        outcomes = list(pool.map(one, providers))
            if not options.dry_run:
                check_report_location(report_path)
                for outcome in outcomes:
                    write_outcome(root, outcome)
        except KeyboardInterrupt:
            for outcome in outcomes:
                if outcome.error is None and not outcome.written:
                    outcome.error = INTERRUPTED
            # The interrupt is what the user must hear about, even if the report fails.
            with suppress(OSError):
                write_report(report_path, render_report(target, outcomes, interrupted=True))
            raise
        write_report(report_path, render_report(target, outcomes, dry_run=options.dry_run))
    return outcomes


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM ends a sync as Ctrl-C does, so its report is still written."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def print_outcomes(
    outcomes: Sequence[ProviderOutcome],
    console: Console,
    errors: Console,
    *,
    dry_run: bool,
    report: Path,
) -> None:
    """Each provider's outcome on `console`; a failure as one sentence on `errors` (stderr)."""
    for outcome in outcomes:
        label = f"[bold]{escape(visible(outcome.provider_id))}[/bold]"
        if outcome.error is not None:
            errors.print(f"{label}: [red]failed[/red]: {escape(visible(outcome.error))}")
            continue
        plan = outcome.plan
        assert plan is not None
        counts = ", ".join(f"{plan.count(a)} {a}" for a in ("created", "updated", "deleted"))
        verb = "would change" if dry_run and plan.changed else outcome.status
        console.print(f"{label}: {verb} ({counts}, {plan.count('unchanged')} unchanged)")
        for check in plan.checks:
            console.print(f"  [bold magenta]check[/bold magenta]: {escape(check.describe())}")
        for planned in plan.changed:
            colour = {"created": "green", "updated": "yellow", "deleted": "red"}[planned.action]
            console.print(
                f"  [{colour}]{planned.action}[/{colour}]: {escape(visible(planned.rel))}"
            )
            if dry_run:
                for change in planned.changes:
                    old, new = (escape(visible(show(v))) for v in (change.old, change.new))
                    path = escape(visible(change.path))
                    console.print(f"      {path}: [red]{old}[/red] → [green]{new}[/green]")
        for notice in plan.notices:
            console.print(f"  notice: {escape(visible(notice))}")
    mode = "dry run, no model file written; " if dry_run else ""
    console.print(f"({mode}report: {report})")
