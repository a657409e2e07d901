"""The `models` command line. Library errors become one line on stderr and an exit status.

Command modules are imported inside each command so that `models --help` stays light; rich is
imported only when printing to a terminal (see output.py).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NamedTuple, TypeVar

import typer

from .errors import CatalogInvalidError, ModelsError

if TYPE_CHECKING:
    from .output import Printer

app = typer.Typer(
    help=(
        "Keep a git-backed catalog of AI models in sync with provider APIs; validate, build it. "
        "Paths are relative to the current folder."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    # Plain help: formatting it with rich would double the start-up time of `models --help`.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

T = TypeVar("T")

# Exit status of a process whose reader went away (128 + SIGPIPE), as for any Unix tool.
BROKEN_PIPE_STATUS = 141


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


CatalogOption = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        help="Catalog folder, relative to the current folder (default: $MODELS_CATALOG, "
        "else ./catalog).",
        show_default=False,
    ),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
QuietOption = Annotated[
    bool, typer.Option("-q", "--quiet", help="Print only problems and changes, no summary.")
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", help="Output as text, or as one JSON document on stdout."),
]


class GlobalOptions(NamedTuple):
    catalog: Path | None = None
    quiet: bool = False
    debug: bool = False


def _globals(ctx: typer.Context) -> GlobalOptions:
    found = ctx.find_object(GlobalOptions)
    return found if found is not None else GlobalOptions()


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"models {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    ctx: typer.Context,
    catalog: CatalogOption = None,
    quiet: QuietOption = False,
    debug: DebugOption = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Options given before the command apply to every command."""
    ctx.obj = GlobalOptions(catalog, quiet, debug)


def _fail(message: str, code: int) -> typer.Exit:
    from .output import stderr

    stderr().line(("error:", "bold red"), f" {message}")
    return typer.Exit(code)


def _guard(ctx: typer.Context, debug: bool, action: Callable[[], T]) -> T:
    """Run a command body: a ModelsError becomes one line on stderr and its exit status."""
    debug = debug or _globals(ctx).debug
    try:
        result = action()
        # Written here, inside the guard, so that a closed pipe is met as such.
        sys.stdout.flush()
        return result
    except ModelsError as exc:
        if debug:
            raise
        if isinstance(exc, CatalogInvalidError):
            from .output import stderr

            errors = stderr()
            for problem in exc.problems:
                errors.line(problem)
        raise _fail(str(exc), exc.exit_code) from None
    except KeyboardInterrupt:
        raise _fail("interrupted", 130) from None
    except BrokenPipeError:
        _silence_stdout()
        raise typer.Exit(BROKEN_PIPE_STATUS) from None
    except OSError as exc:
        if debug:
            raise
        target = f" ({exc.filename})" if exc.filename else ""
        raise _fail(f"{exc.strerror or exc}{target}", 1) from None


def _silence_stdout() -> None:
    """The reader of stdout is gone: send what is still buffered nowhere, quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _catalog(ctx: typer.Context, option: Path | None) -> Path:
    from .catalog import catalog_root

    return catalog_root(option or _globals(ctx).catalog)


def _quiet(ctx: typer.Context, option: bool) -> bool:
    return option or _globals(ctx).quiet


@app.command()
def validate(
    ctx: typer.Context,
    catalog: CatalogOption = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat warnings (unknown cost keys...) as errors.")
    ] = False,
    output_format: FormatOption = OutputFormat.text,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Check every file of the catalog; print each problem as `path:line: error: message`."""

    def body() -> int:
        from .catalog import load_catalog
        from .output import stderr, stdout
        from .validate import validate_catalog

        root = _catalog(ctx, catalog)
        report = validate_catalog(load_catalog(root))
        errors = len(report.errors(strict=strict))
        warnings = 0 if strict else len(report.warnings)
        if output_format is OutputFormat.json:
            stdout().json(
                {
                    "valid": errors == 0,
                    "strict": strict,
                    "errors": errors,
                    "warnings": warnings,
                    "findings": [f.as_json(root, strict=strict) for f in report.findings],
                    "providers": report.providers,
                    "provider_models": report.models,
                    "links": report.links,
                    "dangling": report.dangling,
                    "metadata_files": report.metadata,
                }
            )
            return 1 if errors else 0
        out = stdout()
        annotate = os.environ.get("GITHUB_ACTIONS") == "true"
        for finding in report.findings:
            severity = finding.severity(strict=strict)
            colour = "red" if severity == "error" else "yellow"
            out.line(
                (finding.location(root), "bold"),
                ": ",
                (f"{severity}:", colour),
                f" {finding.message}",
            )
            if annotate:
                line = f",line={finding.line}" if finding.line is not None else ""
                out.line(f"::{severity} file={root / finding.path}{line}::{finding.message}")
        summary = (
            f"{report.providers} providers, {report.models} provider models "
            f"({report.links} links, {report.dangling} dangling), "
            f"{report.metadata} metadata files"
        )
        if errors:
            stderr().line(
                ("invalid:", "bold red"),
                f" {_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {summary}",
            )
            return 1
        if not _quiet(ctx, quiet):
            out.line(("valid:", "green"), f" {summary}; {_plural(warnings, 'warning')}")
        return 0

    raise typer.Exit(_guard(ctx, debug, body))


@app.command()
def build(
    ctx: typer.Context,
    catalog: CatalogOption = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the JSON to this file ('-': stdout)."),
    ] = None,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Write the JSON build consumers read: provider id → provider with its resolved models."""

    def body() -> int:
        import json

        from .build import build_catalog
        from .catalog import load_catalog
        from .errors import UsageError
        from .files import write_atomic
        from .validate import validate_catalog

        if output is not None and output.is_dir():
            raise UsageError(f"--output {str(output)!r} is a folder; name a file (or '-')")
        root = _catalog(ctx, catalog)
        loaded = load_catalog(root)
        errors = validate_catalog(loaded).errors()
        if errors:
            raise CatalogInvalidError([f.describe(root) for f in errors])
        text = json.dumps(build_catalog(loaded), ensure_ascii=False, indent=2) + "\n"
        if output is None or str(output) == "-":
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            write_atomic(output, text)
            if not _quiet(ctx, quiet):
                typer.echo(f"wrote {output}", err=True)
        return 0

    raise typer.Exit(_guard(ctx, debug, body))


@app.command()
def fmt(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to format, relative to the current folder "
            "(default: every model file).",
            show_default=False,
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="List files that would change; exit 1 if any.")
    ] = False,
    catalog: CatalogOption = None,
    output_format: FormatOption = OutputFormat.text,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Rewrite model and metadata files into the canonical layout (files with comments are kept)."""

    def body() -> int:
        from .fmt import format_files
        from .output import stderr, stdout

        root = _catalog(ctx, catalog)
        result = format_files(root, paths or [], check=check)
        status = 1 if check and result.changed else 0
        if output_format is OutputFormat.json:
            stdout().json(
                {
                    "check": check,
                    "changed": [str(root / path) for path in result.changed],
                    "unchanged": len(result.unchanged),
                    "commented": [str(root / path) for path in result.commented],
                    "links": [str(root / path) for path in result.links],
                }
            )
            return status
        out, err = stdout(), stderr()
        quiet_now = _quiet(ctx, quiet)
        if not quiet_now:
            for path in result.commented:
                err.line(("skipped", "dim"), f" (has comments): {root / path}")
        verb = "would reformat" if check else "reformatted"
        for path in result.changed:
            out.line((f"{verb}:", "yellow" if check else "green"), f" {root / path}")
        if not quiet_now:
            done = "would be reformatted" if check else "reformatted"
            err.line(
                f"{_plural(len(result.changed), 'file')} {done}, "
                f"{len(result.unchanged):,} unchanged, "
                f"{len(result.commented):,} with comments skipped, "
                f"{len(result.links):,} links skipped"
            )
        return status

    raise typer.Exit(_guard(ctx, debug, body))


@app.command()
def sync(
    ctx: typer.Context,
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
        bool,
        typer.Option(
            "--new-only", help="Only create new files; updates and deletions are listed as skipped."
        ),
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
        bool,
        typer.Option(
            "--list-providers",
            help="List the providers: a table on a terminal, else (or with --format json) "
            "the JSON matrix.",
        ),
    ] = False,
    catalog: CatalogOption = None,
    output_format: FormatOption = OutputFormat.text,
    quiet: QuietOption = False,
    debug: DebugOption = False,
) -> None:
    """Bring a provider's model files in line with its models API."""

    def body() -> int:
        from .errors import UsageError
        from .output import stderr, stdout

        if list_providers:
            if target is not None:
                raise UsageError(f"--list-providers takes no target (got {target!r})")
            _print_providers(stdout(), as_json=output_format is OutputFormat.json)
            return 0
        if target is None:
            raise UsageError("missing TARGET (a provider id or group; see --list-providers)")
        if max_price_change is not None and not max_price_change > 1:
            raise UsageError(f"--max-price-change must be above 1, not {max_price_change:g}")

        from .sync.command import outcomes_json, print_outcomes, run_sync
        from .sync.report import REPORT_PATH
        from .sync.runner import SyncOptions

        options = SyncOptions(
            dry_run, new_only, allow_mass_delete, max_price_change, debug or _globals(ctx).debug
        )
        errors = stderr()
        outcomes = run_sync(
            target,
            _catalog(ctx, catalog),
            options,
            env=dict(os.environ),
            source=source,
            console=errors,
        )
        if output_format is OutputFormat.json:
            stdout().json(outcomes_json(outcomes, dry_run=dry_run, report=REPORT_PATH))
        else:
            print_outcomes(
                outcomes,
                stdout(),
                errors,
                dry_run=dry_run,
                report=REPORT_PATH,
                quiet=_quiet(ctx, quiet),
            )
        refused = any(o.plan is not None and o.plan.refusal is not None for o in outcomes)
        return 1 if refused or any(o.status == "failed" for o in outcomes) else 0

    raise typer.Exit(_guard(ctx, debug, body))


def _print_providers(out: Printer, *, as_json: bool) -> None:
    import json

    from .sync.registry import groups, matrix

    table = matrix()
    if as_json or not out.is_terminal:
        out.stream.write(json.dumps(table) + "\n")
        return
    member = {pid: name for name, ids in groups().items() for pid in ids}
    rows = [(e["provider"], e["name"], member.get(e["provider"], "")) for e in table["include"]]
    widths = [max(len(r[i]) for r in [("PROVIDER", "NAME", "GROUP"), *rows]) for i in range(2)]
    out.line(("PROVIDER".ljust(widths[0]) + "  " + "NAME".ljust(widths[1]) + "  GROUP", "bold"))
    for pid, name, group in rows:
        out.line((pid.ljust(widths[0]), "cyan"), "  ", name.ljust(widths[1]), "  ", group)


@app.command()
def publish(
    ctx: typer.Context,
    provider: Annotated[str, typer.Argument(help="The provider id whose sync to publish.")],
    name: Annotated[
        str | None,
        typer.Option("--name", help="Provider name for the PR title (default: the registry's)."),
    ] = None,
    base: Annotated[
        str | None, typer.Option("--base", help="Branch the PR targets (default: current).")
    ] = None,
    catalog: CatalogOption = None,
    debug: DebugOption = False,
) -> None:
    """Commit a provider's catalog changes to its sync branch, push it to origin, and open or
    edit its pull request with `gh`. Leaves the working copy on the sync branch."""

    def body() -> int:
        from .publish import publish_sync
        from .sync.registry import load_provider
        from .sync.report import REPORT_PATH

        title_name = name or load_provider(provider).name
        outcome = publish_sync(
            provider,
            title_name,
            repo=Path.cwd(),
            catalog=str(_catalog(ctx, catalog)),
            report=REPORT_PATH,
            base=base,
        )
        typer.echo(outcome.describe())
        return 0

    raise typer.Exit(_guard(ctx, debug, body))


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _usage_line(exc: typer.TyperException) -> str:
    """A usage error as one line, naming the help to read."""
    message = " ".join(exc.format_message().split())
    command_path = getattr(getattr(exc, "ctx", None), "command_path", None)
    if isinstance(command_path, str):
        message += f" (see `{command_path} --help`)"
    return message


def main() -> None:
    try:
        status = app(standalone_mode=False)
    except typer.TyperException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            # `models` alone: its help, as the standalone mode shows it.
            typer.echo(exc.format_message(), err=True)
        else:
            typer.echo(f"error: {_usage_line(exc)}", err=True)
        status = exc.exit_code
    except typer.Abort:
        typer.echo("error: interrupted", err=True)
        status = 130
    except BrokenPipeError:
        _silence_stdout()
        status = BROKEN_PIPE_STATUS
    sys.exit(status if isinstance(status, int) else 0)
