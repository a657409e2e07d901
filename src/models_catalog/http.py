"""The tool's one HTTP client: JSON GETs with timeouts, bounded retries and redacted errors.

Only provider modules use it. Every text it puts in an error has the request's secrets replaced
by `***`, including credentials carried in the query string.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit

import httpx

from . import __version__
from .errors import FetchError

REDACTED = "***"
SECRET_QUERY_PARAMS = frozenset({"key", "api_key", "token"})
USER_AGENT = f"models-catalog/{__version__}"

# httpx logs each request URL at INFO; Google's key travels in the URL, so never below WARNING.
logging.getLogger("httpx").setLevel(logging.WARNING)

DEFAULT_TIMEOUT = 30.0
DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF = 1.0
MAX_DELAY = 60.0

ErrorDetail = Callable[[httpx.Response], str | None]

# Failures worth another try: the server may answer next time. Anything else (a bad URL, an
# unsupported scheme, a redirect loop) fails the same way again.
_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def redact(text: str, secrets: Sequence[str]) -> str:
    """`text` with every non-empty secret, raw or percent-encoded, replaced by `***`."""
    forms = {form for secret in secrets if secret for form in _encodings(secret)}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text


def _encodings(secret: str) -> tuple[str, ...]:
    return (secret, quote(secret, safe=""), quote_plus(secret, safe=""))


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
    """A synchronous JSON client; use it as a context manager so the connections are closed."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        attempts: int = DEFAULT_ATTEMPTS,
        backoff: float = DEFAULT_BACKOFF,
        max_delay: float = MAX_DELAY,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.attempts = attempts
        self.backoff = backoff
        self.max_delay = max_delay
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
        server's `Retry-After`, capped at `max_delay`) up to `attempts` tries in all. Any other
        failure, or the last one, raises FetchError. `error_detail` may extract a provider's
        explanation from a failed response; it is redacted like everything else.
        """
        full_url = _full_url(url, params)
        hidden = [*_collect_secrets(secrets, params, headers), *_query_secrets(full_url)]
        shown_url = redact(full_url, hidden)

        def fail(reason: str) -> FetchError:
            return FetchError(redact(f"GET {shown_url} {reason}.", hidden))

        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            tried = f" after {attempt} attempts" if attempt > 1 else ""
            try:
                response = self._client.get(url, params=params, headers=headers)
            except _RETRYABLE_ERRORS as exc:
                if last:
                    raise fail(f"failed{tried}: {_describe_error(exc)}") from None
                self._sleep(self._backoff_delay(attempt))
                continue
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise fail(f"failed: {_describe_error(exc)}") from None

            status = response.status_code
            if status < 400:
                try:
                    return response.json()
                except ValueError:
                    raise fail(_not_json(response)) from None
            retryable = status == 429 or status >= 500
            if retryable and not last:
                self._sleep(self._retry_delay(attempt, response))
                continue
            detail = _detail(error_detail, response)
            message = f"failed{tried if retryable else ''}: {_status_text(response)}"
            raise fail(f"{message} ({detail})" if detail else message)
        raise AssertionError("unreachable: the last attempt returns or raises")

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
