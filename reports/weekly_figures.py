"""A week's engagement figures, from the posts and metric snapshots the store holds.

Every figure is read as "the last snapshot at or before" a boundary (the week's start and
end, or a local midnight within it):

* a post published in the week counts with its figures at the week's end (or, if it was
  first measured only after the week, with that first measurement);
* a post published earlier counts with what it *gained* during the week (value at the
  end minus value at the start), so a video that keeps being watched is not forgotten.
  When no snapshot precedes the start (the post was first collected mid-week), the gain
  is counted from its first snapshot in the week, never from zero: that would credit the
  week with everything the post ever earned.

A channel whose posts have no engagement figures at all has ``None`` per day, not zero.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rumordesk.base.urls import safe_url
from rumordesk.reports.weekly_model import (
    METRICS,
    ChannelFigures,
    DayFigures,
    EarlierPost,
    Figures,
    PostFigures,
    median_known,
    sum_known,
)
from rumordesk.reports.weekly_queries import Snapshot, WeekPosts
from rumordesk.reports.weeks import Week


@dataclass(frozen=True, slots=True)
class WeekFigures:
    """One week's figures per post, per channel and per channel and local day."""

    posts: list[PostFigures]
    earlier: list[EarlierPost]
    channels: list[ChannelFigures]
    days: list[DayFigures]


def week_figures(rows: WeekPosts, week: Week, official: Sequence[Any]) -> WeekFigures:
    """The figures of ``rows`` (read for ``week``); every ``official`` source's channel
    gets a row even when it posted nothing."""
    start, end = week.start, week.end
    history, late = rows.snapshots, rows.first_after
    boundaries = [week.midnight(day) for day in week.days] + [end]
    new_rows: list[PostFigures] = []
    old_rows: list[EarlierPost] = []
    # per (channel, day index): posts published and engagement gained
    day_posts: Counter[tuple[str, int]] = Counter()
    day_gain: dict[tuple[str, int], int] = defaultdict(int)
    measured_channels: set[str] = set()

    for row in rows.published:
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

    for row in rows.earlier:
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
    return WeekFigures(new_rows, old_rows, channels, days)


def _spread(day_gain: dict[tuple[str, int], int], channel: str, series: list[int]) -> None:
    for i in range(7):
        day_gain[(channel, i)] += series[i + 1] - series[i]


def _day_index(boundaries: list[datetime], moment: datetime) -> int:
    for i in range(7):
        if moment < boundaries[i + 1]:
            return i
    return 6


def _engagement_at(snaps: list[Snapshot], moment: datetime, default: int) -> int:
    found = _at_or_before(snaps, moment)
    if found is None:
        return default
    engagement = Figures.of(found).engagement
    return default if engagement is None else engagement


def _at_or_before(snaps: list[Snapshot], moment: datetime) -> Snapshot | None:
    found = None
    for snap in snaps:  # in time order
        if snap["captured_at"] > moment:
            break
        found = snap
    return found


def _channel(
    name: str, official: Sequence[Any], new: list[PostFigures], old: list[EarlierPost]
) -> ChannelFigures:
    mine = [p for p in new if p.channel == name]
    gains = [p.gained.engagement for p in old if p.channel == name]
    totals = {m: sum_known(getattr(p.figures, m) for p in mine) for m in METRICS}
    engagement_new = sum_known(p.engagement for p in mine)
    gained = sum_known(gains)
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
        median_per_post=median_known(p.engagement for p in mine),
        gained_by_earlier=gained,
        engagement=sum_known([engagement_new, gained]),
        engagement_rate=rate,
    )
