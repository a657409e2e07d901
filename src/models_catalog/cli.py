"""The `models` command line. Library errors become one line on stderr and an exit status.

Command modules are imported inside each command so that `models --help` stays light.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from .display import visible
from .errors import CatalogInvalidError, ModelsError

app = typer.Typer(
    help="Keep a git-backed catalog of AI models in sync with provider APIs; validate, build it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: formatting it with rich would double the start-up time of `models --help`.
    rich_markup_mode=None,
)

T = TypeVar("T")

CatalogOption = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        help="Catalog folder (default: $MODELS_CATALOG, else ./catalog).",
        show_default=False,
    ),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {visible(message)}", err=True)
    return typer.Exit(code)


def _guard(debug: bool, action: Callable[[], T]) -> T:
    """Run a command body: a ModelsError becomes one line on stderr and its exit status."""
    try:
        return action()
    except ModelsError as exc:
        if debug:
            raise
        if isinstance(exc, CatalogInvalidError):
            for problem in exc.problems:
                typer.echo(visible(problem), err=True)
        raise _fail(str(exc), exc.exit_code) from None
    except KeyboardInterrupt:
        raise _fail("interrupted", 130) from None
    except OSError as exc:
        if debug:
            raise
        target = f" ({exc.filename})" if exc.filename else ""
        raise _fail(f"{exc.strerror or exc}{target}", 1) from None


@app.command()
def validate(
    catalog: CatalogOption = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat warnings (unknown cost keys...) as errors.")
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Check every file of the catalog; print each problem as `path:line: message`."""

    def body() -> int:
        from .catalog import catalog_root, load_catalog
        from .validate import validate_catalog

        root = catalog_root(catalog)
        report = validate_catalog(load_catalog(root))
        annotate = os.environ.get("GITHUB_ACTIONS") == "true"
        for finding in report.findings:
            is_error = strict or not finding.warning
            shown = str(finding).replace(f"{finding.path}", str(root / finding.path), 1)
            typer.echo(visible(shown))
            if annotate:
                level = "error" if is_error else "warning"
                line = f",line={finding.line}" if finding.line is not None else ""
                typer.echo(
                    visible(f"::{level} file={root / finding.path}{line}::{finding.message}")
                )
        errors = len(report.errors(strict=strict))
        warnings = len(report.warnings) if not strict else 0
        summary = (
            f"{report.providers} providers, {report.models} provider models "
            f"({report.links} links, {report.dangling} dangling), "
            f"{report.metadata} metadata files"
        )
        if errors:
            typer.echo(
                f"invalid: {_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {summary}",
                err=True,
            )
            return 1
        typer.echo(f"valid: {summary}; {_plural(len(report.warnings), 'warning')}")
        return 0

    raise typer.Exit(_guard(debug, body))


@app.command()
def build(
    catalog: CatalogOption = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the JSON here instead of stdout.")
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Write the JSON build consumers read: provider id → provider with its resolved models."""

    def body() -> int:
        from .build import build_catalog
        from .catalog import catalog_root, load_catalog
        from .files import write_atomic
        from .validate import validate_catalog

        loaded = load_catalog(catalog_root(catalog))
        errors = validate_catalog(loaded).errors()
        if errors:
            raise CatalogInvalidError([str(f) for f in errors])
        text = json.dumps(build_catalog(loaded), ensure_ascii=False, indent=2) + "\n"
        if output is None:
            sys.stdout.write(text)
        else:
            write_atomic(output, text)
            typer.echo(f"wrote {output}", err=True)
        return 0

    raise typer.Exit(_guard(debug, body))


@app.command()
def fmt(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to format (default: every model file).", show_default=False
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="List files that would change; exit 1 if any.")
    ] = False,
    catalog: CatalogOption = None,
    debug: DebugOption = False,
) -> None:
    """Rewrite model and metadata files into the canonical layout (files with comments are kept)."""

    def body() -> int:
        from .catalog import catalog_root
        from .fmt import format_files

        result = format_files(catalog_root(catalog), paths or [], check=check)
        for path in result.commented:
            typer.echo(f"skipped (has comments): {path}", err=True)
        for path in result.changed:
            typer.echo(f"{'would reformat' if check else 'reformatted'}: {path}")
        verb = "would be reformatted" if check else "reformatted"
        typer.echo(
            f"{_plural(len(result.changed), 'file')} {verb}, {len(result.unchanged):,} unchanged, "
            f"{len(result.commented):,} with comments skipped, {len(result.links):,} links skipped",
            err=True,
        )
        return 1 if check and result.changed else 0

    raise typer.Exit(_guard(debug, body))


@app.command()
def sync(
    target: Annotated[
        str | None,
        typer.Argument(
            help="A provider id, or a group: aggregators, cloudflare, direct.", show_default=False
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write no model file.")
    ] = False,
    new_only: Annotated[
        bool, typer.Option("--new-only", help="Only create new files; no updates or deletions.")
    ] = False,
    allow_mass_delete: Annotated[
        bool,
        typer.Option("--allow-mass-delete", help="Apply a plan that deletes over half the files."),
    ] = False,
    source: Annotated[
        Path | None,
        typer.Option(
            "--source",
            help="Replay a saved raw API response (no network, no key).",
            show_default=False,
        ),
    ] = None,
    max_price_change: Annotated[
        float | None,
        typer.Option(
            "--max-price-change",
            metavar="FACTOR",
            help="Fail a provider (nothing written) if a price would change over FACTOR times.",
            show_default=False,
        ),
    ] = None,
    list_providers: Annotated[
        bool, typer.Option("--list-providers", help="Print the providers as a JSON matrix.")
    ] = False,
    catalog: CatalogOption = None,
    debug: DebugOption = False,
) -> None:
    """Bring a provider's model files in line with its models API."""

    def body() -> int:
        from .errors import UsageError
        from .sync.registry import matrix

        if list_providers:
            typer.echo(json.dumps(matrix()))
            return 0
        if target is None:
            raise UsageError("missing TARGET (a provider id or group; see --list-providers)")
        if max_price_change is not None and not max_price_change > 1:
            raise UsageError(f"--max-price-change must be above 1, not {max_price_change:g}")

        from rich.console import Console

        from .catalog import catalog_root
        from .sync.command import print_outcomes, run_sync
        from .sync.report import REPORT_PATH
        from .sync.runner import SyncOptions

        options = SyncOptions(dry_run, new_only, allow_mass_delete, max_price_change)
        console = Console(highlight=False, soft_wrap=True)
        errors = Console(stderr=True, highlight=False, soft_wrap=True)
        outcomes = run_sync(
            target,
            catalog_root(catalog),
            options,
            env=dict(os.environ),
            source=source,
            console=errors,
        )
        print_outcomes(outcomes, console, errors, dry_run=dry_run, report=REPORT_PATH)
        return 1 if any(o.status == "failed" for o in outcomes) else 0

    raise typer.Exit(_guard(debug, body))


@app.command()
def publish(
    provider: Annotated[str, typer.Argument(help="The provider id whose sync to publish.")],
    name: Annotated[
        str | None,
        typer.Option("--name", help="Provider name for the PR title (default: the registry's)."),
    ] = None,
    base: Annotated[
        str | None, typer.Option("--base", help="Branch the PR targets (default: current).")
    ] = None,
    catalog: Annotated[
        str, typer.Option("--catalog", help="Catalog folder, relative to the repository.")
    ] = "catalog",
    debug: DebugOption = False,
) -> None:
    """Commit a provider's catalog changes to its sync branch and open or edit its pull request."""

    def body() -> int:
        from .publish import publish_sync
        from .sync.registry import load_provider
        from .sync.report import REPORT_PATH

        title_name = name or load_provider(provider).name
        outcome = publish_sync(
            provider, title_name, repo=Path.cwd(), catalog=catalog, report=REPORT_PATH, base=base
        )
        typer.echo(outcome.describe())
        return 0

    raise typer.Exit(_guard(debug, body))


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def main() -> None:
    app()
