"""Comments under the Department's own Facebook Page posts and Instagram media.

During an incident the first "is it true there's a shooter at Valley Fair??" is often a
comment under the Department's own post. Each run lists the Department's posts of the
last ``days`` with their comment counts (one light request per page of posts), and reads
the comments of those whose count moved since the last run — newest posts first, at most
``max_threads_per_run`` — page by page (``paging.next``, token removed), at most
``max_replies_per_thread`` each. Every comment is stored as a post of its thread:
``in_reply_to`` is the Department post's id (store/threads.py links the two), so it is
scored with that post as its first context and the rumour says where it was seen.

What is not stored: comments the Page has hidden (``is_hidden``, Instagram's ``hidden``:
not public), the Department's own replies (its words are in its posts), and anything
under a post that is not the Department's (the thread list comes from the Department's
own account, and a comment whose thread is not in it is dropped). ``from`` is read only
where the API returns it (Page-owned posts, with the Page token) and is kept beside its
one comment, never listed. A deleted post (Graph error 100) drops out of the thread list
without failing the run; rate limits and token problems are the Page collector's
(:func:`rumordesk.collectors.graph.graph_error`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode, urlsplit

from rumordesk.base.secrets import get_secret
from rumordesk.base.source_settings import FacebookCommentsSource, InstagramCommentsSource
from rumordesk.base.times import time_or_none
from rumordesk.base.urls import safe_url
from rumordesk.collectors.errors import CollectorError
from rumordesk.collectors.graph import (
    FACEBOOK_TOKEN_ENV,
    INSTAGRAM_TOKEN_ENV,
    GraphError,
    _json,
    _shown,
    graph_base,
    graph_error,
    page_token,
    without_token,
)
from rumordesk.collectors.http import HttpClient
from rumordesk.collectors.text import normalise_whitespace
from rumordesk.store.records import Batch, Metrics, Post, Provenance

log = logging.getLogger(__name__)

#: Graph's "object does not exist" (a post deleted since it was listed).
GONE_CODES = frozenset({100, 803})


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class _CommentsCollector:
    token_env: str
    permissions: str
    source: FacebookCommentsSource | InstagramCommentsSource

    def __init__(
        self,
        source: FacebookCommentsSource | InstagramCommentsSource,
        http: HttpClient,
        *,
        zone: tzinfo,
    ) -> None:
        self.source = source
        self.http = http
        self.zone = zone

    # --- what each platform differs in ------------------------------------------------

    def threads_url(self, since: datetime) -> str:
        raise NotImplementedError

    def thread_of(self, item: Mapping[str, Any]) -> tuple[str, datetime | None, int | None]:
        """A listed Department post: ``(id, published, comment count)``."""
        raise NotImplementedError

    def comments_url(self, post_id: str) -> str:
        raise NotImplementedError

    def comments_of(self, item: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        """A comment and the replies to it the answer carries."""
        yield item

    def comment_post(
        self, item: Mapping[str, Any], thread: str, provenance: Provenance
    ) -> Post | None:
        raise NotImplementedError

    # --- the run -------------------------------------------------------------------------

    def token(self) -> str:
        return page_token(self.token_env)

    def base(self) -> str:
        return graph_base(self.source.graph_url, self.source.api_version)

    def collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        headers = {"Authorization": f"Bearer {self.token()}"}
        since = datetime.now(UTC) - timedelta(days=self.source.days)
        known: dict[str, Any] = dict(cursor.get("threads") or {})
        listed = self._list_threads(headers, since)
        # keep only the threads still in the window (a post older than `days` is done)
        threads = {post_id: known.get(post_id) or {} for post_id, _, _ in listed}
        due = [
            (post_id, count)
            for post_id, _, count in listed
            if not threads[post_id].get("gone") and _moved(count, threads[post_id].get("count"))
        ][: self.source.max_threads_per_run]
        if not due:
            yield Batch((), {"threads": threads}, requests=0)
            return
        for post_id, count in due:
            posts, done = self._read_thread(headers, post_id)
            if done:
                threads[post_id] = {"count": count}
            else:
                threads[post_id] = {"gone": True}  # deleted since it was listed
            yield Batch(posts, {"threads": dict(threads)})

    def _list_threads(
        self, headers: Mapping[str, str], since: datetime
    ) -> list[tuple[str, datetime | None, int | None]]:
        """The Department's posts of the window, newest first, with their comment counts."""
        url: str | None = self.threads_url(since)
        found: list[tuple[str, datetime | None, int | None]] = []
        pages = 0
        while url and pages < self.source.max_pages:
            body = self._get(url, headers)
            pages += 1
            for item in body.get("data") or []:
                if isinstance(item, Mapping) and item.get("id"):
                    found.append(self.thread_of(item))
            times = [t for _, t, _ in found if t]
            if times and min(times) < since:
                break  # newest first: the rest is older than the window
            following = (body.get("paging") or {}).get("next")
            url = self._follow(following) if following else None
        return [(i, t, c) for i, t, c in found if t is None or t >= since]

    def _read_thread(
        self, headers: Mapping[str, str], post_id: str
    ) -> tuple[tuple[Post, ...], bool]:
        """The comments of one Department post; ``False`` when the post is gone."""
        url: str | None = self.comments_url(post_id)
        posts: list[Post] = []
        pages = 0
        while url and pages < self.source.max_pages and len(posts) < self._cap:
            try:
                body = self._get(url, headers)
            except GraphError as exc:
                if pages == 0 and _gone(exc):
                    log.info("%s: post %s is gone (%s); its thread is dropped", self, post_id, exc)
                    return (), False
                raise
            pages += 1
            provenance = Provenance.now(_shown(url), self.source.kind)
            for item in body.get("data") or []:
                for comment in self.comments_of(item):
                    post = self.comment_post(comment, post_id, provenance)
                    if post is not None:
                        posts.append(post)
            following = (body.get("paging") or {}).get("next")
            url = self._follow(following) if following else None
        return tuple(posts[: self._cap]), True

    @property
    def _cap(self) -> int:
        return self.source.max_replies_per_thread

    def _get(self, url: str, headers: Mapping[str, str]) -> dict[str, Any]:
        fetched = self.http.get(url, headers=dict(headers), raise_for_status=False)
        if fetched.status != 200:
            raise graph_error(fetched, token_env=self.token_env, permissions=self.permissions)
        return _json(fetched)

    def _follow(self, link: str) -> str:
        target, base = urlsplit(link), urlsplit(self.source.graph_url)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            raise GraphError(f"paging link to another host ({target.netloc}); not followed")
        return without_token(link)

    def __str__(self) -> str:
        return self.source.name


def _moved(count: int | None, known: int | None) -> bool:
    """Read a thread when its comment count is unknown or moved (a post nobody has
    commented on yet is not asked about)."""
    if count is None:
        return True
    return count != known and (count > 0 or known is not None)


def _gone(error: CollectorError) -> bool:
    text = str(error)
    return any(f"error {code}" in text for code in GONE_CODES)


class FacebookCommentsCollector(_CommentsCollector):
    """Comments under the Department's Page posts (``filter=stream``: replies to comments
    too, each with its ``parent``), newest first."""

    kind = "facebook_comments"
    token_env = FACEBOOK_TOKEN_ENV
    permissions = "pages_read_engagement and pages_read_user_content"
    source: FacebookCommentsSource

    def threads_url(self, since: datetime) -> str:
        query = urlencode(
            {
                "fields": "id,created_time,comments.summary(total_count).limit(0)",
                "since": int(since.timestamp()),
                "limit": 25,
            }
        )
        return f"{self.base()}/{self.source.department_page_id}/posts?{query}"

    def thread_of(self, item: Mapping[str, Any]) -> tuple[str, datetime | None, int | None]:
        summary = (item.get("comments") or {}).get("summary") or {}
        return (
            str(item["id"]),
            time_or_none(item.get("created_time"), self.zone),
            _count(summary.get("total_count")),
        )

    def comments_url(self, post_id: str) -> str:
        query = urlencode(
            {
                "fields": "id,message,created_time,from,is_hidden,like_count,comment_count,"
                "permalink_url,parent{id}",
                "filter": "stream",
                "order": "reverse_chronological",
                "limit": self.source.page_size,
            }
        )
        return f"{self.base()}/{post_id}/comments?{query}"

    def comment_post(
        self, item: Mapping[str, Any], thread: str, provenance: Provenance
    ) -> Post | None:
        if not item.get("id") or item.get("is_hidden"):
            return None  # hidden by the Page: not public
        author = item.get("from") if isinstance(item.get("from"), Mapping) else {}
        if str(author.get("id")) == self.source.department_page_id:
            return None  # the Department's own reply: its words are in its posts
        name = normalise_whitespace(str(author.get("name") or ""))[:200]
        text = normalise_whitespace(str(item.get("message") or ""))
        if not text:
            return None  # a sticker or a photo alone: nothing to read
        return Post(
            source=self.source.name,
            source_id=str(item["id"]),
            channel=self.source.channel,
            text=text,
            provenance=provenance,
            url=safe_url(item.get("permalink_url")),
            author=name or None,
            created_at=time_or_none(item.get("created_time"), self.zone),
            metrics=Metrics(
                likes=_count(item.get("like_count")), replies=_count(item.get("comment_count"))
            ),
            raw=dict(item),
            in_reply_to=thread,
        )


class InstagramCommentsCollector(_CommentsCollector):
    """Comments under the Department's Instagram media, with the replies to each."""

    kind = "instagram_comments"
    token_env = INSTAGRAM_TOKEN_ENV
    permissions = "instagram_basic and instagram_manage_comments"
    source: InstagramCommentsSource

    def token(self) -> str:
        return get_secret(INSTAGRAM_TOKEN_ENV) or get_secret(FACEBOOK_TOKEN_ENV) or super().token()

    def threads_url(self, since: datetime) -> str:
        query = urlencode({"fields": "id,timestamp,comments_count", "limit": 25})
        return f"{self.base()}/{self.source.department_ig_user_id}/media?{query}"

    def thread_of(self, item: Mapping[str, Any]) -> tuple[str, datetime | None, int | None]:
        return (
            str(item["id"]),
            time_or_none(item.get("timestamp"), self.zone),
            _count(item.get("comments_count")),
        )

    def comments_url(self, post_id: str) -> str:
        fields = "id,text,timestamp,username,like_count,hidden"
        query = urlencode(
            {"fields": f"{fields},replies{{{fields}}}", "limit": self.source.page_size}
        )
        return f"{self.base()}/{post_id}/comments?{query}"

    def comments_of(self, item: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        yield item
        for reply in (item.get("replies") or {}).get("data") or []:
            if isinstance(reply, Mapping):
                yield reply

    def comment_post(
        self, item: Mapping[str, Any], thread: str, provenance: Provenance
    ) -> Post | None:
        if not item.get("id") or item.get("hidden"):
            return None  # hidden by the account: not public
        text = normalise_whitespace(str(item.get("text") or ""))
        if not text:
            return None
        username = item.get("username")
        return Post(
            source=self.source.name,
            source_id=str(item["id"]),
            channel=self.source.channel,
            text=text,
            provenance=provenance,
            author=f"@{username}" if isinstance(username, str) and username else None,
            created_at=time_or_none(item.get("timestamp"), self.zone),
            metrics=Metrics(likes=_count(item.get("like_count"))),
            raw=dict(item),
            in_reply_to=thread,
        )
