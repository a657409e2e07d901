"""The sync runner: read, fetch, parse, translate, plan, apply. It owns every file read and write.

`prepare` does everything up to a plan and touches nothing; `apply` writes a plan, all of it or
nothing (`changeset.py`). A run that fails before `apply` has changed nothing on disk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ..catalog import (
    MODELS_DIR,
    Catalog,
    CatalogFile,
    load_catalog,
    raise_for_unreadable,
    read_model_text,
)
from ..changeset import Change, apply_changes, describe_link, link_on_the_way
from ..errors import (
    EditError,
    ModelsError,
    ProviderError,
    SourceValueError,
    SyncRefusedError,
    WriteRefusedError,
)
from ..gcpause import without_cycle_collection
from ..inherit import resolve
from ..redaction import redact
from ..schema import (
    Problem,
    check_family,
    check_metadata,
    check_provider_model_fields,
    check_resolved_provider_model,
    provider_model_rules,
    with_typed_tiers,
)
from .compare import FieldChange, drop_empty, field_changes, same_authored
from .contract import ExistingModel, SyncProvider
from .convert import factor_against_base, unsafe_id_reason
from .ignore import ignore_globs, is_ignored
from .prices import PriceMove, price_moves

if TYPE_CHECKING:
    from ..http import HttpClient
    from ..tomledit import Kind

Action = Literal["created", "updated", "deleted", "unchanged"]


class PlannedFile(NamedTuple):
    rel: str
    action: Action
    text: str | None = None
    changes: tuple[FieldChange, ...] = ()
    was_link: bool = False


@dataclass(slots=True)
class Plan:
    provider_id: str
    provider_name: str
    models_dir: str = ""
    files: list[PlannedFile] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    checks: list[PriceMove] = field(default_factory=list)
    # Updates and deletions that --new-only left alone, as they would have been planned.
    skipped: list[PlannedFile] = field(default_factory=list)
    # Why a real run would refuse this plan; a dry run keeps the plan to show it.
    refusal: str | None = None

    def count(self, action: Action) -> int:
        return sum(1 for f in self.files if f.action == action)

    @property
    def changed(self) -> list[PlannedFile]:
        return [f for f in self.files if f.action != "unchanged"]


class SyncOptions(NamedTuple):
    dry_run: bool = False
    new_only: bool = False
    allow_mass_delete: bool = False
    max_price_change: float | None = None
    debug: bool = False
    """Let a provider's unexpected error propagate, with its traceback, instead of isolating it."""


class _View:
    """The read-only catalog view a provider gets."""

    def __init__(self, catalog: Catalog, provider_id: str) -> None:
        self._catalog = catalog
        self._models = catalog.providers[provider_id].models
        self._families = tuple(catalog.families or ())

    @property
    def families(self) -> Sequence[str]:
        return self._families

    def existing(self, model_id: str) -> ExistingModel | None:
        entry = self._models.get(model_id)
        if entry is None or entry.data is None:
            return None
        resolved = self._catalog.resolved(entry)
        return ExistingModel(entry.data, resolved or entry.data, entry.is_link)

    def metadata(self, model_id: str) -> Mapping[str, Any] | None:
        return self._catalog.metadata_fields(model_id)

    def metadata_ids(self, prefix: str) -> Sequence[str]:
        return sorted(i for i in self._catalog.metadata if i.startswith(prefix))


def read_provider_catalog(root: Path, provider: SyncProvider[Any]) -> Catalog:
    """Step 1: the provider's files and the metadata, each checked; a bad file stops the run."""
    catalog = load_catalog(root, providers=[provider.id])
    models = catalog.providers[provider.id].models
    raise_for_unreadable(catalog.folders)
    raise_for_unreadable(list(catalog.metadata.values()))
    own = catalog.providers[provider.id].file
    raise_for_unreadable([own] if own is not None else [])
    raise_for_unreadable(e for e in models.values() if not e.dangling)
    for entry in models.values():
        base = entry.data.get("base_model") if entry.data else None
        if isinstance(base, str) and base not in catalog.metadata:
            raise ProviderError(
                provider.id,
                f"{entry.rel}: base_model {base!r} names no metadata file (models/{base}.toml)",
            )
    return catalog


class _Fetch:
    """The `raw` of a run that fetches: any JSON value, `null` included, is a saved response."""

    def __repr__(self) -> str:
        return "FETCH"


FETCH: Any = _Fetch()


def fetch_records(
    provider: SyncProvider[Any],
    *,
    raw: Any = FETCH,
    client_factory: Callable[[], HttpClient] | None,
    env: Mapping[str, str],
) -> list[Any]:
    """Step 2: fetch (unless a saved response is given) and parse."""
    if raw is FETCH:
        if client_factory is None:
            raise ProviderError(provider.id, "no HTTP client and no saved response")
        with client_factory() as client:
            raw = provider.fetch(client, env)
    records = list(provider.parse(raw))
    if not records:
        raise SyncRefusedError(
            "the API returned no models; refusing to sync (an outage must never empty the catalog)"
        )
    return records


def prepare(
    provider: SyncProvider[Any],
    catalog: Catalog,
    records: Sequence[Any],
    options: SyncOptions,
) -> Plan:
    """Steps 3 and 4: translate every record and plan each file; nothing is written."""
    plan = Plan(provider.id, provider.name, provider.models_dir)
    view = _View(catalog, provider.id)
    existing = catalog.providers[provider.id].models
    models: dict[str, dict[str, Any]] = {}
    metadata: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    globs = ignore_globs(catalog, provider.id)
    ignored: list[str] = []
    unusable: list[str] = []
    for record in records:
        try:
            translation = provider.translate(record, view)
        except SourceValueError as exc:
            unusable.append(f"{_shown_id(provider, record)!r} ({exc})")
            continue
        if translation is None:
            skipped.append(provider.source_id(record))
            continue
        reason = unsafe_id_reason(translation.id)
        if reason is not None:
            plan.notices.append(f"Rejected unsafe id {translation.id!r}: {reason}.")
            continue
        if is_ignored(translation.id, globs):
            ignored.append(translation.id)
            continue
        if provider.skip_creates and translation.id not in existing:
            skipped.append(translation.id)
            continue
        if translation.id in models:
            raise ProviderError(
                provider.id, f"two records translate to the same file {translation.id!r}"
            )
        if translation.metadata is not None:
            meta = translation.metadata
            reason = unsafe_id_reason(meta.id)
            if reason is not None:
                plan.notices.append(f"Rejected unsafe metadata id {meta.id!r}: {reason}.")
            elif meta.id in metadata:
                raise ProviderError(provider.id, f"two records give metadata for {meta.id!r}")
            else:
                metadata[meta.id] = drop_empty(dict(meta.data))
        models[translation.id] = dict(translation.model)
    if skipped:
        plan.notices.append(provider.skipped_notice(sorted(skipped)))
    if ignored:
        plan.notices.append(
            f"Ignored {len(ignored)} model{'s' if len(ignored) != 1 else ''} matching "
            f"[sync] ignore in provider.toml, treated as absent upstream: "
            f"{', '.join(sorted(ignored))}."
        )
    if unusable:
        plan.notices.append(
            f"Skipped {len(unusable)} source model(s) with unusable values, leaving their files "
            f"as they are and deleting nothing this run: {', '.join(unusable)}."
        )
    # A skipped record may stand for any missing file: deleting would lose it.
    keep_missing = bool(unusable)

    moves: list[PriceMove] = []
    families = catalog.family_set
    for model_id, model in models.items():
        entry = existing.get(model_id)
        model = _finish(provider, catalog, entry, model, metadata)
        rel = f"{provider.models_dir}/{model_id}.toml"
        resolved = _check_new(provider, catalog, metadata, rel, model, entry, families)
        models[model_id] = model
        planned = _plan_model(provider, catalog, rel, entry, model, options, plan.notices)
        if planned.action == "updated" and entry is not None:
            old_resolved = catalog.resolved(entry)
            planned = _with_resolved_changes(planned, old_resolved, resolved)
            moves += price_moves(rel, old_resolved or {}, resolved)
        plan.files.append(planned)

    missing = sorted(set(existing) - set(models))
    kept: list[str] = []
    for model_id in missing:
        entry = existing[model_id]
        if not provider.delete_missing or keep_missing:
            if not provider.delete_missing:
                kept.append(model_id)
            continue
        plan.files.append(PlannedFile(entry.rel, "deleted", was_link=entry.is_link))
    if kept:
        plan.notices.append(provider.missing_notice(kept))
    plan.notices += provider.source_notices(records)

    plan.files += _plan_metadata(
        provider, catalog, metadata, options, plan.notices, keep_missing=keep_missing
    )
    if options.new_only:
        plan.skipped = [f for f in plan.files if f.action in ("updated", "deleted")]
        plan.files = [f for f in plan.files if f.action not in ("updated", "deleted")]
        plan.skipped.sort(key=lambda f: f.rel)
        moves = []
    plan.refusal = _mass_delete_refusal(provider, plan, len(existing), options)
    if plan.refusal is not None and not options.dry_run:
        raise SyncRefusedError(plan.refusal)
    _guard_price_changes(moves, options)
    plan.checks = sorted((m for m in moves if m.check), key=lambda m: (m.rel, m.path))
    plan.files.sort(key=lambda f: f.rel)
    return plan


def _finish(
    provider: SyncProvider[Any],
    catalog: Catalog,
    entry: CatalogFile | None,
    model: dict[str, Any],
    metadata: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """Keep base_model and reasoning options as the spec says, state each cost tier's type,
    then drop empty values."""
    authored = entry.data if entry is not None and entry.data is not None else {}
    if provider.preserve_base_models and "base_model" in authored:
        base = authored["base_model"]
        if "base_model" not in model:
            base_fields = metadata.get(base) or catalog.metadata_fields(base) or {}
            model = {"base_model": base, **factor_against_base(model, base_fields, list(model))}
        keeps_base = model["base_model"] == base
        if keeps_base and "base_model_omit" not in model and "base_model_omit" in authored:
            model["base_model_omit"] = authored["base_model_omit"]

    flag = model.get("reasoning")
    base_id = model.get("base_model")
    if flag is None and isinstance(base_id, str):
        base_fields = metadata.get(base_id) or catalog.metadata_fields(base_id) or {}
        flag = base_fields.get("reasoning")
    if flag is None and entry is not None and entry.data is not None:
        flag = (catalog.resolved(entry) or {}).get("reasoning")
    if flag is False:
        model.pop("reasoning_options", None)
    elif "reasoning_options" not in model:
        if "reasoning_options" in authored:
            model["reasoning_options"] = authored["reasoning_options"]
        elif flag is True:
            model["reasoning_options"] = []
    cleaned: dict[str, Any] = drop_empty(with_typed_tiers(model))
    return cleaned


def _check_new(
    provider: SyncProvider[Any],
    catalog: Catalog,
    metadata: Mapping[str, Mapping[str, Any]],
    rel: str,
    model: dict[str, Any],
    entry: CatalogFile | None,
    families: frozenset[str] | None,
) -> dict[str, Any]:
    """Validate a translated model by the rules of `validate --strict`; return its resolved
    form. A warning the existing file already has is left to `validate` to report."""
    resolved = model
    problems = check_provider_model_fields(model)
    base = model.get("base_model")
    if not any(not p.warning for p in problems):
        if isinstance(base, str):
            base_fields = metadata.get(base) or catalog.metadata_fields(base)
            if base_fields is None:
                raise ProviderError(provider.id, f"{rel}: base_model {base!r} has no metadata file")
            resolved = resolve(model, base_fields)
            problems = check_resolved_provider_model(resolved)
        else:
            problems += provider_model_rules(resolved)
        problems += check_family(resolved, families)
    if any(p.warning for p in problems) and entry is not None and entry.data is not None:
        old = catalog.resolved(entry) or entry.data
        known = set(check_resolved_provider_model(old))
        problems = [p for p in problems if not p.warning or p not in known]
    _raise_for_problems(provider, rel, problems)
    return resolved


def _raise_for_problems(provider: SyncProvider[Any], rel: str, problems: list[Problem]) -> None:
    if problems:
        first = problems[0]
        raise ProviderError(
            provider.id,
            f"translated model {rel} is invalid: {first.key + ': ' if first.key else ''}"
            f"{first.message}",
        )


def _shown_id(provider: SyncProvider[Any], record: Any) -> str:
    try:
        return provider.source_id(record)
    except Exception:  # a record too broken to name is still skipped, not a crash
        return "?"


def _with_resolved_changes(
    planned: PlannedFile, old: dict[str, Any] | None, new: dict[str, Any]
) -> PlannedFile:
    """Describe an update by what consumers see (inheritance applied); when only the file's
    factoring changed, by its authored fields."""
    changes = field_changes(old, new) if old is not None else []
    if not changes:
        return planned
    return PlannedFile(planned.rel, planned.action, planned.text, tuple(changes), planned.was_link)


def _plan_model(
    provider: SyncProvider[Any],
    catalog: Catalog,
    rel: str,
    entry: CatalogFile | None,
    model: dict[str, Any],
    options: SyncOptions,
    notices: list[str],
) -> PlannedFile:
    if entry is None or entry.dangling:
        from ..tomlfmt import format_provider_model  # imported only when a file is written

        return PlannedFile(rel, "created", format_provider_model(model), was_link=entry is not None)
    if entry.is_link and provider.preserve_symlinks:
        return PlannedFile(rel, "unchanged", was_link=True)
    old = entry.data or {}
    custom = provider.same_model(old, model)
    equal = custom if custom is not None else same_authored(old, model)
    if equal:
        return PlannedFile(rel, "unchanged", was_link=entry.is_link)
    # --new-only lists an update as skipped; it needs no text.
    text = (
        None
        if options.new_only
        else _updated_text(provider, catalog, entry, model, "provider-model", notices)
    )
    return PlannedFile(
        rel, "updated", text, tuple(field_changes(old, model)), was_link=entry.is_link
    )


def _updated_text(
    provider: SyncProvider[Any],
    catalog: Catalog,
    entry: CatalogFile,
    data: Mapping[str, Any],
    kind: Kind,
    notices: list[str],
) -> str:
    """The new text of an updated file: in the canonical layout, or, for a file (or the target
    of a link) that holds comments, the file edited in place so that they survive."""
    from ..tomlfmt import format_metadata, format_provider_model, has_comments

    text = read_model_text(catalog.root, entry.rel, kind)
    if not has_comments(text):
        return format_metadata(data) if kind == "metadata" else format_provider_model(data)
    from ..tomledit import edit_text  # tomlkit is imported only when a file is edited

    try:
        edited = edit_text(text, data, kind)
    except EditError as error:
        raise ProviderError(
            provider.id, f"{entry.rel}: cannot update the file keeping its comments: {error}"
        ) from None
    notices += [
        f"{entry.rel}: the comment {d.comment!r} was removed with its {d.owner}."
        for d in edited.dropped
    ]
    return edited.text


def _plan_metadata(
    provider: SyncProvider[Any],
    catalog: Catalog,
    produced: Mapping[str, dict[str, Any]],
    options: SyncOptions,
    notices: list[str],
    *,
    keep_missing: bool,
) -> list[PlannedFile]:
    files: list[PlannedFile] = []
    for meta_id, data in sorted(produced.items()):
        rel = f"models/{meta_id}.toml"
        _raise_for_problems(
            provider, rel, check_metadata(data) + check_family(data, catalog.family_set)
        )
        entry = catalog.metadata.get(meta_id)
        if entry is None or entry.data is None:
            from ..tomlfmt import format_metadata

            files.append(PlannedFile(rel, "created", format_metadata(data)))
        elif not same_authored(entry.data, data):
            changes = tuple(field_changes(entry.data, data))
            text = (
                None
                if options.new_only
                else _updated_text(provider, catalog, entry, data, "metadata", notices)
            )
            files.append(PlannedFile(rel, "updated", text, changes))
    namespace = provider.metadata_namespace
    if namespace and not keep_missing and provider.delete_missing:
        for meta_id, entry in sorted(catalog.metadata.items()):
            if meta_id.startswith(f"{namespace}/") and meta_id not in produced:
                files.append(PlannedFile(entry.rel, "deleted", was_link=entry.is_link))
    return files


def _mass_delete_refusal(
    provider: SyncProvider[Any], plan: Plan, existing: int, options: SyncOptions
) -> str | None:
    """Why the mass-deletion guard refuses the plan, or None."""
    deleted = sum(
        1 for f in plan.files if f.action == "deleted" and f.rel.startswith(provider.models_dir)
    )
    if deleted and deleted * 2 > existing and not options.allow_mass_delete:
        return (
            f"the plan deletes {deleted} of {existing} existing model files (more "
            "than half); refusing, as this usually means an incomplete API response. Re-run with "
            "--allow-mass-delete if the deletions are real"
        )
    return None


def _guard_price_changes(moves: Sequence[PriceMove], options: SyncOptions) -> None:
    limit = options.max_price_change
    if limit is None:
        return
    larger = [m for m in moves if m.factor is not None and m.factor > limit]
    if larger:
        largest = max(larger, key=lambda m: m.factor or 0)
        count = (
            f"{len(larger)} price changes exceed" if len(larger) > 1 else "a price change exceeds"
        )
        raise SyncRefusedError(
            f"{count} the --max-price-change factor {limit:g}, the largest "
            f"{largest.describe()}; nothing was written"
        )


def confine(root: Path, models_dir: str, plan: Plan) -> None:
    """Keep the plan inside real folders: a linked provider folder is an error; a file behind
    a folder link inside it is left alone, with a notice per link."""
    real = root.resolve()
    blocker = link_on_the_way(real, f"{models_dir}/x")
    if blocker is not None:
        raise WriteRefusedError(
            f"{describe_link(real, blocker)}; sync writes only into real folders of the catalog"
        )
    behind: dict[str, list[str]] = {}
    kept: list[PlannedFile] = []
    for planned in plan.files:
        link = link_on_the_way(real, planned.rel) if planned.action != "unchanged" else None
        if link is None or not (real / link).is_symlink():  # a file in the way fails the write
            kept.append(planned)
        else:
            behind.setdefault(link, []).append(planned.rel)
    plan.files = kept
    for link, rels in sorted(behind.items()):
        plan.notices.append(
            f"Left {len(rels)} file{'s' if len(rels) != 1 else ''} alone behind "
            f"{describe_link(real, link)}: sync never writes or removes through a folder link."
        )


def apply(root: Path, plan: Plan, *, written: Callable[[], None] | None = None) -> None:
    """Step 5: write the created/updated files and remove the deleted ones, all or nothing.
    `written` runs as soon as the plan is on disk."""
    changes = [
        Change(f.rel, f.text.encode("utf-8") if f.text is not None else None)
        for f in plan.changed
        if f.action == "deleted" or f.text is not None
    ]
    if changes:
        apply_changes(root, [plan.models_dir, MODELS_DIR], changes, committed=written)
    elif written is not None:
        written()


@dataclass(slots=True)
class ProviderOutcome:
    """How one provider's sync ended: its plan, or the error that stopped it."""

    provider_id: str
    provider_name: str
    plan: Plan | None = None
    error: str | None = None
    written: bool = False

    @property
    def status(self) -> Literal["changed", "unchanged", "failed"]:
        if self.error is not None or self.plan is None:
            return "failed"
        return "changed" if self.plan.changed else "unchanged"


def _failure(exc: Exception) -> str:
    """One sentence for what stopped a provider."""
    if isinstance(exc, ProviderError):
        # The outcome names its provider; the error's own prefix would say it twice.
        return exc.message
    if isinstance(exc, ModelsError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "unexpected error: the data nests too deeply to process"
    text = " ".join(str(exc).split())
    return f"unexpected error: {type(exc).__name__}" + (f" ({text})" if text else "")


def sync_provider(
    root: Path,
    provider: SyncProvider[Any],
    options: SyncOptions,
    *,
    raw: Any = FETCH,
    client_factory: Callable[[], HttpClient] | None = None,
    env: Mapping[str, str],
) -> ProviderOutcome:
    """One provider, isolated: planned, then written unless a dry run. Any exception while
    reading, fetching, parsing, translating or planning, and a refused or failed write, becomes
    a failed outcome (one sentence, its credentials redacted), with nothing written. `raw` is a
    saved response (any JSON value); without it the provider fetches."""
    outcome = plan_provider(
        root, provider, options, raw=raw, client_factory=client_factory, env=env
    )
    if not options.dry_run:
        write_outcome(root, outcome)
    return outcome


def plan_provider(
    root: Path,
    provider: SyncProvider[Any],
    options: SyncOptions,
    *,
    raw: Any = FETCH,
    client_factory: Callable[[], HttpClient] | None = None,
    env: Mapping[str, str],
) -> ProviderOutcome:
    """Steps 1 to 4 for one provider, isolated: any exception becomes a failed outcome."""
    outcome = ProviderOutcome(provider.id, provider.name)
    try:
        catalog = read_provider_catalog(root, provider)
        records = fetch_records(provider, raw=raw, client_factory=client_factory, env=env)
        with without_cycle_collection():
            plan = prepare(provider, catalog, records, options)
        confine(root, provider.models_dir, plan)
    except Exception as exc:  # one provider's crash must not end the others
        if options.debug and not isinstance(exc, ModelsError):
            raise
        outcome.error = redact(_failure(exc), [env.get(name, "") for name in provider.env_vars])
        return outcome
    outcome.plan = plan
    return outcome


def write_outcome(root: Path, outcome: ProviderOutcome) -> None:
    """Step 5 for a planned provider: a refused or failed write makes it a failed outcome."""
    if outcome.plan is None or outcome.error is not None:
        return

    def written() -> None:
        outcome.written = True

    try:
        apply(root, outcome.plan, written=written)
    except ModelsError as exc:
        outcome.error = str(exc)
