"""The TOML reader: the whole toml-test 1.0.0 corpus, the error line, and the limits."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from models_catalog.tomlread import MAX_BYTES, MAX_DEPTH, TomlError, loads, parse_toml

from .conftest import REFERENCE_ROOT

TOML_TEST = REFERENCE_ROOT.parent / "toml-test"


def corpus(prefix: str) -> list[str]:
    listing = TOML_TEST / "files-toml-1.0.0"
    if not listing.is_file():
        pytest.skip(f"the toml-test corpus is absent ({TOML_TEST})")
    names = listing.read_text(encoding="utf-8").split()
    return [name for name in names if name.startswith(prefix) and name.endswith(".toml")]


def expected(tagged: Any) -> Any:
    """A value of the corpus's JSON encoding (`{"type": ..., "value": ...}`) as Python's."""
    if isinstance(tagged, list):
        return [expected(item) for item in tagged]
    if set(tagged) == {"type", "value"} and isinstance(tagged["value"], str):
        kind, text = tagged["type"], tagged["value"]
        converters: dict[str, Any] = {
            "string": str,
            "integer": int,
            "float": float,
            "bool": lambda v: v == "true",
            "datetime": datetime.fromisoformat,
            "datetime-local": datetime.fromisoformat,
            "date-local": date.fromisoformat,
            "time-local": time.fromisoformat,
        }
        return converters[kind](text)
    return {key: expected(value) for key, value in tagged.items()}


def same(left: Any, right: Any) -> bool:
    """Equal values of equal types (so 1 is not 1.0 nor True), NaN equal to NaN."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same, left, right))
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)


def test_every_valid_case_of_the_corpus_reads_to_its_expected_values() -> None:
    cases = corpus("valid/")
    wrong = []
    for name in cases:
        path = TOML_TEST / name
        want = expected(json.loads(path.with_suffix(".json").read_text(encoding="utf-8")))
        try:
            got = parse_toml(path.read_bytes())
        except TomlError as exc:
            wrong.append(f"{name}: {exc}")
            continue
        if not same(got, want):
            wrong.append(f"{name}: {got!r} != {want!r}")
    assert len(cases) == 210 and wrong == []


def test_every_invalid_case_of_the_corpus_is_rejected() -> None:
    cases = corpus("invalid/")
    accepted = []
    for name in cases:
        try:
            parse_toml((TOML_TEST / name).read_bytes())
        except TomlError:
            continue
        accepted.append(name)
    assert len(cases) == 499 and accepted == []


def test_byte_order_mark_files_follow_the_corpus() -> None:
    valid = corpus("valid/utf8-bom")
    invalid = corpus("invalid/encoding/bom-not-at-start") + corpus("invalid/encoding/utf16-bom")
    assert len(valid) == 2 and len(invalid) == 4
    for name in valid:
        assert parse_toml((TOML_TEST / name).read_bytes()) is not None
    for name in invalid:
        with pytest.raises(TomlError):
            parse_toml((TOML_TEST / name).read_bytes())
    assert parse_toml(b'\xef\xbb\xbfname = "x"\n') == {"name": "x"}


def test_toml_1_1_syntax_is_rejected() -> None:
    for text in ("t = 10:32\n", "x = {a = 1,}\n", 'x = "\\x41"\n', "x = {\n a = 1 }\n"):
        with pytest.raises(TomlError, match="invalid TOML"):
            loads(text)


def test_errors_give_a_message_and_the_line() -> None:
    with pytest.raises(TomlError) as info:
        loads('name = "x"\ncost = [1,,2]\n')
    assert info.value.line == 2
    assert str(info.value).startswith("invalid TOML: ") and "\n" not in str(info.value)
    with pytest.raises(TomlError) as bad:
        parse_toml(b'name = "x"\n\nlabel = "\xff"\n')
    assert (bad.value.message, bad.value.line) == ("file is not valid UTF-8", 3)


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 5000 + "]" * 5000,
        "x = " + "{a = " * 3000 + "1" + "}" * 3000,
        "x = " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        "a" + ".a" * 100_000 + " = 1\n",
        "[a" + ".a" * 5000 + "]\n",
    ],
    ids=["arrays-5000", "inline-tables-3000", "arrays-just-over", "dotted-keys", "header"],
)
def test_nesting_beyond_the_limit_is_refused(text: str) -> None:
    with pytest.raises(TomlError, match=f"nested deeper than {MAX_DEPTH} levels"):
        loads(text)


def test_nesting_up_to_the_limit_and_brackets_in_strings_are_fine() -> None:
    deep = "x = " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n"
    assert loads(deep)["x"] is not None
    brackets = 's = "' + "[{" * 500 + "\"\nt = '''" + "[" * 500 + "'''\n# " + "{" * 500 + "\n"
    assert loads(brackets)["s"].startswith("[{")


def test_files_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    big = b"# " + b"x" * MAX_BYTES + b"\nname = 'x'\n"
    with pytest.raises(TomlError, match="larger than 1024 KiB"):
        parse_toml(big)
