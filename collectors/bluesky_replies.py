"""Replies under the Department's own Bluesky posts (``app.bsky.feed.getPostThread``).

Each run reads the Department's own posts of the last ``days`` (``getAuthorFeed`` with
``posts_no_replies``: its posts, not its replies or reposts) and, for those whose reply
count moved since the last run — newest first, at most ``max_threads_per_run`` — the
thread below each, ``depth`` levels of replies to replies. Every reply is stored as a post
of its thread: ``in_reply_to`` is the Department post's at:// URI, the ``source_id`` the
``bluesky_author`` source stores it under. Deleted (``notFoundPost``) and blocked
(``blockedPost``) replies are skipped, and so are the Department's own replies. The
signed-in session, errors and rate limits are those of :mod:`rumordesk.collectors.bluesky`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from atproto import models

from rumordesk.base.source_settings import BlueskyRepliesSource
from rumordesk.base.times import time_or_none
from rumordesk.collectors.bluesky import _BlueskyCollector, _call, post_view
from rumordesk.store.records import Batch, Post

_ThreadView = models.AppBskyFeedDefs.ThreadViewPost


class BlueskyRepliesCollector(_BlueskyCollector):
    kind = "bluesky_replies"
    source: BlueskyRepliesSource  # type: ignore[assignment]

    def _collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        client = self.client()
        actor = self.source.department_actor.lstrip("@").lower()
        roots = self._roots(client, actor)
        known: dict[str, Any] = dict(cursor.get("threads") or {})
        threads = {uri: dict(known.get(uri) or {}) for uri, _ in roots}
        due = [
            (uri, count)
            for uri, count in roots
            if count is None or (count != threads[uri].get("count") and (count or uri in known))
        ][: self.source.max_threads_per_run]
        yield Batch((), {"threads": {k: dict(v) for k, v in threads.items()}})
        for uri, count in due:
            response = _call(
                "thread",
                lambda u=uri: client.app.bsky.feed.get_post_thread(
                    params=models.AppBskyFeedGetPostThread.Params(
                        uri=u, depth=self.source.depth, parent_height=0
                    )
                ),
            )
            posts = self._replies(response.thread, uri, actor)
            threads[uri]["count"] = count
            yield Batch(posts, {"threads": {k: dict(v) for k, v in threads.items()}})

    def _roots(self, client: Any, actor: str) -> list[tuple[str, int | None]]:
        """The Department's own posts of the window, newest first, with reply counts."""
        oldest = datetime.now(UTC) - timedelta(days=self.source.days)
        found: list[tuple[str, int | None]] = []
        page: str | None = None
        for _ in range(10):
            response = _call(
                "author feed",
                lambda c=page: client.get_author_feed(
                    self.source.department_actor.lstrip("@"),
                    cursor=c,
                    filter="posts_no_replies",
                    limit=self.source.page_size,
                ),
            )
            times = []
            for item in response.feed:
                view = item.post
                own = actor in (view.author.handle.lower(), view.author.did.lower())
                if item.reason is not None or not own:
                    continue  # a repost, or someone else's post in the feed
                created = getattr(view.record, "created_at", None) or view.indexed_at
                moment = time_or_none(created, self.zone)
                times.append(moment)
                if moment is None or moment >= oldest:
                    found.append((view.uri, view.reply_count))
            if not response.cursor or not response.feed or any(t and t < oldest for t in times):
                break
            page = response.cursor
        return found

    def _replies(self, thread: Any, root: str, actor: str) -> tuple[Post, ...]:
        provenance = self.provenance("app.bsky.feed.getPostThread")
        found: list[Post] = []
        stack = list(getattr(thread, "replies", None) or [])
        while stack and len(found) < self.source.max_replies_per_thread:
            node = stack.pop(0)
            if not isinstance(node, _ThreadView):
                continue  # deleted (notFoundPost) or blocked (blockedPost)
            stack.extend(node.replies or [])
            view = node.post
            if actor in (view.author.handle.lower(), view.author.did.lower()):
                continue  # the Department's own reply: its words are in its posts
            post = post_view(
                view, source=self.source, provenance=provenance, official=False, zone=self.zone
            )
            found.append(dataclasses.replace(post, in_reply_to=root))
        return tuple(found)
