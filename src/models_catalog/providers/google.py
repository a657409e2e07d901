"""Google (Gemini API): updates the existing Google model files from the paged models list.

The API knows names, token limits, temperature support and the thinking flag, nothing about
prices, modalities, dates, tool calling or structured output, so no file is ever created."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import ProviderError
from ..http import HttpClient
from ..sync.contract import CatalogView, SyncProvider, Translation
from ._common import existing_fields, keep_factored, require_fields, validate_response

DEFAULT_URL = "https://generativelanguage.googleapis.com/v1beta/models"
URL_ENV = "GOOGLE_MODELS_URL"
KEY_ENVS = ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENERATIVE_AI_API_KEY")
PAGE_SIZE = 1000
MAX_PAGES = 100
"""More pages than this (100,000 models) means a server that never stops paging."""
NAME_PREFIX = "models/"


class GoogleModel(BaseModel):
    """One entry of the models list."""

    model_config = ConfigDict(extra="ignore")

    name: str
    display_name: str | None = Field(default=None, alias="displayName")
    input_token_limit: int = Field(alias="inputTokenLimit")
    output_token_limit: int = Field(alias="outputTokenLimit")
    temperature: float | None = None
    max_temperature: float | None = Field(default=None, alias="maxTemperature")
    thinking: bool | None = None

    @field_validator("name")
    @classmethod
    def _resource_name(cls, value: str) -> str:
        if not value.startswith(NAME_PREFIX) or value == NAME_PREFIX:
            raise ValueError(f"expected {NAME_PREFIX}<id>, got {value!r}")
        return value

    @property
    def id(self) -> str:
        return self.name.removeprefix(NAME_PREFIX)


class _Page(BaseModel):
    model_config = ConfigDict(extra="ignore")

    models: list[Any] = Field(default_factory=list)
    next_page_token: str | None = Field(default=None, alias="nextPageToken")


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")

    models: list[GoogleModel]


class Google(SyncProvider[GoogleModel]):
    id = "google"
    name = "Google"
    group = "direct"
    env_vars = KEY_ENVS
    skip_creates = True

    def fetch(self, client: HttpClient, env: Mapping[str, str]) -> Any:
        key = self.require_env(env, *KEY_ENVS)
        url = self.url_env(env, URL_ENV, DEFAULT_URL)
        models: list[Any] = []
        seen: set[str] = set()
        token: str | None = None
        for _ in range(MAX_PAGES):
            params = {"key": key, "pageSize": str(PAGE_SIZE)}
            if token:
                params["pageToken"] = token
            raw = client.get_json(url, params=params, secrets=(key,))
            page = validate_response(self.id, _Page, raw)
            models += page.models
            token = page.next_page_token
            if not token:
                return {"models": models}
            if token in seen:
                raise ProviderError(self.id, "the models list repeated a page token")
            seen.add(token)
        raise ProviderError(
            self.id, f"the models list did not end after {MAX_PAGES} pages; refusing more"
        )

    def parse(self, raw: Any) -> Sequence[GoogleModel]:
        return validate_response(self.id, _Response, raw).models

    def source_id(self, record: GoogleModel) -> str:
        return record.id

    def translate(self, record: GoogleModel, view: CatalogView) -> Translation | None:
        existing = view.existing(record.id)
        if existing is None:
            return None
        model = existing_fields(existing)
        if record.display_name:
            model["name"] = record.display_name
        if record.thinking is not None:
            model["reasoning"] = record.thinking
        if record.temperature is not None or record.max_temperature is not None:
            model["temperature"] = True
        limit = dict(model.get("limit") or {})
        limit["context"] = record.input_token_limit
        limit["output"] = record.output_token_limit
        model["limit"] = limit
        require_fields(self.id, record.id, model)
        return Translation(record.id, keep_factored(existing, model, view))

    def skipped_notice(self, ids: Sequence[str]) -> str:
        return (
            f"Skipped {len(ids)} Google model(s) with no catalog file: {', '.join(ids)}. "
            "New Google models are not created because the API gives no pricing, modalities, "
            "dates, tool-calling or structured-output facts; add them by hand."
        )
