"""The pydantic models of OpenRouter's `GET /api/v1/models` response (only the fields the
catalog uses), which say what is wrong with a response the plain acceptor of `openrouter`
refuses, and accept the values it leaves to them (numbers as prices, lax numbers).

Each model here is mirrored, field for field, by a plain record class of `openrouter`; the
contract test (tests/test_openrouter_shape.py) holds the two to the same results."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Architecture(_Shape):
    input_modalities: list[str]
    output_modalities: list[str]


class Pricing(_Shape):
    """Per-token prices as decimal strings (numbers are accepted and read as strings)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    prompt: str
    completion: str
    internal_reasoning: str | None = None
    input_cache_read: str | None = None
    input_cache_write: str | None = None


class TopProvider(_Shape):
    context_length: int | None = None
    max_completion_tokens: int | None = None


class Reasoning(_Shape):
    """How a model reasons. `supported_efforts`: null means every effort; absent means unknown."""

    mandatory: bool | None = None
    supported_efforts: list[str] | None = None
    supports_max_tokens: bool | None = None


class OpenRouterModel(_Shape):
    """One record. The fields every file needs are required; the others may be absent, as they
    are in older responses."""

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


class OpenRouterResponse(_Shape):
    data: list[OpenRouterModel]
