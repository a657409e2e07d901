"""Benchmarks on the reference catalog, reported as ratios to the "parse floor".

The parse floor is a plain Python process that only reads every TOML file of the catalog with
`tomllib`. Each case runs as a fresh process, interleaved with the floor, several times; the
figures are medians of wall time, and peak memory is the process's maximum resident set size.

    python bench/run.py [--catalog DIR] [--runs N] [--case NAME ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CATALOG = HERE.parents[1] / "shared" / "reference" / "models-dev"

FLOOR = """
import os, sys, tomllib
for folder, _, names in os.walk(sys.argv[1], followlinks=True):
    for name in names:
        if name.endswith(".toml"):
            with open(os.path.join(folder, name), "rb") as handle:
                try:
                    tomllib.load(handle)
                except tomllib.TOMLDecodeError:
                    pass
"""


def measure(
    command: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run of `command`."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        stderr = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024


def models_command() -> list[str]:
    return [sys.executable, "-m", "models_catalog"]


def case_validate(catalog: Path, workdir: Path) -> list[str]:
    return [*models_command(), "validate", "--catalog", str(catalog)]


BUILD_RESPONSE = """
import json, sys
from pathlib import Path
from tests.reference_responses import openrouter_response
Path(sys.argv[2]).write_text(json.dumps(openrouter_response(Path(sys.argv[1]))))
"""


def case_sync_openrouter(catalog: Path, workdir: Path) -> list[str]:
    """A no-op sync: the response is rebuilt from the catalog's own OpenRouter files (in a
    child process, so that this process stays small and its children's peak memory honest)."""
    source = workdir / "openrouter.json"
    if not source.exists():
        command = [sys.executable, "-c", BUILD_RESPONSE, str(catalog), str(source)]
        subprocess.run(command, cwd=HERE.parent, check=True)
    return [
        *models_command(),
        "sync",
        "openrouter",
        "--dry-run",
        "--source",
        str(source),
        "--catalog",
        str(catalog),
    ]


def case_imports(catalog: Path, workdir: Path) -> list[str]:
    """Only importing the libraries every `models` run needs: the start-up floor of the tool."""
    return [sys.executable, "-c", "import typer, pydantic, rich.console"]


# name → (command maker, extra environment).
CASES: dict[str, tuple[Callable[[Path, Path], list[str]], dict[str, str]]] = {
    "validate": (case_validate, {}),
    "sync-openrouter": (case_sync_openrouter, {}),
    "imports": (case_imports, {}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--case", choices=list(CASES), action="append", help="(repeatable)")
    args = parser.parse_args()
    if not args.catalog.is_dir():
        raise SystemExit(f"no catalog at {args.catalog} (the shared reference is needed)")
    names = args.case or list(CASES)
    with tempfile.TemporaryDirectory() as temp:
        workdir = Path(temp)
        commands = {name: CASES[name][0](args.catalog, workdir) for name in names}
        floor_cmd = [sys.executable, "-c", FLOOR, str(args.catalog)]
        times: dict[str, list[float]] = {name: [] for name in ["floor", *names]}
        peaks: dict[str, float] = {name: 0.0 for name in times}
        for _ in range(args.runs):
            for name, command in [("floor", floor_cmd), *commands.items()]:
                env = CASES[name][1] if name in CASES else None
                elapsed, peak = measure(command, cwd=workdir, env=env)
                times[name].append(elapsed)
                peaks[name] = max(peaks[name], peak)
    floor = statistics.median(times["floor"])
    print(f"catalog: {args.catalog}  runs: {args.runs}  (medians of wall time)")
    for name in times:
        median = statistics.median(times[name])
        print(
            f"{name:>16}: {median:6.3f} s  = {median / floor:4.2f} x parse floor"
            f"   peak RSS {peaks[name]:6.1f} MiB"
        )


if __name__ == "__main__":
    main()
