"""Build the OpenRouter API response that a catalog's OpenRouter files were synced from.

The inverse of the translation, for what the API states: a sync of the catalog with this
response must change nothing. Used by the reference-catalog tests and by `bench/run.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from models_catalog.catalog import load_catalog

_PRICES = {
    "prompt": "input",
    "completion": "output",
    "internal_reasoning": "reasoning",
    "input_cache_read": "cache_read",
    "input_cache_write": "cache_write",
}
_PARAMETERS = {
    "reasoning": ("reasoning", "include_reasoning"),
    "tool_call": ("tools", "tool_choice"),
    "structured_output": ("structured_outputs",),
    "temperature": ("temperature",),
}


def _per_token(per_million: float) -> str:
    return format(Decimal(str(per_million)) / Decimal(1_000_000), "f")


def _unix(day: str) -> int:
    """Midnight UTC of a date; a month-only date (allowed in metadata) counts as its first day."""
    full = day if len(day) > 7 else f"{day}-01"
    return int(datetime.fromisoformat(full).replace(tzinfo=UTC).timestamp())


def openrouter_record(model_id: str, model: dict[str, Any]) -> dict[str, Any]:
    """The API record of one resolved OpenRouter model."""
    cost = model.get("cost", {})
    limit = model["limit"]
    modalities = model["modalities"]
    lab = model_id.lstrip("~").split("/", 1)[0]
    return {
        "id": model_id,
        "name": f"{lab.title()}: {model['name']}",
        "created": _unix(model["release_date"]),
        "hugging_face_id": f"{model_id}-weights" if model.get("open_weights") else "",
        "knowledge_cutoff": model.get("knowledge"),
        "context_length": limit["context"],
        "architecture": {
            "input_modalities": [m.replace("pdf", "file") for m in modalities["input"]],
            "output_modalities": [m.replace("pdf", "file") for m in modalities["output"]],
        },
        # The API states no price as "-1" (e.g. for its router models).
        "pricing": {api: _per_token(cost[key]) for api, key in _PRICES.items() if key in cost}
        or {"prompt": "-1", "completion": "-1"},
        "top_provider": {
            "context_length": limit["context"],
            "max_completion_tokens": limit.get("output"),
        },
        "supported_parameters": [
            parameter
            for flag, parameters in _PARAMETERS.items()
            if model.get(flag)
            for parameter in parameters
        ],
    }


def openrouter_response(catalog_root: Path) -> dict[str, Any]:
    """The response for every (non-dangling) OpenRouter file of a catalog."""
    catalog = load_catalog(catalog_root, providers=["openrouter"])
    records = []
    for model_id, entry in sorted(catalog.providers["openrouter"].models.items()):
        resolved = catalog.resolved(entry)
        if resolved is not None:
            records.append(openrouter_record(model_id, resolved))
    return {"data": records}
