"""The canonical TOML formatter: numbers, strings, layout, comments, losslessness, real files."""

from __future__ import annotations

import datetime
import math
import random
import textwrap
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from models_catalog.errors import FormatError
from models_catalog.tomlfmt import (
    EFFORT_ORDER,
    format_metadata,
    format_number,
    format_provider_model,
    format_string,
    has_comments,
)

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
REFERENCE_CATALOG = REFERENCE / "models-dev"

FORMAT_MD_EXAMPLE = textwrap.dedent(
    """\
    base_model = "anthropic/claude-sonnet-4-5"
    structured_output = true

    [[reasoning_options]]
    type = "toggle"

    [[reasoning_options]]
    type = "budget_tokens"
    min = 1_024
    max = 63_999

    [cost]
    input = 3
    output = 15
    cache_read = 0.3
    cache_write = 3.75

    [[cost.tiers]]
    tier = { type = "context", size = 200_000 }
    input = 6
    output = 22.5
    cache_read = 0.6
    cache_write = 7.5

    [limit]
    context = 1_000_000
    """
)

METADATA = textwrap.dedent(
    """\
    name = "Ornith 1.0 35B"
    family = "ornith"
    release_date = "2026-06-25"
    last_updated = "2026-06-25"
    attachment = true
    reasoning = true
    temperature = true
    tool_call = true
    open_weights = true
    license = "MIT"

    [limit]
    context = 262_144

    [modalities]
    input = ["text", "image"]
    output = ["text"]

    [[weights]]
    label = "Hugging Face"
    url = "https://huggingface.co/deepreinforce-ai/Ornith-1.0-35B"

    [[weights]]
    label = "GGUF"
    url = "https://huggingface.co/deepreinforce-ai/Ornith-1.0-35B-GGUF"
    format = "gguf"
    quantization = "Q4_K_M"

    [[links]]
    label = "Announcement"
    url = "https://deep-reinforce.com/ornith_1_0.html"
    type = "announcement"

    [[benchmarks]]
    name = "SWE-Bench Verified"
    score = 75.6
    metric = "percent resolved"
    source = "https://huggingface.co/deepreinforce-ai/Ornith-1.0-35B"
    date = "2026-06-25"
    """
)

FULL_PROVIDER_MODEL = textwrap.dedent(
    """\
    name = "GPT-5.4"
    family = "gpt"
    release_date = "2026-03-05"
    last_updated = "2026-03-05"
    attachment = true
    reasoning = true
    temperature = false
    tool_call = true
    structured_output = true
    knowledge = "2025-08-31"
    open_weights = false
    status = "beta"

    [interleaved]
    field = "reasoning_content"

    [[reasoning_options]]
    type = "effort"
    values = ["none", "low", "medium", "high", "xhigh"]

    [cost]
    input = 2.5
    output = 15
    cache_read = 0.25
    cached_input = 0.25

    [[cost.tiers]]
    tier = { size = 272_000 }
    input = 5
    output = 22.5

    [limit]
    context = 1_050_000
    input = 922_000
    output = 128_000

    [modalities]
    input = ["text", "image"]
    output = ["text"]

    [provider]
    npm = "@ai-sdk/openai"
    api = "https://api.example.com/v1"
    shape = "responses"

    [experimental.modes.fast]
    cost = { input = 5, output = 30, cache_read = 0.5 }
    provider = { body = { service_tier = "priority" }, headers = { x-tier = "fast" } }
    """
)


# --- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (200, "200"),
        (1_000, "1_000"),
        (1_000_000, "1_000_000"),
        (-1_024, "-1_024"),
        (3.0, "3"),
        (200_000.0, "200_000"),
        (-0.0, "0"),
        (0.3, "0.3"),
        (3.75, "3.75"),
        (22.5, "22.5"),
        (0.00005, "0.00005"),
        (0.000001, "0.000001"),
        (1e-7, "1e-7"),
        (1.5e-8, "1.5e-8"),
        (123456.5, "123456.5"),
        (-0.00005, "-0.00005"),
        (-2.5, "-2.5"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e20, "100_000_000_000_000_000_000"),
        (1e21, "1e+21"),
        (1.5e300, "1.5e+300"),
        (-1e21, "-1e+21"),
        (5e-324, "5e-324"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text
    read = tomllib.loads(f"x = {text}")["x"]
    assert read == value


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_format_number_rejects_nan_and_infinity(value: float) -> None:
    with pytest.raises(FormatError):
        format_number(value)


def test_format_number_rejects_booleans() -> None:
    with pytest.raises(FormatError):
        format_number(True)


def test_nan_in_a_model_names_the_key() -> None:
    with pytest.raises(FormatError, match=r"cost\.input"):
        format_provider_model({"cost": {"input": math.nan, "output": 1}})


# --- strings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", '"plain"'),
        ('say "hi"', r'"say \"hi\""'),
        ("back\\slash", r'"back\\slash"'),
        ("two\nlines", r'"two\nlines"'),
        ("tab\there", '"tab\there"'),
        ("cr\rlf", r'"cr\rlf"'),
        ("\b\f", r'"\b\f"'),
        ("nul\x00", r'"nul\u0000"'),
        ("esc\x1b", r'"esc\u001B"'),
        ("del\x7f", r'"del\u007F"'),
        ("c1\x85", r'"c1\u0085"'),
        ("Humanity\u2019s Last Exam", '"Humanity\u2019s Last Exam"'),
        ("τ3 Banking 日本語 🚀", '"τ3 Banking 日本語 🚀"'),
        ("", '""'),
        ("'single'", "\"'single'\""),
    ],
)
def test_format_string(value: str, text: str) -> None:
    assert format_string(value) == text
    assert tomllib.loads(f"x = {text}")["x"] == value


def test_format_string_rejects_a_lone_surrogate() -> None:
    with pytest.raises(FormatError):
        format_string("bad \ud800")


def test_every_ascii_character_reads_back() -> None:
    value = "".join(chr(c) for c in range(128))
    assert tomllib.loads(f"x = {format_string(value)}")["x"] == value


# --- layout -----------------------------------------------------------------------------------


def test_format_md_example_gives_its_own_text() -> None:
    assert format_provider_model(tomllib.loads(FORMAT_MD_EXAMPLE)) == FORMAT_MD_EXAMPLE


def test_metadata_with_weights_links_and_benchmarks() -> None:
    assert format_metadata(tomllib.loads(METADATA)) == METADATA


def test_full_provider_model_with_extra_keys() -> None:
    assert format_provider_model(tomllib.loads(FULL_PROVIDER_MODEL)) == FULL_PROVIDER_MODEL


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


@pytest.mark.parametrize("text", [FORMAT_MD_EXAMPLE, METADATA, FULL_PROVIDER_MODEL])
def test_key_order_of_the_input_does_not_matter(text: str) -> None:
    data = tomllib.loads(text)
    rng = random.Random(7)
    for _ in range(20):
        shuffled = _shuffled(data, rng)
        assert format_provider_model(shuffled) == text
        assert format_metadata(shuffled) == text


def test_unknown_keys_are_sorted_whatever_the_input_order() -> None:
    first = {"name": "x", "zeta": 1, "alpha": 2, "cost": {"zz": 1, "input": 1, "aa": 2}}
    second = {"cost": {"aa": 2, "input": 1, "zz": 1}, "alpha": 2, "zeta": 1, "name": "x"}
    text = format_provider_model(first)
    assert text == format_provider_model(second)
    assert text == 'name = "x"\nalpha = 2\nzeta = 1\n\n[cost]\ninput = 1\naa = 2\nzz = 1\n'


def test_license_follows_the_known_root_keys_and_precedes_unknown_ones() -> None:
    data = {"aaa": 1, "license": "MIT", "open_weights": True, "name": "x"}
    assert format_metadata(data) == 'name = "x"\nopen_weights = true\nlicense = "MIT"\naaa = 1\n'


def test_empty_reasoning_options_is_a_root_line_after_status() -> None:
    data = {"reasoning_options": [], "status": "beta", "name": "x", "limit": {"context": 1}}
    assert format_provider_model(data) == (
        'name = "x"\nstatus = "beta"\nreasoning_options = []\n\n[limit]\ncontext = 1\n'
    )


def test_interleaved_true_is_a_root_line_after_a_blank_line() -> None:
    data = {
        "cost": {"input": 1, "output": 2},
        "interleaved": True,
        "reasoning_options": [{"type": "toggle"}],
        "name": "GLM",
    }
    assert format_provider_model(data) == textwrap.dedent(
        """\
        name = "GLM"

        interleaved = true

        [[reasoning_options]]
        type = "toggle"

        [cost]
        input = 1
        output = 2
        """
    )


def test_interleaved_table_precedes_the_reasoning_options() -> None:
    data = {
        "reasoning_options": [{"type": "toggle"}],
        "cost": {"input": 1},
        "interleaved": {"field": "reasoning_details"},
        "base_model": "a/b",
    }
    assert format_provider_model(data) == textwrap.dedent(
        """\
        base_model = "a/b"

        [interleaved]
        field = "reasoning_details"

        [[reasoning_options]]
        type = "toggle"

        [cost]
        input = 1
        """
    )


def test_effort_values_are_sorted_and_null_is_written_as_a_string() -> None:
    values = ["null", "max", "custom", None, "default", "high", "none", "other", "minimal"]
    data = {"reasoning_options": [{"values": values, "type": "effort"}]}
    text = format_provider_model(data)
    assert text == textwrap.dedent(
        """\
        [[reasoning_options]]
        type = "effort"
        values = ["none", "minimal", "high", "max", "default", "null", "null", "custom", "other"]
        """
    )
    assert EFFORT_ORDER[-1] == "null"


def test_budget_tokens_min_then_max() -> None:
    data = {"reasoning_options": [{"max": 32_000, "min": -1, "type": "budget_tokens"}]}
    assert format_provider_model(data) == (
        '[[reasoning_options]]\ntype = "budget_tokens"\nmin = -1\nmax = 32_000\n'
    )


def test_cost_tier_keys_and_tier_inline_table() -> None:
    tier = {"cache_write": 7.5, "output": 22.5, "tier": {"size": 200_000, "type": "context"}}
    data = {"cost": {"tiers": [{**tier, "input": 6}], "output": 15, "input": 3}}
    assert format_provider_model(data) == textwrap.dedent(
        """\
        [cost]
        input = 3
        output = 15

        [[cost.tiers]]
        tier = { type = "context", size = 200_000 }
        input = 6
        output = 22.5
        cache_write = 7.5
        """
    )


def test_one_trailing_newline_and_no_trailing_blank_line() -> None:
    text = format_metadata({"modalities": {"output": ["text"], "input": ["text"]}, "name": "x"})
    assert text == 'name = "x"\n\n[modalities]\ninput = ["text"]\noutput = ["text"]\n'


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(seconds=30))),
        datetime.time(7, 30, tzinfo=datetime.UTC),
    ],
)
def test_dates_toml_cannot_hold_are_errors(value: object) -> None:
    with pytest.raises(FormatError, match="when"):
        format_provider_model({"provider": {"body": {"when": value}}})


def test_none_outside_effort_values_is_an_error() -> None:
    with pytest.raises(FormatError, match=r"limit\.context"):
        format_provider_model({"limit": {"context": None}})


# --- comments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'name = "a # b"\n',
        "name = 'a # b'\n",
        'name = """\nline # one\n"""\n',
        "name = '''\nline # one\n'''\n",
        'name = "quote \\" # still inside"\n',
        'name = """ends with quotes"""""\nother = "#"\n',
        "name = '''x'''''\nother = '#'\n",
        '"key # quoted" = 1\n',
        'a = ["#", \'#\', """#"""]\n',
        'name = """a \\""" # inside"""\n',
        "no hash at all = 1\n",
    ],
)
def test_hash_inside_strings_is_not_a_comment(text: str) -> None:
    if "no hash" not in text:
        tomllib.loads(text)
    assert has_comments(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "# leading comment\nname = 1\n",
        'name = "x" # trailing\n',
        'name = "a # b" # then a real one\n',
        'name = """\n#\n"""\n# after a multi-line string\n',
        "name = '''\n#\n'''  # after a literal one\n",
        "[cost] # on a header\ninput = 1\n",
        "name = '' # after an empty literal string\n",
        'name = "" # after an empty basic string\n',
        "a = 1\n  # indented, after the last key",
        'a = """x"""" # after a multi-line string that ends with a quote\n',
        "a = '''x''''  # after a literal one that ends with a quote\n",
    ],
)
def test_real_comments_are_found(text: str) -> None:
    tomllib.loads(text)
    assert has_comments(text) is True


# --- lossless ---------------------------------------------------------------------------------


def _comparable(value: Any, key: str = "") -> Any:
    """A value for equality: None as "null", numbers as float, effort values sorted."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return float(value)
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        table = {k: _comparable(v, k) for k, v in value.items()}
        if value.get("type") == "effort" and isinstance(table.get("values"), list):
            table["values"] = sorted(table["values"], key=_effort_rank)
        return table
    if isinstance(value, list | tuple):
        return [_comparable(v) for v in value]
    return value


def _effort_rank(value: Any) -> tuple[int, str]:
    if isinstance(value, str) and value in EFFORT_ORDER:
        return (EFFORT_ORDER.index(value), "")
    return (len(EFFORT_ORDER), repr(value))


def _assert_lossless(formatter: Callable[[Mapping[str, Any]], str], data: Mapping[str, Any]) -> str:
    text = formatter(data)
    assert _comparable(tomllib.loads(text)) == _comparable(data)
    assert formatter(tomllib.loads(text)) == text
    return text


UNUSUAL_PROVIDER_MODEL: dict[str, Any] = {
    "base_model": "anthropic/claude-sonnet-4-5",
    "base_model_omit": ["limit.input", "cost.tiers"],
    "name": 'Odd "name"\\ with\ttab\nand newline',
    "release_date": datetime.date(2025, 1, 2),
    "last_updated": datetime.datetime(2025, 1, 2, 3, 4, 5, 600_000, tzinfo=datetime.UTC),
    "knowledge": datetime.datetime(2025, 1, 2, 3, 4, 5),
    "status": "beta",
    "reasoning": True,
    "reasoning_options": [
        {"type": "effort", "values": [None, "high", "low"]},
        {"type": "budget_tokens", "min": -1, "max": 0, "extra": {"deep": [1, 2]}},
        {"type": "toggle", "notes": [{"a": 1}, {"b": [{"c": 2}]}]},
    ],
    "interleaved": {"field": "reasoning_details", "other": 1},
    "cost": {
        "input": 3.0,
        "output": 15,
        "cached_input": 0.00005,
        "image": 1e-7,
        "context_over_200k": {"input": 6, "output": 22.5},
        "tiers": [
            {"tier": {"size": 200_000}, "input": 6, "output": 22.5, "weird": "x"},
            {"tier": {"type": "context", "size": 400_000, "unit": "tokens"}, "input": 9},
        ],
        "bands": [{"from": 0}, {"from": 1}],
    },
    "limit": {"context": 1_000_000, "output": 64_000, "soft": 900_000},
    "modalities": {"input": ["text", "image"], "output": [], "other": ["x", 1, True]},
    "provider": {
        "npm": "@ai-sdk/openai-compatible",
        "api": "https://x.example/v1",
        "shape": "completions",
        "body": {
            "thinking": {"type": "enabled", "budget": 1024, "flags": [True, False]},
            "messages": [{"role": "system", "content": "be brief"}],
            "mixed": [1, "two", {"three": 3}, [4, [5]], []],
            "empty": {},
            "empty_list": [],
            "when": datetime.time(7, 32, 0, 999_000),
            "on": datetime.date(1979, 5, 27),
            "float": 1.5e-8,
            "big": 1e21,
            "neg": -1_024,
        },
        "headers": {"anthropic-beta": "x", "X Custom": "y", "dotted.key": "z", "": "empty"},
    },
    "experimental": {
        "modes": {
            "fast": {
                "cost": {"input": 30, "output": 150, "tiers": [{"tier": {"size": 1}, "input": 1}]},
                "provider": {"body": {"speed": "fast"}, "headers": {"anthropic-beta": "f"}},
            },
            "slow mode": {"cost": {"input": 1, "output": 2}, "extra": True},
            "plain": {"note": "only a scalar"},
        },
        "flag": True,
    },
    "zz_unknown_table": {"a": {"b": {"c": 1}}},
    "aa_unknown_scalar": "x",
    "unknown list": [{"k": "v"}],
    "ünïcode": "ключ",
    "empty_table": {},
}

UNUSUAL_METADATA: dict[str, Any] = {
    "name": "M",
    "license": "Apache-2.0",
    "weights": [{"url": "https://w", "label": "HF", "format": "gguf", "quantization": "Q8_0"}],
    "links": [{"url": "https://l", "type": "paper", "label": "Paper", "extra": {"x": 1}}],
    "benchmarks": [
        {"name": "B", "score": 71.0, "metric": "m", "harness": "h", "variant": "v"},
        {"name": "C", "score": "A+", "dataset": "d", "version": "1", "date": "2026-01-01"},
        {"name": "D", "score": 0.5, "source": "https://s", "breakdown": [{"k": 1}]},
    ],
    "limit": {"context": 1},
    "custom": {"nested": [1, [2, [3]]]},
}


def test_unusual_provider_model_is_lossless() -> None:
    text = _assert_lossless(format_provider_model, UNUSUAL_PROVIDER_MODEL)
    assert '"X Custom" = "y"' in text and '"dotted.key" = "z"' in text and '"" = "empty"' in text
    assert '[experimental.modes."slow mode"]' in text
    assert 'values = ["low", "high", "null"]' in text
    assert "release_date = 2025-01-02\n" in text
    assert "when = 07:32:00.999000" in text


def test_unusual_metadata_is_lossless() -> None:
    text = _assert_lossless(format_metadata, UNUSUAL_METADATA)
    assert text.index("[[weights]]") < text.index("[[links]]") < text.index("[[benchmarks]]")
    assert text.index("license = ") < text.index("[limit]")


def test_extra_blocks_come_in_the_documented_order() -> None:
    data: dict[str, Any] = {
        "zebra": {"a": 1},
        "benchmarks": [{"name": "b", "score": 1}],
        "links": [{"url": "u"}],
        "experimental": {"modes": {"fast": {"cost": {"input": 1}}}},
        "provider": {"npm": "n"},
        "weights": [{"url": "w"}],
        "modalities": {"input": ["text"], "output": ["text"]},
        "alpha": {"a": 1},
    }
    text = format_provider_model(data)
    headers = [line for line in text.splitlines() if line.startswith("[")]
    assert headers == [
        "[modalities]",
        "[[weights]]",
        "[provider]",
        "[experimental.modes.fast]",
        "[[links]]",
        "[[benchmarks]]",
        "[alpha]",
        "[zebra]",
    ]


def test_provider_body_gets_dotted_headers() -> None:
    data = {"provider": {"body": {"reasoning": {"effort": "low"}, "n": 1}, "npm": "x"}}
    assert format_provider_model(data) == textwrap.dedent(
        """\
        [provider]
        npm = "x"

        [provider.body]
        n = 1

        [provider.body.reasoning]
        effort = "low"
        """
    )


def test_arrays_mixing_tables_are_inline() -> None:
    data = {"provider": {"body": {"stop": [{"a": 1}, "x"]}}}
    assert 'stop = [{ a = 1 }, "x"]' in _assert_lossless(format_provider_model, data)


# --- the reference catalog --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefFile:
    rel: str
    text: str
    data: dict[str, Any]
    formatter: Callable[[Mapping[str, Any]], str]


def _is_link_stub(text: str) -> bool:
    """A git symlink checked out as a file: its whole content is a relative path."""
    stripped = text.strip()
    return "\n" not in stripped and "=" not in stripped and stripped.endswith(".toml")


@pytest.fixture(scope="module")
def reference_files() -> list[RefFile]:
    if not REFERENCE.exists():
        pytest.skip(f"../shared/reference is absent: {REFERENCE} (clone shared/ beside the repo)")
    files: list[RefFile] = []
    metadata = sorted((REFERENCE_CATALOG / "models").rglob("*.toml"))
    models = sorted((REFERENCE_CATALOG / "providers").glob("*/models/**/*.toml"))
    for kind, paths in ((format_metadata, metadata), (format_provider_model, models)):
        for path in paths:
            if path.is_symlink():
                continue
            text = path.read_text(encoding="utf-8")
            if _is_link_stub(text):
                continue
            rel = path.relative_to(REFERENCE_CATALOG).as_posix()
            files.append(RefFile(rel, text, tomllib.loads(text), kind))
    assert len(files) > 4_000
    return files


def test_reference_catalog_reads_back_equal(reference_files: list[RefFile]) -> None:
    lost = [
        f.rel
        for f in reference_files
        if _comparable(tomllib.loads(f.formatter(f.data))) != _comparable(f.data)
    ]
    assert lost == []


def test_reference_catalog_byte_identical(reference_files: list[RefFile]) -> None:
    total = same = router_total = router_same = 0
    for f in reference_files:
        if has_comments(f.text):
            continue
        identical = f.formatter(f.data) == f.text
        total += 1
        same += identical
        if f.rel.startswith("providers/openrouter/models/"):
            router_total += 1
            router_same += identical
    print(f"byte-identical: {same} of {total}; openrouter: {router_same} of {router_total}")
    assert same >= 1_000, f"only {same} of {total} files are byte-identical"
    assert router_same >= 0.75 * router_total, f"openrouter: {router_same} of {router_total}"


def test_reference_files_in_canonical_layout_are_unchanged(reference_files: list[RefFile]) -> None:
    """Spot checks of files that exercise every block, each already in the canonical layout."""
    wanted = {
        "providers/openrouter/models/anthropic/claude-sonnet-4.5.toml",
        "providers/orcarouter/models/openai/gpt-5.4.toml",
        "providers/google-vertex/models/claude-3-5-haiku@20241022.toml",
        "providers/azure/models/gpt-4.1-mini.toml",
        "providers/vercel/models/zai/glm-4.7.toml",
        "models/stepfun/step-3.5-flash-2603.toml",
        "models/deepreinforce/ornith-1.0-35b.toml",
    }
    found = {f.rel: f for f in reference_files if f.rel in wanted}
    assert set(found) == wanted
    for rel, f in found.items():
        assert f.formatter(f.data) == f.text, rel
