"""OpenRouter: its public models list, translated into `providers/openrouter/models/<id>.toml`.

The record type and the translation steps are public because Cloudflare Workers AI normalises
its records to `OpenRouterModel` and translates them with `translate_record`, switching on the
few rules where it differs (see that function).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeGuard

from ..schema import EFFORTS
from ..sync.contract import CatalogView, ExistingModel, SyncProvider, Translation
from ..sync.convert import (
    api_date,
    factor_against_base,
    has_attachment,
    infer_family,
    modalities,
    omit_list,
    per_million,
    unix_date,
)
from ._common import refuse_foreign, validate_response

if TYPE_CHECKING:
    from ..http import HttpClient
    from .openrouter_shape import OpenRouterModel as Shape

PROVIDER_ID = "openrouter"
DEFAULT_URL = "https://openrouter.ai/api/v1/models"
URL_ENV = "OPENROUTER_MODELS_URL"
KEY_ENV = "OPENROUTER_API_KEY"

ALL_EFFORTS = ("max", "xhigh", "high", "medium", "low", "minimal", "none")
"""The efforts a model accepts when the API says `supported_efforts: null`."""

LAB_FOLDERS: Mapping[str, str] = {
    **{
        lab: lab
        for lab in (
            "alibaba",
            "anthropic",
            "cohere",
            "deepseek",
            "google",
            "minimax",
            "moonshotai",
            "openai",
            "nvidia",
            "stepfun",
            "tencent",
            "xiaomi",
        )
    },
    "meta": "meta",
    "meta-llama": "meta",
    "mistralai": "mistral",
    "qwen": "alibaba",
    "x-ai": "xai",
    "xai": "xai",
    "zai": "zhipuai",
    "z-ai": "zhipuai",
}
"""OpenRouter id prefix → the metadata folder (`models/<lab>/`) its canonical models live in."""

FACTORED_FIELDS = (
    "name",
    "attachment",
    "reasoning",
    "reasoning_options",
    "temperature",
    "tool_call",
    "structured_output",
    "status",
    "interleaved",
    "limit",
    "modalities",
    "cost",
)
"""The fields a file with a `base_model` may override (each written only where it differs)."""

FREE_SUFFIX = ":free"


class Architecture(NamedTuple):
    input_modalities: list[str]
    output_modalities: list[str]


class Pricing(NamedTuple):
    """Per-token prices as decimal strings."""

    prompt: str
    completion: str
    internal_reasoning: str | None = None
    input_cache_read: str | None = None
    input_cache_write: str | None = None


class TopProvider(NamedTuple):
    context_length: int | None = None
    max_completion_tokens: int | None = None


class Reasoning(NamedTuple):
    """How a model reasons. `supported_efforts`: null means every effort; absent (then
    `efforts_known` is false) means unknown."""

    mandatory: bool | None = None
    supported_efforts: list[str] | None = None
    supports_max_tokens: bool | None = None
    efforts_known: bool = False


RECORD_FIELDS = frozenset(
    {
        "id",
        "name",
        "created",
        "context_length",
        "architecture",
        "pricing",
        "hugging_face_id",
        "knowledge_cutoff",
        "top_provider",
        "supported_parameters",
        "reasoning",
    }
)


class OpenRouterModel(NamedTuple):
    """One record of `GET /api/v1/models` (only the fields the catalog uses).

    The fields every file needs are required; the others (OPTIONAL_FIELDS) may be absent, as
    they are in older responses: the translation then keeps the existing file's values.
    `given`: the fields the record has (null ones included)."""

    id: str
    name: str
    created: float
    context_length: int
    architecture: Architecture
    pricing: Pricing
    hugging_face_id: str | None = None
    knowledge_cutoff: str | None = None
    top_provider: TopProvider = TopProvider()
    supported_parameters: list[str] | None = None
    reasoning: Reasoning | None = None
    given: frozenset[str] = RECORD_FIELDS

    @classmethod
    def model_validate(cls, raw: Any) -> OpenRouterModel:
        """The record `raw` stands for; a mismatch raises pydantic's ValidationError."""
        record = accept_record(raw)
        if record is None:
            from .openrouter_shape import OpenRouterModel as Shape

            record = from_shape(Shape.model_validate(raw))
        return record


OPTIONAL_FIELDS: Mapping[str, str] = {
    "hugging_face_id": "open_weights",
    "knowledge_cutoff": "knowledge",
    "supported_parameters": "reasoning, temperature, tool_call and structured_output",
    "top_provider": "output limit",
    "reasoning": "reasoning options",
}
"""Record fields the translation can do without → what it keeps from the existing file instead.
`reasoning` only counts as missing on a record whose parameters say it reasons."""


def parse_response(raw: Any, provider_id: str = PROVIDER_ID) -> list[OpenRouterModel]:
    """The records of a `{"data": [...]}` body; a changed shape raises ProviderError.

    The plain acceptor takes a response of the usual shape; anything else (prices as numbers,
    a missing field...) is left to the pydantic models of `openrouter_shape`, which accept it
    or say what is wrong."""
    refuse_foreign(provider_id, raw)
    records = accept_response(raw)
    if records is None:
        from .openrouter_shape import OpenRouterResponse

        shaped = validate_response(provider_id, OpenRouterResponse, raw)
        records = [from_shape(record) for record in shaped.data]
    return records


def accept_response(raw: Any) -> list[OpenRouterModel] | None:
    """The records of a response of the usual shape, or None to leave it to pydantic."""
    items = raw.get("data") if type(raw) is dict else None
    if type(items) is not list:
        return None
    records: list[OpenRouterModel] = []
    for item in items:
        record = accept_record(item)
        if record is None:
            return None
        records.append(record)
    return records


def accept_record(raw: Any) -> OpenRouterModel | None:
    """The record of the usual shape `raw` holds (only exact JSON types, no conversion), or None
    when pydantic must decide."""
    if type(raw) is not dict:
        return None
    model_id, name, created = raw.get("id"), raw.get("name"), raw.get("created")
    context_length = raw.get("context_length")
    if not (_text(model_id) and _text(name) and _integer(context_length)):
        return None
    if not ((_integer(created) and abs(created) <= _EXACT) or type(created) is float):
        return None
    if type(created) is float and not math.isfinite(created):
        return None
    architecture = _architecture(raw.get("architecture"))
    pricing = _pricing(raw.get("pricing"))
    top_provider = _top_provider(raw.get("top_provider", {}))
    hugging_face_id, cutoff = raw.get("hugging_face_id"), raw.get("knowledge_cutoff")
    parameters = raw.get("supported_parameters")
    usual_reasoning, reasoning = _reasoning(raw.get("reasoning"))
    if (
        architecture is None
        or pricing is None
        or top_provider is None
        or not usual_reasoning
        or not (_optional_text(hugging_face_id) and _optional_text(cutoff))
        or not (parameters is None or _texts(parameters))
    ):
        return None
    return OpenRouterModel(
        id=model_id,
        name=name,
        created=float(created),
        context_length=context_length,
        architecture=architecture,
        pricing=pricing,
        hugging_face_id=hugging_face_id,
        knowledge_cutoff=cutoff,
        top_provider=top_provider,
        supported_parameters=parameters,
        reasoning=reasoning,
        given=RECORD_FIELDS.intersection(raw),
    )


_EXACT = 2**53
_LARGEST = 2**63


def _text(value: Any) -> TypeGuard[str]:
    """A string pydantic takes as it is (a lone surrogate is not one)."""
    if type(value) is not str:
        return False
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _optional_text(value: Any) -> TypeGuard[str | None]:
    return value is None or _text(value)


def _texts(value: Any) -> TypeGuard[list[str]]:
    return type(value) is list and all(_text(item) for item in value)


def _integer(value: Any) -> TypeGuard[int]:
    return type(value) is int and -_LARGEST <= value < _LARGEST


def _optional_integer(value: Any) -> TypeGuard[int | None]:
    return value is None or _integer(value)


def _optional_flag(value: Any) -> TypeGuard[bool | None]:
    return value is None or type(value) is bool


def _architecture(raw: Any) -> Architecture | None:
    if type(raw) is not dict:
        return None
    inputs, outputs = raw.get("input_modalities"), raw.get("output_modalities")
    if not (_texts(inputs) and _texts(outputs)):
        return None
    return Architecture(input_modalities=inputs, output_modalities=outputs)


def _pricing(raw: Any) -> Pricing | None:
    if type(raw) is not dict:
        return None
    prompt, completion = raw.get("prompt"), raw.get("completion")
    reasoning = raw.get("internal_reasoning")
    read, write = raw.get("input_cache_read"), raw.get("input_cache_write")
    if not (_text(prompt) and _text(completion)):
        return None
    if not (_optional_text(reasoning) and _optional_text(read) and _optional_text(write)):
        return None
    return Pricing(prompt, completion, reasoning, read, write)


def _top_provider(raw: Any) -> TopProvider | None:
    if type(raw) is not dict:
        return None
    context, output = raw.get("context_length"), raw.get("max_completion_tokens")
    if not (_optional_integer(context) and _optional_integer(output)):
        return None
    return TopProvider(context_length=context, max_completion_tokens=output)


def _reasoning(raw: Any) -> tuple[bool, Reasoning | None]:
    """Whether the reasoning table has the usual shape, and its record (None for none)."""
    if raw is None:
        return True, None
    if type(raw) is not dict:
        return False, None
    mandatory, efforts = raw.get("mandatory"), raw.get("supported_efforts")
    max_tokens = raw.get("supports_max_tokens")
    if not (_optional_flag(mandatory) and _optional_flag(max_tokens)):
        return False, None
    if not (efforts is None or _texts(efforts)):
        return False, None
    known = "supported_efforts" in raw
    return True, Reasoning(mandatory, efforts, max_tokens, efforts_known=known)


def from_shape(shaped: Shape) -> OpenRouterModel:
    """The plain record of a record pydantic accepted."""
    reasoning = shaped.reasoning
    return OpenRouterModel(
        id=shaped.id,
        name=shaped.name,
        created=shaped.created,
        context_length=shaped.context_length,
        architecture=Architecture(**shaped.architecture.model_dump()),
        pricing=Pricing(**shaped.pricing.model_dump()),
        hugging_face_id=shaped.hugging_face_id,
        knowledge_cutoff=shaped.knowledge_cutoff,
        top_provider=TopProvider(**shaped.top_provider.model_dump()),
        supported_parameters=shaped.supported_parameters,
        reasoning=None
        if reasoning is None
        else Reasoning(
            **reasoning.model_dump(),
            efforts_known="supported_efforts" in reasoning.model_fields_set,
        ),
        given=frozenset(shaped.model_fields_set),
    )


def missing_field_notices(records: Sequence[OpenRouterModel]) -> list[str]:
    """One notice per optional field that some records lack, with the number of records."""
    notices: list[str] = []
    for name, kept in OPTIONAL_FIELDS.items():
        missing = sum(1 for r in records if _lacks(r, name))
        if missing:
            notices.append(
                f"{missing} of {len(records)} records lack `{name}`; kept the existing files' "
                f"{kept}."
            )
    return notices


def _lacks(record: OpenRouterModel, name: str) -> bool:
    if name in record.given:
        return False
    if name == "reasoning":
        return flags(record.supported_parameters or ())["reasoning"]
    return True


def display_name(name: str) -> str:
    """The record name without its leading `"Lab: "` part."""
    stripped = re.sub(r"^[^:]+:\s+", "", name, count=1)
    return stripped or name


def flags(parameters: Sequence[str]) -> dict[str, bool]:
    """reasoning, tool_call, structured_output and temperature from `supported_parameters`."""
    params = set(parameters)
    return {
        "reasoning": bool(params & {"reasoning", "include_reasoning"}),
        "temperature": "temperature" in params,
        "tool_call": bool(params & {"tools", "tool_choice"}),
        "structured_output": "structured_outputs" in params,
    }


def reasoning_options(
    reasoning: Reasoning | None, existing: Any, *, from_api: bool = True
) -> list[dict[str, Any]] | None:
    """The options to write: the existing non-empty list; else what `reasoning` tells; else the
    existing list (even empty), if any. `from_api=False` only ever takes the existing list."""
    current = list(existing) if isinstance(existing, list) else None
    if current or not from_api or reasoning is None:
        return current
    options: list[dict[str, Any]] = []
    if reasoning.efforts_known:
        wanted = ALL_EFFORTS if reasoning.supported_efforts is None else reasoning.supported_efforts
        values = _known_efforts(wanted)
        if reasoning.mandatory:
            values = [v for v in values if v != "none"]
        if values:
            options.append({"type": "effort", "values": values})
    if reasoning.supports_max_tokens:
        options.append({"type": "budget_tokens"})
    return options or current


def _known_efforts(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        effort = value.strip().lower()
        if effort in EFFORTS and effort not in out:
            out.append(effort)
    return out


def cost(
    pricing: Pricing, *, reasoning: bool, existing: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """Prices per million tokens when the API gives both input and output (keeping the existing
    tiers); otherwise the existing cost. A reasoning price only for reasoning models."""
    prompt = per_million(pricing.prompt, "pricing.prompt")
    completion = per_million(pricing.completion, "pricing.completion")
    if prompt is None or completion is None:
        return dict(existing) if existing is not None else None
    values = {
        "input": prompt,
        "output": completion,
        "reasoning": (
            per_million(pricing.internal_reasoning, "pricing.internal_reasoning")
            if reasoning
            else None
        ),
        "cache_read": per_million(pricing.input_cache_read, "pricing.input_cache_read"),
        "cache_write": per_million(pricing.input_cache_write, "pricing.input_cache_write"),
        "tiers": existing.get("tiers") if existing is not None else None,
    }
    return {key: value for key, value in values.items() if value is not None}


def limit(
    top_provider: TopProvider,
    context_length: int,
    existing: Mapping[str, Any] | None,
    *,
    existing_output_wins: bool = False,
) -> dict[str, Any]:
    """context: the top provider's, else the model's; output: max_completion_tokens, else the
    existing output, else the context (the existing output first with `existing_output_wins`);
    input: the existing input."""
    context = (
        top_provider.context_length if top_provider.context_length is not None else context_length
    )
    old = existing or {}
    api_output, old_output = top_provider.max_completion_tokens, old.get("output")
    first, second = (old_output, api_output) if existing_output_wins else (api_output, old_output)
    output = first if first is not None else second if second is not None else context
    values = {"context": context, "input": old.get("input"), "output": output}
    return {key: value for key, value in values.items() if value is not None}


def family(model_id: str, name: str, existing: Any, families: Sequence[str]) -> str | None:
    """The existing family, except an existing `o` that inference refines; else the inferred."""
    if isinstance(existing, str) and existing and existing != "o":
        return existing
    return infer_family(model_id, name, families)


_VARIANTS: Mapping[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "anthropic": (
        (re.compile(r"(claude-(?:opus|sonnet|haiku)-\d+)\.(\d+)"), r"\1-\2"),
        (re.compile(r"^claude-3\.5-"), "claude-3-5-"),
    ),
    "meta": (
        (re.compile(r"^llama-(\d+)-(\d+)"), r"llama-\1.\2"),
        (re.compile(r"^llama-4-(maverick|scout)$"), r"llama-4-\1-17b"),
    ),
    "mistral": ((re.compile(r"-latest$"), ""),),
    "minimax": ((re.compile(r"^minimax-m"), "MiniMax-M"),),
}
"""Per metadata lab: how OpenRouter's model names differ from the metadata file names."""


def base_model_candidates(lab: str, model: str) -> list[str]:
    """Metadata ids to try for a model of `lab` (a metadata folder): as is, then each variant."""
    variants = [model, *(p.sub(r, model, count=1) for p, r in _VARIANTS.get(lab, ()))]
    return [f"{lab}/{v}" for v in dict.fromkeys(variants)]


def canonical_base_model(record: OpenRouterModel, view: CatalogView) -> str | None:
    """The metadata id an OpenRouter id stands for, when one exists: its lab prefix mapped to a
    metadata folder, its model part (without `:free`) tried as is and as lab variants. Ids
    starting with `~` (moving aliases) never match."""
    if record.id.startswith("~"):
        return None
    prefix, slash, rest = record.id.partition("/")
    lab = LAB_FOLDERS.get(prefix)
    if not slash or lab is None:
        return None
    model = rest.removesuffix(FREE_SUFFIX)
    if not model:
        return None
    return next(
        (c for c in base_model_candidates(lab, model) if view.metadata(c) is not None), None
    )


BaseMatcher = Callable[[OpenRouterModel, CatalogView], str | None]
"""Finds the metadata id a record stands for, or None."""


def full_model(
    record: OpenRouterModel,
    existing: ExistingModel | None,
    families: Sequence[str],
    *,
    existing_name_wins: bool = False,
    existing_dates_win: bool = False,
    existing_output_wins: bool = False,
    reasoning_options_from_api: bool = True,
) -> dict[str, Any]:
    """The complete provider model for a record, given the existing file (resolved) if any."""
    old: Mapping[str, Any] = existing.resolved if existing is not None else {}
    name = display_name(record.name)
    if existing_name_wins and isinstance(old.get("name"), str) and old["name"]:
        name = old["name"]
    released = unix_date(record.created)
    release_date, last_updated = released, released
    if existing_dates_win:
        release_date = old.get("release_date") or released
        last_updated = old.get("last_updated") or released
    inputs = modalities(record.architecture.input_modalities)
    outputs = modalities(record.architecture.output_modalities)
    capabilities = flags(record.supported_parameters or ())
    if record.supported_parameters is None:
        capabilities = {k: _flag(old.get(k), default) for k, default in capabilities.items()}
    open_weights = bool(record.hugging_face_id)
    if "hugging_face_id" not in record.given:
        open_weights = _flag(old.get("open_weights"), open_weights)
    cutoff = api_date(record.knowledge_cutoff, "knowledge_cutoff")
    model: dict[str, Any] = {
        "name": name,
        "family": family(record.id, name, old.get("family"), families),
        "release_date": release_date,
        "last_updated": last_updated,
        "attachment": has_attachment(inputs),
        **capabilities,
        "reasoning_options": reasoning_options(
            record.reasoning, old.get("reasoning_options"), from_api=reasoning_options_from_api
        ),
        "knowledge": cutoff or old.get("knowledge"),
        "open_weights": open_weights,
        "status": old.get("status"),
        "interleaved": old.get("interleaved"),
        "cost": cost(
            record.pricing, reasoning=capabilities["reasoning"], existing=_table(old, "cost")
        ),
        "limit": limit(
            record.top_provider,
            record.context_length,
            _table(old, "limit"),
            existing_output_wins=existing_output_wins,
        ),
        "modalities": {"input": inputs, "output": outputs},
    }
    # Values taken from the existing file must not be shared with the view's data: the tables
    # and lists among them are copied (the rest of the model is new, or immutable).
    return {
        key: _copied(value) if key in _MAY_HOLD_EXISTING else value
        for key, value in model.items()
        if value is not None
    }


_MAY_HOLD_EXISTING = frozenset({"reasoning_options", "interleaved", "cost"})


def _copied(value: Any) -> Any:
    """A copy of parsed TOML or JSON data: its tables and lists new, its values (immutable)
    shared; much cheaper than `copy.deepcopy`."""
    if isinstance(value, Mapping):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


def _flag(existing: Any, default: bool) -> bool:
    return existing if isinstance(existing, bool) else default


def factored_model(
    model: Mapping[str, Any],
    base_id: str,
    base: Mapping[str, Any],
    existing: ExistingModel | None,
    *,
    with_name: bool = False,
) -> dict[str, Any]:
    """`model` written over `base_id`: `base_model`, its omit list, and each of FACTORED_FIELDS
    (name only `with_name`) that differs from the metadata `base`."""
    keys = [k for k in FACTORED_FIELDS if with_name or k != "name"]
    authored = existing.authored if existing is not None else None
    limits = model.get("limit")
    omit = omit_list(authored, base_id, base, limits if isinstance(limits, Mapping) else None)
    factored: dict[str, Any] = {"base_model": base_id}
    if omit:
        factored["base_model_omit"] = omit
    factored.update(factor_against_base(model, base, keys))
    return factored


def translate_record(
    record: OpenRouterModel,
    view: CatalogView,
    *,
    path_id: str | None = None,
    match_base: BaseMatcher = canonical_base_model,
    name_with_base: bool = False,
    existing_name_wins: bool = False,
    existing_dates_win: bool = False,
    existing_output_wins: bool = False,
    reasoning_options_from_api: bool = True,
) -> Translation:
    """Translate one record "as OpenRouter".

    - `path_id`: the file id (default: the record id); the existing file is looked up by it.
    - `match_base`: finds a metadata id for a record whose file has no `base_model` yet.
    - `name_with_base`: write the name (where it differs from the metadata) whenever a base is
      used; OpenRouter writes it only for `:free` ids.
    - `existing_name_wins`, `existing_dates_win` (release_date and last_updated),
      `existing_output_wins` (limit.output): the existing file's value before the API's.
    - `reasoning_options_from_api=False`: reasoning_options only from the existing file.
    """
    model_id = record.id if path_id is None else path_id
    existing = view.existing(model_id)
    model = full_model(
        record,
        existing,
        view.families,
        existing_name_wins=existing_name_wins,
        existing_dates_win=existing_dates_win,
        existing_output_wins=existing_output_wins,
        reasoning_options_from_api=reasoning_options_from_api,
    )
    current = existing.authored.get("base_model") if existing is not None else None
    base_id = current if isinstance(current, str) else match_base(record, view)
    base = view.metadata(base_id) if base_id is not None else None
    if base_id is not None and base is not None:
        with_name = name_with_base or record.id.endswith(FREE_SUFFIX)
        model = factored_model(model, base_id, base, existing, with_name=with_name)
    return Translation(id=model_id, model=model)


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = data.get(key)
    return value if isinstance(value, Mapping) else None


class OpenRouter(SyncProvider[OpenRouterModel]):
    id = PROVIDER_ID
    name = "OpenRouter"
    group = "aggregators"
    env_vars = (KEY_ENV,)

    def fetch(self, client: HttpClient, env: Mapping[str, str]) -> Any:
        url = self.url_env(env, URL_ENV, DEFAULT_URL)
        key = self.optional_env(env, KEY_ENV)
        if not key:
            return client.get_json(url)
        return client.get_json(url, headers={"Authorization": f"Bearer {key}"}, secrets=(key,))

    def parse(self, raw: Any) -> Sequence[OpenRouterModel]:
        return parse_response(raw, self.id)

    def source_notices(self, records: Sequence[OpenRouterModel]) -> list[str]:
        return missing_field_notices(records)

    def translate(self, record: OpenRouterModel, view: CatalogView) -> Translation:
        return translate_record(record, view)
