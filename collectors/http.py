"""The one HTTP helper every collector uses: timeouts, a size cap, retries, 429 handling.

Bodies are read as a stream and abandoned as soon as they pass the cap, so a hostile or
broken server cannot make the collector hold gigabytes, nor keep it waiting: the read
timeout bounds each wait for data and the whole body gets a few read timeouts at most (a
server trickling a byte just inside the read timeout would otherwise hold a worker for
days). Transient failures (connection errors, 500/502/503/504) are retried by urllib3 with
backoff; a 429 is not slept on but raised as :class:`RateLimited`, so the runner can
schedule the source and move on.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.util.retry import Retry

from rumordesk.base.config import CollectSettings
from rumordesk.collectors.errors import (
    HttpStatusError,
    Misconfigured,
    RateLimited,
    ResponseTooLarge,
    TransientError,
)

#: Used when a 429 carries no usable Retry-After.
DEFAULT_RETRY_AFTER = timedelta(minutes=5)
#: A Retry-After further away than this is capped: a typo must not silence a source for days.
MAX_RETRY_AFTER = timedelta(hours=6)
#: The whole body must arrive within this many read timeouts.
BODY_READ_TIMEOUTS = 3
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response body (empty for 304) with what conditional GET needs next time."""

    url: str
    status: int
    body: bytes
    #: Case-insensitive, as HTTP header names are (servers send ``etag`` as often as ``ETag``).
    headers: Mapping[str, str]

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def validators(self) -> dict[str, str]:
        """ETag / Last-Modified to send back on the next request."""
        found = {
            "etag": self.headers.get("ETag"),
            "last_modified": self.headers.get("Last-Modified"),
        }
        return {key: value for key, value in found.items() if value}


class HttpClient:
    """A ``requests`` session configured from ``[collect]``; safe to share between threads
    for reading settings, but each worker should own its instance (sessions are not)."""

    def __init__(self, settings: CollectSettings) -> None:
        self.settings = settings
        self.session = requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent
        retry = Retry(
            total=settings.retries,
            connect=settings.retries,
            read=settings.retries,
            status=settings.retries,
            backoff_factor=settings.backoff_seconds,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def close(self) -> None:
        self.session.close()

    def get(
        self,
        url: str,
        *,
        validators: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        raise_for_status: bool = True,
    ) -> Fetched:
        """GET ``url``; returns 200 or 304 bodies and raises a :class:`CollectorError` else.

        With ``raise_for_status=False`` every answer's (capped) body is returned, for APIs
        whose error bodies say more than their status (the Graph API's error codes).
        """
        request_headers = dict(headers or {})
        if validators:
            if etag := validators.get("etag"):
                request_headers["If-None-Match"] = etag
            if modified := validators.get("last_modified"):
                request_headers["If-Modified-Since"] = modified
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            with self.session.get(
                url, headers=request_headers, timeout=timeout, stream=True, allow_redirects=True
            ) as response:
                if raise_for_status:
                    self._raise_for_status(url, response)
                body = b"" if response.status_code == 304 else self._read_capped(url, response)
                headers = CaseInsensitiveDict(response.headers)
                return Fetched(response.url, response.status_code, body, headers)
        except requests.exceptions.RetryError as exc:
            raise TransientError(
                f"{url}: server kept failing after retries ({_root(exc)})"
            ) from None
        except requests.exceptions.Timeout:
            raise TransientError(f"{url}: timed out") from None
        except requests.exceptions.ConnectionError as exc:
            if _read_timed_out(exc):
                raise TransientError(f"{url}: timed out") from None
            raise TransientError(f"{url}: could not connect ({_root(exc)})") from None
        except requests.exceptions.RequestException as exc:
            raise TransientError(f"{url}: request failed ({_root(exc)})") from None
        # The body is read from urllib3 directly (see _read_capped): its errors, unwrapped.
        except urllib3.exceptions.TimeoutError:
            raise TransientError(f"{url}: timed out") from None
        except urllib3.exceptions.HTTPError as exc:
            raise TransientError(f"{url}: request failed ({_root(exc)})") from None

    def _raise_for_status(self, url: str, response: requests.Response) -> None:
        status = response.status_code
        if status in (200, 203, 304):
            return
        if status == 429:
            raise RateLimited(url, retry_at(response.headers))
        if status in (401, 403):
            raise Misconfigured(
                f"HTTP {status} from {url}: access denied; check the URL or credentials"
            )
        if status >= 500:
            raise TransientError(f"HTTP {status} from {url}")
        raise HttpStatusError(url, status, response.reason or "")

    def _read_capped(self, url: str, response: requests.Response) -> bytes:
        cap = self.settings.max_body_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(
                f"{url}: body of {int(declared):,} bytes exceeds the {cap:,} cap"
            )
        budget = self.settings.read_timeout * BODY_READ_TIMEOUTS
        deadline = time.monotonic() + budget
        chunks: list[bytes] = []
        size = 0
        # read1 returns what one read brings (iter_content waits to fill each 64 KiB chunk,
        # so a deadline checked between its chunks would come far too late).
        while chunk := response.raw.read1(_CHUNK, decode_content=True):
            size += len(chunk)
            if time.monotonic() > deadline:
                raise TransientError(f"{url}: body still arriving after {budget:g}s; abandoned")
            if size > cap:
                raise ResponseTooLarge(
                    f"{url}: body exceeds the {cap:,}-byte cap; not read further"
                )
            chunks.append(chunk)
        return b"".join(chunks)


def retry_at(headers: Mapping[str, str], *, now: datetime | None = None) -> datetime:
    """When a rate-limited source may try again, from Retry-After or x-rate-limit-reset."""
    now = now or datetime.now(UTC)
    wait: timedelta | None = None
    value = (headers.get("Retry-After") or "").strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    elif value:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            wait = None
    reset = (headers.get("x-rate-limit-reset") or "").strip()
    if wait is None and reset.isdigit():
        wait = datetime.fromtimestamp(int(reset), UTC) - now
    if wait is None:
        wait = DEFAULT_RETRY_AFTER
    return now + min(max(wait, timedelta(seconds=1)), MAX_RETRY_AFTER)


def _read_timed_out(exc: requests.exceptions.ConnectionError) -> bool:
    """A read timeout that urllib3 stopped retrying reaches us as a connection error."""
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    return isinstance(reason, urllib3.exceptions.ReadTimeoutError)


def _root(exc: BaseException) -> str:
    """The innermost cause, briefly; never the request headers (they may carry tokens)."""
    while exc.__cause__ or exc.__context__:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return type(exc).__name__
