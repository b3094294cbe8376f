"""The weekly engagement report on the Department's own posts, for the Office of the Chief.

A week is an ISO week in the Department's timezone (:mod:`reports.weeks`); the figures
come from the stored metric snapshots (:mod:`reports.weekly_queries` reads them,
:mod:`reports.weekly_figures` measures them), and the report (:mod:`reports.weekly_model`)
turns into the tables every output uses (:mod:`reports.weekly_layout`).

A figure the platform does not give (a website feed, Nixle, e-mail) is ``None`` —
unavailable — never zero, and the report says which channels had no data and why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from rumordesk.base.urls import safe_url
from rumordesk.classify.rumours import DECISIONS, STATUSES
from rumordesk.reports.weekly_figures import WeekFigures, week_figures
from rumordesk.reports.weekly_model import (
    ChannelFigures,
    Gap,
    RumourOutcome,
    RumourSummary,
    TrendPoint,
    WeeklyReport,
)
from rumordesk.reports.weekly_queries import rumours_first_seen, week_posts
from rumordesk.reports.weeks import Week
from rumordesk.store.db import Database
from rumordesk.store.sources import source_health

_FAILING = ("error", "rate_limited", "misconfigured", "rejected")


def build_report(
    db: Database,
    week: Week,
    *,
    sources: Sequence[Any] = (),
    department: str = "",
    now: datetime | None = None,
    include_demo: bool = False,
) -> WeeklyReport:
    """The report for ``week``; ``sources`` are the configured sources (the official ones
    say which channels the Department has, and their health says why one had no data).
    ``include_demo`` is for the dashboard's labelled demo view only: a report that is
    exported, scheduled or e-mailed never contains demo data."""
    now = now or datetime.now(UTC)
    official = [s for s in sources if getattr(s, "official", False)]
    current = _measure(db, week, official, include_demo)
    previous = _measure(db, week.previous(), official, include_demo)
    before = {c.channel: c for c in previous.channels}
    channels = []
    for row in current.channels:
        past = before.get(row.channel)
        channels.append(
            _with_previous(row, past.posts if past else 0, past.engagement if past else None)
        )
    gaps = _gaps(db, week, official, channels, {p.source for p in current.posts})
    rumours = _rumours(db, week, include_demo)
    notes = []
    if include_demo:
        notes.append(
            "DEMO view: these figures include the invented demo posts and rumours. "
            "Exports and the weekly e-mail never do."
        )
    if not current.posts and not current.earlier:
        notes.append(
            f"No Department post was published in {week.label} and no earlier post gained "
            "engagement: every figure below is empty, not zero."
        )
    if now < week.end:
        notes.append(f"{week.label} is not over yet: the figures are as of {_stamp(now, week)}.")
    late = [p for p in current.posts if p.as_of is not None and p.as_of >= week.end]
    if late:
        notes.append(
            f"{len(late)} post(s) were first measured after the week ended; their figures "
            "are from that first measurement."
        )
    return WeeklyReport(
        week=week,
        department=department,
        generated_at=now,
        posts=tuple(current.posts),
        earlier=tuple(current.earlier),
        channels=tuple(channels),
        days=tuple(current.days),
        rumours=rumours,
        gaps=tuple(gaps),
        notes=tuple(notes),
    )


def trend(
    db: Database,
    week: Week,
    *,
    weeks: int = 8,
    sources: Sequence[Any] = (),
    include_demo: bool = False,
) -> list[TrendPoint]:
    """Each channel's posts and engagement for ``weeks`` weeks up to ``week``, oldest first."""
    official = [s for s in sources if getattr(s, "official", False)]
    chosen = [week]
    while len(chosen) < weeks:
        chosen.append(chosen[-1].previous())
    points = []
    for each in reversed(chosen):
        for row in _measure(db, each, official, include_demo).channels:
            points.append(TrendPoint(each.label, row.channel, row.posts, row.engagement))
    return points


def _measure(
    db: Database, week: Week, official: Sequence[Any], include_demo: bool = False
) -> WeekFigures:
    return week_figures(week_posts(db, week, include_demo=include_demo), week, official)


def _stamp(moment: datetime, week: Week) -> str:
    return moment.astimezone(week.tz).strftime("%Y-%m-%d %H:%M %Z")


def _with_previous(
    row: ChannelFigures, posts_before: int, engagement_before: int | None
) -> ChannelFigures:
    return replace(row, previous_posts=posts_before, previous_engagement=engagement_before)


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


def _rumours(db: Database, week: Week, include_demo: bool = False) -> RumourSummary:
    """The week's rumours, counted by every status and decision (zeros included)."""
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
        for r in rumours_first_seen(db, week, include_demo=include_demo)
    )
    status_counts = Counter(r.status for r in outcomes)
    decision_counts = Counter(r.decision or "undecided" for r in outcomes)
    by_status = {s: status_counts.get(s, 0) for s in STATUSES}
    by_status.update({s: n for s, n in status_counts.items() if s not in by_status})
    by_decision = {d: decision_counts.get(d, 0) for d in (*DECISIONS, "undecided")}
    by_decision.update({d: n for d, n in decision_counts.items() if d not in by_decision})
    return RumourSummary(outcomes, by_status, by_decision)
