"""Whole-catalog validation: every file's own fields, inheritance, and rules across files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import Catalog, CatalogFile
from .changeset import find_leftovers
from .schema import Problem, check_family, provider_model_rules


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem located in a file: printed as `path:line: message`."""

    path: str
    message: str
    line: int | None = None
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {'warning: ' if self.warning else ''}{self.message}"

    def severity(self, *, strict: bool = False) -> str:
        """ "error" or "warning"; --strict makes every finding an error."""
        return "warning" if self.warning and not strict else "error"

    def location(self, root: Path) -> str:
        """`path[:line]`, the path named from the catalog folder as the user gave it."""
        path = str(root / self.path)
        return f"{path}:{self.line}" if self.line is not None else path

    def describe(self, root: Path, *, strict: bool = False) -> str:
        return f"{self.location(root)}: {self.severity(strict=strict)}: {self.message}"

    def as_json(self, root: Path, *, strict: bool = False) -> dict[str, str | int | None]:
        return {
            "path": str(root / self.path),
            "line": self.line,
            "severity": self.severity(strict=strict),
            "message": self.message,
        }


@dataclass(slots=True)
class Report:
    findings: list[Finding] = field(default_factory=list)
    providers: int = 0
    models: int = 0
    metadata: int = 0
    links: int = 0
    dangling: int = 0

    def errors(self, *, strict: bool = False) -> list[Finding]:
        return [f for f in self.findings if strict or not f.warning]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.warning]


def validate_catalog(catalog: Catalog) -> Report:
    report = Report(metadata=len(catalog.metadata), providers=len(catalog.providers))
    families = catalog.family_set
    if catalog.families_file is not None:
        _file_findings(report, catalog, catalog.families_file)
    for folder in catalog.folders:
        _file_findings(report, catalog, folder)
    for entry in catalog.metadata.values():
        _file_findings(report, catalog, entry)
        if entry.data is not None:
            _add(report, catalog, entry, check_family(entry.data, families))
    names: dict[str, str] = {}
    for provider in catalog.providers.values():
        if provider.file is None:
            report.findings.append(
                Finding(f"providers/{provider.id}", "provider folder has no provider.toml")
            )
        else:
            _file_findings(report, catalog, provider.file)
            name = (provider.file.data or {}).get("name")
            if isinstance(name, str) and name:
                other = names.setdefault(name.casefold(), provider.file.rel)
                if other != provider.file.rel:
                    report.findings.append(
                        Finding(
                            provider.file.rel,
                            f"provider name {name!r} is already used by {other}",
                            _line_of(catalog.root, provider.file.rel, "name"),
                        )
                    )
        for entry in provider.models.values():
            report.models += 1
            report.links += entry.is_link
            _check_provider_model(report, catalog, entry, families)
    report.findings += [
        Finding(
            rel,
            "temporary file of an interrupted write (the next sync or fmt of its folder "
            "removes it; never commit it)",
            warning=True,
        )
        for rel in find_leftovers(catalog.root)
    ]
    return report


def _check_provider_model(
    report: Report, catalog: Catalog, entry: CatalogFile, families: frozenset[str] | None
) -> None:
    if entry.dangling:
        report.dangling += 1
        report.findings.append(
            Finding(entry.rel, f"link target {entry.link!r} does not exist; skipped", warning=True)
        )
        return
    _file_findings(report, catalog, entry)
    if entry.data is None or any(not p.warning for p in entry.problems):
        return
    base = entry.data.get("base_model")
    if isinstance(base, str) and base not in catalog.metadata:
        report.findings.append(
            Finding(
                entry.rel,
                f"base_model {base!r} names no metadata file (models/{base}.toml)",
                _line_of(catalog.root, entry.rel, "base_model"),
            )
        )
        return
    resolved = catalog.resolved(entry)
    if resolved is None:
        return
    # Each file's own fields, and each metadata file, were checked while reading.
    problems = provider_model_rules(resolved) + check_family(resolved, families)
    _add(report, catalog, entry, problems)


def _file_findings(report: Report, catalog: Catalog, entry: CatalogFile) -> None:
    if entry.parse_error is not None:
        report.findings.append(Finding(entry.rel, entry.parse_error, entry.parse_line))
        return
    _add(report, catalog, entry, list(entry.problems))


def _add(report: Report, catalog: Catalog, entry: CatalogFile, problems: list[Problem]) -> None:
    seen: set[tuple[str, str]] = set()
    for problem in problems:
        if (problem.key, problem.message) in seen:
            continue
        seen.add((problem.key, problem.message))
        message = f"{problem.key}: {problem.message}" if problem.key else problem.message
        line = _line_of(catalog.root, entry.rel, problem.key) if problem.key else None
        report.findings.append(Finding(entry.rel, message, line, problem.warning))


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")
_INDEX = re.compile(r"\[(\d+)\]")


def _dotted(text: str) -> list[str]:
    return [part.strip().strip("\"'") for part in text.split(".")]


def _line_of(root: Path, rel: str, key: str) -> int | None:
    """The line where a dot path such as `cost.tiers[0].input` is written: the key's own line,
    else the line of the nearest table or inline table that holds it; None if not found."""
    try:
        lines = (root / rel).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    target = _dotted(_INDEX.sub("", key))
    match = _INDEX.search(key)
    wanted_index = int(match.group(1)) if match else 0
    table: list[str] = []
    in_wanted_instance = True
    counts: dict[str, int] = {}
    best: int | None = None
    for number, text in enumerate(lines, start=1):
        header = _HEADER.match(text)
        if header:
            table = _dotted(header.group(2))
            name = ".".join(table)
            counts[name] = counts.get(name, -1) + 1
            in_wanted_instance = header.group(1) == "[" or counts[name] == wanted_index
            path = table
        else:
            found = _KEY.match(text)
            if found is None:
                continue
            path = table + _dotted(found.group(1))
        if in_wanted_instance and path == target[: len(path)]:
            if len(path) == len(target):
                return number
            best = number
    return best
