"""Replies in the conversations the Department's own X posts started.

Each run first reads what the Department posted since the last run (its timeline without
replies and reposts, ``since_id``), keeping the ids of its posts of the last ``days`` in
the cursor as conversation roots. Then it searches those conversations
(``conversation_id:1 OR conversation_id:2 …``, as many roots as fit in one query, newest
roots first), each root from the newest reply already read (``since_id``) or from when
it was posted. X bills per post read: every request asks for no more than the source's
remaining budget (per run and per UTC day, in the cursor, shown by ``rumordesk
sources``); a search returning nothing costs nothing.

A reply is kept only when its ``conversation_id`` is one of the Department's roots (the
runtime half of the guardrail) and its author is not the Department (its own replies are
its words, read by its timeline source). It is stored with ``in_reply_to`` = the root's
id, which is the Department post's ``source_id`` in the ``x_timeline`` source.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from rumordesk.base.source_settings import XRepliesSource
from rumordesk.base.times import time_or_none
from rumordesk.collectors.budget import ReadBudget
from rumordesk.collectors.errors import Misconfigured
from rumordesk.collectors.x import (
    API,
    EXPANSIONS,
    MAX_PAGE,
    SEARCH_MIN_PAGE,
    TIMELINE_MIN_PAGE,
    TWEET_FIELDS,
    USER_FIELDS,
    _iso,
    _users,
    _XCollector,
    tweet_post,
    x_errors,
)
from rumordesk.store.records import Batch, Post, Provenance

#: Asked of every reply, beside the usual tweet fields.
REPLY_FIELDS = [*TWEET_FIELDS, "in_reply_to_user_id"]


class XRepliesCollector(_XCollector):
    kind = "x_replies"
    source: XRepliesSource  # type: ignore[assignment]

    def collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        cursor = dict(cursor)
        budget = self._budget(cursor)
        user_ids: dict[str, str] = dict(cursor.get("user_ids") or {})
        handles = [h.lstrip("@").lower() for h in self.source.department_accounts]
        missing = [h for h in handles if h not in user_ids]
        if missing:
            user_ids.update(self._resolve(missing))
            cursor["user_ids"] = user_ids
        own = {user_ids[h] for h in handles}
        roots = self._recent_roots(cursor)
        timelines: dict[str, Any] = dict(cursor.get("timelines") or {})
        for handle in handles:
            found, newest = self._new_roots(budget, user_ids[handle], timelines.get(handle))
            roots.update(found)
            if newest:
                timelines[handle] = newest
        cursor.update({"roots": roots, "timelines": timelines, "reads": budget.as_cursor()})
        yield Batch((), dict(cursor), requests=len(handles))
        chosen = sorted(roots, key=int, reverse=True)[: self.source.max_threads_per_run]
        for chunk in self._chunks(chosen):
            for posts in self._search(budget, chunk, roots, own):
                cursor = {**cursor, "roots": dict(roots), "reads": budget.as_cursor()}
                yield Batch(posts, cursor)
            if budget.remaining < SEARCH_MIN_PAGE:
                return

    # --- the Department's conversations ------------------------------------------------

    def _resolve(self, handles: list[str]) -> dict[str, str]:
        with x_errors("the account lookup"):
            body = self.client.get_users(usernames=handles, user_fields=["username"])
        found = {
            u["username"].lower(): str(u["id"])
            for u in body.get("data") or []
            if u.get("username", "").lower() in handles
        }
        absent = [f"@{h}" for h in handles if h not in found]
        if absent:
            raise Misconfigured(f"X has no account {', '.join(absent)}; check department_accounts")
        return found

    def _recent_roots(self, cursor: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        oldest = self.clock() - timedelta(days=self.source.days)
        kept: dict[str, dict[str, Any]] = {}
        for tweet_id, state in (cursor.get("roots") or {}).items():
            at = time_or_none((state or {}).get("at"), self.zone)
            if at and at >= oldest:
                kept[str(tweet_id)] = dict(state)
        return kept

    def _new_roots(
        self, budget: ReadBudget, user_id: str, since_id: str | None
    ) -> tuple[dict[str, dict[str, Any]], str | None]:
        """The Department's posts since ``since_id`` (or of the last ``days``)."""
        found: dict[str, dict[str, Any]] = {}
        newest = since_id
        token: str | None = None
        while True:
            size = self._page_size(budget, TIMELINE_MIN_PAGE)
            if size is None:
                break
            params: dict[str, Any] = {
                "max_results": size,
                "exclude": ["retweets", "replies"],
                "tweet_fields": ["created_at", "conversation_id"],
            }
            if since_id:
                params["since_id"] = since_id
            else:
                params["start_time"] = _iso(self.clock() - timedelta(days=self.source.days))
            if token:
                params["pagination_token"] = token
            with x_errors("the Department's timeline"):
                body = self.client.get_users_tweets(user_id, **params)
            tweets = body.get("data") or []
            budget.spend(len(tweets))
            for tweet in tweets:
                at = time_or_none(tweet.get("created_at"), self.zone) or self.clock()
                found[str(tweet["id"])] = {"at": _iso(at)}
            meta = body.get("meta") or {}
            if meta.get("newest_id") and (newest is None or int(meta["newest_id"]) > int(newest)):
                newest = str(meta["newest_id"])
            token = meta.get("next_token")
            if not token:
                break
        return found, newest

    def _chunks(self, roots: list[str]) -> Iterator[list[str]]:
        """Roots grouped so each search query fits X's length limit."""
        chunk: list[str] = []
        for root in roots:
            if chunk and len(_query([*chunk, root])) > self.source.max_query_length:
                yield chunk
                chunk = []
            chunk.append(root)
        if chunk:
            yield chunk

    def _search(
        self,
        budget: ReadBudget,
        chunk: list[str],
        roots: dict[str, dict[str, Any]],
        own: set[str],
    ) -> Iterator[tuple[Post, ...]]:
        query = _query(chunk)
        since = [roots[r].get("since") for r in chunk]
        params: dict[str, Any] = {
            "tweet_fields": REPLY_FIELDS,
            "expansions": EXPANSIONS,
            "user_fields": USER_FIELDS,
        }
        if all(since):
            params["since_id"] = str(min(int(s) for s in since))
        else:
            times = [time_or_none(roots[r].get("at"), self.zone) for r in chunk]
            start = min(t for t in times if t) if any(times) else None
            if start:
                params["start_time"] = _iso(max(start, self.clock() - timedelta(days=7)))
        cap = self.source.max_replies_per_thread * len(chunk)
        read = 0
        newest = 0
        token: str | None = None
        while read < cap:
            size = self._page_size(budget, SEARCH_MIN_PAGE)
            if size is None:
                return  # out of budget: the roots keep their since, the next run resumes
            if token:
                params["next_token"] = token
            with x_errors("the replies search"):
                body = self.client.search_recent_tweets(
                    query, max_results=min(size, MAX_PAGE), **params
                )
            tweets = body.get("data") or []
            budget.spend(len(tweets))
            read += len(tweets)
            users = _users(body)
            provenance = Provenance.now(f"{API}/tweets/search/recent", self.source.kind)
            posts = []
            for tweet in tweets:
                root = str(tweet.get("conversation_id") or "")
                if root not in roots or str(tweet.get("author_id")) in own:
                    continue  # not under the Department's posts, or the Department's own
                if str(tweet.get("id")) == root:
                    continue
                post = tweet_post(
                    tweet,
                    users,
                    source=self.source,  # type: ignore[arg-type]
                    provenance=provenance,
                    zone=self.zone,
                )
                posts.append(dataclasses.replace(post, in_reply_to=root))
            newest = max([newest, *(int(t["id"]) for t in tweets if "id" in t)])
            token = (body.get("meta") or {}).get("next_token")
            if not token:
                # every conversation of the chunk is read up to now: the next search of
                # each starts after the newest reply seen (its own, or another root's)
                for root in chunk:
                    mark = max(newest, int(roots[root].get("since") or 0))
                    if mark:
                        roots[root]["since"] = str(mark)
            yield tuple(posts)
            if not token:
                return


def _query(roots: list[str]) -> str:
    joined = " OR ".join(f"conversation_id:{root}" for root in roots)
    return f"({joined}) -is:retweet" if len(roots) > 1 else f"{joined} -is:retweet"
