"""What the weekly engagement report holds: plain, frozen records and their arithmetic.

Built by :func:`reports.weekly.build_report`, turned into tables by
:mod:`reports.weekly_layout`. ``None`` anywhere is an unavailable figure (the platform
does not give it), never zero.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rumordesk.reports.weeks import Week
from rumordesk.store.records import Metrics

if TYPE_CHECKING:
    pass

#: What counts as engagement (an interaction); views are reach, not engagement.
INTERACTIONS = ("likes", "shares", "replies", "quotes")
METRICS = Metrics.names()
TOP_POSTS = 5


@dataclass(frozen=True, slots=True)
class Figures(Metrics):
    """Engagement counts (the store's ``Metrics``: ``None`` is unavailable) and what the
    report reads from them: engagement, engagement per view, the gain since a reading."""

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Figures:
        return cls(**{name: row.get(name) for name in METRICS})

    @property
    def engagement(self) -> int | None:
        """Likes + shares + replies + quotes that the platform gives; None if it gives none."""
        values = [getattr(self, name) for name in INTERACTIONS]
        known = [v for v in values if v is not None]
        return sum(known) if known else None

    @property
    def rate(self) -> float | None:
        """Engagement per view, where the platform gives views."""
        engagement = self.engagement
        if engagement is None or not self.views:
            return None
        return engagement / self.views

    def minus(self, base: Figures) -> Figures:
        """What was gained since ``base`` (an unknown base counts as nothing yet)."""
        values = {}
        for name in METRICS:
            now, then = getattr(self, name), getattr(base, name)
            values[name] = None if now is None else now - (then or 0)
        return Figures(**values)


def sum_known(values: Iterable[int | float | None]) -> int | float | None:
    """The sum of the known values; None when none is known (not zero)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def median_known(values: Iterable[int | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(statistics.median(known)) if known else None


def change_pct(now: int | float | None, before: int | float | None) -> float | None:
    if now is None or not before:
        return None
    return (now - before) / before * 100


@dataclass(frozen=True, slots=True)
class PostFigures:
    """A Department post published in the week, with its figures at the week's end."""

    post_id: int
    source: str
    channel: str
    published: datetime
    text: str
    url: str | None
    figures: Figures
    #: When the figures were read; after the week's end only if none was read before it.
    as_of: datetime | None

    @property
    def engagement(self) -> int | None:
        return self.figures.engagement


@dataclass(frozen=True, slots=True)
class EarlierPost:
    """A post published before the week, and the engagement it gained during the week."""

    post_id: int
    source: str
    channel: str
    published: datetime
    text: str
    url: str | None
    at_start: Figures
    at_end: Figures
    gained: Figures

    @property
    def engagement(self) -> int | None:
        return self.gained.engagement


@dataclass(frozen=True, slots=True)
class ChannelFigures:
    channel: str
    sources: tuple[str, ...]
    posts: int
    likes: int | None
    shares: int | None
    replies: int | None
    quotes: int | None
    views: int | None
    #: Engagement of the posts published this week, at the week's end.
    engagement_new: int | None
    median_per_post: float | None
    #: Engagement gained during the week by posts published earlier.
    gained_by_earlier: int | None
    #: Everything the channel earned during the week: new posts plus earlier ones' gains.
    engagement: int | None
    engagement_rate: float | None
    previous_posts: int | None = None
    previous_engagement: int | None = None

    @property
    def has_metrics(self) -> bool:
        return self.engagement is not None or self.views is not None

    @property
    def change_posts(self) -> int | None:
        return None if self.previous_posts is None else self.posts - self.previous_posts

    @property
    def change_engagement(self) -> int | None:
        if self.engagement is None or self.previous_engagement is None:
            return None
        return self.engagement - self.previous_engagement

    @property
    def change_pct(self) -> float | None:
        return change_pct(self.engagement, self.previous_engagement)


@dataclass(frozen=True, slots=True)
class DayFigures:
    day: date
    channel: str
    posts: int
    #: Engagement gained that local day by every Department post on the channel.
    engagement: int | None


@dataclass(frozen=True, slots=True)
class Gap:
    """A channel (or one of its sources) that gave no data, and why."""

    channel: str
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class RumourOutcome:
    rumor_id: int
    claim: str
    status: str
    decision: str | None
    severity: float
    first_seen: datetime
    first_action: datetime | None
    correction_url: str | None

    @property
    def hours_to_first_action(self) -> float | None:
        if self.first_action is None:
            return None
        return (self.first_action - self.first_seen).total_seconds() / 3600


@dataclass(frozen=True, slots=True)
class RumourSummary:
    rumours: tuple[RumourOutcome, ...]
    by_status: dict[str, int]
    by_decision: dict[str, int]

    @property
    def total(self) -> int:
        return len(self.rumours)

    @property
    def acted_on(self) -> int:
        return sum(1 for r in self.rumours if r.first_action is not None)

    @property
    def median_hours_to_first_action(self) -> float | None:
        hours = [r.hours_to_first_action for r in self.rumours]
        known = [h for h in hours if h is not None]
        return float(statistics.median(known)) if known else None


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    week: Week
    department: str
    generated_at: datetime
    posts: tuple[PostFigures, ...]
    earlier: tuple[EarlierPost, ...]
    channels: tuple[ChannelFigures, ...]
    days: tuple[DayFigures, ...]
    rumours: RumourSummary
    gaps: tuple[Gap, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.posts and not self.earlier and not self.rumours.total

    @property
    def engagement(self) -> int | None:
        return sum_known(c.engagement for c in self.channels)

    @property
    def previous_engagement(self) -> int | None:
        return sum_known(c.previous_engagement for c in self.channels)

    @property
    def top(self) -> list[PostFigures | EarlierPost]:
        """The posts that earned the most engagement this week, new or earlier."""
        ranked = [p for p in (*self.posts, *self.earlier) if p.engagement]
        ranked.sort(key=lambda p: (-(p.engagement or 0), p.post_id))
        return ranked[:TOP_POSTS]

    def local(self, moment: datetime | None) -> datetime | None:
        """A naive local datetime, as spreadsheets want dates."""
        return None if moment is None else moment.astimezone(self.week.tz).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    week: str
    channel: str
    posts: int
    #: What the channel earned that week (new posts and earlier ones); None: unavailable.
    engagement: int | None
