"""A YouTube channel's public feed: the Department's videos, with views and likes.

YouTube's feed carries ``media:statistics views=`` and ``media:starRating count=`` (the
like count). feedparser gives both as strings; a missing or garbled figure is unknown,
not zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rumordesk.collectors.feeds import FeedCollector
from rumordesk.store.records import Metrics


def _count(value: Any) -> int | None:
    try:
        number = int(str(value).replace(",", ""))
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


class YouTubeCollector(FeedCollector):
    kind = "youtube"

    def metrics(self, entry: Mapping[str, Any]) -> Metrics:
        statistics = entry.get("media_statistics") or {}
        rating = entry.get("media_starrating") or {}
        return Metrics(likes=_count(rating.get("count")), views=_count(statistics.get("views")))
