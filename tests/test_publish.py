"""Publishing a sync: a local bare repository stands in for GitHub, a stub `gh` for its API."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from models_catalog.changeset import LOCK_NAME, TEMP_PREFIX
from models_catalog.errors import CatalogLockedError, ModelsError, UsageError
from models_catalog.lock import catalog_lock
from models_catalog.publish import (
    BOT_EMAIL,
    BOT_NAME,
    CommandResult,
    PublishOutcome,
    append_step_summary,
    catalog_pathspecs,
    main,
    notices_summary,
    publish_sync,
    report_notices_to_step_summary,
    run_command,
)
from models_catalog.sync.report import CLOSING_LINE

TITLE = "chore(sync): update OpenRouter model catalog"
BRANCH = "automation/sync-models-openrouter"
LABELS = ["automation", "model-sync", "provider:openrouter"]

GH_STUB = textwrap.dedent(
    """\
    import json, os, sys
    from pathlib import Path

    args = sys.argv[1:]
    with open(os.environ["GH_STUB_LOG"], "a") as log:
        log.write(json.dumps(args) + "\\n")
    state = Path(os.environ["GH_STUB_STATE"])
    if args[:2] == ["pr", "list"]:
        prs = state / "open-prs.json"
        print(prs.read_text() if prs.exists() else "[]")
    elif args[:2] == ["label", "list"]:
        labels = state / "labels.json"
        print(labels.read_text() if labels.exists() else "[]")
    elif args[:2] == ["auth", "status"] and os.environ.get("GH_STUB_AUTH") == "fail":
        print("You are not logged into any GitHub hosts.", file=sys.stderr)
        sys.exit(1)
    elif args[:2] == ["pr", "create"] and os.environ.get("GH_STUB_AUTH") == "pr-create-fails":
        print("pull request create failed: GraphQL: Resource not accessible", file=sys.stderr)
        sys.exit(1)
    elif args[:2] == ["pr", "create"]:
        print("https://github.com/example/catalog/pull/12")
    elif args[:2] == ["pr", "edit"]:
        print(f"https://github.com/example/catalog/pull/{args[2]}")
    """
)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@dataclass
class Setup:
    root: Path
    remote: Path
    gh_log: Path
    gh_state: Path
    report: Path

    def clone(self, name: str) -> Path:
        """A fresh checkout of main, as the workflow's actions/checkout makes."""
        work = self.root / name
        git(self.root, "clone", "--quiet", "--branch", "main", str(self.remote), str(work))
        return work

    def gh_calls(self) -> list[list[str]]:
        if not self.gh_log.exists():
            return []
        return [json.loads(line) for line in self.gh_log.read_text().splitlines()]

    def pr_calls(self) -> list[list[str]]:
        return [call for call in self.gh_calls() if call[0] == "pr"]

    def open_pr(self, number: int, labels: Sequence[str] = ()) -> None:
        entry = {"number": number, "labels": [{"id": f"L{n}", "name": n} for n in labels]}
        (self.gh_state / "open-prs.json").write_text(json.dumps([entry]))

    def remote_branches(self) -> list[str]:
        listed = git(self.remote, "for-each-ref", "--format=%(refname:short)", "refs/heads")
        return listed.splitlines()

    def remote_commits(self, branch: str) -> list[str]:
        return git(self.remote, "rev-list", f"main..{branch}").splitlines()


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test Person")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")

    stub_dir = tmp_path / "bin"
    stub_dir.mkdir()
    stub = stub_dir / "gh"
    stub.write_text(f"#!{sys.executable}\n{GH_STUB}")
    stub.chmod(0o755)
    monkeypatch.setenv("PATH", f"{stub_dir}:{Path(sys.executable).parent}:/usr/bin:/bin")
    state = tmp_path / "gh-state"
    state.mkdir()
    monkeypatch.setenv("GH_STUB_LOG", str(tmp_path / "gh.log"))
    monkeypatch.setenv("GH_STUB_STATE", str(state))

    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(remote))
    seed = tmp_path / "seed"
    git(tmp_path, "init", "--quiet", "-b", "main", str(seed))
    (seed / "catalog" / "providers" / "openrouter").mkdir(parents=True)
    (seed / "catalog" / "providers" / "openrouter" / "provider.toml").write_text('name = "OR"\n')
    (seed / "README.md").write_text("catalog\n")
    git(seed, "add", "--all")
    git(seed, "commit", "--quiet", "-m", "initial catalog")
    git(seed, "remote", "add", "origin", str(remote))
    git(seed, "push", "--quiet", "origin", "main")

    report = tmp_path / "model-sync-report.md"
    report.write_text("Synced target `openrouter`.\n\n## Notices\n\nNone.\n")
    return Setup(tmp_path, remote, tmp_path / "gh.log", state, report)


def change_catalog(work: Path, name: str = "gpt.toml", text: str = 'name = "GPT"\n') -> None:
    models = work / "catalog" / "providers" / "openrouter" / "models"
    models.mkdir(parents=True, exist_ok=True)
    (models / name).write_text(text)


def publish(
    work: Path, setup: Setup, provider: str = "openrouter", name: str = "OpenRouter"
) -> PublishOutcome:
    return publish_sync(provider, name, repo=work, report=setup.report)


def test_no_change_makes_no_commit_push_or_gh_call(setup: Setup) -> None:
    work = setup.clone("work")
    head = git(work, "rev-parse", "HEAD")
    outcome = publish(work, setup)
    assert outcome.action == "no-change"
    assert outcome.branch == BRANCH
    assert git(work, "rev-parse", "HEAD") == head
    assert git(work, "branch", "--show-current") == "main"
    assert setup.remote_branches() == ["main"]
    assert setup.gh_calls() == []


def test_only_changes_outside_the_catalog_count_as_no_change(setup: Setup) -> None:
    work = setup.clone("work")
    (work / ".sync").mkdir()
    (work / ".sync" / "model-sync-report.md").write_text("report\n")
    (work / "README.md").write_text("edited\n")
    assert publish(work, setup).action == "no-change"
    assert setup.gh_calls() == []


def test_a_catalog_change_opens_a_pull_request(setup: Setup) -> None:
    work = setup.clone("work")
    change_catalog(work)
    (work / ".sync").mkdir()
    (work / ".sync" / "model-sync-report.md").write_text("report\n")

    outcome = publish(work, setup)

    assert outcome.action == "created"
    assert (outcome.branch, outcome.base) == (BRANCH, "main")
    assert (outcome.pr_number, outcome.pr_url) == (12, "https://github.com/example/catalog/pull/12")
    assert "#12" in outcome.describe()
    [commit] = setup.remote_commits(BRANCH)
    assert commit == outcome.commit
    assert git(setup.remote, "log", "-1", "--format=%s", BRANCH) == TITLE
    committed = git(setup.remote, "show", "--name-only", "--format=", BRANCH).splitlines()
    assert committed == ["catalog/providers/openrouter/models/gpt.toml"]
    assert git(work, "status", "--porcelain", "--", "catalog") == ""

    listing = ["pr", "list", "--head", BRANCH, "--state", "open", "--json", "number,labels"]
    create = ["pr", "create", "--base", "main", "--head", BRANCH, "--title", TITLE]
    create += ["--body-file", str(setup.report.resolve())]
    create += ["--label", "automation", "--label", "model-sync", "--label", "provider:openrouter"]
    assert setup.pr_calls() == [listing, create]


def test_missing_labels_are_created_and_existing_ones_kept(setup: Setup) -> None:
    (setup.gh_state / "labels.json").write_text(json.dumps([{"name": "automation"}]))
    work = setup.clone("work")
    change_catalog(work)
    publish(work, setup)
    created = [call[2] for call in setup.gh_calls() if call[:2] == ["label", "create"]]
    assert created == ["model-sync", "provider:openrouter"]


def test_a_later_run_force_updates_the_branch_and_edits_the_open_pr(setup: Setup) -> None:
    first = setup.clone("first")
    change_catalog(first, text='name = "GPT"\n')
    created = publish(first, setup)
    assert created.action == "created"
    setup.open_pr(7)
    setup.gh_log.unlink()

    second = setup.clone("second")
    change_catalog(second, text='name = "GPT, renamed"\n')
    updated = publish(second, setup)

    assert updated.action == "updated"
    assert (updated.pr_number, updated.base) == (7, "main")
    assert updated.commit != created.commit
    assert setup.remote_commits(BRANCH) == [updated.commit]
    shown = git(setup.remote, "show", f"{BRANCH}:catalog/providers/openrouter/models/gpt.toml")
    assert shown == 'name = "GPT, renamed"'
    edit = ["pr", "edit", "7", "--title", TITLE, "--body-file", str(setup.report.resolve())]
    edit += ["--add-label", "automation", "--add-label", "model-sync"]
    edit += ["--add-label", "provider:openrouter"]
    assert setup.pr_calls()[-1] == edit
    assert not any(call[:2] == ["pr", "create"] for call in setup.gh_calls())


def test_providers_never_share_unmerged_changes(setup: Setup) -> None:
    first = setup.clone("first")
    change_catalog(first)
    publish(first, setup)
    second = setup.clone("second")
    (second / "catalog" / "providers" / "xai").mkdir(parents=True)
    (second / "catalog" / "providers" / "xai" / "grok.toml").write_text('name = "Grok"\n')
    outcome = publish(second, setup, "xai", "xAI")
    assert outcome.branch == "automation/sync-models-xai"
    files = git(setup.remote, "show", "--name-only", "--format=", outcome.branch)
    assert files.splitlines() == ["catalog/providers/xai/grok.toml"]
    assert setup.remote_commits(outcome.branch) == [outcome.commit]


def test_deleted_catalog_files_are_committed(setup: Setup) -> None:
    work = setup.clone("work")
    (work / "catalog" / "providers" / "openrouter" / "provider.toml").unlink()
    outcome = publish(work, setup)
    assert outcome.action == "created"
    status = git(setup.remote, "show", "--name-status", "--format=", BRANCH)
    assert status.split() == ["D", "catalog/providers/openrouter/provider.toml"]


def test_leftovers_of_killed_writes_and_the_lock_file_are_never_committed(setup: Setup) -> None:
    work = setup.clone("work")
    models = work / "catalog" / "providers" / "openrouter" / "models"
    models.mkdir(parents=True)
    (models / f"{TEMP_PREFIX}0123456789abcdef").write_text("half a file")
    (models / ".gpt.toml.ab12cd34.tmp").write_text("half a file")
    (work / "catalog" / LOCK_NAME).write_text("{}")  # left by a killed writer
    assert publish(work, setup).action == "no-change"
    change_catalog(work)
    assert publish(work, setup).action == "created"
    committed = git(setup.remote, "show", "--name-only", "--format=", BRANCH).splitlines()
    assert committed == ["catalog/providers/openrouter/models/gpt.toml"]


def test_publish_during_a_write_fails_at_once(setup: Setup) -> None:
    work = setup.clone("work")
    change_catalog(work)
    with (
        catalog_lock(work / "catalog", "models sync openrouter"),
        pytest.raises(
            CatalogLockedError, match=r"is being written by process \d+ \(`models sync openrouter`"
        ),
    ):
        publish(work, setup)
    assert setup.remote_branches() == ["main"]


def test_a_bot_identity_is_used_when_git_has_none(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("NAME", "EMAIL"):
        for role in ("AUTHOR", "COMMITTER"):
            monkeypatch.delenv(f"GIT_{role}_{variable}")
    monkeypatch.delenv("EMAIL", raising=False)
    work = setup.clone("work")
    change_catalog(work)
    publish(work, setup)
    author = git(setup.remote, "log", "-1", "--format=%an <%ae>|%cn <%ce>", BRANCH)
    assert author == f"{BOT_NAME} <{BOT_EMAIL}>|{BOT_NAME} <{BOT_EMAIL}>"


def test_a_configured_identity_is_kept(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("NAME", "EMAIL"):
        for role in ("AUTHOR", "COMMITTER"):
            monkeypatch.delenv(f"GIT_{role}_{variable}")
    work = setup.clone("work")
    git(work, "config", "user.name", "Maintainer")
    git(work, "config", "user.email", "maintainer@example.com")
    change_catalog(work)
    publish(work, setup)
    assert git(setup.remote, "log", "-1", "--format=%an <%ae>", BRANCH) == (
        "Maintainer <maintainer@example.com>"
    )


def test_an_explicit_base_and_catalog_folder(setup: Setup) -> None:
    work = setup.clone("work")
    change_catalog(work)
    outcome = publish_sync(
        "openrouter",
        "OpenRouter",
        repo=work,
        catalog="catalog/providers",
        report=setup.report,
        base="dev",
    )
    assert outcome.base == "dev"
    assert setup.pr_calls()[-1][2:4] == ["--base", "dev"]


def test_a_failing_git_command_names_the_command_and_its_error(setup: Setup) -> None:
    work = setup.clone("work")
    git(work, "remote", "add", "gone", str(setup.root / "gone.git"))
    change_catalog(work)
    with pytest.raises(ModelsError) as raised:
        publish_sync("openrouter", "OpenRouter", repo=work, report=setup.report, remote="gone")
    message = str(raised.value)
    assert message.startswith("`git ls-remote --heads gone refs/heads/automation/")
    assert "failed with exit status 128" in message
    assert message.endswith("fatal: Could not read from remote repository.")
    assert "\n" not in message
    assert not any(call[:2] == ["pr", "create"] for call in setup.gh_calls())


def test_outside_a_repository_the_status_command_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(
        ModelsError,
        match=r"^`git status --porcelain --untracked-files=all -- catalog .*` failed .*git",
    ):
        publish_sync("openrouter", "OpenRouter", repo=tmp_path, report=tmp_path / "r.md")


def test_a_missing_report_is_refused_before_any_commit(setup: Setup) -> None:
    work = setup.clone("work")
    change_catalog(work)
    with pytest.raises(ModelsError, match="report"):
        publish_sync("openrouter", "OpenRouter", repo=work, report=setup.root / "missing.md")
    assert git(work, "branch", "--show-current") == "main"
    assert setup.remote_branches() == ["main"]


def test_a_detached_head_needs_an_explicit_base(setup: Setup) -> None:
    work = setup.clone("work")
    git(work, "checkout", "--quiet", "--detach")
    change_catalog(work)
    with pytest.raises(ModelsError, match="detached"):
        publish(work, setup)


def test_provider_id_and_name_are_checked(setup: Setup) -> None:
    work = setup.clone("work")
    with pytest.raises(UsageError):
        publish_sync("Open Router", "OpenRouter", repo=work, report=setup.report)
    with pytest.raises(UsageError):
        publish_sync("openrouter", " ", repo=work, report=setup.report)


def test_a_runner_observes_every_command(setup: Setup) -> None:
    calls: list[tuple[str, ...]] = []

    def recording(args: Sequence[str], *, cwd: Path, check: bool = True) -> CommandResult:
        calls.append(tuple(args))
        return run_command(args, cwd=cwd, check=check)

    work = setup.clone("work")
    assert (
        publish_sync(
            "openrouter", "OpenRouter", repo=work, report=setup.report, run=recording
        ).action
        == "no-change"
    )
    assert calls == [
        (
            "git",
            "status",
            "--porcelain",
            "--untracked-files=all",
            "--",
            *catalog_pathspecs("catalog"),
        )
    ]


def test_gh_output_that_is_not_json_is_an_error(setup: Setup) -> None:
    (setup.gh_state / "open-prs.json").write_text("oops")
    work = setup.clone("work")
    change_catalog(work)
    with pytest.raises(ModelsError, match=r"`gh pr list .*` printed 'oops', not a JSON list"):
        publish(work, setup)


def test_a_missing_executable_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ModelsError, match="not installed or not on PATH"):
        run_command(["no-such-tool-for-models-catalog", "x"], cwd=tmp_path)


def test_an_unchecked_failure_is_returned(tmp_path: Path) -> None:
    result = run_command(["git", "config", "--get", "no.such-key"], cwd=tmp_path, check=False)
    assert result.returncode != 0


REPORT = f"""\
Synced target `google`.

| Provider | Status | Created | Updated | Deleted |
| --- | --- | ---: | ---: | ---: |
| Google (google) | changed | 0 | 1 | 0 |

<details>
<summary>Google: 0 created, 1 updated, 0 deleted</summary>

- updated: `providers/google/models/gemini.toml`
</details>

## Notices

### Google

- Skipped new model gemini-9 (no authoritative pricing)
- Retained providers/google/models/old.toml

{CLOSING_LINE}
"""


def test_notices_summary_is_the_notices_section() -> None:
    assert notices_summary(REPORT) == (
        "## Notices\n\n### Google\n\n"
        "- Skipped new model gemini-9 (no authoritative pricing)\n"
        "- Retained providers/google/models/old.toml\n"
    )


def test_notices_summary_of_a_report_without_notices() -> None:
    assert notices_summary("Synced target `x`.\n\n| a |\n") == ""
    assert notices_summary(f"## Notices\n\nNone.\n\n{CLOSING_LINE}\n") == "## Notices\n\nNone.\n"


def test_step_summary_is_appended_only_when_configured(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# Earlier step\n")
    assert append_step_summary("## Notices\n", {}) is None
    assert append_step_summary("", {"GITHUB_STEP_SUMMARY": str(summary)}) is None
    assert append_step_summary("## Notices", {"GITHUB_STEP_SUMMARY": str(summary)}) == summary
    assert summary.read_text() == "# Earlier step\n## Notices\n"


def test_report_notices_go_to_the_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.md"
    report.write_text(REPORT)
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    assert report_notices_to_step_summary(tmp_path / "missing.md", env) is None
    assert report_notices_to_step_summary(report, env) == summary
    assert summary.read_text() == notices_summary(REPORT)

    summary.unlink()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["--step-summary", str(report)]) == 0
    assert summary.read_text() == notices_summary(REPORT)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    assert main(["--step-summary", str(report)]) == 0
    assert "No notices" in capsys.readouterr().out


def test_the_lease_refuses_to_overwrite_a_branch_pushed_meanwhile(setup: Setup) -> None:
    first = setup.clone("first")
    change_catalog(first)
    publish(first, setup)
    intruder = setup.clone("intruder")
    git(intruder, "checkout", "--quiet", BRANCH)
    (intruder / "catalog" / "manual.toml").write_text("x = 1\n")
    git(intruder, "add", "--all")
    git(intruder, "commit", "--quiet", "-m", "manual fix")

    def racing(args: Sequence[str], *, cwd: Path, check: bool = True) -> CommandResult:
        if list(args[:2]) == ["git", "push"]:
            git(intruder, "push", "--quiet", "origin", BRANCH)
        return run_command(args, cwd=cwd, check=check)

    second = setup.clone("second")
    change_catalog(second, text='name = "GPT 2"\n')
    with pytest.raises(ModelsError, match=r"^`git push --quiet --force-with-lease=.*` failed"):
        publish_sync("openrouter", "OpenRouter", repo=second, report=setup.report, run=racing)
    assert git(setup.remote, "log", "-1", "--format=%s", BRANCH) == "manual fix"


def test_the_publish_command_uses_the_registry_name_and_the_report(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from models_catalog.cli import app

    work = setup.clone("cli")
    change_catalog(work)
    (work / ".sync").mkdir()
    (work / ".sync" / "model-sync-report.md").write_text("the report\n")
    monkeypatch.chdir(work)
    result = CliRunner().invoke(app, ["publish", "openrouter"])
    assert result.exit_code == 0, result.stderr
    create = next(call for call in setup.pr_calls() if call[1] == "create")
    assert create[create.index("--title") + 1] == "chore(sync): update OpenRouter model catalog"
    body = Path(create[create.index("--body-file") + 1])
    assert body.read_text() == "the report\n"


CHECKED_REPORT = (
    "Synced target `openrouter`.\n\n## Notices\n\n### OpenRouter\n\n"
    "- **Check:** providers/openrouter/models/gpt.toml: cost.input 3 → 30 (10x higher)\n"
    "- Skipped 1 model.\n"
)


def test_a_report_with_price_checks_adds_needs_review(setup: Setup) -> None:
    setup.report.write_text(CHECKED_REPORT)
    work = setup.clone("work")
    change_catalog(work)
    publish(work, setup)
    created = [call[2] for call in setup.gh_calls() if call[:2] == ["label", "create"]]
    assert created == ["automation", "model-sync", "provider:openrouter", "needs-review"]
    create = setup.pr_calls()[-1]
    assert create[1] == "create"
    assert create[-2:] == ["--label", "needs-review"]


def test_notices_without_checks_add_no_needs_review(setup: Setup) -> None:
    setup.report.write_text(CHECKED_REPORT.replace("- **Check:** ", "- Check "))
    work = setup.clone("work")
    change_catalog(work)
    publish(work, setup)
    assert not any("needs-review" in call for call in setup.gh_calls())


def test_an_open_pr_gains_needs_review_with_checks_and_loses_it_without(
    setup: Setup,
) -> None:
    first = setup.clone("first")
    change_catalog(first)
    publish(first, setup)
    setup.open_pr(7, ["automation", "needs-review"])
    setup.report.write_text(CHECKED_REPORT)
    second = setup.clone("second")
    change_catalog(second, text='name = "GPT 2"\n')
    publish(second, setup)
    edit = setup.pr_calls()[-1]
    assert edit[:3] == ["pr", "edit", "7"]
    assert edit[-2:] == ["--add-label", "needs-review"] and "--remove-label" not in edit

    setup.report.write_text("Synced target `openrouter`.\n\n## Notices\n\nNone.\n")
    third = setup.clone("third")
    change_catalog(third, text='name = "GPT 3"\n')
    publish(third, setup)
    edit = setup.pr_calls()[-1]
    assert edit[-2:] == ["--remove-label", "needs-review"]
    assert edit.count("needs-review") == 1

    setup.open_pr(7, ["automation"])
    fourth = setup.clone("fourth")
    change_catalog(fourth, text='name = "GPT 4"\n')
    publish(fourth, setup)
    assert "needs-review" not in setup.pr_calls()[-1]


def _untouched(work: Path, setup: Setup, head: str) -> None:
    """Publishing changed nothing in git: same branch and commit, no sync branch, no push."""
    assert git(work, "branch", "--show-current") == "main"
    assert git(work, "rev-parse", "HEAD") == head
    assert git(work, "branch", "--list", BRANCH) == ""
    assert setup.remote_branches() == ["main"]


def test_without_gh_nothing_is_committed_switched_or_pushed(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = setup.clone("work")
    head = git(work, "rev-parse", "HEAD")
    change_catalog(work)
    only_git = setup.root / "only-git"
    only_git.mkdir()
    (only_git / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    monkeypatch.setenv("PATH", str(only_git))
    with pytest.raises(ModelsError, match=r"^`gh` is not installed or not on PATH"):
        publish(work, setup)
    _untouched(work, setup, head)
    assert (work / "catalog/providers/openrouter/models/gpt.toml").exists()


def test_gh_not_logged_in_is_refused_first(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    work = setup.clone("work")
    head = git(work, "rev-parse", "HEAD")
    change_catalog(work)
    monkeypatch.setenv("GH_STUB_AUTH", "fail")
    with pytest.raises(ModelsError, match=r"^`gh` is not logged in to GitHub .*gh auth login"):
        publish(work, setup)
    _untouched(work, setup, head)
    assert [call[:2] for call in setup.gh_calls()] == [["auth", "status"]]


def test_a_missing_remote_and_changes_outside_the_catalog_are_refused_first(
    setup: Setup,
) -> None:
    work = setup.clone("work")
    head = git(work, "rev-parse", "HEAD")
    change_catalog(work)
    with pytest.raises(ModelsError, match=r"^the repository has no remote 'nowhere'"):
        publish_sync("openrouter", "OpenRouter", repo=work, report=setup.report, remote="nowhere")
    (work / "README.md").write_text("edited outside the catalog\n")
    with pytest.raises(ModelsError, match=r"outside the catalog have uncommitted changes \(README"):
        publish(work, setup)
    _untouched(work, setup, head)


def test_a_later_failure_returns_to_the_starting_branch_with_the_changes(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = setup.clone("work")
    head = git(work, "rev-parse", "HEAD")
    change_catalog(work)
    monkeypatch.setenv("GH_STUB_AUTH", "pr-create-fails")
    with pytest.raises(ModelsError, match=r"^`gh pr create"):
        publish(work, setup)
    assert git(work, "branch", "--show-current") == "main"
    assert git(work, "rev-parse", "HEAD") == head
    assert git(work, "status", "--porcelain") == "?? catalog/providers/openrouter/models/"
    assert (work / "catalog/providers/openrouter/models/gpt.toml").read_text() == 'name = "GPT"\n'


def test_the_publish_command_takes_the_catalog_as_every_command_does(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from models_catalog.cli import app

    work = setup.clone("cli")
    head = git(work, "rev-parse", "HEAD")
    change_catalog(work)
    (work / ".sync").mkdir()
    (work / ".sync" / "model-sync-report.md").write_text("the report\n")
    monkeypatch.chdir(work)
    monkeypatch.setenv("MODELS_CATALOG", str(work / "README.md"))
    refused = CliRunner().invoke(app, ["publish", "openrouter"])
    assert refused.exit_code == 2
    assert "(from $MODELS_CATALOG) is not a folder" in refused.stderr
    _untouched(work, setup, head)
    monkeypatch.setenv("MODELS_CATALOG", str(work / "catalog"))
    result = CliRunner().invoke(app, ["publish", "openrouter"])
    assert result.exit_code == 0, result.stderr
    committed = git(setup.remote, "show", "--name-only", "--format=", BRANCH).splitlines()
    assert committed == ["catalog/providers/openrouter/models/gpt.toml"]
    monkeypatch.delenv("MODELS_CATALOG")
    git(work, "checkout", "--quiet", "main")
    change_catalog(work, "o3.toml")
    global_option = CliRunner().invoke(app, ["--catalog", "catalog", "publish", "openrouter"])
    assert global_option.exit_code == 0, global_option.stderr
