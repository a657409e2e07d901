"""OVHcloud AI Endpoints: the public catalog, in OpenRouter's provider listing format."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..http import HttpClient
from ..sync.contract import CatalogView, SyncProvider, Translation
from ..sync.convert import has_attachment, modalities, per_million, unix_date
from ._common import existing_fields, inherited_fields, keep_factored, validate_response

DEFAULT_URL = "https://catalog.endpoints.ai.ovh.net/rest/v2/openrouter"
URL_ENV = "OVHCLOUD_MODELS_URL"
KEPT_FIELDS = ("family", "knowledge", "status", "interleaved")

Price = str | float | None


class OVHPricing(BaseModel):
    model_config = ConfigDict(extra="ignore")

    prompt: Price = None
    completion: Price = None
    input_cache_reads: Price = None
    input_cache_writes: Price = None


class OVHModel(BaseModel):
    """One entry of the catalog."""

    model_config = ConfigDict(extra="ignore")

    id: str
    name: str
    created: int
    context_length: int
    max_output_length: int | None = None
    hugging_face_id: str | None = None
    input_modalities: list[str] = Field(default_factory=list)
    output_modalities: list[str] = Field(default_factory=list)
    pricing: OVHPricing = Field(default_factory=OVHPricing)
    supported_features: list[str] = Field(default_factory=list)
    supported_sampling_parameters: list[str] = Field(default_factory=list)


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")

    data: list[OVHModel]


def _cost(pricing: OVHPricing) -> dict[str, float] | None:
    price_in = per_million(pricing.prompt, "pricing.prompt") or 0.0
    price_out = per_million(pricing.completion, "pricing.completion") or 0.0
    if price_in <= 0 and price_out <= 0:
        return None
    cost = {"input": price_in, "output": price_out}
    for key, name, raw in (
        ("cache_read", "input_cache_reads", pricing.input_cache_reads),
        ("cache_write", "input_cache_writes", pricing.input_cache_writes),
    ):
        price = per_million(raw, f"pricing.{name}")
        if price:
            cost[key] = price
    return cost


class OVHcloud(SyncProvider[OVHModel]):
    id = "ovhcloud"
    name = "OVHcloud AI Endpoints"
    group = "direct"

    def fetch(self, client: HttpClient, env: Mapping[str, str]) -> Any:
        return client.get_json(self.url_env(env, URL_ENV, DEFAULT_URL))

    def parse(self, raw: Any) -> Sequence[OVHModel]:
        return validate_response(self.id, _Response, raw).data

    def translate(self, record: OVHModel, view: CatalogView) -> Translation | None:
        model_id = record.id.lower()
        existing = view.existing(model_id)
        old = existing_fields(existing) if existing is not None else {}
        features = set(record.supported_features)
        inputs = modalities(record.input_modalities)
        release = old.get("release_date") or unix_date(record.created)
        old_limit = old.get("limit") or {}
        limit = {
            "context": record.context_length,
            "output": (
                record.max_output_length
                if record.max_output_length is not None
                else old_limit.get("output", record.context_length)
            ),
        }
        if "input" in old_limit:
            limit["input"] = old_limit["input"]

        model: dict[str, Any] = {
            "name": record.name,
            "release_date": release,
            "last_updated": old.get("last_updated") or release,
            "attachment": has_attachment(inputs),
            "reasoning": "reasoning" in features,
            "tool_call": "tools" in features,
            "open_weights": bool(record.hugging_face_id),
            "modalities": {"input": inputs, "output": modalities(record.output_modalities)},
            "limit": limit,
        }
        model.update({key: old[key] for key in KEPT_FIELDS if key in old})
        if model["reasoning"] and "reasoning_options" in old:
            model["reasoning_options"] = old["reasoning_options"]
        cost = _cost(record.pricing)
        if cost is not None:
            model["cost"] = cost

        # A missing optional flag reads as false, except in a factored file whose base says true.
        inherited = inherited_fields(existing, view) or {}
        for flag, on in (
            ("structured_output", "structured_outputs" in features),
            ("temperature", "temperature" in record.supported_sampling_parameters),
        ):
            if on or inherited.get(flag) is True:
                model[flag] = on
        return Translation(model_id, keep_factored(existing, model, view))
