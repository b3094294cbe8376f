"""Bluesky through the atproto SDK: local keyword searches and the Department's own feed.

``app.bsky.feed.searchPosts`` needs a signed-in account; the session is made once per
process and account (createSession is limited to a few hundred a day) and atproto
refreshes it. A search pages newest first; its ``since`` moves to the newest post seen
only once its last page is stored, so an interrupted run resumes where it stopped. The
Department's feed (``getAuthorFeed``) is re-read back to ``refresh_days`` each run so
like/repost/reply/quote counts stay current.

atproto's own HTTP client is httpx: it gets the ``[collect]`` timeouts; a 429 becomes
:class:`RateLimited` from the ``ratelimit-reset`` header; a refused sign-in says which
environment variable holds the app password (and never the password).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, TypeVar

import httpx
from atproto import Client, models
from atproto_client import exceptions as at
from atproto_client.request import Request

from rumordesk.base.config import CollectSettings
from rumordesk.base.secrets import get_secret
from rumordesk.base.source_settings import BlueskyAuthorSource, BlueskySearchSource
from rumordesk.base.times import time_or_none
from rumordesk.collectors.errors import CollectorError, Misconfigured, RateLimited, TransientError
from rumordesk.collectors.http import HttpClient, retry_at
from rumordesk.collectors.text import normalise_whitespace
from rumordesk.store.records import Batch, Metrics, Post, Provenance

PASSWORD_ENV = "RUMORDESK_BLUESKY_APP_PASSWORD"  # noqa: S105 - a variable name
#: How far back a search looks on its first run.
FIRST_RUN_DAYS = timedelta(days=7)
_sessions: dict[tuple[str, str], Client] = {}
_sessions_lock = threading.Lock()
T = TypeVar("T")


def signed_in(service_url: str, login: str, settings: CollectSettings) -> Client:
    """One signed-in client per service and account for the life of the process."""
    key = (service_url, login.lstrip("@").lower())
    with _sessions_lock:
        client = _sessions.get(key)
        if client is not None:
            return client
        password = get_secret(PASSWORD_ENV)
        if not password:
            raise Misconfigured(
                f"${PASSWORD_ENV} is not set: create an app password (Bluesky → Settings → "
                "Privacy and security → App passwords) and put it in the environment"
            )
        timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
        client = Client(base_url=service_url, request=Request(timeout=timeout))
        with bluesky_errors("sign-in"):
            client.login(login.lstrip("@"), password, fetch_bsky_profile=False)
        _sessions[key] = client
        return client


def forget_sessions(service_url: str | None = None, login: str | None = None) -> None:
    """Drop one cached session (refused: the next run signs in again), or all (tests)."""
    with _sessions_lock:
        if service_url is None or login is None:
            _sessions.clear()
        else:
            _sessions.pop((service_url, login.lstrip("@").lower()), None)


@contextmanager
def bluesky_errors(what: str) -> Iterator[None]:
    try:
        yield
    except at.RateLimitExceededError as exc:
        headers = dict(exc.response.headers) if exc.response else {}
        reset = headers.get("ratelimit-reset")
        raise RateLimited(
            f"Bluesky ({what})", retry_at({"x-rate-limit-reset": reset} if reset else {})
        ) from None
    except at.UnauthorizedError as exc:
        raise Misconfigured(
            f"Bluesky refused the {what} ({_detail(exc)}): check the login handle and the app "
            f"password in ${PASSWORD_ENV}"
        ) from None
    except at.InvokeTimeoutError:
        raise TransientError(f"Bluesky: {what} timed out") from None
    except at.NetworkError as exc:
        raise TransientError(f"Bluesky: {what} failed ({_detail(exc)})") from None
    except at.RequestErrorBase as exc:
        status = exc.response.status_code if exc.response else 0
        error = TransientError if status >= 500 else CollectorError
        raise error(f"Bluesky answered {_detail(exc)} to the {what}") from None


def _detail(exc: at.RequestErrorBase) -> str:
    if exc.response is None:
        return type(exc).__name__
    content = exc.response.content
    parts = [str(exc.response.status_code)]
    for name in ("error", "message"):
        value = getattr(content, name, None)
        if value:
            parts.append(str(value)[:200])
    return " ".join(parts)


def _call(what: str, function: Callable[[], T]) -> T:
    with bluesky_errors(what):
        return function()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and value >= 0 else None


def post_view(
    view: models.AppBskyFeedDefs.PostView,
    *,
    source: BlueskySearchSource | BlueskyAuthorSource,
    provenance: Provenance,
    official: bool,
    zone: tzinfo,
) -> Post:
    """One post view as a Post; a time without an offset is in ``zone`` (the Department's)."""
    record = view.record
    text = getattr(record, "text", None) or ""
    langs = getattr(record, "langs", None) or []
    handle = view.author.handle
    rkey = view.uri.rsplit("/", 1)[-1]
    return Post(
        source=source.name,
        source_id=view.uri,
        channel=source.channel,
        text=normalise_whitespace(text),
        provenance=provenance,
        url=f"https://bsky.app/profile/{handle}/post/{rkey}",
        author=f"@{handle}",
        created_at=time_or_none(getattr(record, "created_at", None), zone)
        or time_or_none(view.indexed_at, zone),
        lang=langs[0] if langs else None,
        is_official=official,
        metrics=Metrics(
            likes=_count(view.like_count),
            shares=_count(view.repost_count),
            replies=_count(view.reply_count),
            quotes=_count(view.quote_count),
        ),
        raw=view.model_dump(mode="json", by_alias=True, exclude_none=True),
    )


class _BlueskyCollector:
    def __init__(
        self,
        source: BlueskySearchSource | BlueskyAuthorSource,
        http: HttpClient,
        *,
        zone: tzinfo,
    ) -> None:
        self.source = source
        self.settings = http.settings
        self.zone = zone

    def client(self) -> Client:
        return signed_in(self.source.service_url, self.source.login, self.settings)

    def collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        try:
            yield from self._collect(cursor)
        except Misconfigured:  # a revoked app password or an expired refresh token
            forget_sessions(self.source.service_url, self.source.login)
            raise

    def _collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        raise NotImplementedError

    def provenance(self, method: str) -> Provenance:
        return Provenance.now(f"{self.source.service_url}/xrpc/{method}", self.source.kind)


class BlueskySearchCollector(_BlueskyCollector):
    kind = "bluesky_search"
    source: BlueskySearchSource

    def _collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        client = self.client()
        states: dict[str, Any] = dict(cursor.get("queries") or {})
        left = self.source.max_posts_per_run
        for query in self.source.queries:
            state = dict(states.get(query) or {})
            if not state:  # the first run looks back a week, not through all of Bluesky
                state["since"] = _iso(datetime.now(UTC) - FIRST_RUN_DAYS)
            while left > 0:
                pending = state.get("pending") or {}
                params = models.AppBskyFeedSearchPosts.Params(
                    q=query,
                    sort="latest",
                    since=state.get("since"),
                    lang=self.source.lang or None,
                    limit=min(self.source.page_size, left),
                    cursor=pending.get("cursor"),
                )
                response = _call(
                    "search", lambda p=params: client.app.bsky.feed.search_posts(params=p)
                )
                provenance = self.provenance("app.bsky.feed.searchPosts")
                posts = tuple(
                    post_view(
                        v,
                        source=self.source,
                        provenance=provenance,
                        official=False,
                        zone=self.zone,
                    )
                    for v in response.posts
                )
                left -= len(posts)
                newest = max(
                    [pending.get("newest") or "", *(v.indexed_at or "" for v in response.posts)]
                )
                if response.cursor and posts:
                    state["pending"] = {"cursor": response.cursor, "newest": newest}
                else:
                    state.pop("pending", None)
                    if newest:
                        state["since"] = newest
                states[query] = dict(state)
                yield Batch(posts, {**cursor, "queries": dict(states)})
                if "pending" not in state:
                    break


class BlueskyAuthorCollector(_BlueskyCollector):
    kind = "bluesky_author"
    source: BlueskyAuthorSource

    def _collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        client = self.client()
        actor = self.source.actor.lstrip("@")
        oldest = datetime.now(UTC) - timedelta(days=self.source.refresh_days)
        page_cursor: str | None = None
        left = self.source.max_posts_per_run
        while left > 0:
            limit = min(self.source.page_size, left)
            response = _call(
                "author feed",
                lambda c=page_cursor, n=limit: client.get_author_feed(
                    actor, cursor=c, filter="posts_and_author_threads", limit=n
                ),
            )
            provenance = self.provenance("app.bsky.feed.getAuthorFeed")
            own = [
                item.post
                for item in response.feed
                if item.reason is None
                and actor.lower() in (item.post.author.handle.lower(), item.post.author.did.lower())
            ]
            posts = tuple(
                post_view(
                    v, source=self.source, provenance=provenance, official=True, zone=self.zone
                )
                for v in own
            )
            left -= len(response.feed)
            yield Batch(posts, {**cursor, "refreshed_at": datetime.now(UTC).isoformat()})
            times = [p.created_at for p in posts if p.created_at]
            if not response.cursor or not response.feed or (times and min(times) < oldest):
                return
            page_cursor = response.cursor
