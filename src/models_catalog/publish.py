"""Publish a provider's sync as a pull request: the decisions the sync workflow delegates to us.

One provider, one fixed branch (`automation/sync-models-<id>`) made from the current HEAD, one
pull request that later runs edit instead of duplicating. Only the catalog folder is committed.
The `git` and `gh` calls go through a `CommandRunner` so tests can observe them.

Run as `python -m models_catalog.publish --step-summary REPORT` to copy the report's notices
into the GitHub Actions job summary.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from .changeset import LOCK_NAME, TEMP_PREFIX
from .errors import ModelsError, UsageError
from .lock import catalog_lock
from .sync.report import CLOSING_LINE, has_checks

BRANCH_PREFIX = "automation/sync-models-"
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
NOTICES_HEADING = "## Notices"

_PROVIDER_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
_LABELS = {
    "automation": ("ededed", "Opened by automation"),
    "model-sync": ("1d76db", "Model catalog sync"),
}
_PROVIDER_LABEL_COLOR = "c5def5"
REVIEW_LABEL = "needs-review"
_REVIEW_STYLE = ("d93f0b", "A price moved sharply: check the report before merging")

PublishAction = Literal["no-change", "created", "updated"]


@dataclass(frozen=True)
class CommandResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class CommandRunner(Protocol):
    def __call__(self, args: Sequence[str], *, cwd: Path, check: bool = True) -> CommandResult: ...


@dataclass(frozen=True)
class PublishOutcome:
    action: PublishAction
    branch: str
    base: str | None = None
    commit: str | None = None
    pr_number: int | None = None
    pr_url: str | None = None

    def describe(self) -> str:
        if self.action == "no-change":
            return "No catalog changes: nothing to publish."
        verb = "Opened" if self.action == "created" else "Updated"
        pr = f"pull request #{self.pr_number}" if self.pr_number else "a pull request"
        where = f" ({self.pr_url})" if self.pr_url else ""
        return f"{verb} {pr}{where} from {self.branch} into {self.base}."


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _error_line(text: str) -> str:
    """The last `fatal:`/`error:` line (git ends some errors with advice), else the last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    flagged = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (flagged or lines or [""])[-1]


def command_failed(result: CommandResult) -> ModelsError:
    detail = _error_line(result.stderr) or _last_line(result.stdout) or "no output"
    return ModelsError(
        f"`{shlex.join(result.args)}` failed with exit status {result.returncode}: {detail}"
    )


def run_command(args: Sequence[str], *, cwd: Path, check: bool = True) -> CommandResult:
    """Run one command (no shell) without prompts; raise ModelsError if it fails and `check`."""
    argv = tuple(args)
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GH_PROMPT_DISABLED": "1"}
    try:
        completed = subprocess.run(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except FileNotFoundError:
        raise ModelsError(
            f"`{argv[0]}` is not installed or not on PATH (needed for `{shlex.join(argv)}`)"
        ) from None
    except NotADirectoryError:
        raise ModelsError(f"cannot run `{shlex.join(argv)}`: {cwd} is not a folder") from None
    result = CommandResult(argv, completed.returncode, completed.stdout, completed.stderr)
    if check and result.returncode != 0:
        raise command_failed(result)
    return result


def sync_branch(provider_id: str) -> str:
    return f"{BRANCH_PREFIX}{provider_id}"


def pr_title(provider_name: str) -> str:
    return f"chore(sync): update {provider_name} model catalog"


def pr_labels(provider_id: str, *, needs_review: bool = False) -> list[str]:
    """The labels of a sync pull request; `needs-review` when its report has price checks."""
    return [*_LABELS, f"provider:{provider_id}", *([REVIEW_LABEL] if needs_review else [])]


def publish_sync(
    provider_id: str,
    provider_name: str,
    *,
    repo: Path,
    catalog: str = "catalog",
    report: Path,
    base: str | None = None,
    remote: str = "origin",
    run: CommandRunner = run_command,
) -> PublishOutcome:
    """Commit the catalog changes of one provider's sync and open or update its pull request.

    `catalog` is a path inside `repo`; a relative `report` is taken from the current directory.
    Leaves the working copy on the sync branch when it publishes.
    """
    if not _PROVIDER_ID.fullmatch(provider_id):
        raise UsageError(f"{provider_id!r} is not a provider id (lowercase letters, digits, -._)")
    if not provider_name.strip():
        raise UsageError(f"the provider name of {provider_id} is empty")
    folder = repo / catalog
    lock = (
        catalog_lock(folder, f"models publish {provider_id}") if folder.is_dir() else nullcontext()
    )
    with lock:
        return _publish(provider_id, provider_name, repo, catalog, report, base, remote, run)


def catalog_pathspecs(catalog: str) -> list[str]:
    """The catalog folder for git, without the lock file and the leftovers of killed writes."""
    top = catalog.rstrip("/")
    return [
        top,
        f":(exclude){top}/{LOCK_NAME}",
        f":(exclude,glob){top}/**/{TEMP_PREFIX}*",
        f":(exclude,glob){top}/**/.*.toml.*.tmp",
    ]


def _publish(
    provider_id: str,
    provider_name: str,
    repo: Path,
    catalog: str,
    report: Path,
    base: str | None,
    remote: str,
    run: CommandRunner,
) -> PublishOutcome:
    paths = catalog_pathspecs(catalog)
    status = ["git", "status", "--porcelain", "--untracked-files=all", "--", *paths]
    if not run(status, cwd=repo).stdout.strip():
        return PublishOutcome("no-change", sync_branch(provider_id))
    body = report.resolve()
    if not body.is_file():
        raise ModelsError(f"the sync report {report} does not exist; run `models sync` first")
    try:
        needs_review = has_checks(body.read_text(encoding="utf-8", errors="replace"))
    except OSError as exc:
        raise ModelsError(f"cannot read the sync report {report}: {exc.strerror}") from None
    base = base or _current_branch(run, repo)
    _check_preconditions(run, repo, remote, catalog)
    start = _starting_point(run, repo)
    try:
        return _commit_and_open(
            provider_id, provider_name, repo, paths, body, base, remote, run, needs_review
        )
    except BaseException:
        _return_to(run, repo, start)
        raise


def _check_preconditions(run: CommandRunner, repo: Path, remote: str, catalog: str) -> None:
    """Everything publishing needs, checked before git is changed at all."""
    auth = run(["gh", "auth", "status"], cwd=repo, check=False)
    if auth.returncode != 0:
        detail = _error_line(auth.stderr) or _last_line(auth.stdout) or "no output"
        raise ModelsError(
            f"`gh` is not logged in to GitHub ({detail}); run `gh auth login` or set GH_TOKEN"
        )
    if run(["git", "remote", "get-url", remote], cwd=repo, check=False).returncode != 0:
        raise ModelsError(f"the repository has no remote {remote!r} to push the sync branch to")
    outside = ["--", ":/", f":(exclude){catalog.rstrip('/')}"]
    dirty = run(["git", "status", "--porcelain", "--untracked-files=no", *outside], cwd=repo)
    if dirty.stdout.strip():
        first = dirty.stdout.splitlines()[0][3:]
        raise ModelsError(
            f"files outside the catalog have uncommitted changes ({first}…); commit or stash "
            "them first, as publishing switches branch"
        )


def _starting_point(run: CommandRunner, repo: Path) -> tuple[str, str]:
    """The branch (or, detached, the commit) the working copy is on: where a failure returns."""
    name = run(["git", "symbolic-ref", "--quiet", "HEAD"], cwd=repo, check=False).stdout.strip()
    commit = run(["git", "rev-parse", "HEAD"], cwd=repo).stdout.strip()
    return name, commit


def _return_to(run: CommandRunner, repo: Path, start: tuple[str, str]) -> None:
    """Put HEAD back where it was without touching the working tree, so the catalog changes
    stay as the sync left them (uncommitted) and the user is on their own branch again."""
    ref, commit = start
    if ref:
        run(["git", "symbolic-ref", "HEAD", ref], cwd=repo, check=False)
    else:
        run(["git", "update-ref", "--no-deref", "HEAD", commit], cwd=repo, check=False)
    run(["git", "reset", "--quiet"], cwd=repo, check=False)


def _commit_and_open(
    provider_id: str,
    provider_name: str,
    repo: Path,
    paths: Sequence[str],
    body: Path,
    base: str,
    remote: str,
    run: CommandRunner,
    needs_review: bool,
) -> PublishOutcome:
    branch = sync_branch(provider_id)

    def git(*args: str) -> CommandResult:
        return run(["git", *args], cwd=repo)

    def gh(*args: str) -> CommandResult:
        return run(["gh", *args], cwd=repo)

    git("checkout", "--quiet", "-B", branch)
    git("add", "--all", "--", *paths)
    title = pr_title(provider_name)
    git(*_identity_options(run, repo), "commit", "--quiet", "-m", title, "--", *paths)
    commit = git("rev-parse", "HEAD").stdout.strip()
    # A fresh CI checkout has no remote-tracking ref for the sync branch, so a bare
    # --force-with-lease would refuse to overwrite it: lease on what the remote has now.
    leased = _remote_head(git("ls-remote", "--heads", remote, f"refs/heads/{branch}"), branch)
    git(
        "push",
        "--quiet",
        f"--force-with-lease=refs/heads/{branch}:{leased}",
        remote,
        f"refs/heads/{branch}:refs/heads/{branch}",
    )

    labels = pr_labels(provider_id, needs_review=needs_review)
    _ensure_labels(run, repo, labels, provider_name)
    listing = gh("pr", "list", "--head", branch, "--state", "open", "--json", "number,labels")
    open_prs = _parse_pr_list(listing)
    if open_prs:
        number, current = open_prs[0]
        edit = ["pr", "edit", str(number), "--title", title, "--body-file", str(body)]
        # The report is rewritten on each run: a label for checks no longer there goes.
        stale = [] if needs_review or REVIEW_LABEL not in current else [REVIEW_LABEL]
        edited = gh(*edit, *_flags("--add-label", labels), *_flags("--remove-label", stale))
        return PublishOutcome(
            "updated", branch, base, commit, number, _last_line(edited.stdout) or None
        )
    create = ["pr", "create", "--base", base, "--head", branch, "--title", title]
    created = gh(*create, "--body-file", str(body), *_flags("--label", labels))
    url = _last_line(created.stdout) or None
    return PublishOutcome("created", branch, base, commit, _pr_number(url), url)


def _flags(flag: str, values: Sequence[str]) -> list[str]:
    return [item for value in values for item in (flag, value)]


def _remote_head(listing: CommandResult, branch: str) -> str:
    for line in listing.stdout.splitlines():
        sha, _, ref = line.partition("\t")
        if ref.strip() == f"refs/heads/{branch}":
            return sha.strip()
    return ""


def _current_branch(run: CommandRunner, repo: Path) -> str:
    result = run(["git", "symbolic-ref", "--quiet", "--short", "HEAD"], cwd=repo, check=False)
    name = result.stdout.strip()
    if result.returncode != 0 or not name:
        raise ModelsError(f"{repo} is not on a branch (detached HEAD); pass the base branch")
    return name


def _identity_options(run: CommandRunner, repo: Path) -> list[str]:
    options: list[str] = []
    for key, fallback in (("user.name", BOT_NAME), ("user.email", BOT_EMAIL)):
        configured = run(["git", "config", "--get", key], cwd=repo, check=False)
        if configured.returncode != 0 or not configured.stdout.strip():
            options += ["-c", f"{key}={fallback}"]
    return options


def _ensure_labels(
    run: CommandRunner, repo: Path, labels: Sequence[str], provider_name: str
) -> None:
    listing = run(["gh", "label", "list", "--limit", "1000", "--json", "name"], cwd=repo)
    existing = {entry.get("name") for entry in _json_list(listing)}
    for label in labels:
        if label in existing:
            continue
        styles = {**_LABELS, REVIEW_LABEL: _REVIEW_STYLE}
        color, description = styles.get(label, (_PROVIDER_LABEL_COLOR, f"Sync of {provider_name}"))
        args = ["gh", "label", "create", label, "--color", color, "--description", description]
        result = run(args, cwd=repo, check=False)
        # Matrix jobs run in parallel; another one may have just created the same label.
        if result.returncode != 0 and "already exists" not in result.stderr.lower():
            raise command_failed(result)


def _json_list(result: CommandResult) -> list[dict[str, object]]:
    try:
        data = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        got = _last_line(result.stdout)[:200] or "nothing"
        raise ModelsError(f"`{shlex.join(result.args)}` printed {got!r}, not a JSON list")
    return data


def _parse_pr_list(result: CommandResult) -> list[tuple[int, set[str]]]:
    """Each open pull request's number and label names."""
    found = []
    for entry in _json_list(result):
        number, labels = entry.get("number"), entry.get("labels")
        if isinstance(number, int):
            listed = labels if isinstance(labels, list) else []
            names = {label.get("name") for label in listed if isinstance(label, dict)}
            found.append((number, {n for n in names if isinstance(n, str)}))
    return found


def _pr_number(url: str | None) -> int | None:
    match = re.search(r"/pull/(\d+)$", url or "")
    return int(match.group(1)) if match else None


def notices_summary(report_text: str) -> str:
    """The report's `## Notices` section, up to the next heading or the closing line; or ""."""
    lines = report_text.splitlines()
    try:
        start = lines.index(NOTICES_HEADING)
    except ValueError:
        return ""
    section = [NOTICES_HEADING]
    for line in lines[start + 1 :]:
        if re.match(r"#{1,2} ", line) or line == CLOSING_LINE:
            break
        section.append(line)
    while section[-1].strip() == "":
        section.pop()
    return "\n".join(section) + "\n"


def append_step_summary(text: str, environ: Mapping[str, str] | None = None) -> Path | None:
    """Append `text` to the file `$GITHUB_STEP_SUMMARY` names; the file, or None if unset."""
    target = (os.environ if environ is None else environ).get("GITHUB_STEP_SUMMARY")
    if not target or not text:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")
    return path


def report_notices_to_step_summary(
    report: Path, environ: Mapping[str, str] | None = None
) -> Path | None:
    """Copy a report's notices into the job summary; None if no report, notices or summary."""
    try:
        text = report.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return append_step_summary(notices_summary(text), environ)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models_catalog.publish")
    parser.add_argument(
        "--step-summary",
        type=Path,
        required=True,
        metavar="REPORT",
        help="Append this sync report's notices to $GITHUB_STEP_SUMMARY.",
    )
    options = parser.parse_args(argv)
    written = report_notices_to_step_summary(options.step_summary)
    if written is None:
        print(f"No notices from {options.step_summary} written to a job summary.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
