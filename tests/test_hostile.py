"""Hostile API input and faults, as a user meets them through `models sync`: each ends in one
sentence (or a notice), never a traceback, a hang, a leaked key or a crashed group run."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from typer.testing import CliRunner, Result

from models_catalog.cli import app
from models_catalog.errors import FetchError
from models_catalog.http import HttpClient
from models_catalog.providers import google, ovhcloud, xai
from models_catalog.providers.ovhcloud import OVHcloud

from .conftest import FULL_MODEL, MakeCatalog, snapshot
from .reference_responses import openrouter_response

OPENROUTER_URL = "https://openrouter.ai/api/v1/models"
QWEN = "providers/openrouter/models/qwen/qwen3-8b.toml"
SYNCED_QWEN = FULL_MODEL.replace(
    "tool_call = true\n", "tool_call = true\nstructured_output = false\n"
)
STARTER = Path(__file__).resolve().parents[1] / "catalog"
REPORT = Path(".sync/model-sync-report.md")
ENV = (
    *google.KEY_ENVS,
    google.URL_ENV,
    xai.KEY_ENV,
    xai.URL_ENV,
    ovhcloud.URL_ENV,
    "OPENROUTER_API_KEY",
    "OPENROUTER_MODELS_URL",
    "MODELS_CATALOG",
)
cli = CliRunner()


@pytest.fixture(autouse=True)
def _clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the report goes to ./.sync
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    """Mocked HTTP: a request without a route fails the test's sync."""
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def root(make_catalog: MakeCatalog) -> Path:
    """The small OpenRouter catalog, already in sync with `openrouter_response`."""
    return make_catalog({QWEN: SYNCED_QWEN})


def sync(root: Path, target: str, *args: str) -> Result:
    return cli.invoke(app, ["sync", target, "--catalog", str(root), *args])


def replay(root: Path, tmp_path: Path, body: str, *args: str) -> Result:
    saved = tmp_path / "saved.json"
    saved.write_text(body, encoding="utf-8")
    return sync(root, "openrouter", "--source", str(saved), *args)


def with_qwen(root: Path, **changes: Any) -> str:
    """The matching OpenRouter response as JSON, with the Qwen record changed."""
    response = openrouter_response(root)
    for record in response["data"]:
        if record["id"] == "qwen/qwen3-8b":
            for key, value in changes.items():
                if isinstance(value, dict):
                    record[key] = {**record[key], **value}
                else:
                    record[key] = value
    return json.dumps(response)


def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


# Numbers and dates from the API


@pytest.mark.parametrize(
    ("changes", "notice"),
    [
        ({"created": 1e15}, "created: 1e+15 is not a time between 1970 and 2100"),
        ({"created": -1e15}, "created: -1e+15 is not a time between 1970 and 2100"),
        ({"created": "NaN"}, "created: nan is not a time between 1970 and 2100"),
        ({"created": "Infinity"}, "created: inf is not a time between 1970 and 2100"),
        ({"pricing": {"prompt": "1e17"}}, "pricing.prompt: '1e17' is beyond any real price"),
        ({"pricing": {"completion": "1e308"}}, "pricing.completion: '1e308' is beyond any"),
        ({"knowledge_cutoff": "0000-00-00"}, "knowledge_cutoff: '0000-00-00' is not a date"),
        ({"knowledge_cutoff": "2025-13-45"}, "knowledge_cutoff: '2025-13-45' is not a date"),
    ],
)
def test_a_bad_value_skips_its_record_with_a_notice_and_deletes_nothing(
    root: Path, tmp_path: Path, changes: dict[str, Any], notice: str
) -> None:
    before = snapshot(root)
    result = replay(root, tmp_path, with_qwen(root, **changes))
    assert result.exit_code == 0, result.output
    assert "openrouter: unchanged (0 created, 0 updated, 0 deleted, 1 unchanged)" in result.stdout
    assert "Skipped 1 source model(s) with unusable values" in result.stdout
    assert f"'qwen/qwen3-8b' ({notice}" in result.stdout
    assert notice in REPORT.read_text()
    assert snapshot(root) == before  # the skipped model's file is neither updated nor deleted


def test_nan_and_infinity_literals_are_not_json(root: Path, tmp_path: Path) -> None:
    before = snapshot(root)
    for literal in ("NaN", "Infinity", "-Infinity", "1e999"):
        body = with_qwen(root, created=12345).replace("12345", literal)
        result = replay(root, tmp_path, body)
        assert result.exit_code == 2
        assert "is not usable JSON: it contains " in one_line(result.stderr)
    assert snapshot(root) == before


def test_integers_beyond_64_bits_fail_the_provider_and_write_nothing(
    root: Path, tmp_path: Path
) -> None:
    before = snapshot(root)
    big = replay(root, tmp_path, with_qwen(root, top_provider={"max_completion_tokens": 2**64}))
    assert big.exit_code == 1
    assert one_line(big.stderr) == (
        f"openrouter: failed: translated model {QWEN} is invalid: limit.output: "
        "18446744073709551616 is beyond the 64-bit integers TOML allows"
    )
    huge = replay(root, tmp_path, with_qwen(root, context_length=1e30))
    assert huge.exit_code == 1
    assert "data.0.context_length" in one_line(huge.stderr) or "context_length" in huge.stderr
    assert snapshot(root) == before


def test_validate_rejects_integers_beyond_64_bits(root: Path) -> None:
    (root / QWEN).write_text(SYNCED_QWEN.replace("8_192", "18446744073709551616"))
    result = cli.invoke(app, ["validate", "--catalog", str(root)])
    assert result.exit_code == 1
    assert "limit.output: 18446744073709551616 is beyond the 64-bit integers" in result.output


def test_what_a_sync_writes_passes_validate_strict(root: Path, tmp_path: Path) -> None:
    result = replay(root, tmp_path, with_qwen(root, knowledge_cutoff="2025-02-29"))
    assert result.exit_code == 0 and "is not a date" in result.stdout  # not a leap year
    new_model = json.loads(with_qwen(root))
    new_model["data"].append(
        {**new_model["data"][0], "id": "acme/new", "knowledge_cutoff": "2025-01-31T00:00:00Z"}
    )
    result = replay(root, tmp_path, json.dumps(new_model))
    assert result.exit_code == 0, result.output
    assert (
        'knowledge = "2025-01-31"'
        in (root / "providers/openrouter/models/acme/new.toml").read_text()
    )
    strict = cli.invoke(app, ["validate", "--strict", "--catalog", str(root)])
    assert strict.exit_code == 0, strict.output


# Saved responses and JSON limits


def test_source_null_is_a_response_and_the_network_is_never_used(
    root: Path, tmp_path: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-never-sent")
    route = api.get(OPENROUTER_URL).respond(200, json=openrouter_response(root))
    before = snapshot(root)
    result = replay(root, tmp_path, "null")
    assert result.exit_code == 1
    assert one_line(result.stderr).startswith("openrouter: failed: the response changed shape")
    assert not route.called
    assert snapshot(root) == before


def test_deep_json_from_source_is_one_sentence(root: Path, tmp_path: Path) -> None:
    before = snapshot(root)
    result = replay(root, tmp_path, "[" * 100_000 + "]" * 100_000)
    assert result.exit_code == 2
    assert one_line(result.stderr).endswith(
        "is not usable JSON: it nests arrays or objects deeper than 64 levels"
    )
    assert snapshot(root) == before


@pytest.mark.parametrize(
    "text",
    ['{"data": ' + "[" * 65 + "]" * 65 + "}", "[" * 70 + "1,," + "]" * 70],
    ids=["valid", "also-invalid"],
)
def test_json_just_too_deep_is_refused_as_too_deep(root: Path, tmp_path: Path, text: str) -> None:
    before = snapshot(root)
    result = replay(root, tmp_path, text)
    assert result.exit_code == 2
    assert one_line(result.stderr).endswith(
        "is not usable JSON: it nests arrays or objects deeper than 64 levels"
    )
    assert snapshot(root) == before


def test_deep_json_from_the_api_fails_the_provider(root: Path, api: respx.MockRouter) -> None:
    api.get(OPENROUTER_URL).respond(200, text='{"data":' + "[" * 100_000 + "]" * 100_000 + "}")
    before = snapshot(root)
    result = sync(root, "openrouter")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"openrouter: failed: GET {OPENROUTER_URL} returned an unusable response: it nests "
        "arrays or objects deeper than 64 levels."
    )
    assert snapshot(root) == before


def test_an_oversized_response_is_cut_off(api: respx.MockRouter) -> None:
    api.get(OPENROUTER_URL).respond(200, json={"data": ["x" * 200]})
    with HttpClient(max_bytes=100) as client, pytest.raises(FetchError) as caught:
        client.get_json(OPENROUTER_URL)
    assert str(caught.value) == (
        f"GET {OPENROUTER_URL} failed: the response is larger than 100 bytes."
    )


# Keys and headers


@pytest.mark.parametrize("key", ["sk-SECRET\nX", "sk-SECRET\rX", "sk-SÉCRET-ключ"])
def test_a_key_that_cannot_be_sent_is_named_never_shown(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", key)
    route = api.get(OPENROUTER_URL).respond(200, json=openrouter_response(root))
    before = snapshot(root)
    result = sync(root, "openrouter")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        "openrouter: failed: OPENROUTER_API_KEY contains characters that cannot be sent"
    )
    assert not route.called
    for shown in (result.stdout, result.stderr, REPORT.read_text()):
        assert "SECRET" not in shown and "SÉCRET" not in shown
    assert snapshot(root) == before


def test_the_client_refuses_unsendable_headers_without_their_value(
    api: respx.MockRouter,
) -> None:
    route = api.get(OPENROUTER_URL).respond(200, json=[])
    with HttpClient() as client, pytest.raises(FetchError) as caught:
        client.get_json(OPENROUTER_URL, headers={"Authorization": "Bearer sk-SECRET\nX"})
    assert "SECRET" not in str(caught.value)
    assert "header 'Authorization' contains characters that cannot be sent" in str(caught.value)
    assert not route.called


def test_a_key_inside_any_exception_text_is_redacted(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-SECRET\nX"

    def crash(self: Any, client: Any, env: Any) -> Any:
        raise RuntimeError(f"Illegal header value {f'Bearer {secret}'.encode()!r}")

    monkeypatch.setenv("XAI_API_KEY", secret)
    monkeypatch.setattr(OVHcloud, "env_vars", ("XAI_API_KEY",))
    monkeypatch.setattr(OVHcloud, "fetch", crash)
    result = sync(root, "ovhcloud")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        "ovhcloud: failed: unexpected error: RuntimeError (Illegal header value b'Bearer ***')"
    )
    assert "SECRET" not in REPORT.read_text()


def test_debug_lets_a_providers_unexpected_error_through(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(self: Any, client: Any, env: Any) -> Any:
        raise RuntimeError("a bug in the provider")

    monkeypatch.setattr(OVHcloud, "fetch", crash)
    before = snapshot(root)
    result = sync(root, "ovhcloud", "--debug")
    assert isinstance(result.exception, RuntimeError)
    assert str(result.exception) == "a bug in the provider"
    assert snapshot(root) == before


def test_a_malformed_base_url_override_is_one_sentence(
    root: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    for url in ("http://[::1", "ftp://example.com/x", "http://host:99999/", "not a url"):
        monkeypatch.setenv("OPENROUTER_MODELS_URL", url)
        result = sync(root, "openrouter")
        assert result.exit_code == 1
        assert one_line(result.stderr) == (
            f"openrouter: failed: OPENROUTER_MODELS_URL is not a valid http or https URL: {url!r}"
        )


# Time and paging limits


class _Drip(threading.Thread):
    """A loopback HTTP server that sends `start`, then `drip` one byte every `every` s."""

    def __init__(self, every: float, start: bytes, drip: bytes) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.start_bytes = start
        self.drip = drip
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/models"
        self.stop = threading.Event()

    def run(self) -> None:
        connection, _ = self.server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(self.start_bytes)
            while not self.stop.wait(self.every):
                try:
                    connection.sendall(self.drip)
                except OSError:
                    return


@pytest.mark.parametrize(
    ("start", "drip"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n[", b" "),  # a dripping body
        (b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a"),  # dripping headers
    ],
)
def test_a_server_dripping_bytes_is_cut_off_at_the_request_deadline(
    start: bytes, drip: bytes
) -> None:
    drip_server = _Drip(0.1, start, drip)
    drip_server.start()
    started = time.monotonic()
    try:
        with (
            HttpClient(request_deadline=0.5, timeout=2, attempts=1) as client,
            pytest.raises(FetchError) as caught,
        ):
            client.get_json(drip_server.url)
    finally:
        drip_server.stop.set()
    assert time.monotonic() - started < 1.5  # each byte came well within the read timeout
    url = drip_server.url
    assert str(caught.value) == f"GET {url} failed: no complete response within 0.5 s."


def test_retries_stop_at_the_providers_total_deadline(api: respx.MockRouter) -> None:
    route = api.get(OPENROUTER_URL).respond(503)
    waits: list[float] = []
    with HttpClient(total_deadline=5, backoff=10, sleep=waits.append) as client:
        with pytest.raises(FetchError, match=r"failed: HTTP 503"):
            client.get_json(OPENROUTER_URL)
        assert route.call_count == 1 and waits == []  # a 10 s wait would pass the deadline
    with HttpClient(total_deadline=0) as spent, pytest.raises(FetchError) as caught:
        spent.get_json(OPENROUTER_URL)
    assert "was not sent: the time allowed for all requests (0 s) ran out" in str(caught.value)


def test_google_paging_forever_stops_at_the_page_cap(
    tmp_path: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path(shutil.copytree(STARTER, tmp_path / "starter"))
    monkeypatch.setenv("GOOGLE_API_KEY", "AIza-page-key")
    pages = iter(range(1_000))
    route = api.get(google.DEFAULT_URL).mock(
        side_effect=lambda request: httpx.Response(
            200, json={"models": [], "nextPageToken": f"token-{next(pages)}"}
        )
    )
    before = snapshot(root)
    result = sync(root, "google")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        "google: failed: the models list did not end after 100 pages; refusing more"
    )
    assert route.call_count == google.MAX_PAGES
    assert snapshot(root) == before


# Isolation of a group run


def test_a_crashing_provider_leaves_the_others_running_and_the_report_fresh(
    tmp_path: Path, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path(shutil.copytree(STARTER, tmp_path / "starter"))
    REPORT.parent.mkdir()
    REPORT.write_text("an earlier run's report\n")

    def crash(self: Any, record: Any, view: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(OVHcloud, "translate", crash)
    api.get(ovhcloud.DEFAULT_URL).respond(
        200,
        json={
            "data": [
                {
                    "id": "Model-A",
                    "name": "Model A",
                    "created": 1_750_000_000,
                    "context_length": 8192,
                }
            ]
        },
    )
    ovh_before = {k: v for k, v in snapshot(root).items() if "ovhcloud" in k}
    result = cli.invoke(app, ["sync", "direct", "--catalog", str(root)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "google: failed: missing credentials" in result.stderr
    assert "xai: failed: missing credentials" in result.stderr
    assert (
        "ovhcloud: failed: unexpected error: the data nests too deeply to process\n"
        in result.stderr
    )
    assert {k: v for k, v in snapshot(root).items() if "ovhcloud" in k} == ovh_before
    report = REPORT.read_text()
    assert report.startswith("Synced target `direct`.")
    assert "| OVHcloud AI Endpoints (ovhcloud) | failed | - | - | - |" in report


def test_a_bad_date_in_one_direct_provider_does_not_stop_the_group(
    tmp_path: Path, api: respx.MockRouter
) -> None:
    root = Path(shutil.copytree(STARTER, tmp_path / "starter"))
    good = {"id": "Model-A", "name": "Model A", "created": 1_750_000_000, "context_length": 8192}
    api.get(ovhcloud.DEFAULT_URL).respond(
        200, json={"data": [good, {**good, "id": "Model-B", "created": 1e15}]}
    )
    result = cli.invoke(app, ["sync", "direct", "--catalog", str(root)])
    assert "Traceback" not in result.output
    assert "ovhcloud: changed (1 created, 0 updated, 0 deleted, 0 unchanged)" in result.stdout
    assert "'Model-B' (created: 1e+15 is not a time between 1970 and 2100)" in result.stdout
    assert not (root / "providers/ovhcloud/models/model-b.toml").exists()
    assert "google: failed" in result.stderr and "xai: failed" in result.stderr


# What is shown: terminal and report


def test_control_and_bidi_characters_are_shown_escaped(root: Path, tmp_path: Path) -> None:
    hostile = "Qwen: Evil \u001b]0;PWNED\u0007\u001b[2J name\u202e"
    result = replay(root, tmp_path, with_qwen(root, name=hostile), "--dry-run")
    assert result.exit_code == 0, result.output
    shown = "Evil \\x1b]0;PWNED\\x07\\x1b[2J name\\u202e"
    assert shown in result.stdout
    report = REPORT.read_text()
    assert shown in report
    for text in (result.stdout, report):
        assert "\u001b" not in text and "\u0007" not in text and "\u202e" not in text


def test_ids_with_format_characters_are_unsafe(root: Path, tmp_path: Path) -> None:
    response = json.loads(with_qwen(root))
    for evil in ("evil\u202egpj", "zero\u200bwidth", "line\u2028break"):
        response["data"].append({**response["data"][0], "id": f"acme/{evil}"})
    result = replay(root, tmp_path, json.dumps(response))
    assert result.exit_code == 0, result.output
    assert "Rejected unsafe id 'acme/evil\\u202egpj': it contains an invisible formatting" in (
        result.stdout
    )
    assert result.stdout.count("Rejected unsafe id") == 3
    assert not (root / "providers/openrouter/models/acme").exists()


def test_report_paths_are_exact_code_spans(root: Path, tmp_path: Path) -> None:
    response = json.loads(with_qwen(root))
    response["data"].append({**response["data"][0], "id": "acme/back`tick"})
    result = replay(root, tmp_path, json.dumps(response), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "- created: ``providers/openrouter/models/acme/back`tick.toml``" in REPORT.read_text()


def test_a_failed_replay_rewrites_the_report(root: Path, tmp_path: Path) -> None:
    REPORT.parent.mkdir()
    REPORT.write_text("an earlier run's report\n")
    result = replay(root, tmp_path, "[" * 100)
    assert result.exit_code == 2
    report = REPORT.read_text()
    assert report.startswith("Sync of target `openrouter` failed: saved response ")
    assert "deeper than 64 levels" in report


def test_a_fifo_as_source_is_refused_without_blocking(root: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "saved.fifo"
    os.mkfifo(fifo)
    result = sync(root, "openrouter", "--source", str(fifo))
    assert result.exit_code == 2
    assert one_line(result.stderr) == f"error: saved response {str(fifo)!r} is not a regular file"


@pytest.mark.parametrize(
    ("target", "variable"),
    [("xai", "XAI_API_KEY"), ("google", "GOOGLE_API_KEY"), ("google", "GEMINI_API_KEY")],
)
@pytest.mark.parametrize("key", ["xai-SECRET\nX", "xai-SECRET-ключ"])
def test_direct_provider_keys_that_cannot_be_sent_are_named_never_shown(
    tmp_path: Path,
    api: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    variable: str,
    key: str,
) -> None:
    root = Path(shutil.copytree(STARTER, tmp_path / "starter"))
    monkeypatch.setenv(variable, key)
    before = snapshot(root)
    result = sync(root, target)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        f"{target}: failed: {variable} contains characters that cannot be sent"
    )
    assert not api.calls
    for shown in (result.stdout, result.stderr, REPORT.read_text()):
        assert "SECRET" not in shown
    assert snapshot(root) == before
