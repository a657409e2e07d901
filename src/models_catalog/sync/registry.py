"""The providers `models sync` knows: built-in ones, and those of packages that register a
`models.providers` entry point (an entry point names a SyncProvider subclass or instance)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .contract import SyncProvider

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

ENTRY_POINT_GROUP = "models.providers"


def entry_points(group: str) -> Sequence[EntryPoint]:
    """The installed entry points of `group` (importlib.metadata is imported only if asked)."""
    from importlib.metadata import entry_points as installed

    return tuple(installed(group=group))


BUILTIN = {
    "openrouter": "models_catalog.providers.openrouter:OpenRouter",
    "cloudflare-workers-ai": "models_catalog.providers.cloudflare:CloudflareWorkersAI",
    "google": "models_catalog.providers.google:Google",
    "ovhcloud": "models_catalog.providers.ovhcloud:OVHcloud",
    "xai": "models_catalog.providers.xai:XAI",
}
GROUPS = {
    "aggregators": ("openrouter",),
    "cloudflare": ("cloudflare-workers-ai",),
    "direct": ("google", "ovhcloud", "xai"),
}


def _instantiate(obj: Any, source: str) -> SyncProvider[Any]:
    provider = obj() if isinstance(obj, type) else obj
    if not isinstance(provider, SyncProvider):
        raise UsageError(f"{source} does not name a SyncProvider")
    return provider


def _load(spec: str) -> SyncProvider[Any]:
    module, _, attr = spec.partition(":")
    return _instantiate(getattr(import_module(module), attr), spec)


def available() -> dict[str, str]:
    """Provider id → where it comes from, built-in first, then entry points."""
    found = dict(BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep.value)
    return found


def load_provider(provider_id: str) -> SyncProvider[Any]:
    if provider_id in BUILTIN:
        return _load(BUILTIN[provider_id])
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == provider_id:
            return _instantiate(ep.load(), f"entry point {ep.name!r}")
    raise UsageError(f"unknown provider {provider_id!r}{_did_you_mean(provider_id, available())}")


def groups() -> dict[str, tuple[str, ...]]:
    """Groups of providers; an entry-point provider joins the group it declares."""
    result = {name: list(ids) for name, ids in GROUPS.items()}
    for pid in available():
        if pid in BUILTIN:
            continue
        group = getattr(load_provider(pid), "group", None)
        if isinstance(group, str) and group and pid not in result.setdefault(group, []):
            result[group].append(pid)
    return {name: tuple(ids) for name, ids in result.items()}


def resolve_target(target: str) -> list[str]:
    """A target (provider id or group) → provider ids; an unknown one lists the valid ones."""
    if target in BUILTIN:  # built-in ids come first: no need to look at entry points
        return [target]
    known = available()
    if target in known:
        return [target]
    all_groups = groups()
    if target in all_groups:
        return list(all_groups[target])
    names = sorted(known) + sorted(all_groups)
    raise UsageError(
        f"unknown sync target {target!r}{_did_you_mean(target, names)}; "
        f"valid targets: {', '.join(names)}"
    )


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    from difflib import get_close_matches

    close = get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def matrix(ids: Iterable[str] | None = None) -> dict[str, list[dict[str, str]]]:
    """The GitHub Actions matrix: one entry per provider."""
    return {
        "include": [
            {"provider": pid, "name": load_provider(pid).name} for pid in (ids or available())
        ]
    }
