"""X (Twitter) API v2 through tweepy: the Department's timelines and local keyword searches.

X bills per post read, so every request asks for no more than the source's remaining
budget (per run and per UTC day, kept in the cursor). Pagination is resumable: while a
search or timeline is being paged, the cursor keeps the page token and the newest id of
the first page; only when the last page is stored does ``since_id`` move forward, so a
run cut short by the budget, a 429 or a crash neither skips nor re-reads posts.

tweepy's own ``requests`` session is replaced by one with timeouts and urllib3 retries
for 5xx; a 429 raises :class:`RateLimited` with the time from ``x-rate-limit-reset``
instead of sleeping. The bearer token comes from the environment and is never put in a
message: tweepy logs request headers at DEBUG, so its logger is kept at INFO.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import requests
import tweepy
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from rumordesk.base.config import CollectSettings
from rumordesk.base.secrets import get_secret
from rumordesk.base.source_settings import XSearchSource, XTimelineSource
from rumordesk.base.times import time_or_none, utc_now
from rumordesk.collectors.budget import ReadBudget
from rumordesk.collectors.errors import CollectorError, Misconfigured, RateLimited, TransientError
from rumordesk.collectors.http import HttpClient, retry_at
from rumordesk.collectors.text import normalise_whitespace
from rumordesk.store.records import Batch, Metrics, Post, Provenance

BEARER_ENV = "RUMORDESK_X_BEARER_TOKEN"
TWEET_FIELDS = ["created_at", "public_metrics", "conversation_id", "lang", "referenced_tweets"]
TWEET_FIELDS = [*TWEET_FIELDS, "author_id"]
EXPANSIONS = ["author_id"]
USER_FIELDS = ["username", "name"]
#: search_recent_tweets takes 10..100 results a page, get_users_tweets 5..100.
SEARCH_MIN_PAGE, TIMELINE_MIN_PAGE, MAX_PAGE = 10, 5, 100
API = "https://api.twitter.com/2"

logging.getLogger("tweepy").setLevel(logging.INFO)  # its DEBUG lines carry the headers


class _TimeoutSession(requests.Session):
    """tweepy calls ``session.request`` without a timeout; this one always has one."""

    def __init__(self, settings: CollectSettings) -> None:
        super().__init__()
        self.timeout = (settings.connect_timeout, settings.read_timeout)
        retry = Retry(
            total=settings.retries,
            backoff_factor=settings.backoff_seconds,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        self.mount("https://", HTTPAdapter(max_retries=retry))

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def make_client(settings: CollectSettings) -> tweepy.Client:
    token = get_secret(BEARER_ENV)
    if not token:
        raise Misconfigured(
            f"${BEARER_ENV} is not set: create an app at developer.x.com and put its "
            "bearer token in the environment or .streamlit/secrets.toml"
        )
    client = tweepy.Client(bearer_token=token, return_type=dict, wait_on_rate_limit=False)
    client.session.close()
    client.session = _TimeoutSession(settings)
    return client


@contextmanager
def x_errors(what: str) -> Iterator[None]:
    """tweepy's and requests' exceptions as the runner's, without tokens or headers."""
    try:
        yield
    except tweepy.TooManyRequests as exc:
        raise RateLimited(f"X API ({what})", retry_at(exc.response.headers)) from None
    except tweepy.Unauthorized:
        raise Misconfigured(
            f"X API answered 401 Unauthorized to {what}: the bearer token in ${BEARER_ENV} "
            "is wrong or revoked"
        ) from None
    except tweepy.Forbidden as exc:
        raise Misconfigured(
            f"X API answered 403 Forbidden to {what}: the app's access level does not allow "
            f"this endpoint{_detail(exc)}"
        ) from None
    except tweepy.TwitterServerError as exc:
        raise TransientError(f"X API answered HTTP {exc.response.status_code} to {what}") from None
    except tweepy.HTTPException as exc:
        raise CollectorError(
            f"X API answered HTTP {exc.response.status_code} to {what}{_detail(exc)}"
        ) from None
    except requests.exceptions.Timeout:
        raise TransientError(f"X API: {what} timed out") from None
    except requests.exceptions.RetryError:
        raise TransientError(f"X API kept failing for {what} after retries") from None
    except requests.exceptions.RequestException as exc:
        raise TransientError(f"X API: {what} failed ({type(exc).__name__})") from None


def _detail(exc: tweepy.HTTPException) -> str:
    messages = [m for m in exc.api_messages if isinstance(m, str)][:2]
    return f" ({'; '.join(messages)[:300]})" if messages else ""


def _count(metrics: Mapping[str, Any], key: str) -> int | None:
    value = metrics.get(key)
    return value if isinstance(value, int) and value >= 0 else None


def tweet_post(
    tweet: Mapping[str, Any],
    users: Mapping[str, Mapping[str, Any]],
    *,
    source: XTimelineSource | XSearchSource,
    provenance: Provenance,
    zone: tzinfo,
) -> Post:
    """One v2 tweet object (with its expanded author, when given) as a Post; a time
    without an offset is in ``zone`` (the Department's)."""
    user = users.get(str(tweet.get("author_id"))) or {}
    username = user.get("username")
    tweet_id = str(tweet["id"])
    public = tweet.get("public_metrics") or {}
    return Post(
        source=source.name,
        source_id=tweet_id,
        channel=source.channel,
        # v2 escapes &, < and > in text; one unescape gives what the reader saw.
        text=normalise_whitespace(html.unescape(tweet.get("text") or "")),
        provenance=provenance,
        url=f"https://x.com/{username}/status/{tweet_id}"
        if username
        else f"https://x.com/i/web/status/{tweet_id}",
        author=f"@{username}" if username else None,
        created_at=time_or_none(tweet.get("created_at"), zone),
        lang=tweet.get("lang"),
        is_official=source.official,
        metrics=Metrics(
            likes=_count(public, "like_count"),
            shares=_count(public, "retweet_count"),
            replies=_count(public, "reply_count"),
            quotes=_count(public, "quote_count"),
            views=_count(public, "impression_count"),
        ),
        raw={"tweet": dict(tweet), "author": dict(user) if user else None},
    )


def _users(body: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(u["id"]): u for u in (body.get("includes") or {}).get("users", []) if "id" in u}


class _XCollector:
    source: XTimelineSource | XSearchSource

    def __init__(
        self,
        source: XTimelineSource | XSearchSource,
        http: HttpClient,
        *,
        zone: tzinfo,
        client: tweepy.Client | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.source = source
        self.zone = zone
        self.settings = http.settings
        self._client = client
        self.clock = clock or (lambda: utc_now())
        self.budget: ReadBudget | None = None

    @property
    def client(self) -> tweepy.Client:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    def _budget(self, cursor: Mapping[str, Any]) -> ReadBudget:
        return ReadBudget.from_cursor(
            cursor,
            per_run=self.source.max_reads_per_run,
            per_day=self.source.max_reads_per_day,
            now=self.clock(),
        )

    def _page_size(self, budget: ReadBudget, minimum: int) -> int | None:
        """The page to ask for, or None when the budget cannot pay for the smallest page."""
        size = min(self.source.page_size, budget.remaining, MAX_PAGE)
        return size if size >= minimum else None

    def _posts(self, body: Mapping[str, Any], url: str) -> tuple[Post, ...]:
        provenance = Provenance.now(url, self.source.kind)
        users = _users(body)
        return tuple(
            tweet_post(t, users, source=self.source, provenance=provenance, zone=self.zone)
            for t in body.get("data") or []
        )


class XSearchCollector(_XCollector):
    """search_recent_tweets for each built query, page by page within the read budget."""

    kind = "x_search"
    source: XSearchSource

    def collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        budget = self._budget(cursor)
        queries = self.source.search_queries()
        # a query taken out of the configuration takes its state with it
        states: dict[str, Any] = {
            q: s for q, s in (cursor.get("queries") or {}).items() if q in queries
        }
        for query in queries:
            state = dict(states.get(query) or {})
            while True:
                size = self._page_size(budget, SEARCH_MIN_PAGE)
                if size is None:
                    return
                pending = state.get("pending") or {}
                params = _page_params(size, state)
                if pending.get("next_token"):
                    params["next_token"] = pending["next_token"]
                with x_errors("the recent search"):
                    body = self.client.search_recent_tweets(query, **params)
                posts = self._posts(body, f"{API}/tweets/search/recent")
                budget.spend(len(body.get("data") or []))
                meta = body.get("meta") or {}
                _advance(state, pending, meta)
                states[query] = dict(state)
                yield Batch(posts, {**cursor, "queries": dict(states), "reads": budget.as_cursor()})
                if "pending" not in state:
                    break


class XTimelineCollector(_XCollector):
    """get_users_tweets for each Department account; metrics of recent posts re-read."""

    kind = "x_timeline"
    source: XTimelineSource

    def collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        cursor = dict(cursor)
        budget = self._budget(cursor)
        handles = [h.lstrip("@").lower() for h in self.source.accounts]
        user_ids: dict[str, str] = dict(cursor.get("user_ids") or {})
        missing = [h for h in handles if h not in user_ids]
        if missing:
            user_ids.update(self._resolve(missing))
            cursor["user_ids"] = user_ids
            yield Batch((), {**cursor, "reads": budget.as_cursor()})
        seen: set[str] = set()
        for handle in handles:
            for batch in self._timeline(cursor, budget, handle, user_ids[handle]):
                cursor = dict(batch.cursor)
                seen.update(post.source_id for post in batch.posts)
                yield batch
        yield from self._refresh(cursor, budget, seen)

    def _resolve(self, handles: list[str]) -> dict[str, str]:
        """Handles to ids once; the ids are kept in the cursor (handles can be renamed)."""
        with x_errors("the account lookup"):
            body = self.client.get_users(usernames=handles, user_fields=["username"])
        found = {
            u["username"].lower(): str(u["id"])
            for u in body.get("data") or []
            if u.get("username", "").lower() in handles
        }
        configured = {a.lstrip("@").lower(): a.lstrip("@") for a in self.source.accounts}
        absent = [f"@{configured.get(h, h)}" for h in handles if h not in found]
        if absent:
            raise Misconfigured(f"X has no account {', '.join(absent)}; check `accounts`")
        return found

    def _timeline(
        self, cursor: dict[str, Any], budget: ReadBudget, handle: str, user_id: str
    ) -> Iterator[Batch]:
        states: dict[str, Any] = dict(cursor.get("timelines") or {})
        state = dict(states.get(handle) or {})
        recent: dict[str, str] = dict(cursor.get("recent") or {})
        while True:
            size = self._page_size(budget, TIMELINE_MIN_PAGE)
            if size is None:
                return
            pending = state.get("pending") or {}
            params = _page_params(size, state)
            if "since_id" not in params:
                start = self.clock() - timedelta(days=self.source.backfill_days)
                params["start_time"] = state.setdefault("start_time", _iso(start))
            if pending.get("next_token"):
                params["pagination_token"] = pending["next_token"]
            with x_errors(f"the timeline of @{handle}"):
                body = self.client.get_users_tweets(user_id, **params)
            posts = self._posts(body, f"{API}/users/{user_id}/tweets")
            budget.spend(len(body.get("data") or []))
            for post in posts:
                recent[post.source_id] = _iso(post.created_at or self.clock())
            meta = body.get("meta") or {}
            _advance(state, pending, meta)
            states[handle] = dict(state)
            cursor = {
                **cursor,
                "timelines": dict(states),
                "recent": self._prune(recent),
                "reads": budget.as_cursor(),
            }
            yield Batch(posts, cursor)
            if "pending" not in state:
                return

    def _prune(self, recent: Mapping[str, str]) -> dict[str, str]:
        oldest = self.clock() - timedelta(days=self.source.refresh_days)
        return {i: t for i, t in recent.items() if (time_or_none(t, self.zone) or oldest) > oldest}

    def _refresh(
        self, cursor: dict[str, Any], budget: ReadBudget, seen: set[str]
    ) -> Iterator[Batch]:
        """Re-read metrics of recent posts not read this run, at most every N seconds."""
        now = self.clock()
        last = time_or_none(cursor.get("refreshed_at"), self.zone)
        if last and now - last < timedelta(seconds=self.source.refresh_every_seconds):
            return
        stale = [i for i in sorted(self._prune(cursor.get("recent") or {})) if i not in seen]
        for start in range(0, len(stale), MAX_PAGE):
            ids = stale[start : start + min(MAX_PAGE, budget.remaining)]
            if not ids:
                return  # out of budget: refreshed_at stays, so the next run tries again
            with x_errors("the metrics refresh"):
                body = self.client.get_tweets(
                    ids, tweet_fields=TWEET_FIELDS, expansions=EXPANSIONS, user_fields=USER_FIELDS
                )
            budget.spend(len(body.get("data") or []))
            cursor = {**cursor, "reads": budget.as_cursor()}
            if start + MAX_PAGE >= len(stale):
                cursor["refreshed_at"] = _iso(now)
            yield Batch(self._posts(body, f"{API}/tweets"), cursor)
        if not stale:
            yield Batch((), {**cursor, "refreshed_at": _iso(now), "reads": budget.as_cursor()})


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _page_params(size: int, state: Mapping[str, Any]) -> dict[str, Any]:
    """The fields every page asks for, and ``since_id`` once a first pass has finished."""
    params: dict[str, Any] = {
        "max_results": size,
        "tweet_fields": TWEET_FIELDS,
        "expansions": EXPANSIONS,
        "user_fields": USER_FIELDS,
    }
    if state.get("since_id"):
        params["since_id"] = state["since_id"]
    return params


def _advance(state: dict[str, Any], pending: Mapping[str, Any], meta: Mapping[str, Any]) -> None:
    """Keep the next page's token and the first page's newest id until the last page; only
    then does that newest id become ``since_id`` (and a timeline's backfill start is done),
    so a run cut off mid-way resumes its pages instead of skipping them."""
    newest = pending.get("newest_id") or meta.get("newest_id")
    if meta.get("next_token"):
        state["pending"] = {"next_token": meta["next_token"], "newest_id": newest}
        return
    state.pop("pending", None)
    if newest:
        state["since_id"] = newest
        state.pop("start_time", None)
