"""The records posts travel in: what every collector produces and the store keeps."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import rumordesk

#: The source of the invented demo evening's posts (``rumordesk demo load``): reports,
#: retention and the transparency figures tell them apart by it.
DEMO_SOURCE = "demo"


@dataclass(frozen=True, slots=True)
class Metrics:
    """Engagement as the platform reports it. ``None`` means unknown, never zero."""

    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None

    @classmethod
    @functools.cache  # read for every post stored: dataclasses.fields() is slow
    def names(cls) -> tuple[str, ...]:
        return _METRIC_NAMES

    def as_dict(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in _METRIC_NAMES}

    @property
    def known(self) -> bool:
        return any(value is not None for value in self.as_dict().values())


#: Read once: ``save_batch`` asks for every post of every batch.
_METRIC_NAMES = tuple(f.name for f in fields(Metrics))


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where and when a record was fetched, and by which collector version."""

    retrieved_at: datetime
    url: str | None
    collector: str

    @classmethod
    def now(cls, url: str | None, kind: str) -> Provenance:
        return cls(datetime.now(UTC), url, f"{kind}/{rumordesk.__version__}")


@dataclass(frozen=True, slots=True)
class Post:
    """A public post, as plain text, keyed by ``(source, source_id)``."""

    source: str
    source_id: str
    channel: str
    text: str
    provenance: Provenance
    url: str | None = None
    author: str | None = None
    created_at: datetime | None = None
    lang: str | None = None
    is_official: bool = False
    metrics: Metrics = field(default_factory=Metrics)
    #: The item as the platform sent it (JSON-compatible), kept for evidence and re-parsing.
    raw: Mapping[str, Any] = field(default_factory=dict)
    #: A reply or comment: the platform's id of the Department post whose thread it is in
    #: (that post's ``source_id``); the store links the two (store/threads.py).
    in_reply_to: str | None = None

    def __str__(self) -> str:
        return self.url or f"{self.source}:{self.source_id}"


@dataclass(frozen=True, slots=True)
class Batch:
    """Posts from one request, and the source's cursor once they are stored.

    The store writes the posts and the cursor in one transaction, so a crash can neither
    skip posts (cursor saved, posts lost) nor duplicate them (posts saved, cursor lost).
    """

    posts: tuple[Post, ...]
    cursor: Mapping[str, Any]
    #: Requests made for this batch (a 304 counts: it is a request, but not new data).
    requests: int = 1
