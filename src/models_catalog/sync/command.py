"""`models sync TARGET`: run one provider or a group, print the outcome, write the report."""

from __future__ import annotations

import signal
import stat
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..jsondata import MAX_JSON_BYTES, JsonError, decode_json
from ..output import Printer
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
from .runner import FETCH, PlannedFile, ProviderOutcome, SyncOptions, plan_provider, write_outcome

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
    console: Printer | None = None,
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
    console = console or Printer(sys.stderr)

    def one(provider: SyncProvider[Any]) -> ProviderOutcome:
        return plan_provider(root, provider, options, raw=raw, client_factory=factory, env=env)

    names = ", ".join(p.id for p in providers)
    status = console.status(f"Syncing {names}…")
    if options.dry_run:
        lock: AbstractContextManager[object] = nullcontext()
    else:
        from ..lock import catalog_lock  # a dry run takes no lock

        lock = catalog_lock(root, f"models sync {target}")
    with lock, _terminate_as_interrupt():
        outcomes = [ProviderOutcome(p.id, p.name, error=INTERRUPTED) for p in providers]
        try:
            with status:
                if len(providers) == 1:
                    outcomes = [one(providers[0])]
                else:
                    from concurrent.futures import ThreadPoolExecutor  # groups only

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


_COLOURS = {"created": "green", "updated": "yellow", "deleted": "red"}


def print_outcomes(
    outcomes: Sequence[ProviderOutcome],
    out: Printer,
    errors: Printer,
    *,
    dry_run: bool,
    report: Path,
    quiet: bool = False,
) -> None:
    """Each provider's outcome and its field changes on `out`; a failure as one sentence on
    `errors` (stderr). `quiet` keeps the counts and paths but hides the field changes."""
    for outcome in outcomes:
        label = (outcome.provider_id, "bold")
        if outcome.error is not None:
            errors.line(label, ": ", ("failed", "red"), f": {outcome.error}")
            continue
        plan = outcome.plan
        assert plan is not None
        counts = ", ".join(f"{plan.count(a)} {a}" for a in ("created", "updated", "deleted"))
        skipped = f", {len(plan.skipped)} skipped" if plan.skipped else ""
        verb = "would change" if dry_run and plan.changed else outcome.status
        out.line(label, f": {verb} ({counts}, {plan.count('unchanged')} unchanged{skipped})")
        for check in plan.checks:
            out.line("  ", ("check", "bold magenta"), f": {check.describe()}")
        for planned in plan.changed:
            _print_file(out, planned, planned.action, quiet=quiet)
        for planned in plan.skipped:
            _print_file(out, planned, f"skipped {planned.action[:-1]}", quiet=quiet)
        for notice in plan.notices:
            out.line(f"  notice: {notice}")
        if plan.refusal is not None:
            errors.line(label, ": ", ("a real run would be refused", "red"), f": {plan.refusal}")
    if not quiet:
        mode = "dry run, no model file written; " if dry_run else ""
        out.line(f"({mode}report: {report})")


def _print_file(out: Printer, planned: PlannedFile, label: str, *, quiet: bool) -> None:
    colour = "dim" if label.startswith("skipped") else _COLOURS[planned.action]
    out.line("  ", (f"{label}:", colour), f" {planned.rel}")
    if quiet:
        return
    for change in planned.changes:
        out.line(
            f"      {change.path}: ", (show(change.old), "red"), " → ", (show(change.new), "green")
        )


def outcomes_json(
    outcomes: Sequence[ProviderOutcome], *, dry_run: bool, report: Path
) -> dict[str, Any]:
    """The outcomes as one JSON document: per provider, its files by action with field changes."""

    def changes(planned: PlannedFile) -> list[dict[str, Any]]:
        return [{"field": c.path, "old": c.old, "new": c.new} for c in planned.changes]

    providers: list[dict[str, Any]] = []
    for outcome in outcomes:
        entry: dict[str, Any] = {
            "provider": outcome.provider_id,
            "name": outcome.provider_name,
            "status": outcome.status,
            "error": outcome.error,
        }
        plan = outcome.plan
        if plan is not None:
            entry["created"] = [f.rel for f in plan.files if f.action == "created"]
            entry["updated"] = [
                {"path": f.rel, "changes": changes(f)} for f in plan.files if f.action == "updated"
            ]
            entry["deleted"] = [f.rel for f in plan.files if f.action == "deleted"]
            entry["unchanged"] = plan.count("unchanged")
            entry["skipped"] = [
                {"path": f.rel, "action": f.action, "changes": changes(f)} for f in plan.skipped
            ]
            entry["notices"] = list(plan.notices)
            entry["refusal"] = plan.refusal
        providers.append(entry)
    return {"dry_run": dry_run, "report": str(report), "providers": providers}
