"""Price sanity: the price moves of an update that a person should check before it is merged.

A check is a price that changes by more than `CHECK_FACTOR` either way, drops to zero, rises
from zero, or appears where there was none for a model that had other prices. Prices are
compared as consumers see them (inheritance resolved). The factor of a move is defined only
between two prices above zero; `--max-price-change` refuses plans whose factor exceeds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..schema import PRICE_KEYS
from .compare import show

CHECK_FACTOR = 5.0


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _prices(model: Mapping[str, Any]) -> dict[str, float]:
    """Every price of a model by its path: `cost.input`, `cost.tiers[size=200000].output`."""
    cost = model.get("cost")
    if not isinstance(cost, Mapping):
        return {}
    found: dict[str, float] = {}
    tables: list[tuple[str, Any]] = [("cost", cost)]
    tiers = cost.get("tiers")
    for tier in tiers if isinstance(tiers, list) else ():
        size = tier.get("tier", {}).get("size") if isinstance(tier, Mapping) else None
        if size is not None:
            tables.append((f"cost.tiers[size={size}]", tier))
    for prefix, table in tables:
        for key in PRICE_KEYS:
            number = _number(table.get(key))
            if number is not None:
                found[f"{prefix}.{key}"] = number
    return found


class PriceMove(NamedTuple):
    """One price of one file that an update changes (None: no such price), and why a person
    should check it (None: no need)."""

    rel: str
    path: str
    old: float | None
    new: float | None
    check: str | None = None

    @property
    def factor(self) -> float | None:
        """How many times larger or smaller; None unless both prices are above zero."""
        if self.old is None or self.new is None or self.old <= 0 or self.new <= 0:
            return None
        return max(self.new / self.old, self.old / self.new)

    def describe(self) -> str:
        factor = self.factor
        why = self.check or (_ratio(self.old, self.new) if factor is not None else None)
        how = f" ({why})" if why else ""
        return f"{self.rel}: {self.path} {show(self.old)} → {show(self.new)}{how}"


def _ratio(old: Any, new: Any) -> str:
    factor = max(new / old, old / new)
    times = f"{factor:.1f}".removesuffix(".0") if factor < 100 else f"{factor:,.0f}"
    return f"{times}x {'higher' if new > old else 'lower'}"


def _check(old: float | None, new: float | None, had_prices: bool) -> str | None:
    if old is None:
        return "a new price for a model that had other prices" if had_prices else None
    if new is None:
        return None
    if old > 0 and new > 0:
        return _ratio(old, new) if max(new / old, old / new) > CHECK_FACTOR else None
    if old > 0:
        return "drops to zero"
    return "rises from zero" if new > 0 else None


def price_moves(rel: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[PriceMove]:
    """The prices that differ between two resolved forms of one file, by path."""
    before, after = _prices(old), _prices(new)
    return [
        PriceMove(rel, path, was, now, _check(was, now, bool(before)))
        for path in sorted(before.keys() | after.keys())
        if (was := before.get(path)) != (now := after.get(path))
    ]
