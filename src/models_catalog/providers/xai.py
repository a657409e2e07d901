"""xAI: updates the existing xAI model files from the language, image and video model lists.

The API knows ids, aliases, dates, modalities, prices and prompt limits, but no output limits
or capability flags, so no file is ever created and everything else comes from the file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ProviderError
from ..http import HttpClient
from ..sync.contract import CatalogView, SyncProvider, Translation
from ..sync.convert import (
    XAI_PRICE_DIVISOR,
    has_attachment,
    modalities,
    per_million_scaled,
    unix_date,
)
from ._common import existing_fields, keep_factored, require_fields, validate_response

DEFAULT_URL = "https://api.x.ai"
URL_ENV = "XAI_API_URL"
KEY_ENV = "XAI_API_KEY"
ALL_MODELS_ACL = "api-key:model:*"
KEY_PATH = "/v1/api-key"
MODEL_PATHS = (
    "/v1/language-models",
    "/v1/image-generation-models",
    "/v1/video-generation-models",
)
KEPT_COST_KEYS = ("reasoning", "cache_write", "input_audio", "output_audio", "tiers")


class XAIModel(BaseModel):
    """One entry of a model list (language, image or video)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    created: int
    aliases: list[str] = Field(default_factory=list)
    input_modalities: list[str] = Field(default_factory=list)
    output_modalities: list[str] = Field(default_factory=list)
    prompt_text_token_price: int | None = None
    cached_prompt_text_token_price: int | None = None
    completion_text_token_price: int | None = None
    max_prompt_length: int | None = None


@dataclass(frozen=True, slots=True)
class XAIRecord:
    """A model under one of its ids: the canonical one (`alias_of` None) or an alias."""

    id: str
    model: XAIModel
    alias_of: str | None = None


class _KeyInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    acls: list[str]


class _ModelList(BaseModel):
    model_config = ConfigDict(extra="ignore")

    models: list[Any]


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")

    models: list[XAIModel]


def _price(value: int | None, field: str) -> float | None:
    return per_million_scaled(value, XAI_PRICE_DIVISOR, field)


class XAI(SyncProvider[XAIRecord]):
    id = "xai"
    name = "xAI"
    group = "direct"
    env_vars = (KEY_ENV,)
    skip_creates = True

    def fetch(self, client: HttpClient, env: Mapping[str, str]) -> Any:
        key = self.require_env(env, KEY_ENV)
        base = self.url_env(env, URL_ENV, DEFAULT_URL).rstrip("/")
        headers = {"Authorization": f"Bearer {key}"}
        raw_key = client.get_json(f"{base}{KEY_PATH}", headers=headers, secrets=(key,))
        if ALL_MODELS_ACL not in validate_response(self.id, _KeyInfo, raw_key).acls:
            raise ProviderError(
                self.id,
                f"the {KEY_ENV} key lacks the {ALL_MODELS_ACL!r} ACL; a restricted key lists "
                "fewer models and the sync would delete the rest, so use a key with access to "
                "all models",
            )
        models: list[Any] = []
        for path in MODEL_PATHS:
            raw = client.get_json(f"{base}{path}", headers=headers, secrets=(key,))
            models += validate_response(self.id, _ModelList, raw).models
        return {"models": models}

    def parse(self, raw: Any) -> Sequence[XAIRecord]:
        models = validate_response(self.id, _Response, raw).models
        records = [XAIRecord(m.id, m) for m in models]
        listed = {m.id for m in models}
        for model in models:
            for alias in model.aliases:
                if alias not in listed:
                    listed.add(alias)
                    records.append(XAIRecord(alias, model, alias_of=model.id))
        return records

    def translate(self, record: XAIRecord, view: CatalogView) -> Translation | None:
        existing = view.existing(record.id)
        if existing is None:
            return None
        api = record.model
        model = existing_fields(existing)

        kinds = dict(model.get("modalities") or {})
        if api.input_modalities:
            inputs = modalities(api.input_modalities)
            if "image" in inputs and "pdf" not in inputs:
                inputs.append("pdf")
            kinds["input"] = inputs
        if api.output_modalities:
            kinds["output"] = modalities(api.output_modalities)
        if kinds:
            model["modalities"] = kinds
        if "input" in kinds:
            model["attachment"] = has_attachment(kinds["input"])

        if record.alias_of is None:
            model["release_date"] = model["last_updated"] = unix_date(api.created)

        price_in = _price(api.prompt_text_token_price, "prompt_text_token_price")
        price_out = _price(api.completion_text_token_price, "completion_text_token_price")
        if price_in is not None and price_out is not None:
            old_cost = model.get("cost") or {}
            cost: dict[str, Any] = {"input": price_in, "output": price_out}
            cache_read = _price(
                api.cached_prompt_text_token_price, "cached_prompt_text_token_price"
            )
            if cache_read is not None:
                cost["cache_read"] = cache_read
            cost.update({key: old_cost[key] for key in KEPT_COST_KEYS if key in old_cost})
            model["cost"] = cost

        if api.max_prompt_length is not None:
            model["limit"] = {**(model.get("limit") or {}), "context": api.max_prompt_length}

        require_fields(self.id, record.id, model)
        return Translation(record.id, keep_factored(existing, model, view))

    def skipped_notice(self, ids: Sequence[str]) -> str:
        return (
            f"Skipped {len(ids)} xAI model(s) with no catalog file: {', '.join(ids)}. "
            "New xAI models are not created because the API gives no output limits or "
            "capability flags; add them by hand."
        )
