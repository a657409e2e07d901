"""Cloudflare Workers AI: the account's model search in OpenRouter format, translated into
`providers/cloudflare-workers-ai/models/<id>.toml`.

Each flat Cloudflare record is normalised to an `OpenRouterModel` and translated "as OpenRouter"
by `translate_record`, with the Cloudflare switches: the existing name, dates and output limit
win, reasoning options come only from the existing file, and a base model is found by matching
the record's tokens against the metadata files of its publisher's lab.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import ProviderError
from ..http import redact
from ..sync.contract import CatalogView, SyncProvider, Translation
from ..sync.convert import tokens
from ._common import refuse_foreign, shape_error
from .openrouter import (
    RECORD_FIELDS,
    Architecture,
    OpenRouterModel,
    Pricing,
    TopProvider,
    translate_record,
)
from .openrouter_shape import Pricing as PricingShape

if TYPE_CHECKING:
    import httpx

    from ..http import HttpClient

PROVIDER_ID = "cloudflare-workers-ai"
DEFAULT_API_URL = "https://api.cloudflare.com/client/v4"
API_URL_ENV = "CLOUDFLARE_API_URL"
ACCOUNT_ENV = "CLOUDFLARE_WORKERS_AI_SYNC_ACCOUNT_ID"
TOKEN_ENV = "CLOUDFLARE_WORKERS_AI_SYNC_API_TOKEN"
PER_PAGE = 1000
MAX_PAGES = 100
"""More pages than this (100,000 models) means a broken `result_info`, not a real catalog."""

MODEL_NAMESPACE = "@cf/"
GATEWAY_PREFIX = "workers-ai/"

PUBLISHER_LABS: Mapping[str, str] = {
    "deepseek-ai": "deepseek",
    "google": "google",
    "meta": "meta",
    "mistralai": "mistral",
    "moonshotai": "moonshotai",
    "nvidia": "nvidia",
    "openai": "openai",
    "qwen": "alibaba",
    "zai-org": "zhipuai",
}
"""Publisher (`@cf/<publisher>/…`) → the metadata folder (`models/<lab>/`) of its models."""


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CloudflareModel(_Shape):
    """One flat record of the model search in OpenRouter format.

    Required, as every catalog file needs them: id, name, created, context_length, and pricing
    with prompt and completion. The rest may be absent or null: no Hugging Face id means closed
    weights, no output length leaves the limit to the existing file (else the context), no
    modalities mean text only, no features or sampling parameters mean none.
    """

    id: str
    name: str
    created: float
    hugging_face_id: str | None = None
    context_length: int
    max_output_length: int | None = None
    input_modalities: list[str] | None = None
    output_modalities: list[str] | None = None
    pricing: PricingShape
    supported_features: list[str] | None = None
    supported_sampling_parameters: list[str] | None = None


class _Records(_Shape):
    data: list[CloudflareModel]


class _DataList(_Shape):
    data: list[Any]


class _ResultInfo(_Shape):
    total_pages: int | None = None


class _ApiMessage(_Shape):
    code: int | str | None = None
    message: str | None = None


class _Errors(_Shape):
    errors: list[_ApiMessage] | None = None


class _Body(_Shape):
    """A Cloudflare envelope (`result` a list or `{data}`) or a bare `{data}` body; its
    `errors` are read apart (`api_errors`), so odd error items never hide the models."""

    success: bool | None = None
    result: list[Any] | _DataList | None = None
    result_info: _ResultInfo | None = None
    data: list[Any] | None = None


def api_errors(body: Any) -> str | None:
    """Cloudflare's `errors[]` as `code: message` items joined by "; ", or None."""
    try:
        errors = _Errors.model_validate(body).errors
    except ValidationError:
        return None
    items = [
        ": ".join(str(part) for part in (error.code, error.message) if part not in (None, ""))
        for error in errors or ()
    ]
    return "; ".join(item for item in items if item) or None


def _response_errors(response: httpx.Response) -> str | None:
    return api_errors(response.json())


def _read_body(raw: Any, secrets: Sequence[str] = ()) -> tuple[list[Any], int]:
    """The raw records of one response body, and the number of pages it reports."""
    try:
        body = _Body.model_validate(raw)
    except ValidationError as exc:
        raise ProviderError(PROVIDER_ID, shape_error(exc, raw)) from None
    if body.success is False:
        detail = api_errors(raw) or "no error details given"
        raise ProviderError(PROVIDER_ID, redact(f"the API reported a failure: {detail}", secrets))
    if isinstance(body.result, _DataList):
        records = body.result.data
    elif body.result is not None:
        records = body.result
    elif body.data is not None:
        records = body.data
    else:
        raise ProviderError(
            PROVIDER_ID, "the response changed shape: it has neither `result` nor `data`"
        )
    info = body.result_info
    pages = info.total_pages if info is not None and info.total_pages is not None else 1
    return records, pages


def parse_records(raw: Any) -> list[CloudflareModel]:
    """The records of a response body (either envelope or bare); another provider's response
    or a changed shape raises."""
    refuse_foreign(PROVIDER_ID, raw)
    combined = {"data": _read_body(raw)[0]}
    try:
        return _Records.model_validate(combined).data
    except ValidationError as exc:
        raise ProviderError(PROVIDER_ID, shape_error(exc, combined)) from None


def catalog_id(source_id: str) -> str:
    """The catalog id of a Cloudflare id: without a leading `workers-ai/`, and in the `@cf/`
    namespace unless it already names one (`@cf/…`, `@hf/…`)."""
    model_id = source_id.removeprefix(GATEWAY_PREFIX)
    return model_id if model_id.startswith("@") else f"{MODEL_NAMESPACE}{model_id}"


def to_openrouter(record: CloudflareModel) -> OpenRouterModel:
    """The OpenRouter record a Cloudflare record stands for (its id already the catalog id)."""
    return OpenRouterModel(
        id=catalog_id(record.id),
        name=record.name,
        created=record.created,
        hugging_face_id=record.hugging_face_id,
        knowledge_cutoff=None,
        context_length=record.context_length,
        architecture=Architecture(
            input_modalities=record.input_modalities or [],
            output_modalities=record.output_modalities or [],
        ),
        pricing=Pricing(**record.pricing.model_dump()),
        top_provider=TopProvider(
            context_length=record.context_length,
            max_completion_tokens=record.max_output_length,
        ),
        supported_parameters=[
            *(record.supported_sampling_parameters or ()),
            *(record.supported_features or ()),
        ],
        given=RECORD_FIELDS - {"reasoning"},
    )


def publisher_base_model(record: OpenRouterModel, view: CatalogView) -> str | None:
    """The one metadata file of the publisher's lab whose file-name tokens all occur among the
    tokens of "id name"; None for an unknown publisher, no match or several matches.

    Only files directly in the lab folder count (`meta/x`, not `meta/sub/x`), and a file name
    without any token matches nothing."""
    namespace, _, rest = record.id.partition("/")
    publisher, slash, _ = rest.partition("/")
    lab = PUBLISHER_LABS.get(publisher)
    if f"{namespace}/" != MODEL_NAMESPACE or not slash or lab is None:
        return None
    identity = tokens(f"{record.id} {record.name}")
    prefix = f"{lab}/"
    matches = []
    for metadata_id in view.metadata_ids(prefix):
        file_name = metadata_id.removeprefix(prefix)
        wanted = tokens(file_name)
        if "/" not in file_name and wanted and wanted <= identity:
            matches.append(metadata_id)
    return matches[0] if len(matches) == 1 else None


class CloudflareWorkersAI(SyncProvider[CloudflareModel]):
    id = PROVIDER_ID
    name = "Cloudflare Workers AI"
    group = "cloudflare"
    env_vars = (ACCOUNT_ENV, TOKEN_ENV)

    def credentials(self, env: Mapping[str, str]) -> tuple[str, str]:
        """The account id and API token; a ProviderError naming both variables when either is
        missing."""
        missing = [name for name in self.env_vars if not env.get(name, "").strip()]
        if missing:
            raise ProviderError(
                self.id,
                f"missing credentials: set both {ACCOUNT_ENV} and {TOKEN_ENV} "
                f"(not set: {', '.join(missing)})",
            )
        return self.require_env(env, ACCOUNT_ENV), self.require_env(env, TOKEN_ENV)

    def fetch(self, client: HttpClient, env: Mapping[str, str]) -> Any:
        """Every page of the model search, combined as `{"data": [...]}`."""
        account, token = self.credentials(env)
        base = self.url_env(env, API_URL_ENV, DEFAULT_API_URL).rstrip("/")
        url = f"{base}/accounts/{quote(account, safe='')}/ai/models/search"
        secrets = (token, account)

        def page(number: int) -> tuple[list[Any], int]:
            body = client.get_json(
                url,
                params={"format": "openrouter", "per_page": str(PER_PAGE), "page": str(number)},
                headers={"Authorization": f"Bearer {token}"},
                secrets=secrets,
                error_detail=_response_errors,
            )
            return _read_body(body, secrets)

        records, pages = page(1)
        if pages > MAX_PAGES:
            raise ProviderError(
                self.id, f"the API reports {pages} pages of models; refusing more than {MAX_PAGES}"
            )
        for number in range(2, pages + 1):
            records += page(number)[0]
        return {"data": records}

    def parse(self, raw: Any) -> Sequence[CloudflareModel]:
        return parse_records(raw)

    def source_id(self, record: CloudflareModel) -> str:
        return record.id

    def translate(self, record: CloudflareModel, view: CatalogView) -> Translation:
        normalised = to_openrouter(record)
        return translate_record(
            normalised,
            view,
            path_id=normalised.id,
            match_base=publisher_base_model,
            name_with_base=True,
            existing_name_wins=True,
            existing_dates_win=True,
            existing_output_wins=True,
            reasoning_options_from_api=False,
        )
