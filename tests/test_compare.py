"""Comparing authored forms: the quick identity test agrees with normalisation."""

from __future__ import annotations

from typing import Any

import pytest

from models_catalog.sync.compare import drop_empty, identical, normalise, same_authored

SAME: list[tuple[Any, Any]] = [
    ({"a": 1, "b": {"c": [1, 2]}}, {"b": {"c": [1, 2]}, "a": 1}),
    ({"a": 3}, {"a": 3.0}),
    ({"a": [1, 2]}, {"a": [2, 1]}),
    ({"a": None, "b": ""}, {}),
    ({"a": {"b": None}}, {}),
    (
        {"o": [{"type": "effort", "values": ["high"]}]},
        {"o": [{"values": ["high"], "type": "effort"}]},
    ),
]
DIFFERENT: list[tuple[Any, Any]] = [
    ({"a": True}, {"a": 1}),
    ({"a": False}, {"a": 0.0}),
    ({"a": 1}, {"a": 2}),
    ({"a": []}, {}),
    ({"a": [{"x": 1}, {"x": 2}]}, {"a": [{"x": 2}, {"x": 1}]}),
    ({"a": "1"}, {"a": 1}),
]


@pytest.mark.parametrize(("old", "new"), SAME)
def test_forms_that_normalise_alike_are_the_same(old: Any, new: Any) -> None:
    assert normalise(old) == normalise(new)
    assert same_authored(old, new) and same_authored(new, old)


@pytest.mark.parametrize(("old", "new"), DIFFERENT)
def test_a_flag_is_not_a_number_and_order_of_tables_counts(old: Any, new: Any) -> None:
    assert normalise(old) != normalise(new)
    assert not same_authored(old, new) and not same_authored(new, old)
    assert not identical(old, new, loose_numbers=True)


def test_identical_is_strict_about_number_types_unless_told() -> None:
    assert identical({"a": [1, {"b": "x"}]}, {"a": [1, {"b": "x"}]})
    assert not identical({"a": 3}, {"a": 3.0})
    assert identical({"a": 3}, {"a": 3.0}, loose_numbers=True)
    assert not identical({"a": [1, 2]}, {"a": [2, 1]}, loose_numbers=True)


def test_drop_empty_keeps_empty_lists_and_cleans_inside_lists() -> None:
    value = {"a": [], "b": {"c": None}, "d": [{"e": "", "f": 1}, None], "g": "", "h": 0}
    assert drop_empty(value) == {"a": [], "d": [{"f": 1}, None], "h": 0}
