"""The plain acceptors of `shapes` against the pydantic models of `schema_models`: the same
fields, agreement on real catalogs, and never accepting what pydantic refuses."""

from __future__ import annotations

import copy
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from models_catalog import schema_models as models
from models_catalog import shapes
from models_catalog.catalog import load_catalog
from models_catalog.tomlread import loads

from .conftest import REFERENCE_CATALOG

REPO_CATALOG = Path(__file__).resolve().parents[1] / "catalog"

PAIRS: list[tuple[shapes.Table, type[BaseModel]]] = [
    (shapes.PROVIDER_MODEL_FIELDS, models.ProviderModelFields),
    (shapes.PARTIAL_MODALITIES, models.PartialModalities),
    (shapes.PARTIAL_LIMIT, models.PartialLimit),
    (shapes.MODEL_METADATA, models.ModelMetadata),
    (shapes.MODALITIES_TABLE, models.Modalities),
    (shapes.LIMIT, models.Limit),
    (shapes.PROVIDER, models.Provider),
    (shapes.SYNC_SETTINGS, models.SyncSettings),
    (shapes.LINK, models.Link),
    (shapes.WEIGHT, models.Weight),
    (shapes.BENCHMARK, models.Benchmark),
    (shapes.COST, models.Cost),
    (shapes.TIER, models.Tier),
    (shapes.TIER_SPEC, models.TierSpec),
    (shapes.TOGGLE, models.ToggleOption),
    (shapes.EFFORT, models.EffortOption),
    (shapes.BUDGET, models.BudgetOption),
    (shapes.INTERLEAVED_FIELD, models.InterleavedField),
    (shapes.PROVIDER_OPTIONS, models.ProviderOptions),
    (shapes.MODE_PROVIDER, models.ModeProvider),
    (shapes.MODE, models.Mode),
    (shapes.EXPERIMENTAL, models.Experimental),
]


@pytest.mark.parametrize(("table", "model"), PAIRS, ids=[m.__name__ for _, m in PAIRS])
def test_each_table_has_the_fields_of_its_model(
    table: shapes.Table, model: type[BaseModel]
) -> None:
    """A field added to or removed from a pydantic model must be mirrored in `shapes`."""
    assert set(table.fields) == set(model.model_fields)
    required = {name for name, info in model.model_fields.items() if info.is_required()}
    assert table.required == required
    assert table.extra == (model.model_config.get("extra") == "allow")


def test_every_model_has_a_table() -> None:
    public = {
        value
        for name, value in vars(models).items()
        if isinstance(value, type) and issubclass(value, BaseModel) and not name.startswith("_")
    }
    assert public - {BaseModel} == {model for _, model in PAIRS}


def pydantic_accepts(model: type[BaseModel], data: Any) -> bool:
    return models.field_errors(model, data) == []


def catalog_files(root: Path) -> Iterator[tuple[shapes.Table, type[BaseModel], Any]]:
    catalog = load_catalog(root)
    for entry in catalog.metadata.values():
        yield shapes.MODEL_METADATA, models.ModelMetadata, entry.data
    for provider in catalog.providers.values():
        if provider.file is not None:
            yield shapes.PROVIDER, models.Provider, provider.file.data
        for model_file in provider.models.values():
            yield shapes.PROVIDER_MODEL_FIELDS, models.ProviderModelFields, model_file.data


@pytest.mark.parametrize("root", [REPO_CATALOG, REFERENCE_CATALOG], ids=["repo", "reference"])
def test_plain_checks_and_pydantic_agree_on_every_file_of_a_real_catalog(root: Path) -> None:
    if not root.is_dir():
        pytest.skip(f"the shared reference catalog is absent ({root})")
    seen = 0
    for table, model, data in catalog_files(root):
        if data is None:
            continue
        seen += 1
        assert table(data) == pydantic_accepts(model, data), data
    assert seen > 0


PROVIDER_MODEL = """
base_model = "lab/m"
base_model_omit = ["limit.input"]
name = "M"
family = "m"
attachment = true
reasoning = true
tool_call = true
structured_output = false
temperature = true
knowledge = "2025-01"
release_date = "2025-01-02"
last_updated = "2025-02"
open_weights = false
status = "beta"
interleaved = { field = "reasoning_content" }

[modalities]
input = ["text", "image"]
output = ["text"]

[limit]
context = 200_000
input = 100_000
output = 8_192

[[reasoning_options]]
type = "toggle"

[[reasoning_options]]
type = "effort"
values = ["low", "high", "null"]

[[reasoning_options]]
type = "budget_tokens"
min = -1
max = 1024

[cost]
input = 1.5
output = 3
cached_input = 0.2
tiers = [{ input = 3, output = 6, tier = { type = "context", size = 200_000 } }]

[provider]
npm = "@ai-sdk/openai"
api = "https://x.test/v1"
shape = "responses"
body = { a = 1 }
headers = { X = "y" }

[experimental.modes.fast]
cost = { input = 2, output = 4 }
provider = { body = { speed = "fast" }, headers = { H = "v" } }
"""

METADATA = """
name = "M"
family = "m"
license = "MIT"
release_date = "2025-01-02"
modalities = { input = ["text"], output = ["text"] }
limit = { context = 1000, input = 10, output = 5 }
links = [{ url = "https://x.test/a", label = "A", type = "blog" }]
weights = [{ url = "hf://m", label = "W", format = "gguf", quantization = "q4" }]

[[benchmarks]]
name = "b"
score = 1.5
metric = "acc"
harness = "h"
variant = "v"
dataset = "d"
version = "1"
source = "https://x.test/b"
date = "2025-01"

[[benchmarks]]
name = "c"
score = "A+"
"""

PROVIDER = """
name = "P"
env = ["P_KEY"]
npm = "@ai-sdk/openai"
doc = "https://p.test/docs"
api = "https://p.test/v1"

[sync]
ignore = ["a/*", "b-[xy]"]
"""

BAD_VALUES: list[Any] = [
    "",
    "x",
    " a",
    "a\u0007",
    "[a",
    "2025-13-45x",
    "https://x.test/z",
    0,
    -1,
    -2,
    1.5,
    -0.5,
    math.inf,
    math.nan,
    1e30,
    2**63 - 1,
    2**63,
    2**64,
    True,
    False,
    [],
    [1],
    ["x"],
    ["text"],
    {},
    {"zz": 1},
    {"type": "toggle"},
    {"tier": {"size": 1}},
]


def toml_numbers(value: Any) -> bool:
    """Whether every number in `value` is one TOML can hold (finite, 64-bit integers)."""
    if isinstance(value, dict):
        return all(map(toml_numbers, value.values()))
    if isinstance(value, list):
        return all(map(toml_numbers, value))
    if isinstance(value, float):
        return math.isfinite(value)
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*at, index))


def mutants(data: dict[str, Any]) -> Iterator[Any]:
    """Every value replaced by each bad value, every key removed, an unknown key in every
    table, every list doubled (repeated entries)."""
    for path in list(paths(data)):
        if not path:
            continue
        *parents, last = path
        for bad in BAD_VALUES:
            changed = copy.deepcopy(data)
            holder = changed
            for part in parents:
                holder = holder[part]
            holder[last] = bad
            yield changed
        changed = copy.deepcopy(data)
        holder = changed
        for part in parents:
            holder = holder[part]
        del holder[last]
        yield changed
    for path in list(paths(data)):
        changed = copy.deepcopy(data)
        holder = changed
        for part in path:
            holder = holder[part]
        if isinstance(holder, dict):
            holder["unknown_key"] = 1
            yield changed
        elif isinstance(holder, list):
            holder.extend(copy.deepcopy(holder))
            yield changed


@pytest.mark.parametrize(
    ("text", "table", "model"),
    [
        (PROVIDER_MODEL, shapes.PROVIDER_MODEL_FIELDS, models.ProviderModelFields),
        (METADATA, shapes.MODEL_METADATA, models.ModelMetadata),
        (PROVIDER, shapes.PROVIDER, models.Provider),
    ],
    ids=["provider-model", "metadata", "provider"],
)
def test_plain_checks_never_accept_what_pydantic_refuses(
    text: str, table: shapes.Table, model: type[BaseModel]
) -> None:
    """Nor refuse what it accepts, but for numbers no TOML file can hold."""
    data = loads(text)
    assert table(data) and pydantic_accepts(model, data)
    accepted = refused = 0
    for mutant in mutants(data):
        if table(mutant):
            accepted += 1
            assert pydantic_accepts(model, mutant), mutant
        else:
            refused += 1
            # The only valid data refused (then left to pydantic) holds numbers TOML cannot.
            assert not pydantic_accepts(model, mutant) or not toml_numbers(mutant), mutant
    assert accepted > 20 and refused > 200


def test_validating_a_valid_catalog_builds_no_pydantic_model() -> None:
    code = (
        "import sys\nfrom models_catalog.cli import main\nsys.argv = ['models', 'validate',"
        f" '--catalog', {str(REPO_CATALOG)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('pydantic' in sys.modules, 'models_catalog.schema_models' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "False False", result.stderr
