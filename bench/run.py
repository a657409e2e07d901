"""Benchmarks on the reference catalog, reported as ratios to the "parse floor", in one run.

The parse floor is a plain Python process that only reads every TOML file of the catalog with
`tomllib`. Every case runs as a fresh process; the rounds interleave all cases (so that a busy
machine slows them alike) and the figures are medians of wall time; peak memory is the largest
maximum resident set size seen for the case.

Cases: `validate` (the reference catalog), `sync` (a no-op `models sync openrouter --dry-run
--source <response rebuilt from the catalog's OpenRouter files>`), `help` (`models --help`),
`version` (`models --version`, when the tool has it), and `validate-10x` (a copy of the
catalog with each provider folder copied nine more times under new names).

The package's modules are byte-compiled first, as installing it does (pip compiles the
dependencies' modules): an editable install run with PYTHONDONTWRITEBYTECODE would otherwise
compile every module from source in every run. `--no-compile` leaves the bytecode as it is
(fresh, stale or absent).

    python bench/run.py [--catalog DIR] [--runs N] [--no-10x] [--no-compile]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CATALOG = HERE.parents[1] / "shared" / "reference" / "models-dev"
COPIES = 10

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

BUILD_RESPONSE = """
import json, sys
from pathlib import Path
from tests.reference_responses import openrouter_response
Path(sys.argv[2]).write_text(json.dumps(openrouter_response(Path(sys.argv[1]))))
"""


@dataclass(frozen=True)
class Target:
    """`case` must take at most `ratio` times the median of `base`, and at most `mib` of memory."""

    case: str
    base: str
    ratio: float | None = None
    mib: float | None = None


TARGETS = (
    Target("validate", "floor", 0.6, 100),
    Target("sync", "floor", 0.25),
    Target("help", "floor", 0.15),
    Target("version", "floor", 0.15),
    Target("validate-10x", "validate", COPIES, 300),
)


def measure(command: Sequence[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run of `command`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024


def models(*args: str) -> list[str]:
    return [sys.executable, "-m", "models_catalog", *args]


def has_version() -> bool:
    result = subprocess.run(models("--version"), capture_output=True, cwd=HERE.parent)
    return result.returncode == 0


def multiply(catalog: Path, into: Path) -> Path:
    """The catalog with each provider folder copied COPIES - 1 more times (links kept)."""
    shutil.copytree(catalog, into, symlinks=True)
    providers = into / "providers"
    for folder in sorted(p for p in providers.iterdir() if p.is_dir()):
        for copy in range(2, COPIES + 1):
            shutil.copytree(folder, providers / f"{folder.name}-copy{copy}", symlinks=True)
    return into


def compile_package() -> None:
    """Byte-compile the package's modules into their `__pycache__` folders."""
    find = "import models_catalog, os; print(os.path.dirname(models_catalog.__file__))"
    found = subprocess.run([sys.executable, "-c", find], capture_output=True, text=True, check=True)
    package = found.stdout.strip()
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True)


def commands(catalog: Path, workdir: Path, *, tenfold: bool) -> dict[str, list[str]]:
    source = workdir / "openrouter.json"
    build = [sys.executable, "-c", BUILD_RESPONSE, str(catalog), str(source)]
    subprocess.run(build, cwd=HERE.parent, check=True)
    cases = {
        "floor": [sys.executable, "-c", FLOOR, str(catalog)],
        "validate": models("validate", "--catalog", str(catalog)),
        "sync": models(
            "sync", "openrouter", "--dry-run", "--source", str(source), "--catalog", str(catalog)
        ),
        "help": models("--help"),
    }
    if has_version():
        cases["version"] = models("--version")
    if tenfold:
        bigger = multiply(catalog, workdir / "catalog-10x")
        cases["validate-10x"] = models("validate", "--catalog", str(bigger))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-10x", dest="tenfold", action="store_false")
    parser.add_argument("--no-compile", dest="compile", action="store_false")
    args = parser.parse_args()
    if not args.catalog.is_dir():
        raise SystemExit(f"no catalog at {args.catalog} (the shared reference is needed)")
    if args.compile:
        compile_package()
    with tempfile.TemporaryDirectory() as temp:
        workdir = Path(temp)
        cases = commands(args.catalog.resolve(), workdir, tenfold=args.tenfold)
        times: dict[str, list[float]] = {name: [] for name in cases}
        peaks: dict[str, float] = dict.fromkeys(cases, 0.0)
        for _ in range(args.runs):
            for name, command in cases.items():
                elapsed, peak = measure(command, workdir)
                times[name].append(elapsed)
                peaks[name] = max(peaks[name], peak)
    medians = {name: statistics.median(values) for name, values in times.items()}
    compiled = "byte-compiled" if args.compile else "not byte-compiled"
    print(f"catalog: {args.catalog}  runs: {args.runs}  (medians of wall time, peak RSS)")
    print(f"package: {compiled}")
    for name, median in medians.items():
        print(
            f"{name:>13}: {median:6.3f} s  {median / medians['floor']:5.2f} x floor"
            f"  {peaks[name]:6.1f} MiB"
        )
    print("targets:")
    for target in TARGETS:
        if target.case not in medians:
            continue
        ratio = medians[target.case] / medians[target.base]
        checks = []
        if target.ratio is not None:
            mark = "ok" if ratio <= target.ratio else "MISSED"
            checks.append(f"{ratio:5.2f} x {target.base} (<= {target.ratio:g}) {mark}")
        if target.mib is not None:
            mark = "ok" if peaks[target.case] <= target.mib else "MISSED"
            checks.append(f"{peaks[target.case]:6.1f} MiB (<= {target.mib:g}) {mark}")
        print(f"{target.case:>13}: " + ";  ".join(checks))


if __name__ == "__main__":
    main()
