"""A CatalogView over in-memory files, for provider tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from models_catalog.inherit import resolve
from models_catalog.sync.contract import ExistingModel


@dataclass
class FakeView:
    """`files` maps ids to authored provider models, `meta` ids to metadata files."""

    families: Sequence[str] = ()
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)

    def existing(self, model_id: str) -> ExistingModel | None:
        authored = self.files.get(model_id)
        if authored is None:
            return None
        base = authored.get("base_model")
        resolved = resolve(authored, self.meta.get(base) if isinstance(base, str) else None)
        return ExistingModel(authored, resolved)

    def metadata(self, model_id: str) -> Mapping[str, Any] | None:
        return self.meta.get(model_id)

    def metadata_ids(self, prefix: str) -> Sequence[str]:
        return sorted(i for i in self.meta if i.startswith(prefix))
