"""The one HTTP helper every collector uses: timeouts, a size cap, retries, 429 handling.

Bodies are read as a stream and abandoned as soon as they pass the cap, so a hostile or
broken server cannot make the collector hold gigabytes, nor keep it waiting: the read
timeout bounds each wait for data and the whole body gets a few read timeouts at most (a
server trickling a byte just inside the read timeout would otherwise hold a worker for
days), and no request outlives the source's own deadline. Only whole bodies count: one
shorter than its Content-Length, cut by a dropped connection, or a gzip/deflate stream
without its end is an error (:class:`BodyIncomplete`), never a shorter document.
Redirects are followed only to the requested host (or hosts listed for the source), never
to an internal address the configured one is not, nor away from http(s)
(:class:`RedirectRefused`, shown in source health). Transient failures (connection
errors, 500/502/503/504) are retried by urllib3 with backoff; a 429 is not slept on but
raised as :class:`RateLimited`, so the runner can schedule the source and move on.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.util.retry import Retry

from rumordesk.base.config import CollectSettings
from rumordesk.collectors.errors import (
    BodyIncomplete,
    DeadlinePassed,
    HttpStatusError,
    Misconfigured,
    RateLimited,
    RedirectRefused,
    ResponseTooLarge,
    TransientError,
)

#: Used when a 429 carries no usable Retry-After.
DEFAULT_RETRY_AFTER = timedelta(minutes=5)
#: A Retry-After further away than this is capped: a typo must not silence a source for days.
MAX_RETRY_AFTER = timedelta(hours=6)
#: The whole body must arrive within this many read timeouts.
BODY_READ_TIMEOUTS = 3
#: Redirects followed for one request (each one checked by :class:`RedirectPolicy`).
MAX_REDIRECTS = 5
_REDIRECTS = (301, 302, 303, 307, 308)
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: The encodings this client can decode and check for completeness itself.
ACCEPT_ENCODING = "gzip, deflate"
_CHUNK = 64 * 1024
#: A timeout this close to the source's deadline was the deadline's (clocks and sockets
#: round their times).
_DEADLINE_SLACK = 0.05


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
    for reading settings, but each worker should own its instance (sessions are not).

    ``redirect_hosts`` are the other hosts the source's redirects may lead to; ``deadline``
    (a :func:`time.monotonic` instant) is when the source's poll must be over.
    """

    def __init__(
        self,
        settings: CollectSettings,
        *,
        redirect_hosts: Iterable[str] = (),
        deadline: float | None = None,
    ) -> None:
        self.settings = settings
        self.redirect_hosts = frozenset(host.strip().lower() for host in redirect_hosts)
        self.deadline = deadline
        self.session = requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent
        self.session.headers["Accept-Encoding"] = ACCEPT_ENCODING
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
        policy = RedirectPolicy(url, self.redirect_hosts)
        current = url
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                with self.session.get(
                    current,
                    headers=request_headers,
                    timeout=self._timeout(url),
                    stream=True,
                    allow_redirects=False,
                ) as response:
                    location = response.headers.get("Location")
                    if response.status_code in _REDIRECTS and location:
                        target = urljoin(current, location.strip())
                        policy.check(current, target)
                        if _host(target) != _host(current):
                            request_headers.pop("Authorization", None)
                        current = target
                        continue
                    if raise_for_status:
                        self._raise_for_status(current, response)
                    body = b"" if response.status_code == 304 else self._read_capped(response)
                    headers = CaseInsensitiveDict(response.headers)
                    return Fetched(current, response.status_code, body, headers)
            raise TransientError(f"{url}: more than {MAX_REDIRECTS} redirects; not followed")
        except requests.exceptions.RetryError as exc:
            raise TransientError(
                f"{url}: server kept failing after retries ({_root(exc)})"
            ) from None
        except requests.exceptions.Timeout:
            raise self._timed_out(url) from None
        except requests.exceptions.ConnectionError as exc:
            if _read_timed_out(exc):
                raise self._timed_out(url) from None
            raise TransientError(f"{url}: could not connect ({_root(exc)})") from None
        except requests.exceptions.RequestException as exc:
            raise TransientError(f"{url}: request failed ({_root(exc)})") from None
        # The body is read from urllib3 directly (see _read_capped): its errors, unwrapped.
        except urllib3.exceptions.TimeoutError:
            raise self._timed_out(url) from None
        except urllib3.exceptions.HTTPError as exc:
            raise TransientError(f"{url}: request failed ({_root(exc)})") from None

    def _timed_out(self, url: str) -> TransientError:
        """A request that timed out: the source's deadline when that is what cut it short
        (its timeouts are never longer than the time the source has left), else the
        server's slowness."""
        if self.deadline is not None and time.monotonic() >= self.deadline - _DEADLINE_SLACK:
            return DeadlinePassed(f"{url}: the source's deadline came during the request")
        return TransientError(f"{url}: timed out")

    def _remaining(self, url: str) -> float | None:
        """Seconds left before the source's deadline (``None``: no deadline)."""
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlinePassed(f"{url}: the source's deadline passed; not requested")
        return left

    def _timeout(self, url: str) -> tuple[float, float]:
        connect, read = self.settings.connect_timeout, self.settings.read_timeout
        left = self._remaining(url)
        return (connect, read) if left is None else (min(connect, left), min(read, left))

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

    def _read_capped(self, response: requests.Response) -> bytes:
        url = response.url
        cap = self.settings.max_body_bytes
        declared = _declared_length(response)
        encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
        if declared is not None and declared > cap:
            raise ResponseTooLarge(f"{url}: body of {declared:,} bytes exceeds the {cap:,} cap")
        inflater = _Inflater.for_encoding(encoding, url)
        budget = self.settings.read_timeout * BODY_READ_TIMEOUTS
        deadline = time.monotonic() + budget
        own = self.deadline is not None and self.deadline < deadline
        if own:
            deadline = self.deadline  # type: ignore[assignment]
        chunks: list[bytes] = []
        size = 0
        try:
            # read1 returns what one read brings (iter_content waits to fill each 64 KiB
            # chunk, so a deadline checked between its chunks would come far too late).
            while raw := response.raw.read1(_CHUNK, decode_content=False):
                if time.monotonic() > deadline:
                    if own:
                        raise DeadlinePassed(
                            f"{url}: body still arriving at the source's deadline; abandoned"
                        )
                    raise TransientError(f"{url}: body still arriving after {budget:g}s; abandoned")
                chunk = inflater.feed(raw, cap - size) if inflater else raw
                size += len(chunk)
                if size > cap:
                    raise ResponseTooLarge(
                        f"{url}: body exceeds the {cap:,}-byte cap; not read further"
                    )
                chunks.append(chunk)
        except urllib3.exceptions.ProtocolError as exc:
            received = response.raw.tell()
            of = f" of {declared:,}" if declared is not None else ""
            raise BodyIncomplete(
                f"{url}: the connection dropped after {received:,}{of} bytes "
                f"({_root(exc)}); the partial body was discarded"
            ) from None
        received = response.raw.tell()
        if declared is not None and received != declared:
            raise BodyIncomplete(
                f"{url}: {received:,} bytes arrived of the {declared:,} announced; "
                "the partial body was discarded"
            )
        if inflater and not inflater.finished:
            raise BodyIncomplete(
                f"{url}: the {encoding} body ended before its end; the partial body was discarded"
            )
        return b"".join(chunks)


class RedirectPolicy:
    """Where one request's redirects may lead.

    Only to the requested URL's host (its port, or the scheme's default port) or a host
    listed for the source; never from https to http; never to a private, loopback or
    link-local address unless the requested host is one itself (a feed inside the city
    network may redirect within it; a public feed may not lead the collector there).
    """

    def __init__(self, origin: str, allowed_hosts: frozenset[str] = frozenset()) -> None:
        self.origin = origin
        self.origin_host = _host(origin)
        self.allowed_hosts = allowed_hosts

    def check(self, current: str, target: str) -> None:
        """Raise :class:`RedirectRefused` saying why ``current`` may not lead to ``target``."""
        try:
            parts = urlsplit(target)
            host = (parts.hostname or "").lower()
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
        except ValueError:
            self._refuse(current, target, "it is not a valid URL")
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not host:
            self._refuse(current, target, "only http(s) URLs are followed")
        if urlsplit(current).scheme.lower() == "https" and scheme == "http":
            self._refuse(current, target, "it leaves https for plain http")
        origin = urlsplit(self.origin)
        origin_port = origin.port or _DEFAULT_PORTS.get(origin.scheme.lower())
        if host == self.origin_host:
            if port not in (origin_port, _DEFAULT_PORTS[scheme]):
                self._refuse(current, target, f"port {port} is not the configured one")
            return
        if host not in self.allowed_hosts:
            self._refuse(
                current,
                target,
                f"{host} is not the configured host {self.origin_host} "
                "(list it in the source's redirect_hosts if it is trusted)",
            )
        internal = _internal_addresses(host, port)
        if internal and not _internal_addresses(self.origin_host, origin_port):
            self._refuse(current, target, f"{host} is an internal address ({internal[0]})")

    def _refuse(self, current: str, target: str, why: str) -> None:
        raise RedirectRefused(f"{current}: redirect to {target[:200]} refused: {why}")


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _internal_addresses(host: str, port: int | None) -> list[str]:
    """The private, loopback, link-local or otherwise non-public addresses ``host`` has."""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            found = socket.getaddrinfo(host, port or 80, type=socket.SOCK_STREAM)
        except OSError:
            return []  # unresolvable: the request would fail to connect anyway
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
    internal = []
    for address in addresses:
        mapped = getattr(address, "ipv4_mapped", None) or address
        if not mapped.is_global or mapped.is_multicast:
            internal.append(str(address))
    return internal


def _declared_length(response: requests.Response) -> int | None:
    value = (response.headers.get("Content-Length") or "").strip()
    return int(value) if value.isdigit() else None


class _Inflater:
    """Decodes a gzip or deflate body itself, so that the cap counts decoded bytes as they
    come (a bomb stops at the cap) and a stream cut before its end is seen (urllib3 returns
    what it could decode and says nothing)."""

    def __init__(self, wbits: int, url: str) -> None:
        self.wbits = wbits
        self.url = url
        self._obj = zlib.decompressobj(wbits)
        self._started = False
        self._raw_deflate = False

    @classmethod
    def for_encoding(cls, encoding: str, url: str) -> _Inflater | None:
        if encoding in ("identity", ""):
            return None
        if encoding in ("gzip", "x-gzip"):
            return cls(16 + zlib.MAX_WBITS, url)
        if encoding == "deflate":
            return cls(zlib.MAX_WBITS, url)
        raise TransientError(f"{url}: Content-Encoding {encoding!r} was not asked for; refused")

    @property
    def finished(self) -> bool:
        return self._obj.eof

    def feed(self, data: bytes, room: int) -> bytes:
        """What ``data`` decodes to, never much more than ``room`` + 1 bytes."""
        out: list[bytes] = []
        while data:
            if self._obj.eof:
                # gzip allows several members one after another; anything else is trailing
                # garbage, ignored as browsers and urllib3 do.
                if self.wbits > zlib.MAX_WBITS and data[:2] == b"\x1f\x8b":
                    self._obj = zlib.decompressobj(self.wbits)
                else:
                    break
            try:
                piece = self._obj.decompress(data, max(room, 0) + 1)
            except zlib.error:
                if self.wbits == zlib.MAX_WBITS and not self._started and not self._raw_deflate:
                    # "deflate" as many servers send it: raw, without the zlib header.
                    self._raw_deflate = True
                    self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise BodyIncomplete(
                    f"{self.url}: the compressed body is corrupt; discarded"
                ) from None
            self._started = True
            out.append(piece)
            room -= len(piece)
            if room < 0:
                break
            data = self._obj.unconsumed_tail or (self._obj.unused_data if self._obj.eof else b"")
        return b"".join(out)


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
