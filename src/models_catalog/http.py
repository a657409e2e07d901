"""The tool's one HTTP client: JSON GETs with timeouts, bounded retries and redacted errors.

Only provider modules use it. Every text it puts in an error has the request's secrets replaced
by `***`, including credentials carried in the query string.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import httpx

from . import __version__
from .errors import FetchError
from .jsondata import MAX_JSON_BYTES, JsonError, JsonLimitError, decode_json
from .redaction import REDACTED, redact, sendable

__all__ = ["REDACTED", "HttpClient", "parse_retry_after", "redact", "redact_url", "sendable"]

SECRET_QUERY_PARAMS = frozenset({"key", "api_key", "token"})
USER_AGENT = f"models-catalog/{__version__}"

# httpx logs each request URL at INFO; Google's key travels in the URL, so never below WARNING.
logging.getLogger("httpx").setLevel(logging.WARNING)

DEFAULT_TIMEOUT = 30.0
"""Seconds allowed for connecting, and between two pieces of a response."""
REQUEST_DEADLINE = 120.0
"""Seconds allowed for one whole request, however slowly the server sends."""
TOTAL_DEADLINE = 600.0
"""Seconds allowed for all of one client's requests (one provider's fetch), waits included."""
DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF = 1.0
MAX_DELAY = 60.0

ErrorDetail = Callable[[httpx.Response], str | None]

# Failures worth another try: the server may answer next time. Anything else (a bad URL, an
# unsupported scheme, a redirect loop) fails the same way again.
_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


_GRACE = 0.05
"""Seconds a request's thread may overrun its deadline before it is abandoned."""


class _Unfinished(Exception):
    """A response cut off by a limit: its message says which."""


def redact_url(url: str, secrets: Sequence[str] = ()) -> str:
    """A printable URL: `secrets` redacted, and the values of `key`, `api_key` and `token`
    query parameters too, whatever they are."""
    return redact(url, [*secrets, *_query_secrets(url)])


def _query_secrets(url: str) -> list[str]:
    query = urlsplit(url).query
    found = []
    for pair in query.split("&"):
        name, sep, value = pair.partition("=")
        if sep and value and unquote_plus(name).lower() in SECRET_QUERY_PARAMS:
            found += [value, unquote_plus(value)]
    return found


def _collect_secrets(
    secrets: Sequence[str],
    params: Mapping[str, str] | None,
    headers: Mapping[str, str] | None,
) -> list[str]:
    """The caller's secrets, plus the credentials it passed where they are recognisable."""
    found = list(secrets)
    for name, value in (params or {}).items():
        if name.lower() in SECRET_QUERY_PARAMS and value:
            found.append(value)
    for name, value in (headers or {}).items():
        lowered = name.lower()
        if lowered in ("authorization", "proxy-authorization"):
            scheme, _, credential = value.strip().partition(" ")
            found.append(credential.strip() or scheme)
        elif "key" in lowered or "token" in lowered:
            found.append(value.strip())
    return [s for s in found if s]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delay seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


class HttpClient:
    """A synchronous JSON client; use it as a context manager so the connections are closed.

    Each request must complete (headers and body) within `request_deadline` seconds, and all
    requests of one client, retries and waits included, within `total_deadline` seconds of its
    creation: one client serves one provider's fetch."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        attempts: int = DEFAULT_ATTEMPTS,
        backoff: float = DEFAULT_BACKOFF,
        max_delay: float = MAX_DELAY,
        request_deadline: float = REQUEST_DEADLINE,
        total_deadline: float = TOTAL_DEADLINE,
        max_bytes: int = MAX_JSON_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.attempts = attempts
        self.backoff = backoff
        self.max_delay = max_delay
        self.timeout = timeout
        self.request_deadline = request_deadline
        self.total_deadline = total_deadline
        self.max_bytes = max_bytes
        self._ends = time.monotonic() + total_deadline
        self._sleep = sleep
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=True,
            transport=transport,
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Sequence[str] = (),
        error_detail: ErrorDetail | None = None,
    ) -> Any:
        """GET `url` and decode its JSON body, retrying transient failures.

        Connection errors, timeouts, 429 and 5xx are retried with exponential backoff (or the
        server's `Retry-After`, capped at `max_delay`) up to `attempts` tries in all, as long as
        the client's total deadline allows. Any other failure, or the last one, raises
        FetchError. `error_detail` may extract a provider's explanation from a failed response;
        it is redacted like everything else. Header values that HTTP cannot carry are refused
        before anything is sent, naming the header but never its value.
        """
        full_url = _full_url(url, params)
        hidden = [*_collect_secrets(secrets, params, headers), *_query_secrets(full_url)]
        shown_url = redact(full_url, hidden)

        def fail(reason: str) -> FetchError:
            return FetchError(redact(f"GET {shown_url} {reason}.", hidden))

        for name, value in (headers or {}).items():
            if not sendable(name) or not sendable(value):
                raise fail(f"was not sent: header {name!r} contains characters that cannot be sent")

        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            tried = f" after {attempt} attempts" if attempt > 1 else ""
            if self._left() <= 0:
                raise fail(f"was not sent{tried}: {self._budget_spent()}")
            try:
                response = self._get(url, params, headers)
            except _RETRYABLE_ERRORS as exc:
                if last or not self._wait(self._backoff_delay(attempt)):
                    raise fail(f"failed{tried}: {_describe_error(exc)}") from None
                continue
            except _Unfinished as exc:
                raise fail(f"failed{tried}: {exc}") from None
            except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
                raise fail(f"failed: {_describe_error(exc)}") from None

            status = response.status_code
            if status < 400:
                try:
                    return decode_json(response.content, max_bytes=self.max_bytes)
                except JsonLimitError as exc:
                    raise fail(f"returned an unusable response: {exc}") from None
                except JsonError:
                    raise fail(_not_json(response)) from None
            retryable = status == 429 or status >= 500
            if retryable and not last and self._wait(self._retry_delay(attempt, response)):
                continue
            detail = _detail(error_detail, response)
            message = f"failed{tried if retryable else ''}: {_status_text(response)}"
            raise fail(f"{message} ({detail})" if detail else message)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _left(self) -> float:
        return self._ends - time.monotonic()

    def _budget_spent(self) -> str:
        return f"the time allowed for all requests ({self.total_deadline:g} s) ran out"

    def _wait(self, seconds: float) -> bool:
        """Sleep `seconds` unless that would pass the total deadline (then False)."""
        if seconds >= self._left():
            return False
        self._sleep(seconds)
        return True

    def _get(
        self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str] | None
    ) -> httpx.Response:
        """One GET, headers and body read within the request deadline and the size limit.

        The request runs in a watchdog thread: a server dripping its headers byte by byte
        blocks no caller past the deadline (the abandoned daemon thread ends with its socket)."""
        window = min(self.request_deadline, self._left())
        late = _Unfinished(
            self._budget_spent()
            if window < self.request_deadline
            else f"no complete response within {self.request_deadline:g} s"
        )
        ends = time.monotonic() + window
        outcome: list[httpx.Response | BaseException] = []

        def work() -> None:
            try:
                outcome.append(self._read(url, params, headers, window, ends, late))
            except BaseException as exc:  # handed to the caller's thread below
                outcome.append(exc)

        worker = threading.Thread(target=work, name="models-http", daemon=True)
        worker.start()
        worker.join(window + _GRACE)
        if not outcome:
            raise late
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def _read(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        window: float,
        ends: float,
        late: _Unfinished,
    ) -> httpx.Response:
        request = self._client.build_request(
            "GET", url, params=params, headers=headers, timeout=min(self.timeout, window)
        )
        response = self._client.send(request, stream=True)
        body = bytearray()
        try:
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise _Unfinished(f"the response is larger than {self.max_bytes:,} bytes")
                if time.monotonic() > ends:
                    raise late
        finally:
            response.close()
        headers_read = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(
            response.status_code,
            headers=headers_read,
            content=bytes(body),
            request=request,
            extensions=response.extensions,
        )

    def _backoff_delay(self, attempt: int) -> float:
        return float(min(self.max_delay, self.backoff * 2 ** (attempt - 1)))

    def _retry_delay(self, attempt: int, response: httpx.Response) -> float:
        asked = parse_retry_after(response.headers.get("Retry-After"))
        if asked is None:
            return self._backoff_delay(attempt)
        return min(self.max_delay, asked)


def _full_url(url: str, params: Mapping[str, str] | None) -> str:
    try:
        return str(httpx.URL(url).copy_merge_params(dict(params or {})))
    except (httpx.InvalidURL, TypeError, ValueError):
        return url


def _status_text(response: httpx.Response) -> str:
    reason = response.reason_phrase.strip()
    return f"HTTP {response.status_code} {reason}" if reason else f"HTTP {response.status_code}"


def _describe_error(exc: Exception) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name} ({text})" if text else name


def _not_json(response: httpx.Response) -> str:
    kind = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
    what = f"{_status_text(response)}, {kind}" if kind else _status_text(response)
    return f"returned a response that was not JSON ({what})"


def _detail(hook: ErrorDetail | None, response: httpx.Response) -> str | None:
    if hook is None:
        return None
    try:
        detail = hook(response)
    except Exception:
        # The hook reads an error body of unknown shape; the HTTP status alone still explains.
        return None
    if detail is None:
        return None
    detail = " ".join(detail.split()).rstrip(".")
    return detail or None
