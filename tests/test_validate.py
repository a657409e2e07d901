"""Validation: every rule of the schema gives one precise finding, with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from models_catalog.catalog import load_catalog
from models_catalog.validate import Report, validate_catalog

from .conftest import FULL_MODEL, OPENROUTER, MakeCatalog

MODEL = "providers/openrouter/models/qwen/qwen3-8b.toml"


def _check(root: Path) -> Report:
    return validate_catalog(load_catalog(root))


def _messages(report: Report, *, strict: bool = False) -> list[str]:
    return [str(f) for f in report.errors(strict=strict)]


def test_valid_catalog_has_no_findings(make_catalog: MakeCatalog) -> None:
    report = _check(make_catalog({}))
    assert report.findings == []
    assert (report.providers, report.models, report.metadata) == (1, 2, 1)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("input = 0.05", "input = -1", f"{MODEL}:12: cost.input: input should be greater than"),
        ('name = "Qwen3 8B"\n', "", f"{MODEL}: name: required key is missing"),
        (
            "attachment = false",
            'attachment = "no"',
            f"{MODEL}:5: attachment: input should be a valid boolean",
        ),
        (
            'release_date = "2025-04-28"',
            'release_date = "April"',
            f"{MODEL}:3: release_date: must be a date",
        ),
        (
            "open_weights = true",
            "open_weights = true\ncolour = 1",
            f"{MODEL}:10: colour: unknown key 'colour'",
        ),
        ("output = 8_192", "", f"{MODEL}:15: limit.output: required key is missing"),
        ('family = "qwen"', 'family = "nope"', f"{MODEL}:2: family: family 'nope' is not listed"),
        (
            'input = ["text"]',
            'input = ["smell"]',
            f"{MODEL}:20: modalities.input[0]: input should be",
        ),
        (
            "reasoning = false",
            "reasoning = true",
            f"{MODEL}: reasoning_options: reasoning = true requires",
        ),
        (
            "output = 0.4",
            "output = 0.4\nreasoning = 1",
            f"{MODEL}:14: cost.reasoning: reasoning = false forbids",
        ),
        (
            "output = 0.4",
            "output = 0.4\ncontext_over_200k = { input = 1, output = 2 }",
            f"{MODEL}:14: cost.context_over_200k: is generated",
        ),
    ],
)
def test_each_rule_names_file_line_and_key(
    make_catalog: MakeCatalog, old: str, new: str, expected: str
) -> None:
    assert old in FULL_MODEL
    root = make_catalog({MODEL: FULL_MODEL.replace(old, new, 1)})
    messages = _messages(_check(root))
    assert any(m.startswith(expected) for m in messages), messages


def test_broken_toml_names_file_and_line(make_catalog: MakeCatalog) -> None:
    root = make_catalog({MODEL: FULL_MODEL.replace("[cost]", "[cost", 1)})
    messages = _messages(_check(root))
    assert len(messages) == 1 and messages[0].startswith(f"{MODEL}:11: invalid TOML")


def test_unresolvable_base_model_names_the_missing_id(make_catalog: MakeCatalog) -> None:
    root = make_catalog({MODEL: 'base_model = "qwen/nothing"\n'})
    assert _messages(_check(root)) == [
        f"{MODEL}:1: base_model 'qwen/nothing' names no metadata file (models/qwen/nothing.toml)"
    ]


def test_factored_file_is_checked_after_resolution(make_catalog: MakeCatalog) -> None:
    factored = 'base_model = "anthropic/claude-sonnet-4-5"\nbase_model_omit = ["limit.output"]\n'
    root = make_catalog({"providers/openrouter/models/anthropic/claude-sonnet-4.5.toml": factored})
    messages = _messages(_check(root))
    assert any("limit.output: required key is missing" in m for m in messages), messages
    assert any("reasoning = true requires reasoning_options" in m for m in messages), messages


def test_duplicate_provider_names_ignoring_case(make_catalog: MakeCatalog) -> None:
    other = OPENROUTER.replace('name = "OpenRouter"', 'name = "openrouter"')
    root = make_catalog({"providers/openrouter-2/provider.toml": other})
    assert any(
        "provider name 'openrouter' is already used by providers/openrouter/provider.toml" in m
        for m in _messages(_check(root))
    )


@pytest.mark.parametrize(
    ("npm", "api", "expected"),
    [
        ("@ai-sdk/openai-compatible", None, "api is required"),
        ("@ai-sdk/google", "https://x.test", "api is not allowed"),
    ],
)
def test_provider_api_rule(
    make_catalog: MakeCatalog, npm: str, api: str | None, expected: str
) -> None:
    text = f'name = "P"\nenv = ["K"]\nnpm = "{npm}"\ndoc = "https://d.test"\n'
    if api:
        text += f'api = "{api}"\n'
    root = make_catalog({"providers/p/provider.toml": text})
    assert any(expected in m for m in _messages(_check(root)))


def test_unknown_cost_key_is_a_warning_and_an_error_when_strict(make_catalog: MakeCatalog) -> None:
    root = make_catalog(
        {MODEL: FULL_MODEL.replace("output = 0.4", "output = 0.4\ncached_input = 1")}
    )
    report = _check(root)
    assert _messages(report) == []
    assert [str(f) for f in report.warnings] == [
        f"{MODEL}:14: warning: cost.cached_input: unknown key 'cached_input' in cost is not "
        "used by consumers"
    ]
    assert len(_messages(report, strict=True)) == 1


def test_impossible_calendar_date_is_a_warning(make_catalog: MakeCatalog) -> None:
    root = make_catalog({MODEL: FULL_MODEL.replace("2025-04-28", "2025-25-11", 1)})
    report = _check(root)
    assert _messages(report) == []
    assert "'2025-25-11' is not a calendar date" in str(report.warnings[0])


def test_reasoning_option_shapes(make_catalog: MakeCatalog) -> None:
    good = FULL_MODEL.replace("reasoning = false", "reasoning = true") + (
        '\n[[reasoning_options]]\ntype = "effort"\nvalues = ["low", "null"]\n'
        '\n[[reasoning_options]]\ntype = "budget_tokens"\nmin = -1\nmax = 10\n'
    )
    assert _messages(_check(make_catalog({MODEL: good}))) == []
    bad = good.replace('"null"]', '"ultra"]').replace("min = -1", "min = -2")
    messages = _messages(_check(make_catalog({MODEL: bad})))
    assert any("reasoning_options[0].values[1]" in m for m in messages), messages
    assert any("reasoning_options[1].min" in m for m in messages), messages


def test_tier_sizes_must_be_unique(make_catalog: MakeCatalog) -> None:
    tiers = (
        "\n[[cost.tiers]]\ntier = { size = 200_000 }\ninput = 1\noutput = 2\n"
        '\n[[cost.tiers]]\ntier = { type = "context", size = 200_000 }\ninput = 1\noutput = 2\n'
    )
    text = FULL_MODEL.replace("\n[limit]", tiers + "\n[limit]")
    messages = _messages(_check(make_catalog({MODEL: text})))
    assert any("tier sizes must be unique" in m for m in messages), messages


def test_dangling_link_is_a_warning(make_catalog: MakeCatalog) -> None:
    root = make_catalog({"providers/openrouter/models/gone.toml": "../../x/models/gone.toml"})
    report = _check(root)
    assert _messages(report) == [] and report.dangling == 1
    assert "does not exist; skipped" in str(report.warnings[0])


def test_reference_catalog_is_valid_with_its_warnings(reference_catalog: Path) -> None:
    report = validate_catalog(load_catalog(reference_catalog))
    assert report.errors() == []
    assert (report.providers, report.models, report.metadata) == (147, 5307, 231)
    assert any("cached_input" in str(w) for w in report.warnings)


def test_several_missing_keys_are_one_finding(make_catalog: MakeCatalog) -> None:
    root = make_catalog({MODEL: 'name = "Only a name"\n'})
    assert _messages(_check(root)) == [
        f"{MODEL}: required keys are missing: attachment, reasoning, tool_call, release_date, "
        "last_updated, modalities, open_weights, limit"
    ]
