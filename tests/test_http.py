"""The shared HTTP client, against respx mocks only: retries, errors, redaction."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from models_catalog import __version__
from models_catalog.errors import FetchError
from models_catalog.http import HttpClient, parse_retry_after, redact, redact_url

URL = "https://api.example.test/v1/models"
SECRET = "s3cr3t-KEY_value"


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(sleeps: Sleeps) -> Iterator[HttpClient]:
    with HttpClient(sleep=sleeps) as http:
        yield http


def fetch_error(client: HttpClient, **kwargs: Any) -> FetchError:
    with pytest.raises(FetchError) as caught:
        client.get_json(URL, **kwargs)
    return caught.value


def test_returns_decoded_json(client: HttpClient, mock: respx.MockRouter) -> None:
    route = mock.get(URL).respond(200, json={"data": [1, 2]})
    assert client.get_json(URL, params={"page": "2"}) == {"data": [1, 2]}
    request = route.calls.last.request
    assert request.url.params["page"] == "2"
    assert request.headers["User-Agent"] == f"models-catalog/{__version__}"


def test_sends_the_callers_headers(client: HttpClient, mock: respx.MockRouter) -> None:
    route = mock.get(URL).respond(200, json=[])
    client.get_json(URL, headers={"Authorization": "Bearer abc"})
    assert route.calls.last.request.headers["Authorization"] == "Bearer abc"


def test_default_timeout_is_thirty_seconds() -> None:
    with HttpClient() as http:
        timeout = http._client.timeout
    assert timeout.connect == 30.0
    assert timeout.read == 30.0


def test_server_error_is_retried(
    client: HttpClient, mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = mock.get(URL)
    route.side_effect = [httpx.Response(500), httpx.Response(200, json={"ok": True})]
    assert client.get_json(URL) == {"ok": True}
    assert route.call_count == 2
    assert sleeps == [1.0]


def test_backoff_is_exponential_and_attempts_bounded(
    client: HttpClient, mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = mock.get(URL).respond(503)
    error = fetch_error(client)
    assert route.call_count == 4
    assert sleeps == [1.0, 2.0, 4.0]
    assert str(error) == f"GET {URL} failed after 4 attempts: HTTP 503 Service Unavailable."


def test_attempts_are_configurable(mock: respx.MockRouter, sleeps: Sleeps) -> None:
    route = mock.get(URL).respond(502)
    with HttpClient(sleep=sleeps, attempts=2) as http, pytest.raises(FetchError):
        http.get_json(URL)
    assert route.call_count == 2
    assert sleeps == [1.0]


def test_rate_limit_honours_retry_after_seconds(
    client: HttpClient, mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = mock.get(URL)
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.Response(200, json=[]),
    ]
    assert client.get_json(URL) == []
    assert sleeps == [7.0]


def test_retry_after_is_capped(client: HttpClient, mock: respx.MockRouter, sleeps: Sleeps) -> None:
    route = mock.get(URL)
    route.side_effect = [
        httpx.Response(503, headers={"Retry-After": "3600"}),
        httpx.Response(200, json=[]),
    ]
    client.get_json(URL)
    assert sleeps == [60.0]


def test_rate_limit_without_retry_after_backs_off(
    client: HttpClient, mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    mock.get(URL).respond(429)
    error = fetch_error(client)
    assert sleeps == [1.0, 2.0, 4.0]
    assert "HTTP 429 Too Many Requests" in str(error)


def test_parse_retry_after() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120", now=now) == 120.0
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("-5", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after("nan", now=now) is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("  ") is None


def test_connection_error_is_retried_then_fails(
    client: HttpClient, mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = mock.get(URL)
    route.side_effect = httpx.ConnectError("connection refused")
    error = fetch_error(client)
    assert route.call_count == 4
    assert sleeps == [1.0, 2.0, 4.0]
    assert str(error) == (f"GET {URL} failed after 4 attempts: ConnectError (connection refused).")


def test_timeout_is_retried_then_succeeds(
    client: HttpClient, mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = mock.get(URL)
    route.side_effect = [httpx.ReadTimeout("timed out"), httpx.Response(200, json=[])]
    assert client.get_json(URL) == []
    assert sleeps == [1.0]


def test_client_error_is_not_retried(
    client: HttpClient, mock: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = mock.get(URL).respond(404)
    error = fetch_error(client)
    assert route.call_count == 1
    assert sleeps == []
    assert str(error) == f"GET {URL} failed: HTTP 404 Not Found."


def test_invalid_json(client: HttpClient, mock: respx.MockRouter) -> None:
    mock.get(URL).respond(200, text="<html>maintenance</html>", content_type="text/html")
    error = fetch_error(client)
    assert "not JSON" in str(error)
    assert "text/html" in str(error)


def test_error_detail_hook_is_in_the_message(client: HttpClient, mock: respx.MockRouter) -> None:
    body = {"success": False, "errors": [{"code": 10000, "message": "Authentication error"}]}
    mock.get(URL).respond(403, json=body)

    def cloudflare(response: httpx.Response) -> str | None:
        errors = response.json()["errors"]
        return "; ".join(f"{e['code']}: {e['message']}" for e in errors)

    error = fetch_error(client, error_detail=cloudflare)
    assert str(error) == f"GET {URL} failed: HTTP 403 Forbidden (10000: Authentication error)."


def test_a_failing_error_detail_hook_does_not_hide_the_status(
    client: HttpClient, mock: respx.MockRouter
) -> None:
    mock.get(URL).respond(400, text="not json")

    def broken(response: httpx.Response) -> str | None:
        return str(response.json())

    error = fetch_error(client, error_detail=broken)
    assert str(error) == f"GET {URL} failed: HTTP 400 Bad Request."


def echo_body(response: httpx.Response) -> str | None:
    return response.text


def test_secret_in_the_query_never_appears(client: HttpClient, mock: respx.MockRouter) -> None:
    mock.get(URL).respond(400, text=f"API key {SECRET} not valid for {URL}?key={SECRET}")
    error = fetch_error(
        client, params={"key": SECRET, "pageSize": "1000"}, secrets=[SECRET], error_detail=echo_body
    )
    message = str(error)
    assert SECRET not in message
    assert "key=***" in message
    assert "pageSize=1000" in message


def test_secret_query_params_are_redacted_by_default(mock: respx.MockRouter) -> None:
    mock.get(url__startswith=URL).respond(500, text=f"bad key {SECRET}")
    with HttpClient(sleep=lambda _: None, attempts=1) as http, pytest.raises(FetchError) as caught:
        http.get_json(f"{URL}?api_key={SECRET}&token=t0k3n", error_detail=echo_body)
    message = str(caught.value)
    assert SECRET not in message
    assert "t0k3n" not in message
    assert "api_key=***&token=***" in message


def test_secret_in_headers_never_appears(client: HttpClient, mock: respx.MockRouter) -> None:
    mock.get(URL).respond(401, text=f"token Bearer {SECRET} expired; x-api-key other-{SECRET}")
    error = fetch_error(
        client,
        headers={"Authorization": f"Bearer {SECRET}", "x-api-key": f"other-{SECRET}"},
        error_detail=echo_body,
    )
    assert SECRET not in str(error)
    assert "***" in str(error)


def test_secret_in_a_connection_error_never_appears(
    client: HttpClient, mock: respx.MockRouter
) -> None:
    route = mock.get(URL)
    route.side_effect = httpx.ConnectError(f"cannot reach {URL}?key={SECRET}")
    error = fetch_error(client, secrets=[SECRET])
    assert SECRET not in str(error)
    # No chained httpx exception carries the unredacted text into a traceback.
    assert error.__cause__ is None
    assert error.__suppress_context__


def test_redact_replaces_every_secret_and_its_url_encoding() -> None:
    text = "a=p@ss/word b=p%40ss%2Fword c=tok d=tok"
    assert redact(text, ["p@ss/word", "tok", ""]) == "a=*** b=*** c=*** d=***"


def test_redact_prefers_the_longest_secret() -> None:
    assert redact("abcdef", ["abc", "abcdef"]) == "***"


def test_redact_url() -> None:
    url = "https://x.test/m?key=AAA&pageSize=10&Token=BBB&other=AAA"
    assert redact_url(url) == "https://x.test/m?key=***&pageSize=10&Token=***&other=***"
    assert redact_url("https://x.test/CCC/m", ["CCC"]) == "https://x.test/***/m"


def test_httpx_request_logging_stays_off_so_urls_with_keys_are_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
