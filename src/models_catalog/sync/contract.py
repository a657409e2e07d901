"""What a provider module implements, and the read-only catalog view the runner hands it.

A provider fetches a raw response, parses it into typed source records, and translates one
record at a time into catalog fields. It never touches the file system: everything it may know
about the catalog comes through `CatalogView`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, Protocol, TypeVar
from urllib.parse import urlsplit

from ..errors import ProviderError
from ..redaction import sendable

if TYPE_CHECKING:
    from ..http import HttpClient

Record = TypeVar("Record")


class ExistingModel(NamedTuple):
    """A model file already in the catalog: as authored, and with inheritance applied."""

    authored: Mapping[str, Any]
    resolved: Mapping[str, Any]
    is_link: bool = False


class MetadataRecord(NamedTuple):
    """A model metadata file (`models/<id>.toml`) that a provider also maintains."""

    id: str
    data: Mapping[str, Any]


class Translation(NamedTuple):
    """One translated record: `model` is a full provider model, or `base_model` + overrides."""

    id: str
    model: Mapping[str, Any]
    metadata: MetadataRecord | None = None


class CatalogView(Protocol):
    """What a provider may read of the catalog."""

    @property
    def families(self) -> Sequence[str]: ...

    def existing(self, model_id: str) -> ExistingModel | None:
        """The provider's existing file for `model_id`, resolved (None when there is none)."""
        ...

    def metadata(self, model_id: str) -> Mapping[str, Any] | None:
        """The fields of `models/<model_id>.toml`, or None when there is no such file."""
        ...

    def metadata_ids(self, prefix: str) -> Sequence[str]:
        """The ids of metadata files starting with `prefix` (e.g. "meta/"), sorted."""
        ...


class SyncProvider(ABC, Generic[Record]):
    """A provider module. Subclasses set the identity and switches and implement three steps."""

    id: str
    name: str
    group: str
    env_vars: tuple[str, ...] = ()

    skip_creates: bool = False
    delete_missing: bool = True
    preserve_symlinks: bool = False
    preserve_base_models: bool = True
    metadata_namespace: str | None = None

    @property
    def models_dir(self) -> str:
        return f"providers/{self.id}/models"

    @abstractmethod
    def fetch(self, client: HttpClient, env: Mapping[str, str]) -> Any:
        """The raw response (all pages combined), as decoded JSON."""

    @abstractmethod
    def parse(self, raw: Any) -> Sequence[Record]:
        """Source records from the raw response; a changed shape raises ProviderError."""

    @abstractmethod
    def translate(self, record: Record, view: CatalogView) -> Translation | None:
        """Catalog fields for one record, or None to skip it."""

    def source_notices(self, records: Sequence[Record]) -> list[str]:
        """Notices about the response as a whole, such as optional fields it lacks."""
        return []

    def source_id(self, record: Record) -> str:
        return str(getattr(record, "id", record))

    def same_model(self, existing: Mapping[str, Any], new: Mapping[str, Any]) -> bool | None:
        """A custom equality of authored forms; None defers to the runner's comparison."""
        return None

    def skipped_notice(self, ids: Sequence[str]) -> str:
        return f"Skipped {len(ids)} source model(s) with no catalog file: {', '.join(ids)}."

    def missing_notice(self, ids: Sequence[str]) -> str:
        return f"Kept {len(ids)} local file(s) the API no longer lists: {', '.join(ids)}."

    def require_env(self, env: Mapping[str, str], *names: str) -> str:
        """The first of `names` set in `env`; otherwise a ProviderError naming them all."""
        for name in names:
            value = self.optional_env(env, name)
            if value:
                return value
        wanted = " or ".join(names)
        raise ProviderError(self.id, f"missing credentials: set {wanted}")

    def optional_env(self, env: Mapping[str, str], name: str) -> str:
        """The value of `name` ("" when unset); a ProviderError, never quoting the value, when
        it holds characters an HTTP request cannot carry."""
        value = env.get(name, "").strip()
        if not sendable(value):
            raise ProviderError(self.id, f"{name} contains characters that cannot be sent")
        return value

    def url_env(self, env: Mapping[str, str], name: str, default: str) -> str:
        """The URL override in `name`, else `default`; a ProviderError when it is no http(s)
        URL."""
        value = env.get(name, "").strip()
        if not value:
            return default
        try:
            parts = urlsplit(value)
            valid = parts.port is None or parts.port > 0
        except ValueError:
            valid = False
        if not (valid and parts.scheme in ("http", "https") and parts.hostname and sendable(value)):
            raise ProviderError(self.id, f"{name} is not a valid http or https URL: {value!r}")
        return value
