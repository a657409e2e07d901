"""Editing a file with comments in place (`tomledit`): values, added and removed keys, comments."""

from __future__ import annotations

import copy
import difflib
import textwrap
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from models_catalog.errors import EditError
from models_catalog.tomledit import DroppedComment, Kind, edit_text
from models_catalog.tomlfmt import find_comments, has_comments, normalized

from .conftest import REFERENCE_CATALOG

COMMENTED = textwrap.dedent(
    """\
    # Sources for this file.
    # https://example.com/docs (accessed 2026-06-25)

    name = "Example" # as the API names it
    # The API says so; checked by hand.
    reasoning = true
    tool_call = true

    [[reasoning_options]]
    type = "toggle"

    # Effort levels from the docs.
    [[reasoning_options]]
    type = "effort"
    values = ["low", "high"]

    # Prices from the pricing page.
    [cost]
    input = 3 # per million tokens
    # Cache reads are a tenth of the input price.
    cache_read = 0.3

    [[cost.tiers]]
    tier = { type = "context", size = 200_000 }
    input = 6 # above 200k tokens

    [[cost.tiers]] # the top tier
    tier = { type = "context", size = 500_000 }
    input = 9

    # From the model card.
    [limit]
    context = 1_000_000
    output = 64_000

    # Reviewed 2026-06-25.
    """
)
ALL_COMMENTS = [line.split("#", 1)[1].strip() for line in COMMENTED.splitlines() if "#" in line]
Change = Callable[[dict[str, Any]], object]


def edited(change: Change, text: str = COMMENTED) -> tuple[str, tuple[DroppedComment, ...]]:
    """Edit `text` to hold its own model as `change` changed it; check the values read back."""
    model = tomllib.loads(text)
    change(model)
    result = edit_text(text, model, "provider-model")
    assert normalized(tomllib.loads(result.text)) == normalized(model)
    return result.text, result.dropped


def diff(before: str, after: str) -> list[str]:
    lines = difflib.ndiff(before.splitlines(), after.splitlines())
    return [line for line in lines if line[:2] in ("- ", "+ ")]


def comments(text: str) -> list[str]:
    return [line.split("#", 1)[1].strip() for line in text.splitlines() if "#" in line]


@pytest.mark.parametrize(
    ("change", "old", "new"),
    [
        (lambda m: m["cost"].update(input=2.5), "input = 3 # per million tokens", "input = 2.5"),
        (lambda m: m["limit"].update(output=128_000), "output = 64_000", "output = 128_000"),
        (lambda m: m.update(name='Ex "2"'), 'name = "Example"', 'name = "Ex \\"2\\""'),
        (lambda m: m["cost"]["tiers"][1].update(input=0.00005), "input = 9", "input = 0.00005"),
        (
            lambda m: m["reasoning_options"][1].update(values=["high", "medium", "low"]),
            'values = ["low", "high"]',
            'values = ["low", "medium", "high"]',
        ),
    ],
)
def test_a_changed_value_is_the_only_line_that_changes(change: Change, old: str, new: str) -> None:
    text, dropped = edited(change)
    (removed, added) = diff(COMMENTED, text)
    assert removed.startswith(f"- {old}")
    assert added.startswith(f"+ {new}")
    assert comments(text) == ALL_COMMENTS
    assert dropped == ()


def test_an_inline_comment_stays_on_its_changed_line() -> None:
    text, _ = edited(lambda m: m["cost"]["tiers"][0].update(input=7))
    assert "input = 7 # above 200k tokens\n" in text


def test_unchanged_values_keep_their_own_writing() -> None:
    text = 'name = "A" # n\nreasoning_options = [{ type = "effort", values = ["high", "low"] }]\n'
    text += "\n[cost]\ninput = 3.0\noutput = 1e1\n"
    result, _ = edited(lambda m: m["cost"].update(output=11), text)
    assert diff(text, result) == ["- output = 1e1", "+ output = 11"]


def test_a_new_key_goes_where_the_layout_puts_it() -> None:
    def add(model: dict[str, Any]) -> None:
        model["cost"]["output"] = 15
        model["family"] = "example"
        model["limit"]["input"] = 900_000
        model["structured_output"] = False

    text, dropped = edited(add)
    assert diff(COMMENTED, text) == [
        '+ family = "example"',
        "+ structured_output = false",
        "+ output = 15",
        "+ input = 900_000",
    ]
    assert "input = 3 # per million tokens\noutput = 15\n# Cache reads" in text
    assert 'name = "Example" # as the API names it\nfamily = "example"\n# The API' in text
    assert "context = 1_000_000\ninput = 900_000\noutput = 64_000\n" in text
    assert comments(text) == ALL_COMMENTS
    assert dropped == ()


def test_new_tables_go_in_layout_order_keeping_attached_comments_in_place() -> None:
    def add(model: dict[str, Any]) -> None:
        model["modalities"] = {"input": ["text"], "output": ["text"]}
        model["cost"]["tiers"].append({"tier": {"type": "context", "size": 900_000}, "input": 12})
        model["interleaved"] = {"field": "reasoning_content"}

    text, _ = edited(add)
    assert comments(text) == ALL_COMMENTS
    # format.md's order: [interleaved] before the reasoning options.
    assert (
        'tool_call = true\n\n[interleaved]\nfield = "reasoning_content"\n\n[[reasoning_options]]'
        in text
    )
    assert 'input = 9\n\n[[cost.tiers]]\ntier = { type = "context", size = 900_000 }' in text
    assert text.endswith(
        'output = 64_000\n\n[modalities]\ninput = ["text"]\noutput = ["text"]\n'
        "\n# Reviewed 2026-06-25.\n"
    )


def test_a_table_added_before_the_first_existing_one() -> None:
    text = '# Header.\n\nname = "A"\n\n# Limits.\n[limit]\ncontext = 10\n'
    result, _ = edited(lambda m: m.update(cost={"input": 1}), text)
    assert (
        result
        == '# Header.\n\nname = "A"\n\n[cost]\ninput = 1\n\n# Limits.\n[limit]\ncontext = 10\n'
    )


def test_a_removed_key_without_comments_drops_nothing_else() -> None:
    text, dropped = edited(lambda m: m.pop("tool_call"))
    assert diff(COMMENTED, text) == ["- tool_call = true"]
    assert dropped == ()


def test_a_removed_key_takes_its_comments_and_lists_them() -> None:
    def remove(model: dict[str, Any]) -> None:
        del model["reasoning"]
        del model["cost"]["cache_read"]
        del model["name"]

    text, dropped = edited(remove)
    assert diff(COMMENTED, text) == [
        '- name = "Example" # as the API names it',
        "- # The API says so; checked by hand.",
        "- reasoning = true",
        "- # Cache reads are a tenth of the input price.",
        "- cache_read = 0.3",
    ]
    assert dropped == (
        DroppedComment("key name", "# as the API names it"),
        DroppedComment("key reasoning", "# The API says so; checked by hand."),
        DroppedComment("key cost.cache_read", "# Cache reads are a tenth of the input price."),
    )


def test_header_and_trailing_comments_are_attached_to_nothing() -> None:
    def remove(model: dict[str, Any]) -> None:
        for key in ("name", "reasoning", "tool_call", "limit"):
            del model[key]

    text, _ = edited(remove)
    assert text.startswith("# Sources for this file.\n# https://example.com/docs (accessed")
    assert text.endswith("input = 9\n\n# Reviewed 2026-06-25.\n")
    assert "\n\n\n" not in text


def test_removed_tables_take_their_comments_and_leave_the_next_ones() -> None:
    def remove(model: dict[str, Any]) -> None:
        del model["reasoning_options"][1]
        del model["cost"]["tiers"]

    text, dropped = edited(remove)
    assert [d.owner for d in dropped] == [
        "table reasoning_options[1]",
        "table cost.tiers[0]",
        "table cost.tiers[1]",
    ]
    assert [d.comment for d in dropped] == [
        "# Effort levels from the docs.",
        "# above 200k tokens",
        "# the top tier",
    ]
    assert 'type = "toggle"\n\n# Prices from the pricing page.\n[cost]' in text
    assert "cache_read = 0.3\n\n# From the model card.\n[limit]" in text
    assert "\n\n\n" not in text


def test_a_table_that_becomes_a_line_moves_to_the_root_lines() -> None:
    text, dropped = edited(lambda m: m.update(reasoning_options=[]))
    assert "tool_call = true\nreasoning_options = []\n\n# Prices from" in text
    assert [d.comment for d in dropped] == ["# Effort levels from the docs."]


def test_the_last_table_removed_leaves_no_blank_line_at_the_end() -> None:
    text = '# About.\nname = "A"\n\n[cost]\ninput = 1\n\n[limit]\ncontext = 10\n'
    result, dropped = edited(lambda m: m.pop("limit"), text)
    assert result == '# About.\nname = "A"\n\n[cost]\ninput = 1\n'
    assert dropped == ()


def test_metadata_weights_are_edited_in_place() -> None:
    text = textwrap.dedent(
        """\
        name = "M" # official name

        # Weights: the official release.
        [[weights]]
        label = "bf16"
        url = "https://example.com/m"
        """
    )
    model = tomllib.loads(text)
    model["weights"].append({"label": "fp8", "url": "https://example.com/m-fp8"})
    model["weights"][0]["format"] = "safetensors"
    result = edit_text(text, model, "metadata")
    assert comments(result.text) == ["official name", "Weights: the official release."]
    assert tomllib.loads(result.text) == model
    assert result.text.endswith('[[weights]]\nlabel = "fp8"\nurl = "https://example.com/m-fp8"\n')


def test_a_file_tomlkit_cannot_edit_in_place_is_an_error() -> None:
    text = "# Dotted keys.\ncost.input = 1\n"
    with pytest.raises(EditError, match="dotted keys"):
        edited(lambda m: m["cost"].update(input=2), text)


def test_a_value_the_layout_cannot_write_is_an_error() -> None:
    model = tomllib.loads(COMMENTED)
    model["cost"]["input"] = float("nan")
    with pytest.raises(Exception, match="NaN"):
        edit_text(COMMENTED, model, "provider-model")


# The reference catalog's files with comments, in the five sync providers' folders.

PROVIDERS = ("openrouter", "cloudflare-workers-ai", "google", "xai", "ovhcloud")


def reference_commented() -> list[Path]:
    if not REFERENCE_CATALOG.is_dir():
        return []
    found = []
    for provider in PROVIDERS:
        for path in sorted((REFERENCE_CATALOG / "providers" / provider / "models").rglob("*.toml")):
            if has_comments(path.read_text(encoding="utf-8")):
                found.append(path)
    return found


COMMENTED_FILES = reference_commented()


def reference_cases() -> list[Any]:
    if not COMMENTED_FILES:
        reason = f"the shared reference catalog is absent ({REFERENCE_CATALOG})"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason))]
    return [
        pytest.param(p, id=p.relative_to(REFERENCE_CATALOG).as_posix()) for p in COMMENTED_FILES
    ]


def test_the_reference_holds_commented_files() -> None:
    if not REFERENCE_CATALOG.is_dir():
        pytest.skip(f"the shared reference catalog is absent ({REFERENCE_CATALOG})")
    assert len(COMMENTED_FILES) == 19


@pytest.mark.parametrize("path", reference_cases())
def test_reference_file_with_comments_price_change(path: Path) -> None:
    original = path.read_text(encoding="utf-8")
    text, dropped = edited(lambda m: m["cost"].update(input=123.45), original)
    (removed, added) = diff(original, text)
    assert removed.startswith("- input = ") and added == "+ input = 123.45"
    assert comments(text) == comments(original)
    assert dropped == ()


@pytest.mark.parametrize("path", reference_cases())
def test_reference_file_with_comments_key_added(path: Path) -> None:
    original = path.read_text(encoding="utf-8")
    model = tomllib.loads(original)
    assert "reasoning" not in model["cost"] and "input_audio" not in model["cost"]
    text, _ = edited(lambda m: m["cost"].update(input_audio=7.5, reasoning=2), original)
    assert diff(original, text) == ["+ reasoning = 2", "+ input_audio = 7.5"]
    assert comments(text) == comments(original)
    cost = {**model["cost"], "input_audio": 7.5, "reasoning": 2}
    assert tomllib.loads(text) == {**model, "cost": cost}


@pytest.mark.parametrize("path", reference_cases())
def test_reference_file_with_comments_key_removed(path: Path) -> None:
    original = path.read_text(encoding="utf-8")
    lines = original.splitlines()
    # The key right below the comments takes them; a key with none takes nothing.
    last_comment = max(i for i, line in enumerate(lines) if line.startswith("#"))
    below = lines[last_comment + 1]
    text, dropped = edited(lambda m: m["limit"].pop("output"), original)
    assert diff(original, text) == [f"- output = {tomllib.loads(original)['limit']['output']:_}"]
    assert comments(text) == comments(original) and dropped == ()
    if " = " not in below:
        return
    key = below.split(" = ")[0]
    text, dropped = edited(lambda m: m.pop(key), original)
    run: list[str] = []
    for line in reversed(lines[: last_comment + 1]):
        if not line.startswith("#"):
            break
        run.insert(0, line)
    assert [d.comment for d in dropped] == run
    assert {d.owner for d in dropped} == {f"key {key}"}
    assert comments(text) == [c for c in comments(original) if f"# {c}" not in run]


def test_comments_inside_a_replaced_value_are_listed_as_removed() -> None:
    text = 'name = "A"\nmodalities.input = [\n  "text", # always\n  "image",\n]\n'
    text = text.replace("modalities.input", "[modalities]\ninput")
    result, dropped = edited(lambda m: m["modalities"].update(input=["text"]), text)
    assert result == 'name = "A"\n[modalities]\ninput = ["text"]\n'
    assert dropped == (DroppedComment("old value of key modalities.input", "# always"),)
    unchanged, dropped = edited(lambda m: m.update(name="B"), text)
    assert unchanged == text.replace('"A"', '"B"') and dropped == ()


def test_comments_are_found_outside_strings_only() -> None:
    text = "a = \"x # no\" # yes  \nb = '''\n# no\n'''\n  # indented\nc = [\n  1, # in array\n]"
    assert find_comments(text) == ["# yes", "# indented", "# in array"]
    assert has_comments(text) and not has_comments('a = "#"\n')


def test_copy_is_not_mutated() -> None:
    model = tomllib.loads(COMMENTED)
    kept = copy.deepcopy(model)
    edit_text(COMMENTED, model, "provider-model")
    assert model == kept


def test_every_commented_file_of_the_reference_catalog_can_be_edited(
    reference_catalog: Path,
) -> None:
    """A price changed, a key added, a key and a table removed, in each of the reference
    catalog's model and metadata files with comments (about 660)."""
    paths = [*(reference_catalog / "models").rglob("*.toml")]
    paths += (reference_catalog / "providers").glob("*/models/**/*.toml")
    edited_files = 0
    for path in sorted(paths):
        if path.is_symlink() or not has_comments(original := path.read_text(encoding="utf-8")):
            continue
        model = tomllib.loads(original)
        if isinstance(model.get("cost"), dict):
            model["cost"]["input"] = 123.45
        model["knowledge"] = "2024-01"
        model.pop("name", None)
        model.pop("limit", None)
        metadata = path.is_relative_to(reference_catalog / "models")
        kind: Kind = "metadata" if metadata else "provider-model"
        result = edit_text(original, model, kind)
        assert normalized(tomllib.loads(result.text)) == normalized(model), path
        kept = comments(original)
        for dropped in result.dropped:
            kept.remove(dropped.comment.removeprefix("#").strip())
        assert comments(result.text) == kept, path
        edited_files += 1
    assert edited_files > 600
