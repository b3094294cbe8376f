"""Which collector class serves which ``kind`` of source: written out, not discovered."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import tzinfo
from typing import Any, Protocol

from rumordesk.base.source_settings import SourceBase
from rumordesk.collectors.bluesky import BlueskyAuthorCollector, BlueskySearchCollector
from rumordesk.collectors.bluesky_replies import BlueskyRepliesCollector
from rumordesk.collectors.csv_import import CsvImportCollector
from rumordesk.collectors.feeds import FeedCollector, FeedSearchCollector
from rumordesk.collectors.graph import FacebookPageCollector, InstagramCollector
from rumordesk.collectors.graph_comments import (
    FacebookCommentsCollector,
    InstagramCommentsCollector,
)
from rumordesk.collectors.http import HttpClient
from rumordesk.collectors.imap import ImapCollector
from rumordesk.collectors.x import XSearchCollector, XTimelineCollector
from rumordesk.collectors.x_replies import XRepliesCollector
from rumordesk.collectors.youtube import YouTubeCollector
from rumordesk.collectors.youtube_comments import YouTubeCommentsCollector
from rumordesk.store.records import Batch


class Collector(Protocol):
    """Yields batches of posts, each with the cursor to save once they are stored."""

    kind: str

    def collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]: ...


COLLECTORS: dict[str, type] = {
    "feed": FeedCollector,
    "feed_search": FeedSearchCollector,
    "youtube": YouTubeCollector,
    "x_timeline": XTimelineCollector,
    "x_search": XSearchCollector,
    "csv_import": CsvImportCollector,
    "facebook_page": FacebookPageCollector,
    "instagram": InstagramCollector,
    "bluesky_search": BlueskySearchCollector,
    "bluesky_author": BlueskyAuthorCollector,
    "imap": ImapCollector,
    # replies and comments under the Department's own posts
    "facebook_comments": FacebookCommentsCollector,
    "instagram_comments": InstagramCommentsCollector,
    "x_replies": XRepliesCollector,
    "youtube_comments": YouTubeCommentsCollector,
    "bluesky_replies": BlueskyRepliesCollector,
}


def build_collector(source: SourceBase, http: HttpClient, *, zone: tzinfo) -> Collector:
    """The collector for ``source``; it reads a time without an offset in ``zone`` (the
    Department's), unless the source says which zone it writes (a CSV export)."""
    return COLLECTORS[source.kind](source, http, zone=zone)  # type: ignore[attr-defined]
