"""`models sync TARGET`: run one provider or a group, print the outcome, write the report."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from ..errors import UsageError
from .compare import show
from .contract import SyncProvider
from .registry import load_provider, resolve_target
from .report import REPORT_PATH, render_report, write_report
from .runner import ProviderOutcome, SyncOptions, sync_provider

if TYPE_CHECKING:
    from ..http import HttpClient


def _client() -> HttpClient:
    # Imported here: a replay from --source never needs httpx.
    from ..http import HttpClient

    return HttpClient()


def read_source(path: Path) -> Any:
    """A saved raw response, as its fetch step would have returned it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"saved response {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"saved response {str(path)!r} is not readable JSON: {exc}") from None


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
    """Sync every provider of `target`; each succeeds or fails on its own."""
    ids = resolve_target(target)
    if source is not None and len(ids) > 1:
        raise UsageError(f"--source replays one provider's response; {target!r} is a group")
    providers = [load_provider(pid) for pid in ids]
    raw = read_source(source) if source is not None else None
    console = console or Console(stderr=True)

    def one(provider: SyncProvider[Any]) -> ProviderOutcome:
        return sync_provider(root, provider, options, raw=raw, client_factory=_client, env=env)

    names = ", ".join(p.id for p in providers)
    status = console.status(f"Syncing {names}…") if console.is_terminal else nullcontext()
    with status:
        if len(providers) == 1:
            outcomes = [one(providers[0])]
        else:
            with ThreadPoolExecutor(max_workers=len(providers)) as pool:
                outcomes = list(pool.map(one, providers))
    write_report(report_path, render_report(target, outcomes, dry_run=options.dry_run))
    return outcomes


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
        label = f"[bold]{escape(outcome.provider_id)}[/bold]"
        if outcome.error is not None:
            errors.print(f"{label}: [red]failed[/red]: {escape(outcome.error)}")
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
            console.print(f"  [{colour}]{planned.action}[/{colour}]: {escape(planned.rel)}")
            if dry_run:
                for change in planned.changes:
                    console.print(
                        f"      {escape(change.path)}: [red]{escape(show(change.old))}[/red] → "
                        f"[green]{escape(show(change.new))}[/green]"
                    )
        for notice in plan.notices:
            console.print(f"  notice: {escape(notice)}")
    mode = "dry run, no model file written; " if dry_run else ""
    console.print(f"({mode}report: {report})")
