"""What the weekly report reads from the store: the Department's posts of a week, their
metric snapshots, and the rumours first seen in it. Rows only; the arithmetic on them is
in :mod:`reports.weekly_figures`.

Posts and snapshots are read in one read transaction, so they agree with each other even
while the collector writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, or_, select

from rumordesk.reports.weeks import Week
from rumordesk.store.db import Database
from rumordesk.store.records import DEMO_SOURCE, Metrics
from rumordesk.store.schema import metric_snapshots, posts, rumors

#: Post ids per ``IN (...)`` list, well below SQLite's limit on bound parameters.
_CHUNK = 500

_POST_COLUMNS = (
    posts.c.id,
    posts.c.source,
    posts.c.channel,
    posts.c.created_at,
    posts.c.first_seen_at,
    posts.c.text,
    posts.c.url,
)

Snapshot = dict[str, Any]


@dataclass(frozen=True, slots=True)
class WeekPosts:
    """The Department's posts that count in a week, and their measurements."""

    #: Published in the week (oldest first); keys are ``_POST_COLUMNS``' names.
    published: list[dict[str, Any]]
    #: Published before the week and measured again during it (oldest first).
    earlier: list[dict[str, Any]]
    #: Each post's snapshots up to the week's end, in time order.
    snapshots: dict[int, list[Snapshot]]
    #: For posts published in the week but never measured by its end: their first snapshot.
    first_after: dict[int, Snapshot]


def week_posts(db: Database, week: Week, *, include_demo: bool = False) -> WeekPosts:
    """``include_demo``: the dashboard's labelled demo view only; exports never set it."""
    start, end = week.start, week.end
    with db.read() as connection:
        published = [
            dict(r)
            for r in connection.execute(
                select(*_POST_COLUMNS)
                .where(_department(include_demo), _published_in(start, end))
                .order_by(_published(), posts.c.id)
            ).mappings()
        ]
        earlier = [
            dict(r)
            for r in connection.execute(
                select(*_POST_COLUMNS)
                .where(
                    _department(include_demo),
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
        history = _snapshots(connection, [r["id"] for r in published + earlier], end)
        unmeasured = [r["id"] for r in published if not history.get(r["id"])]
        late = _first_after(connection, unmeasured, end)
    return WeekPosts(published, earlier, history, late)


def rumours_first_seen(db: Database, week: Week, *, include_demo: bool = False) -> list[Row[Any]]:
    """The real (not demo) rumours first seen in the week, in order, with their outcome
    (and the demo's, for the dashboard's labelled demo view)."""
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
            True if include_demo else rumors.c.is_demo.is_(False),
        )
        .order_by(rumors.c.first_seen_at, rumors.c.id)
    )
    with db.read() as connection:
        return list(connection.execute(query).all())


def _department(include_demo: bool = False):  # type: ignore[no-untyped-def]
    """The Department's own posts; the invented demo evening never counts in a report
    (only the dashboard's demo view, labelled as such, shows it)."""
    if include_demo:
        return posts.c.is_official.is_(True)
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


def _snapshots(connection: Any, ids: list[int], end: datetime) -> dict[int, list[Snapshot]]:
    found: dict[int, list[Snapshot]] = defaultdict(list)
    columns = (metric_snapshots.c.post_id, metric_snapshots.c.captured_at) + tuple(
        metric_snapshots.c[name] for name in Metrics.names()
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


def _first_after(connection: Any, ids: list[int], end: datetime) -> dict[int, Snapshot]:
    """For posts first measured after the week: that first measurement."""
    found: dict[int, Snapshot] = {}
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
