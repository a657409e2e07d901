"""Nothing lost: every fault a sync or fmt can meet while writing leaves the catalog as it was.

Each test is a reproduction from issue 8, run through the command line: the exit status, one
sentence, and a snapshot of every file and link of the catalog (and of anything outside it the
run could reach) before and after.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from models_catalog.changeset import TEMP_PREFIX, Change, apply_changes
from models_catalog.cli import app
from models_catalog.errors import WriteRefusedError
from models_catalog.lock import catalog_lock
from models_catalog.sync.contract import CatalogView, SyncProvider, Translation

from .conftest import FULL_MODEL, MakeCatalog, snapshot
from .reference_responses import openrouter_record, openrouter_response

runner = CliRunner()
MODELS = "providers/openrouter/models"
QWEN = f"{MODELS}/qwen/qwen3-8b.toml"
REPORT = Path(".sync/model-sync-report.md")
# What a sync writes for FULL_MODEL: the translation always states structured_output.
SYNCED = FULL_MODEL.replace("tool_call = true\n", "tool_call = true\nstructured_output = false\n")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the report goes to ./.sync
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)


def qwen_like(model_id: str, **prices: float) -> dict[str, Any]:
    model = tomllib.loads(FULL_MODEL)
    model["cost"].update(prices)
    return openrouter_record(model_id, model)


def source(root: Path, *extra: dict[str, Any], name: str = "response.json") -> Path:
    """A saved response: the catalog's own records, then `extra` ones."""
    response = openrouter_response(root)
    ids = {r["id"] for r in extra}
    response["data"] = [r for r in response["data"] if r["id"] not in ids] + list(extra)
    path = root.parent / name
    path.write_text(json.dumps(response), encoding="utf-8")
    return path


def sync(root: Path, response: Path, *args: str) -> Any:
    argv = ["sync", "openrouter", "--catalog", str(root), "--source", str(response), *args]
    return runner.invoke(app, argv)


def one_sentence(result: Any) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return str(lines[0])


def assert_refused(result: Any, before: dict[str, bytes | str], root: Path, words: str) -> str:
    assert result.exit_code == 1, result.stdout + result.stderr
    line = one_sentence(result)
    assert words in line
    assert snapshot(root) == before
    return line


def failed_report() -> str:
    text = REPORT.read_text(encoding="utf-8")
    assert "| OpenRouter (openrouter) | failed | - | - | - |" in text
    assert "nothing was written for this provider" in text
    return text


# Half-written on failure


def test_a_file_that_would_be_a_folder_of_another_writes_nothing(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    response = source(root, qwen_like("aaa/ok"), qwen_like("zzz"), qwen_like("zzz.toml/x"))
    before = snapshot(root)
    line = assert_refused(sync(root, response), before, root, "would be both a file and the folder")
    assert (
        f"{MODELS}/zzz.toml would be both a file and the folder of {MODELS}/zzz.toml/x.toml" in line
    )
    failed_report()


def test_a_name_the_file_system_refuses_writes_nothing(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    response = source(root, qwen_like("aaa/ok"), qwen_like("zzz/" + "x" * 252))
    before = snapshot(root)
    assert_refused(sync(root, response), before, root, "is 257 bytes long; file systems allow 255")


def test_a_long_name_that_fits_is_written_whole(make_catalog: MakeCatalog) -> None:
    """250 bytes + `.toml` is a legal name; the temporary name never is longer than it."""
    root = make_catalog({})
    long_id = "zzz/" + "x" * 250
    result = sync(root, source(root, qwen_like("aaa/ok"), qwen_like(long_id)))
    assert result.exit_code == 0, result.stderr
    assert (root / MODELS / f"{long_id}.toml").is_file() and (
        root / MODELS / "aaa/ok.toml"
    ).is_file()
    assert not [p for p in root.rglob(f"{TEMP_PREFIX}*")]


def test_an_id_with_a_lone_surrogate_never_reaches_the_disk(make_catalog: MakeCatalog) -> None:
    """The translation rejects the id (a notice); the write step would refuse it too."""
    root = make_catalog({QWEN: SYNCED})
    response = source(root, qwen_like("aaa/ok"), qwen_like("zzz/bad\udcff"))
    assert "\\udcff" in response.read_text()
    result = sync(root, response)
    assert result.exit_code == 0, result.stderr
    assert "Rejected unsafe id 'zzz/bad\\udcff'" in result.stdout
    assert not (root / MODELS / "zzz").exists()

    before = snapshot(root)
    changes = [Change(f"{MODELS}/aaa/two.toml", b"x"), Change(f"{MODELS}/zzz/bad\udcff.toml", b"x")]
    with pytest.raises(WriteRefusedError, match=r"bad\\udcff.toml is not valid UTF-8"):
        apply_changes(root, [MODELS], changes)
    assert snapshot(root) == before


def many_models(count: int) -> dict[str, str]:
    return {QWEN: SYNCED, **{f"{MODELS}/lab/m{i:03}.toml": SYNCED for i in range(count)}}


def price_change(root: Path, count: int) -> Path:
    return source(root, *(qwen_like(f"lab/m{i:03}", input=0.07) for i in range(count)))


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    paths: list[Path] = []
    yield paths
    for path in paths:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def test_an_immutable_file_in_the_middle_writes_nothing(
    make_catalog: MakeCatalog, immutable: list[Path]
) -> None:
    root = make_catalog(many_models(30))
    middle = root / MODELS / "lab/m015.toml"
    chattr = shutil.which("chattr")
    done = chattr and subprocess.run([chattr, "+i", str(middle)], capture_output=True).returncode
    if not chattr or done != 0:
        pytest.skip("chattr +i is not available here (no chattr, or a file system without it)")
    immutable.append(middle)
    before = snapshot(root)
    line = assert_refused(sync(root, price_change(root, 30)), before, root, "nothing was written")
    assert f"{MODELS}/lab/m015.toml: Operation not permitted" in line
    failed_report()


def test_a_read_only_folder_in_the_middle_writes_nothing(make_catalog: MakeCatalog) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions (the immutable-file test covers this)")
    root = make_catalog(many_models(30))
    (root / MODELS / "lab").chmod(0o555)
    try:
        before = snapshot(root)
        assert_refused(sync(root, price_change(root, 30)), before, root, "Permission denied")
    finally:
        (root / MODELS / "lab").chmod(0o755)


def test_a_failure_during_the_commit_puts_back_what_was_written(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 15th rename fails (as a read-only file system or a vanished folder would make it):
    the 14 files already renamed are put back from their backups."""
    root = make_catalog(many_models(30))
    response = price_change(root, 30)
    before = snapshot(root)
    real_replace = os.replace
    calls = 0

    def failing(src: Any, dst: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 15:
            raise OSError(errno.EROFS, "Read-only file system", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    line = assert_refused(sync(root, response), before, root, "Read-only file system")
    assert "the 14 files already written were put back, nothing was changed" in line
    monkeypatch.setattr(os, "replace", real_replace)
    failed_report()


def test_an_unwritable_report_is_found_before_any_model_file_is_written(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog(many_models(5))
    Path(".sync").write_text("not a folder\n")
    before = snapshot(root)
    line = assert_refused(sync(root, price_change(root, 5)), before, root, "nothing was written")
    assert line == (
        "error: the sync report .sync/model-sync-report.md cannot be written: .sync is not a "
        "folder; nothing was written"
    )
    assert Path(".sync").read_text() == "not a folder\n"


def test_a_failed_run_still_writes_its_report(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    response = root.parent / "empty.json"
    response.write_text('{"data": []}')
    result = sync(root, response)
    assert result.exit_code == 1
    assert "the API returned no models" in failed_report()


# A link removed before its replacement exists


@pytest.mark.parametrize("link", ["symlink", "git link stub"])
def test_a_full_disk_keeps_a_linked_model_file_whose_price_changes(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch, link: str
) -> None:
    target = "../../../../shared/qwen.toml"
    root = make_catalog({"shared/qwen.toml": FULL_MODEL, QWEN: "" if link == "symlink" else target})
    if link == "symlink":
        (root / QWEN).parent.mkdir(parents=True, exist_ok=True)
        (root / QWEN).symlink_to(target)
    response = source(root, qwen_like("qwen/qwen3-8b", input=0.07))
    before = snapshot(root)

    def full(fd: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    line = assert_refused(sync(root, response), before, root, "No space left on device")
    assert f"cannot write {QWEN}: No space left on device; nothing was written" in line
    failed_report()
    monkeypatch.undo()
    assert sync(root, response).exit_code == 0  # with room: replaced by a regular file
    assert not (root / QWEN).is_symlink() and "input = 0.07" in (root / QWEN).read_text()
    assert (root / "shared/qwen.toml").read_text() == FULL_MODEL


def test_a_file_on_disk_where_the_plan_needs_a_folder_writes_nothing(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({QWEN: SYNCED, f"{MODELS}/zzz.toml": SYNCED})
    response = source(root, qwen_like("aaa/ok"), qwen_like("zzz.toml/x"))
    before = snapshot(root)
    line = assert_refused(sync(root, response), before, root, "nothing was written")
    assert f"{MODELS}/zzz.toml is a file, not a folder: {MODELS}/zzz.toml/x.toml would be" in line


# Folder links are never written or deleted through


def test_a_folder_link_inside_the_provider_folder_is_left_alone(make_catalog: MakeCatalog) -> None:
    root = make_catalog({QWEN: SYNCED})
    response = source(root)  # the API's ids: none of them under alias/
    (root / MODELS / "alias").symlink_to("anthropic")
    before = snapshot(root)
    result = sync(root, response)
    assert result.exit_code == 0, result.stderr
    assert snapshot(root) == before
    notice = f"Left 1 file alone behind {MODELS}/alias is a link to anthropic"
    assert notice in result.stdout and notice in REPORT.read_text()


def test_a_link_to_another_providers_folder_deletes_nothing_there(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({QWEN: SYNCED, "providers/xai/models/grok.toml": FULL_MODEL})
    response = source(root, qwen_like("xlink/new"))
    (root / MODELS / "xlink").symlink_to("../../xai/models")
    before = snapshot(root)
    result = sync(root, response)
    assert result.exit_code == 0, result.stderr
    assert snapshot(root) == before
    assert "Left 2 files alone behind providers/openrouter/models/xlink" in result.stdout


def test_a_models_folder_linked_outside_the_catalog_is_an_error(
    make_catalog: MakeCatalog, tmp_path: Path
) -> None:
    root = make_catalog({})
    outside = tmp_path / "outside"
    shutil.move(root / MODELS, outside)
    (root / MODELS).symlink_to(outside)
    response = source(root, qwen_like("aaa/new"))
    before, outside_before = snapshot(root), snapshot(outside)
    assert_refused(sync(root, response), before, root, f"{MODELS}: folder lies outside the catalog")
    assert snapshot(outside) == outside_before


def test_a_models_folder_linked_to_another_providers_folder_is_an_error(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({"providers/xai/models/grok.toml": SYNCED})
    shutil.rmtree(root / MODELS)
    (root / MODELS).symlink_to("../xai/models")
    response = source(root, qwen_like("aaa/new"))
    before = snapshot(root)
    line = assert_refused(sync(root, response), before, root, f"{MODELS} is a link to ../xai")
    assert "sync writes only into real folders of the catalog" in line


def test_a_folder_inside_linked_outside_the_catalog_is_an_error(
    make_catalog: MakeCatalog, tmp_path: Path
) -> None:
    root = make_catalog({QWEN: SYNCED})
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "old.toml").write_text(FULL_MODEL)
    response = source(root, qwen_like("far/new"))
    (root / MODELS / "far").symlink_to(outside)
    before, outside_before = snapshot(root), snapshot(outside)
    assert_refused(sync(root, response), before, root, f"{MODELS}/far: folder link leads outside")
    assert snapshot(outside) == outside_before


def test_fmt_never_writes_through_a_folder_link(make_catalog: MakeCatalog, tmp_path: Path) -> None:
    unformatted = FULL_MODEL.replace(
        'name = "Qwen3 8B"\nfamily = "qwen"', 'family = "qwen"\nname = "Qwen3 8B"'
    )
    root = make_catalog({"providers/xai/models/grok.toml": unformatted})
    (root / MODELS / "xlink").symlink_to("../../xai/models")
    result = runner.invoke(app, ["fmt", "--catalog", str(root), str(root / MODELS / "xlink")])
    assert result.exit_code == 0, result.stderr
    assert (root / "providers/xai/models/grok.toml").read_text() == unformatted
    assert "1 links skipped" in result.stderr

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.toml").write_text(unformatted)
    (root / MODELS / "far").symlink_to(outside)
    before, outside_before = snapshot(root), snapshot(outside)
    result = runner.invoke(app, ["fmt", "--catalog", str(root)])
    assert result.exit_code == 1
    assert "far: error: folder link leads outside the catalog" in result.stderr
    assert snapshot(root) == before and snapshot(outside) == outside_before


# One writer at a time


def hold_lock(root: Path) -> subprocess.Popen[str]:
    """Another process holding the catalog's write lock until its stdin closes."""
    code = (
        "import sys; from pathlib import Path; from models_catalog.lock import catalog_lock\n"
        f"with catalog_lock(Path({str(root)!r}), 'models sync openrouter'):\n"
        "    print('locked', flush=True); sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    holder.stdin.close()
    assert holder.wait(timeout=10) == 0


def test_a_second_writer_fails_at_once_naming_the_holder(make_catalog: MakeCatalog) -> None:
    root = make_catalog(many_models(3))
    response = price_change(root, 3)
    holder = hold_lock(root)
    try:
        before = snapshot(root)
        checked = runner.invoke(app, ["validate", "--strict", "--catalog", str(root)])
        assert checked.exit_code == 0, checked.stdout  # the lock file is no finding
        for argv in (
            ["sync", "openrouter", "--catalog", str(root), "--source", str(response)],
            ["fmt", "--catalog", str(root)],
        ):
            result = runner.invoke(app, argv)
            line = assert_refused(result, before, root, f"is being written by process {holder.pid}")
            assert "(`models sync openrouter`, since " in line
        dry = sync(root, response, "--dry-run")
        assert dry.exit_code == 0, dry.stderr  # reading needs no lock
    finally:
        release(holder)
    assert not (root / ".models.lock").exists()
    assert sync(root, response).exit_code == 0


def test_a_lock_left_by_a_killed_process_is_taken_over(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    holder = hold_lock(root)
    holder.kill()
    holder.wait()
    assert (root / ".models.lock").exists()
    with catalog_lock(root, "test"):
        assert json.loads((root / ".models.lock").read_text())["command"] == "test"
    assert not (root / ".models.lock").exists()


# Leftovers of killed runs


def test_leftovers_are_named_by_validate_and_removed_by_the_next_sync(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({})
    leftover = root / MODELS / "qwen" / f"{TEMP_PREFIX}0123456789abcdef"
    leftover.write_text("half")
    old_style = root / MODELS / "qwen" / ".qwen3-8b.toml.ab12cd34.tmp"
    old_style.write_text("half")
    result = runner.invoke(app, ["validate", "--catalog", str(root), "--strict"])
    assert result.exit_code == 1
    # --strict makes the warning an error, and labels it so.
    assert f"{leftover.relative_to(root)}: error: temporary file of an interrupted write" in (
        result.stdout
    )
    assert sync(root, source(root)).exit_code == 0
    assert not leftover.exists() and not old_style.exists()


# Interrupts


def models_cli() -> str:
    script = Path(sys.executable).parent / "models"
    if not script.exists():
        pytest.skip(f"the console script is not installed next to {sys.executable}")
    return str(script)


def start_sync(root: Path, response: Path, cwd: Path) -> subprocess.Popen[str]:
    argv = [models_cli(), "sync", "openrouter", "--catalog", str(root), "--source", str(response)]
    return subprocess.Popen(
        argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def wait_for_temporary_files(child: subprocess.Popen[str], folder: Path, count: int) -> None:
    """Wait until the run has staged `count` temporary files and backups (or has ended)."""
    while child.poll() is None:
        if sum(n.startswith(TEMP_PREFIX) for n in os.listdir(folder)) >= count:
            return
        time.sleep(0.001)


def wait_for_commit(child: subprocess.Popen[str], first: Path) -> None:
    """Wait until the first file of the plan has its new content (or the run has ended)."""
    old = first.read_bytes()
    while child.poll() is None and first.read_bytes() == old:
        time.sleep(0.0005)


def test_interrupts_at_many_points_leave_every_file_old_or_new(
    make_catalog: MakeCatalog, tmp_path: Path
) -> None:
    """SIGINT while planning, staging or committing: every file old, or every file new, and the
    report says which. SIGKILL while staging or committing: every file old or new, and the
    next run removes the leftovers and completes."""
    count = 300
    root = make_catalog(many_models(count))
    response = price_change(root, count)
    pristine = tmp_path / "pristine"
    shutil.copytree(root, pristine, symlinks=True)
    old = snapshot(pristine)
    assert sync(root, response).exit_code == 0
    new = snapshot(root)
    assert sum(new[rel] != old[rel] for rel in old) == count

    # Each update stages a new content and a backup: 2 * count files, then the commit starts.
    commit = 2 * count + 1
    points = [(None, signal.SIGINT), (1, signal.SIGINT), (count, signal.SIGTERM)]
    points += [(commit, signal.SIGINT), (count, signal.SIGKILL), (commit, signal.SIGKILL)]
    seen: dict[str, int] = {}
    for index, (staged, sig) in enumerate(points):
        work, cwd = tmp_path / f"catalog{index}", tmp_path / f"cwd{index}"
        shutil.copytree(pristine, work, symlinks=True)
        cwd.mkdir()
        child = start_sync(work, response, cwd)
        if staged is None:
            time.sleep(0.3)  # starting up or planning
        elif staged == commit:
            wait_for_commit(child, work / MODELS / "lab" / "m000.toml")
        else:
            wait_for_temporary_files(child, work / MODELS / "lab", staged)
        child.send_signal(sig)
        _, stderr = child.communicate(timeout=60)
        state = snapshot(work)
        leftovers = [rel for rel in state if Path(rel).name.startswith(TEMP_PREFIX)]
        files = {rel: data for rel, data in state.items() if rel not in leftovers}
        files.pop(".models.lock", None)  # a killed run leaves it; the next run takes it over
        assert set(files) == set(old)
        assert all(files[rel] in (old[rel], new[rel]) for rel in files), "a file is neither"
        written = sum(files[rel] != old[rel] for rel in files)
        if sig != signal.SIGKILL:  # SIGTERM ends a sync as Ctrl-C does
            assert not leftovers and not (work / ".models.lock").exists()
            assert written in (0, count), f"SIGINT left {written} of {count} files new"
            if not (cwd / REPORT).exists():  # stopped as Python started, before the tool ran
                assert child.returncode != 0 and not written
                report = "was interrupted: nothing had been written"
            else:
                report = (cwd / REPORT).read_text()
            if child.returncode != 0 and not (cwd / REPORT).exists():
                pass
            elif "was interrupted" not in report:  # the signal came as the run ended
                assert written and "| OpenRouter (openrouter) | changed |" in report
            else:
                assert child.returncode == 130 and stderr == "error: interrupted\n", stderr
                says_written = "interrupted: only `openrouter` had been written" in report
                assert says_written == bool(written), report
                assert says_written or "interrupted: nothing had been written" in report
            key = f"{sig.name}: {'all new' if written else 'all old'}"
        else:
            again = start_sync(work, response, cwd)
            assert again.wait(timeout=60) == 0
            assert snapshot(work) == new  # leftovers removed, the sync completed
            key = f"SIGKILL: {written} new, {len(leftovers)} leftovers"
        seen[key] = seen.get(key, 0) + 1
        shutil.rmtree(work)
    print(seen)


# Group runs


class _Writer(SyncProvider[str]):
    """A provider whose every record becomes a copy of the Qwen model under that id."""

    group = "test"

    def __init__(self, provider_id: str, ids: list[str]) -> None:
        self.id = provider_id
        self.name = provider_id.title()
        self._ids = ids

    def fetch(self, client: Any, env: Mapping[str, str]) -> Any:
        return self._ids

    def parse(self, raw: Any) -> Sequence[str]:
        return list(raw)

    def translate(self, record: str, view: CatalogView) -> Translation | None:
        return Translation(record, tomllib.loads(SYNCED))


def test_a_group_writes_each_provider_in_the_main_thread_and_alone(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plans are made concurrently; each provider's files are then committed in the main
    thread (where interrupts can be held); one provider's refused write leaves the other's."""
    root = make_catalog({})
    providers = {
        "alpha": _Writer("alpha", ["one", "two"]),
        "beta": _Writer("beta", ["z", "z.toml/x"]),
    }
    monkeypatch.setattr("models_catalog.sync.command.resolve_target", lambda t: list(providers))
    monkeypatch.setattr("models_catalog.sync.command.load_provider", providers.__getitem__)
    threads: list[threading.Thread] = []

    def recording(*args: Any, **kwargs: Any) -> None:
        threads.append(threading.current_thread())
        apply_changes(*args, **kwargs)

    monkeypatch.setattr("models_catalog.sync.runner.apply_changes", recording)
    before = snapshot(root)
    result = runner.invoke(app, ["sync", "pair", "--catalog", str(root)])
    assert result.exit_code == 1
    assert one_sentence(result).startswith(
        "beta: failed: providers/beta/models/z.toml would be both a file and the folder of"
    )
    assert threads == [threading.main_thread()] * 2
    after = snapshot(root)
    assert sorted(set(after) - set(before)) == [
        "providers/alpha/models/one.toml",
        "providers/alpha/models/two.toml",
    ]
    assert all(after[rel] == before[rel] for rel in before)
    report = REPORT.read_text()
    assert "| Alpha (alpha) | changed | 2 | 0 | 0 |" in report
    assert "| Beta (beta) | failed | - | - | - |" in report
