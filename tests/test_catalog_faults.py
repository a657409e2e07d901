"""Hostile catalog files as a user meets them: FIFOs, devices, links leaving the catalog, folder
link loops, unreadable folders, nesting bombs, huge files. Every command finishes with one clear
message per problem and writes nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from models_catalog.cli import app

from .conftest import MakeCatalog, snapshot

MODELS = "providers/openrouter/models"
runner = CliRunner()


def models(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The console script in a child process, so that a hang fails the test instead of it."""
    command = [sys.executable, "-m", "models_catalog", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def test_a_fifo_is_named_as_an_error_and_never_opened_for_a_blocking_read(
    make_catalog: MakeCatalog,
) -> None:
    root = make_catalog({})
    os.mkfifo(root / MODELS / "x.toml")
    for command in ("validate", "build", "fmt"):
        result = models(command, "--catalog", str(root), timeout=30)
        assert result.returncode == 1, (command, result.stderr)
        output = result.stdout + result.stderr
        assert f"{MODELS}/x.toml: error: is a FIFO, not a regular file; not read" in output
        assert "Traceback" not in output


def test_a_socket_is_named_as_an_error(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(root / MODELS / "s.toml"))
        result = runner.invoke(app, ["validate", "--catalog", str(root)])
    assert result.exit_code == 1
    assert f"{MODELS}/s.toml: error: is a socket, not a regular file; not read" in result.stdout


def test_a_link_to_a_device_outside_the_catalog_is_not_read(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    (root / MODELS / "zero.toml").symlink_to("/dev/zero")
    result = models("validate", "--catalog", str(root), timeout=30)
    assert result.returncode == 1
    assert (
        f"{MODELS}/zero.toml: error: link target '/dev/zero' lies outside the catalog"
        in result.stdout
    )


def test_a_link_to_a_fifo_inside_the_catalog_is_refused(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    os.mkfifo(root / "pipe")
    (root / MODELS / "p.toml").symlink_to("../../../pipe")
    result = models("validate", "--catalog", str(root), timeout=30)
    assert result.returncode == 1
    assert f"{MODELS}/p.toml: error: is a FIFO, not a regular file; not read" in result.stdout


@pytest.mark.parametrize("kind", ["symlink", "git-stub"])
def test_links_leaving_the_catalog_are_errors_and_their_values_never_quoted(
    make_catalog: MakeCatalog, tmp_path: Path, kind: str
) -> None:
    secret = tmp_path / "outside" / "secret.toml"
    secret.parent.mkdir()
    secret.write_text('name = "TOP-SECRET-VALUE"\npassword = "hunter2"\n')
    root = make_catalog({})
    link = root / MODELS / "leak.toml"
    target = str(secret) if kind == "symlink" else "../../../../outside/secret.toml"
    if kind == "symlink":
        link.symlink_to(target)
    else:
        link.write_text(target + "\n")
    result = runner.invoke(app, ["validate", "--catalog", str(root)])
    assert result.exit_code == 1
    output = result.stdout + result.stderr
    assert f"{MODELS}/leak.toml: error: link target {target!r} lies outside the catalog" in output
    assert "TOP-SECRET" not in output and "hunter2" not in output and "password" not in output


def test_a_folder_link_leaving_the_catalog_is_an_error(
    make_catalog: MakeCatalog, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "m.toml").write_text('name = "SECRET"\n')
    root = make_catalog({})
    (root / MODELS / "ext").symlink_to(elsewhere)
    result = runner.invoke(app, ["validate", "--catalog", str(root)])
    assert result.exit_code == 1
    assert f"{MODELS}/ext: error: folder link leads outside the catalog" in result.stdout
    assert "SECRET" not in result.stdout + result.stderr


def test_folder_link_loops_terminate_and_are_errors(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    (root / MODELS / "l1").symlink_to(".")
    (root / MODELS / "l2").symlink_to(".")
    (root / MODELS / "qwen" / "up").symlink_to("..")
    result = models("validate", "--catalog", str(root), timeout=30)
    assert result.returncode == 1
    for loop in ("l1", "l2", "qwen/up"):
        assert f"{MODELS}/{loop}: error: folder link loops back; not followed" in result.stdout
    assert "2 provider models" in result.stderr


def test_a_single_loop_gives_no_phantom_models(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    (root / MODELS / "l1").symlink_to(".")
    result = runner.invoke(app, ["validate", "--catalog", str(root)])
    assert result.exit_code == 1
    assert "2 provider models (0 links, 0 dangling)" in result.stderr
    assert "l1/" not in result.stdout


def test_a_folder_link_inside_the_catalog_is_still_followed(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    (root / MODELS / "alias").symlink_to("qwen")
    result = runner.invoke(app, ["validate", "--catalog", str(root)])
    assert result.exit_code == 0, result.stdout
    assert "3 provider models" in result.stdout


def unreadable(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Tests run as root, which reads a folder of mode 000 all the same: listing `folder` is
    made to fail in-process as it does for any other user (EACCES from the kernel)."""
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_folder_is_an_error_not_skipped(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_catalog({})
    unreadable(monkeypatch, root / MODELS / "qwen")
    result = runner.invoke(app, ["validate", "--catalog", str(root)])
    assert result.exit_code == 1
    assert f"{root / MODELS}/qwen: error: cannot read folder: Permission denied" in result.stdout
    build = runner.invoke(app, ["build", "--catalog", str(root)])
    assert build.exit_code == 1 and "cannot read folder" in build.stderr


def test_an_unreadable_folder_stops_fmt_and_sync_writing_nothing(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = make_catalog({})
    (root / MODELS / "qwen" / "qwen3-8b.toml").write_text(
        (root / MODELS / "qwen" / "qwen3-8b.toml").read_text() + "\n\n"
    )
    before = snapshot(root)
    unreadable(monkeypatch, root / MODELS / "anthropic")
    result = runner.invoke(app, ["fmt", "--catalog", str(root)])
    assert result.exit_code == 1 and "anthropic: error: cannot read folder" in result.stderr
    monkeypatch.chdir(tmp_path)
    saved = tmp_path / "response.json"
    saved.write_text('{"data": []}')
    synced = runner.invoke(
        app, ["sync", "openrouter", "--catalog", str(root), "--source", str(saved)]
    )
    assert synced.exit_code == 1 and "anthropic: cannot read folder" in synced.stderr
    monkeypatch.undo()
    assert snapshot(root) == before


@pytest.mark.parametrize(
    "text",
    ["x = " + "[" * 5000 + "]" * 5000, "x = " + "{a = " * 3000 + "1" + "}" * 3000],
    ids=["arrays", "inline-tables"],
)
def test_nesting_bombs_are_one_sentence_in_every_command(
    make_catalog: MakeCatalog, tmp_path: Path, text: str
) -> None:
    root = make_catalog({f"{MODELS}/bomb.toml": text})
    before = snapshot(root)
    message = f"{MODELS}/bomb.toml:1: error: tables and arrays are nested deeper than 32 levels"
    for command in ("validate", "build", "fmt"):
        result = models(command, "--catalog", str(root))
        assert result.returncode == 1, (command, result.stderr)
        assert message in result.stdout + result.stderr and "Traceback" not in result.stderr
    saved = tmp_path / "response.json"
    saved.write_text('{"data": []}')
    synced = models("sync", "openrouter", "--catalog", str(root), "--source", str(saved))
    assert synced.returncode == 1 and message.replace("error: ", "") in synced.stderr
    assert snapshot(root) == before


def test_a_huge_file_is_refused_without_reading_it_all(make_catalog: MakeCatalog) -> None:
    root = make_catalog({})
    with (root / MODELS / "huge.toml").open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)
    result = runner.invoke(app, ["validate", "--catalog", str(root)])
    assert result.exit_code == 1
    assert f"{MODELS}/huge.toml: error: file is larger than 1024 KiB; not read" in result.stdout


def test_fmt_of_a_folder_reports_an_unreadable_subfolder(
    make_catalog: MakeCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_catalog({})
    unreadable(monkeypatch, root / MODELS / "qwen")
    result = runner.invoke(app, ["fmt", "--catalog", str(root), str(root / MODELS)])
    assert result.exit_code == 1
    assert f"{MODELS}/qwen: error: cannot read folder: Permission denied" in result.stderr
