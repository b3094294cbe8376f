"""The Department's Facebook Page and Instagram professional account, via the Graph API.

Each run re-reads the posts of the last ``days`` (engagement keeps moving for days after
posting), so the store's metric snapshots grow without a separate refresh. Facebook posts
bring reactions, comments, shares and the "views" insight (``post_media_view``; the
impressions metrics were removed in November 2025); Instagram media bring likes, comments
and the configured insights (views, shares…).

The token travels in the Authorization header, never in a URL: the ``paging.next`` links
the API returns carry ``access_token`` and it is removed before they are followed. Graph
errors arrive as JSON bodies with a code — 190 expired token, 10/200-299 missing
permission, 4/17/32/613 rate limits — and each becomes a message a person can act on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rumordesk.base.secrets import get_secret
from rumordesk.base.source_settings import FacebookPageSource, InstagramSource
from rumordesk.base.times import time_or_none
from rumordesk.base.urls import safe_url
from rumordesk.collectors.errors import CollectorError, Misconfigured, RateLimited, TransientError
from rumordesk.collectors.http import Fetched, HttpClient
from rumordesk.collectors.text import normalise_whitespace
from rumordesk.store.records import Batch, Metrics, Post, Provenance

log = logging.getLogger(__name__)

FACEBOOK_TOKEN_ENV = "RUMORDESK_FACEBOOK_PAGE_TOKEN"  # noqa: S105 - a variable name
INSTAGRAM_TOKEN_ENV = "RUMORDESK_INSTAGRAM_TOKEN"  # noqa: S105 - a variable name
#: Graph rate-limit codes: app (4), user (17), Page/business (32, 80001-80014), call (613).
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
#: When a rate limit says nothing about when it lifts.
DEFAULT_WAIT = timedelta(minutes=15)
MAX_WAIT = timedelta(hours=6)


class GraphError(CollectorError):
    """An error body from the Graph API (code, message) that is not handled otherwise."""


def page_token(token_env: str) -> str:
    """The Page access token from the environment or secrets, or why it is missing."""
    token = get_secret(token_env)
    if not token:
        raise Misconfigured(
            f"${token_env} is not set: put the Page access token in the environment "
            "or .streamlit/secrets.toml (README, 'Channel credentials')"
        )
    return token


def graph_base(graph_url: str, api_version: str) -> str:
    """The versioned Graph API root every request starts from."""
    return f"{graph_url.rstrip('/')}/{api_version}"


def graph_error(fetched: Fetched, *, token_env: str, permissions: str) -> CollectorError:
    """The error body as the runner's error, with what to do about it."""
    try:
        error = json.loads(fetched.body or b"{}").get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode")
    message = normalise_whitespace(str(error.get("message") or ""))[:300]
    what = f"Graph API error {code}" + (f"/{subcode}" if subcode else "") + f": {message}"
    if code == 190:
        return Misconfigured(
            f"{what} — the token in ${token_env} has expired or was revoked; generate a new "
            "long-lived Page token (README, 'Channel credentials')"
        )
    if code in (10, 3) or (code is not None and 200 <= code <= 299):
        return Misconfigured(f"{what} — the token lacks a permission; it needs {permissions}")
    if code in RATE_LIMIT_CODES or fetched.status == 429:
        return RateLimited("the Graph API", _regain_at(fetched.headers))
    if code in (1, 2) or fetched.status >= 500:
        return TransientError(f"{what or 'HTTP ' + str(fetched.status)} (temporary)")
    if not error:
        if fetched.status in (401, 403):
            return Misconfigured(f"HTTP {fetched.status} from the Graph API: check ${token_env}")
        return GraphError(f"HTTP {fetched.status} from the Graph API without an error body")
    return GraphError(what)


def _regain_at(headers: Mapping[str, str], now: datetime | None = None) -> datetime:
    """From X-Business-Use-Case-Usage's estimated_time_to_regain_access (minutes)."""
    now = now or datetime.now(UTC)
    minutes = 0
    for name in ("X-Business-Use-Case-Usage", "X-Ad-Account-Usage"):
        try:
            usage = json.loads(headers.get(name) or "{}")
        except ValueError:
            continue
        for entries in usage.values() if isinstance(usage, dict) else ():
            for entry in entries if isinstance(entries, list) else [entries]:
                if isinstance(entry, dict):
                    value = entry.get("estimated_time_to_regain_access")
                    if isinstance(value, int | float):
                        minutes = max(minutes, int(value))
    wait = timedelta(minutes=minutes) if minutes else DEFAULT_WAIT
    return now + min(wait, MAX_WAIT)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def insight_values(item: Mapping[str, Any]) -> dict[str, int]:
    """``{"views": 120, …}`` from an ``insights`` field expansion."""
    found: dict[str, int] = {}
    for metric in (item.get("insights") or {}).get("data") or []:
        values = metric.get("values") or []
        value = values[-1].get("value") if values and isinstance(values[-1], dict) else None
        if "total_value" in metric:  # the newer shape: {"total_value": {"value": 12}}
            value = (metric.get("total_value") or {}).get("value", value)
        if (number := _count(value)) is not None:
            found[str(metric.get("name"))] = number
    return found


def without_token(url: str) -> str:
    """A ``paging.next`` link without its ``access_token`` (the header carries it)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if k.lower() not in ("access_token", "appsecret_proof")]
    return urlunsplit(parts._replace(query=urlencode(kept)))


class _GraphCollector:
    token_env: str
    permissions: str
    source: FacebookPageSource | InstagramSource

    def __init__(
        self, source: FacebookPageSource | InstagramSource, http: HttpClient, *, zone: tzinfo
    ) -> None:
        self.source = source
        self.http = http
        self.zone = zone

    def token(self) -> str:
        return page_token(self.token_env)

    def base(self) -> str:
        return graph_base(self.source.graph_url, self.source.api_version)

    def first_url(self, since: datetime) -> str:
        raise NotImplementedError

    def item_post(self, item: Mapping[str, Any], provenance: Provenance) -> Post | None:
        raise NotImplementedError

    def without_insights(self, url: str) -> str:
        return url

    def collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        headers = {"Authorization": f"Bearer {self.token()}"}
        since = datetime.now(UTC) - timedelta(days=self.source.days)
        url: str | None = self.first_url(since)
        insights = True
        pages = 0
        while url and pages < self.source.max_pages:
            fetched = self.http.get(url, headers=headers, raise_for_status=False)
            if fetched.status != 200:
                error = graph_error(fetched, token_env=self.token_env, permissions=self.permissions)
                if insights and _insights_refused(error):
                    log.warning("%s: insights refused (%s); reading without them", self, error)
                    insights = False
                    url = self.without_insights(url)
                    continue
                raise error
            pages += 1
            body = _json(fetched)
            provenance = Provenance.now(_shown(fetched.url), self.source.kind)
            items = body.get("data") or []
            posts = tuple(p for p in (self.item_post(i, provenance) for i in items) if p)
            yield Batch(posts, {**cursor, "last_window_start": since.isoformat()})
            oldest = min((p.created_at for p in posts if p.created_at), default=None)
            if oldest and oldest < since:
                return  # pages run newest first: the rest is older than the window
            following = (body.get("paging") or {}).get("next")
            url = self._follow(following) if following else None
            if url and not insights:
                url = self.without_insights(url)

    def _follow(self, link: str) -> str:
        """Only links back to the configured Graph host are followed, token removed."""
        target, base = urlsplit(link), urlsplit(self.source.graph_url)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            raise GraphError(f"paging link to another host ({target.netloc}); not followed")
        return without_token(link)

    def __str__(self) -> str:
        return self.source.name


def _insights_refused(error: CollectorError) -> bool:
    text = str(error).lower()
    return isinstance(error, GraphError) and "error 100" in text and "metric" in text


def _json(fetched: Fetched) -> dict[str, Any]:
    try:
        body = json.loads(fetched.body)
    except ValueError:
        raise GraphError(f"{_shown(fetched.url)}: the answer is not JSON") from None
    if not isinstance(body, dict):
        raise GraphError(f"{_shown(fetched.url)}: unexpected answer shape")
    return body


def _shown(url: str) -> str:
    return without_token(url)


class FacebookPageCollector(_GraphCollector):
    kind = "facebook_page"
    token_env = FACEBOOK_TOKEN_ENV
    permissions = "pages_read_engagement, pages_read_user_content and read_insights"
    source: FacebookPageSource

    def _fields(self, insights: bool = True) -> str:
        fields = [
            "id",
            "message",
            "story",
            "created_time",
            "permalink_url",
            "status_type",
            "shares",
            "reactions.summary(total_count).limit(0)",
            "comments.summary(total_count).limit(0)",
        ]
        if insights and self.source.views_metric:
            fields.append(f"insights.metric({self.source.views_metric}){{name,values}}")
        return ",".join(fields)

    def first_url(self, since: datetime) -> str:
        query = urlencode(
            {
                "fields": self._fields(),
                "since": int(since.timestamp()),
                "limit": self.source.page_size,
            }
        )
        return f"{self.base()}/{self.source.page_id}/posts?{query}"

    def without_insights(self, url: str) -> str:
        return _replace_param(url, "fields", self._fields(insights=False))

    def item_post(self, item: Mapping[str, Any], provenance: Provenance) -> Post | None:
        if "id" not in item:
            return None
        text = normalise_whitespace(str(item.get("message") or item.get("story") or ""))
        insights = insight_values(item)
        return Post(
            source=self.source.name,
            source_id=str(item["id"]),
            channel=self.source.channel,
            text=text or f"({item.get('status_type') or 'post'} without text)",
            provenance=provenance,
            url=safe_url(item.get("permalink_url")),
            created_at=time_or_none(item.get("created_time"), self.zone),
            is_official=self.source.official,
            metrics=Metrics(
                likes=_count(
                    ((item.get("reactions") or {}).get("summary") or {}).get("total_count")
                ),
                replies=_count(
                    ((item.get("comments") or {}).get("summary") or {}).get("total_count")
                ),
                # Graph leaves out `shares` when nobody shared the post.
                shares=_count((item.get("shares") or {"count": 0}).get("count")),
                views=insights.get(self.source.views_metric),
            ),
            raw=dict(item),
        )


class InstagramCollector(_GraphCollector):
    kind = "instagram"
    token_env = INSTAGRAM_TOKEN_ENV
    permissions = "instagram_basic and instagram_manage_insights (and pages_read_engagement)"
    source: InstagramSource

    def token(self) -> str:
        return get_secret(INSTAGRAM_TOKEN_ENV) or get_secret(FACEBOOK_TOKEN_ENV) or super().token()

    def _fields(self, insights: bool = True) -> str:
        fields = [
            "id",
            "caption",
            "media_type",
            "media_product_type",
            "permalink",
            "timestamp",
            "like_count",
            "comments_count",
        ]
        if insights and self.source.insights:
            fields.append(f"insights.metric({','.join(self.source.insights)}){{name,values}}")
        return ",".join(fields)

    def first_url(self, since: datetime) -> str:
        query = urlencode({"fields": self._fields(), "limit": self.source.page_size})
        return f"{self.base()}/{self.source.ig_user_id}/media?{query}"

    def without_insights(self, url: str) -> str:
        return _replace_param(url, "fields", self._fields(insights=False))

    def item_post(self, item: Mapping[str, Any], provenance: Provenance) -> Post | None:
        if "id" not in item:
            return None
        insights = insight_values(item)
        text = normalise_whitespace(str(item.get("caption") or ""))
        return Post(
            source=self.source.name,
            source_id=str(item["id"]),
            channel=self.source.channel,
            text=text or f"({str(item.get('media_type') or 'media').lower()} without caption)",
            provenance=provenance,
            url=safe_url(item.get("permalink")),
            created_at=time_or_none(item.get("timestamp"), self.zone),
            is_official=self.source.official,
            metrics=Metrics(
                # like_count is left out when the account hides like counts: unknown.
                likes=_count(item.get("like_count")),
                replies=_count(item.get("comments_count")),
                shares=insights.get("shares"),
                views=insights.get("views"),
            ),
            raw=dict(item),
        )


def _replace_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, value if k == name else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query)))
