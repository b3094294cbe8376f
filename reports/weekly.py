"""The weekly engagement report on the Department's own posts, for the Office of the Chief.

A week is an ISO week in the Department's timezone: Monday 00:00 to the next Monday 00:00
local time, so the week holding a daylight-saving change is 167 or 169 hours long. All
figures come from the stored metric snapshots (``store.posts.save_batch`` appends one
whenever engagement moves), read as "the last snapshot at or before" each boundary:

* a post published in the week counts with its figures at the week's end;
* a post published earlier counts with what it *gained* during the week (value at the
  end minus value at the start), so a video that keeps being watched is not forgotten.
  When no snapshot precedes the start (the post was first collected mid-week), the gain
  is counted from its first snapshot in the week, never from zero: that would credit the
  week with everything the post ever earned.

A figure the platform does not give (a website feed, Nixle, e-mail) is ``None`` —
unavailable — never zero, and the report says which channels had no data and why.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from rumordesk.base.errors import RumorDeskError
from rumordesk.base.urls import safe_url
from rumordesk.reports.table import Table
from rumordesk.store.db import Database
from rumordesk.store.records import DEMO_SOURCE
from rumordesk.store.schema import metric_snapshots, posts, rumors
from rumordesk.store.sources import source_health

#: What counts as engagement (an interaction); views are reach, not engagement.
INTERACTIONS = ("likes", "shares", "replies", "quotes")
METRICS = (*INTERACTIONS, "views")
TOP_POSTS = 5
EXCERPT = 160
_CHUNK = 500
_FAILING = ("error", "rate_limited", "misconfigured", "rejected")
#: Shown as the workflow's names; kept here so a report needs nothing but the store.
STATUSES = ("new", "reviewing", "confirmed", "accurate", "not_relevant", "duplicate")
DECISIONS = ("correction", "monitor", "no_action", "other")


class ReportError(RumorDeskError):
    """A report was asked for something that does not exist (e.g. week 53 of 2026)."""


# --- the week ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Week:
    """An ISO week in a timezone; ``start`` and ``end`` are local midnights (end exclusive)."""

    year: int
    number: int
    tz: ZoneInfo

    def __post_init__(self) -> None:
        try:
            date.fromisocalendar(self.year, self.number, 1)
        except ValueError:
            raise ReportError(f"{self.year} has no ISO week {self.number}") from None

    @classmethod
    def parse(cls, text: str, tz: ZoneInfo) -> Week:
        """``2026-W42`` (also ``2026W42`` and lower case)."""
        cleaned = text.strip().upper().replace("-", "")
        year, sep, number = cleaned.partition("W")
        if not (sep and year.isdigit() and number.isdigit() and len(year) == 4):
            raise ReportError(f"not an ISO week: {text!r} (expected e.g. 2026-W42)")
        return cls(int(year), int(number), tz)

    @classmethod
    def containing(cls, moment: datetime, tz: ZoneInfo) -> Week:
        year, number, _ = moment.astimezone(tz).isocalendar()
        return cls(year, number, tz)

    @classmethod
    def last_complete(cls, now: datetime, tz: ZoneInfo) -> Week:
        return cls.containing(now, tz).previous()

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]

    def midnight(self, day: date) -> datetime:
        """Local midnight of ``day`` in UTC (zoneinfo picks the right offset on DST days)."""
        return datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)

    @property
    def start(self) -> datetime:
        return self.midnight(self.monday)

    @property
    def end(self) -> datetime:
        return self.midnight(self.monday + timedelta(days=7))

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def previous(self) -> Week:
        return Week.containing(self.start - timedelta(days=3), self.tz)

    def following(self) -> Week:
        return Week.containing(self.end + timedelta(days=3), self.tz)

    def __str__(self) -> str:
        return self.label


# --- figures ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    """Engagement counts; ``None`` is unavailable (the platform does not say)."""

    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Figures:
        return cls(**{name: row.get(name) for name in METRICS})

    @property
    def known(self) -> bool:
        return any(getattr(self, name) is not None for name in METRICS)

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


ZERO = Figures(0, 0, 0, 0, 0)


def _total(values: Iterable[int | float | None]) -> int | float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _median(values: Iterable[int | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(statistics.median(known)) if known else None


def _change_pct(now: int | float | None, before: int | float | None) -> float | None:
    if now is None or not before:
        return None
    return (now - before) / before * 100


# --- report rows ------------------------------------------------------------------------


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
        return _change_pct(self.engagement, self.previous_engagement)


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
        return _total(c.engagement for c in self.channels)

    @property
    def previous_engagement(self) -> int | None:
        return _total(c.previous_engagement for c in self.channels)

    @property
    def top(self) -> list[PostFigures | EarlierPost]:
        """The posts that earned the most engagement this week, new or earlier."""
        ranked = [p for p in (*self.posts, *self.earlier) if p.engagement]
        ranked.sort(key=lambda p: (-(p.engagement or 0), p.post_id))
        return ranked[:TOP_POSTS]

    def local(self, moment: datetime | None) -> datetime | None:
        """A naive local datetime, as spreadsheets want dates."""
        return None if moment is None else moment.astimezone(self.week.tz).replace(tzinfo=None)

    def tables(self) -> list[Table]:
        """Every table of the report, in the order the exports and the page show them."""
        return _tables(self)


# --- building ---------------------------------------------------------------------------


def build_report(
    db: Database,
    week: Week,
    *,
    sources: Sequence[Any] = (),
    department: str = "",
    now: datetime | None = None,
) -> WeeklyReport:
    """The report for ``week``; ``sources`` are the configured sources (the official ones
    say which channels the Department has, and their health says why one had no data)."""
    now = now or datetime.now(UTC)
    official = [s for s in sources if getattr(s, "official", False)]
    current = _figures(db, week, official)
    previous = _figures(db, week.previous(), official)
    before = {c.channel: c for c in previous[2]}
    channels = []
    for row in current[2]:
        past = before.get(row.channel)
        channels.append(
            _with_previous(row, past.posts if past else 0, past.engagement if past else None)
        )
    gaps = _gaps(db, week, official, channels, {p.source for p in current[0]})
    rumours = _rumours(db, week)
    notes = []
    if not current[0] and not current[1]:
        notes.append(
            f"No Department post was published in {week.label} and no earlier post gained "
            "engagement: every figure below is empty, not zero."
        )
    if now < week.end:
        notes.append(f"{week.label} is not over yet: the figures are as of {_stamp(now, week)}.")
    late = [p for p in current[0] if p.as_of is not None and p.as_of >= week.end]
    if late:
        notes.append(
            f"{len(late)} post(s) were first measured after the week ended; their figures "
            "are from that first measurement."
        )
    return WeeklyReport(
        week=week,
        department=department,
        generated_at=now,
        posts=tuple(current[0]),
        earlier=tuple(current[1]),
        channels=tuple(channels),
        days=tuple(current[3]),
        rumours=rumours,
        gaps=tuple(gaps),
        notes=tuple(notes),
    )


@dataclass(frozen=True, slots=True)
class TrendPoint:
    week: str
    channel: str
    posts: int
    #: What the channel earned that week (new posts and earlier ones); None: unavailable.
    engagement: int | None


def trend(
    db: Database, week: Week, *, weeks: int = 8, sources: Sequence[Any] = ()
) -> list[TrendPoint]:
    """Each channel's posts and engagement for ``weeks`` weeks up to ``week``, oldest first."""
    official = [s for s in sources if getattr(s, "official", False)]
    chosen = [week]
    while len(chosen) < weeks:
        chosen.append(chosen[-1].previous())
    points = []
    for each in reversed(chosen):
        for row in _figures(db, each, official)[2]:
            points.append(TrendPoint(each.label, row.channel, row.posts, row.engagement))
    return points


def _stamp(moment: datetime, week: Week) -> str:
    return moment.astimezone(week.tz).strftime("%Y-%m-%d %H:%M %Z")


def _with_previous(
    row: ChannelFigures, posts_before: int, engagement_before: int | None
) -> ChannelFigures:
    values = {f.name: getattr(row, f.name) for f in fields(row)}
    values.update(previous_posts=posts_before, previous_engagement=engagement_before)
    return ChannelFigures(**values)


def _department():  # type: ignore[no-untyped-def]
    """The Department's own posts; the invented demo evening never counts in a report."""
    return and_(posts.c.is_official.is_(True), posts.c.source != DEMO_SOURCE)


def _published_in(start: datetime, end: datetime):  # type: ignore[no-untyped-def]
    """Published in [start, end): spelled out so the (is_official, created_at) index serves."""
    return or_(
        and_(posts.c.created_at >= start, posts.c.created_at < end),
        and_(
            posts.c.created_at.is_(None),
            posts.c.first_seen_at >= start,
            posts.c.first_seen_at < end,
        ),
    )


def _published():  # type: ignore[no-untyped-def]
    return func.coalesce(posts.c.created_at, posts.c.first_seen_at)


_POST_COLUMNS = (
    posts.c.id,
    posts.c.source,
    posts.c.channel,
    posts.c.created_at,
    posts.c.first_seen_at,
    posts.c.text,
    posts.c.url,
)


def _figures(
    db: Database, week: Week, official: Sequence[Any]
) -> tuple[list[PostFigures], list[EarlierPost], list[ChannelFigures], list[DayFigures]]:
    start, end = week.start, week.end
    with db.read() as connection:
        fresh = [
            dict(r)
            for r in connection.execute(
                select(*_POST_COLUMNS)
                .where(_department(), _published_in(start, end))
                .order_by(_published(), posts.c.id)
            ).mappings()
        ]
        earlier = [
            dict(r)
            for r in connection.execute(
                select(*_POST_COLUMNS)
                .where(
                    _department(),
                    _published() < start,
                    posts.c.id.in_(
                        select(metric_snapshots.c.post_id).where(
                            metric_snapshots.c.captured_at > start,
                            metric_snapshots.c.captured_at <= end,
                        )
                    ),
                )
                .order_by(_published(), posts.c.id)
            ).mappings()
        ]
        history = _snapshots(connection, [r["id"] for r in fresh + earlier], end)
        late = _first_after(connection, [r["id"] for r in fresh if not history.get(r["id"])], end)

    boundaries = [week.midnight(day) for day in week.days] + [end]
    new_rows: list[PostFigures] = []
    old_rows: list[EarlierPost] = []
    # per (channel, day index): posts published and engagement gained
    day_posts: Counter[tuple[str, int]] = Counter()
    day_gain: dict[tuple[str, int], int] = defaultdict(int)
    measured_channels: set[str] = set()

    for row in fresh:
        published = row["created_at"] or row["first_seen_at"]
        snaps = history.get(row["id"], [])
        last = snaps[-1] if snaps else late.get(row["id"])
        figures = Figures.of(last) if last else Figures()
        new_rows.append(
            PostFigures(
                post_id=row["id"],
                source=row["source"],
                channel=row["channel"],
                published=published,
                text=row["text"],
                url=safe_url(row["url"]),
                figures=figures,
                as_of=last["captured_at"] if last else None,
            )
        )
        index = _day_index(boundaries, published)
        day_posts[(row["channel"], index)] += 1
        if figures.engagement is None:
            continue
        measured_channels.add(row["channel"])
        series = []
        for moment in boundaries:
            if moment <= published:
                series.append(0)
            elif not snaps:  # measured only after the week: all of it on the day it appeared
                series.append(figures.engagement)
            else:
                series.append(_engagement_at(snaps, moment, 0))
        _spread(day_gain, row["channel"], series)

    for row in earlier:
        snaps = history.get(row["id"], [])
        at_start = _at_or_before(snaps, start)
        in_week = [s for s in snaps if s["captured_at"] > start]
        base = at_start or in_week[0]
        at_end = Figures.of(in_week[-1])
        gained = at_end.minus(Figures.of(base))
        old_rows.append(
            EarlierPost(
                post_id=row["id"],
                source=row["source"],
                channel=row["channel"],
                published=row["created_at"] or row["first_seen_at"],
                text=row["text"],
                url=safe_url(row["url"]),
                at_start=Figures.of(at_start) if at_start else Figures(),
                at_end=at_end,
                gained=gained,
            )
        )
        if gained.engagement is None:
            continue
        measured_channels.add(row["channel"])
        base_engagement = Figures.of(base).engagement or 0
        series = [
            base_engagement if i == 0 else _engagement_at(snaps, moment, base_engagement)
            for i, moment in enumerate(boundaries)
        ]
        _spread(day_gain, row["channel"], series)

    names = sorted(
        {s.channel for s in official}
        | {r.channel for r in new_rows}
        | {r.channel for r in old_rows}
    )
    channels = [_channel(name, official, new_rows, old_rows) for name in names]
    days = [
        DayFigures(
            day=day,
            channel=name,
            posts=day_posts[(name, i)],
            engagement=day_gain.get((name, i), 0) if name in measured_channels else None,
        )
        for name in names
        for i, day in enumerate(week.days)
    ]
    return new_rows, old_rows, channels, days


def _spread(day_gain: dict[tuple[str, int], int], channel: str, series: list[int]) -> None:
    for i in range(7):
        day_gain[(channel, i)] += series[i + 1] - series[i]


def _day_index(boundaries: list[datetime], moment: datetime) -> int:
    for i in range(7):
        if moment < boundaries[i + 1]:
            return i
    return 6


def _engagement_at(snaps: list[dict[str, Any]], moment: datetime, default: int) -> int:
    found = _at_or_before(snaps, moment)
    if found is None:
        return default
    engagement = Figures.of(found).engagement
    return default if engagement is None else engagement


def _at_or_before(snaps: list[dict[str, Any]], moment: datetime) -> dict[str, Any] | None:
    found = None
    for snap in snaps:  # in time order
        if snap["captured_at"] > moment:
            break
        found = snap
    return found


def _snapshots(connection: Any, ids: list[int], end: datetime) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    columns = (metric_snapshots.c.post_id, metric_snapshots.c.captured_at) + tuple(
        metric_snapshots.c[name] for name in METRICS
    )
    for begin in range(0, len(ids), _CHUNK):
        query = (
            select(*columns)
            .where(
                metric_snapshots.c.post_id.in_(ids[begin : begin + _CHUNK]),
                metric_snapshots.c.captured_at <= end,
            )
            .order_by(metric_snapshots.c.post_id, metric_snapshots.c.captured_at)
        )
        for snap in connection.execute(query).mappings():
            found[snap["post_id"]].append(dict(snap))
    return found


def _first_after(connection: Any, ids: list[int], end: datetime) -> dict[int, dict[str, Any]]:
    """For posts first measured after the week: that first measurement."""
    found: dict[int, dict[str, Any]] = {}
    for begin in range(0, len(ids), _CHUNK):
        chunk = ids[begin : begin + _CHUNK]
        first = (
            select(metric_snapshots.c.post_id, func.min(metric_snapshots.c.captured_at).label("at"))
            .where(metric_snapshots.c.post_id.in_(chunk))
            .group_by(metric_snapshots.c.post_id)
            .subquery()
        )
        query = select(metric_snapshots).join(
            first,
            and_(
                metric_snapshots.c.post_id == first.c.post_id,
                metric_snapshots.c.captured_at == first.c.at,
            ),
        )
        for snap in connection.execute(query).mappings():
            if snap["captured_at"] > end:
                found[snap["post_id"]] = dict(snap)
    return found


def _channel(
    name: str, official: Sequence[Any], new: list[PostFigures], old: list[EarlierPost]
) -> ChannelFigures:
    mine = [p for p in new if p.channel == name]
    gains = [p.gained.engagement for p in old if p.channel == name]
    totals = {m: _total(getattr(p.figures, m) for p in mine) for m in METRICS}
    engagement_new = _total(p.engagement for p in mine)
    gained = _total(gains)
    with_views = [p for p in mine if p.figures.views and p.engagement is not None]
    views = sum(p.figures.views or 0 for p in with_views)
    rate = sum(p.engagement or 0 for p in with_views) / views if views else None
    sources = {s.name for s in official if s.channel == name} | {p.source for p in mine}
    return ChannelFigures(
        channel=name,
        sources=tuple(sorted(sources)),
        posts=len(mine),
        **totals,
        engagement_new=engagement_new,
        median_per_post=_median(p.engagement for p in mine),
        gained_by_earlier=gained,
        engagement=_total([engagement_new, gained]),
        engagement_rate=rate,
    )


def _gaps(
    db: Database,
    week: Week,
    official: Sequence[Any],
    channels: Sequence[ChannelFigures],
    posted_by: set[str],
) -> list[Gap]:
    """Why a channel had nothing: its source failing, disabled, never run, or no posts."""
    health = {h.name: h for h in source_health(db, [s.name for s in official])}
    gaps: list[Gap] = []
    for source in sorted(official, key=lambda s: (s.channel, s.name)):
        posted = source.name in posted_by
        state = health.get(source.name)
        if not source.enabled:
            if not posted:
                gaps.append(Gap(source.channel, source.name, "source disabled in config.toml"))
            continue
        if (
            state is not None
            and state.status in _FAILING
            and (state.last_success_at is None or state.last_success_at < week.end)
        ):
            since = (
                f"; last success {_stamp(state.last_success_at, week)}"
                if (state.last_success_at)
                else "; never succeeded"
            )
            error = (state.last_error or "").splitlines()[0][:160] if state.last_error else ""
            gaps.append(
                Gap(
                    source.channel,
                    source.name,
                    f"source failing ({state.status}{since}): {error}".rstrip(": "),
                )
            )
            continue
        if state is None or state.status == "never" or state.last_success_at is None:
            if not posted:
                gaps.append(Gap(source.channel, source.name, "source never collected"))
            continue
        if not posted:
            gaps.append(Gap(source.channel, source.name, "no posts published this week"))
    for channel in channels:
        if channel.posts and not channel.has_metrics:
            gaps.append(
                Gap(
                    channel.channel,
                    ", ".join(channel.sources),
                    "the platform gives no engagement figures (shown as unavailable)",
                )
            )
    return gaps


def _rumours(db: Database, week: Week) -> RumourSummary:
    query = (
        select(
            rumors.c.id,
            rumors.c.claim,
            rumors.c.status,
            rumors.c.decision,
            rumors.c.severity,
            rumors.c.first_seen_at,
            rumors.c.first_action_at,
            rumors.c.correction_url,
        )
        .where(
            rumors.c.first_seen_at >= week.start,
            rumors.c.first_seen_at < week.end,
            rumors.c.is_demo.is_(False),
        )
        .order_by(rumors.c.first_seen_at, rumors.c.id)
    )
    with db.read() as connection:
        rows = connection.execute(query).all()
    outcomes = tuple(
        RumourOutcome(
            rumor_id=r.id,
            claim=r.claim,
            status=r.status,
            decision=r.decision,
            severity=r.severity,
            first_seen=r.first_seen_at,
            first_action=r.first_action_at,
            correction_url=safe_url(r.correction_url),
        )
        for r in rows
    )
    status_counts = Counter(r.status for r in outcomes)
    decision_counts = Counter(r.decision or "undecided" for r in outcomes)
    by_status = {s: status_counts.get(s, 0) for s in STATUSES}
    by_status.update({s: n for s, n in status_counts.items() if s not in by_status})
    by_decision = {d: decision_counts.get(d, 0) for d in (*DECISIONS, "undecided")}
    by_decision.update({d: n for d, n in decision_counts.items() if d not in by_decision})
    return RumourSummary(outcomes, by_status, by_decision)


def excerpt(text: str, limit: int = EXCERPT) -> str:
    folded = " ".join(text.split())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"


# --- tables -----------------------------------------------------------------------------

POST_COLUMNS = (
    "published",
    "channel",
    "source",
    "text",
    "link",
    "likes",
    "shares",
    "replies",
    "quotes",
    "views",
    "engagement",
    "engagement_rate",
    "figures_as_of",
)
EARLIER_COLUMNS = (
    "published",
    "channel",
    "source",
    "text",
    "link",
    "likes_gained",
    "shares_gained",
    "replies_gained",
    "quotes_gained",
    "views_gained",
    "engagement_gained",
)
CHANNEL_COLUMNS = (
    "channel",
    "sources",
    "posts",
    "likes",
    "shares",
    "replies",
    "quotes",
    "views",
    "engagement_new_posts",
    "median_per_post",
    "gained_by_earlier_posts",
    "engagement",
    "engagement_rate",
    "previous_posts",
    "previous_engagement",
    "change_engagement",
    "change_pct",
)


def _tables(report: WeeklyReport) -> list[Table]:
    local = report.local
    week = report.week
    summary = [
        {"item": "report", "value": f"Weekly engagement report, {report.department}".strip(", ")},
        {"item": "week", "value": week.label},
        {"item": "from", "value": local(week.start)},
        {"item": "until (exclusive)", "value": local(week.end)},
        {"item": "timezone", "value": week.tz.key},
        {"item": "generated", "value": local(report.generated_at)},
        {"item": "posts published", "value": len(report.posts)},
        {"item": "earlier posts still gaining", "value": len(report.earlier)},
        {"item": "engagement", "value": report.engagement},
        {"item": "engagement, previous week", "value": report.previous_engagement},
        {
            "item": "change against previous week (%)",
            "value": _change_pct(report.engagement, report.previous_engagement),
        },
        {"item": "rumours first seen", "value": report.rumours.total},
        {"item": "rumours acted on", "value": report.rumours.acted_on},
        {
            "item": "median hours to first action",
            "value": report.rumours.median_hours_to_first_action,
        },
        *({"item": "note", "value": note} for note in report.notes),
        *(
            {"item": f"no data: {gap.channel} ({gap.source})", "value": gap.reason}
            for gap in report.gaps
        ),
    ]
    channels = [
        {
            "channel": c.channel,
            "sources": ", ".join(c.sources),
            "posts": c.posts,
            "likes": c.likes,
            "shares": c.shares,
            "replies": c.replies,
            "quotes": c.quotes,
            "views": c.views,
            "engagement_new_posts": c.engagement_new,
            "median_per_post": c.median_per_post,
            "gained_by_earlier_posts": c.gained_by_earlier,
            "engagement": c.engagement,
            "engagement_rate": c.engagement_rate,
            "previous_posts": c.previous_posts,
            "previous_engagement": c.previous_engagement,
            "change_engagement": c.change_engagement,
            "change_pct": c.change_pct,
        }
        for c in report.channels
    ]
    new = [
        {
            "published": local(p.published),
            "channel": p.channel,
            "source": p.source,
            "text": excerpt(p.text),
            "link": p.url,
            **{m: getattr(p.figures, m) for m in METRICS},
            "engagement": p.engagement,
            "engagement_rate": p.figures.rate,
            "figures_as_of": local(p.as_of),
        }
        for p in report.posts
    ]
    earlier = [
        {
            "published": local(p.published),
            "channel": p.channel,
            "source": p.source,
            "text": excerpt(p.text),
            "link": p.url,
            **{f"{m}_gained": getattr(p.gained, m) for m in METRICS},
            "engagement_gained": p.engagement,
        }
        for p in report.earlier
    ]
    top = [
        {
            "rank": rank,
            "published": local(p.published),
            "channel": p.channel,
            "text": excerpt(p.text),
            "link": p.url,
            "published_this_week": isinstance(p, PostFigures),
            "engagement_this_week": p.engagement,
        }
        for rank, p in enumerate(report.top, 1)
    ]
    days = [
        {
            "day": d.day,
            "weekday": d.day.strftime("%A"),
            "channel": d.channel,
            "posts": d.posts,
            "engagement": d.engagement,
        }
        for d in report.days
    ]
    outcomes = [
        {"kind": "status", "value": k, "rumours": n} for k, n in report.rumours.by_status.items()
    ] + [
        {"kind": "decision", "value": k, "rumours": n}
        for k, n in report.rumours.by_decision.items()
    ]
    rumours = [
        {
            "id": r.rumor_id,
            "first_seen": local(r.first_seen),
            "claim": excerpt(r.claim, 240),
            "status": r.status,
            "decision": r.decision,
            "severity": r.severity,
            "first_action": local(r.first_action),
            "hours_to_first_action": r.hours_to_first_action,
            "correction": r.correction_url,
        }
        for r in report.rumours.rumours
    ]
    gaps = [{"channel": g.channel, "source": g.source, "reason": g.reason} for g in report.gaps]
    return [
        Table("summary", "Summary", ("item", "value"), summary),
        Table("channels", "Channels", CHANNEL_COLUMNS, channels),
        Table("top_posts", "Top posts", _TOP_COLUMNS, top),
        Table("posts", "Posts", POST_COLUMNS, new),
        Table("earlier_posts", "Earlier posts", EARLIER_COLUMNS, earlier),
        Table("days", "By day", ("day", "weekday", "channel", "posts", "engagement"), days),
        Table("rumour_outcomes", "Rumour outcomes", ("kind", "value", "rumours"), outcomes),
        Table("rumours", "Rumours", _RUMOUR_COLUMNS, rumours),
        Table("gaps", "No data", ("channel", "source", "reason"), gaps),
    ]


_TOP_COLUMNS = (
    "rank",
    "published",
    "channel",
    "text",
    "link",
    "published_this_week",
    "engagement_this_week",
)
_RUMOUR_COLUMNS = (
    "id",
    "first_seen",
    "claim",
    "status",
    "decision",
    "severity",
    "first_action",
    "hours_to_first_action",
    "correction",
)
