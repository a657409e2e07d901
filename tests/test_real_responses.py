"""Replaying recorded real provider responses onto a copy of the reference catalog.

Each file of `../shared/real-responses/<provider>/` is synced with `--source` onto a copy of
what such a sync reads (families, metadata, the provider's folder): the sync succeeds (with
`--allow-mass-delete` where the guard refuses, as the reference is newer than most recordings),
a second replay changes nothing, the result passes `validate --strict`, and every written file
is in the canonical layout (`fmt --check`).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from models_catalog.cli import app

from .conftest import REAL_RESPONSES, REFERENCE_CATALOG, snapshot

REPLAYS = sorted(REAL_RESPONSES.glob("*/*.json"))
COUNTS = re.compile(
    r"^(?P<provider>\S+): (?:changed|unchanged) \((?P<created>\d+) created, (?P<updated>\d+) "
    r"updated, (?P<deleted>\d+) deleted, (?P<unchanged>\d+) unchanged\)$",
    re.MULTILINE,
)
cli = CliRunner()


def copy_for_sync(provider: str, target: Path) -> Path:
    """The reference files a sync of `provider` reads, copied with links kept as links and
    made writable."""
    target.mkdir()
    shutil.copy(REFERENCE_CATALOG / "families.toml", target / "families.toml")
    shutil.copytree(REFERENCE_CATALOG / "models", target / "models", symlinks=True)
    folder = Path("providers") / provider
    shutil.copytree(REFERENCE_CATALOG / folder, target / folder, symlinks=True)
    for path in [target, *target.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)
    return target


def replay(provider: str, root: Path, source: Path, *args: str) -> Result:
    command = ["sync", provider, "--catalog", str(root), "--source", str(source), *args]
    return cli.invoke(app, command)


def counts(result: Result) -> dict[str, int]:
    match = COUNTS.search(result.stdout)
    assert match is not None, result.stdout
    return {k: int(v) for k, v in match.groupdict().items() if k != "provider"}


@pytest.mark.parametrize("source", REPLAYS or [None], ids=[p.stem for p in REPLAYS] or ["absent"])
def test_real_response_replays_cleanly(
    source: Path | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if source is None:
        pytest.skip(f"no recorded real responses in {REAL_RESPONSES}")
    if not REFERENCE_CATALOG.is_dir():
        pytest.skip(f"the shared reference catalog is absent ({REFERENCE_CATALOG})")
    provider = source.parent.name
    monkeypatch.chdir(tmp_path)  # the report goes to ./.sync
    root = copy_for_sync(provider, tmp_path / "catalog")
    before = snapshot(root)

    first = replay(provider, root, source)
    if first.exit_code == 1 and "--allow-mass-delete" in first.stderr:
        assert snapshot(root) == before
        first = replay(provider, root, source, "--allow-mass-delete")
    assert first.exit_code == 0, first.stderr
    after = snapshot(root)
    written = sorted(rel for rel, content in after.items() if before.get(rel) != content)
    deleted = before.keys() - after.keys()
    done = counts(first)
    assert done["created"] + done["updated"] == len(written)
    assert done["deleted"] == len(deleted)
    assert done["created"] + done["updated"] + done["deleted"] > 0

    second = replay(provider, root, source)
    assert second.exit_code == 0, second.stderr
    kept = done["created"] + done["updated"] + done["unchanged"]
    assert counts(second) == {"created": 0, "updated": 0, "deleted": 0, "unchanged": kept}
    assert snapshot(root) == after

    strict = cli.invoke(app, ["validate", "--strict", "--catalog", str(root)])
    assert strict.exit_code == 0, strict.stdout + strict.stderr
    if written:
        paths = [os.fspath(root / rel) for rel in written]
        layout = cli.invoke(app, ["fmt", "--check", "--catalog", str(root), *paths])
        assert layout.exit_code == 0, layout.stdout + layout.stderr
