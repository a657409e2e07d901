"""Typed exceptions raised by the library; the CLI turns them into one line and an exit status."""

from __future__ import annotations

from pathlib import Path


class ModelsError(Exception):
    """Base class of every error the tool reports to a user."""

    exit_code = 1


class UsageError(ModelsError):
    """The command line asked for something that cannot be done."""

    exit_code = 2


class CatalogFileError(ModelsError):
    """A catalog file cannot be read, parsed or accepted."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class CatalogInvalidError(ModelsError):
    """Validation found problems; `problems` holds them as printable lines."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found in the catalog")


class FormatError(ModelsError):
    """A value cannot be written in the canonical TOML layout."""


class ProviderError(ModelsError):
    """A provider's fetch, parse or translate step failed."""

    def __init__(self, provider: str, message: str) -> None:
        self.provider = provider
        self.message = message
        super().__init__(f"{provider}: {message}")


class SourceValueError(ModelsError):
    """A value in one API record cannot be used (not finite, out of range, no real date); the
    runner skips that record and names `field` in a notice."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class FetchError(ModelsError):
    """An HTTP request failed after its retries; the message never contains a secret."""


class SyncRefusedError(ModelsError):
    """A sync plan was judged implausible (empty response, mass deletion) and not applied."""


class EditError(ModelsError):
    """A file with comments cannot be updated in place keeping its comments and values."""


class WriteRefusedError(ModelsError):
    """A planned change of the catalog was refused or could not be staged; nothing was written."""


class WriteFailedError(ModelsError):
    """Committing a change set failed part way; `rolled_back` says whether the catalog is as
    before."""

    def __init__(self, message: str, *, rolled_back: bool) -> None:
        self.rolled_back = rolled_back
        super().__init__(message)


class CatalogLockedError(ModelsError):
    """Another process is writing the catalog."""
