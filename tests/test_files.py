"""Atomic writes: content, modes, links replaced rather than written through."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from models_catalog.files import write_atomic


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_umask_default_mode(tmp_path: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    path = tmp_path / "a" / "new.toml"
    write_atomic(path, "x = 1\n")
    assert path.read_text() == "x = 1\n"
    assert _mode(path) == 0o666 & ~umask


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "kept.toml"
    path.write_text("old\n")
    path.chmod(0o640)
    write_atomic(path, "new\n")
    assert path.read_text() == "new\n" and _mode(path) == 0o640


def test_a_link_is_replaced_and_its_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "target.toml"
    target.write_text("target\n")
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    write_atomic(link, "own\n")
    assert not link.is_symlink() and link.read_text() == "own\n"
    assert target.read_text() == "target\n"


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    write_atomic(tmp_path / "f.toml", "x\n")
    assert [p.name for p in tmp_path.iterdir()] == ["f.toml"]
