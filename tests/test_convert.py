"""The shared provider conversions: prices, modalities, dates, families, factoring, id safety."""

from __future__ import annotations

from typing import Any

import pytest

from models_catalog.sync.convert import (
    XAI_PRICE_DIVISOR,
    factor_against_base,
    has_attachment,
    infer_family,
    modalities,
    omit_list,
    per_million,
    per_million_scaled,
    tokens,
    unix_date,
    unsafe_id_reason,
)


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("0.000003", 3.0),
        ("0.0000003", 0.3),
        ("0.00000015", 0.15),
        ("0.0000000375", 0.0375),
        ("0.00000000000049", 0.0),
        (" 0.00001 ", 10.0),
        ("0", 0.0),
        ("-0", 0.0),
        (0.000003, 3.0),
        (2e-07, 0.2),
        (1, 1_000_000.0),
    ],
)
def test_per_million_converts_per_token_prices(price: str | float | int, expected: float) -> None:
    result = per_million(price)
    assert result == expected
    assert isinstance(result, float)


def test_per_million_avoids_float_noise() -> None:
    # float("0.0000001") * 1e6 is 0.09999999999999999; 0.0000000125 gives 0.012499999999999999.
    assert repr(per_million("0.0000001")) == "0.1"
    assert repr(per_million("0.0000000125")) == "0.0125"


def test_per_million_rounds_half_up_on_the_exact_decimal() -> None:
    # As a float, 0.0000000000005 * 1e6 lands just below the half and rounds down to 0.
    assert per_million("0.0000000000005") == 0.000001


def test_per_million_zero_is_positive_zero() -> None:
    assert str(per_million("-0")) == "0.0"


@pytest.mark.parametrize(
    "price", [None, "", "   ", "-1", "-0.000001", "abc", "NaN", "Infinity", "1e", True]
)
def test_per_million_rejects_unusable_prices(price: Any) -> None:
    assert per_million(price) is None


def test_per_million_scaled_reads_xai_integer_prices() -> None:
    assert per_million_scaled(20_000, XAI_PRICE_DIVISOR) == 2.0
    assert per_million_scaled(2_000, XAI_PRICE_DIVISOR) == 0.2
    assert per_million_scaled(500, XAI_PRICE_DIVISOR) == 0.05
    assert per_million_scaled(3, XAI_PRICE_DIVISOR) == 0.0003
    assert per_million_scaled(0, XAI_PRICE_DIVISOR) == 0.0


@pytest.mark.parametrize("value", [None, -1, True, "x"])
def test_per_million_scaled_rejects_unusable_prices(value: Any) -> None:
    assert per_million_scaled(value, XAI_PRICE_DIVISOR) is None


def test_per_million_scaled_needs_a_positive_divisor() -> None:
    with pytest.raises(ValueError):
        per_million_scaled(1, 0)


def test_modalities_normalise() -> None:
    assert modalities(["Text", "IMAGE", "file", "audio", "video"]) == [
        "text",
        "image",
        "pdf",
        "audio",
        "video",
    ]


def test_modalities_drop_unknown_and_duplicates_keeping_order() -> None:
    assert modalities(["image", "embeddings", "text", "image", "file", "pdf"]) == [
        "image",
        "text",
        "pdf",
    ]


@pytest.mark.parametrize("values", [None, [], ["embeddings"]])
def test_modalities_default_to_text(values: list[str] | None) -> None:
    assert modalities(values) == ["text"]


def test_modalities_accept_any_iterable() -> None:
    assert modalities(v for v in ("audio", "text")) == ["audio", "text"]


def test_has_attachment() -> None:
    assert has_attachment(["text", "image"])
    assert has_attachment(["pdf"])
    assert not has_attachment(["text"])
    assert not has_attachment([])


def test_unix_date_is_utc() -> None:
    assert unix_date(0) == "1970-01-01"
    # 2025-04-28 23:30 UTC: still the 28th in UTC, already the 29th east of it.
    assert unix_date(1745883000) == "2025-04-28"
    assert unix_date(1745883000.9) == "2025-04-28"


FAMILIES = [
    "gpt",
    "gpt-mini",
    "o",
    "o-mini",
    "claude",
    "claude-sonnet",
    "kimi",
    "kimi-k2",
    "kimi-thinking",
    "qwen",
    "llama",
    "Hy",
]


@pytest.mark.parametrize(
    ("id_", "name", "expected"),
    [
        ("anthropic/claude-sonnet-4.5", "Claude Sonnet 4.5", "claude-sonnet"),
        ("anthropic/claude-3-haiku", "Claude 3 Haiku", "claude"),
        ("openai/gpt-4o", "GPT-4o", "gpt"),
        ("openai/o3", "o3", "o"),
        ("openai/o4-mini", "o4 Mini", "o"),
        ("openai/o-mini", "o mini", "o-mini"),
        ("openai/gpt-mini", "GPT Mini", "gpt-mini"),
        ("moonshotai/kimi-k2", "Kimi K2 0711", "kimi-k2"),
        ("moonshotai/kimi-k2.5", "Kimi K2.5", "kimi-k2"),
        ("moonshotai/kimi-k2-thinking", "Kimi K2 Thinking", "kimi-thinking"),
        ("moonshotai/kimi-latest", "Kimi Latest", "kimi"),
        ("tencent/hy3-preview", "Hy 3", "Hy"),
        ("acme/unknown", "Unknown", None),
    ],
)
def test_infer_family(id_: str, name: str, expected: str | None) -> None:
    assert infer_family(id_, name, FAMILIES) == expected


def test_infer_family_needs_whole_tokens() -> None:
    # "llama" inside "ollama" and "gpt" inside "chatgpt" are not tokens.
    assert infer_family("acme/ollama-chatgpt", "Ollama ChatGPT", FAMILIES) is None
    # Only `o` may be followed by a digit: "qwen3" is no "qwen" token.
    assert infer_family("acme/qwen3-8b", "Qwen3 8B", FAMILIES) is None
    assert infer_family("qwen/qwen3-8b", "Qwen3 8B", FAMILIES) == "qwen"
    # "4o" is no "o" token.
    assert infer_family("acme/x-4o", "X 4o", ["o"]) is None


def test_infer_family_kimi_only_when_listed() -> None:
    assert infer_family("moonshotai/kimi-k2-thinking", "Kimi K2 Thinking", ["kimi"]) == "kimi"
    assert infer_family("moonshotai/kimi-k2", "Kimi K2", ["kimi", "kimi-thinking"]) == "kimi"


def test_infer_family_kimi_thinking_must_follow_k2() -> None:
    assert infer_family("acme/thinking-kimi-k2", "Kimi K2", FAMILIES) == "kimi-k2"


def test_tokens_split_letters_from_numbers() -> None:
    assert tokens("llama-3.1-8b-instruct") == {"llama", "3.1", "8", "b", "instruct"}
    assert tokens("@cf/meta/Llama-3.1-8B-Instruct-FP8") == {
        "cf",
        "meta",
        "llama",
        "3.1",
        "8",
        "b",
        "instruct",
        "fp",
    }
    assert tokens("gemma-7b-it qwen2.5") == {"gemma", "7", "b", "it", "qwen", "2.5"}
    assert tokens("") == set()


SONNET: dict[str, Any] = {
    "name": "Claude Sonnet 4.5",
    "attachment": True,
    "reasoning": True,
    "limit": {"context": 200_000, "output": 64_000, "input": 180_000},
    "modalities": {"input": ["text", "image", "pdf"], "output": ["text"]},
    "reasoning_options": [{"type": "effort", "values": ["low", "high"]}],
}


def test_factor_keeps_only_differing_keys() -> None:
    model = {
        "name": "Claude Sonnet 4.5",
        "attachment": True,
        "reasoning": False,
        "temperature": True,
    }
    keys = ["name", "attachment", "reasoning", "temperature"]
    assert factor_against_base(model, SONNET, keys) == {"reasoning": False, "temperature": True}


def test_factor_compares_tables_key_by_key() -> None:
    model = {"limit": {"context": 1_000_000, "output": 64_000}}
    assert factor_against_base(model, SONNET, ["limit"]) == {"limit": {"context": 1_000_000}}
    same = {"limit": {"context": 200_000.0, "output": 64_000}}
    assert factor_against_base(same, SONNET, ["limit"]) == {}


def test_factor_compares_nested_tables_recursively() -> None:
    base = {"cost": {"input": 3, "context_over_200k": {"input": 6, "output": 22.5}}}
    model = {"cost": {"input": 3, "context_over_200k": {"input": 6, "output": 30}}}
    assert factor_against_base(model, base, ["cost"]) == {
        "cost": {"context_over_200k": {"output": 30}}
    }


def test_factor_compares_plain_lists_as_sets() -> None:
    reordered = {"modalities": {"input": ["pdf", "text", "image"], "output": ["text"]}}
    assert factor_against_base(reordered, SONNET, ["modalities"]) == {}
    fewer = {"modalities": {"input": ["text", "image"], "output": ["text"]}}
    assert factor_against_base(fewer, SONNET, ["modalities"]) == {
        "modalities": {"input": ["text", "image"]}
    }


def test_factor_compares_lists_of_tables_in_order() -> None:
    same = {"reasoning_options": [{"values": ["high", "low"], "type": "effort"}]}
    assert factor_against_base(same, SONNET, ["reasoning_options"]) == {}
    more = {"reasoning_options": [{"type": "effort", "values": ["low", "high"]}, {"type": "x"}]}
    assert factor_against_base(more, SONNET, ["reasoning_options"]) == more
    base = {"reasoning_options": [{"type": "a"}, {"type": "b"}]}
    swapped = {"reasoning_options": [{"type": "b"}, {"type": "a"}]}
    assert factor_against_base(swapped, base, ["reasoning_options"]) == swapped


def test_factor_tells_flags_from_numbers() -> None:
    assert factor_against_base({"x": 1}, {"x": True}, ["x"]) == {"x": 1}
    assert factor_against_base({"x": [1]}, {"x": [True]}, ["x"]) == {"x": [1]}


def test_factor_keeps_values_the_base_lacks_and_ignores_other_keys() -> None:
    model = {"cost": {"input": 3}, "status": "beta", "name": "Other"}
    assert factor_against_base(model, SONNET, ["cost", "status", "missing"]) == {
        "cost": {"input": 3},
        "status": "beta",
    }


def test_factor_replaces_a_value_of_another_shape_whole() -> None:
    model = {"interleaved": {"field": "reasoning_content"}}
    assert factor_against_base(model, {"interleaved": True}, ["interleaved"]) == model


def test_omit_list_keeps_the_existing_list_for_the_same_base() -> None:
    existing = {"base_model": "anthropic/claude-sonnet-4-5", "base_model_omit": ["limit.output"]}
    new_limit = {"context": 200_000}
    assert omit_list(existing, "anthropic/claude-sonnet-4-5", SONNET, new_limit) == ["limit.output"]


def test_omit_list_ignores_an_existing_list_for_another_base() -> None:
    existing = {"base_model": "anthropic/claude-opus-4-5", "base_model_omit": ["limit.output"]}
    base_id = "anthropic/claude-sonnet-4-5"
    assert omit_list(existing, base_id, SONNET, {"context": 200_000}) is None
    assert omit_list(existing, base_id, SONNET, {"context": 1_000_000}) == ["limit.input"]


def test_omit_list_drops_an_inherited_input_limit_when_contexts_differ() -> None:
    base_id = "anthropic/claude-sonnet-4-5"
    assert omit_list(None, base_id, SONNET, {"context": 1_000_000}) == ["limit.input"]
    assert omit_list(None, base_id, SONNET, None) == ["limit.input"]
    existing_without = {"base_model": base_id}
    assert omit_list(existing_without, base_id, SONNET, {"context": 1_000_000}) == ["limit.input"]


def test_omit_list_none_otherwise() -> None:
    base_id = "anthropic/claude-sonnet-4-5"
    assert omit_list(None, base_id, SONNET, {"context": 200_000}) is None
    assert omit_list(None, base_id, SONNET, {"context": 1_000_000, "input": 900_000}) is None
    no_input = {"limit": {"context": 200_000, "output": 64_000}}
    assert omit_list(None, base_id, no_input, {"context": 1_000_000}) is None
    assert omit_list(None, base_id, {}, {"context": 1_000_000}) is None


@pytest.mark.parametrize(
    "id_",
    [
        "qwen/qwen3-8b:free",
        "~anthropic/claude-opus-latest",
        "gemini-2.5-pro",
        "@cf/meta/llama-3.1-8b-instruct",
        "a/b/c",
        "v1..2",
        ".hidden/x",
    ],
)
def test_safe_ids(id_: str) -> None:
    assert unsafe_id_reason(id_) is None


@pytest.mark.parametrize(
    ("id_", "words"),
    [
        ("", "empty"),
        ("/etc/passwd", "absolute"),
        ("a//b", "empty path segment"),
        ("a/", "empty path segment"),
        ("../x", "'..'"),
        ("a/../../x", "'..'"),
        ("a/./b", "'.'"),
        (".", "'.'"),
        ("a\\b", "backslash"),
        ("..\\x", "backslash"),
        ("a\x00b", "control character"),
        ("a\nb", "control character"),
        ("a\tb", "control character"),
        ("a\x7fb", "control character"),
        ("a\x85b", "control character"),
    ],
)
def test_unsafe_ids(id_: str, words: str) -> None:
    reason = unsafe_id_reason(id_)
    assert reason is not None
    assert words in reason
